#!/usr/bin/env python3
"""Benchmark of `sitewatch scan` against `find` over the same tree.

Generates a large host-like tree in a temporary folder (by default 2000
virtual environments in users' project folders, each with 12 installed
packages, so 24000 packages, plus setuptools' .pth line, an editable
install and, in every 50th environment, a planted hook), then times:

  find TREE                      (lists every entry: the floor for a walk)
  sitewatch scan --search TREE --no-env --no-proc --format ndjson

each the best of --repeat runs, and prints both times and their ratio
(scan time / find time). The planted hooks must all be found, so that a
fast but blind scan cannot pass.

Usage: bench_scan.py [--sitewatch build/sitewatch] [--envs N] [--packages N]
                     [--repeat N] [--keep DIR]
"""
import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

DISTUTILS = ("import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
             "'local'; enabled and __import__('_distutils_hack').add_shim(); \n")


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_package(site, name, version):
    """One installed wheel: a package with two modules and its dist-info with RECORD."""
    pkg = os.path.join(site, name)
    info = os.path.join(site, "%s-%s.dist-info" % (name, version))
    os.mkdir(pkg)
    os.mkdir(info)
    files = {
        "%s/__init__.py" % name: b"from .core import run\n",
        "%s/core.py" % name: ("def run():\n    return %r\n" % name).encode(),
        "%s-%s.dist-info/METADATA" % (name, version): ("Name: %s\nVersion: %s\n" % (name, version)).encode(),
    }
    record = []
    for rel, data in files.items():
        write(os.path.join(site, rel), data)
        record.append("%s,%s,%d" % (rel, record_hash(data), len(data)))
    record.append("%s-%s.dist-info/RECORD,," % (name, version))
    write(os.path.join(info, "RECORD"), ("\n".join(record) + "\n").encode())


def make_env(root, index, packages):
    user = "user%03d" % (index % 200)
    venv = os.path.join(root, "home", user, "projects", "p%05d" % index, ".venv")
    site = os.path.join(venv, "lib", "python3.11", "site-packages")
    os.makedirs(site)
    os.makedirs(os.path.join(venv, "bin"))
    write(os.path.join(venv, "pyvenv.cfg"),
          b"home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n")
    os.symlink("/usr/bin/python3.11", os.path.join(venv, "bin", "python"))
    for p in range(packages):
        make_package(site, "pkg%02d_%d" % (p, index % 7), "1.%d" % p)
    write(os.path.join(site, "distutils-precedence.pth"), DISTUTILS.encode())
    write(os.path.join(site, "__editable__.proj-0.1.pth"), os.path.join(venv, "..", "src").encode() + b"\n")
    src = os.path.join(venv, "..", "src")
    os.makedirs(src, exist_ok=True)
    write(os.path.join(src, "proj.py"), b"VALUE = 1\n")
    planted = index % 50 == 0
    if planted:
        write(os.path.join(site, "zz_hook.pth"), b"import os; os.system('true')\n")
    return planted


def generate(root, envs, packages):
    planted = 0
    for i in range(envs):
        planted += make_env(root, i, packages)
    return planted


def best_time(cmd, repeat):
    best = None
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            sys.exit("%s failed (%d): %s" % (cmd[0], proc.returncode, proc.stderr.decode()[-500:]))
        if best is None or elapsed < best:
            best, out = elapsed, proc.stdout
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sitewatch", default=os.path.join("build", "sitewatch"))
    ap.add_argument("--envs", type=int, default=2000)
    ap.add_argument("--packages", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="generate into this folder and keep it")
    args = ap.parse_args()

    root = args.keep or tempfile.mkdtemp(prefix="sitewatch-bench-scan-")
    try:
        start = time.perf_counter()
        planted = generate(root, args.envs, args.packages)
        gen = time.perf_counter() - start
        find_time, find_out = best_time(["find", root], args.repeat)
        entries = find_out.count(b"\n")
        scan_cmd = [args.sitewatch, "scan", "--search", root, "--no-env", "--no-proc",
                    "--format", "ndjson"]
        scan_time, scan_out = best_time(scan_cmd, args.repeat)
        found = sum(1 for line in scan_out.splitlines() if b"zz_hook.pth" in line and b'"kind":"pth"' in line)
        print("tree: %d environments, %d packages, %d entries (generated in %.1f s)" %
              (args.envs, args.envs * args.packages, entries, gen))
        print("find:  %.3f s" % find_time)
        print("scan:  %.3f s  (%d findings, %d of %d planted hooks found)" %
              (scan_time, scan_out.count(b"\n"), found, planted))
        print("ratio: %.2f (scan time / find time)" % (scan_time / find_time))
        return 0 if found == planted else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
