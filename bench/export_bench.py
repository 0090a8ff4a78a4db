"""Benchmark: ``boltview export`` against a raw ``boltview dump`` of the same file.

The target (issue 14, item 3): decoding the whole model must cost at most 1.2x
what a lossless raw dump costs.  This script

1. builds ``bench/gencontainerd`` (Go, containerd's own metadata code and real
   bbolt) and writes a metadata database with 10,000 containers, images and
   snapshots (cached, since writing it takes half a minute);
2. runs ``boltview dump FILE --encoding base64``, ``boltview export FILE`` and
   ``boltview export FILE --helper`` (a second process writes some sections) in
   turns, each several times, as a user would (a fresh process each, output to
   /dev/null);
3. prints wall-clock and CPU times and the ratio of the best export to the
   best dump, and checks the export is valid JSON with every container in it.

    python bench/export_bench.py                 # 10,000 of each, 3 runs
    python bench/export_bench.py --runs 5 --check
    python bench/export_bench.py --db /path/to/meta.db

Wall-clock is the target measure; CPU time (user + sys, with the processes a
command forks) and peak memory are shown too: export hashes the file for its
provenance in a second process, so on one core its CPU time is the honest
figure, and ``--helper`` holds the sections it writes ahead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "bench" / "gencontainerd"
GOPATH = "/usr/share/gocode"
TARGET = 1.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (best counts)")
    parser.add_argument("--db", type=Path, help="benchmark this file instead of generating one")
    parser.add_argument("--cache", type=Path, default=default_cache(),
                        help="where generated databases are kept (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if export > {TARGET}x dump")
    args = parser.parse_args()

    db = args.db or generate(args.cache, args.containers, args.images)
    size = db.stat().st_size
    print(f"file: {db} ({size / 2**20:.1f} MiB)")

    sys.path.insert(0, str(ROOT))
    from bench.report import row, versions

    print(versions("golang-github-coreos-bbolt-dev", "golang-github-containerd-containerd-dev"))
    boltview = [sys.executable, "-m", "boltview"]
    commands = {
        "dump": [*boltview, "dump", str(db), "--encoding", "base64"],
        "export": [*boltview, "export", str(db)],
        "export --helper": [*boltview, "export", str(db), "--helper"],
    }
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for run in range(args.runs):
        for name, command in commands.items():
            wall, cpu, peak = timed(command)
            times[name].append((wall, cpu, peak))
            print(f"run {run + 1}: {name:18} {wall:7.2f} s wall {cpu:7.2f} s cpu {peak:6.0f} MiB")

    best = {name: min(w for w, _, _ in runs) for name, runs in times.items()}
    median = {name: statistics.median(w for w, _, _ in runs) for name, runs in times.items()}
    best_cpu = {name: min(c for _, c, _ in runs) for name, runs in times.items()}
    peak = {name: max(m for _, _, m in runs) for name, runs in times.items()}
    print()
    print(f"{'':20}{'best wall':>12}{'median wall':>13}{'best cpu':>11}{'peak RSS':>11}"
          f"{'ratio to dump':>15}")  # fmt: skip
    for name in commands:
        print(f"{name:20}{best[name]:11.2f}s{median[name]:12.2f}s{best_cpu[name]:10.2f}s"
              f"{peak[name]:7.0f} MiB{best[name] / best['dump']:14.2f}x")  # fmt: skip
    ratio = best["export"] / best["dump"]
    helped = best["export --helper"] / best["dump"]
    print(f"ratio export/dump: {ratio:.2f} (best wall), "
          f"{median['export'] / median['dump']:.2f} (median wall), "
          f"{best_cpu['export'] / best_cpu['dump']:.2f} (cpu, all processes); "
          f"with --helper: {helped:.2f}; target <= {TARGET}")  # fmt: skip

    verify(commands["export"], args.containers if args.db is None else None)
    row(f"`bench/export_bench.py`: `export` of a metadata DB with {args.containers:,} containers, images and "
        "snapshots written with containerd's own Go stores", "`dump` of the same file",
        f"{best['export']:.2f} s vs {best['dump']:.2f} s: **{ratio:.2f}x** best wall time "
        f"({median['export'] / median['dump']:.2f}x median; {best_cpu['export'] / best_cpu['dump']:.2f}x CPU, "
        f"which counts the process hashing the file; peak RSS {peak['export']:.0f} vs {peak['dump']:.0f} MiB); "
        f"`--helper`: {helped:.2f}x ({peak['export --helper']:.0f} MiB)",
        "≤ 1.2x")  # fmt: skip
    return 1 if args.check and ratio > TARGET else 0


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "boltview-bench"


def generate(cache: Path, containers: int, images: int) -> Path:
    """The benchmark database, written by gencontainerd unless it is cached."""
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"meta-{containers}c-{images}i.db"
    if db.exists():
        return db
    if shutil.which("go") is None:
        sys.exit("export_bench: Go is needed to write the benchmark database (apt-get install "
                 "golang-go golang-github-containerd-containerd-dev)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        binary = Path(tmp) / "gencontainerd"
        env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="")
        env.setdefault("GOCACHE", str(ROOT / ".cache" / "go-build"))
        subprocess.run(["go", "build", "-o", str(binary), "."], cwd=GENERATOR, env=env, check=True)
        partial = Path(tmp) / "meta.db"
        print(f"writing {containers} containers and {images} images with gencontainerd...",
              flush=True)  # fmt: skip
        started = time.perf_counter()
        subprocess.run([str(binary), "-o", str(partial), "-containers", str(containers),
                        "-images", str(images)], check=True)  # fmt: skip
        print(f"  done in {time.perf_counter() - started:.0f} s")
        shutil.move(partial, db)
    return db


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall-clock and CPU seconds and peak MiB of one run, its output thrown away.

    CPU and memory are the command's and its helpers' (the processes it forked
    and waited for): ``wait4`` reports them for this run alone.
    """
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def verify(export_cmd: list[str], containers: int | None) -> None:
    """The export parses, and holds every container the generator wrote."""
    document = json.loads(subprocess.run(export_cmd, capture_output=True, check=True).stdout)
    found = sum(len(ns["containers"]) for ns in document["namespaces"].values())
    print(f"export: valid JSON, {len(document['namespaces'])} namespaces, {found} containers")
    if containers is not None and found != containers:
        sys.exit(f"export_bench: expected {containers} containers, found {found}")


if __name__ == "__main__":
    sys.exit(main())
