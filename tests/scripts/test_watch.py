"""End-to-end tests of `sitewatch watch` on real file activity.

Usage: test_watch.py SITEWATCH

The option checks run as any user. The rest needs root: the script runs
itself again inside a private mount namespace (unshare -m), mounts a tmpfs
of its own on a temporary folder and marks only that filesystem (--path).
The sensor then reports only the test's own events, and the tmpfs
disappears with the namespace. Each payload only writes a marker file under the test
folder. Without root, unshare or the kernel features, those tests are
skipped (exit status 77) with the reason.
"""
import ctypes
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

SITEWATCH = None
SOURCE = os.environ.get("SITEWATCH_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
ROOT = None           # the test's tmpfs, inside the namespace
RULE = "Detect Python Startup Hooks"
# Debian's interpreter (with python3-venv); a `python3` earlier on PATH may be another one.
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else shutil.which("python3")
WAIT = 30             # seconds to wait for anything the sensor should do


def run(*args, **kw):
    return subprocess.run([SITEWATCH, *args], capture_output=True, text=True, timeout=60, **kw)


class Options(unittest.TestCase):
    """What needs no root: help, man page, bad usage."""

    def test_help_options_in_man_page(self):
        r = run("watch", "--help")
        self.assertEqual(r.returncode, 0)
        options = set(re.findall(r"--[a-z][a-z-]+", r.stdout))
        self.assertIn("--events-out", options)
        with open(os.path.join(SOURCE, "man", "sitewatch.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        for option in sorted(options - {"--help"}):
            with self.subTest(option=option):
                self.assertTrue(option in man, f"{option} is not in man/sitewatch.1")

    def test_bad_usage(self):
        cases = [
            (["watch", "--stats-interval", "soon"], "invalid duration 'soon' for --stats-interval"),
            (["watch", "-q", "any where true", "-r", "x.json"], "cannot be used together"),
            (["watch", "events.ndjson"], "unexpected argument 'events.ndjson'"),
            (["watch", "--events-out", "a", "--alerts-out", "a"], "name the same file"),
            (["watch", "--events-out", "-"], "give --alerts-out FILE"),
            (["watch", "-q", "any where ("], "query"),
            (["watch", "-q", "any where true", "-q", "file where true"], "-q given twice"),
            (["watch", "--nope"], "sitewatch: unknown or ambiguous option '--nope' for watch"),
            (["watch", "--path"], "sitewatch: option '--path' needs a value"),
            (["watch", "--stats-interval", "1.5ms"], "whole milliseconds"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, 2)
                self.assertIn(message, r.stderr)

    def test_fractional_durations(self):
        # Read before -h, so a value that parses lets the help through.
        for value in ("0.5s", "1.25m", "250ms", "1500"):
            with self.subTest(value=value):
                r = run("watch", "--stats-interval", value, "--suppress-window", value, "-h")
                self.assertEqual(r.returncode, 0, r.stderr)


# ---- helpers for the tests that run the sensor ----

def die_with_parent():
    """Runs in the child: the sensor gets SIGKILL if the test dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def wait_for(predicate, what, timeout=WAIT):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def read_ndjson(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def field(doc, dotted, default=None):
    for part in dotted.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return default
        doc = doc[part]
    return doc


class Sensor:
    """One `sitewatch watch --path FOLDER` run, its outputs inside FOLDER."""

    def __init__(self, folder, *extra, env=None, paths=None, wrap=()):
        """`paths`: the --path folders, in order (default: `folder`); `wrap`: a command
        that runs the sensor (unshare)."""
        self.folder = folder
        self.events_path = os.path.join(folder, "events.ndjson")
        self.alerts_path = os.path.join(folder, "alerts.ndjson")
        self.err_path = os.path.join(folder, "stderr.txt")
        self.err = open(self.err_path, "w")
        args = [*wrap, SITEWATCH, "watch"]
        for path in paths or [folder]:
            args += ["--path", path]
        args += ["--events-out", self.events_path, "--alerts-out", self.alerts_path, *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.err,
                                     preexec_fn=die_with_parent, env=env)
        wait_for(lambda: "sitewatch: watching" in self.stderr() or self.proc.poll() is not None,
                 "the sensor to start")
        if self.proc.poll() is not None:
            raise AssertionError(f"the sensor exited with {self.proc.returncode}: {self.stderr()}")

    def stderr(self):
        with open(self.err_path, encoding="utf-8") as f:
            return f.read()

    def events(self):
        return read_ndjson(self.events_path)

    def alerts(self):
        return read_ndjson(self.alerts_path)

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.err.close()
        return self.proc.returncode

    def stat(self, name):
        """A count from the last stats line, e.g. stat("unresolved processes"); a count
        of 1 is written in the singular ("1 unresolved process")."""
        pattern = r"(\d+) (?:" + re.escape(name) + "|" + re.escape(singular(name)) + r")\b"
        found = re.findall(pattern, self.stderr())
        return int(found[-1]) if found else None


def singular(name):
    """The first plural word of a count's name made singular: "queue overflows" -> "queue overflow"."""
    words = name.split(" ")
    for i, w in enumerate(words):
        if w.endswith("s"):
            words[i] = w[:-2] if w.endswith("sses") else w[:-1]
            break
    return " ".join(words)


# A writer stays alive until the sensor has reported its event, so that
# /proc can still be read: fanotify reports a pid, not a snapshot.
LINGER_PY = '''
import os, time
def linger(events, needle, count=1):
    pid = os.getpid()
    end = time.time() + 30
    while time.time() < end:
        try:
            with open(events) as f:
                seen = sum(1 for l in f if needle in l and
                           (f'"pid":{pid},' in l or f'"pid":{pid}}}' in l))
            if seen >= count:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.02)
'''


def linger_sh(events, needle):
    """The same for sh: the shell writes through its own redirection, so its pid is $$.
    "; true" keeps dash from replacing itself with the last command."""
    return (f'i=0; while [ $i -lt 600 ] && ! grep -F "{needle}" "{events}" | grep -q "\\"pid\\":$$,"; '
            f'do sleep 0.05; i=$((i+1)); done; true')


def python_writer(sensor, code, needle, count=1, env=None):
    """Runs PY with `code`, lingering until `count` events naming `needle` are out; returns the pid."""
    full = LINGER_PY + code + f"\nlinger({sensor.events_path!r}, {needle!r}, {count})\n"
    p = subprocess.Popen([PY, "-c", full], env=env)
    if p.wait(timeout=WAIT * 2) != 0:
        raise AssertionError(f"writer failed: {code}")
    return p.pid


def sh_writer(sensor, script, needle, env=None):
    p = subprocess.Popen(["/bin/sh", "-c", script + "; " + linger_sh(sensor.events_path, needle)], env=env)
    if p.wait(timeout=WAIT * 2) != 0:
        raise AssertionError(f"shell writer failed: {script}")
    return p.pid


def comm_of(pid):
    with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
        return f.read().strip()


def alert_events(alerts):
    """(last matched event, alert) pairs."""
    return [(a["eql"]["events"][-1], a) for a in alerts]


class Watch(unittest.TestCase):
    """The sensor on the test's tmpfs."""

    def folder(self, name):
        path = os.path.join(ROOT, name)
        os.makedirs(path)
        return path

    def assert_no_own_events(self, sensor):
        own = [e for e in sensor.events()
               if field(e, "file.name") in ("events.ndjson", "alerts.ndjson", "stderr.txt")
               and field(e, "process.pid") == sensor.proc.pid]
        self.assertEqual(own, [], "the sensor reported its own writes")

    def assert_replay_equal(self, sensor_alerts, *event_files):
        """`detect` over the events written live gives the alerts `watch` gave."""
        r = run("detect", *event_files)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertEqual(r.stdout.splitlines(), sensor_alerts)

    # -- the four actions, with the process that did each --

    def test_file_actions(self):
        f = self.folder("actions")
        with open(os.path.join(f, "existing.txt"), "w") as out:
            out.write("before\n")
        sensor = Sensor(f)
        try:
            p_create = python_writer(sensor, f"open({f + '/new.txt'!r}, 'w').write('a')", "new.txt")
            p_modify = python_writer(sensor, f"open({f + '/existing.txt'!r}, 'a').write('b')", "existing.txt")
            p_rename = python_writer(sensor, f"os.rename({f + '/new.txt'!r}, {f + '/renamed.txt'!r})",
                                     '"rename"')
            p_delete = python_writer(sensor, f"os.unlink({f + '/renamed.txt'!r})", '"deletion"')
        finally:
            self.assertEqual(sensor.stop(), 0)
        events = sensor.events()
        self.assert_no_own_events(sensor)

        by_pid = {}
        for e in events:
            by_pid.setdefault(field(e, "process.pid"), []).append(e)
        # Created and written before closing: one creation, no modification.
        for pid, action, etype, path in [
                (p_create, "creation", "creation", f + "/new.txt"),
                (p_modify, "modification", "change", f + "/existing.txt"),
                (p_rename, "rename", "change", f + "/renamed.txt"),
                (p_delete, "deletion", "deletion", f + "/renamed.txt")]:
            with self.subTest(action=action):
                self.assertEqual(len(by_pid.get(pid, [])), 1, by_pid.get(pid))
                e = by_pid[pid][0]
                self.assertEqual(field(e, "event.action"), action)
                self.assertEqual(field(e, "event.type"), [etype])
                self.assertEqual(field(e, "event.category"), ["file"])
                self.assertEqual(field(e, "event.kind"), "event")
                self.assertEqual(field(e, "event.module"), "sitewatch")
                self.assertEqual(field(e, "event.dataset"), "sitewatch.file")
                self.assertEqual(field(e, "file.path"), path)
                self.assertEqual(field(e, "file.directory"), f)
                self.assertEqual(field(e, "file.name"), os.path.basename(path))
                self.assertEqual(field(e, "file.extension"), "txt")
                self.assertRegex(e["@timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
                self.assertEqual(field(e, "process.name"), os.path.basename(PY))
                self.assertEqual(field(e, "process.executable"), os.path.realpath(PY))
                self.assertEqual(field(e, "process.args")[:2], [PY, "-c"])
                self.assertTrue(field(e, "process.command_line").startswith(PY + " -c "))
                self.assertEqual(field(e, "process.parent.pid"), os.getpid())
                self.assertEqual(field(e, "process.parent.name"), comm_of(os.getpid()))
                self.assertEqual(field(e, "process.parent.executable"), os.readlink("/proc/self/exe"))
                self.assertEqual(field(e, "user.id"), str(os.geteuid()))
                self.assertEqual(field(e, "user.name"), "root")
                self.assertEqual(field(e, "host.name"), socket.gethostname())
                self.assertEqual(field(e, "host.os.type"), "linux")
                self.assertIsNone(field(e, "sitewatch"))
        renamed = by_pid[p_rename][0]
        self.assertEqual(field(renamed, "file.Ext.original.path"), f + "/new.txt")
        self.assertEqual(field(renamed, "file.Ext.original.name"), "new.txt")

    # -- what is known when the folder or the process is gone --

    def test_gone_folder_and_exited_process(self):
        f = self.folder("gone")
        os.makedirs(f + "/seen")
        sensor = Sensor(f)
        try:
            python_writer(sensor, f"open({f + '/seen/a.txt'!r}, 'w').close()", "a.txt")
            sensor.send(signal.SIGSTOP)
            # While the sensor cannot read: a writer that exits (and is reaped),
            # then both folders are removed.
            writer = subprocess.Popen([PY, "-c", f"import os; os.mkdir({f + '/fresh'!r}); "
                                       f"open({f + '/seen/b.txt'!r}, 'w').close(); "
                                       f"open({f + '/fresh/c.txt'!r}, 'w').close()"])
            self.assertEqual(writer.wait(timeout=WAIT), 0)
            shutil.rmtree(f + "/seen")
            shutil.rmtree(f + "/fresh")
            sensor.send(signal.SIGCONT)
            wait_for(lambda: sum(field(e, "event.action") == "deletion" for e in sensor.events()) >= 3,
                     "the deletions")
        finally:
            sensor.send(signal.SIGCONT)
            self.assertEqual(sensor.stop(), 0)

        def one(name, action):
            found = [e for e in sensor.events()
                     if field(e, "file.name") == name and field(e, "event.action") == action]
            self.assertEqual(len(found), 1, f"{action} of {name}: {found}")
            return found[0]

        b = one("b.txt", "creation")
        self.assertEqual(field(b, "file.path"), f + "/seen/b.txt")
        self.assertEqual(field(b, "sitewatch.file.directory_source"), "last_known")
        c = one("c.txt", "creation")
        self.assertIsNone(field(c, "file.path"))
        self.assertIsNone(field(c, "file.directory"))
        self.assertEqual(field(c, "sitewatch.file.directory_source"), "unknown")
        for e in (b, c):
            # The writer is gone: its pid stays, nothing else is guessed.
            self.assertEqual(field(e, "process.pid"), writer.pid)
            self.assertFalse(field(e, "sitewatch.process.resolved"))
            self.assertIsNone(field(e, "process.name"))
        deleted = one("c.txt", "deletion")
        self.assertEqual(field(deleted, "process.pid"), os.getpid())
        self.assertEqual(field(deleted, "process.name"), comm_of(os.getpid()))
        self.assertGreaterEqual(sensor.stat("unresolved processes"), 2)
        self.assertGreaterEqual(sensor.stat("events without a folder"), 2)

    # -- a cached process that ran another program or changed its user --

    SECOND_NAME = '"name":"second.txt"'

    def test_exec_and_setuid_refresh_the_process(self):
        f = self.folder("refresh")
        with open(f + "/kept.txt", "w") as out:
            out.write("before\n")
        sensor = Sensor(f)
        try:
            # The same program again with other arguments: pid, start time and name stay.
            # The first image's arguments hold this code, "second.txt" included: wait for the
            # file's own name, or the first event would end the wait.
            second = LINGER_PY + f"open({f + '/second.txt'!r}, 'w').write('b')\n" \
                f"linger({sensor.events_path!r}, {self.SECOND_NAME!r})\n"
            p_exec = python_writer(sensor, f"open({f + '/first.txt'!r}, 'w').write('a')\n"
                                   f"linger({sensor.events_path!r}, 'first.txt')\n"
                                   f"os.execv({PY!r}, [{PY!r}, '-c', {second!r}, 'again'])",
                                   self.SECOND_NAME)
            # Privileges dropped between two writes: only the user changes.
            p_setuid = python_writer(sensor, f"open({f + '/asroot.txt'!r}, 'w').write('a')\n"
                                     f"linger({sensor.events_path!r}, 'asroot.txt')\n"
                                     f"kept = open({f + '/kept.txt'!r}, 'a')\n"
                                     f"events = open({sensor.events_path!r})\n"
                                     "os.setresgid(65534, 65534, 65534)\n"
                                     "os.setresuid(65534, 65534, 65534)\n"
                                     "kept.write('c'); kept.close()\n"
                                     # The test folder is closed to nobody: wait on a reader opened before.
                                     "seen = ''\n"
                                     "while 'kept.txt' not in seen: seen += events.read(); time.sleep(0.02)\n"
                                     "os._exit(0)\n",
                                     "kept.txt")
        finally:
            self.assertEqual(sensor.stop(), 0)
        by_name = {field(e, "file.name"): e for e in sensor.events()}
        self.assertEqual(field(by_name["first.txt"], "process.pid"), p_exec)
        self.assertEqual(field(by_name["second.txt"], "process.pid"), p_exec)
        self.assertEqual(len(field(by_name["first.txt"], "process.args")), 3)
        self.assertEqual(field(by_name["second.txt"], "process.args")[-1], "again")
        self.assertEqual(field(by_name["asroot.txt"], "user.id"), "0")
        self.assertEqual(field(by_name["kept.txt"], "process.pid"), p_setuid)
        self.assertEqual(field(by_name["kept.txt"], "user.id"), "65534")

    def test_zombie_writer_is_not_resolved(self):
        f = self.folder("zombie")
        sensor = Sensor(f)
        try:
            # The writer exits while the sensor cannot read; it stays unreaped (a zombie).
            sensor.send(signal.SIGSTOP)
            pid = os.fork()
            if pid == 0:
                with open(f + "/z.txt", "w") as out:
                    out.write("z")
                os._exit(0)
            wait_for(lambda: open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z",
                     "the writer to become a zombie")
            sensor.send(signal.SIGCONT)
            wait_for(lambda: any(field(e, "file.name") == "z.txt" for e in sensor.events()),
                     "the zombie's event")
            os.waitpid(pid, 0)
        finally:
            sensor.send(signal.SIGCONT)
            self.assertEqual(sensor.stop(), 0)
        z = [e for e in sensor.events() if field(e, "file.name") == "z.txt"][0]
        self.assertEqual(field(z, "process.pid"), pid)
        self.assertFalse(field(z, "sitewatch.process.resolved"))
        self.assertIsNone(field(z, "process.name"))

    def test_live_folder_named_deleted(self):
        f = self.folder("suffix")
        odd = f + "/old (deleted)"
        os.makedirs(odd)
        sensor = Sensor(f)
        try:
            python_writer(sensor, f"open({odd + '/a.txt'!r}, 'w').close()", "a.txt")
        finally:
            self.assertEqual(sensor.stop(), 0)
        a = [e for e in sensor.events() if field(e, "file.name") == "a.txt"][0]
        self.assertEqual(field(a, "file.path"), odd + "/a.txt")
        self.assertIsNone(field(a, "sitewatch.file.directory_source"))

    # -- one edit, one event, by its writer --

    def actions_of(self, sensor, name):
        return [(field(e, "event.action"), field(e, "process.pid"))
                for e in sensor.events() if field(e, "file.name") == name]

    def test_creation_waits_only_for_its_creator(self):
        f = self.folder("creator")
        sensor = Sensor(f)
        try:
            python_writer(sensor, f"open({f + '/staging.txt'!r}, 'w').write('x')", "staging.txt")

            # A hard link made by one process and written by another.
            p_link = python_writer(sensor, f"os.link({f + '/staging.txt'!r}, {f + '/linked.pth'!r})",
                                   "linked.pth")
            p_link_write = sh_writer(sensor, f"echo 'import os' >> {f}/linked.pth", "linked.pth")

            # Created read-only (no close after write), then written by another process.
            p_ro = python_writer(sensor, f"os.close(os.open({f + '/ro.pth'!r}, os.O_CREAT | os.O_RDONLY))",
                                 "ro.pth")
            p_ro_write = sh_writer(sensor, f"echo 'import os' >> {f}/ro.pth", "ro.pth")

            # A hard link made and then written by the same process: two edits.
            p_self = python_writer(sensor, f"os.link({f + '/staging.txt'!r}, {f + '/self.pth'!r})\n"
                                   f"open({f + '/self.pth'!r}, 'a').write('import os')", "self.pth", count=2)

            # Held open by its creator while another process writes it; the creator's close
            # ends its own creation.
            other = f"echo 'import os' >> {f}/held.pth; " + linger_sh(sensor.events_path, "held.pth")
            p_held = python_writer(sensor, f"h = open({f + '/held.pth'!r}, 'w')\n"
                                   "import subprocess\n"
                                   f"subprocess.run(['/bin/sh', '-c', {other!r}], check=True)\n"
                                   "h.write('# mine'); h.close()", "held.pth")

            # Everything before it is out once this one is.
            python_writer(sensor, f"open({f + '/last.txt'!r}, 'w').close()", "last.txt")
        finally:
            self.assertEqual(sensor.stop(), 0)

        self.assertEqual(self.actions_of(sensor, "linked.pth"),
                         [("creation", p_link), ("modification", p_link_write)])
        self.assertEqual(self.actions_of(sensor, "ro.pth"), [("creation", p_ro), ("modification", p_ro_write)])
        self.assertEqual(self.actions_of(sensor, "self.pth"), [("creation", p_self), ("modification", p_self)])
        held = self.actions_of(sensor, "held.pth")
        self.assertEqual([a for a, _ in held], ["creation", "modification"], held)
        self.assertEqual(held[0][1], p_held)
        self.assertNotEqual(held[1][1], p_held)
        linked = [e for e in sensor.events() if field(e, "file.name") == "linked.pth"]
        self.assertEqual(field(linked[0], "sitewatch.file.hard_links"), 2)

    def test_merged_creation_and_deletion_in_order(self):
        f = self.folder("merged")
        sensor = Sensor(f)
        try:
            # Both run while the sensor cannot read: A's creation and deletion of x.pth
            # are merged into one event, and B's x.pth exists when it is read.
            sensor.send(signal.SIGSTOP)
            subprocess.run([PY, "-c", f"import os; p = {f + '/x.pth'!r}; open(p, 'w').write('a'); os.unlink(p)"],
                           check=True, timeout=WAIT)
            b = subprocess.Popen(["/bin/sh", "-c", f"echo b > {f}/x.pth"])
            b.wait(timeout=WAIT)
            sensor.send(signal.SIGCONT)
            wait_for(lambda: len(self.actions_of(sensor, "x.pth")) >= 3, "the three events")
        finally:
            sensor.send(signal.SIGCONT)
            self.assertEqual(sensor.stop(), 0)
        self.assertEqual([action for action, _ in self.actions_of(sensor, "x.pth")],
                         ["creation", "deletion", "creation"])
        self.assertEqual(self.actions_of(sensor, "x.pth")[2][1], b.pid)

    def test_missing_event_decided_on_a_quiet_stream(self):
        # The sequence waits for a deletion that never comes. No file event follows, so
        # only the sensor's clock can close the 1 s window and print the match.
        f = self.folder("quiet")
        query = ('sequence with maxspan=1s [file where event.type == "creation" and '
                 'file.name == "lone.txt"] ![file where event.type == "deletion"]')
        sensor = Sensor(f, "-q", query)
        try:
            with open(os.path.join(f, "lone.txt"), "w") as out:
                out.write("x\n")
            wait_for(lambda: sensor.alerts(), "the match on a quiet stream")
        finally:
            self.assertEqual(sensor.stop(), 0)
        self.assertEqual(len(sensor.alerts()), 1)

    # -- where files are, however they got there --

    def test_bind_mount_of_a_subfolder_first(self):
        f = self.folder("bind")
        site = f + "/lib/python3.11/site-packages"
        os.makedirs(site)
        os.makedirs(f + "/sub")
        bind = self.folder("bind-view")
        subprocess.run(["mount", "--bind", f + "/sub", bind], check=True)
        try:
            sensor = Sensor(f, paths=[bind, f])
            try:
                python_writer(sensor, f"open({site + '/evil.pth'!r}, 'w').write('import os')", "evil.pth")
                python_writer(sensor, f"open({f + '/sub/insub.txt'!r}, 'w').close()", "insub.txt")
            finally:
                self.assertEqual(sensor.stop(), 0)
        finally:
            subprocess.run(["umount", bind], check=True)
        paths = {field(e, "file.name"): field(e, "file.path") for e in sensor.events()}
        self.assertEqual(paths.get("evil.pth"), site + "/evil.pth")
        self.assertEqual(paths.get("insub.txt"), f + "/sub/insub.txt")
        self.assertEqual([field(e, "file.name") for e, _ in alert_events(sensor.alerts())], ["evil.pth"])
        self.assertEqual(sensor.stat("filesystems watched"), 1)

    def test_folder_renamed_into_site_packages(self):
        f = self.folder("moved")
        os.makedirs(f + "/stage/sub")
        for name in ("zz.pth", "sub/deep.pth", "notes.txt"):
            with open(f"{f}/stage/{name}", "w") as out:
                out.write("import os\n")
        site = f + "/lib/python3.11/site-packages"
        os.makedirs(os.path.dirname(site))
        sensor = Sensor(f)
        try:
            p_mv = python_writer(sensor, f"os.rename({f + '/stage'!r}, {site!r})", "deep.pth")
        finally:
            self.assertEqual(sensor.stop(), 0)
        renames = [e for e in sensor.events() if field(e, "event.action") == "rename"]
        folder = renames[0]
        self.assertEqual(field(folder, "file.path"), site)
        self.assertEqual(field(folder, "file.type"), "dir")
        self.assertEqual(field(folder, "file.Ext.original.path"), f + "/stage")
        self.assertIsNone(field(folder, "sitewatch"))
        moved = {field(e, "file.path"): e for e in renames[1:]}
        self.assertEqual(sorted(moved), [site + "/sub/deep.pth", site + "/zz.pth"])
        zz = moved[site + "/zz.pth"]
        self.assertEqual(field(zz, "file.Ext.original.path"), f + "/stage/zz.pth")
        self.assertTrue(field(zz, "sitewatch.event.synthesized"))
        self.assertIsNone(field(zz, "file.type"))
        self.assertEqual(field(zz, "process.pid"), p_mv)
        self.assertEqual(sorted(field(e, "file.name") for e, _ in alert_events(sensor.alerts())),
                         ["deep.pth", "zz.pth"])

    def test_venv_renamed_away_and_back(self):
        f = self.folder("roundtrip")
        site = f + "/venv/lib/python3.11/site-packages"
        os.makedirs(site)
        sensor = Sensor(f, paths=[site])
        try:
            # The hook is written while its folder is elsewhere, outside --path.
            os.rename(f + "/venv", f + "/.v")
            with open(f + "/.v/lib/python3.11/site-packages/b.pth", "w") as out:
                out.write("import os\n")
            p_mv = python_writer(sensor, f"os.rename({f + '/.v'!r}, {f + '/venv'!r})", "b.pth")
        finally:
            self.assertEqual(sensor.stop(), 0)
        paths = [(field(e, "file.path"), field(e, "sitewatch.event.synthesized")) for e in sensor.events()]
        self.assertEqual(paths, [(f + "/.v", None), (f + "/venv", None), (site + "/b.pth", True)])
        [(e, _)] = alert_events(sensor.alerts())
        self.assertEqual(field(e, "process.pid"), p_mv)

    def test_change_through_another_hard_link(self):
        f = self.folder("links")
        site = f + "/lib/python3.11/site-packages"
        os.makedirs(site)
        with open(site + "/benign.pth", "w") as out:
            out.write("/opt/benign\n")
        os.link(site + "/benign.pth", f + "/notes.txt")
        sensor = Sensor(f)
        try:
            p = python_writer(sensor, f"open({f + '/notes.txt'!r}, 'a').write('import os')", "notes.txt")
        finally:
            self.assertEqual(sensor.stop(), 0)
        [e] = [e for e in sensor.events() if field(e, "process.pid") == p]
        # The name the writer used, with the count that shows the file has other names.
        self.assertEqual(field(e, "file.path"), f + "/notes.txt")
        self.assertEqual(field(e, "event.action"), "modification")
        self.assertEqual(field(e, "sitewatch.file.hard_links"), 2)

    # -- the writing process --

    def test_writer_outside_the_pid_namespace(self):
        if shutil.which("unshare") is None:
            self.skipTest("unshare (util-linux) is not installed")
        f = self.folder("pidns")
        sensor = Sensor(f, wrap=["unshare", "-p", "-f", "--mount-proc"])
        try:
            with open(f + "/fromhost.txt", "w") as out:
                out.write("x")
            wait_for(lambda: self.actions_of(sensor, "fromhost.txt"), "the event")
        finally:
            # unshare does not forward signals, so its child, the sensor, is stopped directly.
            with open(f"/proc/{sensor.proc.pid}/task/{sensor.proc.pid}/children") as c:
                for child in c.read().split():
                    os.kill(int(child), signal.SIGTERM)
            self.assertEqual(sensor.stop(), 0)
        [e] = [e for e in sensor.events() if field(e, "file.name") == "fromhost.txt"]
        self.assertIsNone(field(e, "process"))
        self.assertFalse(field(e, "sitewatch.process.resolved"))
        self.assertEqual(field(e, "sitewatch.process.unresolved_reason"), "outside_pid_namespace")

    def test_process_start_to_the_tick(self):
        f = self.folder("start")
        sensor = Sensor(f)
        try:
            # Field 22 of /proc/PID/stat: the start in clock ticks after boot.
            p = python_writer(sensor, "ticks = open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19]\n"
                              f"open({f + '/start.txt'!r}, 'w').write(ticks)", "start.txt")
        finally:
            self.assertEqual(sensor.stop(), 0)
        with open(f + "/start.txt") as t:
            ticks = int(t.read())
        boot = time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_BOOTTIME)
        want = boot + ticks / os.sysconf("SC_CLK_TCK")
        [e] = [e for e in sensor.events() if field(e, "process.pid") == p]
        start = field(e, "process.start")
        got = datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        # Both sides are cut to the clock tick (10 ms); a boot time in whole seconds would be up to 1 s off.
        self.assertLess(abs(got - want), 0.02, f"{start} against {want}")

    def test_outputs_named_twice_and_usr1(self):
        f = self.folder("outputs")
        r = run("watch", "--path", f, "--events-out", f + "/x.ndjson", "--alerts-out", f + "/./x.ndjson")
        self.assertEqual(r.returncode, 2)
        self.assertIn("are the same file", r.stderr)
        sensor = Sensor(f)
        try:
            sensor.send(signal.SIGUSR1)
            wait_for(lambda: "process cache:" in sensor.stderr(), "the counts on SIGUSR1")
        finally:
            self.assertEqual(sensor.stop(), 0)
        self.assertEqual(sensor.stat("filesystems watched"), 1)
        self.assertIn("1 filesystem watched,", sensor.stderr())
        self.assertIsNotNone(sensor.stat("revalidated"))

    # -- the T1546.018 tests, the rule's own test and a benign install --

    def python_env(self, f):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
        env.update({"TMPDIR": f + "/tmp", "HOME": f + "/home", "PYTHONUSERBASE": f + "/userbase",
                    "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
                    "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"})
        for d in ("tmp", "home"):
            os.makedirs(os.path.join(f, d))
        return env

    def test_python_startup_hooks(self):
        probe = subprocess.run([PY, "-c", "import venv, ensurepip"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest(f"{PY} has no venv or ensurepip (install python3-venv)")
        f = self.folder("python")
        env = self.python_env(f)
        sensor = Sensor(f)
        try:
            steps = self.run_python_steps(sensor, f, env)
        finally:
            self.assertEqual(sensor.stop(), 0)
        self.check_python_alerts(sensor, f, steps)
        with open(sensor.alerts_path, encoding="utf-8") as a:
            self.assert_replay_equal(a.read().splitlines(), sensor.events_path)

    def run_python_steps(self, sensor, f, env):
        steps = {}
        # A virtual environment made while watched (Atomic Red Team's first step).
        subprocess.run([PY, "-m", "venv", f + "/env"], env=env, check=True, timeout=300,
                       stdout=subprocess.DEVNULL)
        site = subprocess.run([f + "/env/bin/python3", "-c", "import site; print(site.getsitepackages()[0])"],
                              env=env, capture_output=True, text=True, check=True).stdout.strip()
        steps["site"] = site

        # T1546.018 "atomic_hook.pth (Linux)": an import line in a .pth of the venv.
        marker = f + "/pth-ran"
        steps["pth"] = sh_writer(sensor, f"echo 'import os; open(\"{marker}\", \"w\").write(\"pth\")' "
                                 f"> {site}/atomic_hook.pth", "atomic_hook.pth", env=env)
        subprocess.run([f + "/env/bin/python", "-c", "print('Triggering Hook via atomic_hook...')"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        self.assertTrue(os.path.exists(marker), "the .pth hook did not run")

        # T1546.018 "usercustomize.py (Linux / MacOS)": in the user site of PYTHONUSERBASE.
        user_site = subprocess.run([PY, "-c", "import site; print(site.getusersitepackages())"], env=env,
                                   capture_output=True, text=True, check=True).stdout.strip()
        self.assertTrue(user_site.startswith(f + "/userbase/"))
        os.makedirs(user_site)
        marker = f + "/usercustomize-ran"
        steps["user"] = sh_writer(sensor, f"echo 'import os; open(\"{marker}\", \"w\").write(\"user\")' "
                                  f"> {user_site}/usercustomize.py", "usercustomize.py", env=env)
        steps["user_site"] = user_site
        subprocess.run([PY, "-c", "print('Triggering Hook via usercustomize.py...')"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        self.assertTrue(os.path.exists(marker), "usercustomize.py did not run")

        # The rule's own test: code appended to an existing sitecustomize.py in a
        # site-packages. Debian's stdlib has a sitecustomize.py that shadows one in a
        # venv, so this site-packages goes first on PYTHONPATH for the trigger.
        own_site = f + "/lib/python3/site-packages"
        os.makedirs(own_site)
        marker = f + "/sitecustomize-ran"
        steps["site_create"] = python_writer(
            sensor, f"open({own_site + '/sitecustomize.py'!r}, 'w').write('# site customisation\\n')",
            "sitecustomize.py", env=env)
        steps["site_append"] = sh_writer(sensor, f"echo 'import os; open(\"{marker}\", \"w\").write(\"site\")' "
                                         f">> {own_site}/sitecustomize.py", '"modification"', env=env)
        steps["own_site"] = own_site
        subprocess.run([PY, "-c", "pass"], env=dict(env, PYTHONPATH=own_site), check=True)
        self.assertTrue(os.path.exists(marker), "the appended sitecustomize.py code did not run")

        # Benign: pip installs a wheel that carries a .pth (no import line).
        for name in ("demo_pip", "demo_module"):
            write_wheel(f, name)
        subprocess.run([f + "/env/bin/pip", "install", "--no-deps", f + "/demo_pip-1.0-py3-none-any.whl"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([f + "/env/bin/python", "-m", "pip", "install", "--no-deps",
                        f + "/demo_module-1.0-py3-none-any.whl"], env=env, check=True, stdout=subprocess.DEVNULL)
        wait_for(lambda: any(field(e, "file.name") == "demo_module.pth" for e in sensor.events()),
                 "the second install's events")
        return steps

    def check_python_alerts(self, sensor, f, steps):
        site, events = steps["site"], sensor.events()
        alerts = {field(e, "file.path"): (e, a) for e, a in alert_events(sensor.alerts())}
        for e, a in alerts.values():
            self.assertEqual(a["rule"]["name"], RULE)
            self.assertEqual(a["event"]["kind"], "alert")
            self.assertEqual(a["host"]["name"], socket.gethostname())

        with self.subTest("atomic_hook.pth"):
            e, _ = alerts[site + "/atomic_hook.pth"]
            self.assertEqual((field(e, "event.action"), field(e, "event.type")), ("creation", ["creation"]))
            self.assertEqual(field(e, "process.pid"), steps["pth"])
            self.assertEqual(field(e, "process.name"), "sh")
            self.assertEqual(field(e, "process.executable"), os.path.realpath("/bin/sh"))
            self.assertEqual(field(e, "process.args")[:2], ["/bin/sh", "-c"])
            self.assertEqual(field(e, "process.parent.pid"), os.getpid())
        with self.subTest("usercustomize.py"):
            e, _ = alerts[steps["user_site"] + "/usercustomize.py"]
            self.assertEqual(field(e, "event.type"), ["creation"])
            self.assertEqual(field(e, "process.pid"), steps["user"])
        with self.subTest("sitecustomize.py appended"):
            path = steps["own_site"] + "/sitecustomize.py"
            mods = [(e, a) for e, a in alert_events(sensor.alerts()) if field(e, "file.path") == path]
            self.assertEqual([field(e, "event.action") for e, _ in mods], ["creation", "modification"])
            e = mods[1][0]
            self.assertEqual(field(e, "event.type"), ["change"])
            self.assertEqual(field(e, "process.pid"), steps["site_append"])
            self.assertEqual(field(e, "process.name"), "sh")
        with self.subTest("pip through its script: excluded by process.name"):
            e = [e for e in events if field(e, "file.name") == "demo_pip.pth"]
            self.assertEqual(len(e), 1)
            self.assertEqual(field(e[0], "event.action"), "creation")
            self.assertEqual(field(e[0], "process.name"), "pip")
            self.assertEqual(field(e[0], "process.executable"), os.path.realpath(PY))
            self.assertNotIn(site + "/demo_pip.pth", alerts)
        with self.subTest("python -m pip: the process name is python, so it alerts"):
            e, _ = alerts[site + "/demo_module.pth"]
            self.assertEqual(field(e, "process.name"), "python")
            self.assertEqual(field(e, "process.args")[1:3], ["-m", "pip"])
        precedence = site + "/distutils-precedence.pth"
        if os.path.exists(precedence):
            with self.subTest("venv creation: ensurepip runs pip as python3"):
                e, _ = alerts[precedence]
                self.assertEqual(field(e, "process.name"), "python3")

    # -- alert suppression --

    def test_suppression(self):
        f = self.folder("suppress")
        target = f + "/lib/python3/site-packages/sitecustomize.py"
        os.makedirs(os.path.dirname(target))
        with open(target, "w") as out:
            out.write("# site customisation\n")
        sensor = Sensor(f, "--suppress-window", "10m")
        try:
            # One process appends four times, each time after the last was seen
            # (the kernel merges identical queued events of one process and file).
            code = ("for i in range(4):\n"
                    f"    open({target!r}, 'a').write('x = %d\\n' % i)\n"
                    f"    linger({sensor.events_path!r}, 'sitecustomize.py', i + 1)\n")
            first = python_writer(sensor, code, "sitecustomize.py", 4)
            other = python_writer(sensor, f"open({target!r}, 'a').write('y = 1\\n')", "sitecustomize.py")
            wait_for(lambda: len(sensor.alerts()) == 2, "the first alert of each process")
        finally:
            self.assertEqual(sensor.stop(), 0)
        alerts = sensor.alerts()
        self.assertEqual(len(alerts), 3, alerts)
        counts = [(field(a["eql"]["events"][-1], "process.pid"),
                   field(a, "kibana.alert.suppression.docs_count")) for a in alerts]
        # The summary of the first process's group prints when the window closes (here at exit).
        self.assertEqual(counts, [(first, 0), (other, 0), (first, 3)])
        summary = alerts[2]["kibana"]["alert"]["suppression"]
        self.assertEqual(summary["terms"][0], {"field": "file.path", "value": [target]})
        self.assertEqual(summary["terms"][1], {"field": "process.pid", "value": [first]})
        self.assertLess(summary["start"], summary["end"])
        self.assertEqual(sensor.stat("suppressed alerts"), 3)
        self.assertEqual(sensor.stat("alerts"), 3)

    # -- rotation, stats, SIGINT --

    def test_rotation_and_stats(self):
        f = self.folder("rotate")
        site = f + "/lib/python3.11/site-packages"
        os.makedirs(site)
        sensor = Sensor(f, "--stats-interval", "100ms")
        try:
            python_writer(sensor, f"open({site + '/one.pth'!r}, 'w').write('import os')", "one.pth")
            wait_for(lambda: len(sensor.alerts()) == 1, "the first alert")
            os.rename(sensor.alerts_path, sensor.alerts_path + ".1")
            os.rename(sensor.events_path, sensor.events_path + ".1")
            sensor.send(signal.SIGHUP)
            wait_for(lambda: os.path.exists(sensor.alerts_path) and os.path.exists(sensor.events_path),
                     "the files to be opened again")
            python_writer(sensor, f"open({site + '/two.pth'!r}, 'w').write('import os')", "two.pth")
            wait_for(lambda: sensor.stderr().count("sitewatch: stats:") >= 2, "two stats lines")
        finally:
            self.assertEqual(sensor.stop(signal.SIGINT), 0)
        old = read_ndjson(sensor.alerts_path + ".1")
        new = sensor.alerts()
        self.assertEqual([field(e, "file.name") for e, _ in alert_events(old)], ["one.pth"])
        self.assertEqual([field(e, "file.name") for e, _ in alert_events(new)], ["two.pth"])
        self.assertIn("queue overflows", sensor.stderr())
        with open(sensor.alerts_path + ".1") as a, open(sensor.alerts_path) as b:
            self.assert_replay_equal(a.read().splitlines() + b.read().splitlines(),
                                     sensor.events_path + ".1", sensor.events_path)

    # -- faults --

    def test_queue_overflow(self):
        with open("/proc/sys/fs/fanotify/max_queued_events") as q:
            files = int(q.read()) + 2000
        for extra in ([], ["--unlimited-queue"]):
            with self.subTest(extra=extra):
                f = self.folder("overflow" + "".join(extra).replace("-", ""))
                sensor = Sensor(f, *extra)
                try:
                    sensor.send(signal.SIGSTOP)
                    for i in range(files):
                        os.close(os.open(f"{f}/f{i}", os.O_CREAT | os.O_WRONLY, 0o600))
                    sensor.send(signal.SIGCONT)
                    wait_for(lambda: sum(1 for _ in open(sensor.events_path)) >= files
                             or "overflowed" in sensor.stderr(), "the events or an overflow")
                finally:
                    sensor.send(signal.SIGCONT)
                    self.assertEqual(sensor.stop(), 0)
                if extra:
                    self.assertEqual(sensor.stat("queue overflows"), 0)
                    self.assertEqual(len(sensor.events()), files)
                else:
                    self.assertIn("the fanotify queue overflowed", sensor.stderr())
                    self.assertIn("--unlimited-queue", sensor.stderr())
                    self.assertGreaterEqual(sensor.stat("queue overflows"), 1)
                    # The event stream itself marks where events were lost.
                    marks = [e for e in sensor.events() if field(e, "event.action") == "queue-overflow"]
                    self.assertGreaterEqual(len(marks), 1)
                    self.assertEqual(field(marks[0], "event.kind"), "metric")
                    self.assertEqual(field(marks[0], "sitewatch.sensor.overflows"), 1)

    def test_full_disk_keeps_watching(self):
        f = self.folder("diskfull")
        site = f + "/lib/python3.11/site-packages"
        os.makedirs(site)
        full = f + "/full"
        os.makedirs(full)
        # A small filesystem of the test's own for the events, filled to the last block.
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "sitewatch-test", full], check=True)
        try:
            try:
                with open(full + "/filler", "wb") as filler:
                    filler.write(b"x" * 65536)
            except OSError:
                pass
            sensor = Sensor(f, "--events-out", full + "/events.ndjson")
            sensor.events_path = full + "/events.ndjson"
            try:
                def hook(name):
                    code = LINGER_PY + f"open({site + '/' + name!r}, 'w').write('import os')\n" \
                        f"linger({sensor.alerts_path!r}, {name!r})\n"
                    self.assertEqual(subprocess.run([PY, "-c", code], timeout=WAIT * 2).returncode, 0)
                hook("one.pth")
                wait_for(lambda: "writing to " + full in sensor.stderr(), "the write failure")
                hook("two.pth")
                self.assertIsNone(sensor.proc.poll(), "the sensor stopped on a full disk")
                os.unlink(full + "/filler")
                python_writer(sensor, f"open({f + '/three.txt'!r}, 'w').close()", "three.txt")
            finally:
                code = sensor.stop()
            # Every line is whole JSON again: a line cut by the full disk was ended.
            written = [field(e, "file.name") for e in sensor.events()]
        finally:
            subprocess.run(["umount", full], check=True)
        self.assertEqual(code, 0)
        self.assertIn("three.txt", written)
        names = [field(e, "file.name") for e, _ in alert_events(sensor.alerts())]
        self.assertEqual(names, ["one.pth", "two.pth"])
        self.assertEqual(sensor.stderr().count("writing to " + full), 1)
        self.assertGreaterEqual(sensor.stat("failed writes"), 1)

    def test_filesystem_that_cannot_be_marked(self):
        f = self.folder("ramfs")
        os.makedirs(f + "/ram")
        # ramfs cannot encode file handles; this one is the test's own.
        subprocess.run(["mount", "-t", "ramfs", "sitewatch-test", f + "/ram"], check=True)
        try:
            sensor = Sensor(f, "--path", f + "/ram")
            try:
                python_writer(sensor, f"open({f + '/ok.txt'!r}, 'w').close()", "ok.txt")
            finally:
                self.assertEqual(sensor.stop(), 0)
        finally:
            subprocess.run(["umount", f + "/ram"], check=True)
        err = sensor.stderr()
        self.assertIn(f"cannot watch the filesystem at {f}/ram", err)
        self.assertIn("the other filesystems are still watched", err)
        self.assertIn("watching 1 filesystem;", err)

    def test_path_without_folder_names(self):
        f = self.folder("nocap")
        inside, outside = f + "/in", f + "/out"
        os.makedirs(inside)
        os.makedirs(outside)
        with open(f + "/plain.txt", "w") as out:
            out.write("x")
        r = run("watch", "--path", f + "/plain.txt")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a folder", r.stderr)
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            self.skipTest("setpriv (util-linux) is not installed")
        # Without CAP_DAC_READ_SEARCH no folder can be named, so --path cannot be checked.
        events, err_path = f + "/events.ndjson", f + "/stderr.txt"
        with open(err_path, "w") as err:
            p = subprocess.Popen([setpriv, "--inh-caps=-all", "--bounding-set=-dac_read_search",
                                  SITEWATCH, "watch", "--path", inside, "--events-out", events,
                                  "-q", "any where true"], stdout=subprocess.DEVNULL, stderr=err,
                                 preexec_fn=die_with_parent)
            try:
                wait_for(lambda: "watching" in open(err_path).read() or p.poll() is not None,
                         "the sensor to start")
                with open(outside + "/secret.txt", "w") as out:
                    out.write("x")
                wait_for(lambda: "CAP_DAC_READ_SEARCH" in open(err_path).read(), "the warning")
            finally:
                p.send_signal(signal.SIGTERM)
                self.assertEqual(p.wait(timeout=WAIT), 0)
        text = open(err_path).read()
        self.assertEqual([field(e, "file.name") for e in read_ndjson(events)], [])
        self.assertIn("lacks CAP_DAC_READ_SEARCH", text)
        self.assertRegex(text, r"[1-9]\d* events? whose folder could not be named")

    def test_not_root(self):
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            self.skipTest("setpriv (util-linux) is not installed")
        f = self.folder("noroot")
        r = subprocess.run([setpriv, "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin",
                            SITEWATCH, "watch", "--path", f], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("must run as root", r.stderr)


def write_wheel(folder, name):
    """A pure wheel with a .pth that only names a folder, as many packages ship."""
    with zipfile.ZipFile(f"{folder}/{name}-1.0-py3-none-any.whl", "w") as w:
        dist = f"{name}-1.0.dist-info"
        w.writestr(f"{name}.pth", f"# the {name} package's folder\n{name}_data\n")
        w.writestr(f"{name}/__init__.py", "")
        w.writestr(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        w.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: sitewatch-test\n"
                   "Root-Is-Purelib: true\nTag: py3-none-any\n")
        w.writestr(f"{dist}/RECORD", "")


# ---- entry points ----

def kernel_lacks_features(root):
    """Starts the sensor once: None when it runs, else the reason it cannot."""
    err_path = os.path.join(root, "probe.txt")
    with open(err_path, "w") as err:
        p = subprocess.Popen([SITEWATCH, "watch", "--path", root, "-q", "any where false"],
                             stderr=err, stdout=subprocess.DEVNULL, preexec_fn=die_with_parent)
        try:
            wait_for(lambda: "watching" in open(err_path).read() or p.poll() is not None, "the probe")
        finally:
            if p.poll() is None:
                p.terminate()
            p.wait()
    text = open(err_path).read()
    os.unlink(err_path)
    return text.strip() if "lacks" in text else None


def main():
    global SITEWATCH
    if len(sys.argv) >= 4 and sys.argv[1] == "--inside":
        SITEWATCH, root = sys.argv[2], sys.argv[3]
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1g,mode=0700", "sitewatch-test", root], check=True)
        reason = kernel_lacks_features(root)
        if reason:
            print(f"skipped: {reason}")
            return 77
        global ROOT
        ROOT = root
        result = unittest.TextTestRunner(verbosity=2).run(
            unittest.defaultTestLoader.loadTestsFromTestCase(Watch))
        return 0 if result.wasSuccessful() else 1

    SITEWATCH = os.path.abspath(sys.argv[1])
    options = unittest.TextTestRunner(verbosity=2).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Options))
    if not options.wasSuccessful():
        return 1
    if os.geteuid() != 0:
        print("skipped: the sensor tests need root (fanotify needs CAP_SYS_ADMIN)")
        return 77
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        print("skipped: the sensor tests need unshare and mount (util-linux)")
        return 77
    root = tempfile.mkdtemp(prefix="sitewatch-watch-")
    try:
        r = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                            os.path.abspath(__file__), "--inside", SITEWATCH, root], timeout=1200)
        if r.returncode < 0:
            print(f"the namespace's test process ended with signal {-r.returncode}")
            return 1
        return r.returncode
    finally:
        # The tmpfs went away with the namespace; only the empty mount point is left.
        os.rmdir(root)


if __name__ == "__main__":
    sys.exit(main())
