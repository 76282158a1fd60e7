#!/usr/bin/env python3
"""`detect --threads N` evaluates events on worker threads (src/cli/detect_pool.c) and must give
what one thread gives, byte for byte: standard output, standard error and exit status. Each run
here compares --threads 2 and 3 with --threads 1, with the prefilter and with --no-prefilter:

1. every case of tests/cases/*.cases, its stdin given as a regular file (a pipe is a live
   stream, which is fed one event at a time);
2. the bundled rule over the demo events;
3. generated files of several thousand lines, so many batches. Their lines mix malformed
   JSON, lines that are not objects, text after a document, events without a timestamp, events
   out of time order (the sort buffer then reads the files a second time), and values that stop
   a regular expression at its match limit. They run with rules of every kind (sequence, sample,
   head and tail pipes), --max-errors, --size and --from/--to, from files, gzip and stdin;
4. when $SITEWATCH_DATA holds Elastic's detection-rules corpus, its 1,094 queries as rules over
   events of the benchmark generator.

Usage: test_threads_exact.py SITEWATCH
"""

import gzip
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_cases  # noqa: E402  (the case file parser)
import test_clause_index_cases as corpus  # noqa: E402  (the corpus rules and events)

THREADS = ["2", "3"]
PREFILTER = [[], ["--no-prefilter"]]

RULES = [
    "sequence by host.name with maxspan=30s [process where process.name == \"a\"] "
    "[file where file.name : \"*.py\"]",
    "process where process.name : \"b*\" | head 7",
    "sample by host.name [process where process.name == \"a\"] [file where true]",
    "any where process.command_line regex \"(a|aa)+\"",
    "file where file.name : \"*.pth\" | tail 4",
]


def run(binary, arguments, folder, stdin_path=None):
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        result = subprocess.run([binary] + arguments, cwd=folder, stdin=stdin,
                                capture_output=True, timeout=600)
    finally:
        if stdin_path:
            stdin.close()
    return result.returncode, result.stdout, result.stderr


def compare(binary, arguments, folder, label, stdin_path=None):
    """Returns the messages of the runs that differ from --threads 1."""
    failures = []
    for extra in PREFILTER:
        base = arguments[:1] + extra + arguments[1:]
        one = run(binary, base[:1] + ["--threads", "1"] + base[1:], folder, stdin_path)
        for n in THREADS:
            other = run(binary, base[:1] + ["--threads", n] + base[1:], folder, stdin_path)
            if other != one:
                failures.append("%s %s: --threads %s gives status %d, %r, stderr %r; --threads 1 "
                                "gives status %d, %r, stderr %r" % (
                                    label, " ".join(extra), n, other[0], other[1][:200],
                                    other[2][:300], one[0], one[1][:200], one[2][:300]))
    return failures


def check_case(binary, case):
    with tempfile.TemporaryDirectory(prefix="sitewatch-threads-") as tmp:
        folder = pathlib.Path(tmp)
        arguments = ["detect"]
        if case.query is not None:
            arguments += ["-q", case.query]
        arguments += case.options + run_cases.write_inputs(case, folder)
        stdin_path = None
        if case.stdin is not None:
            stdin_path = folder / "stdin.ndjson"
            stdin_path.write_text("\n".join(case.stdin) + "\n")
        return compare(binary, arguments, folder, case.where(), stdin_path)


def event_line(rng, i, ts):
    """One line of the generated file: mostly events, sometimes a fault."""
    kind = rng.randrange(40)
    stamp = "2024-01-01T00:%02d:%02d.%03dZ" % (ts // 60000 % 60, ts // 1000 % 60, ts % 1000)
    host = "h%d" % rng.randrange(5)

    if i == 2500:
        # Larger than a batch (1 MB): fed on the main thread after the batches before it.
        return json.dumps({"@timestamp": stamp, "event": {"category": "process"},
                           "host": {"name": "big"},
                           "process": {"name": "a", "command_line": "x" * (3 << 19)}})
    if kind == 0:
        return '{"@timestamp": "%s", "event": {"category": "process"' % stamp
    if kind == 1:
        return '["not", "an", "object"]'
    if kind == 2:
        return json.dumps({"event": {"category": "process"}, "host": {"name": host},
                           "process": {"name": "a"}})
    if kind == 3:
        return json.dumps({"@timestamp": "2024-02-30T00:00:00Z", "host": {"name": host}})
    if kind == 4:
        return json.dumps({"@timestamp": stamp, "process": {"name": "b1"}}) + " trailing"

    if kind == 5:
        return json.dumps({"@timestamp": stamp, "event": {"category": "process"},
                           "process": {"command_line": "a" * 5000 + "b"}})
    if kind < 20:
        return json.dumps({"@timestamp": stamp, "event": {"category": "process"},
                           "host": {"name": host}, "seq": i,
                           "process": {"name": rng.choice(["a", "b2", "b3", "c"]),
                                       "command_line": rng.choice(["aac", "xyz"])}})
    return json.dumps({"@timestamp": stamp, "event": {"category": "file"}, "host": {"name": host},
                       "seq": i, "file": {"name": rng.choice(["x.py", "y.pth", "z.txt"])}})


def write_events(path, seed, count, disorder):
    """`count` lines from t=0, each later by up to 50 ms; `disorder` lines jump back a minute."""
    rng = random.Random(seed)
    ts = 0
    lines = []
    for i in range(count):
        ts += rng.randrange(50)
        back = 60000 if disorder and i in disorder else 0
        lines.append(event_line(rng, i, max(ts - back, 0)))
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def write_rules(path):
    with open(path, "w") as f:
        for i, query in enumerate(RULES):
            f.write(json.dumps({"rule_id": "r%d" % i, "name": "rule %d" % i, "type": "eql",
                                "language": "eql", "query": query, "risk_score": 21,
                                "severity": "low", "description": "threads test"}) + "\n")


def check_generated(binary):
    failures = []
    with tempfile.TemporaryDirectory(prefix="sitewatch-threads-") as tmp:
        folder = pathlib.Path(tmp)
        write_events(folder / "ordered.ndjson", 1, 6000, set())
        write_events(folder / "late.ndjson", 2, 6000, {4500})
        write_events(folder / "early.ndjson.gz", 3, 3000, {40})
        write_rules(folder / "rules.ndjson")
        runs = [
            (["detect", "-r", "rules.ndjson", "ordered.ndjson"], None),
            (["detect", "-r", "rules.ndjson", "--sort-buffer", "50", "ordered.ndjson",
              "late.ndjson"], None),
            (["detect", "-r", "rules.ndjson", "early.ndjson.gz", "--max-errors", "3"], None),
            (["detect", "-r", "rules.ndjson", "--from", "2024-01-01T00:00:30Z",
              "--to", "2024-01-01T00:01:40Z", "late.ndjson"], None),
            (["detect", "-q", "process where true", "--size", "900", "-"],
             folder / "ordered.ndjson"),
            (["detect", "-q", "process where process.name == \"a\" | tail 3",
              "ordered.ndjson", "-"], folder / "late.ndjson"),
            (["detect", "-r", "rules.ndjson", "--reorder-window", "0", "-"],
             folder / "late.ndjson"),
        ]
        for arguments, stdin_path in runs:
            failures += compare(binary, arguments, folder, " ".join(arguments[1:]), stdin_path)
    return failures


def check_corpus(binary, source):
    data = pathlib.Path(os.environ.get("SITEWATCH_DATA", source.parent / "shared" / "data"))
    build = pathlib.Path(os.environ.get("SITEWATCH_BUILD", pathlib.Path(binary).parent))
    with tempfile.TemporaryDirectory(prefix="sitewatch-threads-") as tmp:
        folder = pathlib.Path(tmp)
        rules = corpus.corpus_rules(data, folder)
        if rules is None:
            print("the detection-rules corpus is not in %s: its part is skipped" % data)
            return []
        events = corpus.corpus_events(build, folder)
        arguments = ["detect", "-r", str(rules)] + [str(p) for p in events]
        return compare(binary, arguments, folder, "the corpus rules")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    source = pathlib.Path(os.environ.get("SITEWATCH_SOURCE",
                                         pathlib.Path(__file__).resolve().parents[2]))
    failures = []
    count = 0
    for path in sorted((source / "tests" / "cases").glob("*.cases")):
        for case in run_cases.parse_case_file(path):
            count += 1
            failures += check_case(binary, case)
    demo = sorted(str(p) for p in (source / "demo").glob("*.ndjson"))
    if demo:
        failures += compare(binary, ["detect"] + demo, source, "the bundled rule over demo/")
    failures += check_generated(binary)
    failures += check_corpus(binary, source)
    for message in failures:
        print("FAIL " + message)
    print("%d cases, the demo, generated files and the corpus compared with --threads 1, 2 and "
          "3: %d differences" % (count, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
