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
    candidates += sorted((ROOT / "fixtures" / "stores" / "db").iterdir())
    found = []
    for path in candidates:
        with BoltFile.open(str(path)) as db:
            if recognize(db).kind in VIEWS:
                found.append(path)
    return found


def holds(db: BoltFile, origin: tuple[str, int] | None, source: tuple[bytes, ...]) -> bool:
    """Whether the file the bytes came from (``db``, or the companion file ``origin`` names,
    read at the txid it names) has the bucket and key ``source``."""
    if origin is not None:
        with BoltFile.open(origin[0]) as companion:
            assert companion.txid == origin[1]
            return holds(companion, None, source)
    bucket = db.bucket(*source[:-1]) if source[:-1] else db.root
    return bucket.entry(source[-1]) is not None


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
                assert holds(db, node.origin, node.source), node.path
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
            # a companion file's object (buildkit's snapshots.db) names that file and its txid
            origin = (where["file"], where["txid"]) if "file" in where else None
            assert origin is not None or where["txid"] == txid
            if where["key"] is not None:
                bucket = [base64.b64decode(name) for name in where["bucket_base64"]]
                source = (*bucket, base64.b64decode(where["key_base64"]))
                assert holds(db, origin, source), obj["path"]
    assert done.returncode == (1 if document["findings"] else 0)


#: The files as their programs left them (bolt_state-broken.db's registries were broken on
#: purpose: its objects are marked, as tests/test_stores_podman.py checks).
WHOLE = [path for path in FILES if "broken" not in path.name]


@pytest.mark.parametrize("path", WHOLE, ids=[str(path.relative_to(ROOT)) for path in WHOLE])
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
