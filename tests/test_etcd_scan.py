"""One key's history found by the scan of value heads (``stores/etcd_scan.py``) is the
history the index of every record gives, on the real etcd fixture, mapped or read
from a snapshot in memory."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from boltview.bolt.file import reading
from boltview.stores.etcd import EtcdStore
from boltview.stores.etcd_scan import key_head, leaf_pages, mapped
from tests.conftest import ROOT

DB = ROOT / "fixtures" / "etcd" / "db"


@pytest.mark.parametrize("snapshot", [False, True], ids=["mapped", "snapshot"])
def test_the_scan_finds_what_the_index_holds(snapshot: bool) -> None:
    with reading(str(DB), snapshot=snapshot) as db:
        index = EtcdStore(db).history_index
        assert len(index) > 30
        for key, records in index.items():
            fresh = EtcdStore(db)
            assert fresh.history(key) == records, key
            assert "history_index" not in fresh.__dict__  # found by the scan, not the index
        fresh = EtcdStore(db)
        assert fresh.history(b"/never/written") == []
        assert fresh.history(b"/app") == []  # a prefix of keys is not a key
        newest = max(records[-1].revision.main for records in index.values())
        assert fresh.current_revision == max(newest, fresh.compacted_revision)
        assert "history_index" not in fresh.__dict__


def test_the_fixture_exercises_a_tree_of_pages() -> None:
    with reading(str(DB)) as db:
        bucket = next(b for b in db.root.buckets() if b.name == b"key")
        assert not bucket.is_inline and len(leaf_pages(bucket)) >= 2


@pytest.mark.parametrize(("length", "varint"), [(1, b"\x01"), (127, b"\x7f"), (300, b"\xac\x02")])
def test_a_keys_head_is_field_one_with_a_varint_length(length: int, varint: bytes) -> None:
    key = b"k" * length
    assert key_head(key) == b"\x0a" + varint + key


def test_a_file_a_writer_holds_is_read_page_by_page(tmp_path: Path) -> None:
    """Mapped, a file a writer could cut short would kill the reader (SIGBUS): not mapped."""
    copy = tmp_path / "db"
    shutil.copyfile(DB, copy)
    with open(copy, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as bbolt's writer holds its file
        with reading(str(copy), snapshot=False) as db:
            assert db.lock_holders and not db.source.is_snapshot
            with mapped(db) as data:
                assert data is None
            index = EtcdStore(db).history_index
            for key, records in index.items():
                assert EtcdStore(db).history(key) == records, key
