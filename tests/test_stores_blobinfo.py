"""containers/image's blob info cache read by boltview, checked against skopeo and the registry.

``fixtures/stores/make_stores.sh`` had skopeo 1.9 copy an OCI layout (one gzip
layer, one plain tar layer, which skopeo compressed on the fly) to a local
docker-registry, then from there to a second repository and to a directory.
The registry's manifests say which blobs it holds; skopeo's debug log says
which cached locations and compressors it read back from the cache; the
build script's images.json says which digests the layout had.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.stores.blobinfo import BlobInfoView
from boltview.stores.registry import view_of

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
ANSWERS = STORES / "expected" / "skopeo"
REGISTRY = (ANSWERS / "registry.txt").read_text().strip()
REPOSITORIES = ("fixture/notes", "mirror/notes")


def answer(name: str) -> Any:
    return json.loads((ANSWERS / name).read_text())


@pytest.fixture(scope="module")
def view() -> BlobInfoView:
    made = view_of(BoltFile.open(str(STORES / "db" / "blob-info-cache-v1.boltdb")))
    assert isinstance(made, BlobInfoView)
    return made


def nanos(text: str) -> int:
    """An RFC 3339 UTC time (``date +%FT%T.%NZ`` or Go's RFC3339Nano) in Unix nanoseconds."""
    whole, _, fraction = text.removesuffix("Z").partition(".")
    seconds = datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp()
    return int(seconds) * 1_000_000_000 + int(fraction.ljust(9, "0") or 0)


def blob(view: BlobInfoView, digest: str) -> dict[str, Any]:
    node = view.find(("blobs", digest))
    assert node is not None, digest
    return node.fields


def test_every_blob_the_registry_holds_is_known_in_both_repositories(view: BlobInfoView) -> None:
    started = (ANSWERS / "started.txt").read_text().strip()
    finished = (ANSWERS / "finished.txt").read_text().strip()
    for repository in REPOSITORIES:
        manifest = answer(f"manifest.{repository.replace('/', '_')}.json")
        for descriptor in [manifest["config"], *manifest["layers"]]:
            locations = blob(view, descriptor["digest"])["locations"]
            here = [loc for loc in locations if loc["location"] == f"{REGISTRY}/{repository}"]
            assert len(here) == 1, (descriptor["digest"], repository)
            assert here[0]["transport"] == "docker" and here[0]["scope"] == REGISTRY
            # a Go time.MarshalBinary, decoded: between the copies' start and end
            assert nanos(started) <= nanos(str(here[0]["last_seen"])) <= nanos(finished)


def test_the_layer_skopeo_compressed_pairs_with_the_layouts_plain_one(view: BlobInfoView) -> None:
    notes = json.loads((STORES / "expected" / "images.json").read_text())["notes"]
    plain = [layer for layer in notes["layers"] if layer["mediaType"].endswith(".tar")]
    assert len(plain) == 1
    pushed = answer("manifest.fixture_notes.json")["layers"]
    original = {layer["digest"] for layer in notes["layers"]}
    compressed = [layer["digest"] for layer in pushed if layer["digest"] not in original]
    assert len(compressed) == 1  # the plain layer, compressed on the fly
    assert blob(view, compressed[0])["uncompressed_digest"] == plain[0]["digest"]
    assert blob(view, plain[0]["digest"])["compressed_forms"] == compressed
    assert notes["diff_ids"][1] == plain[0]["digest"]  # a plain layer is its own diff ID
    assert blob(view, compressed[0])["compressor"] == "gzip"
    assert blob(view, plain[0]["digest"])["compressor"] == "uncompressed"


def test_what_skopeo_read_back_from_the_cache_is_there(view: BlobInfoView) -> None:
    said = re.findall(
        r"Trying to reuse cached location (sha256:[0-9a-f]{64}) compressed with (\w+) in (\S+)\"",
        (ANSWERS / "debug.txt").read_text(),
    )
    assert len(said) >= 2
    for digest, compressor, location in said:
        fields = blob(view, digest)
        assert fields["compressor"] == compressor
        assert location in [loc["location"] for loc in fields["locations"]]


def test_scopes_link_every_blob_seen_there(view: BlobInfoView) -> None:
    scope = view.find(("scopes", f"docker {REGISTRY}"))
    assert scope is not None
    manifest = answer("manifest.fixture_notes.json")
    digests = sorted(d["digest"] for d in [manifest["config"], *manifest["layers"]])
    assert sorted(link.path[-1] for link in scope.links) == digests
    for node in view.objects():
        for link in node.links:
            assert view.find(link.path) is not None
    assert view.findings() == []
