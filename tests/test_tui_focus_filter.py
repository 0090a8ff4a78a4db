"""The browser keeps one's place (issue 10, items 1, 2, 9 and 11), driven with Pilot.

``t`` and ``v`` keep the focus on the tree one sees and the cursor on the same
thing; the filter is live, scoped to one bucket or group, says "N of M", and
Esc puts the tree back exactly as it was; the detail pane shows that it has
the focus; an export never proposes a file that exists, and ``e`` on the root
exports the whole file.
"""

from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path

import pytest
from textual.widgets import Input
from textual.widgets.tree import TreeNode

from boltview.bolt.file import BoltFile
from boltview.dump import dump
from boltview.tui.app import BoltviewApp
from boltview.tui.screens.export import ExportScreen
from boltview.tui.widgets.containerd_tree import ContainerdTree, GroupItem, NsItem, ObjItem
from boltview.tui.widgets.detail import DetailPane, RelationList
from boltview.tui.widgets.raw_tree import BucketItem, NoteItem, RawTree, ValueItem
from tests.test_tui import BASIC, CONTAINERD, SIZE, app_for, find_child, pilot_test, settle

WEB_1 = (b"v1", b"default", b"containers", b"web-1")


def raw_place(tree: RawTree) -> tuple[tuple[bytes, ...], bytes | None]:
    """Where the raw cursor is: (bucket path, key)."""
    item = tree.cursor_node.data if tree.cursor_node is not None else None
    if isinstance(item, ValueItem):
        return item.path, item.key
    assert isinstance(item, BucketItem), item
    return item.path, None


def obj_id(node: TreeNode[object] | None) -> str:
    assert node is not None and isinstance(node.data, ObjItem), node
    return str(node.data.obj.id)


def open_buckets(tree: RawTree) -> set[tuple[bytes, ...]]:
    found, pending = set(), [tree.root]
    while pending:
        node = pending.pop()
        if node.is_expanded and isinstance(node.data, BucketItem):
            found.add(node.data.path)
            pending.extend(node.children)
    return found


async def reveal_raw(app: BoltviewApp, pilot, path: tuple[bytes, ...], key: bytes | None):  # type: ignore[no-untyped-def]
    tree = app.query_one(RawTree)
    tree.reveal(path, key)
    await settle(pilot)
    assert raw_place(tree) == (path, key)
    return tree


# -- 1. t and v keep the focus and the place --------------------------------------------------


@pilot_test
async def test_t_in_the_raw_view_keeps_the_focus_on_the_raw_tree() -> None:
    """The demo's steps (issue 10.1): v, t, then j j l move the tree one sees."""
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        tree = await reveal_raw(app, pilot, WEB_1, b"image")
        await pilot.press("t")
        await settle(pilot)
        assert app.previous
        assert app.focused is tree
        # The same key, in the previous transaction's tree.
        assert raw_place(tree) == (WEB_1, b"image")
        line = tree.cursor_line
        await pilot.press("j", "j")
        await settle(pilot)
        assert tree.cursor_line == line + 2
        place = raw_place(tree)
        assert place == (WEB_1 + (b"runtime",), None)  # image, labels/, runtime/
        await pilot.press("t")
        await settle(pilot)
        assert not app.previous and app.focused is tree
        assert raw_place(tree) == place


@pilot_test
async def test_t_keeps_open_buckets_and_a_key_deep_in_a_big_bucket() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = await reveal_raw(app, pilot, (b"many",), b"key-00701")
        alpha = find_child(tree.root, "alpha")
        alpha.expand()
        await settle(pilot)
        before = open_buckets(tree)
        await pilot.press("t")
        await settle(pilot)
        # key-00701 is past the first window of 200 keys: its window was read.
        assert raw_place(tree) == ((b"many",), b"key-00701")
        assert open_buckets(tree) == before


@pilot_test
async def test_t_on_a_key_the_other_transaction_lacks_lands_on_its_bucket() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = await reveal_raw(app, pilot, (b"alpha",), b"a-added-tx2")
        await pilot.press("t")  # the previous transaction: before a-added-tx2 was written
        await settle(pilot)
        assert raw_place(tree) == ((b"alpha",), None)


@pilot_test
async def test_t_in_the_containerd_view_keeps_the_object_and_open_groups() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        default = tree.root.children[0]
        for title in ("images", "containers"):
            find_child(default, title).expand()
        await settle(pilot)
        containers = find_child(default, "containers")
        web = next(c for c in containers.children if obj_id(c) == "web-1")
        tree.move_cursor(web)
        await pilot.press("t")
        await settle(pilot)
        assert app.previous and app.focused is tree
        assert obj_id(tree.cursor_node) == "web-1"
        default = tree.root.children[0]
        assert find_child(default, "images").is_expanded
        assert find_child(default, "containers").is_expanded


@pilot_test
async def test_v_puts_the_cursor_on_the_same_object_both_ways() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        containers = find_child(tree.root.children[0], "containers")
        containers.expand()
        await settle(pilot)
        tree.move_cursor(next(c for c in containers.children if obj_id(c) == "web-1"))
        await pilot.press("v")
        await settle(pilot)
        raw = app.query_one(RawTree)
        assert app.focused is raw
        assert raw_place(raw) == (WEB_1, None)
        # A key of another container: back in the containerd view, on that container.
        await reveal_raw(app, pilot, (b"v1", b"default", b"containers", b"worker-1"), b"image")
        await pilot.press("v")
        await settle(pilot)
        assert app.focused is tree
        assert obj_id(tree.cursor_node) == "worker-1"


@pilot_test
async def test_v_from_a_bucket_that_is_no_object_lands_on_its_group() -> None:
    app = app_for(CONTAINERD, view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reveal_raw(app, pilot, (b"v1", b"default", b"images"), None)
        await pilot.press("v")
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        node = tree.cursor_node
        assert node is not None and isinstance(node.data, GroupItem)
        assert (node.data.namespace, node.data.title) == ("default", "images")
        await pilot.press("v")
        await settle(pilot)
        assert app.view == "raw"
        assert raw_place(app.query_one(RawTree)) == ((b"v1", b"default", b"images"), None)
        await reveal_raw(app, pilot, (), None)  # the root: the containerd view's root
        await pilot.press("v")
        await settle(pilot)
        assert tree.cursor_node is tree.root


# -- 2. the live filter ------------------------------------------------------------------------


def value_keys(node: TreeNode[object]) -> list[bytes]:
    return [c.data.key for c in node.children if isinstance(c.data, ValueItem)]


@pilot_test
async def test_the_raw_filter_is_live_counts_and_esc_restores_the_place() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = await reveal_raw(app, pilot, (b"many",), b"key-00119")
        find_child(tree.root, "alpha").expand()
        await settle(pilot)
        many = find_child(tree.root, "many")
        keys_before, open_before = value_keys(many), open_buckets(tree)
        line, offset = tree.cursor_line, tree.scroll_offset.y
        await pilot.press("f", *"0119")  # no Enter: it filters as one types
        await settle(pilot)
        assert value_keys(many) == [b"key-00119"] + [b"key-0119%d" % i for i in range(10)]
        box = app.query_one("#filter", Input)
        assert box.has_focus and "11 of 1194" in str(box.border_subtitle)
        assert "11 of 1194" in str(many.label)
        assert "alpha" in {str(p[0], "ascii") for p in open_buckets(tree) if p}
        # The cursor stays on its key, which matches.
        assert raw_place(tree) == ((b"many",), b"key-00119")
        await pilot.press("9")
        await settle(pilot)
        assert value_keys(many) == [b"key-01199"]
        assert raw_place(tree) == ((b"many",), None)  # its key is hidden: on the bucket
        await pilot.press("escape")
        await settle(pilot)
        assert app.focused is tree and not box.has_class("shown")
        assert value_keys(many) == keys_before
        assert open_buckets(tree) == open_before
        assert raw_place(tree) == ((b"many",), b"key-00119")
        assert (tree.cursor_line, tree.scroll_offset.y) == (line, offset)


@pilot_test
async def test_enter_keeps_the_filter_and_esc_in_the_tree_restores() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = await reveal_raw(app, pilot, (b"many",), b"key-00003")
        many = find_child(tree.root, "many")
        await pilot.press("f", *"0119", "enter")
        await settle(pilot)
        assert app.focused is tree and len(value_keys(many)) == 11
        assert isinstance(many.children[0].data, NoteItem)
        await pilot.press("j", "escape")
        await settle(pilot)
        assert len(value_keys(many)) == 200
        assert raw_place(tree) == ((b"many",), b"key-00003")


@pilot_test
async def test_the_containerd_filter_is_scoped_to_a_group_and_live() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        default = tree.root.children[0]
        for title in ("images", "containers"):
            find_child(default, title).expand()
        await settle(pilot)
        containers = find_child(default, "containers")
        tree.move_cursor(next(c for c in containers.children if obj_id(c) == "web-1"))
        line = tree.cursor_line
        await pilot.press("f", "w")
        await settle(pilot)
        shown = [obj_id(c) for c in containers.children if isinstance(c.data, ObjItem)]
        assert shown == ["web-1", "worker-1"]
        assert "2 of 4" in str(containers.label)
        assert "2 of 4" in str(app.query_one("#filter", Input).border_subtitle)
        assert obj_id(tree.cursor_node) == "web-1"
        # Only this group: the tree is not rebuilt, the other groups stay as they were.
        assert tree.root.children[0] is default and default.is_expanded
        assert find_child(default, "images").is_expanded
        await pilot.press(*"ork")
        await settle(pilot)
        shown = [obj_id(c) for c in containers.children if isinstance(c.data, ObjItem)]
        assert shown == ["worker-1"]
        assert tree.cursor_node is containers  # web-1 is hidden: on its group
        await pilot.press("escape")
        await settle(pilot)
        assert len([c for c in containers.children if isinstance(c.data, ObjItem)]) == 4
        assert obj_id(tree.cursor_node) == "web-1" and tree.cursor_line == line
        assert find_child(default, "images").is_expanded and app.focused is tree


@pilot_test
async def test_a_snapshotter_filter_finds_snapshots_anywhere_in_their_chains() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        snapshots = find_child(tree.root.children[0], "snapshots")
        snapshots.expand()
        await settle(pilot)
        overlayfs = snapshots.children[0]
        overlayfs.expand()
        await settle(pilot)
        roots = [c.data.obj.key for c in overlayfs.children]
        assert "web-1" not in roots  # a container's snapshot sits at the top of a chain
        tree.move_cursor(overlayfs.children[0])
        await pilot.press("f", *"web")
        await settle(pilot)
        found = [c.data.obj.key for c in overlayfs.children if isinstance(c.data, ObjItem)]
        assert found == ["web-1"]
        assert "1 of 12" in str(overlayfs.label)
        await pilot.press("escape")
        await settle(pilot)
        assert [c.data.obj.key for c in overlayfs.children] == roots


@pilot_test
async def test_f_above_the_groups_filters_the_namespaces() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        default = tree.root.children[0]
        assert isinstance(tree.cursor_node.data, NsItem) and default.is_expanded
        names = [c.data.namespace.name for c in tree.root.children]
        await pilot.press("f", "k")  # keys typed go to the box, never to the app
        await settle(pilot)
        shown = [c.data.namespace.name for c in tree.root.children if isinstance(c.data, NsItem)]
        assert shown == ["k8s.io"]
        assert f"1 of {len(names)}" in str(tree.root.label)
        await pilot.press("escape")
        await settle(pilot)
        assert [c.data.namespace.name for c in tree.root.children] == names
        default = tree.root.children[0]
        assert tree.cursor_node is default and default.is_expanded


@pilot_test
async def test_the_scan_runs_off_the_event_loop_and_the_listing_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A scan reads a whole bucket in a worker thread (a million keys do not freeze the
    screen), lists at most MAX_FILTERED matches and counts them all."""
    from boltview.tui.widgets import keyfilter, raw_tree

    threads: list[threading.Thread] = []

    def scan(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return keyfilter.scan(*args, **kwargs)

    monkeypatch.setattr(raw_tree, "scan", scan)
    monkeypatch.setattr(keyfilter, "MAX_FILTERED", 50)
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = await reveal_raw(app, pilot, (b"many",), b"key-00003")
        many = find_child(tree.root, "many")
        await pilot.press("f", "k", "e")
        await settle(pilot)
        assert threads and threading.main_thread() not in threads
        assert len(value_keys(many)) == 50
        assert "1194 of 1194" in str(many.label)
        assert "the first 50 listed" in str(many.children[0].label)


def test_a_scan_stops_when_cancelled() -> None:
    """Each key typed cancels the last scan: a cancelled scan stops within CHECK_EVERY."""
    from boltview.tui.widgets.keyfilter import CHECK_EVERY, scan

    seen = 0

    def names():  # type: ignore[no-untyped-def]
        nonlocal seen
        for number in range(10 * CHECK_EVERY):
            seen += 1
            yield b"key-%d" % number

    asked = 0

    def cancelled() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1

    assert scan(names(), lambda name: name, "key", cancelled) is None
    assert seen <= CHECK_EVERY + 1


# -- 9. the detail pane's focus ------------------------------------------------------------------


@pilot_test
async def test_one_tab_reaches_the_relations_with_the_first_highlighted() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        pane = app.query_one(DetailPane)
        containers = find_child(tree.root.children[0], "containers")
        containers.expand()
        await settle(pilot)
        tree.move_cursor(next(c for c in containers.children if obj_id(c) == "web-1"))
        await settle(pilot)
        unfocused = pane.styles.border_left
        await pilot.press("tab")
        relations = app.query_one(RelationList)
        assert app.focused is relations
        assert relations.highlighted == 0
        assert pane.styles.border_left != unfocused  # the pane shows it has the focus
        await pilot.press("shift+tab")
        assert app.focused is tree
        assert pane.styles.border_left == unfocused


@pilot_test
async def test_one_tab_reaches_the_detail_pane_in_the_raw_view() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = await reveal_raw(app, pilot, (b"alpha",), b"a00")
        pane = app.query_one(DetailPane)
        unfocused = pane.styles.border_left
        await pilot.press("tab")
        assert app.focused is pane
        assert pane.styles.border_left != unfocused
        await pilot.press("shift+tab")
        assert app.focused is tree


# -- 11. export names and the root ----------------------------------------------------------------


@pilot_test
async def test_export_never_proposes_a_file_that_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "boltview-alpha.json").write_text("taken")
    (tmp_path / "boltview-alpha-1.json").write_text("taken too")
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await reveal_raw(app, pilot, (b"alpha",), None)
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#export-path", Input).value == "boltview-alpha-2.json"
        await pilot.press("enter")
        await settle(pilot)
    assert json.loads((tmp_path / "boltview-alpha-2.json").read_text())["a00"] == "alpha value 0"
    assert (tmp_path / "boltview-alpha.json").read_text() == "taken"


def whole_file_dump() -> bytes:
    out = io.BytesIO()
    with BoltFile.open(str(CONTAINERD)) as db:
        dump(db.root, out, "text")
    return out.getvalue()


@pytest.mark.parametrize("view", ["raw", "containerd"])
@pilot_test
async def test_e_on_the_root_exports_the_whole_file(
    view: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = app_for(CONTAINERD, view=view)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.current_tree
        tree.move_cursor(tree.root)
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        name = app.screen.query_one("#export-path", Input).value
        assert "root" in name or "meta" in name
        await pilot.press("enter")
        await settle(pilot)
    assert (tmp_path / name).read_bytes() == whole_file_dump()
    assert os.path.exists(tmp_path / f"{name}.provenance.json")
