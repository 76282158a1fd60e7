"""`sitewatch check`: inputs, output forms, exit statuses, and the bundled rule.

Usage: test_check.py SITEWATCH

Rule files are written to a temporary folder. The bundled T1546.018 rule must
get exactly two findings: its one-clause sequence (with the equivalent event
query) and registry.value.name (with registry.value suggested).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

SITEWATCH = None
SOURCE = os.environ.get("SITEWATCH_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
BUNDLED_ID = "b35a1168-8786-4175-9c28-f062179fc1c7"
JSON_KEYS = ["origin", "rule_id", "rule_name", "line", "column", "code", "severity",
             "message", "suggestion"]


def run(*args):
    return subprocess.run([SITEWATCH, "check", *args], capture_output=True, text=True, timeout=60)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def rule(rule_id, name, query, **extra):
    doc = {"rule_id": rule_id, "name": name, "description": "test rule", "severity": "low",
           "risk_score": 21, "type": "eql", "language": "eql", "query": query}
    doc.update(extra)
    return json.dumps(doc)


class BundledRule(unittest.TestCase):
    def test_text(self):
        r = run()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"<bundled>:1: rule 'Detect Python Startup Hooks' ({BUNDLED_ID}):", r.stdout)
        self.assertIn("query:1:1: error: Elasticsearch rejects a sequence with only one clause",
                      r.stdout)
        self.assertIn("[single-clause-sequence]\nsequence by host.name with maxspan=5m\n^\n",
                      r.stdout)
        self.assertIn("  suggestion: any where host.name != null and ((event.category == \"file\"",
                      r.stdout)
        self.assertIn("query:15:7: warning: registry.value.name is not an ECS field", r.stdout)
        self.assertIn("\n      ^\n  suggestion: registry.value\n", r.stdout)
        self.assertIn("2 findings (1 error, 1 warning)", r.stderr)

    def test_json(self):
        r = run("--format", "json")
        self.assertEqual(r.returncode, 1, r.stderr)
        findings = json_lines(r.stdout)
        self.assertEqual([f["code"] for f in findings], ["single-clause-sequence", "non-ecs-field"])
        for f in findings:
            self.assertEqual(list(f), JSON_KEYS)
            self.assertEqual(f["rule_id"], BUNDLED_ID)
            self.assertEqual(f["rule_name"], "Detect Python Startup Hooks")
            self.assertEqual(f["origin"], "<bundled>:1")
        seq, field = findings
        self.assertEqual((seq["line"], seq["column"], seq["severity"]), (1, 1, "error"))
        self.assertTrue(seq["suggestion"].startswith("any where host.name != null and (("))
        self.assertEqual((field["line"], field["column"], field["severity"]), (15, 7, "warning"))
        self.assertEqual(field["suggestion"], "registry.value")

    def test_equivalent_query_is_valid_and_single(self):
        seq = json_lines(run("--format", "json").stdout)[0]
        r = run("-q", seq["suggestion"], "--format", "json")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual([f["code"] for f in json_lines(r.stdout)], ["non-ecs-field"])


class Queries(unittest.TestCase):
    def test_clean_query(self):
        r = run("-q", "file where file.name : \"sitecustomize.py\"")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn("checked 1 query: no finding", r.stderr)

    def test_query_findings_text(self):
        r = run("-q", "process where process.name == \"*.exe\"")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.splitlines()[1:], [
            "process where process.name == \"*.exe\"",
            "                              ^",
            "  suggestion: process.name : \"*.exe\"",
        ])
        self.assertTrue(r.stdout.startswith("query:1:31: warning: '==' compares strings exactly"))

    def test_query_json_has_null_rule(self):
        r = run("-q", "any where registry.value.name == \"x\"", "--format", "json")
        self.assertEqual(r.returncode, 1)
        (f,) = json_lines(r.stdout)
        self.assertEqual((f["origin"], f["rule_id"], f["rule_name"]), ("query", None, None))

    def test_invalid_query_is_fatal(self):
        r = run("-q", "process where length(1)")
        self.assertEqual(r.returncode, 2)
        self.assertIn("sitewatch: query:1:", r.stderr)
        self.assertIn("^", r.stderr)
        self.assertIn("1 of them invalid", r.stderr)

    def test_ignore(self):
        q = "sequence by host.id [registry where registry.value.name == \"A*\"]"
        codes = ["single-clause-sequence", "non-ecs-field", "wildcard-in-equality",
                 "case-sensitive-compare"]
        self.assertEqual(run("-q", q).returncode, 1)
        args = [a for c in codes for a in ("--ignore", c)]
        self.assertEqual(run("-q", q, *args).returncode, 0)
        r = run("-q", q, "--ignore", "no-such-lint")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown lint 'no-such-lint'", r.stderr)

    def test_usage_errors(self):
        self.assertEqual(run("--format", "xml").returncode, 2)
        self.assertEqual(run("-q", "any where true", "-r", "x.json").returncode, 2)
        self.assertEqual(run("--no-such-option").returncode, 2)


class RuleFiles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_ndjson_rules(self):
        path = self.write("rules.ndjson", "\n".join([
            rule("r-1", "Wildcard", "process where process.parent.name == \"cmd*\""),
            rule("r-2", "Clean", "process where process.name : \"cmd.exe\"", enabled=False),
            rule("r-3", "Case", "file where host.os.type == \"windows\" and file.extension == \"py\""),
        ]) + "\n")
        r = run("-r", path, "--format", "json")
        self.assertEqual(r.returncode, 1, r.stderr)
        findings = json_lines(r.stdout)
        self.assertEqual([(f["rule_id"], f["code"]) for f in findings],
                         [("r-1", "wildcard-in-equality"), ("r-3", "case-sensitive-compare")])
        self.assertEqual(findings[0]["origin"], f"{path}:1")
        self.assertEqual(findings[1]["origin"], f"{path}:3")
        self.assertIn("checked 3 queries: 2 findings (0 errors, 2 warnings) in 2 of them", r.stderr)

    def test_folder_as_positional_path(self):
        self.write("a.json", rule("r-a", "A", "any where myapp.x == 1"))
        self.write("b.json", rule("r-b", "B", "any where process.pid == 1"))
        r = run(self.dir)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("a.json:1: rule 'A' (r-a):\nquery:1:11: warning: myapp.x is not an ECS field",
                      r.stdout)
        self.assertNotIn("(r-b)", r.stdout)

    def test_invalid_rule_is_fatal_but_others_are_checked(self):
        path = self.write("rules.ndjson", "\n".join([
            rule("r-1", "Broken", "process where (("),
            rule("r-2", "Wildcard", "any where user.name == \"adm*\""),
        ]) + "\n")
        r = run("-r", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("rule 'Broken'", r.stderr)
        self.assertIn("[wildcard-in-equality]", r.stdout)

    def test_unreadable_path(self):
        r = run("-r", os.path.join(self.dir, "absent.json"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("absent.json", r.stderr)

    def test_no_eql_rule(self):
        path = self.write("kql.json", rule("r-k", "KQL", "process.name: x", type="query",
                                           language="kuery"))
        r = run("-r", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no EQL rule to check", r.stderr)


class Help(unittest.TestCase):
    def test_help_options_in_man_page(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        options = set(re.findall(r"--[a-z][a-z-]+", r.stdout))
        self.assertIn("--ignore", options)
        with open(os.path.join(SOURCE, "man", "sitewatch.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        self.assertIn("sitewatch check", man)
        for option in sorted(options - {"--help"}):
            with self.subTest(option=option):
                self.assertIn(option, man)

    def test_listed_in_main_help(self):
        r = subprocess.run([SITEWATCH, "--help"], capture_output=True, text=True, timeout=60)
        self.assertIn("check", r.stdout)


if __name__ == "__main__":
    SITEWATCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
