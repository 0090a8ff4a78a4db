"""Issue 15, item 13: the browser on a file that a writer changes under it; issue 10,
item 10: the header and the footer at 80x24 and 60x20.

Writers that lock only while they write (podman, rclone) leave no lock when the
browser opens their file.  The writer here is the real bbolt (the spec writer of
``tests.test_hostile_containerd``): one database after its first transaction,
and the same database after two more.  The test plays the writer by putting the
second file's bytes in place of the first one's while the browser is open, as
bbolt itself writes (in place, no rename).  After two commits the pages of the
first transaction are reused, so reading it from disk now fails the way the
issue saw it ("bucket ctr does not exist") although ``check`` is clean: the
browser must say the file changed, never report the damage.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Input

import boltview.tui
from boltview.bolt.file import BROWSE_SNAPSHOT_LIMIT, BoltFile
from boltview.cli import main
from boltview.errors import BoltviewError
from boltview.tui.app import BoltviewApp, make_app
from boltview.tui.live import LOOK_EVERY
from boltview.tui.live_reads import changed_read
from boltview.tui.screens.help import HelpScreen
from boltview.tui.widgets.containerd_tree import ContainerdTree, Note, ObjItem
from boltview.tui.widgets.footer import KeyFooter
from boltview.tui.widgets.header import DbHeader, header_text
from boltview.tui.widgets.raw_tree import NoteItem, RawTree, ValueItem
from tests.conftest import run_boltview
from tests.test_hostile_containerd import spec_writer  # noqa: F401  (a fixture)
from tests.test_tui import CONTAINERD, NOW, detail_text, find_child, pilot_test, settle

FILLER = "x" * 60
FIRST = {
    "ctr": {f"ctr-{n:04d}": f"container {n} {FILLER}" for n in range(1_500)},
    "pod": {f"pod-{n:03d}": f"pod {n}" for n in range(300)},
}
SECOND = {"ctr": {f"ctr-{n:04d}": f"changed {n} {FILLER}" for n in range(1_500)}}
THIRD = {
    "ctr": {f"ctr-{n:04d}": f"again {n} {FILLER}" for n in range(1_500)},
    "pod": {f"pod-{n:03d}": f"pod {n} moved" for n in range(300)},
}
CHANGED = "the file changed under the read (txid 2 -> 4): r to reload"


@pytest.fixture(scope="module")
def before_after(
    spec_writer: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[bytes, bytes]:
    """One database after its first transaction (txid 2), and after two more (txid 4)."""
    where = tmp_path_factory.mktemp("writer")
    for name, spec in (("first", FIRST), ("second", SECOND), ("third", THIRD)):
        (where / f"{name}.json").write_text(json.dumps(spec))
    subprocess.run([str(spec_writer), where / "first.json", where / "before.db"], check=True)
    specs = [where / "first.json", where / "after.db", where / "second.json", where / "third.json"]
    subprocess.run([str(spec_writer), *specs], check=True)
    return (where / "before.db").read_bytes(), (where / "after.db").read_bytes()


def commit(path: Path, after: bytes) -> None:
    """The writer's two commits: the new bytes, in place, as bbolt writes."""
    with path.open("r+b") as file:
        file.write(after)


def app_on(path: Path, **open_options: Any) -> BoltviewApp:
    db = BoltFile.open(str(path), **open_options)
    return make_app(db, clock=lambda: NOW, view="raw")


def header(app: BoltviewApp) -> str:
    return str(app.query_one(DbHeader).render())


def labels(tree: RawTree) -> list[str]:
    """Every label in the raw tree, as plain text."""
    out, stack = [], [tree.root]
    while stack:
        node = stack.pop()
        out.append(str(node.label))
        stack.extend(node.children)
    return out


def test_the_old_transaction_read_from_the_new_bytes_looks_damaged(
    before_after: tuple[bytes, bytes], tmp_path: Path
) -> None:
    """What the browser must explain: the first transaction's tree, read from the
    bytes after two more commits, fails as if damaged; the file itself is sound."""
    before, after = before_after
    sound = tmp_path / "after.db"
    sound.write_bytes(after)
    with BoltFile.open(str(sound)) as db:
        page_size = db.page_size
    # The meta pages the browser read, over the pages the writer has written since.
    mixed = tmp_path / "mixed.db"
    mixed.write_bytes(before[: 2 * page_size] + after[2 * page_size :])
    with BoltFile.open(str(mixed)) as stale:
        assert stale.txid == 2
        with pytest.raises(BoltviewError, match="bucket ctr does not exist"):
            stale.bucket(b"ctr")
    result = run_boltview("check", sound)
    assert (result.returncode, result.stdout.strip()) == (0, "OK")


def test_file_change_is_seen_by_one_look(before_after: tuple[bytes, bytes], tmp_path: Path) -> None:
    before, after = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    with BoltFile.open(str(path)) as live, BoltFile.open(str(path), snapshot=True) as copy:
        assert live.file_change() is None and copy.file_change() is None
        commit(path, after)
        for db in (live, copy):
            change = db.file_change()
            assert change is not None and (change.opened, change.now) == (2, 4)
            assert str(change) == "txid 2 -> 4" and not change.replaced
        assert live.reopen().txid == 4
        again = copy.reopen()
        assert again.is_snapshot and again.txid == 4
        again.close()


@pytest.fixture(scope="module")
def one_commit(spec_writer: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:  # noqa: F811
    """The same database after one more transaction only (txid 3)."""
    where = tmp_path_factory.mktemp("one-commit")
    for name, spec in (("first", FIRST), ("second", SECOND)):
        (where / f"{name}.json").write_text(json.dumps(spec))
    specs = [where / "first.json", where / "middle.db", where / "second.json"]
    subprocess.run([str(spec_writer), *specs], check=True)
    return (where / "middle.db").read_bytes()


def test_a_read_is_doubted_from_the_writers_second_commit(
    before_after: tuple[bytes, bytes], one_commit: bytes, tmp_path: Path
) -> None:
    """bbolt reuses the pages of transaction T from T+2 on: after one commit a read
    that worked is still T's; a read that failed is explained by any commit."""
    before, after = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    with BoltFile.open(str(path)) as db:
        commit(path, one_commit)
        change = db.file_change()
        assert change is not None and str(change) == "txid 2 -> 3" and not change.pages_reused
        assert changed_read(None, db, failed=False) is None
        assert changed_read(None, db, failed=True) == (
            "the file changed under the read (txid 2 -> 3): r to reload"
        )
        # T is still whole on disk: the first transaction reads as it was.
        assert db.bucket(b"ctr").get(b"ctr-0000") == f"container 0 {FILLER}".encode()
        commit(path, after)
        change = db.file_change()
        assert change is not None and change.pages_reused
        assert changed_read(None, db, failed=False) == CHANGED
    with BoltFile.open(str(path), snapshot=True) as copy:
        commit(path, one_commit + b"\0" * (len(after) - len(one_commit)))
        assert copy.file_change() is not None
        assert changed_read(None, copy, failed=True) is None  # a snapshot's errors are real


def test_a_file_renamed_over_the_path_is_replaced(
    before_after: tuple[bytes, bytes], tmp_path: Path
) -> None:
    before, _ = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    with BoltFile.open(str(path)) as db:
        newer = tmp_path / "compacted.db"
        newer.write_bytes(before)
        os.replace(newer, path)  # a compaction: same content, another file
        change = db.file_change()
        assert change is not None and change.replaced and str(change) == "replaced on disk"


# -- the browser on a live file -------------------------------------------------------------


@pytest.mark.parametrize("writer", ["bytes in place", "the bbolt process"])
@pilot_test
async def test_a_direct_read_overtaken_by_a_writer_says_so_and_reloads(
    writer: str,
    before_after: tuple[bytes, bytes],
    spec_writer: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    before, after = before_after
    path = tmp_path / "bolt_state.db"
    path.write_bytes(before)
    app = app_on(path)  # a direct read: the podman case (no lock to see)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert "live file" in header(app) and "changed" not in header(app)
        tree = app.query_one(RawTree)
        assert [str(c.label).split("/")[0] for c in tree.root.children] == ["ctr", "pod"]

        if writer == "bytes in place":
            commit(path, after)
        else:  # the real writer opens the file the browser has open, and commits twice
            for name, spec in (("second", SECOND), ("third", THIRD)):
                (tmp_path / f"{name}.json").write_text(json.dumps(spec))
            specs = [tmp_path / "second.json", path, tmp_path / "third.json"]
            command = [str(spec_writer), *specs]
            await asyncio.to_thread(subprocess.run, command, check=True, timeout=60)
        ctr = find_child(tree.root, "ctr")
        tree.move_cursor(ctr)
        await settle(pilot)
        # The detail pane reads ctr's header from the root page, which the writer reused.
        assert CHANGED in detail_text(app)
        ctr.expand()
        await settle(pilot)
        notes = [c.data for c in ctr.children if isinstance(c.data, NoteItem)]
        assert [note.message for note in notes] == [CHANGED]
        shown = "\n".join(labels(tree))
        assert "does not exist" not in shown and "page" not in shown
        # The read noticed the change: the header says it without waiting for the timer.
        assert "file changed: txid 2 -> 4, r to reload" in header(app)
        await pilot.press("down")  # onto the note: the detail pane says the same
        await settle(pilot)
        assert CHANGED in detail_text(app)
        assert "does not exist" not in detail_text(app)

        await pilot.press("r")
        await settle(pilot)
        assert app.db.txid == 4 and not app.db.is_snapshot
        assert "changed" not in header(app) and "txid 4" in header(app)
        assert "live file" in header(app)
        # The cursor is back on ctr, which now reads, with the newest values.
        ctr = find_child(tree.root, "ctr")
        assert tree.cursor_node is ctr
        ctr.expand()
        await settle(pilot)
        first = next(c for c in ctr.children if isinstance(c.data, ValueItem))
        assert "again 0" in str(first.label)
        assert not [c for c in ctr.children if isinstance(c.data, NoteItem) and c.data.error]


@pytest.fixture(scope="module")
def containerd_after(spec_writer: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:  # noqa: F811
    """The containerd fixture after two more transactions of the real bbolt (new blobs)."""
    where = tmp_path_factory.mktemp("containerd-writer")
    path = where / "meta.db"
    path.write_bytes(CONTAINERD.read_bytes())
    specs = []
    for round_ in range(2):
        blobs = {
            f"sha256:{round_:02x}{n:062x}": {"labels": {"round": str(round_), "pad": FILLER * 4}}
            for n in range(200)
        }
        spec = where / f"round-{round_}.json"
        spec.write_text(json.dumps({"v1": {"default": {"content": {"blob": blobs}}}}))
        specs.append(spec)
    subprocess.run([str(spec_writer), specs[0], path, *specs[1:]], check=True)
    return path.read_bytes()


@pilot_test
async def test_the_containerd_view_says_the_file_changed_instead_of_damage(
    containerd_after: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "meta.db"
    path.write_bytes(CONTAINERD.read_bytes())
    db = BoltFile.open(str(path))
    opened = db.txid
    app = make_app(db, clock=lambda: NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        default = find_child(tree.root, "default")
        before = [str(c.label).split(" ")[0] for c in default.children]
        assert "content" in before and "containers" in before

        commit(path, containerd_after)
        for group in ("content", "containers"):
            node = find_child(default, group)
            node.expand()
            await settle(pilot)
            notes = [c.data.message for c in node.children if isinstance(c.data, Note)]
            assert notes == [
                f"the file changed under the read (txid {opened} -> {opened + 2}): r to reload"
            ], (group, notes)
        assert f"file changed: txid {opened} -> {opened + 2}" in header(app)

        await pilot.press("r")
        await settle(pilot)
        assert app.db.txid == opened + 2
        default = find_child(tree.root, "default")
        content = find_child(default, "content")
        assert "(412)" in str(content.label)  # the fixture's 12 blobs and 200 of each round


@pilot_test
async def test_reload_keeps_the_cursor_on_the_same_object(
    containerd_after: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "meta.db"
    path.write_bytes(CONTAINERD.read_bytes())
    app = make_app(BoltFile.open(str(path), snapshot=True), clock=lambda: NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        containers = find_child(find_child(tree.root, "default"), "containers")
        containers.expand()
        await settle(pilot)
        objects = [c for c in containers.children if isinstance(c.data, ObjItem)]
        chosen = objects[-1]
        tree.move_cursor(chosen)
        await settle(pilot)
        assert isinstance(chosen.data, ObjItem)
        ref = chosen.data.obj.ref

        commit(path, containerd_after)
        app.look_at_file()
        await pilot.press("r")
        await settle(pilot)
        await settle(pilot)
        with BoltFile.open(str(CONTAINERD)) as fixture:
            assert app.db.txid == fixture.txid + 2
        node = tree.cursor_node
        assert node is not None and node is not chosen  # a new tree, read again
        assert isinstance(node.data, ObjItem) and node.data.obj.ref == ref


@pilot_test
async def test_a_snapshot_shows_its_txid_and_the_timer_sees_the_writer(
    before_after: tuple[bytes, bytes], tmp_path: Path
) -> None:
    before, after = before_after
    path = tmp_path / "bolt_state.db"
    path.write_bytes(before)
    app = app_on(path, snapshot=None, copy_up_to=BROWSE_SNAPSHOT_LIMIT)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.db.is_snapshot
        assert "snapshot of txid 2" in header(app) and "live file" not in header(app)
        commit(path, after)
        await pilot.pause(LOOK_EVERY * 1.5)  # one look of the timer, no key pressed
        assert "file changed: txid 2 -> 4, r to reload" in header(app)
        # The snapshot still reads whole: the first transaction, no error, no note.
        tree = app.query_one(RawTree)
        ctr = find_child(tree.root, "ctr")
        ctr.expand()
        await settle(pilot)
        first = next(c for c in ctr.children if isinstance(c.data, ValueItem))
        assert "container 0" in str(first.label)
        assert not [c for c in ctr.children if isinstance(c.data, NoteItem)]
        footer = str(app.query_one(KeyFooter).render())
        assert "r Reload" in footer

        await pilot.press("r")
        await settle(pilot)
        assert app.db.is_snapshot and app.db.txid == 4
        assert "snapshot of txid 4" in header(app) and "changed" not in header(app)
        assert "r Reload" not in str(app.query_one(KeyFooter).render())


@pilot_test
async def test_a_locked_file_says_who_holds_it(
    before_after: tuple[bytes, bytes], tmp_path: Path
) -> None:
    before, _ = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    with path.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as bbolt's writer does
        app = app_on(path, snapshot=None)
    async with app.run_test(size=(160, 36)) as pilot:
        await settle(pilot)
        assert app.db.is_snapshot
        assert f"locked by a writer (pid {os.getpid()})" in header(app)


@pilot_test
async def test_a_deleted_file_is_said_and_r_cannot_reload_it(
    before_after: tuple[bytes, bytes], tmp_path: Path
) -> None:
    before, _ = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    app = app_on(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        path.unlink()
        app.look_at_file()
        await pilot.pause()
        assert "file replaced on disk, r to reload" in header(app)
        await pilot.press("r")
        await settle(pilot)
        messages = [str(n.message) for n in app._notifications]
        assert any("cannot reload" in m and "no such file" in m for m in messages), messages
        assert app.db.txid == 2 and app.is_running
        # What was read stays readable: the descriptor still holds the deleted file.
        ctr = find_child(app.query_one(RawTree).root, "ctr")
        ctr.expand()
        await settle(pilot)
        assert any(isinstance(c.data, ValueItem) for c in ctr.children)


@pilot_test
async def test_r_typed_in_the_filter_box_is_an_r(
    before_after: tuple[bytes, bytes], tmp_path: Path
) -> None:
    before, after = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    app = app_on(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        commit(path, after)
        app.look_at_file()
        await pilot.press("f")
        await pilot.press("r")
        await settle(pilot)
        assert app.query_one("#filter", Input).value == "r"
        assert app.db.txid == 2 and "file changed" in header(app)  # not reloaded
        assert "r Reload" not in str(app.query_one(KeyFooter).render())


@pilot_test
async def test_a_click_on_a_footer_key_presses_it() -> None:
    app = make_app(BoltFile.open(str(CONTAINERD)), clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.query_one(KeyFooter)
        text = str(footer.render())
        x = text.index("? Help")
        await pilot.click(KeyFooter, offset=(x, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


@pilot_test
async def test_r_is_relations_while_the_file_has_not_changed() -> None:
    app = make_app(BoltFile.open(str(CONTAINERD)), clock=lambda: NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        containers = find_child(tree.root.children[0], "containers")
        containers.expand()
        await settle(pilot)
        obj = next(c for c in containers.children if isinstance(c.data, ObjItem))
        tree.move_cursor(obj)
        await settle(pilot)
        await pilot.press("r")
        assert app.focused is not None and app.focused.id == "relations"
        assert app.base_db.txid == app.db.txid  # nothing was reloaded
        assert not [c for c in tree.root.children if isinstance(c.data, Note) and c.data.error]


def test_the_browser_reads_a_small_file_from_a_snapshot(
    before_after: tuple[bytes, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, _ = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    seen: list[tuple[bool, int]] = []
    monkeypatch.setattr(boltview.tui, "run", lambda db: seen.append((db.is_snapshot, db.txid)))
    for argv in (["open", str(path)], [str(path), "--no-snapshot"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
    assert seen == [(True, 2), (False, 2)]


# -- 80x24 and 60x20: the header and the footer degrade by priority ------------------------

WIDTHS = [(80, 24), (60, 20)]


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("size", WIDTHS)
@pilot_test
async def test_footer_keeps_q_help_and_t_whole(size: tuple[int, int]) -> None:
    app = make_app(BoltFile.open(str(CONTAINERD)), clock=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for view in ("containerd", "raw"):
            app.set_view(view)
            await settle(pilot)
            footer = app.query_one(KeyFooter)
            shown = str(footer.render())
            assert len(shown) <= size[0]
            for key in ("q Quit", "? Help", "t Prev txn"):
                assert key in shown, (size, shown)
            # Every key shown is a whole "key Description", as the full footer has it.
            full = {f"{label}" for label in re.split(r"  +", _full_footer(footer))}
            assert set(re.split(r"  +", shown.strip())) <= full, shown


def _full_footer(footer: KeyFooter) -> str:
    from boltview.tui.widgets.fitting import choose, join

    _, parts = footer.parts()
    return str(join(parts, choose(parts, 1 << 16))[0])


@pytest.mark.parametrize("size", WIDTHS)
@pilot_test
async def test_header_drops_whole_parts_and_keeps_the_important_ones(
    size: tuple[int, int], before_after: tuple[bytes, bytes], tmp_path: Path
) -> None:
    before, after = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    app = app_on(path, snapshot=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        full = str(header_text(app.db, app.kind, app.view, False))
        shown = header(app)
        assert len(shown) <= size[0]
        assert "READ-ONLY" in shown and "meta.db" in shown and "snapshot" in shown
        assert set(words(shown)) <= set(words(full)), (shown, full)
        commit(path, after)
        app.look_at_file()
        await pilot.pause()
        shown = header(app)
        assert len(shown) <= size[0]
        assert "READ-ONLY" in shown and "changed" in shown
        assert re.search(r"r (to reload|reloads)", shown), shown
        assert "snapshot" in shown, shown
        footer = str(app.query_one(KeyFooter).render())
        for key in ("q Quit", "? Help", "t Prev txn", "r Reload"):
            assert key in footer, footer
        full = (
            str(header_text(app.db, app.kind, app.view, False, app.file_change))
            + " snapshot changed, r reloads"
        )
        assert set(words(shown)) <= set(words(full)), (shown, full)


def test_header_parts_are_never_cut() -> None:
    """At every width, each part is shown in one of its forms or not at all."""
    from boltview.tui.widgets.fitting import Part, choose

    parts = [Part((Text("alpha beta"), Text("alpha")), 1), Part((Text("gamma"),), 0)]
    for width in range(20):
        chosen = choose(parts, width)
        assert all(form in parts[i].forms for i, form in chosen)
    assert [str(f) for _, f in choose(parts, 19)] == ["alpha beta", "gamma"]
    assert [str(f) for _, f in choose(parts, 12)] == ["alpha", "gamma"]
    assert [str(f) for _, f in choose(parts, 6)] == ["gamma"]
    assert choose(parts, 4) == []
