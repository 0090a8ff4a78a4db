"""What the CLI and the browser say of snapshots and links is true, and the same in both.

- The snapshotter's own database is found beside meta.db (a node's layout, or
  ``NAME-metadata.db`` / ``NAME.metadata.db`` next to a copy) or given with
  ``--snapshotter-db``, by ``ls`` and by the browser alike; with it, a
  snapshot's kind is the one ``ctr snapshots ls`` printed (kept in
  fixtures/containerd/v16/expected/).
- Without it, the kind meta.db implies is shown once, marked inferred
  ("Active?"), the same in both, and never contradicts what ctr printed.
- fixtures/containerd/gone/ was written by a real containerd whose garbage
  collector deleted three views without unlinking them from their parent, and
  whose container names an image that was removed: the parent claims only
  the children that exist, and links to what is gone are marked missing, or
  deleted when ``recover`` finds them, instead of links that lead nowhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from boltview.cli import main
from boltview.containerd.model import ObjectRef
from boltview.tui.app import BoltviewApp
from boltview.tui.model import ContainerdModel
from boltview.tui.widgets.containerd_tree import ContainerdTree, GroupItem, NsItem, ObjItem
from boltview.tui.widgets.detail import RelationList
from tests.test_containerd_cli import content_root  # noqa: F401 - the content store, rebuilt
from tests.test_tui import NOW, SIZE, detail_text, settle

ROOT = Path(__file__).resolve().parent.parent
V16 = ROOT / "fixtures" / "containerd" / "v16"
GONE = ROOT / "fixtures" / "containerd" / "gone"
NAMESPACES = ["default", "empty-ns", "k8s.io", "team-a"]


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """boltview in-process; its stdout (it must exit 0)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    return out


def ctr_kinds(listing: Path) -> dict[str, tuple[str, str]]:
    """``ctr snapshots ls`` as recorded: key -> (parent, kind)."""
    rows = listing.read_text().splitlines()[1:]
    out = {}
    for row in rows:
        cells = row.split()
        out[cells[0]] = (cells[1] if len(cells) == 3 else "", cells[-1])
    return out


def ls_kinds(capsys: pytest.CaptureFixture[str], path: Path, namespace: str) -> dict[str, str]:
    out = cli(capsys, "ls", path, "snapshots", "-n", namespace)
    return {row.split()[0]: row.split()[-1] for row in out.splitlines()[1:]}


def alone(tmp_path: Path, source: Path = V16 / "meta.db") -> Path:
    """A copy of meta.db with nothing beside it."""
    path = tmp_path / "alone" / "meta.db"
    path.parent.mkdir()
    shutil.copyfile(source, path)
    return path


def layout(tmp_path: Path, how: str) -> Path:
    """v16's meta.db with its overlayfs database where boltview must find it by itself."""
    if how == "beside":  # the fixture itself: overlayfs-metadata.db next to meta.db
        return V16 / "meta.db"
    if how == "dotted":
        shutil.copyfile(V16 / "overlayfs-metadata.db", tmp_path / "overlayfs.metadata.db")
        shutil.copyfile(V16 / "meta.db", tmp_path / "meta.db")
        return tmp_path / "meta.db"
    root = tmp_path / "var-lib-containerd"  # a node's layout
    (root / "io.containerd.metadata.v1.bolt").mkdir(parents=True)
    (root / "io.containerd.snapshotter.v1.overlayfs").mkdir()
    shutil.copyfile(V16 / "meta.db", root / "io.containerd.metadata.v1.bolt" / "meta.db")
    shutil.copyfile(V16 / "overlayfs-metadata.db",
                    root / "io.containerd.snapshotter.v1.overlayfs" / "metadata.db")  # fmt: skip
    return root / "io.containerd.metadata.v1.bolt" / "meta.db"


# -- the CLI ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["beside", "dotted", "node"])
def test_ls_finds_the_snapshotter_db_by_itself_and_prints_ctrs_kinds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, how: str
) -> None:
    meta = layout(tmp_path, how)
    for namespace in NAMESPACES:
        out = cli(capsys, "ls", meta, "snapshots", "-n", namespace)
        assert out == (V16 / "expected" / namespace / "snapshots.txt").read_text(), namespace


def test_ls_without_the_snapshotter_db_infers_only_what_ctr_confirms(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    meta = alone(tmp_path)
    shown = 0
    for namespace in NAMESPACES:
        ctr = ctr_kinds(V16 / "expected" / namespace / "snapshots.txt")
        kinds = ls_kinds(capsys, meta, namespace)
        assert set(kinds) == set(ctr)
        parents = {parent for parent, _ in ctr.values() if parent}
        for key, kind in kinds.items():
            if kind == "-":
                continue
            assert kind == ctr[key][1] + "?", key  # marked inferred, and what ctr printed
            shown += 1
        for key in parents:  # a parent is certainly committed
            assert kinds[key] == "Committed?"
    containers = ["web-1", "worker-1", "legacy-1", "hello-1"]
    assert [ls_kinds(capsys, meta, "default")[key] for key in containers] == ["Active?"] * 4
    assert shown >= 12


def test_inspect_says_the_kind_as_ls_does(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    meta = alone(tmp_path)
    for key in ("web-1", "build-committed", "scratch-rw"):
        shown = ls_kinds(capsys, meta, "default")[key]
        lines = cli(capsys, "inspect", meta, "snapshot", key).splitlines()
        kind = next(line for line in lines if line.startswith("Kind: "))
        assert kind.startswith(f"Kind: {shown} ("), kind  # the same word, then why
    found = cli(capsys, "inspect", V16 / "meta.db", "snapshot", "ro-view").splitlines()
    assert "Kind: View (from the snapshotter's database)" in found  # ctr's word, found beside


def test_inspect_lists_only_the_children_that_exist(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = json.loads((GONE / "expected" / "scenario.json").read_text())
    out = cli(capsys, "inspect", GONE / "meta.db", "snapshot", scenario["top_layer"], "--json")
    extra = json.loads(out)["boltview"]
    assert extra["children"] == scenario["kept_children"]
    assert extra["gone_children"] == scenario["views_removed_by_gc"]


# -- the browser, as the CLI opens it ----------------------------------------------------------


def browse(
    monkeypatch: pytest.MonkeyPatch, args: list[str | Path],
    check: Callable[[BoltviewApp, Any], Coroutine[Any, Any, None]],
) -> None:  # fmt: skip
    """``boltview ARGS``, with the app driven by Pilot instead of a terminal."""
    ran: list[BoltviewApp] = []

    def run(self: BoltviewApp, *_: object, **__: object) -> None:
        self.clock = lambda: NOW

        async def drive() -> None:
            async with self.run_test(size=SIZE) as pilot:
                await settle(pilot)
                await check(self, pilot)

        asyncio.run(drive())
        ran.append(self)

    monkeypatch.setattr(BoltviewApp, "run", run)
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    assert exited.value.code in (0, None)
    assert len(ran) == 1


async def snapshot_nodes(app: BoltviewApp, pilot: Any, namespace: str) -> dict[str, Any]:
    """Every snapshot node of ``namespace``'s overlayfs group, all chains opened: key -> node."""
    tree = app.query_one(ContainerdTree)
    ns = next(n for n in tree.root.children
              if isinstance(n.data, NsItem) and n.data.namespace.name == namespace)  # fmt: skip
    ns.expand()
    await settle(pilot)
    group = next(n for n in ns.children if isinstance(n.data, GroupItem) and n.data.kind == "snapshot")
    group.expand()
    await settle(pilot)
    found: dict[str, Any] = {}
    pending = list(group.children)
    while pending:
        node = pending.pop()
        if isinstance(node.data, ObjItem):
            found[node.data.obj.key] = node
        if node.allow_expand and not node.is_expanded:
            node.expand()
            await settle(pilot)
        pending.extend(node.children)
    return found


def label_kind(node: Any) -> str:
    """The kind a snapshot's tree label shows ('-' when it shows none)."""
    parts = str(node.label).split("  ", 1)[1].split(" · ") if "  " in str(node.label) else []
    kinds = [p for p in parts if p.rstrip("?") in ("Active", "Committed", "View", "Unknown")]
    assert len(kinds) <= 1, node.label  # said once
    return kinds[0] if kinds else "-"


@pytest.mark.parametrize("how", ["beside", "given"])
def test_the_browser_finds_or_takes_the_snapshotter_db_and_shows_ctrs_kinds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, how: str
) -> None:
    if how == "beside":
        args: list[str | Path] = [V16 / "meta.db"]
    else:
        args = [alone(tmp_path), "--snapshotter-db", V16 / "overlayfs-metadata.db"]

    async def check(app: BoltviewApp, pilot: Any) -> None:
        for namespace in ("default", "k8s.io"):
            nodes = await snapshot_nodes(app, pilot, namespace)
            ctr = ctr_kinds(V16 / "expected" / namespace / "snapshots.txt")
            assert {key: label_kind(node) for key, node in nodes.items()} == {
                key: kind for key, (_, kind) in ctr.items()
            }
        tree = app.query_one(ContainerdTree)
        tree.move_cursor(nodes["a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"])
        await settle(pilot)
        text = detail_text(app)
        assert "Active (from the snapshotter's database)" in text
        assert "unknown" not in text.split("children")[0]
        await pilot.press("t")  # the previous transaction keeps the snapshotter's database
        await settle(pilot)
        nodes = await snapshot_nodes(app, pilot, "default")
        assert label_kind(nodes["ro-view"]) == "View"

    browse(monkeypatch, args, check)


def test_the_demo_shows_the_real_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    async def check(app: BoltviewApp, pilot: Any) -> None:
        nodes = await snapshot_nodes(app, pilot, "default")
        assert label_kind(nodes["ro-view"]) == "View"  # only the snapshotter knows a view
        assert label_kind(nodes["web-1"]) == "Active"

    browse(monkeypatch, ["demo"], check)


def test_without_it_browser_and_cli_infer_the_same_kind_said_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    meta = alone(tmp_path)
    cli_kinds = ls_kinds(capsys, meta, "default")

    async def check(app: BoltviewApp, pilot: Any) -> None:
        nodes = await snapshot_nodes(app, pilot, "default")
        assert {key: label_kind(node) for key, node in nodes.items()} == cli_kinds
        tree = app.query_one(ContainerdTree)
        for key, said in (("web-1", "Active?"), ("build-committed", "Committed?")):
            tree.move_cursor(nodes[key])
            await settle(pilot)
            kind_row = next(line for line in detail_text(app).splitlines()
                            if line.lstrip().startswith("kind "))  # fmt: skip
            assert said in kind_row and kind_row.count("inferred") == 1, kind_row
            assert "(unknown)" not in kind_row and "(inferred)" not in kind_row
        tree.move_cursor(nodes["scratch-rw"])
        await settle(pilot)
        assert "- (unknown: only the snapshotter's metadata.db knows" in detail_text(app)

    browse(monkeypatch, [meta], check)


# -- counts and links ------------------------------------------------------------------------


def test_a_parent_claims_only_its_children_and_gone_ones_read_as_deleted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = json.loads((GONE / "expected" / "scenario.json").read_text())
    ctr = ctr_kinds(GONE / "expected" / "snapshots.txt")
    children = sorted(key for key, (parent, _) in ctr.items() if parent == scenario["top_layer"])
    assert children == scenario["kept_children"]
    threads: list[threading.Thread] = []
    deleted_refs = ContainerdModel.deleted_refs

    def watched(self: ContainerdModel) -> frozenset[ObjectRef]:
        threads.append(threading.current_thread())
        return deleted_refs(self)

    monkeypatch.setattr(ContainerdModel, "deleted_refs", watched)

    async def check(app: BoltviewApp, pilot: Any) -> None:
        nodes = await snapshot_nodes(app, pilot, "default")
        top = nodes[scenario["top_layer"]]
        assert f"{len(children)} children" in str(top.label)
        snapshots = [child.data.obj.key for child in top.children if isinstance(child.data, ObjItem)]
        assert sorted(snapshots) == children  # beside its files node
        app.query_one(ContainerdTree).move_cursor(top)
        await settle(pilot)
        relations = app.query_one(RelationList)
        kids = {link.text: (link, relations.get_option_at_index(i))
                for i, link in enumerate(relations.links) if link.label == "child"}  # fmt: skip
        assert sorted(kids) == sorted(children + scenario["views_removed_by_gc"])
        for key in children:
            link, option = kids[key]
            assert not link.missing and not option.disabled
        for key in scenario["views_removed_by_gc"]:
            link, option = kids[key]
            assert link.missing and link.deleted and option.disabled  # nothing to land on
            assert "deleted: not in the live tree; recover finds it" in str(option.prompt)
        text = detail_text(app)
        assert "meta.db also lists 3 deleted: view-1, view-2, view-3" in text

    browse(monkeypatch, [GONE / "meta.db"], check)
    assert threads and threading.main_thread() not in threads  # recover ran in a worker


def test_a_container_whose_image_was_removed_links_to_a_missing_image(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = json.loads((GONE / "expected" / "scenario.json").read_text())
    assert (GONE / "expected" / "images.txt").read_text().splitlines()[1:] == []  # ctr: no image
    info = json.loads((GONE / "expected" / "containers" / "orphan-1.json").read_text())
    assert info["Image"] == scenario["removed_image"]

    async def check(app: BoltviewApp, pilot: Any) -> None:
        from boltview.tui.messages import JumpToObject

        app.post_message(JumpToObject(ObjectRef("container", "default", "orphan-1")))
        await settle(pilot)
        await settle(pilot)
        relations = app.query_one(RelationList)
        index = next(i for i, link in enumerate(relations.links) if link.label == "image")
        link, option = relations.links[index], relations.get_option_at_index(index)
        assert link.text == scenario["removed_image"] and link.missing and not link.deleted
        assert option.disabled
        assert "missing: no such object in this database" in str(option.prompt)

    browse(monkeypatch, [GONE / "meta.db"], check)


def test_the_browser_takes_the_content_store_and_shows_ctrs_platforms_and_size(
    monkeypatch: pytest.MonkeyPatch,
    content_root: Path,  # noqa: F811 - the fixture imported above
) -> None:
    """``--content-root`` (blobs rebuilt byte for byte by build_oci.py): what ``ctr images ls``
    printed in PLATFORMS and SIZE, in the image's detail."""
    if os.uname().machine not in ("x86_64", "amd64"):
        pytest.skip("ctr ran on amd64: SIZE follows the default platform")
    rows = (V16 / "expected" / "default" / "images.txt").read_text().splitlines()
    header = rows[0]
    start = {name: header.index(name) for name in ("SIZE", "PLATFORMS", "LABELS")}
    row = next(r for r in rows if r.startswith("example.com/demo/hello:v1 "))
    size = row[start["SIZE"] : start["PLATFORMS"]].strip()
    platforms = row[start["PLATFORMS"] : start["LABELS"]].strip()

    async def check(app: BoltviewApp, pilot: Any) -> None:
        from boltview.tui.messages import JumpToObject

        app.post_message(JumpToObject(ObjectRef("image", "default", "example.com/demo/hello:v1")))
        await settle(pilot)
        await settle(pilot)
        facts = {link.label: link.text for link in app.query_one(RelationList).links}
        assert facts["size"] == f"{size}  (content store)"
        assert facts["platforms"] == f"{platforms.replace(',', ', ')}  (content store)"

    browse(monkeypatch, [V16 / "meta.db", "--content-root", content_root], check)
