#!/usr/bin/env python3
"""The interpreter as the oracle for `sitewatch scan`.

For every CPython found on this machine (pyenv's versions under
/root/.pyenv/versions and Debian's /usr/bin/python3.11; absent ones are
skipped with a message), the test builds a private copy of the
installation in a temporary folder: the executable copied, the standard
library linked entry by entry, and empty site folders of its own. Started
from there, the interpreter takes the copy as its prefix, so the machine's
own site-packages, user site and hooks never take part. HOME points at a
fixture home and the environment is empty except LC_ALL=C.UTF-8 (scan
assumes a UTF-8 locale).

Each scenario writes fixture .pth files and customize modules whose payload
only appends to a marker file in the test folder, starts every copy with
`-c pass`, records which markers appeared, runs `sitewatch scan` on the same
copies and checks that, for every case and every version, the interpreter
listed in scan's finding is exactly the one that ran the hook.

Usage: test_scan_oracle.py SITEWATCH
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

# Every .pth case: file name (or path relative to the site folder), content,
# and the 1-based line (counted by \n) of the payload in it.
MARK = "import os; open(os.path.join({dir!r}, {case!r}), 'a').write('x')"


class Interp:
    """One copied installation."""

    def __init__(self, name, exe, stdlib, debian, include):
        self.name = name          # "3.11.7" or "debian-3.11"
        self.real_exe = exe
        self.real_stdlib = stdlib
        self.debian = debian
        self.include = include
        self.ver = os.path.basename(stdlib)[len("python"):]  # "3.11"
        self.prefix = None
        self.exe = None

    @property
    def site(self):
        if self.debian:
            return os.path.join(self.prefix, "lib", "python3", "dist-packages")
        return os.path.join(self.prefix, "lib", "python" + self.ver, "site-packages")

    def user_site(self, home):
        return os.path.join(home, ".local", "lib", "python" + self.ver, "site-packages")


def find_interpreters():
    found = []
    for exe in sorted(glob.glob("/root/.pyenv/versions/*/bin/python[23].*")):
        base = os.path.basename(exe)
        if not base[len("python"):].replace(".", "").isdigit():
            continue
        prefix = os.path.dirname(os.path.dirname(exe))
        stdlib = os.path.join(prefix, "lib", base)
        if os.path.isdir(stdlib):
            name = os.path.basename(prefix)
            found.append(Interp(name, exe, stdlib, False, os.path.join(prefix, "include")))
    if os.path.exists("/usr/bin/python3.11") and os.path.isdir("/usr/lib/python3.11"):
        found.append(Interp("debian-3.11", "/usr/bin/python3.11", "/usr/lib/python3.11", True,
                            "/usr/include"))
    return found


def build_copy(interp, root):
    """A prefix that the interpreter recognises as its own (landmark lib/pythonX.Y/os.py)."""
    prefix = os.path.join(root, interp.name)
    os.makedirs(os.path.join(prefix, "bin"))
    exe = os.path.join(prefix, "bin", "python" + interp.ver)
    shutil.copy2(interp.real_exe, exe)
    lib = os.path.join(prefix, "lib", "python" + interp.ver)
    os.makedirs(lib)
    for name in os.listdir(interp.real_stdlib):
        if name not in ("site-packages", "dist-packages"):
            os.symlink(os.path.join(interp.real_stdlib, name), os.path.join(lib, name))
    include = os.path.join(interp.include, "python" + interp.ver)
    for suffix in ("", "m"):
        if os.path.isdir(include + suffix):
            os.makedirs(os.path.join(prefix, "include"), exist_ok=True)
            os.symlink(include + suffix, os.path.join(prefix, "include", "python" + interp.ver + suffix))
    interp.prefix = prefix
    interp.exe = exe


def clean_environment(interp, home):
    for folder in (interp.site, interp.user_site(home)):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


class Scenario:
    """Fixture files for every interpreter, and the cases to compare."""

    def __init__(self, name, tmp):
        self.name = name
        self.markers = os.path.join(tmp, "markers")
        self.tmp = tmp
        self.pth_cases = []     # (case, relative file, line)
        self.module_cases = []  # (case, function(interp, home) -> module path)
        self.user_cases = []    # (case, relative file, line) in the user site
        self.outside_cases = [] # (case, absolute file, line): a folder outside every site folder
        self.files = []         # (where, relative, data): where in "site", "user"
        self.setup = []         # functions(interp, home) run after the files are written

    def mark(self, case):
        return MARK.format(dir=self.markers, case=case)

    def pth(self, case, rel, data, line, where="site"):
        self.files.append((where, rel, data))
        if case:
            (self.pth_cases if where == "site" else self.user_cases).append((case, rel, line))


def main_scenario(tmp):
    s = Scenario("pth rules", tmp)
    m = s.mark
    s.pth("plain", "plain.pth", m("plain") + "\n", 1)
    s.pth("tab", "tab.pth", "# a tab after import\n" + m("tab").replace("import ", "import\t", 1) + "\n", 2)
    s.pth("two_spaces", "spaces.pth", m("two_spaces").replace("import ", "import  ", 1) + "\n", 1)
    s.pth("leading_space", "lead.pth", " " + m("leading_space") + "\n", 1)
    s.pth("hidden", ".hidden.pth", m("hidden") + "\n", 1)
    s.pth("form_feed", "ff.pth", "# comment\x0c" + m("form_feed") + "\n", 1)
    s.pth("vertical_tab", "vt.pth", "#\x0b" + m("vertical_tab") + "\n", 1)
    s.pth("nel", "nel.pth", "#\u0085" + m("nel") + "\n", 1)
    s.pth("line_sep", "ls.pth", "#\u2028" + m("line_sep") + "\n", 1)
    s.pth("carriage_return", "cr.pth", "# comment\r" + m("carriage_return") + "\n", 1)
    s.pth("bom", "bom.pth", b"\xef\xbb\xbf" + (m("bom") + "\n").encode(), 1)
    s.pth("after_raise", "stop.pth", "import sitewatch_absent_module_x\n" + m("after_raise") + "\n", 2)
    s.pth("next_file", "stop_next.pth", m("next_file") + "\n", 1)
    s.pth(None, "upper.PTH", m("upper_suffix") + "\n", 1)
    s.pth(None, "sub/inner.pth", m("subfolder") + "\n", 1)
    s.pth("not_import", "notimport.pth",
          "importx os; " + m("not_import") + "\nImport os; " + m("not_import") + "\n"
          "from os import path; " + m("not_import") + "\n", 1)
    outside = os.path.join(tmp, "outside", "target.pth")
    write(outside, m("symlink") + "\n")
    s.pth("symlink", "link.pth", None, 1)
    s.pth("user_pth", "user.pth", m("user_pth") + "\n", 1, where="user")
    s.files.append(("user", "usercustomize.py", m("usercustomize") + "\n"))
    s.module_cases.append(("usercustomize", lambda i, home: os.path.join(i.user_site(home), "usercustomize.py")))
    s.link = ("link.pth", outside)
    return s


def customize_scenario(tmp):
    s = Scenario("customize", tmp)
    extra = os.path.join(tmp, "extra")
    write(os.path.join(extra, "sitecustomize.py"), s.mark("pth_path_sitecustomize") + "\n")
    s.files.append(("site", "sitecustomize.py", s.mark("site_sitecustomize") + "\n"))
    s.pth(None, "extra.pth", extra + "\n", 1)
    s.files.append(("site", "usercustomize/__init__.py", s.mark("package_usercustomize") + "\n"))
    s.module_cases.append(("site_sitecustomize", lambda i, home: os.path.join(i.site, "sitecustomize.py")))
    s.module_cases.append(("pth_path_sitecustomize", lambda i, home: os.path.join(extra, "sitecustomize.py")))
    s.module_cases.append(("package_usercustomize",
                           lambda i, home: os.path.join(i.site, "usercustomize", "__init__.py")))
    return s


def addsitedir_scenario(tmp):
    """site.addsitedir() in a .pth line: the .pth files of that folder run too, at that point."""
    s = Scenario("site.addsitedir", tmp)
    stash = os.path.join(tmp, "stash")
    write(os.path.join(stash, "zz.pth"), s.mark("addsitedir_pth") + "\n")
    s.pth("adder", "adder.pth", "import site; site.addsitedir(%r)\n" % stash + s.mark("adder") + "\n", 2)
    s.outside_cases.append(("addsitedir_pth", os.path.join(stash, "zz.pth"), 1))
    return s


def pth_only_scenario(tmp):
    s = Scenario("path line to sitecustomize", tmp)
    extra = os.path.join(tmp, "extra_only")
    write(os.path.join(extra, "sitecustomize.py"), s.mark("only_pth_path_sitecustomize") + "\n")
    s.pth(None, "extra.pth", "# a folder with a sitecustomize\n" + extra + "\n", 2)
    s.module_cases.append(("only_pth_path_sitecustomize", lambda i, home: os.path.join(extra, "sitecustomize.py")))
    return s


def exit_scenario(tmp):
    s = Scenario("sys.exit", tmp)
    s.pth("before_exit", "a.pth", s.mark("before_exit") + "\n", 1)
    s.pth(None, "b.pth", "import sys; sys.exit(3)\n", 1)
    s.pth("after_exit", "c.pth", s.mark("after_exit") + "\n", 1)
    s.files.append(("site", "sitecustomize.py", s.mark("exit_sitecustomize") + "\n"))
    s.module_cases.append(("exit_sitecustomize", lambda i, home: os.path.join(i.site, "sitecustomize.py")))
    return s


def decode_scenario(tmp):
    s = Scenario("decode error", tmp)
    s.pth("before_bad_file", "a.pth", s.mark("before_bad_file") + "\n", 1)
    s.pth("bad_file_line", "b.pth", (s.mark("bad_file_line") + "\n").encode() + b"\xff\xfe\n", 1)
    s.pth("after_bad_file", "c.pth", s.mark("after_bad_file") + "\n", 1)
    return s


def cached_scenario(tmp):
    """A __pycache__ file whose header matches the source but whose code differs: the cache's
    code runs, and scan lists it under the source."""
    s = Scenario("cached bytecode", tmp)
    source = s.mark("cached_source") + "\n"
    other = s.mark("cached_pycode") + "\n"
    assert len(source) == len(other)
    s.files.append(("site", "sitecustomize.py", other))

    def compile_other(interp, home):
        path = os.path.join(interp.site, "sitecustomize.py")
        subprocess.run([interp.exe, "-S", "-E", "-c", "import py_compile, sys; py_compile.compile(sys.argv[1])", path],
                       env={"LC_ALL": "C.UTF-8", "HOME": home}, check=True, capture_output=True)
        st = os.stat(path)
        with open(path, "w") as f:
            f.write(source)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    def cached_path(interp, home):
        if interp.ver.startswith("2."):
            return os.path.join(interp.site, "sitecustomize.pyc")
        return os.path.join(interp.site, "__pycache__", "sitecustomize.cpython-%s.pyc" % interp.ver.replace(".", ""))

    # scan reports a cache on its source's finding (with the bytecode's strings judged there), so
    # the code that runs is predicted at the source's path and the cache has no finding of its own.
    s.setup.append(compile_other)
    s.module_cases.append(("cached_pycode", lambda i, home: os.path.join(i.site, "sitecustomize.py")))
    s.module_cases.append(("cached_source", cached_path))
    return s


def import_hooks_scenario(tmp):
    """A module that an earlier .pth imports appends a folder to sys.path. So a later line's
    import of a module that no site folder contains succeeds, and the line after it runs. A
    sitecustomize inside a zip archive that a path line adds runs through zipimport."""
    import zipfile
    s = Scenario("import hooks and zips", tmp)
    hidden = os.path.join(tmp, "hidden_path")
    write(os.path.join(hidden, "sw_ghost_mod.py"), "")
    s.files.append(("site", "sw_setup_path.py", "import sys\nsys.path.append(%r)\n" % hidden))
    s.pth(None, "a.pth", "import sw_setup_path\n", 1)
    s.pth("after_ghost", "b.pth", "import sw_ghost_mod\n" + s.mark("after_ghost") + "\n", 2)
    archive = os.path.join(tmp, "hooks.zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("sitecustomize.py", s.mark("zip_sitecustomize") + "\n")
    s.pth(None, "z.pth", archive + "\n", 1)
    s.module_cases.append(("zip_sitecustomize", lambda i, home: os.path.join(archive, "sitecustomize.py")))
    return s


def prepare(scenario, interps, home):
    for interp in interps:
        clean_environment(interp, home)
        for where, rel, data in scenario.files:
            base = interp.site if where == "site" else interp.user_site(home)
            if data is not None:
                write(os.path.join(base, rel), data)
        link = getattr(scenario, "link", None)
        if link:
            os.symlink(link[1], os.path.join(interp.site, link[0]))
        for step in scenario.setup:
            step(interp, home)


def run_interpreter(interp, scenario, home, cwd):
    shutil.rmtree(scenario.markers, ignore_errors=True)
    os.makedirs(scenario.markers)
    env = {"HOME": home, "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    try:
        proc = subprocess.run([interp.exe, "-c", "pass"], env=env, cwd=cwd, capture_output=True,
                              timeout=60)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        status = "timeout"
    return set(os.listdir(scenario.markers)), status


def run_scan(sitewatch, interps, home):
    cmd = [sitewatch, "scan", "--format", "ndjson", "--no-env", "--home", home] + [i.exe for i in interps]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode not in (0, 1):
        sys.exit("scan failed with status %d: %s" % (proc.returncode, proc.stderr))
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def predicted(findings, interp, scenario, home):
    """The markers that scan says this interpreter writes."""
    runs = set()

    def listed(f):
        return any(x["path"] == interp.exe for x in f["interpreters"])

    for case, rel, line in scenario.pth_cases + scenario.user_cases:
        base = interp.site if (case, rel, line) in scenario.pth_cases else interp.user_site(home)
        path = os.path.join(base, rel)
        if any(f["path"] == path and f["kind"] == "pth" and f["line"] == line and listed(f) for f in findings):
            runs.add(case)
    for case, path, line in scenario.outside_cases:
        if any(f["path"] == path and f["kind"] == "pth" and f["line"] == line and listed(f) for f in findings):
            runs.add(case)
    for case, locate in scenario.module_cases:
        path = locate(interp, home)
        if any(f["path"] == path and f["kind"] in ("sitecustomize", "usercustomize") and listed(f)
               for f in findings):
            runs.add(case)
    return runs


def venv_check(sitewatch, interps, tmp, home, cwd):
    """Virtual environments: their own site folder, and the system and user sites only with
    include-system-site-packages = true. A venv's site folder is read twice per start: an
    import of a module that a later .pth of the same folder makes importable fails on the
    first pass and succeeds on the second. Returns (agreements, disagreements)."""
    failures = 0
    passes = 0
    s = Scenario("venv", tmp)
    s.pth("system_pth", "system.pth", s.mark("system_pth") + "\n", 1)
    s.pth("user_pth", "user.pth", s.mark("user_pth") + "\n", 1, where="user")
    later = os.path.join(tmp, "later")
    write(os.path.join(later, "sitewatch_later_mod.py"), "")
    venvs = {}
    for interp in interps:
        if interp.ver.startswith("2."):
            continue
        venv = os.path.join(tmp, "venv", interp.name)
        proc = subprocess.run([interp.exe, "-m", "venv", "--without-pip", venv],
                              env={"LC_ALL": "C.UTF-8", "HOME": home}, capture_output=True, text=True)
        if proc.returncode != 0:
            print("skip %-12s venv: the venv module failed: %s" % (interp.name, proc.stderr.strip()[-200:]))
            continue
        venvs[interp.name] = venv
    for system_site in ("false", "true"):
        prepare(s, interps, home)
        for name, venv in venvs.items():
            interp = next(i for i in interps if i.name == name)
            site = os.path.join(venv, "lib", "python" + interp.ver, "site-packages")
            write(os.path.join(site, "venv.pth"), s.mark("venv_pth") + "\n")
            write(os.path.join(site, "a2.pth"), "import sitewatch_later_mod\n" + s.mark("second_pass") + "\n")
            write(os.path.join(site, "b2.pth"), later + "\n")
            cfg = os.path.join(venv, "pyvenv.cfg")
            with open(cfg) as f:
                lines = [l for l in f if not l.startswith("include-system-site-packages")]
            lines.append("include-system-site-packages = %s\n" % system_site)
            with open(cfg, "w") as f:
                f.writelines(lines)
        proc = subprocess.run([sitewatch, "scan", "--format", "ndjson", "--no-env", "--home", home]
                              + list(venvs.values()), capture_output=True, text=True, timeout=300)
        findings = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
        for name, venv in venvs.items():
            interp = next(i for i in interps if i.name == name)
            exe = os.path.join(venv, "bin", "python")
            site = os.path.join(venv, "lib", "python" + interp.ver, "site-packages")
            shutil.rmtree(s.markers, ignore_errors=True)
            os.makedirs(s.markers)
            subprocess.run([exe, "-c", "pass"], env={"HOME": home, "LC_ALL": "C.UTF-8"}, cwd=cwd,
                           capture_output=True, timeout=60)
            ran = set(os.listdir(s.markers))
            said = set()
            where = {"venv_pth": (os.path.join(site, "venv.pth"), 1),
                     "second_pass": (os.path.join(site, "a2.pth"), 2),
                     "system_pth": (os.path.join(interp.site, "system.pth"), 1),
                     "user_pth": (os.path.join(interp.user_site(home), "user.pth"), 1)}
            for case, (path, line) in where.items():
                if any(f["path"] == path and f["line"] == line and
                       any(x["path"] == exe for x in f["interpreters"]) for f in findings):
                    said.add(case)
            label = "venv, system site %s" % system_site
            if ran != said:
                failures += 1
                print("FAIL %-12s %-28s ran %s, scan predicted %s" % (name, label, sorted(ran), sorted(said)))
            else:
                passes += 1
                print("ok   %-12s %-28s ran %s" % (name, label, sorted(ran)))
    return passes, failures


def expected_cases(scenario):
    return ({c for c, _, _ in scenario.pth_cases + scenario.user_cases + scenario.outside_cases} |
            {c for c, _ in scenario.module_cases})


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sitewatch = os.path.abspath(sys.argv[1])
    interps = find_interpreters()
    if not interps:
        print("SKIP: no CPython under /root/.pyenv/versions or /usr/bin/python3.11")
        return SKIP
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="sitewatch-oracle-"))
    home = os.path.join(tmp, "home")
    cwd = os.path.join(tmp, "cwd")
    os.makedirs(cwd)
    try:
        for interp in interps:
            build_copy(interp, os.path.join(tmp, "py"))
        print("interpreters:", ", ".join(i.name for i in interps))
        failures = 0
        agreed = {i.name: 0 for i in interps}
        for make in (main_scenario, customize_scenario, pth_only_scenario, exit_scenario,
                     decode_scenario, cached_scenario, addsitedir_scenario, import_hooks_scenario):
            scenario = make(tmp)
            prepare(scenario, interps, home)
            findings = run_scan(sitewatch, interps, home)
            cases = expected_cases(scenario)
            for interp in interps:
                ran, status = run_interpreter(interp, scenario, home, cwd)
                ran &= cases | {"upper_suffix", "subfolder"}
                said = predicted(findings, interp, scenario, home)
                if ran != said:
                    failures += 1
                    print("FAIL %-12s %-28s ran %s, scan predicted %s (exit %s)" % (
                        interp.name, scenario.name, sorted(ran), sorted(said), status))
                else:
                    agreed[interp.name] += 1
                    print("ok   %-12s %-28s ran %s" % (interp.name, scenario.name, sorted(ran)))
        venv_passes, venv_failures = venv_check(sitewatch, interps, tmp, home, cwd)
        failures += venv_failures
        print("agreement per interpreter (scenarios):", agreed)
        print("%d passed, %d failed" % (sum(agreed.values()) + venv_passes, failures))
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
