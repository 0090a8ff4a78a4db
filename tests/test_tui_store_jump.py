"""Jumping by name in the store view (``:``), and keys typed in one burst with ``f``.

Driven with Pilot on the real files: ``fixtures/etcd/db`` (etcd 3.4),
``fixtures/storeview/etcd-after.db`` (more keys than a window) and podman's
``bolt_state.db`` under ``fixtures/node/root``.  What a test expects is taken
from etcdctl's recorded answers (``fixtures/etcd/expected``) or from the view
itself, never written here.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, OptionList, Static

from boltview.bolt.file import BoltFile
from boltview.stores import etcd_view
from boltview.stores.etcd_keys import key_path
from boltview.stores.registry import view_of
from boltview.stores.view import StoreNode
from boltview.tui.app import BoltviewApp
from boltview.tui.screens.jump import JumpScreen
from boltview.tui.store_names import StoreName, store_names
from boltview.tui.widgets import store_tree
from boltview.tui.widgets.containerd_tree import ContainerdTree, GroupItem
from boltview.tui.widgets.raw_tree import BucketItem, RawTree
from boltview.tui.widgets.store_tree import StoreItem, StoreTree
from tests.test_store_views_all import FILES, IDS
from tests.test_tui import CONTAINERD, ROOT, SIZE, _plain, app_for, pilot_test, settle
from tests.test_tui_jump import crumbs, shown_options
from tests.test_tui_store import AFTER, ETCD, EXPECTED, cursor_path, open_path

PODMAN = ROOT / "fixtures/node/root/var/lib/containers/storage/libpod/bolt_state.db"


def recorded_keys() -> list[bytes]:
    """The keys etcdctl's ``get --prefix ""`` listed when the fixture was written."""
    answer = json.loads((EXPECTED / "get-all.json").read_text())
    return [base64.b64decode(kv["key"]) for kv in answer["kvs"]]


def group_objects(path: Path, group: str) -> list[StoreNode]:
    """The objects the view lists in one top group (read as the tree reads them)."""
    with BoltFile.open(str(path)) as db:
        view = view_of(db)
        assert view is not None
        top = next(node for node in view.top() if node.path == (group,))
        return view.children(top, 0, 1000)


async def jump(app: BoltviewApp, pilot: Any, text: str) -> list[str]:
    """Open the box, type ``text`` and wait for its matches: their lines."""
    await pilot.press("colon")
    await settle(pilot)
    await pilot.press(*text)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, JumpScreen)
    return shown_options(screen.query_one(OptionList))


async def jump_to_first(app: BoltviewApp, pilot: Any, text: str, kind: str, where: str) -> None:
    """Jump by ``text``: the best match is the ``kind`` object in ``where`` that it names;
    Enter opens it."""
    lines = await jump(app, pilot, text)
    assert lines[0].split()[:3] == [kind, where, text]
    await pilot.press("enter")
    await settle(pilot)
    await settle(pilot)


# -- jump by name in the store view ---------------------------------------------------------


@pilot_test
async def test_podman_container_by_id_prefix_then_back() -> None:
    container = group_objects(PODMAN, "containers")[-1]
    ident = str(container.fields["id"])
    app = app_for(PODMAN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.view == "store"
        lines = await jump(app, pilot, ident[:10])
        assert [line.split()[:4] for line in lines] == [
            ["container", "containers", container.label, ident]
        ]
        status = _plain(app.screen.query_one("#jump-status", Static).content)
        assert status.startswith("1 of ") and "loading" not in status
        await pilot.press("enter")
        await settle(pilot)
        assert cursor_path(app) == container.path
        assert app.focused is app.query_one(StoreTree)
        assert crumbs(app).startswith(f"podman › containers › {container.label}   ◂ back 1")
        await pilot.press("backspace")  # the history has the place the jump left
        await settle(pilot)
        assert app.query_one(StoreTree).cursor_node is app.query_one(StoreTree).root
        await pilot.press("alt+right")
        await settle(pilot)
        assert cursor_path(app) == container.path


@pilot_test
async def test_podman_pods_and_volumes_by_name_with_their_kind() -> None:
    pod = group_objects(PODMAN, "pods")[0]
    volume = group_objects(PODMAN, "volumes")[0]
    app = app_for(PODMAN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await jump_to_first(app, pilot, pod.label, "pod", "pods")
        assert cursor_path(app) == pod.path
        await jump_to_first(app, pilot, volume.label, "volume", "volumes")
        assert cursor_path(app) == volume.path


@pilot_test
async def test_etcd_key_by_a_part_of_it_opens_every_folder_down_to_it() -> None:
    key = next(k for k in recorded_keys() if k.count(b"/") >= 4)  # deep in /registry/…
    part = key.decode().rsplit("/", 1)[1]
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = await jump(app, pilot, part)
        assert ["key", "keys", key.decode()] in [line.split()[:3] for line in lines]
        screen = app.screen
        assert isinstance(screen, JumpScreen)
        options = screen.query_one(OptionList)
        options.highlighted = [line.split()[2] for line in lines].index(key.decode())
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert cursor_path(app) == key_path(key)
        node = app.query_one(StoreTree).cursor_node
        while node is not None and node.parent is not None:
            node = node.parent
            assert node.is_expanded


@pilot_test
async def test_etcd_lease_user_and_role_by_name() -> None:
    leases = json.loads((EXPECTED / "lease-list.json").read_text())["leases"]
    lease = f"{leases[0]['id']:x}"  # as etcdctl writes a lease's id
    user = json.loads((EXPECTED / "user-alice.json").read_text())
    [role] = user["roles"]
    app = app_for(ETCD / "db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for text, path, kind in ((lease, ("leases", lease), "lease"),
                                 ("alice", ("auth", "users", "alice"), "user"),
                                 (role, ("auth", "roles", role), "role")):  # fmt: skip
            await jump_to_first(app, pilot, text, kind, "/".join(path[:-1]))
            assert cursor_path(app) == path


@pilot_test
async def test_a_key_past_the_first_window_is_revealed() -> None:
    with BoltFile.open(str(AFTER)) as db:
        view = view_of(db)
        assert view is not None
        bulk = view.find(("keys", "/", "bulk/"))
        assert bulk is not None
        keys = view.children(bulk, 0, 100_000)
    assert len(keys) > 200  # more than a window of the tree
    last = keys[-1]
    app = app_for(AFTER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await jump_to_first(app, pilot, last.title, "key", "keys")
        assert cursor_path(app) == last.path


def test_etcd_names_come_from_the_key_index_not_the_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_values(*args: Any) -> str:
        raise AssertionError("a value was decoded to list names")

    monkeypatch.setattr(etcd_view, "value_summary", no_values)
    with BoltFile.open(str(ETCD / "db")) as db:
        view = view_of(db)
        assert view is not None
        problems: list[str] = []
        names = list(store_names(view, threading.Lock(), lambda: False, 100_000, problems))
    assert problems == []
    keys = {name.title for name in names if name.kind == "key"}
    assert {key.decode() for key in recorded_keys()} <= keys
    assert all(isinstance(name, StoreName) and name.ref.path for name in names)
    assert not any(name.kind == "revision" for name in names)  # found from their key


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_object_of_every_store_is_listed_and_found_again(path: Path) -> None:
    with BoltFile.open(str(path)) as db:
        view = view_of(db)
        assert view is not None
        problems: list[str] = []
        names = list(store_names(view, threading.Lock(), lambda: False, 100_000, problems))
        listed = [name.ref.path for name in names]
        assert problems == [] and len(listed) == len(set(listed))
        assert {node.path for node in view.objects()} <= set(listed)
        for name in names:  # Enter opens what the line says
            found = view.find(name.ref.path)
            assert found is not None and found.kind == name.kind, name


def test_store_names_stop_at_the_limit_and_when_cancelled() -> None:
    with BoltFile.open(str(AFTER)) as db:
        view = view_of(db)
        assert view is not None
        assert len(list(store_names(view, threading.Lock(), lambda: False, 5, []))) == 5
        stop = iter([False] * 3 + [True] * 1000)
        assert len(list(store_names(view, threading.Lock(), lambda: next(stop), 100, []))) < 5


# -- keys typed in one burst with f -----------------------------------------------------------


def burst(app: BoltviewApp, keys: str) -> None:
    """Keys as a terminal sends a paste or ``tmux send-keys``: all read at once."""
    driver = app._driver
    assert driver is not None
    for char in keys:
        event = events.Key(char if char.isalnum() else _character_to_key(char), char)
        event.set_sender(app)
        driver.send_message(event)


@pilot_test
async def test_f_and_a_name_in_one_burst_all_reach_the_box_in_the_store_view() -> None:
    app = app_for(AFTER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bulk = await open_path(app, pilot, ("keys", "/", "bulk/"))
        bulk.expand()
        await settle(pilot)
        tree = app.query_one(StoreTree)
        tree.move_cursor(bulk.children[0])
        await settle(pilot)
        burst(app, "f/bulk/23")
        await settle(pilot)
        box = app.query_one("#filter", Input)
        assert box.value == "/bulk/23" and app.focused is box
        matched = [c.data.node.title for c in bulk.children if isinstance(c.data, StoreItem)]
        assert matched and all("/bulk/23" in title for title in matched)
        assert tree.filter_of(bulk) == "/bulk/23"


@pilot_test
async def test_f_and_a_name_in_one_burst_in_the_containerd_view() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "l")
        await settle(pilot)
        await pilot.press("l", "j")  # in default's containers
        await settle(pilot)
        burst(app, "fweb")
        await settle(pilot)
        box = app.query_one("#filter", Input)
        assert box.value == "web" and app.focused is box
        tree = app.query_one(ContainerdTree)
        scope = tree.filter_scope(tree.cursor_node)
        assert scope is not None and isinstance(scope.data, GroupItem)
        assert tree.filter_of(scope) == "web"
        assert app.screen is app.screen_stack[0]  # no key went to a binding (e exports)


@pilot_test
async def test_f_and_a_name_in_one_burst_in_the_raw_view() -> None:
    app = app_for(CONTAINERD, view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one(RawTree)
        tree.root.expand()
        await settle(pilot)
        burst(app, "fv1")
        await settle(pilot)
        box = app.query_one("#filter", Input)
        assert box.value == "v1" and app.focused is box
        scope = tree.filter_scope(tree.cursor_node)
        assert scope is not None and isinstance(scope.data, BucketItem)
        assert tree.filter_of(scope) == "v1"


@pilot_test
async def test_a_key_past_the_windows_a_reveal_reads_is_reached_by_filtering_its_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_tree, "REVEAL_WINDOWS", 1)  # a million keys' folder, in small
    with BoltFile.open(str(AFTER)) as db:
        view = view_of(db)
        assert view is not None
        bulk = view.find(("keys", "/", "bulk/"))
        assert bulk is not None
        last = view.children(bulk, 0, 100_000)[-1]
    app = app_for(AFTER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await jump_to_first(app, pilot, last.title, "key", "keys")
        assert cursor_path(app) == last.path
        tree = app.query_one(StoreTree)
        folder = tree.node_at(bulk.path)
        assert folder is not None and tree.filter_of(folder) == last.title
        await pilot.press("escape")  # the whole folder again
        await settle(pilot)
        assert tree.filter_of(folder) is None


@pilot_test
async def test_colon_and_a_name_in_one_burst_all_reach_the_jump_box() -> None:
    container = group_objects(PODMAN, "containers")[0]
    app = app_for(PODMAN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        burst(app, ":" + container.label)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JumpScreen)
        assert screen.query_one(Input).value == container.label
        await pilot.press("enter")
        await settle(pilot)
        assert cursor_path(app) == container.path
