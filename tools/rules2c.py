#!/usr/bin/env python3
"""Turn detection-rules TOML files into the C file of sitewatch's bundled rules.

Each input is one rule in the layout of Elastic's detection-rules repository:
a [metadata] table, a [rule] table (with its [[rule.threat]] entries) and
sitewatch's own [sitewatch] table:

    [sitewatch]
    confidence = "medium"   # low, medium or high; Kibana has no such field
    version = 1             # detection-rules keeps versions outside the file

The output defines

    const char *const sitewatch_bundled_rules[];
    const size_t sitewatch_bundled_rule_count;

where each element is one rule as Kibana's rule API takes it: the [rule]
table's fields in file order, then "version", "enabled": true and the
extension object "sitewatch": {"confidence": ...}. src/rules/load.c reads them
with the same loader as rule files.

Usage: rules2c.py -o OUTPUT.c RULE.toml...
Exit status: 0 on success, 1 when an input is invalid (the message names the
file and the reason), 2 on bad usage.
"""

import argparse
import datetime
import json
import os
import sys
import tomllib

REQUIRED_METADATA = ("creation_date", "maturity", "updated_date")
REQUIRED_RULE = (
    "author", "description", "language", "license", "name", "query",
    "risk_score", "rule_id", "severity", "type",
)
SEVERITIES = ("low", "medium", "high", "critical")
CONFIDENCES = ("low", "medium", "high")
SITEWATCH_KEYS = ("confidence", "version")
TOP_LEVEL_TABLES = ("metadata", "rule", "sitewatch")

# Characters of a C string literal that need an escape. '?' is escaped
# because C17 (meson's c_std) turns "??(" and friends into trigraphs.
C_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", ord("?"): "\\?"}
C_LINE_WIDTH = 96


class RuleError(Exception):
    """An invalid rule file; the message names the field and the reason."""


def find_dates(value, path):
    """Return the path of the first TOML date or time under `value`, or None.

    JSON has no date type, so such a value cannot reach the Kibana rule.
    """
    if isinstance(value, (datetime.date, datetime.time)):
        return path
    if isinstance(value, dict):
        for key, item in value.items():
            found = find_dates(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_dates(item, f"{path}[{index}]")
            if found:
                return found
    return None


def check_layout(doc):
    """Check the tables and fields that detection-rules and Kibana require."""
    for table in doc:
        if table not in TOP_LEVEL_TABLES:
            raise RuleError(f"unknown table [{table}]; a rule file has [metadata], [rule] and [sitewatch]")
    for table in ("metadata", "rule"):
        if not isinstance(doc.get(table), dict):
            raise RuleError(f"missing table [{table}]")
    for key in REQUIRED_METADATA:
        if key not in doc["metadata"]:
            raise RuleError(f"missing field [metadata].{key}")
    for key in REQUIRED_RULE:
        if key not in doc["rule"]:
            raise RuleError(f"missing field [rule].{key}")

    rule = doc["rule"]
    if rule["type"] != "eql" or rule["language"] != "eql":
        raise RuleError(f"[rule] type '{rule['type']}' and language '{rule['language']}': "
                        "bundled rules must be EQL")
    if rule["severity"] not in SEVERITIES:
        raise RuleError(f"[rule].severity must be one of {', '.join(SEVERITIES)}, "
                        f"found '{rule['severity']}'")
    score = rule["risk_score"]
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
        raise RuleError(f"[rule].risk_score must be an integer from 0 to 100, found {score!r}")
    found = find_dates(rule, "[rule]")
    if found:
        raise RuleError(f"{found} is a TOML date or time, which JSON cannot carry; write it as a string")


def sitewatch_table(doc):
    """Return the [sitewatch] table, checked."""
    table = doc.get("sitewatch", {})
    if not isinstance(table, dict):
        raise RuleError("[sitewatch] must be a table")
    for key in table:
        if key not in SITEWATCH_KEYS:
            raise RuleError(f"unknown field [sitewatch].{key}; known fields: {', '.join(SITEWATCH_KEYS)}")
    if "confidence" in table and table["confidence"] not in CONFIDENCES:
        raise RuleError(f"[sitewatch].confidence must be one of {', '.join(CONFIDENCES)}, "
                        f"found {table['confidence']!r}")
    version = table.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RuleError(f"[sitewatch].version must be an integer of 1 or more, found {version!r}")
    return table


def kibana_rule(doc):
    """Build the Kibana rule object of one parsed TOML document."""
    check_layout(doc)
    extension = sitewatch_table(doc)
    rule = dict(doc["rule"])
    for key in ("version", "enabled", "sitewatch"):
        if key in rule:
            raise RuleError(f"[rule].{key} is set by rules2c.py; move a version to [sitewatch]")

    rule["version"] = extension.get("version", 1)
    rule["enabled"] = True
    rule["sitewatch"] = {k: v for k, v in extension.items() if k != "version"}
    return rule


def load(path):
    """Read one TOML rule file and return its Kibana rule object."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise RuleError(f"cannot read: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise RuleError(f"invalid UTF-8: {e.reason} at byte {e.start}") from e
    except tomllib.TOMLDecodeError as e:
        raise RuleError(f"invalid TOML: {e}") from e
    return kibana_rule(doc)


def c_string_lines(text):
    """Return `text` as C string literal lines, each at most about C_LINE_WIDTH wide."""
    lines, line = [], ""
    for byte in text.encode("utf-8"):
        if byte in C_ESCAPES:
            piece = C_ESCAPES[byte]
        elif 0x20 <= byte < 0x7F:
            piece = chr(byte)
        else:
            # Three octal digits always, so that a following digit is not absorbed.
            piece = f"\\{byte:03o}"
        if len(line) + len(piece) > C_LINE_WIDTH:
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    return [f'"{line}"' for line in lines]


def render(rules, sources):
    """Return the C file that embeds `rules` (JSON texts) read from `sources`."""
    out = ["/* Generated by tools/rules2c.py from:"]
    out += [f" *   {os.path.basename(source)}" for source in sources] or [" *   no rule files"]
    out += [" * Do not edit: change the TOML file and rebuild. */",
            "#include <stddef.h>", "",
            "const char *const sitewatch_bundled_rules[] = {"]
    for text in rules:
        out += ["\t" + line for line in c_string_lines(text)]
        out[-1] += ","
    if not rules:
        out.append("\tNULL, /* C has no empty arrays; the count below is 0 */")
    out += ["};", "",
            f"const size_t sitewatch_bundled_rule_count = {len(rules)};", ""]
    return "\n".join(out)


def main(argv):
    parser = argparse.ArgumentParser(description="Embed detection-rules TOML files as Kibana rule JSON in C.")
    parser.add_argument("-o", "--output", required=True, help="C file to write")
    parser.add_argument("rules", nargs="*", help="TOML rule files")
    args = parser.parse_args(argv)

    texts, first_file = [], {}
    for path in args.rules:
        try:
            rule = load(path)
            rule_id = rule["rule_id"]
            if rule_id in first_file:
                raise RuleError(f"duplicate rule_id '{rule_id}', also in {first_file[rule_id]}")
        except RuleError as e:
            print(f"rules2c.py: {path}: {e}", file=sys.stderr)
            return 1
        first_file[rule_id] = path
        texts.append(json.dumps(rule, ensure_ascii=False, separators=(",", ":")))

    try:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(render(texts, args.rules))
    except OSError as e:
        print(f"rules2c.py: {args.output}: cannot write: {e.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
