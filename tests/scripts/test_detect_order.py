#!/usr/bin/env python3
"""sitewatch detect reads files through a sort buffer (--sort-buffer), and reads them again,
holding every candidate, when they turn out not to be in time order. The results must be those
of holding everything from the start (--sort-buffer all), byte for byte:

- every case of tests/cases/*.cases gives the same standard output and exit status with
  --sort-buffer 1 and 2 as with all, and the same standard error but for one notice, given when
  the files were read again: a message of the first reading is not printed twice;
- an out-of-order file gives the output of `all`, the notice once, with the file and line of
  the first event that came too late, and the table format is unchanged;
- files in time order, one or several, are read once, without a notice;
- equal timestamps are ordered by the tiebreaker, then input order, as a full sort orders them;
- the spool of results leaves no file behind. An unusable TMPDIR makes detect hold everything,
  with a warning, and so does stdin or a pipe among the inputs, without one;
- memory stays bounded. Over 50,000 join keys of ordered events (57 MB), a sequence query with
  maxspan and a buffer of 1,000 peaks at less than a third of what holding every candidate
  takes (about 13 MB against 78 MB).

Usage: test_detect_order.py SITEWATCH
"""

import filecmp
import json
import os
import pathlib
import resource
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_cases  # noqa: E402  (the case file parser)

NOTICE = "the files are not in time order"
FAILURES = []


def fail(message):
    FAILURES.append(message)
    print("FAIL " + message)


def detect(binary, args, cwd=None, env=None, stdin=b""):
    result = subprocess.run([binary, "detect", "--quiet"] + args, cwd=cwd, env=env, input=stdin,
                            capture_output=True, timeout=120)
    return result.returncode, result.stdout, result.stderr.decode("utf-8", "replace")


def without_notice(stderr):
    return "".join(line for line in stderr.splitlines(True) if NOTICE not in line)


def case_outcome(binary, case, buffer):
    with tempfile.TemporaryDirectory(prefix="sitewatch-order-") as tmp:
        args = []
        if case.query is not None:
            args += ["-q", case.query]
        args += ["--sort-buffer", buffer] + case.options + run_cases.write_inputs(case, pathlib.Path(tmp))
        stdin = ("\n".join(case.stdin) + "\n").encode() if case.stdin is not None else b""
        return detect(binary, args, cwd=tmp, stdin=stdin)


def check_cases(binary, source):
    count = 0
    for path in sorted((source / "tests" / "cases").glob("*.cases")):
        for case in run_cases.parse_case_file(path):
            count += 1
            want = case_outcome(binary, case, "all")
            for buffer in ("1", "2"):
                got = case_outcome(binary, case, buffer)
                if got[:2] != want[:2]:
                    fail("%s: --sort-buffer %s gives status %d and %r; all gives %d and %r" % (
                        case.where(), buffer, got[0], got[1][:300], want[0], want[1][:300]))
                elif without_notice(got[2]) != want[2] or got[2].count(NOTICE) > 1:
                    fail("%s: --sort-buffer %s: standard error differs from all's beyond one "
                         "notice:\n%s\n--- all:\n%s" % (case.where(), buffer, got[2], want[2]))
    print("ok %d cases give the same results with --sort-buffer 1, 2 and all" % count)


def event(ms, ident, key="a", **more):
    doc = {"@timestamp": ms, "id": ident, "event": {"category": "process"}, "k": key}
    doc.update(more)
    return json.dumps(doc) + "\n"


def write(folder, name, lines):
    path = folder / name
    path.write_text("".join(lines))
    return str(path)


SEQUENCE = "sequence by k with maxspan=1s [process where n == 1] [process where n == 2]"


def check_out_of_order(binary, folder):
    lines = [event(1000 + 10 * i, i, key="k%d" % (i % 3), n=1 + i % 2) for i in range(40)]
    lines.insert(30, "{broken\n")
    lines[25] = event(1005, 25, key="k1", n=2)          # far behind: beyond a buffer of 4
    path = write(folder, "late.ndjson", lines)
    for query in ("process where true", SEQUENCE):
        want = detect(binary, ["-q", query, "--sort-buffer", "all", path])
        got = detect(binary, ["-q", query, "--sort-buffer", "4", path])
        if got[:2] != want[:2]:
            fail("out of order, %s: the output differs from --sort-buffer all's" % query)
        if got[2].count(NOTICE) != 1 or "late.ndjson:26: " + NOTICE not in got[2]:
            fail("out of order, %s: expected one notice naming late.ndjson:26, got:\n%s"
                 % (query, got[2]))
        if without_notice(got[2]) != want[2] or got[2].count("object not closed") != 1:
            fail("out of order, %s: a message was repeated or lost:\n%s" % (query, got[2]))
    table = [detect(binary, ["-q", SEQUENCE, "--format", "table", "--sort-buffer", b, path])
             for b in ("all", "4")]
    if table[0][:2] != table[1][:2] or not table[0][1]:
        fail("out of order: --format table differs from --sort-buffer all's")
    print("ok an out-of-order file gives the results of --sort-buffer all, with one notice")


def check_ordered_files(binary, folder):
    first = write(folder, "day1.ndjson", [event(1000 + i, i, key="k%d" % (i % 5), n=1 + i % 2)
                                          for i in range(100)])
    second = write(folder, "day2.ndjson", [event(2000 + i, 100 + i, key="k%d" % (i % 5), n=1 + i % 2)
                                           for i in range(100)])
    for query in ("process where true", SEQUENCE, SEQUENCE + " | tail 3"):
        want = detect(binary, ["-q", query, "--sort-buffer", "all", first, second])
        got = detect(binary, ["-q", query, "--sort-buffer", "3", first, second])
        if got != want or got[2] != "":
            fail("ordered files, %s: expected the output of --sort-buffer all and no message, "
                 "got status %d and:\n%s" % (query, got[0], got[2]))
    # Given in the wrong order, with a malformed line in the file read first and compressed.
    with open(second, "a") as f:
        f.write("{broken\n")
    subprocess.run(["gzip", "-k", second], check=True)
    with open(second + ".gz", "ab") as f:
        f.write(b"junk")                                  # a warning the second reading must not repeat
    for files in ([second, first], [second + ".gz", first]):
        want = detect(binary, ["-q", "process where true", "--sort-buffer", "all"] + files)
        got = detect(binary, ["-q", "process where true", "--sort-buffer", "3"] + files)
        if (got[:2] != want[:2] or got[2].count(NOTICE) != 1 or "day1.ndjson:1: " not in got[2]
                or without_notice(got[2]) != want[2] or got[2].count("trailing data") > 1):
            fail("files given out of order (%s): expected the output of all and one notice "
                 "naming day1.ndjson:1, got:\n%s" % (files[0], got[2]))
    print("ok files in time order are read once; files given out of order are read again")


def check_tiebreaker(binary, folder):
    # Equal timestamps: the tiebreaker orders them, whatever the input order.
    lines = [event(1000, i, tb=(7 * i) % 11) for i in range(11)]
    lines += [event(2000, 11 + i, tb=0) for i in range(3)]
    path = write(folder, "ties.ndjson", lines)
    want = detect(binary, ["-q", "process where true", "--tiebreaker-field", "tb",
                           "--sort-buffer", "all", path])
    order = [json.loads(line)["tb"] for line in want[1].splitlines()[:11]]
    if order != sorted(order):
        fail("tiebreaker: --sort-buffer all does not sort by tb: %r" % order)
    for buffer in ("1", "11", "20"):
        got = detect(binary, ["-q", "process where true", "--tiebreaker-field", "tb",
                              "--sort-buffer", buffer, path])
        if got[:2] != want[:2]:
            fail("tiebreaker, --sort-buffer %s: the output differs from all's" % buffer)
        if (buffer == "1") != (NOTICE in got[2]):
            fail("tiebreaker, --sort-buffer %s: unexpected standard error:\n%s" % (buffer, got[2]))
    # Without a tiebreaker, equal timestamps keep input order and need no second reading.
    got = detect(binary, ["-q", "process where true", "--sort-buffer", "1", path])
    if got[2] != "" or [json.loads(x)["id"] for x in got[1].splitlines()] != list(range(14)):
        fail("equal timestamps without a tiebreaker: expected input order, no message")
    print("ok equal timestamps sort by the tiebreaker, then input order")


def limit_file_size():
    """In the child: files stop growing at 1 KB, and writing past it fails with EFBIG."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


def check_spool_and_fallbacks(binary, folder):
    lines = [event(1000 + i, i) for i in range(20)] + [event(500, 20)]
    path = write(folder, "back.ndjson", lines)
    want = detect(binary, ["-q", "process where true", "--sort-buffer", "all", path])
    spool_dir = folder / "spool"
    spool_dir.mkdir()
    env = dict(os.environ, TMPDIR=str(spool_dir))
    got = detect(binary, ["-q", "process where true", "--sort-buffer", "2", path], env=env)
    if got[1] != want[1] or list(spool_dir.iterdir()):
        fail("spool: wrong output, or a file left in TMPDIR: %r" % list(spool_dir.iterdir()))
    # A spool that cannot grow (a full disk, here a file size limit) fails the run with status 2.
    full = subprocess.run([binary, "detect", "--quiet", "-q", "process where true", "--sort-buffer",
                           "2", path], env=dict(os.environ, TMPDIR=str(spool_dir)),
                          capture_output=True, timeout=60, preexec_fn=limit_file_size)
    if full.returncode != 2 or b"writing the results to a temporary file in" not in full.stderr:
        fail("a full spool: expected status 2 and a message, got %d and:\n%s"
             % (full.returncode, full.stderr.decode()))
    env = dict(os.environ, TMPDIR=str(folder / "no-such-folder"))
    got = detect(binary, ["-q", "process where true", "--sort-buffer", "2", path], env=env)
    if got[1] != want[1] or "no temporary file for the results" not in got[2] or NOTICE in got[2]:
        fail("an unusable TMPDIR: expected the output of all and one warning, got:\n" + got[2])
    with open(path, "rb") as f:
        got = detect(binary, ["-q", "process where true", "--sort-buffer", "2",
                              "--reorder-window", "0", "-"], stdin=f.read())
    if got[2].count("reorder window") == 0 or NOTICE in got[2]:
        fail("stdin: expected the reorder window's late event and no notice, got:\n" + got[2])
    fifo = folder / "pipe"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["cp", path, str(fifo)])
    got = detect(binary, ["-q", "process where true", "--sort-buffer", "2", str(fifo)])
    writer.wait(timeout=30)
    if got[1] != want[1] or got[2] != "":
        fail("a named pipe: expected the output of all, without a message, got:\n" + got[2])
    print("ok no spool file is left; TMPDIR, stdin and pipes fall back to holding everything")


def write_keys(path, keys):
    """Ordered events 2 ms apart: a start per key, and for one key in 5 a file creation 1.5 s later."""
    pad = "x" * 1000
    with open(path, "w") as f:
        ms, pending = 0, []
        for i in range(keys + 1000):
            ms += 2
            if i < keys:
                f.write('{"@timestamp":%d,"event":{"category":"process","type":"start"},'
                        '"process":{"entity_id":"key-%08d","pad":"%s"}}\n' % (ms, i, pad))
            if i < keys and i % 5 == 0:
                pending.append((ms + 1500, i))
            while pending and pending[0][0] <= ms:
                _, k = pending.pop(0)
                f.write('{"@timestamp":%d,"event":{"category":"file","type":"creation"},'
                        '"process":{"entity_id":"key-%08d"}}\n' % (ms, k))


def peak_kb(binary, args, folder):
    """
    Returns the peak resident memory of one run, in KB, from /usr/bin/time when it is installed.
    Otherwise it comes from wait4(), whose figure also counts this Python process as it was when
    forked. That is why the memory check runs first, before this process keeps any output.
    """
    if os.path.exists("/usr/bin/time"):
        report = folder / "time.txt"
        result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), binary, "detect",
                                 "--quiet"] + args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=120)
        if result.returncode not in (0, 1):
            fail("memory: detect %s exited with %d" % (" ".join(args), result.returncode))
        return int(report.read_text().split()[-1])
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(binary, [binary, "detect", "--quiet"] + args)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        fail("memory: detect %s exited with %r" % (" ".join(args), status))
    return usage.ru_maxrss


def check_memory(binary, folder):
    path = str(folder / "keys.ndjson")
    write_keys(path, 50000)
    query = ["--threads", "1", "-q", 'sequence by process.entity_id with maxspan=5s '
                   '[process where event.type == "start"] [file where event.type == "creation"]']
    held = peak_kb(binary, query + ["--sort-buffer", "all", path], folder)
    bounded = peak_kb(binary, query + ["--sort-buffer", "1000", path], folder)
    # An event query that matches every line: its results wait on disk, not in memory.
    matches = ["--threads", "1", "-q", "any where true"]
    held_all = peak_kb(binary, matches + ["--sort-buffer", "all", path], folder)
    matched = peak_kb(binary, matches + ["--sort-buffer", "1000", path], folder)
    with open(binary, "rb") as f:
        sanitized = b"__asan_init" in f.read()
    if sanitized:
        print("skip the memory bound: AddressSanitizer keeps freed memory in quarantine")
    elif bounded * 3 > held or matched * 3 > held_all:
        fail("memory: with a sort buffer of 1000, the sequence query peaks at %d KB against %d KB "
             "holding everything, the event query at %d KB against %d KB"
             % (bounded, held, matched, held_all))

    outputs = []
    for buffer in ("all", "1000"):
        out = folder / ("sequences-%s.ndjson" % buffer)
        with open(out, "wb") as f:
            subprocess.run([binary, "detect", "--quiet", "--sort-buffer", buffer] + query + [path],
                           stdout=f, timeout=120)
        outputs.append(out)
    with open(outputs[0], "rb") as f:
        found = sum(1 for _ in f)
    if not filecmp.cmp(outputs[0], outputs[1], shallow=False) or found != 10000:
        fail("memory: the sequences found differ, or are not the 10000 expected (%d)" % found)
    print("ok memory with a sort buffer of 1000: the sequence query %d KB, the event query %d KB; "
          "holding everything: %d KB and %d KB" % (bounded, matched, held, held_all))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    source = pathlib.Path(os.environ.get("SITEWATCH_SOURCE", pathlib.Path(__file__).resolve().parents[2]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with tempfile.TemporaryDirectory(prefix="sitewatch-order-") as tmp:
        folder = pathlib.Path(tmp)
        check_memory(binary, folder)
        check_out_of_order(binary, folder)
        check_ordered_files(binary, folder)
        check_tiebreaker(binary, folder)
        check_spool_and_fallbacks(binary, folder)
    check_cases(binary, source)
    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
