"""buildkit's records in the browser: from the pulled record to containerd's content and back.

The files are ``fixtures/stores/db/buildkit-*.db``, written by dockerd 20.10's buildkit
when it built FROM a busybox it pulled from a registry on 127.0.0.1
(``fixtures/stores/make_stores.sh``); the answers are the registry's manifest of that
base (``expected/docker/base/``) and what buildkit's content directory held.
"""

from __future__ import annotations

import hashlib
import json

from boltview.tui.widgets.detail import RelationList
from tests.conftest import ROOT
from tests.test_tui import SIZE, app_for, detail_text, pilot_test, settle
from tests.test_tui_store import cursor_path, open_path

STORES = ROOT / "fixtures" / "stores"
MANIFEST_BYTES = (STORES / "expected" / "docker" / "base" / "manifest.json").read_bytes()
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST_BYTES).hexdigest()


def pulled_record_id() -> str:
    """The build cache entry docker's ``/system/df`` described as pulled."""
    cache = json.loads((STORES / "expected" / "docker" / "system_df.json").read_text())[
        "BuildCache"
    ]
    [record] = [r["ID"] for r in cache if r["Description"].startswith("pulled from ")]
    return str(record)


@pilot_test
async def test_the_pulled_record_links_to_its_manifest_blob_and_back() -> None:
    app = app_for(STORES / "db" / "buildkit-metadata_v2.db")
    record = pulled_record_id()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_path(app, pilot, ("records", record))
        assert MANIFEST_DIGEST in detail_text(app)
        await pilot.press("tab")
        relations = app.query_one(RelationList)
        assert app.focused is relations
        labels = [link.label for link in relations.links]
        assert labels.count("content") == 2 and "manifest" in labels
        for _ in range(labels.index("manifest")):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert cursor_path(app) == ("content", MANIFEST_DIGEST)
        shown = detail_text(app)
        assert f"{len(MANIFEST_BYTES)} bytes, a pulled image's manifest" in shown
        assert "containerd.io/distribution.source.127.0.0.1" in shown
        await pilot.press("backspace")
        await settle(pilot)
        assert cursor_path(app) == ("records", record)
        # The blob was read from containerdmeta.db beside the file: the pane says so, and `o`
        # does not look for its bucket in metadata_v2.db.
        await pilot.press("backspace")
        await settle(pilot)
        await open_path(app, pilot, ("content", MANIFEST_DIGEST))
        assert "buildkit-containerdmeta.db, txid" in detail_text(app)
        await pilot.press("o")
        await settle(pilot)
        assert app.view == "store" and cursor_path(app) == ("content", MANIFEST_DIGEST)
