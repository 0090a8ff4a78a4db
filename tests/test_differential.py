"""Fresh random databases, written by the real bbolt, read the same by both.

Each run draws new seeds (printed on failure, and fixed with
BOLTVIEW_SEEDS=1,2,3 to replay one), so the suite keeps exploring shapes
that no committed fixture has: random nesting, key and value sizes, inline
buckets, deletes, sequences, page sizes and NoFreelistSync.  Two more seeds
(BOLTVIEW_DEEP_SEEDS) draw databases whose buckets nest 1,500 to 2,000 deep.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from boltview.bolt.check import check, free_page_ids
from boltview.bolt.file import BoltFile
from boltview.bolt.stats import BucketStats, bucket_stats
from boltview.dump import dump
from tests.conftest import run_ref
from tests.test_against_bbolt import STATS_FIELDS


def seeds() -> list[int]:
    fixed = os.environ.get("BOLTVIEW_SEEDS")
    if fixed:
        return [int(s) for s in fixed.split(",")]
    rng = random.SystemRandom()
    return [rng.randrange(1, 2**62) for _ in range(int(os.environ.get("BOLTVIEW_RANDOM_DBS", "12")))]


@pytest.mark.parametrize("seed", seeds())
def test_random_database_reads_as_bbolt_reads_it(seed: int, bboltref: Path, tmp_path: Path) -> None:
    path = tmp_path / f"random-{seed}.db"
    subprocess.run([str(bboltref), "random", str(seed), str(path)], check=True, capture_output=True)
    expected_dump = run_ref(bboltref, "dump", path)
    info = run_ref(bboltref, "info", path)
    expected_check = run_ref(bboltref, "check", path)

    with BoltFile.open(str(path)) as db:
        out = io.BytesIO()
        dump(db.root, out, "base64")
        assert json.loads(out.getvalue()) == expected_dump, f"seed {seed}"
        assert db.txid == info["txid"], f"seed {seed}"
        assert free_page_ids(db) == info["free_page_ids"], f"seed {seed}"
        assert [f.message for f in check(db)] == expected_check, f"seed {seed}"
        total = BucketStats()
        for child in db.root.buckets():
            total.add(bucket_stats(child))
        ours = total.as_dict()
        assert {k: ours[v] for k, v in STATS_FIELDS.items()} == info["stats"], f"seed {seed}"



def deep_seeds() -> list[int]:
    fixed = os.environ.get("BOLTVIEW_DEEP_SEEDS")
    if fixed:
        return [int(s) for s in fixed.split(",")]
    return [random.SystemRandom().randrange(1, 2**62) for _ in range(2)]


@contextmanager
def json_depth(levels: int) -> Iterator[None]:
    """Python's json parser refuses nesting past the recursion limit: raise it a while."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, levels + 1_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


@pytest.mark.parametrize("seed", deep_seeds())
def test_deep_database_reads_as_bbolt_reads_it(seed: int, bboltref: Path, tmp_path: Path) -> None:
    """Buckets nested 1,500 to 2,000 deep (bbolt sets no limit), changed over transactions.

    ``check`` must find what bbolt's check finds (nothing), and ``dump`` write the
    tree bbolt reads, byte for byte, at every depth.
    """
    path = tmp_path / f"deep-{seed}.db"
    subprocess.run([str(bboltref), "deep", str(seed), str(path)], check=True, capture_output=True)
    expected_dump = subprocess.run(
        [str(bboltref), "dump", str(path)], capture_output=True, check=True
    ).stdout
    info = run_ref(bboltref, "info", path)
    expected_check = run_ref(bboltref, "check", path)

    with BoltFile.open(str(path)) as db:
        out = io.BytesIO()
        dump(db.root, out, "base64")
        assert out.getvalue() == expected_dump, f"seed {seed}"
        with json_depth(2_100):
            depth = nesting(json.loads(out.getvalue()))
        assert depth >= 1_500, f"seed {seed}: only {depth} levels"
        assert db.txid == info["txid"], f"seed {seed}"
        assert free_page_ids(db) == info["free_page_ids"], f"seed {seed}"
        assert [f.message for f in check(db)] == expected_check == [], f"seed {seed}"


def nesting(tree: dict[str, object]) -> int:
    """How deep the deepest bucket of a dump is (without recursion)."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node.values() if isinstance(child, dict))
    return deepest


def test_deep_database_stats_as_bbolt_counts_them(bboltref: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.db"
    subprocess.run([str(bboltref), "deep", "1", str(path)], check=True, capture_output=True)
    info = run_ref(bboltref, "info", path)
    with BoltFile.open(str(path)) as db:
        total = BucketStats()
        for child in db.root.buckets():
            total.add(bucket_stats(child))
        ours = total.as_dict()
    assert {k: ours[v] for k, v in STATS_FIELDS.items()} == info["stats"]


def test_a_bucket_path_deeper_than_any_limit_is_resolved(bboltref: Path, tmp_path: Path) -> None:
    """buckets and keys take a path 200 names deep: named one level at a time, no recursion."""
    from tests.conftest import run_boltview

    path = tmp_path / "deep.db"
    subprocess.run([str(bboltref), "deep", "1", str(path)], check=True, capture_output=True)
    with BoltFile.open(str(path)) as db:
        bucket = db.root.child(db.root.entry(b"deep-0"))  # type: ignore[arg-type]
        names = ["deep-0"]
        for _ in range(199):
            inner = next(e for e in bucket.entries() if e.is_bucket)
            names.append("0x" + inner.key.hex())
            bucket = bucket.child(inner, limit_nesting=False)
        want = [e.key for e in bucket.entries() if e.is_bucket]
    result = run_boltview("buckets", path, *names, "--json")
    assert result.returncode == 0, result.stderr
    got = [base64.b64decode(b["name_base64"]) for b in json.loads(result.stdout)]
    assert got == want
