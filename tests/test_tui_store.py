"""The store view in the browser, driven with Pilot on real etcd files.

``fixtures/etcd/db`` and ``snapshot.db`` were written by Debian's etcd 3.4
(``fixtures/etcd/make_etcd.sh``); ``fixtures/storeview/etcd-after.db`` has more
than a window of revisions (``fixtures/storeview/make_etcd_pair.sh``).  The
browser code is the same for every store with a view; etcd is the store with
one here.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from boltview.stores.etcd_keys import key_path
from boltview.tui.app import BoltviewApp
from boltview.tui.screens.export import ExportScreen
from boltview.tui.values import rfc3339_time
from boltview.tui.widgets.detail import RelationList
from boltview.tui.widgets.header import DbHeader
from boltview.tui.widgets.raw_tree import RawTree
from boltview.tui.widgets.store_tree import MoreNodes, StoreItem, StoreTree
from tests.conftest import ROOT, run_boltview
from tests.test_tui import NOW, SIZE, app_for, detail_text, pilot_test, settle

ETCD = ROOT / "fixtures" / "etcd"
EXPECTED = ETCD / "expected"


def recorded_mod_revision(key: bytes) -> int:
    """The key's mod_revision as etcdctl answered ``get --prefix "" -w json``."""
    answer = json.loads((EXPECTED / "get-all.json").read_text())
    return next(int(kv["mod_revision"]) for kv in answer["kvs"] if base64.b64decode(kv["key"]) == key)


def recorded_lease_of(key: bytes) -> str:
    """The hex id of the lease etcdctl's ``lease timetolive --keys`` lists ``key`` under."""
    for answer in sorted(EXPECTED.glob("lease-*.json")):
        lease = json.loads(answer.read_text())
        if "keys" in lease and key in {base64.b64decode(k) for k in lease["keys"]}:
            return f"{lease['id']:x}"
    raise AssertionError(f"no recorded lease holds {key!r}")
AFTER = ROOT / "fixtures" / "storeview" / "etcd-after.db"


def child(node: Any, label: str) -> Any:
    for found in node.children:
        if isinstance(found.data, StoreItem) and found.data.node.label == label:
            return found
    shown = [str(c.label) for c in node.children]
    raise AssertionError(f"{label!r} not among {shown}")


async def open_path(app: BoltviewApp, pilot: Any, path: tuple[str, ...]) -> Any:
    """Expand the store tree down to ``path`` as a person would, and put the cursor there."""
    tree = app.query_one(StoreTree)
    node = tree.root
    for label in path:
        node = child(node, label)
        if label != path[-1]:
            node.expand()
            await settle(pilot)
    tree.move_cursor(node)
    await settle(pilot)
    return node


def cursor_path(app: BoltviewApp) -> tuple[str, ...]:
    node = app.query_one(StoreTree).cursor_node
    assert node is not None and isinstance(node.data, StoreItem)
    return node.data.node.path


@pilot_test
async def test_etcd_opens_in_the_store_view() -> None:
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.view == "store"
        header = str(app.query_one(DbHeader).render())
        assert "etcd" in header and "view store" in header
        tree = app.query_one(StoreTree)
        assert app.focused is tree
        labels = [c.data.node.label for c in tree.root.children]
        assert labels == ["keys", "revisions", "leases", "members", "alarms", "auth", "meta"]
        assert "etcd's backend database" in detail_text(app)
        assert "findings: none" in detail_text(app)


@pilot_test
async def test_a_kubernetes_object_decoded_in_the_detail_pane() -> None:
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(app, pilot, key_path(b"/registry/pods/default/web-0"))
        text = detail_text(app)
        assert "key /registry/pods/default/web-0" in text
        assert '"kind": "Pod"' in text and '"nodeName": "node-1"' in text
        revision = recorded_mod_revision(b"/registry/pods/default/web-0")
        assert "mod_revision" in text and str(revision) in text


@pilot_test
async def test_times_are_shown_as_local_times_with_their_age() -> None:
    """Every time in the object (Kubernetes' own JSON of it says which) is listed under
    "times" with the local time (UTC here) and its age as of the test's clock."""
    recorded = json.loads((EXPECTED / "k8s" / "%registry%pods%default%web-0.json").read_text())
    created = datetime.fromisoformat(recorded["metadata"]["creationTimestamp"])
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(app, pilot, key_path(b"/registry/pods/default/web-0"))
        text = detail_text(app)
    times = text[text.index("\ntimes\n") :]
    years = (NOW - created).days // 365
    assert (f"value.metadata.creationTimestamp  {created:%Y-%m-%d %H:%M:%S} UTC, "
            f"{years} years ago") in times  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-06T07:08:09Z", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
        ("2024-05-06T07:08:09.123456789Z", datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)),
        ("2024-05-06T09:08:09+02:00", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),  # Go's zero time: no time was set
        ("2024-13-06T07:08:09Z", None),
        ("2024-05-06 07:08:09", None),
        ("2024-05-06T07:08:09Z and more", None),
    ],
)
def test_rfc3339_times_are_read_strictly(text: str, expected: datetime | None) -> None:
    assert rfc3339_time(text) == expected


@pilot_test
async def test_o_and_v_go_to_the_raw_key_and_back() -> None:
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        node = await open_path(app, pilot, key_path(b"/app/config"))
        source = node.data.node.source
        await pilot.press("o")
        await settle(pilot)
        assert app.view == "raw"
        selected = app.query_one(RawTree).selected_path()
        assert selected is not None and (selected[0], selected[1]) == (source[:-1], source[-1])
        await pilot.press("o")  # the raw bytes, back to what they are: that revision
        await settle(pilot)
        assert app.view == "store" and cursor_path(app) == key_path(b"/app/config") + ("{15, 0}",)
        await pilot.press("v")
        await settle(pilot)
        assert app.view == "raw"
        await pilot.press("v")
        await settle(pilot)
        assert app.view == "store" and app.focused is app.query_one(StoreTree)


@pilot_test
async def test_links_from_a_key_to_its_lease_and_back() -> None:
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(app, pilot, key_path(b"/session/a"))
        await pilot.press("tab")
        relations = app.query_one(RelationList)
        assert app.focused is relations
        assert [link.label for link in relations.links] == ["lease"]
        await pilot.press("enter")
        await settle(pilot)
        assert cursor_path(app) == ("leases", recorded_lease_of(b"/session/a"))
        assert "/session/b" in detail_text(app)
        # The lease's keys are links too, deep in the key tree: follow one.
        links = app.query_one(RelationList).links
        assert [link.ref.path for link in links] == [
            key_path(b"/session/a"),
            key_path(b"/session/b"),
        ]
        app.query_one(RelationList).focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert cursor_path(app) == key_path(b"/session/b")
        await pilot.press("backspace")
        await settle(pilot)
        assert cursor_path(app) == ("leases", recorded_lease_of(b"/session/a"))


@pilot_test
async def test_revisions_in_ranges_with_more() -> None:
    app = app_for(AFTER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StoreTree)
        revisions = child(tree.root, "revisions")
        revisions.expand()
        await settle(pilot)
        ranges = [c.data.node for c in revisions.children]
        assert len(ranges) == 2 and all(node.kind == "range" for node in ranges)
        first = revisions.children[0]
        first.expand()
        await settle(pilot)
        items = [c for c in first.children if isinstance(c.data, StoreItem)]
        assert len(items) == 200
        assert not any(isinstance(c.data, MoreNodes) for c in first.children)
        assert "PUT" in str(items[0].label)


@pilot_test
async def test_previous_transaction_keeps_the_store_view() -> None:
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(app, pilot, key_path(b"/app/config"))
        before = app.query_one(StoreTree).view
        await pilot.press("t")
        await settle(pilot)
        assert app.previous and app.view == "store"
        tree = app.query_one(StoreTree)
        assert tree.view is not before and tree.db is app.db
        assert "PREVIOUS" in str(app.query_one(DbHeader).render())
        assert cursor_path(app) == key_path(b"/app/config")


@pilot_test
async def test_snapshot_trailer_shown() -> None:
    app = app_for(ETCD / "snapshot.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(app, pilot, ("snapshot",))
        assert "sha256 trailer matches" in detail_text(app)


@pilot_test
async def test_hostile_keys_never_reach_the_terminal() -> None:
    app = app_for(AFTER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StoreTree)
        folder = await open_path(app, pilot, ("keys", "/", "hostile/"))
        folder.expand()
        await settle(pilot)
        labels = [str(c.label) for c in folder.children]
        assert len(labels) == 2
        assert all("\x1b" not in label and "\x07" not in label for label in labels)
        assert any("\\x1b]0;owned\\x07" in label for label in labels)
        for node in folder.children:
            tree.move_cursor(node)
            await settle(pilot)
            text = detail_text(app)
            assert "\x1b" not in text and "\x07" not in text
        assert any("/hostile/" not in label and "\\xff\\xfe" in label for label in labels)


@pilot_test
async def test_e_exports_the_store_as_export_writes_it(tmp_path: Path) -> None:
    whole, one = tmp_path / "etcd.json", tmp_path / "lease.json"
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StoreTree)
        tree.move_cursor(tree.root)
        await settle(pilot)
        for target in (whole, one):
            await pilot.press("e")
            assert isinstance(app.screen, ExportScreen)
            app.screen.query_one("#export-path", Input).value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            await open_path(app, pilot, ("leases", recorded_lease_of(b"/session/a")))
    exported = json.loads(whole.read_text())
    cli = json.loads(run_boltview("export", ETCD / "db").stdout)
    assert exported["objects"] == cli["objects"]  # the same objects as `boltview export`
    assert exported["provenance"]["txid"] == cli["provenance"]["txid"]
    lease = json.loads(one.read_text())
    assert lease["path"] == ["leases", recorded_lease_of(b"/session/a")]
    assert lease["provenance"]["bucket"] == ["lease"] and lease["file"]["txid"] == app.db.txid


@pilot_test
async def test_findings_under_the_store_root(tmp_path: Path) -> None:
    damaged = tmp_path / "snapshot.db"
    data = bytearray((ETCD / "snapshot.db").read_bytes())
    data[-1] ^= 0xFF  # the sha256 trailer's last byte
    damaged.write_bytes(bytes(data))
    app = app_for(damaged)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = detail_text(app)
        assert "findings (1)" in text and "snapshot trailer" in text
        await open_path(app, pilot, ("snapshot",))
        assert "sha256 trailer does NOT match" in detail_text(app)


@pilot_test
async def test_r_reads_what_etcd_wrote_since_and_keeps_the_place(tmp_path: Path) -> None:
    """The before file replaced in place by the after one (the same etcd, later), as a
    writer that committed while the browser read it."""
    path = tmp_path / "db"
    path.write_bytes((ROOT / "fixtures" / "storeview" / "etcd-before.db").read_bytes())
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(app, pilot, key_path(b"/app/config"))
        assert "v1" in detail_text(app)
        path.write_bytes(AFTER.read_bytes())
        app.look_at_file()
        await pilot.press("r")
        await settle(pilot)
        await settle(pilot)
        tree = app.query_one(StoreTree)
        assert tree.db is app.db and app.view == "store"
        assert cursor_path(app) == key_path(b"/app/config")
        assert "v2" in detail_text(app)


@pilot_test
async def test_d_marks_what_the_last_transaction_wrote() -> None:
    app = app_for(ROOT / "fixtures" / "storeview" / "etcd-last.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StoreTree)
        await pilot.press("d")
        await settle(pilot)
        keys = child(tree.root, "keys")
        assert str(keys.label).startswith("· ")  # changes inside
        assert not str(child(tree.root, "leases").label).startswith("·")
        await open_path(app, pilot, key_path(b"/last/put"))
        node = tree.cursor_node
        assert str(node.label).startswith("~ put")
        assert "last transaction: etcd PUT /last/put @rev" in detail_text(app)
        await pilot.press("d")
        await settle(pilot)
        assert str(node.label).startswith("put") and not tree.changes


@pilot_test
async def test_f_filters_the_open_node_and_esc_restores() -> None:
    app = app_for(AFTER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(StoreTree)
        bulk = await open_path(app, pilot, ("keys", "/", "bulk/"))
        bulk.expand()
        await settle(pilot)
        everything = [c.data.node.label for c in bulk.children if isinstance(c.data, StoreItem)]
        assert len(everything) == 200  # a window, and a "more"
        tree.move_cursor(bulk.children[0])
        await settle(pilot)
        await pilot.press("f")
        box = app.query_one("#filter", Input)
        assert app.focused is box and "bulk/" in box.border_title
        box.value = "/bulk/2"  # names are whole keys
        await settle(pilot)
        matched = [c.data.node.label for c in bulk.children if isinstance(c.data, StoreItem)]
        assert matched == [f"{n:03d}" for n in range(200, 241)]
        assert box.border_subtitle.startswith("41 of 240")
        await pilot.press("escape")
        await settle(pilot)
        again = [c.data.node.label for c in bulk.children if isinstance(c.data, StoreItem)]
        assert again == everything and tree.filter_of(bulk) is None
