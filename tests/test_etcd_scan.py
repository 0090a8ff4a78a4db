"""One key's history found by the scan of value heads (``stores/etcd_scan.py``) is the
history the index of every record gives, on the real etcd fixture, mapped or read
from a snapshot in memory, in one process or split with a helper process."""

from __future__ import annotations

import fcntl
import mmap
import multiprocessing
import os
import shutil
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import pytest

from boltview.bolt.file import reading
from boltview.stores import etcd_scan
from boltview.stores.etcd import EtcdStore
from boltview.stores.etcd_scan import (
    _helper_pool,
    _leaves,
    _matches,
    _records,
    _records_in_file,
    key_head,
    leaf_pages,
    mapped,
)
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


def test_the_branch_walk_on_the_mapping_finds_the_leaves_page_by_page_does() -> None:
    with reading(str(DB), snapshot=False) as db:
        bucket = next(b for b in db.root.buckets() if b.name == b"key")
        with mapped(db) as data:
            assert data is not None
            on_mapping = _leaves(bucket.root, lambda pgid: (data, pgid * db.page_size), db.layout)
        assert on_mapping == leaf_pages(bucket)


class RecordingPool(ProcessPoolExecutor):
    """A process pool that notes what it was asked to run (in this, the parent, process)."""

    submitted: ClassVar[list[str]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        RecordingPool.submitted.append(fn.__name__)
        return super().submit(fn, *args, **kwargs)


def test_a_big_bucket_is_scanned_by_two_processes_with_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every leaf counts as many here: the later leaves go to a forked helper process."""
    monkeypatch.setattr(etcd_scan, "SPLIT_LEAVES", 2)
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(etcd_scan, "_helper_pool", lambda: RecordingPool(1, mp_context=fork))
    RecordingPool.submitted.clear()
    with reading(str(DB), snapshot=False) as db:
        index = EtcdStore(db).history_index
        for key, records in index.items():
            assert EtcdStore(db).history(key) == records, key
            helpers_gone()  # as _helper_pool would see to: no fork while a thread runs
    assert RecordingPool.submitted == ["_records_in_file"] * len(index)


def helpers_gone() -> None:
    """Wait for the thread each pool leaves to see its helper process end."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(timeout=30)


def helper_that_dies(*args: Any) -> None:
    """In place of the helper's scan: the process ends at once, as if killed."""
    os._exit(1)


def test_a_helper_that_dies_costs_time_not_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etcd_scan, "SPLIT_LEAVES", 2)
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(etcd_scan, "_helper_pool", lambda: RecordingPool(1, mp_context=fork))
    monkeypatch.setattr(etcd_scan, "_records_in_file", helper_that_dies)
    RecordingPool.submitted.clear()
    with reading(str(DB), snapshot=False) as db:
        records = EtcdStore(db).history_index[b"/app/config"]
        assert EtcdStore(db).history(b"/app/config") == records
        helpers_gone()
    assert RecordingPool.submitted == ["helper_that_dies"]


def test_the_helper_refuses_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[mmap.mmap] = []  # the helper's mappings, left for its process's end
    monkeypatch.setattr(etcd_scan, "_KEPT", kept)
    copy = tmp_path / "db"
    shutil.copyfile(DB, copy)
    with reading(str(DB), snapshot=False) as db, mapped(db) as data:
        assert data is not None
        bucket = next(b for b in db.root.buckets() if b.name == b"key")
        bases = [pgid * db.page_size for pgid in leaf_pages(bucket)]
        head = key_head(b"/app/config")
        whole = _matches(data, bases, head, db.layout)
        assert whole  # the key has revisions: there is something to find
        same = (db.source.stat.st_dev, db.source.stat.st_ino)
        assert _records_in_file(str(DB), same, bases, head, db.order) == list(_records(data, whole))
        other = os.stat(copy)
        refused = _records_in_file(str(DB), (other.st_dev, other.st_ino), bases, head, db.order)
        assert refused is None
    assert len(kept) == 1
    kept[0].close()


def test_no_helper_is_forked_while_another_thread_runs() -> None:
    """As in the browser, whose scans run in worker threads: a fork could copy a lock
    another thread holds, and a spawned interpreter costs more than the scan."""
    if threading.active_count() == 1 and (os.cpu_count() or 1) >= 2:
        pool = _helper_pool()
        assert pool is not None
        pool.shutdown()
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert _helper_pool() is None
    finally:
        stop.set()
        worker.join()
