"""Benchmark: ``boltview grep`` against ``grep -c -i`` on the same file, in one run.

    python bench/grep_bench.py [--keys 1000000] [--runs 3]

Builds the reference program (fixtures/go/bboltref, Go + Debian's bbolt) and
has it write ``--keys`` text records with the real bbolt (a path as the key, a
small JSON document as the value; every hundredth value holds "Needle").  Then
times, each in a fresh process and best of ``--runs``:

- a pattern found nowhere: ``grep -c -i`` vs ``boltview grep -c -i``;
- a pattern in 1% of the values: the same two;
- the same 1% pattern as a regular expression (``need+le``), which the
  whole-file scan cannot use (boltview only), and the browser's old way: a
  walk that decodes every record and tests it, for comparison.

It checks that boltview counts the records the generator wrote, and prints
the ratios boltview / grep.  Goals: <= 3x for no match, <= 5x for 1%.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import arguments, best_run, row
from tests.conftest import GO_SOURCE, build_go

OLD_WALK = """
import sys
from boltview.bolt.file import BoltFile
from boltview.tui.search import Matcher

def walk(bucket, matcher):
    found = 0
    for entry in bucket.entries():
        if entry.is_bucket:
            found += matcher.find(entry.key) >= 0
            found += walk(bucket.child(entry), matcher)
        elif matcher.find(entry.key) >= 0 or matcher.find(entry.value) >= 0:
            found += 1
    return found

with BoltFile.open(sys.argv[1]) as db:
    print(walk(db.root, Matcher(sys.argv[2])))
"""


def main() -> None:
    args = arguments(__doc__, keys=1_000_000)

    with tempfile.TemporaryDirectory(prefix="boltview-bench-") as tmp:
        work = Path(tmp)
        ref = str(build_go(GO_SOURCE, work / "bboltref"))
        db = str(work / "text.db")
        subprocess.run([ref, "text", str(args.keys), db], check=True, capture_output=True)
        grep_version = subprocess.run(["grep", "--version"], capture_output=True, text=True,
                                      check=True).stdout.splitlines()[0]  # fmt: skip
        print(f"database: {args.keys:,} text records written by bbolt, "
              f"{os.path.getsize(db) / 2**20:.0f} MiB")  # fmt: skip
        print(f"machine: {os.cpu_count()} cores; {grep_version}; Python "
              f"{platform.python_version()}; LANG={os.environ.get('LANG', '')}; "
              f"best of {args.runs} runs\n")  # fmt: skip

        boltview = [sys.executable, "-m", "boltview", "grep", db, "-c"]
        expected = str(len(range(0, args.keys, 100)))
        rows = []
        for label, pattern, want in (("no match", "zzqqxx", "0"), ("1% match", "needle", expected)):
            grep_time, _ = best_run(["grep", "-c", "-i", pattern, db], args.runs, ok=(0, 1))
            ours, count = best_run([*boltview, "-i", pattern], args.runs, ok=(0, 1))
            count = count.strip()
            if count != want:
                raise SystemExit(f"boltview counted {count} matches of {pattern}, want {want}")
            rows.append((label, grep_time, ours))
        regex_time, count = best_run([*boltview, "-i", "need+le"], args.runs, ok=(0, 1))
        count = count.strip()
        if count != expected:
            raise SystemExit(f"boltview counted {count} matches of need+le, want {expected}")
        walk_time, count = best_run([sys.executable, "-c", OLD_WALK, db, "needle"], 1)
        count = count.strip()

        print(f"{'pattern':<10} {'grep -c -i s':>13} {'boltview s':>11} {'ratio':>7} {'goal':>6}")
        for (label, grep_time, ours), goal in zip(rows, ("3x", "5x"), strict=True):
            print(f"{label:<10} {grep_time:>13.2f} {ours:>11.2f} {ours / grep_time:>6.2f}x "
                  f"{'<= ' + goal:>6}")  # fmt: skip
        print(f"\n1% match as a regex (need+le): {regex_time:.2f} s "
              f"({regex_time / rows[1][1]:.2f}x grep -c -i needle)")  # fmt: skip
        print(f"the old record-by-record walk (1% match, {count} hits): {walk_time:.2f} s "
              f"({walk_time / rows[1][1]:.2f}x grep -c -i needle)")  # fmt: skip
        (_, none_grep, none_ours), (_, some_grep, some_ours) = rows
        row(f"`bench/grep_bench.py`: `grep -c -i` over {args.keys:,} text records written by bbolt",
            "`grep -c -i` on the same file",
            f"no match: {none_ours:.2f} s vs {none_grep:.2f} s, **{none_ours / none_grep:.2f}x**; 1% of "
            f"values match: {some_ours:.2f} s vs {some_grep:.2f} s, **{some_ours / some_grep:.2f}x** "
            f"(a regex the file scan cannot use: {regex_time / some_grep:.1f}x; the old walk: "
            f"{walk_time / some_grep:.1f}x)", "≤ 3x, ≤ 5x")  # fmt: skip


if __name__ == "__main__":
    main()
