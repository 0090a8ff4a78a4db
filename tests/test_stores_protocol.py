"""Every store view boltview registers keeps the StoreView protocol the browser, export and
diff are built on: the same answers however a node is reached, counts that are true, links
that lead somewhere, fields that are JSON, and sources that name the file's own buckets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from boltview.bolt.file import BoltFile
from boltview.stores.recognize import recognize
from boltview.stores.registry import VIEWS, view_of
from boltview.stores.view import StoreNode, StoreView

DB = Path(__file__).resolve().parent.parent / "fixtures" / "stores" / "db"
VIEWED = {
    "bolt_state.db": "podman",
    "bolt_state-broken.db": "podman",
    "volumes-metadata.db": "docker-volumes",
    "local-kv.db": "docker-libnetwork",
    "buildkit-metadata_v2.db": "buildkit-metadata",
    "buildkit-cache.db": "buildkit-cache",
    "blob-info-cache-v1.boltdb": "blob-info-cache",
}


def open_view(name: str) -> tuple[BoltFile, StoreView]:
    db = BoltFile.open(str(DB / name))
    view = view_of(db)
    assert view is not None
    return db, view


def walk(view: StoreView, node: StoreNode) -> list[StoreNode]:
    found = []
    for child in view.children(node, 0, 10_000):
        found += [child, *walk(view, child)]
    return found


def test_each_fixture_is_recognized_and_viewed_by_its_kind() -> None:
    for name, kind in VIEWED.items():
        db, view = open_view(name)
        assert recognize(db).kind == kind
        assert view.store.kind == kind
        assert kind in VIEWS


@pytest.mark.parametrize("name", sorted(VIEWED))
def test_view_keeps_the_protocol(name: str) -> None:
    db, view = open_view(name)
    every = []
    for top in view.top():
        assert len(top.path) == 1 and top.label == top.path[0]
        every += [top, *walk(view, top)]
    paths = [node.path for node in every]
    assert len(paths) == len(set(paths))
    for node in every:
        assert view.find(node.path) is node
        children = view.children(node, 0, 10_000)
        assert node.has_children == bool(children)
        if node.count is not None:
            assert node.count == len(children)
        for start in range(len(children)):  # windows are slices of one order
            assert view.children(node, start, 1) == children[start : start + 1]
        json.dumps(node.fields)  # JSON-shaped
        for link in node.links:
            assert view.find(link.path) is not None, (node.path, link)
        if node.source and node.origin is None:  # else in a companion file beside it
            top_buckets = {bucket.name for bucket in db.root.buckets()}
            assert node.source[0] in top_buckets, (node.path, node.source)
    objects = list(view.objects())
    assert [o.path for o in objects] == [o.path for o in view.objects()]  # stable order
    assert {o.path for o in objects} == {n.path for n in every if n.kind != "group"}
    assert view.find(("no such group",)) is None


def test_the_fixture_is_small_and_says_who_wrote_it() -> None:
    stores = DB.parent
    size = sum(path.stat().st_size for path in stores.rglob("*") if path.is_file())
    assert size < 3 * 1024 * 1024
    versions = (stores / "expected" / "versions.txt").read_text()
    for package in ("podman 4.3.", "docker.io 20.10.", "skopeo 1.9.", "golang-github-coreos-bbolt-dev"):
        assert package in versions
