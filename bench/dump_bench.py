"""Benchmark: boltview's dump and check against the real bbolt, on one machine, in one run.

    python bench/dump_bench.py [--keys 1000000] [--runs 5]

Builds the reference program (fixtures/go/bboltref, Go + Debian's bbolt),
has it write a database of about a million small keys with the real bbolt,
then times, each in a fresh process, taking turns, best of ``--runs``:

- ``bboltref dump FILE``: bbolt's ForEach walk, encoding the tree as the same
  base64 JSON;
- ``boltview dump FILE --encoding base64``, as it runs by default (on a machine
  with two cores or more, a worker process per core but one, and the walk encoding
  too while it waits), and with ``--workers 0`` (one process, as before workers);
- ``bboltref check FILE`` (bbolt's tx.Check) and ``boltview check FILE``.

It checks that the dumps are the same bytes, and prints wall time and peak
memory of each, with the ratios boltview / bbolt.  Peak memory is measured in
runs of its own: the sum of the proportional set sizes of the process and all
it starts (``bench.report.peak_memory``), sampled, so workers sharing their
parent's pages are counted fairly.  Goals: dump time <= 4x, dump peak memory
<= 0.3x.  The numbers are what they are; the README reports them.
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

from bench.report import arguments, peak_memory, row, versions
from tests.conftest import GO_SOURCE, build_go

BBOLT_PACKAGE = "golang-github-coreos-bbolt-dev"


def timed(command: list[str], output: Path | None) -> tuple[float, str]:
    """Wall seconds and sha256 of stdout, for one fresh process."""
    with open(output or os.devnull, "wb") as sink:
        start = time.perf_counter()
        done = subprocess.run(command, stdout=sink, check=False)
        elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed with status {done.returncode}")
    return elapsed, sha256_of(output) if output else ""


def sha256_of(path: Path) -> str:
    """Hash in chunks: a big parent would inflate its children's peak memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    args = arguments(__doc__, runs=5, keys=1_000_000)

    with tempfile.TemporaryDirectory(prefix="boltview-bench-") as tmp:
        work = Path(tmp)
        ref = str(build_go(GO_SOURCE, work / "bboltref"))
        db = work / "big.db"
        subprocess.run([ref, "big", str(args.keys), str(db)], check=True, capture_output=True)
        boltview = [sys.executable, "-m", "boltview"]
        print(versions(BBOLT_PACKAGE))
        print(f"database: {args.keys:,} keys written by bbolt, {db.stat().st_size / 2**20:.0f} MiB")
        print(f"best of {args.runs} runs each, taking turns; peak memory in runs of its own\n")

        commands = {
            "bbolt dump": ([ref, "dump", str(db)], True),
            "boltview dump": ([*boltview, "dump", str(db), "--encoding", "base64"], True),
            "  one process": ([*boltview, "dump", str(db), "--encoding", "base64", "--workers", "0"],
                              True),
            "bbolt check": ([ref, "check", str(db)], False),
            "boltview check": ([*boltview, "check", str(db)], False),
        }  # fmt: skip
        times: dict[str, float] = dict.fromkeys(commands, float("inf"))
        sums: set[str] = set()
        for _ in range(args.runs):
            for name, (command, out) in commands.items():
                elapsed, digest = timed(command, work / "out" if out else None)
                times[name] = min(times[name], elapsed)
                if out:
                    sums.add(digest)
        if len(sums) != 1:
            raise SystemExit("the dumps differ: this benchmark compares nothing")
        memory = {name: max(peak_memory(command, work / "out" if out else None) for _ in range(2))
                  for name, (command, out) in commands.items()}  # fmt: skip

        print(f"{'':16} {'seconds':>8} {'MiB':>6} {'time ratio':>11} {'memory ratio':>13}")
        for name in commands:
            reference = "bbolt check" if "check" in name else "bbolt dump"
            print(f"{name:16} {times[name]:>8.2f} {memory[name]:>6.0f} "
                  f"{times[name] / times[reference]:>10.2f}x {memory[name] / memory[reference]:>12.2f}x")  # fmt: skip
        print("\ngoals for dump: time ratio <= 4x, memory ratio <= 0.30x; outputs identical")

        def result(ours: str, theirs: str) -> str:
            return (f"{times[ours]:.2f} s vs {times[theirs]:.2f} s: **{times[ours] / times[theirs]:.1f}x** "
                    f"time; {memory[ours]:.0f} vs {memory[theirs]:.0f} MiB: "
                    f"**{memory[ours] / memory[theirs]:.2f}x** peak memory")  # fmt: skip

        row(f"`bench/dump_bench.py`: `dump --encoding base64` of {args.keys:,} keys written by bbolt",
            "bbolt's ForEach walk into the same JSON",
            result("boltview dump", "bbolt dump") + f"; one process (`--workers 0`): "
            f"{times['  one process']:.2f} s, {times['  one process'] / times['bbolt dump']:.1f}x, "
            f"{memory['  one process'] / memory['bbolt dump']:.2f}x memory; output byte-identical",
            "≤ 4x time, ≤ 0.3x memory")  # fmt: skip
        row("same file: `check`", "bbolt's `tx.Check`", result("boltview check", "bbolt check"), "")


if __name__ == "__main__":
    main()
