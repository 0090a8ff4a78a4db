"""Snapshot tests of the browser's main screens (pytest-textual-snapshot).

The screens are rendered from the committed fixtures with a fixed clock and
UTC as the local zone, so ages and times do not move.  After a deliberate
change of the UI (or of the fixtures), review the report and update with
``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.worker import WorkerCancelled

from boltview.bolt.file import BoltFile
from boltview.tui.app import BoltviewApp, make_app
from boltview.tui.widgets.raw_tree import RawTree

ROOT = Path(__file__).resolve().parent.parent
CONTAINERD = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"
BASIC = ROOT / "fixtures" / "bolt" / "basic.db"
HOSTILE = ROOT / "fixtures" / "bolt" / "hostile.db"
NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
SIZE = (120, 36)


def app_for(path: Path, **options: Any) -> BoltviewApp:
    """The app on a fixture, opened by its path relative to the repository.

    The screen shows the path as the user gave it (in the CLI hint), so a
    relative one keeps the pictures the same wherever the repository lives.
    """
    db = BoltFile.open(os.path.relpath(path, ROOT))  # the tests run in ROOT (below)
    return make_app(db, clock=lambda: NOW, local_tz=UTC, **options)


@pytest.fixture(autouse=True)
def _in_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


async def settle(pilot: Any) -> None:
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # a newer exclusive worker replaced it: wait again
            continue
        await pilot.pause()


def test_containerd_view_container(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("j", "l")
        await settle(pilot)
        await pilot.press("l", "j", "j")
        await settle(pilot)

    assert snap_compare(app_for(CONTAINERD), terminal_size=SIZE, run_before=run_before)


def test_raw_view_go_time(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.query_one(RawTree).reveal(
            (b"v1", b"default", b"containers", b"web-1"), b"createdat"
        )
        await settle(pilot)

    app = app_for(CONTAINERD, view="raw")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_plain_file_hostile_keys_escaped(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        tree = pilot.app.query_one(RawTree)
        tree.reveal((b"weird",), b"\x1b[31mred\x1b[0m")
        await settle(pilot)

    assert snap_compare(app_for(BASIC), terminal_size=SIZE, run_before=run_before)


def test_hostile_containerd_view(snap_compare: Any) -> None:
    """hostile.db (real bbolt): attacks as namespace, container id, labels, fields, escaped."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("j", "l")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(app_for(HOSTILE), terminal_size=SIZE, run_before=run_before)


def test_hostile_raw_view(snap_compare: Any) -> None:
    """hostile.db's top-level buckets, each named by an attack, and one as a value."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.query_one(RawTree).reveal((b"attacks",), b"osc52-clipboard")
        await settle(pilot)

    assert snap_compare(app_for(HOSTILE, view="raw"), terminal_size=SIZE, run_before=run_before)


def test_search_results(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("slash")
        pilot.app.screen.query_one("#search-input").cursor_blink = False
        await pilot.press(*"busybox-fixture", "enter")
        await settle(pilot)

    assert snap_compare(app_for(CONTAINERD), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app_for(CONTAINERD), terminal_size=SIZE, run_before=run_before)
