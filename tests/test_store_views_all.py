"""Every store view, whichever store: the contract each keeps, on every real file that has one.

The files are the real writers' (``fixtures/etcd`` by etcd, ``fixtures/node`` by
podman, docker, buildkit, skopeo...: see their READMEs); a file is taken when
its store has a view in ``boltview.stores.registry.VIEWS``, so each view that
is registered is held to the same contract: objects found again by their path,
provenance that names bytes that are in the file, JSON that parses, and a
browser that opens on it in the store view and shows each group's first object.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from boltview.bolt.file import BoltFile, reading
from boltview.bolt.stats import bucket_stats
from boltview.stores.recognize import recognize
from boltview.stores.registry import VIEWS, view_of
from boltview.tui.widgets.store_tree import StoreItem, StoreTree
from tests.conftest import ROOT, run_boltview
from tests.test_tui import SIZE, app_for, detail_text, pilot_test, settle


def store_files() -> list[Path]:
    candidates = [ROOT / "fixtures" / "etcd" / "db", ROOT / "fixtures" / "etcd" / "snapshot.db"]
    candidates += sorted((ROOT / "fixtures" / "node" / "root").rglob("*.db"))
    candidates += sorted((ROOT / "fixtures" / "node" / "root").rglob("*.boltdb"))
    found = []
    for path in candidates:
        with BoltFile.open(str(path)) as db:
            if recognize(db).kind in VIEWS:
                found.append(path)
    return found


FILES = store_files()
IDS = [str(path.relative_to(ROOT)) for path in FILES]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_objects_are_found_again_and_came_from_the_file(path: Path) -> None:
    with reading(str(path)) as db:
        view = view_of(db)
        assert view is not None
        objects = list(view.objects())
        stats = bucket_stats(db.root)  # key_n counts the buckets too; bucket_n the root too
        if stats.key_n > stats.bucket_n - 1:
            assert objects, "a store with keys shows objects"
        for node in objects:
            again = view.find(node.path)
            assert again is not None and (again.path, again.kind) == (node.path, node.kind)
            if len(node.source) >= 1:
                bucket = db.bucket(*node.source[:-1]) if node.source[:-1] else db.root
                assert bucket.entry(node.source[-1]) is not None, node.path
        assert all(isinstance(finding, str) for finding in view.findings())


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_export_is_json_with_provenance(path: Path) -> None:
    done = run_boltview("export", path)
    assert done.returncode in (0, 1), done.stderr
    document = json.loads(done.stdout)
    txid = document["provenance"]["txid"]
    with BoltFile.open(str(path)) as db:
        assert txid == db.txid
        for obj in document["objects"]:
            where = obj["provenance"]
            assert where["txid"] == txid
            if where["key"] is not None:
                bucket = [base64.b64decode(name) for name in where["bucket_base64"]]
                holder = db.bucket(*bucket) if bucket else db.root
                assert holder.entry(base64.b64decode(where["key_base64"])) is not None
    assert done.returncode == (1 if document["findings"] else 0)


@pytest.mark.parametrize("path", FILES, ids=IDS)
@pilot_test
async def test_the_browser_opens_each_group(path: Path) -> None:
    app = app_for(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.view == "store"
        tree = app.query_one(StoreTree)
        groups = [c for c in tree.root.children if isinstance(c.data, StoreItem)]
        assert groups
        for group in groups:
            group.expand()
            await settle(pilot)
            first = next((c for c in group.children if isinstance(c.data, StoreItem)), group)
            tree.move_cursor(first)
            await settle(pilot)
            text = detail_text(app)
            assert first.data.node.kind in text
            assert "cannot read" not in text and "⚠ " not in str(first.label)
