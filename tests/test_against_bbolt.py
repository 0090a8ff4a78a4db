"""boltview reads every committed fixture exactly as the real bbolt reads it.

Each fixture in fixtures/bolt/ was written by bbolt 1.3.6 and comes with
bbolt's own dump, info and check of it (fixtures/README.md).  These tests
compare boltview's reading with those answers, field by field.
"""

from __future__ import annotations

import base64
import io
import json
from collections import Counter

import pytest

from boltview.bolt.check import check, free_page_ids
from boltview.bolt.file import BoltFile
from boltview.bolt.stats import BucketStats, bucket_stats
from boltview.dump import dump
from tests.conftest import BOLT_FIXTURES, bolt_fixture_names, golden

NAMES = bolt_fixture_names()

# bbolt's BucketStats field names, in the golden files, against ours.
STATS_FIELDS = {
    "BranchPageN": "branch_page_n",
    "BranchOverflowN": "branch_overflow_n",
    "LeafPageN": "leaf_page_n",
    "LeafOverflowN": "leaf_overflow_n",
    "KeyN": "key_n",
    "Depth": "depth",
    "BranchAlloc": "branch_alloc",
    "BranchInuse": "branch_inuse",
    "LeafAlloc": "leaf_alloc",
    "LeafInuse": "leaf_inuse",
    "BucketN": "bucket_n",
    "InlineBucketN": "inline_bucket_n",
    "InlineBucketInuse": "inline_bucket_inuse",
}


def open_fixture(name: str) -> BoltFile:
    return BoltFile.open(str(BOLT_FIXTURES / f"{name}.db"))


def boltview_dump(db: BoltFile) -> object:
    out = io.BytesIO()
    dump(db.root, out, "base64")
    return json.loads(out.getvalue())


def test_there_are_fixtures() -> None:
    assert len(NAMES) >= 8, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_dump_matches_bbolt(name: str) -> None:
    with open_fixture(name) as db:
        assert boltview_dump(db) == golden(name, "dump")


@pytest.mark.parametrize("name", NAMES)
def test_meta_choice_matches_bbolt(name: str) -> None:
    info = golden(name, "info")
    with open_fixture(name) as db:
        assert db.page_size == info["page_size"]
        assert db.txid == info["txid"]
        assert db.meta.root == info["root"]
        assert db.meta.freelist == info["freelist"]
        assert db.high_water_mark == info["pgid"]
        assert db.meta.index == info["meta_page"]
        for ours, theirs in zip(db.metas, info["metas"], strict=True):
            assert ours.txid == theirs["txid"]
            assert ours.checksum == theirs["checksum"]
            assert ours.valid == theirs["valid"]


@pytest.mark.parametrize("name", NAMES)
def test_free_pages_match_bbolt(name: str) -> None:
    info = golden(name, "info")
    with open_fixture(name) as db:
        assert free_page_ids(db) == info["free_page_ids"]


@pytest.mark.parametrize("name", NAMES)
def test_page_table_matches_bbolt(name: str) -> None:
    """bbolt's tx.Page: type (or "free"), count and overflow of every page."""
    info = golden(name, "info")
    with open_fixture(name) as db:
        free = set(free_page_ids(db))
        ours = {
            span.pgid: ("free" if span.pgid in free else span.type, span.count, span.overflow)
            for span in db.page_spans()
        }
    theirs = {p["id"]: (p["type"], p["count"], p["overflow"]) for p in info["pages"]}
    assert ours == theirs


@pytest.mark.parametrize("name", NAMES)
def test_sequences_match_bbolt(name: str) -> None:
    info = golden(name, "info")
    with open_fixture(name) as db:
        for record in info["sequences"]:
            path = [base64.b64decode(part) for part in record["path"]]
            assert db.bucket(*path).sequence == record["sequence"], path


@pytest.mark.parametrize("name", NAMES)
def test_inline_buckets_match_bbolt(name: str) -> None:
    info = golden(name, "info")
    with open_fixture(name) as db:
        for record in info["buckets"]:
            bucket = db.bucket(*(base64.b64decode(part) for part in record["path"]))
            assert (bucket.is_inline, bucket.root) == (record["inline"], record["root"])


@pytest.mark.parametrize("name", NAMES)
def test_stats_match_bbolt(name: str) -> None:
    info = golden(name, "info")
    total = BucketStats()
    with open_fixture(name) as db:
        for child in db.root.buckets():
            total.add(bucket_stats(child))
    ours = total.as_dict()
    assert {theirs: ours[mine] for theirs, mine in STATS_FIELDS.items()} == info["stats"]


@pytest.mark.parametrize("name", NAMES)
def test_check_matches_bbolt(name: str) -> None:
    with open_fixture(name) as db:
        assert [f.message for f in check(db)] == golden(name, "check")


def test_fixtures_cover_what_they_claim() -> None:
    """The fixture set really holds the cases it is meant to test."""
    seen: Counter[str] = Counter()
    for name in NAMES:
        info = golden(name, "info")
        with open_fixture(name) as db:
            seen[f"page_size_{db.page_size}"] += 1
            if db.meta.no_freelist_sync:
                seen["no_freelist_sync"] += 1
            if info["free_page_ids"]:
                seen["free_pages"] += 1
            if any(p["overflow"] for p in info["pages"] if p["type"] != "free"):
                seen["overflow"] += 1
            if any(b["inline"] for b in info["buckets"]):
                seen["inline"] += 1
            if any(r["sequence"] for r in info["sequences"]):
                seen["sequence"] += 1
            if any(p["type"] == "branch" for p in info["pages"]):
                seen["branch"] += 1
    for case in ("page_size_4096", "page_size_16384", "page_size_65536", "no_freelist_sync",
                 "free_pages", "overflow", "inline", "sequence", "branch"):  # fmt: skip
        assert seen[case], f"no fixture covers {case}"
