#!/usr/bin/env python3
"""The literal prefilter and its threads change no result: every case of tests/cases/*.cases,
and the bundled rule over the demo events, give the same standard output and exit status with
`--no-prefilter --threads 1` as with the defaults and with `--threads 2`. Standard error may
differ: a line the prefilter passes over is not checked for malformed JSON.

Usage: test_prefilter_cases.py SITEWATCH
"""

import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_cases  # noqa: E402  (the case file parser)

MODES = [["--no-prefilter", "--threads", "1"], [], ["--threads", "2"]]


def run(binary, case, folder, extra):
    arguments = [binary, "detect", "--quiet"] + extra
    if case.query is not None:
        arguments += ["-q", case.query]
    arguments += case.options + run_cases.write_inputs(case, folder)
    stdin = ("\n".join(case.stdin) + "\n").encode() if case.stdin is not None else b""
    result = subprocess.run(arguments, cwd=folder, input=stdin, capture_output=True, timeout=60)
    return result.returncode, result.stdout


def check_case(binary, case):
    """Returns a message when the modes disagree, else None."""
    outcomes = []
    for extra in MODES:
        with tempfile.TemporaryDirectory(prefix="sitewatch-prefilter-") as tmp:
            outcomes.append(run(binary, case, pathlib.Path(tmp), extra))
    for extra, outcome in zip(MODES[1:], outcomes[1:]):
        if outcome != outcomes[0]:
            return "%s: %s gives status %d and %r; --no-prefilter gives status %d and %r" % (
                case.where(), " ".join(extra) or "the defaults", outcome[0], outcome[1][:300],
                outcomes[0][0], outcomes[0][1][:300])
    return None


def check_demo(binary, source):
    demo = sorted(str(p) for p in (source / "demo").glob("*.ndjson"))
    if not demo:
        return None
    outputs = [subprocess.run([binary, "detect", "--quiet"] + extra + demo, capture_output=True,
                              timeout=60) for extra in MODES]
    for extra, out in zip(MODES[1:], outputs[1:]):
        if (out.returncode, out.stdout) != (outputs[0].returncode, outputs[0].stdout):
            return "the bundled rule over demo/*.ndjson differs with %s" % (" ".join(extra) or "the defaults")
    return None


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
    message = check_demo(binary, source)
    if message:
        failures.append(message)
    for message in failures:
        print("FAIL " + message)
    print("%d cases compared in %d modes, %d differences" % (count, len(MODES), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
