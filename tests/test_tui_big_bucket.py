"""A bucket too big to hold, in the raw view: one window read on opening, ``G`` seeks.

The file is written by real bbolt (``bboltref big``: the last top-level
bucket, ``b5``, holds 10,000 keys over more than a hundred leaf pages) and the
expected keys come from bbolt's own dump of it.  The tests count what the
browser reads (which windows it asks for, which pages it reads): opening the
bucket reads one window and counts nothing, ``G`` seeks straight to the last
keys instead of paging through, ``g`` goes back to the top.  How fast this is
on an 8 GB file is the benchmark's business (bench/tui_bench.py), not a test's.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Tree

from boltview.bolt.cursor import WINDOW
from boltview.bolt.file import BoltFile
from boltview.tui.app import make_app
from boltview.tui.widgets import raw_tree
from boltview.tui.widgets.detail import DetailPane
from boltview.tui.widgets.raw_tree import BucketItem, MoreItem, RawTree, ValueItem
from tests.conftest import run_ref
from tests.test_tui import NOW, SIZE, find_child, pilot_test, settle

BUCKET = b"b5"


@pytest.fixture(scope="module")
def big_file(bboltref: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    """A database of 80,000 keys by real bbolt, and bbolt's own keys of its bucket b5, in order."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    subprocess.run([str(bboltref), "big", "80000", str(path)], check=True, capture_output=True)
    tree = run_ref(bboltref, "dump", path)
    keys = [base64.b64decode(key) for key in tree[base64.b64encode(BUCKET).decode()]]
    assert list(tree)[-1] == base64.b64encode(BUCKET).decode()  # the bottom line once opened
    return path, keys


class Reads:
    """What the browser asks of the file: the windows (by mode) and the pages."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, db: BoltFile) -> None:
        self.modes: list[str] = []
        self.pages: list[int] = []
        window, read_page = raw_tree.window, db._read_page

        def counted_window(bucket: Any, mode: str, key: bytes | None, **options: Any) -> Any:
            self.modes.append(mode)
            return window(bucket, mode, key, **options)

        def counted_page(pgid: int) -> Any:
            self.pages.append(pgid)
            return read_page(pgid)

        monkeypatch.setattr(raw_tree, "window", counted_window)
        monkeypatch.setattr(db, "_read_page", counted_page)

    def clear(self) -> None:
        self.modes.clear()
        self.pages.clear()


@pytest.fixture
def opened(
    big_file: tuple[Path, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[BoltFile, Reads, list[bytes]]]:
    path, keys = big_file
    with BoltFile.open(str(path)) as db:
        yield db, Reads(monkeypatch, db), keys


def leaf_pages(db: BoltFile, name: bytes) -> int:
    return sum(1 for page, _ in db.bucket(name).pages() if page.is_leaf)


def shown_keys(bucket: Any) -> list[bytes]:
    return [c.data.key for c in bucket.children if isinstance(c.data, ValueItem)]


async def open_bucket(pilot: Any, reads: Reads) -> tuple[RawTree, Any]:
    """Open b5 with ``l``, as a person would: (the tree, b5's node).

    ``reads`` then holds only what opening it read.
    """
    await settle(pilot)
    reads.clear()
    tree = pilot.app.query_one(RawTree)
    bucket = find_child(tree.root, BUCKET.decode())
    tree.move_cursor(bucket)
    await pilot.press("l")
    await settle(pilot)
    return tree, bucket


@pilot_test
async def test_opening_a_big_bucket_reads_one_window_and_counts_nothing(
    opened: tuple[BoltFile, Reads, list[bytes]],
) -> None:
    db, reads, keys = opened
    leaves = leaf_pages(db, BUCKET)
    assert leaves > 100
    app = make_app(db, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        _, bucket = await open_bucket(pilot, reads)
        assert reads.modes == ["first"]
        assert shown_keys(bucket) == keys[:WINDOW]
        more = bucket.children[-1].data
        assert isinstance(more, MoreItem) and more.forward
        # One window's pages (and the branch above them), not the bucket's hundred leaves;
        # and the label counts no keys.
        assert len(reads.pages) <= 20
        assert str(bucket.label) == f"{BUCKET.decode()}/"


@pilot_test
async def test_a_window_of_keys_is_laid_out_with_textuals_own_label_widths(
    opened: tuple[BoltFile, Reads, list[bytes]],
) -> None:
    """The tree measures its labels without rendering them (``get_label_width``): the
    widths, so the horizontal scroll, are those Textual's own measure gives."""
    db, reads, _ = opened
    app = make_app(db, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        tree, _ = await open_bucket(pilot, reads)
        lines = [line.node for line in tree._tree_lines]
        assert len(lines) > WINDOW
        for node in lines:
            assert tree.get_label_width(node) == Tree.get_label_width(tree, node), node.label


@pilot_test
async def test_G_seeks_the_last_keys_of_a_big_bucket_g_goes_back_to_the_top_and_up_pages_back(
    opened: tuple[BoltFile, Reads, list[bytes]],
) -> None:
    db, reads, keys = opened
    app = make_app(db, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        tree, bucket = await open_bucket(pilot, reads)
        reads.clear()
        await pilot.press("G")
        await settle(pilot)
        # The last window, sought directly: no window after the first was asked for.
        assert reads.modes == ["last"]
        assert len(reads.pages) <= 20
        node = tree.cursor_node
        assert node is not None and node.parent is bucket
        assert isinstance(node.data, ValueItem) and node.data.key == keys[-1]
        assert shown_keys(bucket) == keys[-WINDOW:]
        earlier = bucket.children[0].data
        assert isinstance(earlier, MoreItem) and not earlier.forward
        assert earlier.key == keys[-WINDOW]
        shown = app.query_one(DetailPane).shown
        assert shown is not None and (shown.path, shown.key) == ((BUCKET,), keys[-1])
        # In view, above a horizontal scrollbar if the new lines brought one.
        assert tree.scroll_offset.y <= tree.cursor_line
        assert tree.cursor_line < tree.scroll_offset.y + tree.scrollable_content_region.height

        await pilot.press("g")
        await settle(pilot)
        assert tree.cursor_line == 0 and tree.cursor_node is tree.root
        assert tree.scroll_offset.y == 0

        reads.clear()
        await pilot.press("end")  # End is G
        await settle(pilot)
        assert tree.cursor_node is node and reads.modes == []  # already the bottom: no read

        # Up from there: the "earlier keys" node reads the window before, and only that.
        reads.clear()
        tree.move_cursor(bucket.children[0])  # "earlier keys": the window before
        await settle(pilot)
        assert reads.modes == ["before"]
        assert shown_keys(bucket) == keys[-2 * WINDOW :]
        assert isinstance(bucket.data, BucketItem) and not bucket.data.loading
