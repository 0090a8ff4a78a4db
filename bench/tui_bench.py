"""Benchmark (not a timed test): the browser on a ~1 GB database versus a tiny one.

    python bench/tui_bench.py [--keys N] [--tiny-keys N] [--bboltref PATH] [--keep]

Both files are written by real bbolt (``bboltref big N OUT``: eight buckets,
some nested, N small keys spread over them, so the biggest bucket of the 1 GB
file holds over a million keys).  Each file is browsed in its own fresh
process, one after the other in this one run, and each reports:

- time to first screen: from opening the file to the first painted screen
  with the top-level buckets listed (Textual headless, 120x36);
- time to open the biggest bucket, ``b0`` (an eighth of the keys: a million in
  the big file), until its first window of keys is on screen, and
  to scroll five windows further (the cursor reaching "more keys" each time);
- peak resident memory of the whole process (``ru_maxrss``), Python and
  Textual included.

The target (issue 4): the big file within 1.2x of the tiny one on both time
to first screen and peak memory.  The page cache is warm (the files were just
written); boltview reads with ``pread`` so the page cache is not counted in
its memory.  Results go to stdout and to bench/out/tui_bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SIZE = (120, 36)


def build_bboltref(target: Path) -> Path:
    if target.exists():
        return target
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="")
    env.setdefault("GOCACHE", str(ROOT / ".cache" / "go-build"))
    subprocess.run(["go", "build", "-o", str(target), "./fixtures/go/bboltref"], cwd=ROOT,
                   env=env, check=True)  # fmt: skip
    return target


def make_db(bboltref: Path, keys: int, path: Path) -> Path:
    if not path.exists():
        started = time.perf_counter()
        subprocess.run([str(bboltref), "big", str(keys), str(path)], check=True)
        print(f"wrote {path.name}: {keys} keys, {path.stat().st_size / 2**20:.0f} MiB "
              f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)  # fmt: skip
    return path


# -- the measured side (runs in a child process) -----------------------------------------


async def _browse(path: str) -> dict[str, float]:
    from boltview.bolt.file import BoltFile
    from boltview.tui.app import make_app
    from boltview.tui.widgets.raw_tree import MoreItem, RawTree, ValueItem

    started = time.perf_counter()
    db = BoltFile.open(path)
    app = make_app(db)
    result: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(RawTree)
        while not any(child.data is not None and child.data.__class__.__name__ == "BucketItem"
                      for child in tree.root.children):  # fmt: skip
            await pilot.pause(0.001)
        await pilot.pause()  # painted
        result["first_screen_s"] = time.perf_counter() - started

        # The biggest bucket: b0 (an eighth of the keys, straight under the root).
        b0 = next(c for c in tree.root.children if getattr(c.data, "path", None) == (b"b0",))
        opened = time.perf_counter()
        tree.move_cursor(b0)
        b0.expand()
        while not any(isinstance(c.data, ValueItem) for c in b0.children):
            await pilot.pause(0.001)
        await pilot.pause()
        result["open_big_bucket_s"] = time.perf_counter() - opened

        scrolled = time.perf_counter()
        for _ in range(5):
            more = b0.children[-1]
            if not isinstance(more.data, MoreItem):
                break
            count = len(b0.children)
            tree.move_cursor(more)
            while len(b0.children) == count and isinstance(b0.children[-1].data, MoreItem) \
                    and b0.children[-1] is more:  # fmt: skip
                await pilot.pause(0.001)
            await pilot.pause()
        result["scroll_5_windows_s"] = time.perf_counter() - scrolled
        result["keys_in_tree"] = float(sum(isinstance(c.data, ValueItem) for c in b0.children))
    result["file_bytes"] = float(os.path.getsize(path))
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def child(path: str) -> None:
    print(json.dumps(asyncio.run(_browse(path))))


def measure(path: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", str(path)], check=True,
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=8_000_000, help="keys in the big file")
    parser.add_argument("--tiny-keys", type=int, default=1000)
    parser.add_argument("--bboltref", type=Path, default=OUT / "bboltref")
    parser.add_argument("--runs", type=int, default=5, help="best of N, per file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    bboltref = build_bboltref(args.bboltref)
    tiny = make_db(bboltref, args.tiny_keys, OUT / f"big-{args.tiny_keys}.db")
    big = make_db(bboltref, args.keys, OUT / f"big-{args.keys}.db")
    results: dict[str, dict[str, float]] = {}
    for name, path in (("tiny", tiny), ("big", big)):
        runs = [measure(path) for _ in range(args.runs)]
        best = {key: min(run[key] for run in runs) for key in runs[0]}
        results[name] = best
    report = {
        **results,
        "ratio_first_screen": results["big"]["first_screen_s"] / results["tiny"]["first_screen_s"],
        "ratio_peak_rss": results["big"]["peak_rss_mib"] / results["tiny"]["peak_rss_mib"],
    }
    (OUT / "tui_bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'':24}{'tiny':>14}{'big':>14}")
    rows = [("file size (MiB)", "file_bytes", 2**20), ("first screen (ms)", "first_screen_s", 1e-3),
            ("open biggest bucket (ms)", "open_big_bucket_s", 1e-3),
            ("scroll 5 windows (ms)", "scroll_5_windows_s", 1e-3),
            ("keys held in the tree", "keys_in_tree", 1), ("peak RSS (MiB)", "peak_rss_mib", 1)]  # fmt: skip
    for label, key, unit in rows:
        print(f"{label:<24}{results['tiny'][key] / unit:>14.1f}{results['big'][key] / unit:>14.1f}")
    print(f"ratio big/tiny: first screen {report['ratio_first_screen']:.2f}x, "
          f"peak memory {report['ratio_peak_rss']:.2f}x (target <= 1.2x)")  # fmt: skip
    sys.path.insert(0, str(ROOT))
    from bench.report import row

    big, tiny = results["big"], results["tiny"]
    row(f"`bench/tui_bench.py`: first screen and peak memory, {big['file_bytes'] / 2**20:,.0f} MiB database "
        f"vs a {tiny['file_bytes'] / 2**20:.1f} MiB one", "the tiny one",
        f"first screen {big['first_screen_s'] * 1000:.0f} vs {tiny['first_screen_s'] * 1000:.0f} ms: "
        f"{report['ratio_first_screen']:.2f}x; peak memory {big['peak_rss_mib']:.0f} vs "
        f"{tiny['peak_rss_mib']:.0f} MiB: {report['ratio_peak_rss']:.2f}x", "≤ 1.2x both")  # fmt: skip


if __name__ == "__main__":
    main()
