"""Print one closing line for all test runs: 'N passed, M failed, K skipped'.

Reads the testlog.json files that `meson test` writes (one JSON object per
test). A missing log counts as a failed run.
"""
import json
import sys


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                lines = [json.loads(line) for line in f if line.strip()]
        except OSError as e:
            print(f"summary: cannot read {path}: {e}", file=sys.stderr)
            failed += 1
            continue
        for entry in lines:
            result = entry.get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                print(f"failed: {entry.get('name')} in {path}", file=sys.stderr)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
