"""Run every benchmark and print the table the README's Performance section is copied from.

    python bench/run_all.py [--quick]

Each benchmark runs in its own process, one after the other (so none shares
the machine with another), prints what it measured, and ends with its rows of
the table (``bench/report.py``).  ``--quick`` passes smaller sizes, to try the
scripts; the README's numbers come from a run without it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import MARK, versions

#: The Debian packages the reference programs are built from, named in the caption.
PACKAGES = ("golang-github-coreos-bbolt-dev", "golang-github-containerd-containerd-dev")

#: Every benchmark, with the arguments of a quick run.
BENCHMARKS = (
    ("dump_bench.py", ["--keys", "100000", "--runs", "1"]),
    ("grep_bench.py", ["--keys", "100000", "--runs", "1"]),
    ("export_bench.py", ["--containers", "1000", "--images", "1000", "--runs", "1"]),
    ("tui_bench.py", ["--values", "200", "--runs", "1"]),
    ("source_bench.py", ["--keys", "100000", "--runs", "1"]),
    ("scan_bench.py", ["--containers", "100", "--blobs", "1000", "--runs", "1"]),
    ("drift_bench.py", ["--files", "2000", "--changes", "200", "--wide", "1000", "--runs", "1"]),
    ("etcd_bench.py", ["--keys", "3000", "--runs", "1"]),
    ("store_view_bench.py", ["--revisions", "5000", "--runs", "1"]),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to try the scripts")
    args = parser.parse_args()
    rows: list[str] = []
    failed: list[str] = []
    for script, quick in BENCHMARKS:
        command = [sys.executable, str(ROOT / "bench" / script), *(quick if args.quick else [])]
        print(f"== {script}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        print(done.stdout, end="")
        if done.returncode != 0:
            failed.append(script)
            print(done.stderr[-2000:], end="")
        rows.extend(line for line in done.stdout.splitlines() if line.startswith(MARK))
        print(f"   ({time.perf_counter() - started:.0f} s)\n", flush=True)
    print(f"Ran against: {versions(*PACKAGES)}{' (quick sizes)' if args.quick else ''}\n")
    print("| benchmark | reference | result | goal |")
    print("|---|---|---|---|")
    for line in rows:
        print(line)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
