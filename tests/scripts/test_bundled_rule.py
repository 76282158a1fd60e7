#!/usr/bin/env python3
"""Check the bundled T1546.018 rule and the build step that embeds it.

- rules/python_startup_hooks.toml carries the metadata the rule is published
  with (severity, risk score, confidence, MITRE mapping, indices);
- its query is the published query byte for byte
  ($SITEWATCH_DATA/published-rule/T1546.018.eql);
- tools/rules2c.py writes C string literals that decode back to the same
  Kibana rule JSON, and rejects malformed TOML files with the file and the
  reason.

Environment: SITEWATCH_SOURCE (the source tree, set by meson) and
SITEWATCH_DATA (reference data). Exit status 0 passed, 1 failed, 77 skipped
because the published query is absent (every other check still runs first).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib

SOURCE = os.environ.get("SITEWATCH_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.environ.get("SITEWATCH_DATA", "")
RULE_TOML = os.path.join(SOURCE, "rules", "python_startup_hooks.toml")
RULES2C = os.path.join(SOURCE, "tools", "rules2c.py")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def check_metadata(doc):
    meta, rule = doc["metadata"], doc["rule"]
    for key in ("creation_date", "integration", "maturity", "updated_date"):
        check(key in meta, f"[metadata].{key} is missing")
    check(rule["name"] == "Detect Python Startup Hooks", f"name is {rule['name']!r}")
    check(rule["severity"] == "high", f"severity is {rule['severity']!r}")
    check(rule["risk_score"] == 73, f"risk_score is {rule['risk_score']!r}")
    check(rule["type"] == "eql" and rule["language"] == "eql", "type and language must be eql")
    check(rule["index"] == ["logs-endpoint.events.file-*", "logs-endpoint.events.registry-*", "auditbeat-*"],
          f"index is {rule['index']!r}")
    check(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", rule["rule_id"]),
          f"rule_id {rule['rule_id']!r} is not a UUID")
    check(len(rule["false_positives"]) >= 3, "false_positives lists fewer than three cases")
    check(doc["sitewatch"] == {"confidence": "medium", "version": 1}, f"[sitewatch] is {doc['sitewatch']!r}")

    tactics = [t["tactic"]["id"] for t in rule["threat"]]
    check(tactics == ["TA0003", "TA0004"], f"tactics are {tactics!r}")
    for entry in rule["threat"]:
        technique = entry["technique"][0]
        check(technique["id"] == "T1546", f"technique is {technique['id']!r}")
        sub = technique["subtechnique"][0]
        check(sub["id"] == "T1546.018" and sub["name"] == "Python Startup Hooks",
              f"subtechnique is {sub!r}")
        check(sub["reference"] == "https://attack.mitre.org/techniques/T1546/018/",
              f"subtechnique reference is {sub['reference']!r}")


def decode_c_literals(c_text):
    """Return the byte strings of the array elements in a rules2c.py output."""
    body = c_text[c_text.index("sitewatch_bundled_rules[] = {"):c_text.index("};")]
    elements, current = [], bytearray()
    for line in body.splitlines()[1:]:
        line = line.strip()
        if not line.startswith('"'):
            continue
        end = line.rindex('"')
        literal = line[1:end]
        i = 0
        while i < len(literal):
            c = literal[i]
            if c != "\\":
                current.append(ord(c))
                i += 1
            elif literal[i + 1] in "01234567":
                current.append(int(literal[i + 1:i + 4], 8))
                i += 4
            else:
                current.append(ord(literal[i + 1]))
                i += 2
        if line[end + 1:] == ",":
            elements.append(bytes(current))
            current = bytearray()
    return elements


def run_rules2c(*paths):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.c")
        proc = subprocess.run([sys.executable, RULES2C, "-o", out, *paths],
                              capture_output=True, text=True)
        text = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
    return proc, text


def check_generated(doc):
    proc, c_text = run_rules2c(RULE_TOML)
    check(proc.returncode == 0, f"rules2c.py failed: {proc.stderr}")
    elements = decode_c_literals(c_text)
    check(len(elements) == 1, f"expected one embedded rule, found {len(elements)}")
    check("sitewatch_bundled_rule_count = 1;" in c_text, "rule count is not 1")
    rule = json.loads(elements[0])
    check(rule["query"] == doc["rule"]["query"], "embedded query differs from the TOML query")
    check(rule["version"] == 1 and rule["enabled"] is True, "version or enabled is wrong")
    check(rule["sitewatch"] == {"confidence": "medium"}, f"sitewatch object is {rule['sitewatch']!r}")
    check(rule["threat"] == doc["rule"]["threat"], "embedded threat differs from the TOML threat")
    check("??" not in c_text, "the C output contains '??', which C17 reads as a trigraph")


BAD_RULES = {
    "syntax.toml": ("[rule\nname = 'x'\n", "invalid TOML"),
    "no_rule.toml": ("[metadata]\ncreation_date = '2026/01/01'\nmaturity = 'x'\nupdated_date = 'x'\n",
                     "missing table [rule]"),
    "severity.toml": (None, "[rule].severity must be one of low, medium, high, critical, found 'severe'"),
    "date.toml": (None, "[rule].from is a TOML date or time"),
    "extension.toml": (None, "unknown field [sitewatch].confidance"),
}


def bad_rule_text(name, base):
    """Return a copy of the bundled TOML broken in the way `name` describes."""
    if name == "severity.toml":
        return base.replace('severity = "high"', 'severity = "severe"')
    if name == "date.toml":
        return base.replace('from = "now-9m"', "from = 2026-01-01")
    return base.replace('confidence = "medium"', 'confidence = "medium"\nconfidance = "high"')


def check_rejections():
    base = open(RULE_TOML, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, reason) in BAD_RULES.items():
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text if text is not None else bad_rule_text(name, base))
            proc, _ = run_rules2c(path)
            check(proc.returncode == 1, f"{name}: exit status {proc.returncode}, expected 1")
            check(proc.stderr.startswith(f"rules2c.py: {path}: ") and reason in proc.stderr,
                  f"{name}: message {proc.stderr!r} lacks the path or {reason!r}")

        proc, _ = run_rules2c(RULE_TOML, RULE_TOML)
        check(proc.returncode == 1 and "duplicate rule_id" in proc.stderr,
              f"a duplicate rule_id was not rejected: {proc.stderr!r}")


def main():
    with open(RULE_TOML, "rb") as f:
        doc = tomllib.load(f)
    check_metadata(doc)
    check_generated(doc)
    check_rejections()
    notice = open(os.path.join(SOURCE, "rules", "NOTICE"), encoding="utf-8").read()
    check("Detect Python Startup Hooks" in " ".join(notice.split()), "rules/NOTICE does not name the source rule")

    published = os.path.join(DATA, "published-rule", "T1546.018.eql")
    has_published = bool(DATA) and os.path.exists(published)
    if has_published:
        with open(published, "rb") as f:
            check(doc["rule"]["query"].encode("utf-8") == f.read(),
                  "the bundled query differs from published-rule/T1546.018.eql")

    for message in failures:
        print(f"FAIL: {message}")
    if failures:
        return 1
    if not has_published:
        print(f"SKIP: {published or 'SITEWATCH_DATA'} is absent, so the query was not compared "
              "with the published text (the other checks passed)")
        return 77
    print("bundled rule: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
