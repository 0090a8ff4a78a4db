"""Lookups without reading whole buckets: get, seek, prefix, range, nested paths.

The expected keys come from bbolt's own dump of each fixture: a bucket's keys
in the order bbolt yields them, which must also be bytewise sorted.
"""

from __future__ import annotations

import base64
import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.errors import NotFoundError
from tests.conftest import BOLT_FIXTURES, bolt_fixture_names, golden


def buckets_in(tree: dict[str, Any], path: tuple[bytes, ...] = ()) -> list[tuple[tuple[bytes, ...], dict[str, Any]]]:
    """Every (path, subtree) of a bbolt dump, the root included."""
    found = [(path, tree)]
    for key, value in tree.items():
        if isinstance(value, dict):
            found.extend(buckets_in(value, path + (base64.b64decode(key),)))
    return found


@pytest.mark.parametrize("name", bolt_fixture_names())
def test_lookups_agree_with_bbolt_order(name: str) -> None:
    rng = random.Random(name)
    with BoltFile.open(str(BOLT_FIXTURES / f"{name}.db")) as db:
        for path, tree in buckets_in(golden(name, "dump")):
            bucket = db.bucket(*path)
            keys = [base64.b64decode(k) for k in tree]
            assert keys == sorted(keys), "bbolt order is bytewise order"
            assert [e.key for e in bucket.entries()] == keys
            for key in rng.sample(keys, min(len(keys), 20)):
                value = tree[base64.b64encode(key).decode()]
                expected = None if isinstance(value, dict) else base64.b64decode(value)
                assert bucket.get(key) == expected
                assert [e.key for e in bucket.seek(key)] == keys[keys.index(key):]
                probe = key + b"\x00"  # between key and its successor
                assert [e.key for e in bucket.seek(probe)] == [k for k in keys if k >= probe]
            if keys:
                low, high = sorted(rng.sample(keys, 2)) if len(keys) > 1 else (keys[0], None)
                assert [e.key for e in bucket.range(low, high)] == [
                    k for k in keys if k >= low and (high is None or k < high)
                ]
                prefix = keys[len(keys) // 2][:1]
                assert [e.key for e in bucket.prefix(prefix)] == [
                    k for k in keys if k.startswith(prefix)
                ]
            assert bucket.get(b"\xff" * 40) is None


def test_missing_bucket_names_the_path() -> None:
    with BoltFile.open(str(BOLT_FIXTURES / "basic.db")) as db:
        first = next(db.root.buckets())
        with pytest.raises(NotFoundError, match="does not exist"):
            db.bucket(first.name, b"no such bucket")


def test_streaming_a_big_tree_keeps_memory_flat(bboltref: Path, tmp_path: Path) -> None:
    """Walking 300,000 keys holds the pages on one path, not the keys seen."""
    import subprocess

    path = tmp_path / "big.db"
    subprocess.run([str(bboltref), "big", "300000", str(path)], check=True, capture_output=True)

    def walk(bucket: Bucket) -> int:
        count = 0
        for entry in bucket.entries():
            count += walk(bucket.child(entry)) if entry.is_bucket else 1
        return count

    with BoltFile.open(str(path)) as db:
        tracemalloc.start()
        count = walk(db.root)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count >= 300_000
    # Holding the keys alone would take over 10 MB; a streaming walk peaks far below.
    assert peak < 2 * 1024 * 1024, peak
