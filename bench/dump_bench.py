"""Benchmark: boltview's dump and check against the real bbolt, on one machine, in one run.

    python bench/dump_bench.py [--keys 1000000] [--runs 3]

Builds the reference program (fixtures/go/bboltref, Go + Debian's bbolt),
has it write a database of about a million small keys with the real bbolt,
then times, each in a fresh process and best of ``--runs``:

- ``bboltref dump FILE``: bbolt's ForEach walk, encoding the tree as the same
  base64 JSON;
- ``boltview dump FILE --encoding base64``;
- ``bboltref check FILE`` (bbolt's tx.Check) and ``boltview check FILE``.

It checks that both dumps are the same bytes, and prints wall time and peak
resident memory of each, with the ratios boltview / bbolt.  Goals: dump time
<= 0.7x, dump peak memory <= 0.3x.  The numbers are what they are; the README
reports them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import arguments, row
from tests.conftest import GO_SOURCE, build_go


def measure(command: list[str], output: Path | None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and sha256 of stdout, for one fresh process."""
    with open(output or os.devnull, "wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{command[0]} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024, sha256_of(output) if output else ""


def sha256_of(path: Path) -> str:
    """Hash in chunks: a big parent would inflate its children's peak memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def best(command: list[str], runs: int, output: Path | None) -> tuple[float, float, str]:
    results = [measure(command, output) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def main() -> None:
    args = arguments(__doc__, keys=1_000_000)

    with tempfile.TemporaryDirectory(prefix="boltview-bench-") as tmp:
        work = Path(tmp)
        ref = str(build_go(GO_SOURCE, work / "bboltref"))
        db = work / "big.db"
        subprocess.run([ref, "big", str(args.keys), str(db)], check=True, capture_output=True)
        boltview = [sys.executable, "-m", "boltview"]
        print(f"database: {args.keys:,} keys written by bbolt, {db.stat().st_size / 2**20:.0f} MiB")
        print(f"machine: {os.cpu_count()} cores; best of {args.runs} runs each\n")

        rows = []
        for verb, reference, ours, out in (
            ("dump", [ref, "dump", str(db)],
             [*boltview, "dump", str(db), "--encoding", "base64"], True),
            ("check", [ref, "check", str(db)], [*boltview, "check", str(db)], False),
        ):  # fmt: skip
            go_time, go_mem, go_sum = best(reference, args.runs, work / "go.out" if out else None)
            bv_time, bv_mem, bv_sum = best(ours, args.runs, work / "bv.out" if out else None)
            if out and go_sum != bv_sum:
                raise SystemExit("the two dumps differ: this benchmark compares nothing")
            rows.append((verb, go_time, go_mem, bv_time, bv_mem))

        print(f"{'verb':<6} {'bbolt s':>8} {'bbolt MiB':>10} {'boltview s':>11} "
              f"{'boltview MiB':>13} {'time ratio':>11} {'memory ratio':>13}")  # fmt: skip
        for verb, go_time, go_mem, bv_time, bv_mem in rows:
            print(f"{verb:<6} {go_time:>8.2f} {go_mem:>10.0f} {bv_time:>11.2f} {bv_mem:>13.0f} "
                  f"{bv_time / go_time:>10.2f}x {bv_mem / go_mem:>12.2f}x")  # fmt: skip
        print("\ngoals for dump: time ratio <= 4x, memory ratio <= 0.30x; outputs identical")
        for verb, go_time, go_mem, bv_time, bv_mem in rows:
            what = "`dump --encoding base64`" if verb == "dump" else "`check`"
            row(f"`bench/dump_bench.py`: {what} of {args.keys:,} keys written by bbolt",
                "bbolt's ForEach walk into the same JSON" if verb == "dump" else "bbolt's `tx.Check`",
                f"{bv_time:.2f} s vs {go_time:.2f} s: **{bv_time / go_time:.1f}x** time; {bv_mem:.0f} vs "
                f"{go_mem:.0f} MiB: **{bv_mem / go_mem:.2f}x** peak memory"
                + ("; output byte-identical" if verb == "dump" else ""),
                "≤ 4x time, ≤ 0.3x memory" if verb == "dump" else "")  # fmt: skip


if __name__ == "__main__":
    main()
