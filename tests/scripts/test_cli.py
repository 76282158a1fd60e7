"""Command-line contract of sitewatch: version, help, man page, exit statuses.

Usage: test_cli.py SITEWATCH
"""
import os
import pty
import re
import subprocess
import sys
import tempfile
import time
import unittest

SITEWATCH = None
SOURCE = os.environ.get("SITEWATCH_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))


def run(*args, stdin=None):
    return subprocess.run([SITEWATCH, *args], input=stdin, capture_output=True, text=True, timeout=60)


class Cli(unittest.TestCase):
    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        with open(os.path.join(SOURCE, "meson.build"), encoding="utf-8") as f:
            version = re.search(r"version : '([^']+)'", f.read()).group(1)
        self.assertEqual(r.stdout.strip(), f"sitewatch {version}")

    def test_help_lists_detect(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("detect", r.stdout)

    def test_no_command_is_usage_error(self):
        r = run()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage:", r.stderr)

    def test_unknown_command(self):
        r = run("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", r.stderr)

    def test_detect_help_options_in_man_page(self):
        r = run("detect", "--help")
        self.assertEqual(r.returncode, 0)
        options = set(re.findall(r"--[a-z][a-z-]+", r.stdout))
        self.assertIn("--query", options)
        with open(os.path.join(SOURCE, "man", "sitewatch.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        for option in sorted(options - {"--help"}):
            with self.subTest(option=option):
                self.assertIn(option, man)

    def test_bad_option_value(self):
        r = run("detect", "--size", "many", "-q", "any where true")
        self.assertEqual(r.returncode, 2)
        self.assertIn("invalid value 'many' for --size", r.stderr)

    def test_query_and_rules_together(self):
        r = run("detect", "-q", "any where true", "-r", "x.json")
        self.assertEqual(r.returncode, 2)

    def test_invalid_query_shows_caret(self):
        r = run("detect", "-q", "process where (", stdin="")
        self.assertEqual(r.returncode, 2)
        self.assertIn("query:1:", r.stderr)
        self.assertIn("^", r.stderr)

    def test_unreadable_input(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run("detect", "-q", "any where true", os.path.join(tmp, "absent.ndjson"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("absent.ndjson", r.stderr)

    def test_exit_status_found_and_not_found(self):
        event = '{"@timestamp": "2024-05-01T10:00:00Z", "event": {"category": "file"}}\n'
        self.assertEqual(run("detect", "-q", "file where true", stdin=event).returncode, 1)
        self.assertEqual(run("detect", "-q", "process where true", stdin=event).returncode, 0)

    def test_progress_line_counts_results(self):
        # stderr on a terminal shows the progress line once a run has lasted a second. The
        # input comes through a pipe in two halves, 1.3 s apart, so the line is drawn while
        # the second half is read. Every event passes the first clause of a sequence that
        # never completes: the line must count results (none), not those events.
        def events(first, count):
            return "".join('{"@timestamp": %d, "event": {"category": "process"}}\n'
                           % ((first + i) * 1000) for i in range(count))

        controller, terminal = pty.openpty()
        query = "sequence [process where true] [file where true]"
        p = subprocess.Popen([SITEWATCH, "detect", "-q", query, "--reorder-window", "0"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=terminal,
                             text=True)
        os.close(terminal)
        p.stdin.write(events(0, 5000))
        p.stdin.flush()
        time.sleep(1.3)
        p.stdin.write(events(5000, 5000))
        p.stdin.close()
        self.assertEqual(p.wait(timeout=60), 0)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        os.close(controller)
        counts = [int(n) for n in re.findall(rb"(\d+) results", shown)]
        self.assertTrue(counts, shown[:300])
        self.assertEqual(max(counts), 0)


if __name__ == "__main__":
    SITEWATCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
