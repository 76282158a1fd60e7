#!/usr/bin/env python3
"""Conformance: every EQL query of Elastic's detection-rules corpus must parse.

Usage: corpus_parse.py PATH-TO-eql_parse_tool

Reads $SITEWATCH_DATA/detection-rules/eql-queries.json, which contains every
EQL query of the elastic/detection-rules rule set with its rule's path and
name. Feeds them to eql_parse_tool separated by NUL bytes. Fails when a query
does not parse, listing its rule path, rule name and the parser's error.
Exits 77 (skipped) when the data is absent.
"""

import json
import os
import subprocess
import sys

SKIP = 77
TIMEOUT_SECONDS = 120


def load_corpus():
    data_dir = os.environ.get("SITEWATCH_DATA")
    if not data_dir:
        print("skip: SITEWATCH_DATA is not set (meson test sets it to the shared data folder)")
        sys.exit(SKIP)
    path = os.path.join(data_dir, "detection-rules", "eql-queries.json")
    if not os.path.isfile(path):
        print(f"skip: {path} is absent, so the rule corpus cannot be checked")
        sys.exit(SKIP)
    with open(path, encoding="utf-8") as f:
        corpus = json.load(f)
    return path, corpus


def check_corpus(path, corpus):
    queries = corpus.get("queries", [])
    if corpus.get("count") != len(queries):
        sys.exit(f"{path}: says count {corpus.get('count')} but holds {len(queries)} queries")
    for i, q in enumerate(queries):
        if "\0" in q["query"]:
            sys.exit(f"{path}: query {i} ({q['path']}) holds a NUL byte, which the tool uses as separator")
    return queries


def run_tool(tool, queries):
    payload = b"\0".join(q["query"].encode("utf-8") for q in queries)
    try:
        proc = subprocess.run([tool], input=payload, capture_output=True,
                              timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        sys.exit(f"{tool} did not finish within {TIMEOUT_SECONDS} s")
    if proc.returncode not in (0, 1):
        sys.exit(f"{tool} exited with status {proc.returncode}: "
                 f"{proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout.decode("utf-8", "replace")


def parse_failures(output):
    """Maps query index to the error text that follows its "failed INDEX" line."""
    failures = {}
    current = None
    for line in output.splitlines():
        if line.startswith("failed "):
            current = int(line.split()[1])
            failures[current] = []
        elif current is not None:
            failures[current].append(line)
    return failures


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: corpus_parse.py PATH-TO-eql_parse_tool")
    path, corpus = load_corpus()
    queries = check_corpus(path, corpus)
    failures = parse_failures(run_tool(sys.argv[1], queries))

    for index in sorted(failures):
        q = queries[index]
        print(f"--- {q['path']} ({q['name']})")
        print("\n".join(failures[index]))
    print(f"{len(queries) - len(failures)} of {len(queries)} corpus queries parsed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
