#!/usr/bin/env python3
"""sitewatch detect on a live stdin: each result is printed as soon as it is released.

Usage: test_detect_stream.py PATH-TO-sitewatch

A pipe on stdin is a live stream (`tail -f events.ndjson | sitewatch detect`). stdout
is a pipe here too, which the C library buffers fully. So sitewatch must flush after each
result, or the reader gets nothing until stdin ends. Each check writes events, keeps
stdin open, and waits a few seconds for the result lines.
"""

import json
import os
import select
import subprocess
import sys
import time

WAIT_SECONDS = 5


def event(ms, ident):
    return json.dumps({"@timestamp": ms, "id": ident, "event": {"category": "process"}}) + "\n"


def read_lines(proc, count):
    """Reads `count` lines from proc's stdout within WAIT_SECONDS; returns those read."""
    lines, pending = [], b""
    deadline = time.monotonic() + WAIT_SECONDS
    fd = proc.stdout.fileno()
    while len(lines) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            lines.append(json.loads(line)["id"])
    return lines


def check(sitewatch, window, events, expected):
    """Feeds `events` with stdin left open; the ids in `expected` must be printed before EOF."""
    proc = subprocess.Popen([sitewatch, "detect", "-q", "process where true", "--quiet",
                             "--reorder-window", window],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for text in events:
            proc.stdin.write(text.encode())
        proc.stdin.flush()
        got = read_lines(proc, len(expected))
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    if got != expected:
        sys.exit(f"--reorder-window {window}: expected ids {expected} while stdin is open, "
                 f"got {got}")
    print(f"ok --reorder-window {window}: ids {got} printed before the end of stdin")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_detect_stream.py PATH-TO-sitewatch")
    sitewatch = sys.argv[1]
    # A window of 0 holds nothing back: every event is released when it arrives.
    check(sitewatch, "0", [event(1000, 1), event(2000, 2)], [1, 2])
    # A window of 1s releases the event at 1000 once one at 2000 (1000 later) arrives.
    check(sitewatch, "1s", [event(1000, 1), event(2000, 2)], [1])


if __name__ == "__main__":
    main()
