"""The browser's "files" and "drift" nodes, on containers that really ran (fixtures/rootfs).

The browser is opened as a person opens it, on the node's
``io.containerd.metadata.v1.bolt/meta.db`` (its files found beside it) or
with the install the node overview chose, and driven with Pilot.  What it
lists is checked against what the containers recorded themselves while they
ran (busybox's ``ls -la`` inside) and what the host saw right after (``find``
of the kernel's overlay mount, ``diff -rq`` of the native copies): the same
recordings tests/test_rootfs_real.py checks the CLI against, never
boltview's own output.
"""

# ruff: noqa: F811 - ``node`` is test_rootfs_real's fixture (the unpacked node), asked for by name

from __future__ import annotations

import html
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets.tree import TreeNode

from boltview.bolt.file import BoltFile
from boltview.containerd import companions
from boltview.containerd.snapshotter import SnapshotterDB
from boltview.node.dirlisting import DirectoryListing
from boltview.node.drift import ADDED, CHANGED, drift, gaps
from boltview.node.root import DirectoryRoot
from boltview.node.rootfs import Layer, MergedView
from boltview.node.target import choose_install, install_beside
from boltview.tui import make_app
from boltview.tui.app import BoltviewApp
from boltview.tui.widgets.containerd_items import GroupItem, Note, ObjItem
from boltview.tui.widgets.containerd_tree import ContainerdTree
from boltview.tui.widgets.detail import DetailPane
from boltview.tui.widgets.files_items import (
    FILES_WINDOW,
    ChangeItem,
    DirItem,
    DriftItem,
    FileItem,
    GapItem,
    MoreFiles,
)
from tests.conftest import require_real
from tests.test_rootfs_real import (  # noqa: F401 - node: the unpacked fixture
    ESCAPE_NAME,
    EXPECTED,
    MOUNT_POINTS,
    expected_native_drift,
    expected_overlay_drift,
    find_rows,
    ls_sections,
    ls_shown,
    node,
    sha256_lines,
)
from tests.test_tui import NOW, SIZE, assert_no_controls, detail_text, pilot_test, settle

INSTALL = "var/lib/containerd"
META = f"{INSTALL}/io.containerd.metadata.v1.bolt/meta.db"
OVERLAY = f"{INSTALL}/io.containerd.snapshotter.v1.overlayfs/snapshots"
NATIVE = f"{INSTALL}/io.containerd.snapshotter.v1.native/snapshots"
CONTAINERS = ("overlay-1", "native-1")


def open_app(meta: Path, **options: Any) -> BoltviewApp:
    """The browser on ``meta`` with its snapshotters' databases found beside it, as the CLI opens it."""
    found = {}
    for name in ("overlayfs", "native"):
        path = companions.snapshotter_db_beside(str(meta), name)
        if path is not None:
            found[name] = SnapshotterDB.open(path, name, snapshot=None)
    return make_app(BoltFile.open(str(meta)), snapshotter_dbs=found, clock=lambda: NOW, local_tz=None, **options)


# -- walking the tree -----------------------------------------------------------------------------


def child(node: TreeNode[Any], wanted: Callable[[Any], bool]) -> TreeNode[Any]:
    for item in node.children:
        if wanted(item.data):
            return item
    raise AssertionError(f"not among {[str(c.label) for c in node.children]}")


async def opened(pilot: Any, node: TreeNode[Any]) -> TreeNode[Any]:
    node.expand()
    await settle(pilot)
    return node


async def group(pilot: Any, tree: ContainerdTree, title: str) -> TreeNode[Any]:
    """The group ``title`` of namespace default, opened."""
    await settle(pilot)
    default = child(tree.root, lambda d: getattr(getattr(d, "namespace", None), "name", None) == "default")
    return await opened(pilot, child(default, lambda d: isinstance(d, GroupItem) and d.title == title))


async def container(pilot: Any, tree: ContainerdTree, name: str | None) -> TreeNode[Any]:
    """Container ``name`` (None: the first), opened."""
    containers = await group(pilot, tree, "containers")
    return await opened(pilot, child(containers, lambda d: isinstance(d, ObjItem) and (name is None or d.obj.id == name)))


async def files_at(pilot: Any, tree: ContainerdTree, name: str, path: str = "/") -> TreeNode[Any]:
    """The directory node at ``path`` of container ``name``'s files, opened."""
    node = await opened(pilot, child(await container(pilot, tree, name),
                                     lambda d: isinstance(d, DirItem)))  # fmt: skip
    for part in (p for p in path.split("/") if p):
        node = await opened(pilot, child(node, lambda d, part=part: isinstance(d, DirItem)
                                         and d.path.rsplit("/", 1)[1] == part))  # fmt: skip
    return node


def entries(node: TreeNode[Any]) -> dict[str, DirItem | FileItem]:
    return {item.data.path.rsplit("/", 1)[1]: item.data for item in node.children
            if isinstance(item.data, DirItem | FileItem)}  # fmt: skip


async def shown(pilot: Any, tree: ContainerdTree, node: TreeNode[Any]) -> str:
    tree.move_cursor(node)
    await settle(pilot)
    return detail_text(pilot.app)


def label_of(node: TreeNode[Any], name: str) -> str:
    return next(str(c.label) for c in node.children
                if isinstance(c.data, DirItem | FileItem) and c.data.path.rsplit("/", 1)[1] == name)  # fmt: skip


# -- files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTAINERS)
@pilot_test
async def test_files_list_what_ls_showed_inside_the_container(node: Path, name: str) -> None:
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        for directory, seen in ls_sections(name).items():
            folder = await files_at(pilot, tree, name, directory)
            listed = {ls_shown(n): item for n, item in entries(folder).items()}
            assert set(listed) == set(seen), directory
            for entry_name, (mode_text, size, target) in seen.items():
                item = listed[entry_name]
                if os.path.join(directory, entry_name) in MOUNT_POINTS:
                    continue
                assert item.found is not None
                assert stat.filemode(item.found.entry.mode) == mode_text, (directory, entry_name)
                assert isinstance(item, DirItem) == mode_text.startswith("d"), (directory, entry_name)
                label = label_of(folder, next(n for n in entries(folder) if ls_shown(n) == entry_name))
                if target is not None:  # a link is shown with its target, never followed
                    assert f"@ → {target}" in label, label
                elif not mode_text.startswith("d"):
                    assert item.found.entry.size == size


@pilot_test
async def test_files_are_the_kernels_merged_view_layer_by_layer(node: Path) -> None:
    """Every entry of overlay-1's /etc against the host's find of the kernel's overlay mount, and the
    layer each comes from against the find of each layer directory."""
    merged = find_rows("overlay-1/merged_find.txt")
    upper, lower_2 = find_rows("overlay-1/upper_find.txt"), find_rows("overlay-1/lower_2_find.txt")
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        for directory in ("/etc", "/var/cache/app", "/var/lib/pkgs", "/usr/local/bin"):
            folder = await files_at(pilot, tree, "overlay-1", directory)
            listed = entries(folder)
            assert {f"{directory}/{n}" for n in listed} == {p for p in merged if p.rpartition("/")[0] == directory}
            for entry_name, item in listed.items():
                path = f"{directory}/{entry_name}"
                assert item.found is not None
                row = merged[path]
                assert (item.found.entry.mode & 0o7777, item.found.entry.uid, item.found.entry.size
                        if row.kind == "f" else row.size) == (row.mode, row.uid, row.size), path  # fmt: skip
                from_layer = "upper 3" if path in upper else "lower 2" if path in lower_2 else "lower 1"
                assert label_of(folder, entry_name).endswith(from_layer), path


@pilot_test
async def test_a_file_shows_its_facts_and_its_text(node: Path) -> None:
    motd = find_rows("overlay-1/merged_find.txt")["/etc/motd"]
    on_disk = (node / OVERLAY / "3/fs/etc/motd").read_text()
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        etc = await files_at(pilot, tree, "overlay-1", "/etc")
        text = await shown(pilot, tree, child(etc, lambda d: isinstance(d, FileItem) and d.path == "/etc/motd"))
        assert "file /etc/motd" in text
        assert re.search(rf"mode\s+{re.escape(motd.mode_text)}  \(0644\)", text), text
        assert re.search(rf"owner\s+uid {motd.uid}, gid {motd.gid}", text)
        assert re.search(rf"size\s+{motd.size} bytes", text)
        assert re.search(rf"mtime\s+{motd.mtime_text[:10]} {motd.mtime_text[11:19]}", text), text
        for name in ("ctime", "atime"):
            assert re.search(rf"{name}\s+\d{{4}}-\d\d-\d\d ", text), name
        assert re.search(r"layer\s+upper overlay-1 \(id 3\)", text)
        assert "snapshots/3/fs/etc/motd" in text
        for line in on_disk.splitlines():
            assert line in text  # the preview, as text
        assert app.focused is tree
        await pilot.press("enter")  # to the details, to scroll the preview
        assert isinstance(app.focused, DetailPane)


@pilot_test
async def test_enter_on_a_change_goes_to_its_file(node: Path) -> None:
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        changes_node = await opened(pilot, child(await container(pilot, tree, "overlay-1"),
                                                 lambda d: isinstance(d, DriftItem)))  # fmt: skip
        tree.move_cursor(child(changes_node, lambda d: isinstance(d, ChangeItem) and d.change.path == "/srv/app/tool.sh"))
        await pilot.press("enter")
        await settle(pilot)
        cursor = tree.cursor_node
        assert cursor is not None and isinstance(cursor.data, FileItem) and cursor.data.path == "/srv/app/tool.sh"
        assert cursor.data.found.entry.mode & 0o111  # the container's chmod +x
        deleted = child(changes_node, lambda d: isinstance(d, ChangeItem) and d.change.path == "/etc/issue")
        tree.move_cursor(deleted)
        await settle(pilot)
        await pilot.press("enter")  # a deleted file is nowhere to go: its details take the focus
        assert isinstance(app.focused, DetailPane) and tree.cursor_node is deleted


@pilot_test
async def test_a_binary_is_a_hex_dump_paged_with_brackets(node: Path) -> None:
    busybox = node / OVERLAY / "1/fs/bin/busybox"
    head = busybox.read_bytes()[:16]
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        bin_node = await files_at(pilot, tree, "overlay-1", "/bin")
        text = await shown(pilot, tree, child(bin_node, lambda d: isinstance(d, FileItem) and d.path == "/bin/busybox"))
        assert "ELF executable" in text
        assert " ".join(f"{b:02x}" for b in head[:8]) in text
        assert "page 1/16" in text  # the first 64 KiB, 4 KiB a page
        await pilot.press("right_square_bracket")
        await settle(pilot)
        text = detail_text(app)
        assert "page 2/16" in text and "00001000" in text
        assert "boltview cat ROOT CONTAINER PATH gives the whole file" in text


@pytest.mark.parametrize("name", CONTAINERS)
@pilot_test
async def test_links_to_etc_shadow_show_the_link_and_lead_inside_the_container(node: Path, name: str) -> None:
    theirs = "root:*:19675:0:99999:7:::"  # the image's own /etc/shadow (fixtures/rootfs/build_image.py)
    host = Path("/etc/shadow").read_text(errors="replace") if Path("/etc/shadow").exists() else None
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        app_dir = await files_at(pilot, tree, name, "/srv/app")
        for link, target in (("shadow-link", "/etc/shadow"), ("climb-link", "../../../../../../../../etc/shadow")):
            item = entries(app_dir)[link]
            assert isinstance(item, FileItem) and item.found.entry.kind == "link"
            assert label_of(app_dir, link).startswith(f"{link}@ → {target}")
            text = await shown(pilot, tree, child(app_dir, lambda d, item=item: d is item))
            assert re.search(rf"link to\s+{re.escape(target)}", text)
            assert re.search(r"inside the view\s+/etc/shadow \(file\)", text)
            assert theirs not in text and (host is None or host.splitlines()[0] not in text)  # not followed
        etc = await files_at(pilot, tree, name, "/etc")
        text = await shown(pilot, tree, child(etc, lambda d: isinstance(d, FileItem) and d.path == "/etc/shadow"))
        assert theirs in text
        assert host is None or host.splitlines()[0] not in text


@pytest.mark.parametrize("name", CONTAINERS)
@pilot_test
async def test_a_control_character_in_a_name_never_reaches_the_terminal(node: Path, name: str) -> None:
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        tmp = await files_at(pilot, tree, name, "/tmp")
        (entry_name,) = entries(tmp)
        assert "/tmp/" + entry_name == ESCAPE_NAME  # the name itself, exact
        label = label_of(tmp, entry_name)
        assert "\x1b" not in label and label.startswith("ctl-\\x1b[31m-red")
        text = await shown(pilot, tree, tmp.children[0])
        assert "\x1b" not in text and "ctl-\\x1b[31m-red" in text
        screen = html.unescape(app.export_screenshot()).replace("\u00a0", " ")
        assert_no_controls(screen)
        assert "ctl-" in screen and "\\x1b" in screen and "[31m-red" in screen  # styled apart in the SVG


@pilot_test
async def test_a_snapshot_has_its_files_too(node: Path) -> None:
    """The image's first layer, unpacked by the overlayfs snapshotter: what the host's find saw there."""
    lower_1 = find_rows("overlay-1/lower_1_find.txt")
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        snapshots = await group(pilot, tree, "snapshots")
        overlayfs = await opened(pilot, child(snapshots, lambda d: isinstance(d, GroupItem) and d.snapshotter == "overlayfs"))
        base = await opened(pilot, child(overlayfs, lambda d: isinstance(d, ObjItem)))
        assert base.data.obj.backend.id == 1 and not base.data.obj.parent  # lower_1_find.txt: snapshots/1
        files = await opened(pilot, child(base, lambda d: isinstance(d, DirItem)))
        assert {f"/{n}" for n in entries(files)} == {p for p in lower_1 if p.count("/") == 1 and p != "/"}
        assert all(str(c.label).endswith("upper 1") for c in files.children if isinstance(c.data, DirItem | FileItem))
        assert any(isinstance(c.data, ObjItem) for c in base.children)  # its child snapshot is still there
        etc = await opened(pilot, child(files, lambda d: isinstance(d, DirItem) and d.path == "/etc"))
        assert {f"/etc/{n}" for n in entries(etc)} == {p for p in lower_1 if p.rpartition("/")[0] == "/etc"}


# -- drift ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTAINERS)
@pilot_test
async def test_drift_group_is_what_the_host_saw(node: Path, name: str) -> None:
    expected = expected_overlay_drift() if name == "overlay-1" else expected_native_drift()
    sums = sha256_lines("overlay-1/upper_sha256.txt" if name == "overlay-1" else "native-1/copy_sha256.txt")
    app = open_app(node / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        changes_node = await opened(pilot, child(await container(pilot, tree, name), lambda d: isinstance(d, DriftItem)))
        changes = {c.data.change.path: c for c in changes_node.children if isinstance(c.data, ChangeItem)}
        assert {p: c.data.change.change for p, c in changes.items()} == {p: e.change for p, e in expected.items()}
        marks = {"added": "+", "modified": "~", "deleted": "✗"}
        for path, node_ in changes.items():
            label = str(node_.label)
            assert label.startswith(f"{marks[expected[path].change]} "), label
            assert ("+x" in label) == (path in ("/srv/app/tool.sh", "/usr/local/bin/helper")), label
        assert f"({len(expected)} changes)" in str(changes_node.label)
        text = await shown(pilot, tree, changes["/etc/motd"])
        assert "~ modified /etc/motd" in text and sums["/etc/motd"] in text
        assert (node / (OVERLAY + "/3/fs" if name == "overlay-1" else NATIVE + "/3")
                / "etc/motd").read_text().splitlines()[0] in text  # fmt: skip
        text = await shown(pilot, tree, changes["/etc/issue"])
        assert "✗ deleted /etc/issue" in text and "before" in text


# -- gaps -------------------------------------------------------------------------------------------------


@pytest.fixture
def damaged(node: Path, tmp_path: Path) -> Path:
    """A copy of the node (cp -a: the 0/0 devices and attributes kept) to take layers away from."""
    copy = tmp_path / "node"
    subprocess.run(["cp", "-a", str(node), str(copy)], check=True)
    return copy


def test_drift_with_a_missing_image_layer_names_the_gap_and_claims_no_addition(damaged: Path) -> None:
    expected = expected_overlay_drift()
    shutil.rmtree(damaged / OVERLAY / "1")  # the image's first layer: /bin, /etc...
    target = choose_install(DirectoryRoot(str(damaged)), None)
    from boltview.node.target import install_reader, snapshot_layers

    with install_reader(target) as reader:
        (item,) = [c for c in reader.containers("default") if c.id == "overlay-1"]
        snapshot = reader.container_snapshot(item)
        assert snapshot is not None
        view = MergedView(target.node, snapshot_layers(target, reader, snapshot))
    missing = gaps(view, whole_copy=False)
    assert [layer.label for layer in missing] == [view.layers[2].label] and "(id 1)" in missing[0].label
    changes = {c.path: c.change for c in drift(view, whole_copy=False)}
    assert ADDED not in changes.values()
    # what it still says is what the host saw; what it cannot tell is "changed", never "added"
    for path, change in changes.items():
        want = expected[path].change
        assert change == want or (change == CHANGED and want in ("added", "modified")), path
    assert changes["/etc/motd"] == CHANGED  # its image copy was in the missing layer
    # nothing the upper layer holds is lost: every file it added or changed is still there
    assert {p for p, e in expected.items() if e.change != "deleted" and e.now is not None and e.now.kind != "d"} <= set(
        changes)  # fmt: skip
    assert changes["/srv/app/empty-dir"] == CHANGED and "/srv/app" not in changes  # a copy-up or new: unknown


def test_native_drift_without_the_parents_copy_says_nothing(damaged: Path, tmp_path: Path) -> None:
    own, parent = (damaged / NATIVE / n for n in ("3", "2"))
    assert own.is_dir() and parent.is_dir()
    shutil.rmtree(parent)
    view = MergedView(DirectoryRoot(str(damaged / NATIVE)), [Layer("/3", "upper"), Layer("/2", "lower", missing=True)])
    assert drift(view, whole_copy=True) == []
    assert [layer.label for layer in gaps(view, whole_copy=True)] == ["lower"]


@pilot_test
async def test_the_browser_marks_missing_layers_as_gaps(damaged: Path) -> None:
    shutil.rmtree(damaged / OVERLAY / "1")
    shutil.rmtree(damaged / NATIVE / "3")  # native-1's own copy
    app = open_app(damaged / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        root = await files_at(pilot, tree, "overlay-1")
        (gap,) = [c for c in root.children if isinstance(c.data, GapItem)]
        assert "layer missing on disk" in str(gap.label) and "(id 1)" in str(gap.label)
        assert "1 missing" in str(root.label)
        assert "etc" in entries(root) and "bin" not in entries(root)  # /bin came from the missing layer only
        text = await shown(pilot, tree, gap)
        assert "layer missing on disk" in text and "snapshots/1/fs" in text
        changes_node = await opened(pilot, child(await container(pilot, tree, "overlay-1"), lambda d: isinstance(d, DriftItem)))
        kinds = {c.data.change.change for c in changes_node.children if isinstance(c.data, ChangeItem)}
        assert "added" not in kinds and "changed" in kinds
        assert any(isinstance(c.data, GapItem) for c in changes_node.children)
        assert any(str(c.label).startswith("± /etc/motd") for c in changes_node.children)
        changes_node = await opened(pilot, child(await container(pilot, tree, "native-1"), lambda d: isinstance(d, DriftItem)))
        notes = [str(c.label) for c in changes_node.children if isinstance(c.data, Note)]
        assert notes == ["the container's own layer is missing on disk: its changes cannot be read"]
        assert not any(isinstance(c.data, ChangeItem) for c in changes_node.children)


@pilot_test
async def test_without_the_snapshotters_database_the_writable_layer_is_unknown(damaged: Path) -> None:
    (damaged / NATIVE).parent.joinpath("metadata.db").unlink()  # native's: which directory is which
    app = open_app(damaged / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        root = await files_at(pilot, tree, "native-1")
        (gap,) = [c for c in root.children if isinstance(c.data, GapItem)]
        assert str(gap.label).startswith("⚠ layer unknown: upper native-1 (not in the snapshotter)")
        assert not entries(root)
        assert [str(c.label) for c in root.children if isinstance(c.data, Note)] == [
            "(nothing here in the layers on disk)"]
        changes_node = await opened(pilot, child(await container(pilot, tree, "native-1"),
                                                 lambda d: isinstance(d, DriftItem)))  # fmt: skip
        notes = [str(c.label) for c in changes_node.children if isinstance(c.data, Note)]
        assert notes == ["the container's writable layer is unknown (not in the snapshotter's database)"]
        overlay = await files_at(pilot, tree, "overlay-1", "/etc")  # the other snapshotter's still read
        assert "motd" in entries(overlay)


# -- a big directory --------------------------------------------------------------------------------------


@pilot_test
async def test_a_big_directory_is_shown_in_windows(damaged: Path) -> None:
    wide = damaged / OVERLAY / "3/fs/srv/wide"
    wide.mkdir()
    names = [f"f{number:05d}" for number in range(10_000)]
    for name in names:
        (wide / name).write_bytes(b"")
    app = open_app(damaged / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        folder = await files_at(pilot, tree, "overlay-1", "/srv/wide")
        assert list(entries(folder)) == names[:FILES_WINDOW]
        more = folder.children[-1]
        assert isinstance(more.data, MoreFiles) and f"{10_000 - FILES_WINDOW:,} names left" in str(more.label)
        tree.move_cursor(more)  # reaching "more" reads the next window
        await settle(pilot)
        assert list(entries(folder)) == names[: 2 * FILES_WINDOW]
        cursor = tree.cursor_node
        assert cursor is not None and isinstance(cursor.data, FileItem)
        assert cursor.data.path == f"/srv/wide/{names[FILES_WINDOW]}"  # the first of the new window
        # the drift lists the new files (and their directory) in windows too
        changes_node = await opened(pilot, child(await container(pilot, tree, "overlay-1"),
                                                 lambda d: isinstance(d, DriftItem)))  # fmt: skip
        shown_changes = [c for c in changes_node.children if isinstance(c.data, ChangeItem)]
        assert len(shown_changes) == FILES_WINDOW and f"({10_000 + 1 + len(expected_overlay_drift()):,} changes)" in str(
            changes_node.label)  # fmt: skip
        more = changes_node.children[-1]
        assert isinstance(more.data, MoreFiles) and "changes left" in str(more.label)
        tree.move_cursor(more)
        await settle(pilot)
        assert len([c for c in changes_node.children if isinstance(c.data, ChangeItem)]) == 2 * FILES_WINDOW
    app = open_app(damaged / META)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        changes_node = await opened(pilot, child(await container(pilot, tree, "overlay-1"),
                                                 lambda d: isinstance(d, DriftItem)))  # fmt: skip
        tree.move_cursor(changes_node.children[-1])  # the second window of changes
        await settle(pilot)
        far = f"/srv/wide/{names[FILES_WINDOW + 150]}"  # in the directory's second window
        tree.move_cursor(child(changes_node, lambda d: isinstance(d, ChangeItem) and d.change.path == far))
        await pilot.press("enter")  # a change opens its file in the container's files
        await settle(pilot)
        cursor = tree.cursor_node
        assert cursor is not None and isinstance(cursor.data, FileItem) and cursor.data.path == far
        assert "file " + far in detail_text(app)


def test_listing_by_windows_is_the_merged_listing(node: Path) -> None:
    """The browser's names-first listing (a window of entries at a time) against the view's own
    listing, in every directory of both containers (whiteouts of both kinds, opaque directories)."""
    target = choose_install(DirectoryRoot(str(node)), None)
    from boltview.node.target import install_reader, snapshot_layers

    with install_reader(target) as reader:
        views = []
        for item in reader.containers("default"):
            snapshot = reader.container_snapshot(item)
            assert snapshot is not None
            views.append(MergedView(target.node, snapshot_layers(target, reader, snapshot)))
    seen = 0
    for view in views:
        pending = ["/"]
        while pending:
            path = pending.pop()
            whole = view.listing(path)
            listing = DirectoryListing(view, path)
            got: dict[str, Any] = {}
            start = 0
            while start < len(listing):
                rows, start = listing.window(start, 7)  # small windows: the seams too
                got.update(rows)
            assert got == whole, path
            assert list(got) == sorted(got)
            pending += [f"{path.rstrip('/')}/{n}" for n, f in whole.items() if f.entry.kind == "dir"]
            seen += 1
    assert seen > 40


# -- where the files come from ------------------------------------------------------------------------------


@pilot_test
async def test_opened_from_the_node_overview_the_install_is_used(node: Path) -> None:
    """NodeApp's choice: the install's NodeTarget, whatever the file's own path says."""
    target = choose_install(DirectoryRoot(str(node)), None)
    beside, why = install_beside(str(node / META))
    assert beside is not None and why is None and sorted(beside.install.snapshotters) == sorted(
        n for n in target.install.snapshotters if (node / INSTALL / f"io.containerd.snapshotter.v1.{n}/snapshots").is_dir())
    copy = node.parent / "meta-copy.db"
    shutil.copyfile(node / META, copy)  # a copy has nothing beside it: only the target can say where
    try:
        from boltview.node.target import companions

        snapshotters, _ = companions(target)
        app = make_app(BoltFile.open(str(copy)), snapshotter_dbs=snapshotters, files=target,
                       clock=lambda: NOW, local_tz=None)  # fmt: skip
        async with app.run_test(size=SIZE) as pilot:
            tree = app.query_one(ContainerdTree)
            etc = await files_at(pilot, tree, "overlay-1", "/etc")
            assert {f"/etc/{n}" for n in entries(etc)} == {
                p for p in find_rows("overlay-1/merged_find.txt") if p.rpartition("/")[0] == "/etc"}
    finally:
        copy.unlink()


@pytest.fixture
def ext4_image(node: Path, tmp_path: Path) -> Path:
    """The node root put in an ext4 image by the real mkfs.ext4 -d (nothing mounted)."""
    require_real([] if shutil.which("mkfs.ext4") else ["mkfs.ext4 (e2fsprogs)"], "an ext4 image of the node")
    image = tmp_path / "node.img"
    subprocess.run(["mkfs.ext4", "-q", "-d", str(node), str(image), "64M"], check=True)
    return image


@pilot_test
async def test_inside_a_disk_image_the_files_are_read_from_the_image(ext4_image: Path) -> None:
    """Opened as the node overview opens an install of an image: its NodeTarget reads the image."""
    from boltview.node.image import open_image
    from boltview.node.target import companions

    inside = open_image(str(ext4_image))
    target = choose_install(inside, None)
    snapshotters, _ = companions(target)
    merged = find_rows("overlay-1/merged_find.txt")
    assert target.install.meta_db is not None
    app = make_app(inside.open_bolt(target.install.meta_db), snapshotter_dbs=snapshotters, files=target,
                   clock=lambda: NOW, local_tz=None)  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        etc = await files_at(pilot, tree, "overlay-1", "/etc")
        assert {f"/etc/{n}" for n in entries(etc)} == {p for p in merged if p.rpartition("/")[0] == "/etc"}
        text = await shown(pilot, tree, child(etc, lambda d: isinstance(d, FileItem) and d.path == "/etc/shadow"))
        assert "root:*:19675:0:99999:7:::" in text  # the container's, read from the image
        assert re.search(rf"size\s+{merged['/etc/shadow'].size} bytes", text)
        assert re.search(r"owner\s+not known \(the disk image's reader does not give it\)", text)
        app_dir = await files_at(pilot, tree, "overlay-1", "/srv/app")
        assert label_of(app_dir, "shadow-link").startswith("shadow-link@ → /etc/shadow")


@pilot_test
async def test_the_demo_says_why_there_are_no_files() -> None:
    from boltview.cli import demo_database

    app = open_app(Path(demo_database()))
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ContainerdTree)
        first = await container(pilot, tree, None)
        files = await opened(pilot, child(first, lambda d: isinstance(d, DirItem)))
        (note,) = files.children
        assert str(note.label).startswith("no snapshot directories beside this file")
        drift_node = await opened(pilot, child(first, lambda d: isinstance(d, DriftItem)))
        assert str(drift_node.children[0].label).startswith("no snapshot directories beside this file")
        for item in (files, drift_node):
            text = await shown(pilot, tree, item)
            assert "no snapshot directories beside this file" in text and "no changes" not in text

