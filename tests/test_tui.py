"""The terminal browser, driven like a person would, with Textual's Pilot.

Each test opens a real file (a committed fixture, written by real bbolt or
real containerd, or a copy of one damaged with ``tests.corrupt``), presses
keys, and checks the widgets' state: what the trees hold, where the cursor
is, what the detail pane shows, what was written.  The clock is fixed so
ages do not drift.
"""

from __future__ import annotations

import asyncio
import functools
import html
import json
import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList, Static
from textual.worker import WorkerCancelled

from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BUCKET_HEADER_SIZE, BUCKET_LEAF_FLAG, layout
from boltview.dump import dump
from boltview.tui.app import BoltviewApp, make_app
from boltview.tui.messages import JumpToObject
from boltview.tui.screens.export import ExportScreen
from boltview.tui.screens.help import HelpScreen
from boltview.tui.screens.search import SearchScreen
from boltview.tui.widgets.containerd_tree import ContainerdTree, GroupItem, NsItem, ObjItem
from boltview.tui.widgets.detail import DetailPane, RelationList
from boltview.tui.widgets.header import DbHeader
from boltview.tui.widgets.raw_tree import BucketItem, MoreItem, NoteItem, RawTree, ValueItem

ROOT = Path(__file__).resolve().parent.parent
CONTAINERD = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"
BASIC = ROOT / "fixtures" / "bolt" / "basic.db"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
SIZE = (120, 36)


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test without an async pytest plugin (the suite needs none)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def app_for(path: Path, **options: object) -> BoltviewApp:
    db = BoltFile.open(str(path))
    return make_app(db, clock=lambda: NOW, local_tz=UTC, **options)  # type: ignore[arg-type]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let every worker finish and every message land."""
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # a newer exclusive worker replaced it: wait again
            continue
        await pilot.pause()


def detail_text(app: BoltviewApp) -> str:
    """Everything the detail pane shows, as plain text."""
    pane = app.query_one(DetailPane)
    parts = []
    for static_id in ("#detail-body", "#detail-more"):
        widget = pane.query_one(static_id, Static)
        parts.append(_plain(widget.content))
    relations = pane.query_one(RelationList)
    parts.extend(
        str(relations.get_option_at_index(i).prompt) for i in range(relations.option_count)
    )
    return "\n".join(parts)


def _plain(renderable: object) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def children_labels(node) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(child.label) for child in node.children]


def find_child(node, text: str):  # type: ignore[no-untyped-def]
    for child in node.children:
        if re.split(r"/| ", str(child.label))[0] == text:
            return child
    raise AssertionError(f"{text!r} not among {children_labels(node)}")


async def expand_many(app: BoltviewApp, pilot):  # type: ignore[no-untyped-def]
    """basic.db's raw tree with its big bucket ``many`` expanded: (tree, node)."""
    await settle(pilot)
    tree = app.query_one(RawTree)
    many = find_child(tree.root, "many")
    many.expand()
    await settle(pilot)
    return tree, many


# -- opening --------------------------------------------------------------------------


@pilot_test
async def test_containerd_file_opens_in_the_containerd_view() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = str(app.query_one(DbHeader).render())
        assert "meta.db" in header
        assert "containerd metadata" in header
        assert f"txid {app.db.txid}" in header
        assert "page 4096" in header
        assert "READ-ONLY" in header
        assert app.view == "containerd"
        tree = app.query_one(ContainerdTree)
        names = [child.data.namespace.name for child in tree.root.children]
        assert names == ["default", "empty-ns", "k8s.io", "team-a"]
        default = tree.root.children[0]
        assert default.is_expanded
        groups = {child.data.title: child.data.count for child in default.children}
        assert groups["containers"] == 4
        assert groups["images"] == 3
        assert "pods" not in groups
        assert tree.cursor_node is default


@pilot_test
async def test_plain_file_opens_in_the_raw_view() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.view == "raw"
        assert "plain bolt" in str(app.query_one(DbHeader).render())
        tree = app.query_one(RawTree)
        keys = [child.data.path[-1] for child in tree.root.children]
        assert keys == sorted(keys)
        assert b"many" in keys and b"weird" in keys
        # A plain file has no containerd view to switch to.
        await pilot.press("v")
        assert app.view == "raw"


# -- expanding and the detail pane ------------------------------------------------------


@pilot_test
async def test_expand_a_group_and_see_a_container_with_its_relations() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        await pilot.press("j", "l")  # onto "containers", open it
        await settle(pilot)
        containers = tree.cursor_node
        assert isinstance(containers.data, GroupItem) and containers.is_expanded
        ids = [child.data.obj.id for child in containers.children]
        assert ids == ["hello-1", "legacy-1", "web-1", "worker-1"]
        await pilot.press("l", "j", "j")  # into the group, down to web-1
        await settle(pilot)
        assert tree.cursor_node.data.obj.id == "web-1"
        text = detail_text(app)
        assert "container web-1" in text
        assert "example.com/tools/busybox:1.35" in text
        assert "2030" not in text.split("created")[0]  # the clock is for ages, not data
        assert "ago" in text  # an age, against the fixed clock
        assert "labels" in text and "team" in text
        assert "binary_name" in text  # runtime options decoded
        assert '"ociVersion"' in text  # the spec as JSON
        links = app.query_one(RelationList).links
        labels = [(link.label, link.ref.kind if link.ref else None) for link in links]
        assert ("image", "image") in labels
        assert ("snapshot", "snapshot") in labels
        assert any(label == "parent" for label, _ in labels)


@pilot_test
async def test_follow_a_relation_to_the_image() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "l", "l", "j", "j")
        await settle(pilot)
        await pilot.press("r")  # focus the relations
        relations = app.query_one(RelationList)
        assert app.focused is relations
        relations.highlighted = next(
            i for i, link in enumerate(relations.links) if link.label == "image"
        )
        await pilot.press("enter")
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        node = tree.cursor_node
        assert isinstance(node.data, ObjItem)
        assert node.data.obj.kind == "image"
        assert node.data.obj.name == "example.com/tools/busybox:1.35"
        assert app.focused is tree


@pilot_test
async def test_follow_a_snapshot_link_opens_the_chain() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "l", "l", "j", "j")
        await settle(pilot)
        relations = app.query_one(RelationList)
        link = next(link for link in relations.links if link.label == "snapshot")
        app.post_message(JumpToObject(link.ref))
        await settle(pilot)
        await settle(pilot)
        node = app.query_one(ContainerdTree).cursor_node
        assert node.data.obj.kind == "snapshot" and node.data.obj.key == "web-1"
        # It sits below its parents: base layer -> ... -> web-1.
        parent = node.parent
        assert isinstance(parent.data, ObjItem) and parent.data.obj.key.startswith("sha256:")


# -- the two views ----------------------------------------------------------------------


@pilot_test
async def test_switch_views_and_follow_links_both_ways() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "l", "l", "j", "j")  # container web-1
        await settle(pilot)
        await pilot.press("o")  # to its raw bucket
        await settle(pilot)
        assert app.view == "raw"
        raw = app.query_one(RawTree)
        item = raw.cursor_node.data
        assert isinstance(item, BucketItem)
        assert item.path == (b"v1", b"default", b"containers", b"web-1")
        assert "containerd: container web-1" in detail_text(app)
        await pilot.press("l")  # open the bucket, go to a key inside
        await settle(pilot)
        await pilot.press("l", "j")
        await settle(pilot)
        assert isinstance(raw.cursor_node.data, ValueItem)
        await pilot.press("o")  # from a key inside the bucket back to the object
        await settle(pilot)
        assert app.view == "containerd"
        node = app.query_one(ContainerdTree).cursor_node
        assert node.data.obj.id == "web-1"
        await pilot.press("v")
        assert app.view == "raw"
        await pilot.press("v")
        assert app.view == "containerd"


@pilot_test
async def test_raw_value_decoded_with_times_local_utc_and_age() -> None:
    app = app_for(CONTAINERD, view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        raw = app.query_one(RawTree)
        raw.reveal((b"v1", b"default", b"containers", b"web-1"), b"createdat")
        await settle(pilot)
        assert raw.cursor_node.data == ValueItem(
            (b"v1", b"default", b"containers", b"web-1"), b"createdat", 15
        )
        text = detail_text(app)
        assert "Go time (time.MarshalBinary)" in text
        assert "UTC" in text and "ago" in text
        assert "hex dump" in text
        raw.reveal((b"v1", b"default", b"containers", b"web-1"), b"spec")
        await settle(pilot)
        text = detail_text(app)
        assert "protobuf Any" in text
        assert "types.containerd.io/opencontainers/runtime-spec/1/Spec" in text
        assert '"ociVersion"' in text
        raw.reveal((b"v1",), b"version")
        await settle(pilot)
        assert "varint" in detail_text(app)


@pilot_test
async def test_a_big_bucket_loads_in_windows_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from boltview.tui.widgets import raw_tree

    monkeypatch.setattr(raw_tree, "MAX_LOADED", 500)
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        tree, many = await expand_many(app, pilot)

        def keys() -> list[bytes]:
            return [c.data.key for c in many.children if isinstance(c.data, ValueItem)]

        assert len(keys()) == 200
        more = many.children[-1]
        assert isinstance(more.data, MoreItem) and more.data.forward
        all_keys = [e.key for e in BoltFile.open(str(BASIC)).bucket(b"many").entries()]
        for _ in range(3):  # the cursor reaching "more" loads the next window
            tree.move_cursor(many.children[-1])
            await settle(pilot)
        loaded = keys()
        assert len(loaded) <= 500
        assert loaded == all_keys[all_keys.index(loaded[0]) :][: len(loaded)]
        assert loaded[-1] == all_keys[799]
        top = many.children[0]
        assert isinstance(top.data, MoreItem) and not top.data.forward  # "earlier keys"
        tree.move_cursor(top)
        await settle(pilot)
        assert keys()[0] < loaded[0]
        assert len(keys()) <= 500
        # The cursor stays where the user was: on the key just above the old window.
        assert tree.cursor_node.data.key == all_keys[all_keys.index(loaded[0]) - 1]


# -- search, filter ------------------------------------------------------------------------


@pilot_test
async def test_search_lists_results_and_jumps_through_them() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"busybox-fixture", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        hits = screen.hits
        assert len(hits) >= 4
        assert all(h.where in ("key", "value", "bucket") for h in hits)
        assert all(h.path[0] == b"v1" for h in hits)
        results = screen.query_one(OptionList)
        assert results.option_count == len(hits)
        assert app.focused is results
        await pilot.press("enter")
        await settle(pilot)
        # Each hit is inside a container: it opens in the containerd view (tests/test_tui_jump.py).
        assert app.view == "containerd"
        tree = app.query_one(ContainerdTree)
        first = tree.cursor_node.data.obj.ref
        assert first == app.model.object_at(hits[0].path)
        await pilot.press("n")
        await settle(pilot)
        assert tree.cursor_node.data.obj.ref == app.model.object_at(hits[1].path)
        await pilot.press("N")
        await settle(pilot)
        assert tree.cursor_node.data.obj.ref == first


@pilot_test
async def test_search_is_cancelled_between_pages() -> None:
    from boltview.tui.search import search

    db = BoltFile.open(str(BASIC))
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    found = list(search(db, "key-", cancelled, lambda _: None))
    everything = list(search(db, "key-", lambda: False, lambda _: None))
    assert len(found) < len(everything)
    assert len(everything) == 1200 - 6  # the keys of "many" after the second transaction


@pilot_test
async def test_filter_the_current_bucket() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        tree, many = await expand_many(app, pilot)
        tree.move_cursor(many.children[3])
        await pilot.press("f")
        box = app.query_one("#filter", Input)
        assert box.has_focus
        await pilot.press(*"0119", "enter")
        await settle(pilot)
        keys = [c.data.key for c in many.children if isinstance(c.data, ValueItem)]
        assert keys == [b"key-00119"] + [b"key-0119%d" % i for i in range(10)]
        assert isinstance(many.children[0].data, NoteItem)
        assert "filter" in str(many.label)
        await pilot.press("escape")
        await settle(pilot)
        assert len([c for c in many.children if isinstance(c.data, ValueItem)]) == 200


# -- export, copy -----------------------------------------------------------------------------


@pilot_test
async def test_export_a_raw_subtree_as_the_cli_dumps_it(tmp_path: Path) -> None:
    app = app_for(BASIC)
    target = tmp_path / "alpha.json"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(RawTree)
        tree.move_cursor(find_child(tree.root, "alpha"))
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        box = app.screen.query_one("#export-path", Input)
        box.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    import io

    expected = io.BytesIO()
    dump(BoltFile.open(str(BASIC)).bucket(b"alpha"), expected, "text")
    assert target.read_bytes() == expected.getvalue()
    assert json.loads(target.read_text())["a00"] == "alpha value 0"
    # Beside it, what ties it to the evidence: the database's hash and transaction.
    import hashlib

    record = json.loads((tmp_path / "alpha.json.provenance.json").read_text())
    assert record["export"]["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert record["source"]["sha256"] == hashlib.sha256(BASIC.read_bytes()).hexdigest()
    assert record["source"]["txid"] == BoltFile.open(str(BASIC)).txid
    assert record["source"]["path"] == str(BASIC.resolve())


@pilot_test
async def test_export_an_object_and_never_overwrite(tmp_path: Path) -> None:
    app = app_for(CONTAINERD)
    target = tmp_path / "web-1.json"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "l", "l", "j", "j")
        await settle(pilot)
        await pilot.press("e")
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        document = json.loads(target.read_text())
        assert document["ID"] == "web-1"
        assert document["Image"] == "example.com/tools/busybox:1.35"
        assert "relations" in document
        before = target.read_bytes()
        # Again, to the same file: refused, file untouched.
        await pilot.press("e")
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_bytes() == before
        assert any("never overwrites" in str(n.message) for n in app._notifications)


@pilot_test
async def test_copy_value_and_path() -> None:
    app = app_for(CONTAINERD, view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        raw = app.query_one(RawTree)
        raw.reveal((b"v1", b"default", b"containers", b"web-1"), b"image")
        await settle(pilot)
        await pilot.press("c")
        assert app.clipboard == "example.com/tools/busybox:1.35"
        await pilot.press("y")
        assert app.clipboard == "v1 default containers web-1 image"


@pilot_test
async def test_command_palette_offers_the_actions() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"help")
        await settle(pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


# -- help, quit, transactions -------------------------------------------------------------------


@pilot_test
async def test_help_and_quit() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = _plain(app.screen.query_one("#help-keys", Static).content)
        for key in ("j k", "g G", "ctrl+f", "/", "export", "previous transaction"):
            assert key in help_text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


@pilot_test
async def test_previous_transaction_and_back() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        active = app.db.txid
        await pilot.press("t")
        await settle(pilot)
        assert app.previous and app.db.txid == active - 1
        assert "PREVIOUS TRANSACTION" in str(app.query_one(DbHeader).render())
        tree = app.query_one(RawTree)
        assert tree.db is app.db
        alpha = find_child(tree.root, "alpha")
        alpha.expand()
        await settle(pilot)
        keys = [c.data.key for c in alpha.children if isinstance(c.data, ValueItem)]
        assert b"a-added-tx2" not in keys  # written by the second transaction
        await pilot.press("t")
        await settle(pilot)
        assert not app.previous and app.db.txid == active


# -- safety ---------------------------------------------------------------------------------------
#
# hostile.db (real bbolt, fixtures/README.md) holds terminal attacks as bucket names, keys
# and values, and a containerd-shaped v1 tree whose namespaces, ids and labels are attacks.

HOSTILE_DB = ROOT / "fixtures" / "bolt" / "hostile.db"
OVERFLOW = ROOT / "fixtures" / "bolt" / "overflow.db"
HOSTILE = "\x1b]0;pwned\x07"
HOSTILE_NS = ("ns" + HOSTILE).encode()
HOSTILE_ID = b"c[bold]1\x1b[31m"


def hostile_attacks() -> dict[bytes, bytes]:
    """The attacks hostile.db holds: name -> payload (its ``attacks`` bucket)."""
    with BoltFile.open(str(HOSTILE_DB)) as db:
        return {e.key: e.value for e in db.bucket(b"attacks").entries()}


def assert_no_controls(text: str) -> None:
    """No character a terminal would act on: C0, DEL, C1, bidi, zero-width, separators."""
    text = html.unescape(text)  # an SVG's &#...; entities too
    bad = [c for c in text if not c.isprintable() and c not in "\n\t \u00a0"]
    assert not bad, bad[:5]


def test_hostile_fixture_holds_the_attacks() -> None:
    """The fixture really holds what the tests below rely on, raw, as bbolt wrote it."""
    attacks = hostile_attacks()
    payloads = b"".join(attacks.values())
    for needle in (b"\x1b]0;pwned\x07", b"\x1b]52;c;", b"\x1b[2J", b"\x1b[5A", b"\x1b[31;",
                   b"\x9b", b"\xc2\x9b", "\u202e".encode(), "\u200d".encode(), b"\x00",
                   b"\x7f", b"\x08", b"\r", b"\xff\xfe"):  # fmt: skip
        assert needle in payloads, needle
    assert len(attacks[b"long-value"]) >= 64 * 1024
    assert len(attacks[b"long-line"]) > 4000 and b"\n" not in attacks[b"long-line"]
    with BoltFile.open(str(HOSTILE_DB)) as db:
        names = {bucket.name for bucket in db.root.buckets()}
        assert set(attacks.values()) - {attacks[b"long-value"]} <= names
        assert db.bucket(b"v1").get(b"version") is not None
        labels = db.bucket(b"v1", HOSTILE_NS, b"containers", HOSTILE_ID, b"labels")
        assert labels.get(b"k\x9b31m") == b"\x1b[?1049h"


@pilot_test
async def test_hostile_names_never_reach_the_terminal() -> None:
    app = app_for(HOSTILE_DB)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.view == "containerd"
        tree = app.query_one(ContainerdTree)
        ns = tree.root.children[0]
        assert isinstance(ns.data, NsItem)
        assert "\\x1b]0;pwned\\x07" in str(ns.label)
        assert "\\u202eevil-ns" in str(tree.root.children[1].label)
        await pilot.press("j", "l")  # the containers group, open
        await settle(pilot)
        await pilot.press("l")  # its first container
        await settle(pilot)
        assert isinstance(tree.cursor_node.data, ObjItem)
        shown = detail_text(app)
        assert "c[bold]1\\x1b[31m" in shown
        assert "\\x1b[?1049h" in shown
        assert "\\x1b]52;c;cm0gLXJmIH4K\\x07" in shown
        assert "user\\u202etxt.exe" in shown
        assert "\x1b" not in shown and "\x9b" not in shown
        assert_no_controls(shown)
        assert_no_controls(app.export_screenshot())
        await pilot.press("v")
        await settle(pilot)
        raw = app.query_one(RawTree)
        raw.reveal((b"v1", HOSTILE_NS, b"labels"), b"\x1b[2J")
        await settle(pilot)
        assert "\x1b" not in detail_text(app)
        assert_no_controls(detail_text(app))
        assert_no_controls(app.export_screenshot())


@pilot_test
async def test_every_attack_is_escaped_in_the_raw_view() -> None:
    """Each attack as a bucket name, a key and a value: the screen stays clean."""
    attacks = hostile_attacks()
    app = app_for(HOSTILE_DB, view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        raw = app.query_one(RawTree)
        labels = children_labels(raw.root)
        assert len(labels) == len(attacks) + 2  # a bucket per attack, attacks, keys, v1
        for label in labels:
            assert_no_controls(label)
        assert_no_controls(app.export_screenshot())  # the top-level buckets, all on screen
        for name, payload in attacks.items():
            raw.reveal((b"attacks",), name)  # as a value
            await settle(pilot)
            assert_no_controls(detail_text(app))
            assert_no_controls(app.export_screenshot())
            if name == b"long-value":
                continue
            raw.reveal((b"keys",), payload)  # as a key
            await settle(pilot)
            assert raw.cursor_node.data.key == payload
            assert_no_controls(str(raw.cursor_node.label))
            assert_no_controls(detail_text(app))
            raw.reveal((payload,), payload)  # as a bucket name and a key in it
            await settle(pilot)
            assert raw.cursor_node.data.path == (payload,)
            assert_no_controls(detail_text(app))
            assert_no_controls(app.export_screenshot())
        assert app.is_running


def damaged_hostile(tmp_path: Path, root: int) -> Path:
    """hostile.db with container HOSTILE_ID's bucket header pointing at page ``root``.

    The header (``root u64 | sequence u64``) is found with the engine, in the
    leaf of ``containers`` that bbolt wrote, and rebuilt with boltview's own
    construct declaration of it.
    """
    from tests import corrupt

    data = bytearray(HOSTILE_DB.read_bytes())
    with BoltFile.open(str(HOSTILE_DB)) as db:
        containers = db.bucket(b"v1", HOSTILE_NS, b"containers")
        (offset,) = [
            page.pgid * db.page_size + vs
            for page, _ in containers.leaves()
            for flags, ks, ke, vs, _ in page.leaf_records()
            if page.data[ks:ke] == HOSTILE_ID and flags & BUCKET_LEAF_FLAG
        ]
    header_struct = layout(corrupt.order_of(bytes(data))).bucket_header
    header = header_struct.parse(bytes(data[offset : offset + BUCKET_HEADER_SIZE]))
    assert header.root != 0  # a container holds sub-buckets: never inline
    header.root = root
    data[offset : offset + BUCKET_HEADER_SIZE] = header_struct.build(header)
    path = tmp_path / "hostile-damaged.db"
    path.write_bytes(bytes(data))
    return path


@pilot_test
async def test_a_corrupt_page_is_a_marked_node_and_the_app_goes_on(tmp_path: Path) -> None:
    path = damaged_hostile(tmp_path, 9999)  # past the end of the file
    with BoltFile.open(str(path)) as db:
        assert 9999 >= db.size // db.page_size
    app = app_for(path, view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        raw = app.query_one(RawTree)
        raw.reveal((b"v1", HOSTILE_NS, b"containers"), HOSTILE_ID)
        await settle(pilot)
        gone = raw.cursor_node
        assert isinstance(gone.data, BucketItem) and gone.data.path[-1] == HOSTILE_ID
        await pilot.press("l")
        await settle(pilot)
        assert gone.data.error is not None and "page 9999" in gone.data.error
        assert "⚠" in str(gone.label)
        error = gone.children[0]
        assert isinstance(error.data, NoteItem) and error.data.error
        await pilot.press("j")  # onto the error node: the reason in the detail pane
        await settle(pilot)
        assert "cannot read" in detail_text(app) and "9999" in detail_text(app)
        assert_no_controls(detail_text(app))
        assert_no_controls(app.export_screenshot())
        await pilot.press("g", "j")  # and the rest of the file still browses
        await settle(pilot)
        assert app.is_running
        raw.reveal((b"attacks",), b"osc-title")
        await settle(pilot)
        assert "key osc-title" in detail_text(app)
        assert "1b 5d 30 3b 70 77 6e 65" in detail_text(app)  # its bytes, as a hex dump


@pilot_test
async def test_a_root_that_is_not_a_leaf_is_a_marked_node(tmp_path: Path) -> None:
    """The container's root sent to the freelist page: a page, but not a tree page."""
    with BoltFile.open(str(HOSTILE_DB)) as db:
        freelist = db.meta.freelist
        assert db.page(freelist).is_freelist
    app = app_for(damaged_hostile(tmp_path, freelist), view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        raw = app.query_one(RawTree)
        raw.reveal((b"v1", HOSTILE_NS, b"containers"), HOSTILE_ID)
        await settle(pilot)
        node = raw.cursor_node
        await pilot.press("l")
        await settle(pilot)
        assert node.data.error is not None and f"page {freelist}" in node.data.error
        assert "freelist" in node.data.error
        assert "⚠" in str(node.label)
        assert any(isinstance(c.data, NoteItem) and c.data.error for c in node.children)
        await pilot.press("v")  # the containerd view lists the container, marked
        await settle(pilot)
        assert app.view == "containerd" and app.is_running
        assert_no_controls(app.export_screenshot())


@pilot_test
async def test_a_big_value_is_paged_not_cut() -> None:
    """overflow.db (real bbolt): values of 10 KiB and 100 KiB on overflow pages."""
    app = app_for(OVERFLOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        raw = app.query_one(RawTree)
        raw.reveal((b"big-values",), b"v010240")
        await settle(pilot)
        text = detail_text(app)
        assert "page 1/3" in text and "bytes 0-4095 of 10240" in text
        await pilot.press("right_square_bracket")
        text = detail_text(app)
        assert "page 2/3" in text and "00001000" in text
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert "page 3/3" in detail_text(app)
        await pilot.press("left_square_bracket")
        assert "page 2/3" in detail_text(app)
        raw.reveal((b"big-values",), b"v102400")
        await settle(pilot)
        text = detail_text(app)
        assert "page 1/25" in text and "bytes 0-4095 of 102400" in text
        await pilot.press(*["right_square_bracket"] * 30)  # stops at the last page
        text = detail_text(app)
        assert "page 25/25" in text and "bytes 98304-102399 of 102400" in text
        assert "00018ff8" in text  # the last row of the dump: nothing cut
        key = next(e.key for e in app.db.bucket(b"big-keys").entries() if len(e.key) == 20000)
        raw.reveal((b"big-keys",), key)  # a 20000-byte key: a short label
        await settle(pilot)
        assert raw.cursor_node.data.key == key
        assert len(str(raw.cursor_node.label)) < 200
        assert "value of a 20000-byte key" in detail_text(app)


@pilot_test
async def test_filter_objects_in_the_containerd_view() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        containers = find_child(tree.root.children[0], "containers")
        tree.move_cursor(containers)  # f filters the group the cursor is in
        await pilot.press("f", *"web", "enter")
        await settle(pilot)
        assert "filter: web" in str(containers.label)
        assert [c.data.obj.id for c in containers.children if isinstance(c.data, ObjItem)] == [
            "web-1"
        ]
        await pilot.press("escape")
        await settle(pilot)
        assert tree.filter_text is None
        assert len(containers.children) == 4


@pilot_test
async def test_previous_transaction_in_the_containerd_view() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.previous
        tree = app.query_one(ContainerdTree)
        assert tree.model.db is app.db
        assert [c.data.namespace.name for c in tree.root.children][:1] == ["default"]
        await pilot.press("t")
        await settle(pilot)
        assert not app.previous and tree.model.db is app.base_db


@pilot_test
async def test_clicking_more_keys_loads_the_next_window() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        tree, many = await expand_many(app, pilot)
        more = many.children[-1]
        tree.scroll_to_node(more, animate=False)
        await pilot.pause()
        region = tree._get_label_region(more.line)
        assert region is not None
        await pilot.click(RawTree, offset=(region.x + 2, region.y - int(tree.scroll_offset.y)))
        await settle(pilot)
        assert len([c for c in many.children if isinstance(c.data, ValueItem)]) == 400


def test_run_is_what_the_cli_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    from boltview import tui

    ran: list[BoltviewApp] = []
    monkeypatch.setattr(BoltviewApp, "run", lambda self, *a, **k: ran.append(self))
    with BoltFile.open(str(CONTAINERD)) as db:
        tui.run(db)
    assert len(ran) == 1 and ran[0].db.path == str(CONTAINERD)


@pilot_test
async def test_a_damaged_real_file_shows_the_reason_and_keeps_going(tmp_path: Path) -> None:
    """basic.db as bbolt wrote it, with one branch pointer of "many" sent past the end."""
    from tests import corrupt

    with BoltFile.open(str(BASIC)) as db:
        pgid = next(p.pgid for p, _ in db.bucket(b"many").pages() if p.is_branch)
    data = bytearray(BASIC.read_bytes())
    page = corrupt.read_elements(bytes(data), pgid, leaf=False)
    page.elements[0].pgid = 10**9
    corrupt.write_elements(data, pgid, False, page)
    path = tmp_path / "damaged.db"
    path.write_bytes(bytes(data))
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(RawTree)
        many = find_child(tree.root, "many")
        tree.move_cursor(many)
        await pilot.press("l")
        await settle(pilot)
        assert many.data.error is not None and "page 1000000000" in many.data.error
        notes = [c.data for c in many.children if isinstance(c.data, NoteItem) and c.data.error]
        assert notes
        alpha = find_child(tree.root, "alpha")  # the rest of the file still opens
        alpha.expand()
        await settle(pilot)
        assert any(isinstance(c.data, ValueItem) for c in alpha.children)
        await pilot.press("slash", *"alpha value 3", "enter")  # and search reports, goes on
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert any(h.where == "error" for h in screen.hits)
        assert any(h.where == "value" for h in screen.hits)


def test_G_goes_to_the_last_key_of_a_bucket_too_big_to_hold(
    bboltref: Path, tmp_path: Path
) -> None:
    """boltbrowser's G: the bottom of a 2,500-key bucket, not of the window loaded."""
    import subprocess

    path = tmp_path / "big.db"
    subprocess.run([str(bboltref), "big", "20000", str(path)], check=True, capture_output=True)
    with BoltFile.open(str(path)) as db:
        name = list(db.root.buckets())[-1].name  # the bottom line once expanded
        last = list(db.bucket(name).keys())[-1]

    async def scenario() -> None:
        app = app_for(path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tree = app.query_one(RawTree)
            bucket = find_child(tree.root, name.decode())
            tree.move_cursor(bucket)
            await pilot.press("l")
            await settle(pilot)
            assert isinstance(bucket.children[-1].data, MoreItem)  # a window, not all
            await pilot.press("G")
            await settle(pilot)
            node = tree.cursor_node
            assert node is not None and isinstance(node.data, ValueItem)
            assert node.data.key == last
            assert node.parent is bucket

    asyncio.run(scenario())


# -- small words (issue 10.19) ---------------------------------------------------------------


@pilot_test
async def test_one_match_is_one_matching_key() -> None:
    app = app_for(BASIC)
    async with app.run_test(size=SIZE) as pilot:
        tree, many = await expand_many(app, pilot)
        tree.move_cursor(many.children[3])
        await pilot.press("f", *"00119", "enter")
        await settle(pilot)
        note = str(many.children[0].label)
        assert "1 matching key " in note and "keys" not in note
        await pilot.press("escape", "f", *"0119", "enter")
        await settle(pilot)
        assert "11 matching keys" in str(many.children[0].label)


@pilot_test
async def test_a_gc_verdict_and_a_missing_object_read_in_plain_words() -> None:
    from boltview.containerd.model import ObjectRef
    from boltview.containerd.relations import Relation
    from boltview.tui.widgets.detail import link_label

    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(JumpToObject(ObjectRef("lease", "default", "build-cache")))
        await settle(pilot)
        await settle(pilot)
        text = detail_text(app)
        assert "gc: nothing keeps it: the garbage collector would remove it" in text
        assert "not in this file" not in text
    gone = Relation("image", "example.com/gone:1", ObjectRef("image", "default", "example.com/gone:1"),
                    missing=True)  # fmt: skip
    assert str(link_label(gone)).endswith("(missing: no such object in this database)")


@pilot_test
async def test_expired_leases_and_ingests_are_marked_with_when() -> None:
    from boltview.containerd.model import ObjectRef
    from boltview.tui.widgets.objects import summary

    app = app_for(CONTAINERD)  # the clock says 2030: every expiry in the fixture is past
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(JumpToObject(ObjectRef("lease", "team-a", "nightly-backup")))
        await settle(pilot)
        await settle(pilot)
        node = app.query_one(ContainerdTree).cursor_node
        assert "expired 3 years ago" in str(node.label)
        text = detail_text(app)
        listing = (CONTAINERD.parent / "expected" / "team-a" / "leases.txt").read_text()
        recorded = re.search(r"nightly-backup .*gc\.expire=(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)Z", listing)
        assert recorded is not None  # the label as ctr listed it
        when = f"{recorded.group(1)} {recorded.group(2)} UTC"
        assert re.search(rf"expires\s+{when}  \(expired 3 years ago\)", text)
        app.post_message(JumpToObject(ObjectRef("ingest", "default", "upload-unleased")))
        await settle(pilot)
        await settle(pilot)
        assert "(expired 3 years ago)" in detail_text(app)
    from boltview.containerd.reader import MetadataReader

    with BoltFile.open(str(CONTAINERD)) as db:
        pinned = MetadataReader(db).lease("default", "pinned")  # no gc.expire label
    assert "expire" not in str(summary(pinned, NOW))
