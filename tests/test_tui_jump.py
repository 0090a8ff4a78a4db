"""Jumping by name, back and forward like a browser, and search results as objects.

Driven with Pilot on the real containerd fixtures (fixtures/containerd/README.md
says how containerd wrote them).  Where a test needs to know what the file
holds, it asks boltview's reader, the same one the CLI's ``ls`` lists with.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList, Static

from boltview.bolt.file import BoltFile
from boltview.containerd.model import KINDS, ObjectRef
from boltview.containerd.reader import MetadataReader
from boltview.tui import names as names_module
from boltview.tui import navigation
from boltview.tui.app import BoltviewApp
from boltview.tui.history import History, Place
from boltview.tui.names import object_names
from boltview.tui.screens.help import HelpScreen
from boltview.tui.screens.jump import JumpScreen
from boltview.tui.screens.search import SearchScreen
from boltview.tui.widgets.breadcrumb import Breadcrumb
from boltview.tui.widgets.containerd_tree import ContainerdTree, GroupItem, ObjItem
from boltview.tui.widgets.detail import RelationList
from boltview.tui.widgets.raw_tree import BucketItem, RawTree
from tests.test_containerd_damaged import broken, pages_of
from tests.test_tui import (
    CONTAINERD,
    HOSTILE_DB,
    ROOT,
    SIZE,
    _plain,
    app_for,
    assert_no_controls,
    pilot_test,
    settle,
)

V17 = ROOT / "fixtures" / "containerd" / "v17" / "meta.db"
V20 = ROOT / "fixtures" / "containerd" / "v20" / "meta.db"


def crumbs(app: BoltviewApp) -> str:
    """The line under the header, as plain text."""
    return _plain(app.query_one(Breadcrumb).content).strip()


def on_object(app: BoltviewApp) -> ObjectRef | None:
    """The object under the containerd tree's cursor."""
    node = app.query_one(ContainerdTree).cursor_node
    return node.data.obj.ref if node is not None and isinstance(node.data, ObjItem) else None


def shown_options(options: OptionList) -> list[str]:
    return [_plain(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def to_web_1(pilot: Any) -> None:
    """The cursor on container web-1 (namespace default)."""
    await settle(pilot)
    await pilot.press("j", "l")
    await settle(pilot)
    await pilot.press("l", "j", "j")
    await settle(pilot)


def every_object(path: Path) -> set[ObjectRef]:
    """Every object the reader lists, of every kind, in every namespace."""
    with BoltFile.open(str(path)) as db:
        reader = MetadataReader(db)
        return {
            obj.ref
            for namespace in reader.namespace_names()
            for kind in KINDS
            for obj in reader.objects(kind, namespace)
        }


WEB_1 = ObjectRef("container", "default", "web-1")
BUSYBOX = ObjectRef("image", "default", "example.com/tools/busybox:1.35")


# -- jump by name --------------------------------------------------------------------------------


@pilot_test
async def test_jump_by_name_from_the_raw_view_opens_the_object() -> None:
    app = app_for(CONTAINERD, view="raw")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        assert isinstance(app.screen, JumpScreen)
        await settle(pilot)
        await pilot.press(*"nightly")
        screen = app.screen
        assert isinstance(screen, JumpScreen)
        matches = screen.query_one(OptionList)
        assert [line.split() for line in shown_options(matches)] == [
            ["lease", "team-a", "nightly-backup"]
        ]
        status = _plain(screen.query_one("#jump-status", Static).content)
        assert "1 of 66 objects match" in status and "loading" not in status
        await pilot.press("enter")
        await settle(pilot)
        assert app.view == "containerd"
        assert on_object(app) == ObjectRef("lease", "team-a", "nightly-backup")
        assert app.focused is app.query_one(ContainerdTree)
        assert crumbs(app).startswith("containerd › team-a › leases › nightly-backup")


@pilot_test
async def test_jump_with_colon_to_a_pod_by_its_name_and_down_picks_a_match() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        await pilot.press(*"web-5d9")
        screen = app.screen
        assert isinstance(screen, JumpScreen)
        [line] = shown_options(screen.query_one(OptionList))
        assert line.split()[:3] == ["pod", "k8s.io", "web-5d9c7b8f6-x2x7q"]
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        pod = on_object(app)
        assert pod is not None and pod.kind == "pod" and pod.namespace == "k8s.io"
        assert app.query_one(ContainerdTree).cursor_node.data.obj.name == "web-5d9c7b8f6-x2x7q"
        # The same image name in three namespaces: ↓ goes to the list, ↓ again to the next.
        await pilot.press("colon")
        await settle(pilot)
        await pilot.press(*"busybox:1.35")
        matches = app.screen.query_one(OptionList)
        assert [line.split()[:3] for line in shown_options(matches)] == [
            ["image", namespace, "example.com/tools/busybox:1.35"]
            for namespace in ("default", "k8s.io", "team-a")
        ]
        await pilot.press("down")
        assert app.focused is matches and matches.highlighted == 0
        await pilot.press("down", "enter")
        await settle(pilot)
        assert on_object(app) == ObjectRef("image", "k8s.io", "example.com/tools/busybox:1.35")


@pytest.mark.parametrize("path", [CONTAINERD, V17, V20], ids=["v16", "v17", "v20"])
def test_the_jump_list_holds_every_object_the_reader_lists(path: Path) -> None:
    with BoltFile.open(str(path)) as db:
        problems: list[str] = []
        listed = [n.ref for n in object_names(MetadataReader(db), lambda: False, problems=problems)]
    assert problems == []
    assert len(listed) == len(set(listed))
    assert set(listed) == every_object(path)


def test_a_broken_page_leaves_out_only_what_it_held_and_says_so(tmp_path: Path) -> None:
    [blob_page] = pages_of(b"v1", b"default", b"content", b"blob")
    with BoltFile.open(str(broken(tmp_path, blob_page))) as db:
        problems: list[str] = []
        listed = set(object_names(MetadataReader(db), lambda: False, problems=problems))
    assert len(problems) == 1 and problems[0].startswith("content of default: page ")
    assert str(blob_page) in problems[0]
    expected = {
        r for r in every_object(CONTAINERD) if (r.kind, r.namespace) != ("content", "default")
    }
    assert {name.ref for name in listed} == expected


def test_the_jump_list_stops_at_its_limit() -> None:
    with BoltFile.open(str(CONTAINERD)) as db:
        assert len(list(object_names(MetadataReader(db), lambda: False, limit=5))) == 5
        stop = iter([False] * 3 + [True] * 1000)
        assert len(list(object_names(MetadataReader(db), lambda: next(stop)))) < 5


@pilot_test
async def test_names_are_read_in_a_worker_while_the_box_says_loading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()

    def held(*args: Any, **kwargs: Any) -> Iterator[names_module.Name]:
        for count, name in enumerate(object_names(*args, **kwargs)):
            if count == 10:  # a slow page: the names so far go to the box meanwhile
                time.sleep(0.3)
            if count == 11:  # and the rest wait for the test
                assert release.wait(10)
            yield name

    monkeypatch.setattr(navigation, "object_names", held)
    monkeypatch.setattr(navigation, "NAME_LIMIT", 40)
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle_without_workers(pilot)
        await pilot.press("colon")
        screen = app.screen
        assert isinstance(screen, JumpScreen)
        status = await until(pilot, lambda: jump_status(screen), lambda s: "11 objects" in s)
        assert "loading…" in status
        await pilot.press(*"web")  # the event loop is free: the box takes keys meanwhile
        assert screen.query_one(Input).value == "web"
        release.set()
        await settle(pilot)
        status = _plain(screen.query_one("#jump-status", Static).content)
        assert "loading" not in status
        assert "40 objects" in status and "only the first 40 names" in status


@pilot_test
async def test_enter_before_the_name_is_read_opens_it_once_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()

    def held(*args: Any, **kwargs: Any) -> Iterator[names_module.Name]:
        for count, name in enumerate(object_names(*args, **kwargs)):
            if count == 5:
                assert release.wait(10)
            yield name

    monkeypatch.setattr(navigation, "object_names", held)
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle_without_workers(pilot)
        await pilot.press("colon", *"pinned", "enter")
        screen = app.screen
        assert isinstance(screen, JumpScreen)
        status = await until(pilot, lambda: jump_status(screen), lambda s: s.startswith("0 of "))
        assert "loading…" in status
        assert app.screen is screen  # no lease read yet: the box waits
        release.set()
        await settle(pilot)
        await settle(pilot)
        assert not isinstance(app.screen, JumpScreen)
        assert on_object(app) == ObjectRef("lease", "default", "pinned")


def jump_status(screen: JumpScreen) -> str:
    return _plain(screen.query_one("#jump-status", Static).content)


async def until(pilot: Any, read: Callable[[], str], test: Callable[[str], bool]) -> str:
    """What ``read`` gives once ``test`` holds for it (waiting up to ten seconds)."""
    for _ in range(200):
        text = read()
        if test(text):
            return text
        await pilot.pause(0.05)
    raise AssertionError(f"never came: {text!r}")


async def settle_without_workers(pilot: Any) -> None:
    """Let the trees load (their workers are not held)."""
    for _ in range(5):
        await pilot.pause(0.1)
    await settle(pilot)


@pilot_test
async def test_jump_in_a_plain_file_says_there_is_nothing_to_jump_to() -> None:
    app = app_for(ROOT / "fixtures" / "bolt" / "basic.db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        assert not isinstance(app.screen, JumpScreen)
        await pilot.press("backspace")  # no history yet: said, nothing moves
        assert app.view == "raw"


# -- back and forward ------------------------------------------------------------------------------


@pilot_test
async def test_back_and_forward_through_a_relation_a_link_and_a_jump() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await to_web_1(pilot)
        assert crumbs(app) == "containerd › default › containers › web-1"
        relations = app.query_one(RelationList)
        relations.focus()
        relations.highlighted = next(
            i for i, link in enumerate(relations.links) if link.label == "image"
        )
        await pilot.press("enter")  # follow the relation to the image
        await settle(pilot)
        assert on_object(app) == BUSYBOX
        await pilot.press("o")  # its raw bucket
        await settle(pilot)
        assert app.view == "raw"
        raw_at = app.query_one(RawTree).cursor_node.data
        assert isinstance(raw_at, BucketItem)
        assert crumbs(app).startswith(
            "raw › v1 › default › images › example.com/tools/busybox:1.35"
        )
        await pilot.press("ctrl+g", *"worker-1")
        await settle(pilot)
        await pilot.press("enter")  # a jump: container worker-1 first (it ranks above snapshots)
        await settle(pilot)
        assert on_object(app) == ObjectRef("container", "default", "worker-1")
        assert "back 3 · 0 forward" in crumbs(app)

        await pilot.press("backspace")
        await settle(pilot)
        assert app.view == "raw" and app.query_one(RawTree).cursor_node.data == raw_at
        await pilot.press("alt+left")
        await settle(pilot)
        assert app.view == "containerd" and on_object(app) == BUSYBOX
        await pilot.press("backspace")
        await settle(pilot)
        assert on_object(app) == WEB_1
        assert app.focused is app.query_one(ContainerdTree)
        assert "back 0 · 3 forward" in crumbs(app)
        await pilot.press("alt+right")
        await settle(pilot)
        assert on_object(app) == BUSYBOX
        await pilot.press("alt+right", "alt+right")
        await settle(pilot)
        await settle(pilot)
        assert on_object(app) == ObjectRef("container", "default", "worker-1")
        await pilot.press("alt+right")  # the end: nothing moves
        await settle(pilot)
        assert on_object(app) == ObjectRef("container", "default", "worker-1")


@pilot_test
async def test_back_returns_to_where_the_cursor_was_even_on_a_group() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")  # default › snapshots, a group
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        assert isinstance(tree.cursor_node.data, GroupItem)
        assert crumbs(app) == "containerd › default › snapshots"
        await pilot.press("colon", *"dev-shell")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert on_object(app) == ObjectRef("container", "team-a", "dev-shell")
        for namespace in tree.root.children:  # the way back must be opened again
            namespace.collapse_all()
        await settle(pilot)
        await pilot.press("backspace")
        await settle(pilot)
        await settle(pilot)
        group = tree.cursor_node.data
        assert isinstance(group, GroupItem)
        assert (group.namespace, group.kind, group.snapshotter) == ("default", "snapshot", None)


def test_history_goes_back_and_forward_like_a_browser() -> None:
    a, b, c, d = (Place.raw((name,)) for name in (b"a", b"b", b"c", b"d"))
    history = History(limit=3)
    history.follow(a)  # a -> b
    history.follow(b)  # b -> c
    assert history.back(c) == b
    assert history.back(b) == a
    assert history.back(a) is None
    assert history.forward(a) == b
    history.follow(b)  # b -> d: what was ahead is gone
    assert history.forward(d) is None
    assert history.back(d) == b
    for place in (a, b, c, d):
        history.follow(place)
    assert len(history.behind) == 3  # the oldest are forgotten
    history.follow(d)  # a link that went nowhere is no step back
    assert history.back(d) == c


# -- search results as objects ----------------------------------------------------------------------


@pilot_test
async def test_search_results_are_objects_and_open_in_the_containerd_view() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"busybox-fixture", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        lines = shown_options(screen.query_one(OptionList))
        assert len(lines) == len(screen.hits) == 5
        assert lines[0].startswith("value  container legacy-1 in default  › labels › ")
        assert all(" / " not in line for line in lines)  # no raw paths
        with BoltFile.open(str(CONTAINERD)) as db:
            reader = MetadataReader(db)
            # Each hit is inside a container whose title label holds the text.
            titled = sorted(
                c.ref
                for ns in reader.namespace_names()
                for c in reader.containers(ns)
                if "busybox-fixture" in (c.labels or {}).values()
            )
        assert len(titled) == 5
        await pilot.press("down", "down", "enter")  # the third
        await settle(pilot)
        assert app.view == "containerd"
        assert on_object(app) == titled[2] == ObjectRef("container", "default", "worker-1")
        assert crumbs(app).startswith("search 'busybox-fixture' 3 of 5 (n N)")
        await pilot.press("n")
        await settle(pilot)
        assert on_object(app) == titled[3]
        assert "4 of 5" in crumbs(app)
        await pilot.press("N", "N")
        await settle(pilot)
        assert on_object(app) == titled[1] == WEB_1
        assert "2 of 5" in crumbs(app)


@pilot_test
async def test_a_hit_outside_any_object_opens_in_the_raw_view() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"version", "enter")  # v1/version: the schema's key
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        at = next(i for i, hit in enumerate(screen.hits) if hit.path == (b"v1",))
        assert shown_options(screen.query_one(OptionList))[at].startswith("key    v1 / version")
        screen.query_one(OptionList).highlighted = at
        await pilot.press("enter")
        await settle(pilot)
        assert app.view == "raw"
        node = app.query_one(RawTree).cursor_node.data
        assert (node.path, node.key) == ((b"v1",), b"version")


@pilot_test
async def test_down_from_the_search_box_lands_on_the_first_result() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"busybox")
        await pilot.press("down")  # not searched yet: ↓ searches, then lands on the first
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        results = screen.query_one(OptionList)
        assert results.option_count == 18
        assert app.focused is results and results.highlighted == 0
        await pilot.press("down", "down")
        assert results.highlighted == 2
        screen.query_one(Input).focus()  # back to the box (as "/" does)
        await pilot.press("down")
        assert app.focused is results and results.highlighted == 0


# -- the keys, listed -----------------------------------------------------------------------------


@pilot_test
async def test_help_and_palette_list_jump_back_and_forward() -> None:
    app = app_for(CONTAINERD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = _plain(app.screen.query_one("#help-keys", Static).content)
        for key in (": ctrl+g", "backspace alt+←", "alt+→"):
            assert key in text
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"jump")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JumpScreen)


@pilot_test
async def test_hostile_names_are_escaped_in_the_jump_list_and_the_path() -> None:
    app = app_for(HOSTILE_DB)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        await pilot.press(*"pwned")
        screen = app.screen
        assert isinstance(screen, JumpScreen)
        lines = shown_options(screen.query_one(OptionList))
        assert lines and all("\\x1b]0;pwned\\x07" in line for line in lines)
        assert_no_controls(app.export_screenshot())
        await pilot.press("enter")
        await settle(pilot)
        assert "\\x1b]0;pwned\\x07" in crumbs(app)
        assert_no_controls(crumbs(app))
        assert_no_controls(app.export_screenshot())
