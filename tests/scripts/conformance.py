#!/usr/bin/env python3
"""Run Elasticsearch's own EQL suites against `sitewatch detect` and report pass rates.

Usage: conformance.py SITEWATCH [--suite NAME] [--case TEXT] [--min-pass-rate PERCENT]
                      [--report-only] [--verbose] [--keep DIR]

The suites and their events are in $SITEWATCH_DATA/eql-conformance (its README.md explains how
Elasticsearch loads each one; this script does the same):

- events are loaded as Elasticsearch's DataLoader does. The .data files are JSON arrays whose
  `//` comment lines are dropped. The endgame events get
  `@timestamp = timestamp // 10000 - 11644473600000`, which turns a Windows FILETIME (100 ns
  ticks since 1601) into epoch milliseconds. Each suite's events go to one NDJSON file.
- each index's .mapping (its `#` lines dropped) declares the `date` fields; each one other than
  @timestamp is passed as `--date-field NAME=FORMAT`, the formats of the suite's indices joined
  with `||` (sample1 writes @timestamp_pretty as dd-MM-yyyy, sample2 as yyyy-MM-dd).
- every request uses `event_type` as the event category field (the mappings alias
  event.category to it), the suite's tiebreaker field where its test class sends one, a size
  of 50 unless the case gives its own `size`, and the case's `max_samples_per_key`.
  Elasticsearch's runner picks `result_position` head or tail at random and expects the same
  answer; this script runs every case with both, and a case passes only if both do.
- a result is the list of ids, in output order, of every returned event. For sequences and
  samples the events of each one follow each other, and a missing event counts as -1. The
  list must equal `expected_event_ids`, or one of its alternatives when that is a list of
  lists.
  When the case has non-empty `join_keys`, the keys of all sequences, joined in output order
  and written as text (null as `null`), must equal them too.
- test_extra.toml writes a bare `null` inside five `join_keys` arrays, which TOML does not
  allow; it is read as the string "null", which is what the comparison uses anyway.
- case names must be unique among the files one test class loads together.

KNOWN_DIFFERENCES lists the cases that depend on Elasticsearch behaviour sitewatch does not have,
each with the reason (docs/limits.md explains them). They are run and reported, but expected to
fail.

The script prints, per suite, passed/failed/total and the pass rate, then each failing case
with its reason (expected and returned ids, or the error the binary printed), and ends with
`N passed, M failed`.

Exit status: 0 when every case passed except the known differences; 1 when another case
failed, a known difference passed (remove it from the list), the binary crashed (an exit
status other than 0, 1 or 2, a signal, a time-out, or a sanitizer report), or the overall pass
rate is below --min-pass-rate; 2 on bad usage; 77 when $SITEWATCH_DATA/eql-conformance is
absent. With --report-only, only crashes and --min-pass-rate fail the run.
"""

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import tomllib

TIMEOUT_SECONDS = 30
DEFAULT_SIZE = 50
CATEGORY_FIELD = "event_type"
FILETIME_EPOCH_OFFSET_MS = 11644473600000   # milliseconds from 1601-01-01 to 1970-01-01
FILETIME_TICKS_PER_MS = 10000               # FILETIME counts 100 ns ticks
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")


RESULT_POSITIONS = ("head", "tail")
TIMESTAMP_FIELD = "@timestamp"
DEFAULT_DATE_FORMAT = "strict_date_optional_time||epoch_millis"


class Suite:
    """One TOML file, the events it runs over, and the request settings of its test class."""

    def __init__(self, toml, data, id_field, tiebreaker, endgame=False, test_class=None):
        self.toml = toml
        self.data = data
        self.id_field = id_field
        self.tiebreaker = tiebreaker
        self.endgame = endgame
        self.test_class = test_class or toml
        self.date_fields = []


# From the README's table: test class, index, tiebreaker and id field per suite.
SUITES = [
    Suite("test_queries.toml", ["endgame-events.json"], "serial_event_id", "serial_event_id",
          endgame=True, test_class="EqlSpecTestCase"),
    Suite("test_queries_date.toml", ["endgame-events.json"], "serial_event_id", "serial_event_id",
          endgame=True, test_class="EqlSpecTestCase"),
    Suite("test_missing_events.toml", ["missing-events.data"], "sequence", "sequence"),
    Suite("test_extra.toml", ["extra.data"], "sequence", "sequence"),
    Suite("test_sample.toml", ["sample1.data", "sample2.data", "sample3.data"], "id", None),
    Suite("test_sample_multi.toml", ["sample-multi.data"], "id", None),
]


# Cases that need Elasticsearch's index mapping, which sitewatch does not read: the reason is
# printed with the case, and docs/limits.md lists them.
KNOWN_DIFFERENCES = {
    ("test_extra.toml", "optionalDefaultNullValueFieldEqualNull"):
        "null_value in the mapping indexes a JSON null as \"NULL\"",
    ("test_extra.toml", "optionalDefaultNullValueFieldEqualDefaultValue"):
        "null_value in the mapping indexes a JSON null as \"NULL\"",
    ("test_extra.toml", "sequenceWithVersionRangeCheck"):
        "the version field type compares in semantic-version order",
    ("test_extra.toml", "sequenceWithVersionRangeCheck2"):
        "the version field type compares in semantic-version order",
}


class Crash(Exception):
    """The binary died, hung or reported memory errors: the run must fail."""


def load_events(folder, suite):
    """Events of a suite as Elasticsearch indexes them."""
    events = []
    for name in suite.data:
        lines = (folder / name).read_text(encoding="utf-8").split("\n")
        text = "\n".join(line for line in lines if not line.lstrip().startswith("//"))
        events += json.loads(text)
    if suite.endgame:
        for event in events:
            event["@timestamp"] = (event["timestamp"] // FILETIME_TICKS_PER_MS
                                   - FILETIME_EPOCH_OFFSET_MS)
    return events


def load_mapping_dates(folder, suite):
    """The date fields of the suite's index mappings: [(name, "format||format")]."""
    formats = {}
    for name in suite.data:
        path = folder / name.replace(".data", ".mapping").replace(".json", ".mapping")
        if not path.exists():
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
        text = text.replace("[runtime_random_keyword_type]", "keyword")
        for field, fmt in date_properties(json.loads(text).get("properties", {}), ""):
            if field != TIMESTAMP_FIELD:
                known = formats.setdefault(field, [])
                known += [f for f in fmt.split("||") if f not in known]
    return [(field, "||".join(fmts)) for field, fmts in formats.items()]


def date_properties(properties, prefix):
    """(path, format) of every field of type date, nested objects included."""
    for name, spec in properties.items():
        path = prefix + name
        if spec.get("type") == "date":
            yield path, spec.get("format", DEFAULT_DATE_FORMAT)
        yield from date_properties(spec.get("properties", {}), path + ".")


def load_cases(path):
    """The [[queries]] tables of a suite, with test_extra.toml's bare nulls quoted."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^join_keys\s*=\s*\[[^\]]*\]", quote_bare_nulls, text, flags=re.M)
    cases = tomllib.loads(text).get("queries", [])
    return [case for case in cases if "query" in case and "name" in case]


def quote_bare_nulls(match):
    return re.sub(r"(?<![\w\"])null(?![\w\"])", '"null"', match.group(0))


def request_arguments(suite, case, position):
    arguments = ["--event-category-field", CATEGORY_FIELD,
                 "--size", str(case.get("size", DEFAULT_SIZE)),
                 "--result-position", position]
    if suite.tiebreaker:
        arguments += ["--tiebreaker-field", suite.tiebreaker]
    if "max_samples_per_key" in case:
        arguments += ["--max-samples-per-key", str(case["max_samples_per_key"])]
    for field, fmt in suite.date_fields:
        arguments += ["--date-field", f"{field}={fmt}"]
    return arguments


def run_case(binary, suite, case, events_path):
    """Run one case with each result position; return (passed, reason). Raises Crash."""
    for position in RESULT_POSITIONS:
        ok, reason = run_request(binary, suite, case, events_path, position)
        if not ok:
            return False, f"result_position {position}: {reason}"
    return True, ""


def run_request(binary, suite, case, events_path, position):
    arguments = [binary, "detect", "-q", case["query"]] + request_arguments(suite, case, position)
    arguments.append(str(events_path))
    try:
        result = subprocess.run(arguments, capture_output=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise Crash(f"timed out after {TIMEOUT_SECONDS} s")
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode < 0:
        raise Crash(f"killed by signal {-result.returncode}")
    if result.returncode not in (0, 1, 2):
        raise Crash(f"exit status {result.returncode}: {first_line(stderr)}")
    if any(mark in stderr for mark in SANITIZER_MARKS):
        raise Crash("sanitizer report: " + sanitizer_line(stderr))
    if result.returncode == 2:
        return False, "error: " + first_line(stderr)
    lines = [line for line in result.stdout.decode("utf-8", "replace").split("\n") if line]
    return compare(suite, case, lines)


def sanitizer_line(text):
    """Return the first line of a sanitizer report, the one that names the error."""
    for line in text.split("\n"):
        if any(mark in line for mark in SANITIZER_MARKS):
            return line.strip()
    return first_line(text)


def first_line(text):
    lines = [line for line in text.split("\n") if line.strip()]
    return lines[0] if lines else "(no message)"


def compare(suite, case, lines):
    try:
        ids, keys = extract(lines, suite.id_field)
    except ValueError as error:
        return False, str(error)
    expected = case["expected_event_ids"]
    alternatives = expected if expected and isinstance(expected[0], list) else [expected]
    if ids not in alternatives:
        accepted = " or ".join(str(a) for a in alternatives)
        return False, f"expected ids {accepted}, got {ids}"
    expected_keys = [key_text(key) for key in case.get("join_keys", [])]
    if expected_keys and keys != expected_keys:
        return False, f"ids match, but expected join keys {expected_keys}, got {keys}"
    return True, ""


def extract(lines, id_field):
    """Ids of all returned events in order, and the join keys of all sequences."""
    ids, keys = [], []
    for line in lines:
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            raise ValueError(f"output line is not JSON: {line[:100]}")
        if isinstance(value, dict) and "events" in value and "join_keys" in value:
            ids += [event_id(event, id_field) for event in value["events"]]
            keys += [key_text(key) for key in value["join_keys"]]
        else:
            ids.append(event_id(value, id_field))
    return ids, keys


def event_id(event, id_field):
    """The id of an output event; a missing event of a sequence counts as -1."""
    if not isinstance(event, dict):
        raise ValueError(f"output event is not an object: {json.dumps(event)[:100]}")
    if id_field in event:
        return event[id_field]
    if event.get("missing") is True:
        return -1
    raise ValueError(f"output event has no {id_field}: {json.dumps(event)[:100]}")


def key_text(key):
    """A join key as Elasticsearch's runner writes it: null as `null`, else its text."""
    if key is None or isinstance(key, bool):
        return json.dumps(key)
    return key if isinstance(key, str) else json.dumps(key)


def run_suite(binary, folder, suite, options, workdir):
    """Run every case of a suite; return (results, crashes) with results as (name, ok, reason)."""
    events_path = workdir / (suite.toml.replace(".toml", "") + ".ndjson")
    if not events_path.exists():
        events = load_events(folder, suite)
        events_path.write_text("".join(json.dumps(e, separators=(",", ":")) + "\n"
                                       for e in events), encoding="utf-8")
    suite.date_fields = load_mapping_dates(folder, suite)
    results, crashes = [], []
    for case in load_cases(folder / suite.toml):
        if options.case and options.case not in case["name"]:
            continue
        try:
            ok, reason = run_case(binary, suite, case, events_path)
        except Crash as crash:
            ok, reason = False, f"CRASH: {crash}"
            crashes.append(f"{suite.toml} {case['name']}: {crash}")
        results.append((case["name"], ok, reason))
        if options.verbose:
            print(f"{'ok  ' if ok else 'FAIL'}  {suite.toml} {case['name']} {reason}")
    return results, crashes


def duplicate_names(folder, suites):
    """Case names that repeat among the files one test class loads together."""
    seen, duplicates = {}, []
    for suite in suites:
        for case in load_cases(folder / suite.toml):
            key = (suite.test_class, case["name"])
            if key in seen:
                duplicates.append(f"{case['name']} in {seen[key]} and {suite.toml}")
            seen[key] = suite.toml
    return duplicates


def report(suite, results):
    """Print the suite's counts and failures; return (passed, failed, unexpected)."""
    passed = sum(1 for _, ok, _ in results if ok)
    total = len(results)
    rate = 100.0 * passed / total if total else 0.0
    known = [name for name, ok, _ in results if not ok and (suite.toml, name) in KNOWN_DIFFERENCES]
    print(f"{suite.toml}: {passed} passed, {total - passed} failed, {total} total ({rate:.1f}%)"
          + (f", {len(known)} of them known differences" if known else ""))
    unexpected = []
    for name, ok, reason in results:
        difference = KNOWN_DIFFERENCES.get((suite.toml, name))
        if not ok and difference:
            print(f"  known difference {name}: {difference}")
        elif not ok:
            print(f"  FAIL {name}: {reason}")
            unexpected.append(f"{suite.toml} {name} failed")
        elif difference:
            print(f"  UNEXPECTED PASS {name}: remove it from KNOWN_DIFFERENCES")
            unexpected.append(f"{suite.toml} {name} passed but is listed as a known difference")
    return passed, total - passed, unexpected


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sitewatch")
    parser.add_argument("--suite", help="run only the suite whose file name contains this text")
    parser.add_argument("--case", help="run only cases whose name contains this text")
    parser.add_argument("--min-pass-rate", type=float, default=0.0,
                        help="fail when the overall pass rate (percent) is lower")
    parser.add_argument("--report-only", action="store_true",
                        help="fail only on a crash or below --min-pass-rate, not on a failing case")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--keep", type=pathlib.Path,
                        help="write the prepared NDJSON event files to this folder and keep them")
    options = parser.parse_args()

    binary = os.path.abspath(options.sitewatch)
    if not os.access(binary, os.X_OK):
        print(f"conformance: {binary} is not an executable file", file=sys.stderr)
        return 2
    data = os.environ.get("SITEWATCH_DATA")
    folder = pathlib.Path(data) / "eql-conformance" if data else None
    if folder is None or not folder.is_dir():
        print(f"conformance: skipped: $SITEWATCH_DATA/eql-conformance not found "
              f"(SITEWATCH_DATA={data!r})")
        return 77

    suites = [s for s in SUITES if not options.suite or options.suite in s.toml]
    total_passed = total_failed = 0
    all_crashes, all_unexpected = [], []
    for duplicate in duplicate_names(folder, SUITES):
        all_unexpected.append(f"duplicate case name {duplicate}")
    with tempfile.TemporaryDirectory(prefix="sitewatch-conformance-") as tmp:
        workdir = options.keep or pathlib.Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for suite in suites:
            results, crashes = run_suite(binary, folder, suite, options, workdir)
            passed, failed, unexpected = report(suite, results)
            total_passed += passed
            total_failed += failed
            all_crashes += crashes
            all_unexpected += unexpected

    total = total_passed + total_failed
    rate = 100.0 * total_passed / total if total else 0.0
    print(f"overall pass rate {rate:.1f}% ({total_passed} of {total})")
    for crash in all_crashes:
        print(f"crash: {crash}")
    print(f"{total_passed} passed, {total_failed} failed")
    if all_crashes:
        return 1
    if all_unexpected and not options.report_only:
        for problem in all_unexpected:
            print(f"conformance: {problem}")
        return 1
    if rate < options.min_pass_rate:
        print(f"conformance: pass rate {rate:.1f}% is below --min-pass-rate {options.min_pass_rate}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
