#!/usr/bin/env python3
"""Cost of `sitewatch watch` under a file-heavy workload.

Usage: bench/watch/run.py SITEWATCH [--files N] [--rounds R] [--json]

Needs root. Runs itself inside a private mount namespace (unshare -m) and
mounts two tmpfs of its own: one watched (--path), where the workload
unpacks a tar archive of N small files, and one unwatched for the archive
and the sensor's output. Nothing outside the bench's temporary folder is
touched, and both filesystems vanish with the namespace.

It measures, in one run:
  - the workload: `tar -x` of the archive, median wall time of R rounds
    without the sensor and R rounds with it (alternating), and their ratio;
    the same for tar's own CPU time, which other load on the machine moves
    less than the wall time;
  - live: events handled per second while the workload runs (the events
    of the run divided by the time until the sensor had written the last
    one) and the queue overflows with the kernel's default queue;
  - drain: the sensor's own rate, from a full queue: stopped (SIGSTOP)
    while the workload runs with --unlimited-queue, then resumed and timed
    until the last event is written, with its CPU time.
The sensor runs the bundled rules and writes every event (--events-out).
"""
import argparse
import ctypes
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

WAIT = 120


def die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


def make_archive(path, files):
    """Writes a tree like an unpacked package cache: 100 files per folder, 64 to 2048 bytes."""
    rng = random.Random(1546018)
    with tarfile.open(path, "w") as tar:
        for i in range(files):
            folder = f"site-packages/pkg{i // 100:05d}"
            name = f"{folder}/mod{i % 100:03d}.py" if i % 1000 else f"{folder}/pkg{i // 1000}.pth"
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(64, 2048)))
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            tar.addfile(info, _Reader(data))


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def read(self, n=-1):
        chunk = self.data[self.pos:] if n < 0 else self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


class LineCounter:
    """Counts the lines of a growing file, reading only what was added since the last call."""

    def __init__(self, path):
        self.path, self.offset, self.lines = path, 0, 0

    def count(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return 0
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        return self.lines


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat (fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sensor:
    def __init__(self, sitewatch, watched, out, *extra):
        self.events = os.path.join(out, "events.ndjson")
        self.err_path = os.path.join(out, "stderr.txt")
        for p in (self.events, self.err_path):
            if os.path.exists(p):
                os.unlink(p)
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen([sitewatch, "watch", "--path", watched, "--events-out", self.events,
                                      "--alerts-out", os.path.join(out, "alerts.ndjson"), *extra],
                                     stderr=self.err, stdout=subprocess.DEVNULL, preexec_fn=die_with_parent)
        end = time.time() + WAIT
        while "sitewatch: watching" not in open(self.err_path).read():
            if self.proc.poll() is not None or time.time() > end:
                raise SystemExit(f"the sensor did not start: {open(self.err_path).read()}")
            time.sleep(0.01)

    def wait_events(self, n):
        """Returns the time when the events file had n lines, or None if it never did."""
        counter = LineCounter(self.events)
        end = time.time() + WAIT
        while time.time() < end:
            if counter.count() >= n:
                return time.perf_counter()
            time.sleep(0.002)
        return None

    def stop(self):
        cpu = cpu_seconds(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=WAIT)
        self.err.close()
        text = open(self.err_path).read()
        overflows = re.findall(r"(\d+) queue overflows", text)
        return cpu, int(overflows[-1]) if overflows else None


def unpack(archive, dest):
    """Runs tar -x; returns its start and end (perf_counter) and its CPU seconds (user + system)."""
    os.makedirs(dest)
    start = time.perf_counter()
    tar = subprocess.Popen(["tar", "-xf", archive, "-C", dest])
    _, status, usage = os.wait4(tar.pid, 0)
    end = time.perf_counter()
    tar.returncode = os.waitstatus_to_exitcode(status)
    if tar.returncode != 0:
        raise SystemExit(f"tar failed with status {tar.returncode}")
    return start, end, usage.ru_utime + usage.ru_stime


def bench(args, watched, out):
    archive = os.path.join(out, "tree.tar")
    make_archive(archive, args.files)
    off, on, off_cpu, on_cpu, live_rates, overflows = [], [], [], [], [], []
    for r in range(args.rounds):
        start, end, cpu = unpack(archive, f"{watched}/off{r}")
        off.append(end - start)
        off_cpu.append(cpu)
        shutil.rmtree(f"{watched}/off{r}")

        sensor = Sensor(args.sitewatch, watched, out)
        start, end, cpu = unpack(archive, f"{watched}/on{r}")
        on.append(end - start)
        on_cpu.append(cpu)
        done = sensor.wait_events(args.files)
        _, overflow = sensor.stop()
        overflows.append(overflow)
        if done is not None:
            live_rates.append(args.files / (done - start))
        shutil.rmtree(f"{watched}/on{r}")

    sensor = Sensor(args.sitewatch, watched, out, "--unlimited-queue")
    sensor.proc.send_signal(signal.SIGSTOP)
    unpack(archive, f"{watched}/drain")
    cpu_before = cpu_seconds(sensor.proc.pid)
    resumed = time.perf_counter()
    sensor.proc.send_signal(signal.SIGCONT)
    done = sensor.wait_events(args.files)
    cpu_after, _ = sensor.stop()
    shutil.rmtree(f"{watched}/drain")

    result = {
        "files": args.files,
        "rounds": args.rounds,
        "workload_seconds_without": statistics.median(off),
        "workload_seconds_with": statistics.median(on),
        "slowdown": statistics.median(on) / statistics.median(off),
        "workload_cpu_seconds_without": statistics.median(off_cpu),
        "workload_cpu_seconds_with": statistics.median(on_cpu),
        "cpu_ratio": statistics.median(on_cpu) / statistics.median(off_cpu),
        "live_events_per_second": statistics.median(live_rates) if live_rates else None,
        "live_overflows": overflows,
        "drain_events_per_second": args.files / (done - resumed) if done else None,
        "drain_cpu_seconds": cpu_after - cpu_before,
    }
    return result


def report(r):
    print(f"workload: tar -x of {r['files']} files, median of {r['rounds']} rounds")
    print(f"  without watch  {r['workload_seconds_without']:.3f} s")
    print(f"  with watch     {r['workload_seconds_with']:.3f} s")
    print(f"  slowdown       {r['slowdown']:.2f}x")
    print(f"  tar's CPU time {r['workload_cpu_seconds_without']:.3f} s without, "
          f"{r['workload_cpu_seconds_with']:.3f} s with: {r['cpu_ratio']:.2f}x")
    live = r["live_events_per_second"]
    print(f"live: {live:,.0f} events/s handled; queue overflows per round: {r['live_overflows']}"
          if live else f"live: the events did not all arrive; overflows per round: {r['live_overflows']}")
    drain = r["drain_events_per_second"]
    if drain:
        print(f"drain: {drain:,.0f} events/s from a full queue, "
              f"{r['drain_cpu_seconds'] * 1e6 / r['files']:.1f} us of sensor CPU per event")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sitewatch")
    parser.add_argument("--files", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sitewatch = os.path.abspath(args.sitewatch)

    if args.inside:
        watched, out = os.path.join(args.inside, "watched"), os.path.join(args.inside, "out")
        for d in (watched, out):
            os.makedirs(d)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4g", "sitewatch-bench", d], check=True)
        result = bench(args, watched, out)
        if args.json:
            print(json.dumps(result))
        else:
            report(result)
        return 0

    if os.geteuid() != 0:
        print("bench/watch needs root (fanotify needs CAP_SYS_ADMIN)", file=sys.stderr)
        return 2
    root = tempfile.mkdtemp(prefix="sitewatch-bench-")
    try:
        return subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                               os.path.abspath(__file__), *sys.argv[1:], "--inside", root]).returncode
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
