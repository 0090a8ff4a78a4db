"""Issue 10, browser items 6 and 7: a group's ``ls`` table, and marks of what changed.

Item 6: the cursor on a group (containers, images, snapshots, content,
leases...) shows ctr's table of it in the detail pane, checked against what
the real ``ctr`` printed for the same database (fixtures/containerd/v16,
``expected/<namespace>/*.txt``); it sorts by a key or a click on a header,
Enter opens a row's object in the tree, and 10,000 containers fill in
without holding the event loop.

Item 7: ``d`` marks what the last transaction created, changed and deleted
(real containerd: fixtures/containerd/diff/before.db, whose last transaction
deleted a blob; real bbolt: two transactions written here), and adds a
"recovered" group with what ``recover`` finds (the v16 container containerd
deleted, as ``expected/deleted_containers.json`` recorded), all marked as not
live, computed in workers.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from boltview.bolt.file import BoltFile
from boltview.containerd import schema as S
from boltview.containerd.reader import MetadataReader
from boltview.forensics.containerd import recovered_objects
from boltview.forensics.recover import recover
from boltview.tui import marking
from boltview.tui.app import BoltviewApp
from boltview.tui.marking import GhostItem, RecoveredGroupItem, RecoveredItem
from boltview.tui.widgets.containerd_tree import ContainerdTree, GroupItem, NsItem, ObjItem
from boltview.tui.widgets.group_table import GroupTable
from tests.test_hostile_containerd import spec_writer  # noqa: F401  (a fixture)
from tests.test_tui import (
    HOSTILE_DB,
    NOW,
    ROOT,
    SIZE,
    app_for,
    assert_no_controls,
    detail_text,
    pilot_test,
    settle,
)

V16 = ROOT / "fixtures" / "containerd" / "v16"
CTR = V16 / "expected"
DIFF_BEFORE = ROOT / "fixtures" / "containerd" / "diff" / "before.db"


def split_cells(line: str, starts: list[int]) -> list[str]:
    """A fixed-width line cut at the columns' starts (tabwriter's layout, as ctr prints)."""
    bounds = [*starts[1:], None]
    return [line[a:b].strip() for a, b in zip(starts, bounds, strict=True)]


def ctr_columns(path: Path) -> tuple[list[str], list[list[str]]]:
    """ctr's space-aligned table: columns start where the header's words start."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if "\t" in lines[0]:
        rows = [re.split(r"\t+", line.strip()) for line in lines]
        return rows[0], rows[1:]
    starts = [m.start() for m in re.finditer(r"(?:(?<=  )|^)\S", lines[0])]
    rows = [split_cells(line, starts) for line in lines]
    return rows[0], rows[1:]


def table_of(app: BoltviewApp) -> GroupTable:
    return app.query_one(GroupTable)


def table_rows(table: GroupTable) -> list[list[str]]:
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def header(table: GroupTable) -> list[str]:
    return [column.label.plain.rstrip(" ▲▼") for column in table.ordered_columns]


async def wait_loaded(pilot: Any, table: GroupTable) -> None:
    await settle(pilot)
    for _ in range(400):
        if table.loaded:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"the table did not fill: {table.added} of {len(table.order)}")


async def focus_table(pilot: Any, app: BoltviewApp) -> None:
    """Tab from the tree to the table (past the detail pane, while it takes focus)."""
    for _ in range(3):
        await pilot.press("tab")
        if app.focused is table_of(app):
            return
    raise AssertionError(f"Tab did not reach the table: {app.focused}")


async def cursor_on_group(pilot: Any, app: BoltviewApp, namespace: str, title: str) -> None:
    """Put the tree's cursor on a namespace's group (opening the namespace)."""
    tree = app.query_one(ContainerdTree)
    await settle(pilot)
    ns = next(n for n in tree.root.children
              if isinstance(n.data, NsItem) and n.data.namespace.name == namespace)  # fmt: skip
    ns.expand()
    await settle(pilot)
    group = next(n for n in ns.children if isinstance(n.data, GroupItem) and n.data.title == title)
    tree.move_cursor(group)
    await settle(pilot)


# -- item 6: the table --------------------------------------------------------------------------


@pilot_test
async def test_a_group_of_containers_shows_ctrs_table() -> None:
    app = app_for(V16 / "meta.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert not table.display  # on a namespace: no table
        await pilot.press("j")  # onto default's containers
        table = table_of(app)
        await wait_loaded(pilot, table)
        assert table.display
        want_header, want_rows = ctr_columns(CTR / "default" / "containers.txt")
        assert header(table) == want_header == ["CONTAINER", "IMAGE", "RUNTIME"]
        assert table_rows(table) == want_rows
        assert "containers: 4" in str(table.border_title)
        # Off the group, the table goes.
        await pilot.press("k")
        await settle(pilot)
        assert not table.display


@pytest.mark.parametrize(
    ("namespace", "title", "ctr_file", "columns"),
    [
        ("default", "images", "images.txt", ["REF", "TYPE", "DIGEST"]),
        ("team-a", "images", "images.txt", ["REF", "TYPE", "DIGEST"]),
        ("default", "content", "content.txt", ["DIGEST", "SIZE"]),
        ("team-a", "content", "content.txt", ["DIGEST", "SIZE"]),
        ("default", "leases", "leases.txt", ["ID", "LABELS"]),
        ("team-a", "containers", "containers.txt", ["CONTAINER", "IMAGE", "RUNTIME"]),
    ],
)
def test_each_group_has_ctrs_columns(
    namespace: str, title: str, ctr_file: str, columns: list[str]
) -> None:
    """The columns meta.db alone can fill are ctr's, row for row (AGE and the content
    store's sizes and platforms need more than meta.db, or a clock)."""

    @pilot_test
    async def scenario() -> None:
        app = app_for(V16 / "meta.db")
        async with app.run_test(size=SIZE) as pilot:
            await cursor_on_group(pilot, app, namespace, title)
            table = table_of(app)
            await wait_loaded(pilot, table)
            want_header, want_rows = ctr_columns(CTR / namespace / ctr_file)
            assert header(table) == want_header
            got = table_rows(table)
            for name in columns:
                i = want_header.index(name)
                assert [row[i] for row in got] == [row[i] for row in want_rows], name

    scenario()


@pilot_test
async def test_a_snapshotters_table_is_ctrs_snapshots_ls() -> None:
    app = app_for(V16 / "meta.db")
    async with app.run_test(size=SIZE) as pilot:
        await cursor_on_group(pilot, app, "default", "snapshots")
        tree = app.query_one(ContainerdTree)
        snapshots = tree.cursor_node
        snapshots.expand()
        await settle(pilot)
        overlayfs = snapshots.children[0]
        assert overlayfs.data.snapshotter == "overlayfs"
        tree.move_cursor(overlayfs)
        table = table_of(app)
        await wait_loaded(pilot, table)
        want_header, want_rows = ctr_columns(CTR / "default" / "snapshots.txt")
        assert header(table) == want_header == ["KEY", "PARENT", "KIND"]
        got = table_rows(table)
        assert [row[:2] for row in got] == [row[:2] for row in want_rows]
        # Enter on a snapshot (the last, deep in its chain) opens the chain down to it.
        await focus_table(pilot, app)
        await pilot.press(*["down"] * (len(got) - 1), "enter")
        await settle(pilot)
        assert app.focused is tree
        assert tree.cursor_node.data.obj.key == got[-1][0]


@pilot_test
async def test_keys_and_header_clicks_sort_and_enter_opens_the_row() -> None:
    app = app_for(V16 / "meta.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        table = table_of(app)
        await wait_loaded(pilot, table)
        await focus_table(pilot, app)

        def ids() -> list[str]:
            return [row[0] for row in table_rows(table)]

        runtimes = {row[0]: row[2] for row in table_rows(table)}
        await pilot.press("s", "s", "s")  # CONTAINER, IMAGE, then RUNTIME
        await wait_loaded(pilot, table)
        assert table.sort_column == 2 and not table.reverse
        assert [runtimes[i] for i in ids()] == sorted(runtimes.values())
        assert ids()[0] == "legacy-1"  # the one runc.v1
        assert table.ordered_columns[2].label.plain.endswith("▲")
        await pilot.press("S")
        await wait_loaded(pilot, table)
        assert ids()[-1] == "legacy-1" and table.reverse
        assert table.ordered_columns[2].label.plain.endswith("▼")

        # A click on a header sorts by it; a second click turns the order round.
        await pilot.click(GroupTable, offset=(2, 1))
        await wait_loaded(pilot, table)
        assert table.sort_column == 0 and ids() == ["hello-1", "legacy-1", "web-1", "worker-1"]
        await pilot.click(GroupTable, offset=(2, 1))
        await wait_loaded(pilot, table)
        assert ids() == ["worker-1", "web-1", "legacy-1", "hello-1"]

        # The cursor stayed on its row (hello-1, the first) through the sorts.
        assert table.selected_ref().id == "hello-1" and table.cursor_row == 3

        # Enter on a row opens that object in the tree.
        await pilot.press("up", "up")
        assert table.selected_ref().id == "web-1"
        await pilot.press("enter")
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        assert app.focused is tree
        assert isinstance(tree.cursor_node.data, ObjItem)
        assert tree.cursor_node.data.obj.id == "web-1"
        assert "container web-1" in detail_text(app)


def many_containers(writer: Path, where: Path, count: int) -> Path:
    body = {"image": "example.com/many:1", "runtime": {"name": "io.containerd.runc.v2"}}
    containers = {f"c-{n:05d}": body for n in range(count)}
    spec = {"v1": {"version": "\x03", "default": {"containers": containers}}}
    (where / "spec.json").write_text(json.dumps(spec))
    path = where / "meta.db"
    subprocess.run([str(writer), str(where / "spec.json"), str(path)], check=True)
    return path


def test_ten_thousand_containers_fill_in_while_the_browser_answers(
    spec_writer: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = many_containers(spec_writer, tmp_path, 10_000)

    @pilot_test
    async def scenario() -> None:
        app = app_for(path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("j")
            table = table_of(app)
            while table.loading_group:  # the rows are read in a worker
                await pilot.pause(0.01)
            seen = []
            while table.added < 10_000 and len(seen) < 10:
                seen.append(table.added)
                await pilot.pause(0.01)
            # In chunks, between refreshes: the event loop had the hand in between.
            assert any(0 < n < 10_000 for n in seen), seen
            await wait_loaded(pilot, table)
            assert table.row_count == 10_000
            assert table_rows(table)[-1][0] == "c-09999"
            await focus_table(pilot, app)
            await pilot.press("S")  # newest name first, sorted off the event loop
            await wait_loaded(pilot, table)
            assert table.get_row_at(0)[0].plain == "c-09999"

    scenario()


# -- item 7: marks ---------------------------------------------------------------------------------


def dump_tree(node: Any, depth: int = 0) -> list[str]:
    lines = ["  " * depth + str(node.label)]
    if node.is_expanded:
        for child in node.children:
            lines.extend(dump_tree(child, depth + 1))
    return lines


def blob_keys(db: BoltFile) -> set[bytes]:
    bucket = db.bucket(S.V1, b"default", S.CONTENT, S.BLOB)
    return {entry.key for entry in bucket.entries()}


def test_d_shows_a_blob_the_last_transaction_deleted_as_not_live(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: set[str] = set()

    def on_a_worker(read: Callable[[BoltFile], Any]) -> Callable[[BoltFile], Any]:
        def recorded(db: BoltFile) -> Any:
            main = threading.current_thread() is threading.main_thread()
            threads.add(f"{read.__name__} on the event loop" if main else "worker")
            return read(db)

        return recorded

    monkeypatch.setattr(marking, "read_changes", on_a_worker(marking.read_changes))
    monkeypatch.setattr(marking, "read_recovered", on_a_worker(marking.read_recovered))
    deleted_blob_is_marked(threads)


@pilot_test
async def deleted_blob_is_marked(threads: set[str]) -> None:
    db = BoltFile.open(str(DIFF_BEFORE))
    previous = db.with_meta(1 - db.meta.index)
    (gone,) = blob_keys(previous) - blob_keys(db)  # what bbolt's two trees say
    app = app_for(DIFF_BEFORE)
    async with app.run_test(size=SIZE) as pilot:
        await cursor_on_group(pilot, app, "default", "content")
        tree = app.query_one(ContainerdTree)
        content = tree.cursor_node
        content.expand()
        await settle(pilot)
        live = [child.data.obj.digest for child in content.children]
        assert gone.decode() not in live
        await pilot.press("d")
        await settle(pilot)
        assert threads == {"worker"}  # read in a worker thread, never on the event loop
        ghosts = [child for child in content.children if isinstance(child.data, GhostItem)]
        assert len(ghosts) == 1
        label = str(ghosts[0].label)
        assert label.startswith("✗ deleted, not live ") and gone.decode()[:19] in label
        # The live ones are as they were.
        assert [child.data.obj.digest for child in content.children[1:]] == live
        tree.move_cursor(ghosts[0])
        await settle(pilot)
        text = detail_text(app)
        assert gone.decode() in text and "DELETED" in text and "not live" in text
        assert f"txid {db.txid} (the active transaction)" in text
        assert f"txid {previous.txid}, meta {previous.meta.index}" in text
        assert "353 bytes" in text  # its size, read from the previous transaction
        # d again: every mark goes.
        await pilot.press("d")
        await settle(pilot)
        assert not any(isinstance(c.data, GhostItem) for c in content.children)
        assert tree.cursor_node is content
        # In the previous transaction the blob is live, and marked as deleted next.
        await pilot.press("d", "t")
        await cursor_on_group(pilot, app, "default", "content")
        tree.cursor_node.expand()
        await settle(pilot)
        lines = [line.strip() for line in dump_tree(tree.root)]
        assert not any(line.startswith("✗") for line in lines)
        (marked,) = [line for line in lines if line.startswith("− deleted next ")]
        assert gone.decode()[:19] in marked


def two_transactions(writer: Path, where: Path) -> Path:
    """Containers a and b; then c created and b's labels changed, as containerd would."""

    def container(**labels: str) -> dict[str, Any]:
        return {"image": "example.com/x:1", "runtime": {"name": "io.containerd.runc.v2"},
                "labels": labels}  # fmt: skip

    first = {"v1": {"version": "\x03", "default": {"containers": {
        "a": container(app="a"), "b": container(app="b")}}}}  # fmt: skip
    second = {"v1": {"default": {"containers": {
        "b": {"labels": {"tier": "prod"}}, "c": container(app="c")}}}}  # fmt: skip
    (where / "first.json").write_text(json.dumps(first))
    (where / "second.json").write_text(json.dumps(second))
    path = where / "meta.db"
    specs = [where / "first.json", path, where / "second.json"]
    subprocess.run([str(writer), *map(str, specs)], check=True)
    subprocess.run([str(writer), str(where / "first.json"), str(where / "first.db")], check=True)
    return path


def test_d_marks_created_and_changed_objects(spec_writer: Path, tmp_path: Path) -> None:  # noqa: F811
    path = two_transactions(spec_writer, tmp_path)

    @pilot_test
    async def scenario() -> None:
        app = app_for(path)
        async with app.run_test(size=SIZE) as pilot:
            await cursor_on_group(pilot, app, "default", "containers")
            tree = app.query_one(ContainerdTree)
            containers = tree.cursor_node
            containers.expand()
            await settle(pilot)
            before = {child.data.obj.id: str(child.label) for child in containers.children}
            await pilot.press("d")
            await settle(pilot)
            labels = {child.data.obj.id: str(child.label) for child in containers.children}
            assert labels["a"] == before["a"]
            assert labels["b"] == f"~ updated {before['b']}  labels/tier"
            assert labels["c"].startswith("+ new c ")
            # The detail pane says it too, above the object's fields.
            txid = app.db.txid
            notes = {}
            for child in containers.children:
                tree.move_cursor(child)
                await settle(pilot)
                note = app.query_one("#marks-note", Static)
                notes[child.data.obj.id] = str(note.render()) if note.display else None
            assert notes == {
                "a": None,
                "b": f"~ updated in txid {txid}: labels/tier",
                "c": f"+ new in txid {txid}: not in txid {txid - 1}",
            }
            await pilot.press("d")
            await settle(pilot)
            assert {c.data.obj.id: str(c.label) for c in containers.children} == before
            assert not app.query_one("#marks-note", Static).display

    scenario()


@pilot_test
async def test_d_adds_what_recover_finds_as_a_not_live_group() -> None:
    deleted = {c["id"] for c in json.loads((CTR / "deleted_containers.json").read_text())}
    db = BoltFile.open(str(V16 / "meta.db"))
    found = {o.id: o for o in recovered_objects(recover(db)) if o.kind == "container"}
    app = app_for(V16 / "meta.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        default = tree.root.children[0]
        assert not any(isinstance(c.data, RecoveredGroupItem) for c in default.children)
        await pilot.press("d")
        await settle(pilot)
        (group,) = [c for c in default.children if isinstance(c.data, RecoveredGroupItem)]
        assert "recovered" in str(group.label) and "not live" in str(group.label)
        recovered = {c.data.obj.id: c for c in group.children if isinstance(c.data, RecoveredItem)}
        containers = {i for i in recovered if recovered[i].data.obj.kind == "container"}
        assert containers and containers <= deleted  # containerd did delete them
        name = min(containers)
        node = recovered[name]
        assert str(node.label).startswith("⟲ container " + name)
        group.expand()
        await pilot.pause()
        tree.move_cursor(node)
        await settle(pilot)
        text = detail_text(app)
        assert "RECOVERED" in text and "not live" in text
        pages = found[name].pages
        assert f"{pages[0]}-{pages[-1]}" in text or str(pages[0]) in text
        assert found[name].copy is not None and found[name].copy.id in text
        # Through two rebuilds of the tree (t, t), then d: no mark stays behind.
        await pilot.press("t", "t")
        await settle(pilot)
        assert len([c for c in tree.root.children[0].children
                    if isinstance(c.data, RecoveredGroupItem)]) == 1  # fmt: skip
        await pilot.press("d")
        await settle(pilot)
        assert not [line for line in dump_tree(tree.root) if "recovered" in line]
        # Not in the live containers group.
        await cursor_on_group(pilot, app, "default", "containers")
        live = tree.cursor_node
        live.expand()
        await settle(pilot)
        assert name not in [c.data.obj.id for c in live.children if isinstance(c.data, ObjItem)]


def test_diff_tells_each_object_of_a_whole_new_bucket() -> None:
    """v17's last transaction made k8s.io's leases bucket: each lease in it is created."""
    from click.testing import CliRunner

    from boltview.cli import cli

    path = ROOT / "fixtures" / "containerd" / "v17" / "meta.db"
    db = BoltFile.open(str(path))
    leases = {e.key.decode() for e in db.bucket(S.V1, b"k8s.io", S.LEASES).entries()}
    result = CliRunner().invoke(cli, ["diff", str(path), "--json"])
    assert result.exit_code == 0, result.output
    events = json.loads(result.output)["containerd"]
    created = {e["id"] for e in events if e["kind"] == "lease" and e["action"] == "created"}
    assert created == leases and leases


@pilot_test
async def test_hostile_names_in_tables_and_marks_are_escaped() -> None:
    """hostile.db (real bbolt) names containers and namespaces with terminal attacks."""
    app = app_for(HOSTILE_DB)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        tree = app.query_one(ContainerdTree)
        seen = 0
        for ns in list(tree.root.children):
            if not isinstance(ns.data, NsItem):
                continue
            name = ns.data.namespace.name
            await cursor_on_group(pilot, app, name, "containers")
            table = table_of(app)
            await wait_loaded(pilot, table)
            text = "\n".join(" ".join(row) for row in table_rows(table))
            assert_no_controls(text + str(table.border_title))
            seen += table.row_count
        assert seen == 4  # every hostile container, each one row
        assert_no_controls("\n".join(dump_tree(tree.root)))
        assert_no_controls(detail_text(app))


@pilot_test
async def test_sizes_sort_by_their_bytes() -> None:
    """content's SIZE column ("53B", "10.24kB", "1.032MB") sorts by the blobs' sizes."""
    db = BoltFile.open(str(V16 / "meta.db"))
    blobs = list(MetadataReader(db, check=False).blobs("default"))
    by_size = [b.digest for b in sorted(blobs, key=lambda b: (b.size, b.digest))]
    app = app_for(V16 / "meta.db")
    async with app.run_test(size=SIZE) as pilot:
        await cursor_on_group(pilot, app, "default", "content")
        table = table_of(app)
        await wait_loaded(pilot, table)
        await focus_table(pilot, app)
        await pilot.press("s", "s")  # DIGEST, then SIZE
        await wait_loaded(pilot, table)
        assert [row[0] for row in table_rows(table)] == by_size
        await pilot.press("S")
        await wait_loaded(pilot, table)
        assert table_rows(table)[0][0] == by_size[-1]


def test_marks_are_read_again_for_a_reloaded_file(spec_writer: Path, tmp_path: Path) -> None:  # noqa: F811
    """Marks on, a writer commits (c created, b changed), r: the marks are the new file's."""
    after = two_transactions(spec_writer, tmp_path).read_bytes()
    path = tmp_path / "first.db"  # only the first transaction: nothing marked yet

    @pilot_test
    async def scenario() -> None:
        app = app_for(path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("d")
            await cursor_on_group(pilot, app, "default", "containers")
            tree = app.query_one(ContainerdTree)
            tree.cursor_node.expand()
            await settle(pilot)
            assert not [line for line in dump_tree(tree.root) if line.strip()[:1] in "+~✗"]
            with path.open("r+b") as file:  # the writer's commits, in place, as bbolt writes
                file.write(after)
            app.look_at_file()
            await pilot.press("r")
            await cursor_on_group(pilot, app, "default", "containers")
            tree.cursor_node.expand()
            await settle(pilot)
            marked = sorted(line.strip()[:9] for line in dump_tree(tree.root)
                            if line.strip()[:1] in "+~")  # fmt: skip
            assert marked == ["+ new c  ", "~ updated"]

    scenario()


NODE_A = ROOT / "fixtures" / "node" / "root" / "var" / "lib" / "containerd"
NODE_CTR = ROOT / "fixtures" / "node" / "expected" / "A"


@pilot_test
async def test_with_the_content_store_images_are_ctrs_to_the_last_column() -> None:
    """The node fixture's install A, with the content store found beside its meta.db:
    SIZE and PLATFORMS come from the blobs, as ctr printed them there."""
    from boltview.containerd.companions import content_store
    from boltview.tui import make_app

    meta = NODE_A / "io.containerd.metadata.v1.bolt" / "meta.db"
    store = content_store(str(meta), None)
    assert store is not None
    app = make_app(BoltFile.open(str(meta)), content=store, clock=lambda: NOW, local_tz=UTC)
    async with app.run_test(size=SIZE) as pilot:
        await cursor_on_group(pilot, app, "default", "images")
        table = table_of(app)
        await wait_loaded(pilot, table)
        want_header, want_rows = ctr_columns(NODE_CTR / "default" / "images.txt")
        assert header(table) == want_header
        assert table_rows(table) == want_rows
