"""Relations between containerd objects, checked against what the fixture's scenario built.

fixtures/containerd/v16 was made by real containerd 1.6 from images whose every
digest build_oci.py recorded (expected/oci_images.json); the scenario is in
fixtures/containerd/README.md.  The links boltview resolves must land on
exactly those blobs and snapshots.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.containerd.listing import parse_rfc3339
from boltview.containerd.model import CONTAINER, CONTENT, IMAGE, LEASE, SNAPSHOT, ObjectRef
from boltview.containerd.reader import MetadataReader
from tests.conftest import ROOT

V16 = ROOT / "fixtures" / "containerd" / "v16"
IMAGES: dict[str, Any] = json.loads((V16 / "expected" / "oci_images.json").read_text())


@pytest.fixture(scope="module")
def reader() -> Iterator[MetadataReader]:
    db = BoltFile.open(str(V16 / "meta.db"))
    yield MetadataReader(db)
    db.close()


def content(digest: str, namespace: str = "default") -> ObjectRef:
    return ObjectRef(CONTENT, namespace, digest)


def snapshot(key: str, namespace: str = "default") -> ObjectRef:
    return ObjectRef(SNAPSHOT, namespace, key, "overlayfs")


def test_container_image_resolves_to_its_manifest_config_and_layers(reader: MetadataReader) -> None:
    busybox = IMAGES["busybox"]
    for namespace, cid in (("default", "web-1"), ("team-a", "dev-shell")):
        container = reader.container(namespace, cid)
        image = reader.container_image(container)
        assert image is not None and image.name == busybox["name"]
        tree = reader.image_tree(image)
        assert (tree.role, tree.digest) == ("manifest", busybox["manifest"]["digest"])
        assert tree.blob is not None and tree.blob.size == busybox["manifest"]["size"]
        config, *layers = tree.children
        assert (config.role, config.digest, config.via) == (
            "config", busybox["config"]["digest"], "containerd.io/gc.ref.content.config")  # fmt: skip
        assert [(node.digest, node.blob.size if node.blob else None) for node in layers] == [
            (layer["digest"], layer["size"]) for layer in busybox["layers"]]  # fmt: skip
        # the unpacked config keeps the top of the image's snapshot chain
        assert config.snapshots == [snapshot(busybox["chain_ids"][-1], namespace)]


def test_index_image_resolves_every_platform(reader: MetadataReader) -> None:
    hello = IMAGES["hello"]
    tree = reader.image_tree(reader.image("default", hello["name"]))
    assert (tree.role, tree.digest) == ("index", hello["index"]["digest"])
    manifests = [node for node in tree.children if node.role == "manifest"]
    assert [m.digest for m in manifests] == [p["manifest"]["digest"] for p in hello["platforms"]]
    for node, platform in zip(manifests, hello["platforms"]):
        assert [c.digest for c in node.children] == [
            platform["config"]["digest"], *(layer["digest"] for layer in platform["layers"])]  # fmt: skip
        assert all(c.blob is not None for c in node.children)  # imported with --all-platforms


def test_container_snapshot_and_parent_chain(reader: MetadataReader) -> None:
    busybox = IMAGES["busybox"]
    web = reader.container("default", "web-1")
    snap = reader.container_snapshot(web)
    assert snap is not None and snap.key == "web-1"
    chain = [s.key for s in reader.snapshot_chain(snap)]
    assert chain == list(reversed(busybox["chain_ids"]))  # nearest parent first
    hello = reader.container_snapshot(reader.container("default", "hello-1"))
    assert hello is not None
    amd64 = IMAGES["hello"]["platforms"][0]
    assert [s.key for s in reader.snapshot_chain(hello)] == amd64["chain_ids"]


def test_what_references_a_snapshot(reader: MetadataReader) -> None:
    base = IMAGES["busybox"]["chain_ids"][-1]
    sources = {(r.source.kind, r.source.id, r.via) for r in reader.referenced_by(snapshot(base))}
    config = IMAGES["busybox"]["config"]["digest"]
    assert (CONTENT, config, "label containerd.io/gc.ref.snapshot.overlayfs") in sources
    children = {"web-1", "worker-1", "legacy-1", "scratch-rw", "build-committed", "late-1", "ro-view"}
    assert {s for k, s, via in sources if k == SNAPSHOT and via == "parent"} == children
    holders = {(r.source.kind, r.source.id) for r in reader.referenced_by(snapshot("web-1"))}
    assert holders == {(CONTAINER, "web-1")}


def test_what_references_a_blob(reader: MetadataReader) -> None:
    busybox = IMAGES["busybox"]
    manifest = busybox["manifest"]["digest"]
    got = {(r.source.kind, r.source.id, r.via) for r in reader.referenced_by(content(manifest))}
    assert got == {(IMAGE, busybox["name"], "target"), (IMAGE, "example.com/tools/busybox:latest", "target")}
    layer = busybox["layers"][0]["digest"]
    got = {(r.source.kind, r.source.id, r.via) for r in reader.referenced_by(content(layer))}
    assert got == {(CONTENT, manifest, "label containerd.io/gc.ref.content.l.0"),
                   (LEASE, "pinned", "lease")}  # fmt: skip


def test_lease_resources_exist(reader: MetadataReader) -> None:
    for lease in reader.leases("default"):
        for resource in lease.resources:
            assert reader.exists(resource.target("default")), (lease.id, resource)
    pinned = reader.lease("default", "pinned")
    assert {(r.type, r.id) for r in pinned.resources} == {
        ("content", IMAGES["busybox"]["layers"][0]["digest"]),
        ("snapshots/overlayfs", "ro-view"), ("snapshots/overlayfs", "late-1"),
    }  # fmt: skip


def test_why_kept(reader: MetadataReader) -> None:
    created = reader.lease("default", "build-cache").created_at
    assert created is not None
    now = datetime.fromtimestamp(created.unix_seconds, UTC)
    # a container is a root
    assert reader.why_kept(ObjectRef(CONTAINER, "default", "web-1"), now).root == "container"
    # a layer: image -> manifest -> label
    layer = IMAGES["busybox"]["layers"][1]["digest"]
    verdict = reader.why_kept(content(layer), now)
    assert verdict.kept and verdict.root is None and verdict.chain is not None
    assert verdict.chain[0].source.kind == IMAGE and verdict.chain[-1].target == content(layer)
    # ro-view lives only because the lease pinned holds it
    verdict = reader.why_kept(snapshot("ro-view"), now)
    assert [(r.source.id, r.via) for r in verdict.chain or ()] == [("pinned", "lease")]
    # gc.root label
    assert reader.why_kept(snapshot("build-committed"), now).root == "label containerd.io/gc.root"


def test_what_an_expired_lease_no_longer_keeps(reader: MetadataReader) -> None:
    lease = reader.lease("default", "build-cache")
    expires = parse_rfc3339((lease.labels or {})["containerd.io/gc.expire"])
    assert expires is not None
    note = next(b for b in reader.blobs("default") if (b.labels or {}).get("org.example.note"))
    before = datetime.fromtimestamp(expires, UTC) - timedelta(hours=1)
    after = datetime.fromtimestamp(expires, UTC) + timedelta(hours=1)
    assert [r.source.id for r in reader.why_kept(note.ref, before).chain or ()] == ["build-cache"]
    gone = reader.why_kept(note.ref, after)
    assert not gone.kept  # containerd's next GC would take it
    assert lease.ref not in reader.gc_roots("default", after)


def test_references_from_a_container(reader: MetadataReader) -> None:
    refs = reader.references_from(ObjectRef(CONTAINER, "default", "hello-1"))
    assert [(r.target, r.via) for r in refs] == [(snapshot("hello-1"), "snapshot")]
