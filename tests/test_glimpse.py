"""A window's glimpse: keys of long leaves with only the start of their values.

The browser's windows read a leaf whose values fill a long overflow run
(bbolt's large values) as a glimpse: its element array, its keys, and the
first PREVIEW bytes of each value.  A glimpse must say exactly what the whole
read says, short of the values' tails: the same keys in the same order, the
same kinds, the values' true lengths and their first bytes.  Checked on every
committed fixture (written by real bbolt, and damaged ones) with every leaf
that has an overflow glimpsed, and on a file of 1 MiB values written by real
bbolt (bench/genhuge), where the browser must read their starts only.
"""

from __future__ import annotations

import gzip
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt import cursor
from boltview.bolt.bucket import Bucket
from boltview.bolt.cursor import PREVIEW, Glimpse, window
from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.render.text import human_size
from boltview.tui.app import make_app
from boltview.tui.widgets.detail import DetailPane
from boltview.tui.widgets.raw_tree import RawTree, ValueItem
from tests.conftest import (
    BOLT_FIXTURES,
    ROOT,
    bolt_fixture_names,
    build_go,
    missing_go_source,
    require_real,
)
from tests.test_tui import NOW, SIZE, find_child, pilot_test, settle

REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.db.gz"))
MIB = 1 << 20


def buckets(bucket: Bucket, depth: int = 0) -> Iterator[Bucket]:
    yield bucket
    if depth < 4:
        for child in bucket.buckets():
            yield from buckets(child, depth + 1)


def agree(bucket: Bucket, mode: str, key: bytes | None) -> int:
    """The glimpse and the whole read of one window say the same; how many were glimpses."""
    whole = window(bucket, mode, key)
    seen = window(bucket, mode, key, glimpse=True)
    assert (seen.more_before, seen.more_after) == (whole.more_before, whole.more_after)
    assert [(e.key, e.is_bucket, e.is_inline_bucket, e.size) for e in seen.entries] == [
        (e.key, e.is_bucket, e.is_inline_bucket, e.size) for e in whole.entries
    ]
    glimpsed = 0
    for part, full in zip(seen.entries, whole.entries, strict=True):
        if isinstance(part, Glimpse) and not part.is_bucket:
            glimpsed += 1
            assert part.value == full.value[:PREVIEW]
        else:
            assert part.value == full.value
    return glimpsed


@pytest.mark.parametrize("name", bolt_fixture_names())
def test_a_glimpse_says_what_the_whole_read_says(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursor, "GLIMPSE_RUN", 0)  # every leaf with an overflow is glimpsed
    with BoltFile.open(str(BOLT_FIXTURES / f"{name}.db")) as db:
        try:
            every = list(buckets(db.root))
        except BoltviewError:
            every = [db.root]  # a damaged fixture: its root at least
        for bucket in every:
            for mode, key in (("first", None), ("last", None), ("at", b"k")):
                try:
                    agree(bucket, mode, key)
                except BoltviewError:
                    # Damage (hostile.db): the glimpse may read less of it, but it
                    # ends, and any refusal is a BoltviewError.
                    try:
                        window(bucket, mode, key, glimpse=True)
                    except BoltviewError:
                        pass


def test_the_overflow_fixture_is_glimpsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cursor, "GLIMPSE_RUN", 0)
    with BoltFile.open(str(BOLT_FIXTURES / "overflow.db")) as db:
        assert sum(agree(b, "first", None) + agree(b, "last", None) for b in buckets(db.root)) > 0


@pytest.mark.parametrize("case", REGRESSIONS, ids=lambda p: p.name)
def test_a_glimpse_of_a_damaged_tree_ends_or_refuses(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursor, "GLIMPSE_RUN", 0)
    path = tmp_path / "case.db"
    path.write_bytes(gzip.decompress(case.read_bytes()))
    try:
        db = BoltFile.open(str(path))
    except BoltviewError:
        return
    with db:
        try:
            for bucket in db.root.buckets():
                for mode in ("first", "last"):
                    window(bucket, mode, None, glimpse=True)
        except BoltviewError:
            pass


# -- a bucket of 1 MiB values, written by real bbolt ------------------------------------------


@pytest.fixture(scope="module")
def large_values(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """250 values of 1 MiB (blobs/), 1,000 small keys (many/) and 10 (few/), by bench/genhuge."""
    require_real(missing_go_source("go.etcd.io/bbolt"), "genhuge")
    where = tmp_path_factory.mktemp("genhuge")
    genhuge = build_go(ROOT / "bench" / "genhuge", where / "genhuge")
    path = where / "large.db"
    subprocess.run([str(genhuge), "-o", str(path), "-values", "250", "-keys", "1000"],
                   check=True, capture_output=True)  # fmt: skip
    return path


class BytesRead:
    """Every byte the browser asks the file for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, db: BoltFile) -> None:
        self.total = 0
        read = db.source.read

        def counted(offset: int, length: int) -> Any:
            data = read(offset, length)
            self.total += len(data)
            return data

        monkeypatch.setattr(db.source, "read", counted)


@pilot_test
async def test_opening_and_filtering_a_bucket_of_1_MiB_values_reads_their_starts_only(
    large_values: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with BoltFile.open(str(large_values)) as db:
        app = make_app(db, clock=lambda: NOW)
        reads = BytesRead(monkeypatch, db)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tree = app.query_one(RawTree)
            blobs = find_child(tree.root, "blobs")
            before = reads.total
            tree.move_cursor(blobs)
            await pilot.press("l")
            await settle(pilot)
            values = [c for c in blobs.children if isinstance(c.data, ValueItem)]
            assert len(values) == 200  # a whole window of 1 MiB values...
            assert {c.data.size for c in values} == {MIB}
            assert all(human_size(MIB) in str(c.label) for c in values)
            assert reads.total - before < 4 * MIB  # ...read as 200 glimpses, not 200 MiB

            # The value under the cursor is read whole, for the detail pane.
            tree.move_cursor(values[7])
            await settle(pilot)
            shown = app.query_one(DetailPane).shown
            assert shown is not None and shown.key == values[7].data.key
            assert len(shown.value) == MIB
            assert shown.value[:8] == (7).to_bytes(8, "big")  # genhuge stamps each value

            # f filters the keys of the bucket (the cursor's): only their starts are read.
            before = reads.total
            await pilot.press("f", *"zzz", "enter")
            await settle(pilot)
            assert "0 of 250" in str(blobs.label)  # all 250 keys looked at...
            # ...and none of the 250 MiB of values read, though each keystroke scans again.
            assert reads.total - before < 16 * MIB

    with BoltFile.open(str(large_values)) as db:  # the last keys, glimpsed as well
        assert agree(db.bucket(b"blobs"), "at", (240).to_bytes(8, "big")) == 60


@pilot_test
async def test_G_shows_the_last_key_above_the_horizontal_scrollbar_its_window_brings(
    large_values: Path,
) -> None:
    """many/ is the bottom line; its last window's "earlier keys" label is wider than the
    pane, so a horizontal scrollbar comes with it, and must not hide the last key."""
    with BoltFile.open(str(large_values)) as db:
        app = make_app(db, clock=lambda: NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            tree = app.query_one(RawTree)
            await pilot.press("G", "l")
            await settle(pilot)
            await pilot.press("G")
            await settle(pilot)
            node = tree.cursor_node
            assert node is not None and isinstance(node.data, ValueItem)
            assert node.data.key == (999).to_bytes(8, "big")
            assert tree.show_horizontal_scrollbar
            top, rows = tree.scroll_offset.y, tree.scrollable_content_region.height
            assert top <= tree.cursor_line < top + rows

