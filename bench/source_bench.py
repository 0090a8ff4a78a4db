"""Benchmark: reading pages with pread (what boltview does) against mmap.

    python bench/source_bench.py [--keys 1000000] [--runs 3]

Has the real bbolt write a database of about a million small keys, then dumps
it in a fresh process per run, once reading pages with ``os.pread`` (boltview's
Source) and once slicing an ``mmap`` of the file instead, and prints the best
wall time and the peak resident memory of each.  boltview reads with pread:
a writer that truncates or regrows a live file under a mapping kills the
reader with SIGBUS, and mapped pages count against the reader's memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import arguments
from tests.conftest import GO_SOURCE, build_go

#: Run in a child: dump FILE to /dev/null, reading with pread or with mmap.
CHILD = """
import mmap, os, sys
from boltview.bolt.file import BoltFile
from boltview.dump import dump
db = BoltFile.open(sys.argv[1])
if sys.argv[2] == "mmap":
    view = mmap.mmap(db.source._fd, 0, access=mmap.ACCESS_READ)
    db.source.read = lambda offset, length: view[offset : offset + length]
with open(os.devnull, "wb") as out:
    dump(db.root, out, "base64")
"""


def measure(path: Path, how: str) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(path), how], cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{how} run failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    args = arguments(__doc__, keys=1_000_000)
    with tempfile.TemporaryDirectory(prefix="boltview-bench-") as tmp:
        ref = build_go(GO_SOURCE, Path(tmp) / "bboltref")
        db = Path(tmp) / "big.db"
        subprocess.run([str(ref), "big", str(args.keys), str(db)], check=True, capture_output=True)
        print(f"{args.keys:,} keys, {db.stat().st_size / 2**20:.0f} MiB; best of {args.runs}")
        results = {}
        for how in ("pread", "mmap"):
            runs = [measure(db, how) for _ in range(args.runs)]
            results[how] = (min(r[0] for r in runs), max(r[1] for r in runs))
            print(f"{how:<6} {results[how][0]:6.2f} s  {results[how][1]:6.0f} MiB peak")
        ratio_time = results["pread"][0] / results["mmap"][0]
        ratio_memory = results["pread"][1] / results["mmap"][1]
        print(f"pread / mmap: time {ratio_time:.2f}x, memory {ratio_memory:.2f}x")
        from bench.report import row

        row("`bench/source_bench.py`: the same dump reading pages with `pread` (boltview) vs slicing an "
            "`mmap`", "mmap", f"{ratio_time:.2f}x time, {ratio_memory:.2f}x peak memory (mapped pages "
            "count as the reader's)", "")  # fmt: skip


if __name__ == "__main__":
    main()
