"""Regenerate the README's screenshots from the real app, on the bundled demo database.

    python screenshots/make_screenshots.py [--db FILE] [--out DIR] [--no-png]

Each scene opens the browser headless with Textual's Pilot, presses the keys a
person would, waits for the workers, and saves what the screen shows as SVG
(``App.export_screenshot``); ``rsvg-convert`` (librsvg2-bin) or ImageMagick's
``convert`` then renders a PNG next to it.  "Now" is fixed two days after the
newest time in the file, so ages read naturally and the pictures are stable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from boltview.bolt.file import BROWSE_SNAPSHOT_LIMIT, BoltFile
from boltview.containerd import companions
from boltview.containerd.encoding import decode_go_time
from boltview.containerd.reader import MetadataReader
from boltview.errors import BoltviewError
from boltview.node.root import DirectoryRoot
from boltview.node.target import choose_install
from boltview.stores.etcd_keys import key_path
from boltview.tui import make_app
from boltview.tui.app import BoltviewApp
from boltview.tui.node_view import NodeApp
from boltview.tui.widgets.containerd_tree import ContainerdTree
from boltview.tui.widgets.detail import RelationList
from boltview.tui.widgets.raw_tree import RawTree
from boltview.tui.widgets.store_tree import StoreTree

ROOT = Path(__file__).resolve().parent.parent
SIZE = (132, 40)

Scene = Callable[[Pilot[None]], Awaitable[None]]


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # a newer exclusive worker replaced it: wait again
            continue
        await pilot.pause()


async def containerd_view(pilot: Pilot[None]) -> None:
    """A container with its image, snapshot chain, labels and spec."""
    await pilot.press("j", "l")
    await settle(pilot)
    await pilot.press("l", "j", "j")
    await settle(pilot)


async def relations(pilot: Pilot[None]) -> None:
    """An image: its manifest, config and layers, and the containers that use it."""
    await pilot.press("j", "j", "l")
    await settle(pilot)
    await pilot.press("l", "j")
    await settle(pilot)
    await pilot.press("r")
    relations = pilot.app.query_one(RelationList)
    relations.highlighted = 1
    await settle(pilot)


async def snapshots(pilot: Pilot[None]) -> None:
    """Snapshots as parent/child chains, per snapshotter."""
    await pilot.press("j", "j", "j", "l")
    await settle(pilot)
    await pilot.press("l", "l")
    await settle(pilot)
    tree = pilot.app.query_one(ContainerdTree)
    node = tree.cursor_node
    if node is not None:
        for child in node.children:
            child.expand()
        await settle(pilot)
        for child in node.children:
            for grandchild in child.children:
                grandchild.expand()
        await settle(pilot)
        await pilot.press("l", "l", "j")
        await settle(pilot)


async def raw_view(pilot: Pilot[None]) -> None:
    """The raw buckets, a container's spec decoded from its protobuf Any."""
    await pilot.press("v")
    tree = pilot.app.query_one(RawTree)
    tree.reveal((b"v1", b"default", b"containers", b"web-1"), b"spec")
    await settle(pilot)


async def raw_time(pilot: Pilot[None]) -> None:
    """A Go time value: local, UTC, age, hex dump."""
    await pilot.press("v")
    tree = pilot.app.query_one(RawTree)
    tree.reveal((b"v1", b"default", b"images", b"example.com/tools/busybox:1.35"), b"createdat")
    await settle(pilot)


async def runc_options(pilot: Pilot[None]) -> None:
    """A container's runtime options: a protobuf Any (containerd.runc.v1.Options), decoded."""
    await pilot.press("v")
    tree = pilot.app.query_one(RawTree)
    tree.reveal((b"v1", b"default", b"containers", b"web-1", b"runtime"), b"options")
    await settle(pilot)


async def search(pilot: Pilot[None]) -> None:
    """Search across the whole file, results as a list."""
    await pilot.press("slash", *"busybox", "enter")
    await settle(pilot)


async def help_screen(pilot: Pilot[None]) -> None:
    await pilot.press("question_mark")
    await settle(pilot)


SCENES: dict[str, Scene] = {
    "containerd-view": containerd_view,
    "relations": relations,
    "snapshots": snapshots,
    "raw-view": raw_view,
    "raw-time": raw_time,
    "runc-options": runc_options,
    "search": search,
    "help": help_screen,
}


def newest_time(db: BoltFile) -> datetime:
    """The newest ``createdat`` or ``updatedat`` of any bucket (a short walk)."""
    newest = datetime(2024, 1, 1, tzinfo=UTC)

    def walk(bucket, depth: int) -> None:  # type: ignore[no-untyped-def]
        nonlocal newest
        if depth > 6:
            return
        for entry in bucket.entries():
            if entry.is_bucket:
                walk(bucket.child(entry), depth + 1)
            elif entry.key in (b"createdat", b"updatedat"):
                try:
                    newest = max(newest, decode_go_time(entry.value).to_datetime())
                except BoltviewError:
                    pass

    walk(db.root, 0)
    return newest


async def shoot(db_path: Path, name: str, scene: Scene, out: Path, now: datetime) -> Path:
    # Opened by its name from its own folder: no path of this machine shows in the
    # pictures (the detail pane's CLI line names the file as it was opened).
    os.chdir(db_path.parent)
    # As `boltview demo` opens it: a snapshot, with the snapshotter database beside it.
    db = BoltFile.open(db_path.name, snapshot=None, copy_up_to=BROWSE_SNAPSHOT_LIMIT)
    reader = MetadataReader(db, check=False)
    target = out / f"{name}.svg"
    with companions.snapshotter_dbs(reader, db_path.name, True, ()) as found:
        app: BoltviewApp = make_app(db, clock=lambda: now, local_tz=UTC, snapshotter_dbs=found)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await scene(pilot)
            await settle(pilot)
            target.write_text(app.export_screenshot(title=f"boltview {db_path.name}"),
                              encoding="utf-8")  # fmt: skip
    db.close()
    return target


async def shoot_node(top: Path, out: Path) -> Path:
    """The node overview of the node fixture, as ``boltview ROOT`` shows it."""
    os.chdir(top.parent)
    app = NodeApp(DirectoryRoot(top.name))
    target = out / "node.svg"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        target.write_text(app.export_screenshot(title=f"boltview {top.name}"), encoding="utf-8")
    return target


async def shoot_drift(out: Path) -> Path:
    """A container's drift, on the rootfs fixture's node (containers that ran under runc).

    The node is unpacked (as root: it holds overlayfs' 0/0 whiteout devices) into a
    temporary folder and opened by a relative name, so no path of this machine shows.
    """
    target = out / "drift.svg"
    with tempfile.TemporaryDirectory() as scratch:
        with tarfile.open(ROOT / "fixtures" / "rootfs" / "node.tar.gz") as archive:
            archive.extractall(Path(scratch) / "node", numeric_owner=True, filter="fully_trusted")
        os.chdir(scratch)
        install = choose_install(DirectoryRoot("node"), None)
        meta = f"node{install.install.meta_db}"
        db = BoltFile.open(meta, snapshot=None, copy_up_to=BROWSE_SNAPSHOT_LIMIT)
        now = newest_time(db) + timedelta(days=2, hours=3)
        reader = MetadataReader(db, check=False)
        with companions.snapshotter_dbs(reader, meta, True, ()) as found:
            app = make_app(db, clock=lambda: now, local_tz=UTC, snapshotter_dbs=found, files=install)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                tree = app.query_one(ContainerdTree)
                node = tree.root
                for label in ("default", "containers", "overlay-1", "drift"):
                    node = next(child for child in node.children if str(child.label).startswith(label))
                    node.expand()
                    await settle(pilot)
                tree.move_cursor(node.children[1])  # a file the container changed
                await settle(pilot)
                target.write_text(app.export_screenshot(title="boltview meta.db"), encoding="utf-8")
        db.close()
        os.chdir(ROOT)
    return target


async def shoot_store(db_path: Path, name: str, path: tuple[str, ...], out: Path) -> Path:
    """Another store's file in the store view, the object at ``path`` under the cursor."""
    os.chdir(db_path.parent)
    db = BoltFile.open(db_path.name, snapshot=None, copy_up_to=BROWSE_SNAPSHOT_LIMIT)
    target = out / f"{name}.svg"
    app: BoltviewApp = make_app(db, local_tz=UTC)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(StoreTree).reveal(path)
        await settle(pilot)
        await settle(pilot)
        target.write_text(app.export_screenshot(title=f"boltview {db_path.name}"), encoding="utf-8")
    db.close()
    return target


def to_png(svg: Path) -> Path | None:
    """Render ``svg`` as PNG; runs of spaces kept (librsvg collapses them otherwise)."""
    png = svg.with_suffix(".png")
    preserved = svg.with_suffix(".tmp.svg")
    preserved.write_text(
        svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1),
        encoding="utf-8",
    )
    try:
        if shutil.which("rsvg-convert"):
            command = ["rsvg-convert", "--zoom", "1.5", "-o", str(png), str(preserved)]
        elif shutil.which("convert"):
            command = ["convert", "-density", "144", str(preserved), str(png)]
        else:
            print("no rsvg-convert or convert: SVG only", file=sys.stderr)
            return None
        subprocess.run(command, check=True)
    finally:
        preserved.unlink()
    return png


def report(svg: Path, png: Path | None) -> None:
    """One line for a picture made: the SVG (from the repository, when it is in it) and its PNG."""
    print(svg.relative_to(ROOT) if svg.is_relative_to(ROOT) else svg, png.name if png else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=ROOT / "boltview" / "demo" / "meta.db")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--no-png", action="store_true")
    parser.add_argument("--only", nargs="*", choices=sorted([*SCENES, "node", "drift", "etcd", "podman"]))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with BoltFile.open(str(args.db)) as db:
        now = newest_time(db) + timedelta(days=2, hours=3)
    for name, scene in SCENES.items():
        if args.only and name not in args.only:
            continue
        svg = asyncio.run(shoot(args.db.resolve(), name, scene, args.out.resolve(), now))
        report(svg, None if args.no_png else to_png(svg))
    others: dict[str, Callable[[], Awaitable[Path]]] = {
        "node": lambda: shoot_node(ROOT / "fixtures" / "node" / "root", args.out.resolve()),
        "drift": lambda: shoot_drift(args.out.resolve()),
        "etcd": lambda: shoot_store(ROOT / "fixtures" / "etcd" / "db", "etcd",
                                    key_path(b"/registry/pods/default/web-0"), args.out.resolve()),
        "podman": lambda: shoot_store(
            ROOT / "fixtures" / "stores" / "db" / "bolt_state.db",
            "podman", ("containers", "pm-exit"), args.out.resolve()),
    }  # fmt: skip
    for name, make in others.items():
        if args.only and name not in args.only:
            continue
        svg = asyncio.run(make())
        report(svg, None if args.no_png else to_png(svg))


if __name__ == "__main__":
    main()
