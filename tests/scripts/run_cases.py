#!/usr/bin/env python3
"""Run the expected-output cases in tests/cases/*.cases against `sitewatch detect`.

Usage: run_cases.py SITEWATCH [CASEFILE...] [--filter TEXT] [--verbose]

Without CASEFILE, every tests/cases/*.cases file of the source tree is run.
Exit status: 0 when every case passed, 1 when one failed, 2 on a malformed case file.

Case file format (also described in tests/cases/README.md)
-----------------------------------------------------------
A case starts with a line `=== NAME`. Lines before the first case, and lines
starting with `#` between sections, are comments. Inside a case, a section
starts with a keyword in the first column followed by a colon. A block section
takes the lines that follow it, up to the next section or case, without
trailing blank lines.

  query: TEXT        the EQL query, passed as `-q TEXT`. With nothing after the
                     colon, the following lines form a multi-line query. A case
                     without `query:` runs the bundled rule (no -q).
  options: WORDS     extra command-line words, split like a POSIX shell.
  events: / events NAME:
                     a block of input lines, written verbatim to NAME (default
                     events.ndjson) and passed as a FILE argument, in the order
                     the blocks appear. A NAME ending in .gz is gzip-compressed.
  file NAME:         a block written to NAME but not passed (rule files, ...).
  stdin:             a block fed to standard input.
  files: WORDS       replaces the FILE arguments (to pass "-", a missing file,
                     or an order different from the blocks).
  ids:               a block, one line per expected output line, in order:
                       `3`                    an event whose "id" is 3
                       `["h1"] 1 2`           a sequence (or alert) with these join
                                              keys and the events of ids 1 and 2;
                                              `-` stands for a missing event.
                     Join keys compare in text form, as Elasticsearch's runner
                     does: 4120 and "4120" agree, null is `null`.
  expect:            a block of exact expected output lines (byte for byte).
  fields:            a block of `N PATH JSON` lines: in output line N (from 1),
                     the value at PATH (dotted, through nested objects, dotted
                     keys and list positions such as threat.0.tactic.name) must
                     equal JSON.
  status: N          the expected exit status. Default: 1 when `ids` or `expect`
                     lists at least one line, else 0.
  stderr:            a block of substrings that stderr must each contain. Without
                     it, stderr must be empty.
  note: TEXT         why the case expects what it does; shown when it fails.
  unsure: TEXT       the expectation is not confirmed against Elasticsearch;
                     shown when the case fails, so that a reader checks the
                     expectation before the engine.

A sanitizer report on stderr, or a death by signal, always fails the case.
Each case runs in its own temporary folder, with that folder as the working
directory, so diagnostics name the input files as written in the case.
"""

import argparse
import gzip
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

TIMEOUT_SECONDS = 30
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")
LINE_KEYWORDS = ("query", "options", "files", "status", "note", "unsure")
BLOCK_KEYWORDS = ("query", "events", "file", "stdin", "ids", "expect", "fields", "stderr")
SECTION_RE = re.compile(r"^(query|options|events|file|stdin|files|ids|expect|fields|status|"
                        r"stderr|note|unsure)(?: +([^\s:]+))?:(?: (.*))?$")


class CaseFileError(Exception):
    """A case file that does not follow the format: names the file and line."""


class Case:
    def __init__(self, path, line, name):
        self.path = path
        self.line = line
        self.name = name
        self.query = None
        self.options = []
        self.inputs = []          # (name, lines) passed as FILE arguments
        self.extra_files = []     # (name, lines) written only
        self.stdin = None
        self.files = None
        self.ids = None
        self.expect = None
        self.fields = None
        self.status = None
        self.stderr = None
        self.note = None
        self.unsure = None

    def where(self):
        return f"{self.path.name}:{self.line}: {self.name}"


def trim_block(lines):
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def parse_case_file(path):
    """Split a .cases file into Case objects; raises CaseFileError."""
    cases = []
    case = None
    section = None      # (keyword, argument, lines) of the open block
    text = path.read_text(encoding="utf-8")

    def close_section():
        nonlocal section
        if section is not None:
            store_block(case, section[0], section[1], trim_block(section[2]), path)
            section = None

    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.startswith("=== "):
            close_section()
            case = Case(path, number, raw[4:].strip())
            cases.append(case)
            continue
        match = SECTION_RE.match(raw)
        if match and case is not None:
            close_section()
            keyword, argument, rest = match.group(1), match.group(2), match.group(3)
            if rest is None or rest == "":
                if keyword not in BLOCK_KEYWORDS:
                    raise CaseFileError(f"{path}:{number}: `{keyword}:` needs a value on its line")
                section = (keyword, argument, [])
            else:
                if keyword not in LINE_KEYWORDS:
                    raise CaseFileError(f"{path}:{number}: `{keyword}:` takes a block on the "
                                        "following lines, not a value on its own line")
                store_line(case, keyword, rest, path, number)
            continue
        if section is not None:
            section[2].append(raw)
        elif raw.strip() and not raw.startswith("#") and case is not None:
            raise CaseFileError(f"{path}:{number}: text outside a section: {raw!r}")
    close_section()
    check_names(cases, path)
    return cases


def store_line(case, keyword, value, path, number):
    if keyword == "query":
        case.query = value
    elif keyword == "options":
        case.options = shlex.split(value)
    elif keyword == "files":
        case.files = shlex.split(value)
    elif keyword == "status":
        if not value.strip().isdigit():
            raise CaseFileError(f"{path}:{number}: status must be a number, got {value!r}")
        case.status = int(value)
    elif keyword == "note":
        case.note = value
    elif keyword == "unsure":
        case.unsure = value


def store_block(case, keyword, argument, lines, path):
    if keyword == "query":
        case.query = "\n".join(lines)
    elif keyword == "events":
        case.inputs.append((argument or "events.ndjson", lines))
    elif keyword == "file":
        if not argument:
            raise CaseFileError(f"{path}: case {case.name!r}: `file` needs a name")
        case.extra_files.append((argument, lines))
    elif keyword == "stdin":
        case.stdin = lines
    elif keyword == "ids":
        case.ids = [parse_ids_line(line, case) for line in lines if line.strip()]
    elif keyword == "expect":
        case.expect = lines
    elif keyword == "fields":
        case.fields = [parse_field_line(line, case) for line in lines if line.strip()]
    elif keyword == "stderr":
        case.stderr = [line for line in lines if line.strip()]


def parse_ids_line(line, case):
    """`3` -> (None, ["3"]); `["h1"] 1 -` -> (["h1"], ["1", "-"])."""
    text = line.strip()
    keys = None
    if text.startswith("["):
        try:
            keys, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as error:
            raise CaseFileError(f"{case.where()}: bad join keys in ids line {line!r}: {error}")
        text = text[end:]
    return (keys, text.split())


def parse_field_line(line, case):
    parts = line.strip().split(None, 2)
    if len(parts) != 3 or not parts[0].isdigit():
        raise CaseFileError(f"{case.where()}: a fields line is `N PATH JSON`, got {line!r}")
    try:
        value = json.loads(parts[2])
    except json.JSONDecodeError as error:
        raise CaseFileError(f"{case.where()}: bad JSON in fields line {line!r}: {error}")
    return (int(parts[0]), parts[1], value)


def check_names(cases, path):
    seen = set()
    for case in cases:
        if case.name in seen:
            raise CaseFileError(f"{path}:{case.line}: case name {case.name!r} is used twice")
        seen.add(case.name)


def write_inputs(case, folder):
    """Write the case's files into folder; return the FILE arguments."""
    for name, lines in case.inputs + case.extra_files:
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
        if name.endswith(".gz"):
            data = gzip.compress(data)
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if case.files is not None:
        return case.files
    return [name for name, _ in case.inputs]


def run_case(binary, case):
    """Run one case; return (passed, list of reasons)."""
    with tempfile.TemporaryDirectory(prefix="sitewatch-case-") as tmp:
        folder = pathlib.Path(tmp)
        arguments = [binary, "detect"]
        if case.query is not None:
            arguments += ["-q", case.query]
        arguments += case.options + write_inputs(case, folder)
        stdin = ("\n".join(case.stdin) + "\n").encode() if case.stdin is not None else b""
        try:
            result = subprocess.run(arguments, cwd=folder, input=stdin, capture_output=True,
                                    timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return False, [f"timed out after {TIMEOUT_SECONDS} s"]
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    reasons = check_result(case, result.returncode, stdout, stderr)
    return not reasons, reasons


def check_result(case, status, stdout, stderr):
    reasons = []
    lines = stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    if status < 0:
        reasons.append(f"killed by signal {-status}")
    marked = [line.strip() for line in stderr.split("\n")
              if any(mark in line for mark in SANITIZER_MARKS)]
    if marked:
        reasons.append("sanitizer report on stderr: " + marked[0])
    reasons += check_status(case, status)
    reasons += check_stderr(case, stderr)
    if case.expect is not None and lines != case.expect:
        reasons.append("output differs from `expect`:\n" + side_by_side(case.expect, lines))
    if case.ids is not None:
        reasons += check_ids(case.ids, lines)
    if case.fields is not None:
        reasons += check_fields(case.fields, lines)
    if reasons and stdout and case.expect is None:
        reasons.append("stdout was:\n" + indent(stdout))
    if reasons and stderr and case.stderr is None:
        reasons.append("stderr was:\n" + indent(stderr))
    return reasons


def check_status(case, status):
    expected_status = case.status
    if expected_status is None:
        produced = (case.ids or []) + (case.expect or [])
        expected_status = 1 if produced else 0
    if status != expected_status:
        return [f"exit status {status}, expected {expected_status}"]
    return []


def check_stderr(case, stderr):
    if case.stderr is None:
        return [] if stderr == "" else ["unexpected stderr:\n" + indent(stderr)]
    missing = [text for text in case.stderr if text not in stderr]
    if missing:
        return ["stderr lacks " + ", ".join(repr(text) for text in missing) + ":\n" +
                indent(stderr or "(empty)")]
    return []


def key_text(keys):
    """Join keys in the string form Elasticsearch's own runner compares:
    null as `null`, any other value as its text (so 4120 and "4120" agree)."""
    if keys is None:
        return None
    texts = []
    for key in keys:
        if key is None or isinstance(key, bool):
            texts.append(json.dumps(key))
        elif isinstance(key, str):
            texts.append(key)
        else:
            texts.append(json.dumps(key))
    return texts


def check_ids(expected, lines):
    got = [(key_text(keys), ids) for keys, ids in map(describe_line, lines)]
    want = [(key_text(keys), ids) for keys, ids in expected]
    if got == want:
        return []
    return ["results differ from `ids`:\n" +
            side_by_side([format_ids(k, i) for k, i in want],
                         [format_ids(k, i) for k, i in got])]


def describe_line(line):
    """Reduce one output line to (join keys or None, [ids])."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return (None, ["<not JSON: " + line[:80] + ">"])
    if not isinstance(value, dict):
        return (None, ["<not an object>"])
    if "events" in value and "join_keys" in value:
        return (value["join_keys"], [event_id(e) for e in value["events"]])
    eql = lookup(value, "eql")
    if isinstance(eql, dict) and "events" in eql:
        return (eql.get("join_keys"), [event_id(e) for e in eql["events"]])
    return (None, [event_id(value)])


def event_id(event):
    if isinstance(event, dict) and event.get("missing") is True and "id" not in event:
        return "-"
    if not isinstance(event, dict) or "id" not in event:
        return "<no id>"
    value = event["id"]
    return value if isinstance(value, str) else json.dumps(value)


def format_ids(keys, ids):
    text = " ".join(ids)
    return text if keys is None else json.dumps(keys) + " " + text


def check_fields(fields, lines):
    reasons = []
    for number, path, expected in fields:
        if number > len(lines):
            reasons.append(f"output line {number} missing (expected {path} = {json.dumps(expected)})")
            continue
        try:
            document = json.loads(lines[number - 1])
        except json.JSONDecodeError:
            reasons.append(f"output line {number} is not JSON")
            continue
        got = lookup(document, path)
        if got != expected:
            reasons.append(f"line {number}: {path} is {json.dumps(got)}, "
                           f"expected {json.dumps(expected)}")
    return reasons


def lookup(document, path):
    """Value at a dotted path, through nested objects, keys that hold dots,
    and list positions written as numbers (threat.0.tactic.name)."""
    if isinstance(document, list):
        head, _, rest = path.partition(".")
        if not head.isdigit() or int(head) >= len(document):
            return None
        return document[int(head)] if not rest else lookup(document[int(head)], rest)
    if not isinstance(document, dict):
        return None
    if path in document:
        return document[path]
    parts = path.split(".")
    for cut in range(1, len(parts)):
        head = ".".join(parts[:cut])
        if head in document:
            found = lookup(document[head], ".".join(parts[cut:]))
            if found is not None:
                return found
    return None


def side_by_side(want, got):
    rows = ["  expected:"] + ["    " + line for line in want or ["(nothing)"]]
    rows += ["  got:"] + ["    " + line for line in got or ["(nothing)"]]
    return "\n".join(rows)


def indent(text):
    return "\n".join("    " + line for line in text.rstrip("\n").split("\n"))


def default_case_files():
    source = os.environ.get("SITEWATCH_SOURCE")
    root = pathlib.Path(source) if source else pathlib.Path(__file__).resolve().parents[2]
    return sorted((root / "tests" / "cases").glob("*.cases"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sitewatch", help="the sitewatch binary")
    parser.add_argument("casefiles", nargs="*", type=pathlib.Path)
    parser.add_argument("--filter", default="", help="run only cases whose name contains TEXT")
    parser.add_argument("--verbose", action="store_true", help="print every case")
    options = parser.parse_args()

    binary = os.path.abspath(options.sitewatch)
    if not os.access(binary, os.X_OK):
        print(f"run_cases: {binary} is not an executable file; build it first "
              "(ninja -C BUILD sitewatch)", file=sys.stderr)
        return 2
    files = options.casefiles or default_case_files()
    if not files:
        print("run_cases: no .cases file found under tests/cases", file=sys.stderr)
        return 2
    try:
        cases = [case for path in files for case in parse_case_file(path)]
    except (CaseFileError, OSError) as error:
        print(f"run_cases: {error}", file=sys.stderr)
        return 2

    passed = failed = 0
    for case in cases:
        if options.filter not in case.name:
            continue
        ok, reasons = run_case(binary, case)
        if ok:
            passed += 1
            if options.verbose:
                print(f"ok    {case.where()}")
            continue
        failed += 1
        print(f"FAIL  {case.where()}")
        if case.unsure:
            print(f"  unsure: {case.unsure}")
        if case.note:
            print(f"  note: {case.note}")
        for reason in reasons:
            print("  " + reason.replace("\n", "\n  "))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
