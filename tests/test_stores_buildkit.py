"""buildkit's records linked to containerd's content store, checked against the registry and docker.

``fixtures/stores/make_stores.sh`` had podman push busybox to a docker-registry on
127.0.0.1, then dockerd 20.10's buildkit build ``FROM`` it (a RUN with ``--network
none``, a COPY) before any docker image held that layer. It recorded the registry's
manifest and image config of the base (``expected/docker/base/``), ``docker image
inspect`` of the base once docker pulled it itself, and what buildkit's content store
held on disk (``expected/docker/buildkit_content.txt``: digest and size of each blob).

What the real data shows: dockerd 20.10's buildkit fetches the manifest and config into
its content store and hands the layer to docker's layer store, so the pulled record has
a diff ID and chain ID but no ``cache.blob``, and its lease holds the manifest and config.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.stores.buildkit import BuildkitMetadataView
from boltview.stores.registry import view_of
from boltview.stores.view import StoreNode

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
BASE = STORES / "expected" / "docker" / "base"
MANIFEST_BYTES = (BASE / "manifest.json").read_bytes()
MANIFEST = json.loads(MANIFEST_BYTES)
CONFIG_BYTES = (BASE / "config.json").read_bytes()
BASE_IMAGE = json.loads((BASE / "image_inspect.json").read_text())[0]
#: digest -> size of every blob in buildkit's content directory, as ``find`` listed them
CONTENT_LISTING = (STORES / "expected" / "docker" / "buildkit_content.txt").read_text()
ON_DISK = {
    digest: int(size) for digest, size in (line.split() for line in CONTENT_LISTING.splitlines())
}


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def view() -> BuildkitMetadataView:
    found = view_of(BoltFile.open(str(STORES / "db" / "buildkit-metadata_v2.db")))
    assert isinstance(found, BuildkitMetadataView)
    return found


@pytest.fixture(scope="module")
def pulled(view: BuildkitMetadataView) -> StoreNode:
    """The one record buildkit made when it pulled the base."""
    records = view.find(("records",))
    assert records is not None
    found = [
        n
        for n in view.children(records)
        if str(n.fields.get("description", "")).startswith("pulled from ")
    ]
    assert len(found) == 1
    return found[0]


def linked(node: StoreNode, label: str) -> list[tuple[str, ...]]:
    return [link.path for link in node.links if link.label == label]


def test_the_pulled_record_names_the_registrys_manifest(pulled: StoreNode) -> None:
    reference = (BASE / "reference.txt").read_text().strip()
    digest = sha256(MANIFEST_BYTES)  # the registry serves the manifest by this digest
    assert pulled.fields["description"] == f"pulled from {reference}@{digest}"
    assert pulled.fields["manifest"] == digest
    # docker, pulling the same tag itself, got the same manifest
    assert [d.rpartition("@")[2] for d in BASE_IMAGE["RepoDigests"]] == [digest]


def test_the_pulled_record_is_the_base_layer_by_diff_id(pulled: StoreNode) -> None:
    diff_ids = json.loads(CONFIG_BYTES)["rootfs"]["diff_ids"]
    assert diff_ids == BASE_IMAGE["RootFS"]["Layers"]  # the registry's config and docker agree
    assert len(diff_ids) == 1  # one layer: its chain ID is its diff ID
    assert pulled.fields["diff_id"] == diff_ids[0]
    assert pulled.fields["chain_id"] == diff_ids[0]
    assert pulled.fields["snapshot"] == diff_ids[0]  # moby's snapshotter names docker's layer
    assert ("snapshots", diff_ids[0]) in linked(pulled, "snapshot")


def test_the_pulled_records_content_is_the_manifest_and_config(
    view: BuildkitMetadataView, pulled: StoreNode
) -> None:
    """record -> lease -> containerd content, each blob with the size containerd recorded."""
    manifest_digest, config = sha256(MANIFEST_BYTES), MANIFEST["config"]
    assert config["digest"] == sha256(CONFIG_BYTES)
    expected = {manifest_digest: len(MANIFEST_BYTES), config["digest"]: config["size"]}
    content = {path[1]: view.find(path) for path in linked(pulled, "content")}
    assert {digest: node.fields["size"] for digest, node in content.items() if node} == expected
    shown = sorted(pulled.fields["content"], key=lambda blob: blob["digest"])
    assert shown == [{"digest": d, "size": s} for d, s in sorted(expected.items())]
    assert linked(pulled, "manifest") == [("content", manifest_digest)]
    lease = view.find(("leases", pulled.label))
    assert lease is not None and set(lease.fields["content"]) == set(expected)
    assert {p[1] for p in linked(lease, "content")} == set(expected)
    manifest = view.find(("content", manifest_digest))
    assert manifest is not None and linked(manifest, "manifest of") == [("records", pulled.label)]
    # where containerd says the blob came from: the registry's host and the repository
    source = {
        k: v
        for k, v in manifest.fields["labels"].items()
        if k.startswith("containerd.io/distribution.source.")
    }
    host, _, rest = (BASE / "reference.txt").read_text().strip().partition("/")
    assert source == {
        f"containerd.io/distribution.source.{host.partition(':')[0]}": rest.rpartition(":")[0]
    }


def test_content_nodes_are_the_blobs_on_disk(view: BuildkitMetadataView) -> None:
    group = view.find(("content",))
    assert group is not None
    assert {n.label: n.fields["size"] for n in view.children(group)} == ON_DISK


def test_the_layer_blob_stayed_out_of_buildkits_content_store(
    view: BuildkitMetadataView, pulled: StoreNode
) -> None:
    """dockerd 20.10 hands the layer to docker's layer store: buildkit records no blob for it."""
    layers = [layer["digest"] for layer in MANIFEST["layers"]]
    assert layers and not set(layers) & set(ON_DISK)
    assert all(view.find(("content", digest)) is None for digest in layers)
    assert "blob" not in pulled.fields and "blob_held" not in pulled.fields
    # buildkit's blob chain ID is ChainID([blob, diff ID]) with an empty blob
    assert pulled.fields["blob_chain_id"] == sha256(f" {pulled.fields['diff_id']}".encode())


def test_content_leases_and_records_link_both_ways(view: BuildkitMetadataView) -> None:
    group = view.find(("content",))
    assert group is not None
    for blob in view.children(group):
        holders = {p[1] for p in linked(blob, "lease")}
        assert holders == set(blob.fields["leases"])
        for lease_id in holders:
            lease = view.find(("leases", lease_id))
            assert lease is not None and ("content", blob.label) in linked(lease, "content")
    for node in view.objects():
        for link in node.links:
            assert view.find(link.path) is not None, (node.path, link)
    assert view.findings() == []


def test_records_and_their_snapshots_link_both_ways(
    view: BuildkitMetadataView,
) -> None:
    group = view.find(("snapshots",))
    assert group is not None
    named: dict[str, Any] = {}
    for snapshot in view.children(group):
        for path in linked(snapshot, "record"):
            named.setdefault(path[1], []).append(snapshot.label)
    records = view.find(("records",))
    assert records is not None
    for record in view.children(records):
        assert sorted(named.get(record.label, [])) == sorted(
            p[1] for p in linked(record, "snapshot")
        )


def companions(tmp_path: Path, containerdmeta: Path) -> BuildkitMetadataView:
    """The fixture's records and snapshots, with another file as ``containerdmeta.db`` beside."""
    for name in ("metadata_v2.db", "snapshots.db"):
        shutil.copy(STORES / "db" / f"buildkit-{name}", tmp_path / f"buildkit-{name}")
    shutil.copy(containerdmeta, tmp_path / "buildkit-containerdmeta.db")
    found = view_of(BoltFile.open(str(tmp_path / "buildkit-metadata_v2.db")))
    assert isinstance(found, BuildkitMetadataView)
    return found


def test_a_fresh_buildkits_empty_containerdmeta_is_no_finding(tmp_path: Path) -> None:
    """dockerd's buildkit before any build wrote a containerdmeta.db with no bucket (node fixture)."""
    empty = (
        STORES.parent
        / "node"
        / "root"
        / "var"
        / "lib"
        / "docker"
        / "buildkit"
        / "containerdmeta.db"
    )
    view = companions(tmp_path, empty)
    assert view.findings() == []
    assert view.leases == {} and view.blobs == {}
    group = view.find(("content",))
    assert group is not None and list(view.children(group)) == []


def test_a_containerdmeta_that_is_not_containerds_is_one_finding(tmp_path: Path) -> None:
    view = companions(tmp_path, STORES / "db" / "volumes-metadata.db")
    [finding] = view.findings()
    assert finding.startswith("containerdmeta.db beside this file: ")
    assert "not containerd metadata" in finding
    assert view.find(("content",)) is None and view.find(("leases",)) is None


def test_companion_objects_name_the_file_their_bytes_came_from() -> None:
    """Snapshots, leases and blobs come from snapshots.db and containerdmeta.db beside the
    metadata file: export's provenance names that file, its txid and the bucket there."""
    from tests.conftest import run_boltview

    done = run_boltview("export", STORES / "db" / "buildkit-metadata_v2.db")
    objects = json.loads(done.stdout)["objects"]
    companions = {"snapshot": "buildkit-snapshots.db", "lease": "buildkit-containerdmeta.db",
                  "blob": "buildkit-containerdmeta.db"}  # fmt: skip
    for obj in objects:
        where = obj["provenance"]
        if obj["kind"] not in companions:
            assert "file" not in where, obj["path"]
            continue
        assert Path(where["file"]).name == companions[obj["kind"]], obj["path"]
        with BoltFile.open(where["file"]) as companion:
            assert where["txid"] == companion.txid
    assert {obj["kind"] for obj in objects} >= set(companions)
