#!/usr/bin/env python3
"""The committed ECS table (src/lint/ecs_fields.c) matches ECS's fields.csv.

Usage: test_ecs_table.py

Runs tools/ecs2c.py --check against $SITEWATCH_DATA/ecs/fields.csv, then
checks that ecs2c.py rejects a CSV with a missing column, a duplicate field
or a field name it could not write into C. Exits 77 (skipped) when the CSV is
absent; the build itself never needs it.
"""

import os
import subprocess
import sys
import tempfile

SKIP = 77
SOURCE = os.environ.get("SITEWATCH_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
ECS2C = os.path.join(SOURCE, "tools", "ecs2c.py")
TABLE = os.path.join(SOURCE, "src", "lint", "ecs_fields.c")
HEADER = "ECS_Version,Indexed,Field_Set,Field,Type,Level,Normalization,Example,Description\n"


def ecs2c(*args):
    return subprocess.run([sys.executable, ECS2C, *args], capture_output=True, text=True,
                          timeout=60)


def rejects(tmp, name, text, expected_message):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    r = ecs2c(path, "-o", os.path.join(tmp, "out.c"))
    if r.returncode != 1 or expected_message not in r.stderr:
        return [f"{name}: expected exit 1 and '{expected_message}', got {r.returncode}: {r.stderr.strip()}"]
    return []


def main():
    csv_path = os.path.join(os.environ.get("SITEWATCH_DATA", ""), "ecs", "fields.csv")
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        errors += rejects(tmp, "columns.csv", "Field,Type\nx,keyword\n", "missing column")
        errors += rejects(tmp, "twice.csv", HEADER + "9,true,b,a.b,keyword,core,,,d\n" * 2,
                          "listed twice")
        errors += rejects(tmp, "name.csv", HEADER + '9,true,b,"a b",keyword,core,,,d\n',
                          "unexpected field name")
    if not os.path.isfile(csv_path):
        print(f"skip: {csv_path} is absent, so the committed table cannot be compared with it")
        for e in errors:
            print(f"FAIL: {e}")
        return 1 if errors else SKIP

    r = ecs2c(csv_path, "--check", TABLE)
    if r.returncode != 0:
        errors.append(r.stderr.strip())
    for e in errors:
        print(f"FAIL: {e}")
    if not errors:
        print(f"{TABLE} matches {csv_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
