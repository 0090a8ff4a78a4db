"""One key's history found by the scan of value heads (``stores/etcd_scan.py``) is the
history the index of every record gives, on the real etcd fixture, read from the file
or from a snapshot in memory, in one process or split with a forked helper process."""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile, reading
from boltview.node.image import StreamSource
from boltview.stores import etcd_scan
from boltview.stores.etcd import EtcdStore
from boltview.stores.etcd_scan import key_head, leaf_pages
from tests.conftest import ROOT

DB = ROOT / "fixtures" / "etcd" / "db"


@pytest.mark.parametrize("snapshot", [False, True], ids=["file", "snapshot"])
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


def test_a_file_a_writer_holds_is_scanned_the_same(tmp_path: Path) -> None:
    """The scan reads with ``pread``, never a mapping a writer could cut short (SIGBUS)."""
    copy = tmp_path / "db"
    shutil.copyfile(DB, copy)
    with open(copy, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as bbolt's writer holds its file
        with reading(str(copy), snapshot=False) as db:
            assert db.lock_holders and not db.source.is_snapshot
            index = EtcdStore(db).history_index
            for key, records in index.items():
                assert EtcdStore(db).history(key) == records, key


def test_the_branch_walk_finds_the_leaves_the_bucket_walk_does() -> None:
    with reading(str(DB), snapshot=False) as db:
        bucket = next(b for b in db.root.buckets() if b.name == b"key")
        walked = [page.pgid for page, _ in bucket.pages() if page.is_leaf]
        assert leaf_pages(bucket) == walked


def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The helpers the scan forks from now on (their pids), each scan split at every leaf."""
    monkeypatch.setattr(etcd_scan, "SPLIT_LEAVES", 2)
    forked: list[int] = []
    fork_child = etcd_scan.fork_child

    def recorded(run: Callable[[], None], close: list[int]) -> int:
        forked.append(fork_child(run, close))
        return forked[-1]

    monkeypatch.setattr(etcd_scan, "fork_child", recorded)
    return forked


def test_a_big_bucket_is_scanned_by_two_processes_with_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every leaf counts as many here: the later half goes to a forked helper process."""
    forked = forks(monkeypatch)
    with reading(str(DB), snapshot=False) as db:
        index = EtcdStore(db).history_index
        for key, records in index.items():
            assert EtcdStore(db).history(key) == records, key
        assert EtcdStore(db).history(b"/never/written") == []
    assert len(forked) == len(index) + 1


def test_a_helper_that_dies_costs_time_not_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    forked = forks(monkeypatch)

    def dies(*args: Any) -> None:  # in place of the helper's answer: it ends, as if killed
        os._exit(1)

    monkeypatch.setattr(etcd_scan, "_answer", dies)
    with reading(str(DB), snapshot=False) as db:
        records = EtcdStore(db).history_index[b"/app/config"]
        assert EtcdStore(db).history(b"/app/config") == records
    assert len(forked) == 1


def test_a_file_inside_a_disk_image_is_scanned_through_its_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file read through a disk image's stream has no descriptor of its own: the scan
    reads through the stream, in this process only (a forked helper would move the
    stream it shares with this one)."""
    forked = forks(monkeypatch)
    with open(DB, "rb") as stream:
        source = StreamSource(f"image:{DB}", stream, DB.stat().st_size, threading.Lock())
        db = BoltFile.from_source(source)
        assert source.reads_its_own_way
        index = EtcdStore(db).history_index
        for key, records in index.items():
            assert EtcdStore(db).history(key) == records, key
    assert forked == []


def test_no_helper_is_forked_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the browser, whose scans run in worker threads: a fork could copy a lock
    another thread holds."""
    forked = forks(monkeypatch)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        with reading(str(DB), snapshot=False) as db:
            records = EtcdStore(db).history_index[b"/app/config"]
            assert EtcdStore(db).history(b"/app/config") == records
    finally:
        stop.set()
        worker.join()
    assert forked == []
