#!/usr/bin/env python3
"""`sitewatch check` over Elastic's rule corpus: the false-positive watch.

Usage: check_corpus.py SITEWATCH

Writes every EQL query of $SITEWATCH_DATA/detection-rules/eql-queries.json
(1,094 queries of elastic/detection-rules) as one NDJSON rule file in a
temporary folder, runs `sitewatch check -r FILE --format json` once, and:

- fails when a query is reported invalid, when the exit status is not 1,
  or when an output line lacks a member;
- prints how many queries get each finding, and every field the non-ECS
  lint reports;
- checks each suggestion: written in place of the comparison it replaces
  (or, for a sequence, as the whole query), it must parse, and must not
  draw the same finding again;
- fails when a lint reports more queries than its ceiling below. Each
  ceiling sits a little above the count measured when the lints were
  tuned, so a change that floods Elastic's own rules with findings fails
  here. docs/check.md gives the measured figures.

Exits 77 (skipped) when the corpus is absent.
"""

import collections
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77
TIMEOUT_SECONDS = 300
CEILINGS = {
    "non-ecs-field": 3,
    "single-clause-sequence": 1,
    "wildcard-in-equality": 20,
    "case-sensitive-compare": 40,
}
MEMBERS = ["origin", "rule_id", "rule_name", "line", "column", "code", "severity",
           "message", "suggestion"]


def load_corpus():
    data_dir = os.environ.get("SITEWATCH_DATA")
    path = os.path.join(data_dir or "", "detection-rules", "eql-queries.json")
    if not data_dir or not os.path.isfile(path):
        print(f"skip: {path} is absent (meson test sets SITEWATCH_DATA to the shared data folder)")
        sys.exit(SKIP)
    with open(path, encoding="utf-8") as f:
        return json.load(f)["queries"]


def write_rules(queries, folder):
    """One Kibana-shaped rule per query; the rule id carries the query's index."""
    path = os.path.join(folder, "corpus.ndjson")
    with open(path, "w", encoding="utf-8") as f:
        for i, q in enumerate(queries):
            rule = {"rule_id": f"corpus-{i}", "name": q["name"], "description": q["path"],
                    "severity": "low", "risk_score": 21, "type": "eql", "language": "eql",
                    "query": q["query"]}
            f.write(json.dumps(rule) + "\n")
    return path


def run(sitewatch, *args):
    return subprocess.run([sitewatch, "check", *args], capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS)


def check_suggestion(sitewatch, finding):
    """Returns an error text, or None when the suggestion is valid and settles the finding."""
    code, text = finding["code"], finding["suggestion"]
    if text is None or code == "non-ecs-field":
        return None
    query = text if code == "single-clause-sequence" else f"any where {text}"
    r = run(sitewatch, "-q", query, "--format", "json")
    if r.returncode == 2:
        return f"suggestion does not parse: {query}\n{r.stderr}"
    again = [f for f in map(json.loads, r.stdout.splitlines()) if f["code"] == code]
    if again:
        return f"suggestion draws {code} again: {query}"
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_corpus.py SITEWATCH")
    sitewatch = sys.argv[1]
    queries = load_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        r = run(sitewatch, "-r", write_rules(queries, tmp), "--format", "json")
    errors = []
    if r.returncode != 1:
        errors.append(f"exit status {r.returncode}, expected 1:\n{r.stderr}")
    if "invalid" in r.stderr:
        errors.append(f"queries reported invalid:\n{r.stderr}")
    if f"checked {len(queries)} queries" not in r.stderr:
        errors.append(f"the run did not check every query:\n{r.stderr}")

    findings = [json.loads(line) for line in r.stdout.splitlines()]
    per_code = collections.defaultdict(set)
    for f in findings:
        if list(f) != MEMBERS:
            errors.append(f"unexpected members {list(f)}")
        per_code[f["code"]].add(f["rule_id"])

    print(f"{len(queries)} queries, {len(findings)} findings in "
          f"{len({f['rule_id'] for f in findings})} queries")
    for code, ceiling in CEILINGS.items():
        n = len(per_code[code])
        print(f"  {code}: {n} queries ({100.0 * n / len(queries):.1f}%), ceiling {ceiling}")
        if n > ceiling:
            errors.append(f"{code} reports {n} queries, above its ceiling of {ceiling}")
    for f in findings:
        if f["code"] == "non-ecs-field":
            q = queries[int(f["rule_id"].split("-")[1])]
            print(f"  non-ecs-field in {q['path']}: {f['message']}")

    for f in findings:
        problem = check_suggestion(sitewatch, f)
        if problem:
            errors.append(f"{f['rule_id']} line {f['line']}: {problem}")

    for e in errors:
        print(f"FAIL: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
