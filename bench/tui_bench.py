"""Benchmark (not a timed test): the browser on an 8 GB database versus a tiny one.

    python bench/tui_bench.py [--values 8000] [--value-size 1048576] [--keys 1000000]
                              [--runs 5] [--dir DIR] [--delete]

Both files are written by real bbolt (``bench/genhuge``, Go, GOPATH mode) with
the same three buckets: ``blobs`` (large values in overflow pages: 8,000 of
1 MiB make the big file 8 GB in about 20 s of writing), ``few`` (10 small
keys) and ``many`` (a million small keys in the big file).  The tiny file has
8 values of 4 KiB and 1,000 keys in ``many``.  The files go to ``--dir``
(default bench/out, never committed); a file already there is reused, and
``--delete`` removes the big one afterwards.  The free disk is checked first.

Each file is browsed by fresh processes (Textual headless, 120x36), one
after the other in this one run: per run, one process for each bucket
opened, so that each pays the same start-up; the best of ``--runs`` counts.
Both files are read the same way, straight from the file
(``snapshot=False``): the browser reads a file up to 64 MiB from a copy in
memory (``BROWSE_SNAPSHOT_LIMIT``) and a bigger one live, so the tiny file's
snapshot would not be like with like.  Measured in each process:

- first screen: from opening the file to the painted screen with the
  top-level buckets listed, and the peak resident memory then (``ru_maxrss``,
  Python and Textual included) and, in one more process per file with
  tracemalloc on, the peak of Python's own allocations meanwhile;
- then opening one bucket until its first window is painted: ``few``
  (10 keys), ``many`` (1,000,000 keys) or ``blobs`` (a first window of 200
  values of 1 MiB);
- after opening ``many``, ``G`` (it is the bottom line): until the cursor is
  on its very last key, painted;
- the peak resident memory at the end (the most of the three cases).

The goals (issue 14, item 4): the big file's first screen and peak memory
within 1.2x of the tiny file's; opening the million-key bucket within 1.2x of
opening the 10-key one; ``G`` under 300 ms.  The page cache is warm after
the first run (best of N); boltview reads with ``pread``, so the page
cache is not counted in its memory.  Results go to stdout and to
``DIR/tui_bench.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import row

OUT = ROOT / "bench" / "out"
SIZE = (120, 36)
GOAL_RATIO = 1.2
GOAL_G_S = 0.300
TINY = {"values": 8, "value_size": 4096, "keys": 1000, "small": 10}
#: The buckets opened, each in its own processes.
BUCKETS = ("few", "many", "blobs")


# -- the files -------------------------------------------------------------------------


def build_genhuge(target: Path) -> Path:
    if shutil.which("go") is None:
        sys.exit("tui_bench: Go is needed to write the databases "
                 "(apt-get install golang-go golang-github-coreos-bbolt-dev)")  # fmt: skip
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="")
    env.setdefault("GOCACHE", str(ROOT / ".cache" / "go-build"))
    subprocess.run(["go", "build", "-o", str(target), "."], cwd=ROOT / "bench" / "genhuge",
                   env=env, check=True)  # fmt: skip
    return target


def make_db(genhuge: Path, path: Path, values: int, value_size: int, keys: int, small: int) -> Path:
    """The database at ``path``, written by real bbolt unless it is there already."""
    if path.exists():
        return path
    need = values * value_size * 1.1 + keys * 100 + (64 << 20)
    free = shutil.disk_usage(path.parent).free
    if free < need + (4 << 30):  # and leave the machine 4 GiB
        sys.exit(f"tui_bench: {path.parent} has {free / 2**30:.1f} GiB free; the database "
                 f"needs about {need / 2**30:.1f} GiB (try --values or --dir)")  # fmt: skip
    started = time.perf_counter()
    subprocess.run([str(genhuge), "-o", str(path), "-values", str(values), "-value-size",
                    str(value_size), "-keys", str(keys), "-small", str(small)], check=True)  # fmt: skip
    print(f"wrote {path.name}: {path.stat().st_size / 2**20:,.0f} MiB in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
    return path


# -- the measured side (runs in a child process) -----------------------------------------


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _browse(path: str, name: bytes, traced: bool) -> dict[str, float]:
    """First screen, then opening bucket ``name`` (and G at the end of ``many``)."""
    from boltview.bolt.file import BoltFile
    from boltview.tui.app import make_app
    from boltview.tui.widgets.raw_tree import BucketItem, RawTree, ValueItem

    result: dict[str, float] = {}
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    db = BoltFile.open(path, snapshot=False)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(RawTree)
        while not any(isinstance(c.data, BucketItem) for c in tree.root.children):
            await pilot.pause(0.001)
        await pilot.pause()  # painted
        result["first_screen_s"] = time.perf_counter() - started
        result["first_screen_rss_mib"] = _rss_mib()
        if traced:
            result["first_screen_heap_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            return result

        def bucket(name: bytes) -> Any:
            return next(c for c in tree.root.children if c.data.path == (name,))

        node = bucket(name)
        opened = time.perf_counter()
        tree.move_cursor(node)
        node.expand()
        while not any(isinstance(c.data, ValueItem) for c in node.children):
            await pilot.pause(0.001)
        await pilot.pause()
        result[f"open_{name.decode()}_s"] = time.perf_counter() - opened

        if name == b"many":  # G on the open "many", the bottom line of the tree: its last key
            last = next(db.bucket(name).entries_reversed()).key
            pressed = time.perf_counter()
            # As a terminal sends it; pilot.press would also wait for the app to be idle.
            app.simulate_key("G")
            while not (isinstance(tree.cursor_node.data, ValueItem)
                       and tree.cursor_node.data.key == last):  # fmt: skip
                await pilot.pause(0.001)
            await pilot.pause()
            result["G_s"] = time.perf_counter() - pressed
            result["keys_in_tree"] = sum(isinstance(c.data, ValueItem) for c in node.children)
    result["file_bytes"] = float(os.path.getsize(path))
    result["peak_rss_mib"] = _rss_mib()
    return result


def child(path: str, name: str, traced: bool) -> None:
    print(json.dumps(asyncio.run(_browse(path, name.encode(), traced))))


def measure(path: Path, name: str, traced: bool = False) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(path), "--open", name]
    done = subprocess.run(command + (["--traced"] if traced else []), check=True,
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def browse(path: Path, runs: int) -> dict[str, float]:
    """The best of ``runs`` of each case, a fresh process each, the cases taking turns."""
    seen: dict[str, list[dict[str, float]]] = {name: [] for name in BUCKETS}
    for _ in range(runs):
        for name in BUCKETS:
            seen[name].append(measure(path, name))
    best = {name: {k: min(run[k] for run in done) for k in done[0]} for name, done in seen.items()}
    result = {k: v for case in best.values() for k, v in case.items()}
    result["first_screen_s"] = min(case["first_screen_s"] for case in best.values())
    result["peak_rss_mib"] = max(case["peak_rss_mib"] for case in best.values())
    result["first_screen_heap_mib"] = measure(path, "few", traced=True)["first_screen_heap_mib"]
    return result


# -- the report ----------------------------------------------------------------------------


def versions() -> str:
    """What ran: Python, Textual, Go and Debian's bbolt (the writer)."""
    from importlib.metadata import version

    go = subprocess.run(["go", "version"], capture_output=True, text=True, check=False)
    bbolt = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "golang-github-coreos-bbolt-dev"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    return (f"Python {platform.python_version()}, textual {version('textual')}, "
            f"{(go.stdout.split() or ['', '', 'go ?'])[2]}, bbolt {bbolt.stdout or '?'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--values", type=int, default=8000, help="large values in the big file")
    parser.add_argument("--value-size", type=int, default=1 << 20)
    parser.add_argument("--keys", type=int, default=1_000_000, help="keys of its big bucket")
    parser.add_argument("--runs", type=int, default=5, help="best of N, per file")
    parser.add_argument("--dir", type=Path, default=OUT, help="where the databases are written")
    parser.add_argument("--delete", action="store_true", help="delete the big file afterwards")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--open", default="few", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.open, args.traced)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    genhuge = build_genhuge(OUT / "genhuge")
    tiny = make_db(genhuge, args.dir / "tui-tiny.db", **TINY)
    name = f"tui-{args.values}x{args.value_size}-{args.keys}.db"
    big = make_db(genhuge, args.dir / name, args.values, args.value_size, args.keys, 10)
    try:
        results: dict[str, dict[str, float]] = {}
        for label, path in (("tiny", tiny), ("big", big)):
            results[label] = browse(path, args.runs)
    finally:
        if args.delete:
            big.unlink()
    report(results, args.dir)


def report(results: dict[str, dict[str, float]], out: Path) -> None:
    tiny, big = results["tiny"], results["big"]
    ratios = {
        "first_screen": big["first_screen_s"] / tiny["first_screen_s"],
        "first_screen_rss": big["first_screen_rss_mib"] / tiny["first_screen_rss_mib"],
        "first_screen_heap": big["first_screen_heap_mib"] / tiny["first_screen_heap_mib"],
        "peak_rss": big["peak_rss_mib"] / tiny["peak_rss_mib"],
        "open_many_vs_few": big["open_many_s"] / big["open_few_s"],
    }
    ran = versions()
    (out / "tui_bench.json").write_text(
        json.dumps({**results, "ratios": ratios, "versions": ran}, indent=2) + "\n"
    )
    print(f"versions: {ran}; both files read live (snapshot=False)")
    print(f"{'':34}{'tiny':>12}{'big':>12}")
    rows = [("file size (MiB)", "file_bytes", 2**20), ("first screen (ms)", "first_screen_s", 1e-3),
            ("RSS at first screen (MiB)", "first_screen_rss_mib", 1),
            ("Python heap peak, first screen (MiB)", "first_screen_heap_mib", 1),
            ("open few, 10 keys (ms)", "open_few_s", 1e-3),
            ("open many (ms)", "open_many_s", 1e-3), ("open blobs (ms)", "open_blobs_s", 1e-3),
            ("G to many's last key (ms)", "G_s", 1e-3),
            ("keys of many in the tree", "keys_in_tree", 1), ("peak RSS (MiB)", "peak_rss_mib", 1)]  # fmt: skip
    for label, key, unit in rows:
        print(f"{label:<34}{tiny[key] / unit:>12,.1f}{big[key] / unit:>12,.1f}")
    print(f"ratios, big/tiny: first screen {ratios['first_screen']:.2f}x, RSS at first screen "
          f"{ratios['first_screen_rss']:.2f}x, Python heap {ratios['first_screen_heap']:.2f}x, "
          f"peak RSS {ratios['peak_rss']:.2f}x; in the big file, open many/few "
          f"{ratios['open_many_vs_few']:.2f}x (goal <= {GOAL_RATIO}x each); "
          f"G {big['G_s'] * 1000:.0f} ms (goal < {GOAL_G_S * 1000:.0f} ms)")  # fmt: skip
    size = f"{big['file_bytes'] / 2**30:.1f} GiB"
    row(f"`bench/tui_bench.py`: browser, first screen and memory, {size} file vs "
        f"{tiny['file_bytes'] / 2**20:.1f} MiB (both live; {ran})", "the tiny file",
        f"first screen {big['first_screen_s'] * 1000:.0f} vs {tiny['first_screen_s'] * 1000:.0f} ms: "
        f"{ratios['first_screen']:.2f}x; peak RSS {big['peak_rss_mib']:.0f} vs "
        f"{tiny['peak_rss_mib']:.0f} MiB: {ratios['peak_rss']:.2f}x; Python heap at first "
        f"screen {ratios['first_screen_heap']:.2f}x", f"≤ {GOAL_RATIO}x")  # fmt: skip
    row(f"`bench/tui_bench.py`: open a bucket of 1,000,000 keys in the {size} file",
        "opening its 10-key bucket",
        f"{big['open_many_s'] * 1000:.0f} vs {big['open_few_s'] * 1000:.0f} ms: "
        f"{ratios['open_many_vs_few']:.2f}x; a first window of 200 values of 1 MiB: "
        f"{big['open_blobs_s'] * 1000:.0f} ms", f"≤ {GOAL_RATIO}x")  # fmt: skip
    row(f"`bench/tui_bench.py`: `G` to the last of 1,000,000 keys in the {size} file",
        "(absolute)", f"{big['G_s'] * 1000:.0f} ms (tiny file, 1,000 keys: "
        f"{tiny['G_s'] * 1000:.0f} ms)", f"< {GOAL_G_S * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
