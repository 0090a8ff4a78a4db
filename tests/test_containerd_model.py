"""The containerd model against what real containerd and ctr reported.

v16/ is a real containerd 1.6 meta.db with the answers ctr and containerd's
own API gave (fixtures/containerd/README.md); v17/ and v20/ are synthetic
layouts written by real bbolt, with the data they were written from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.containerd.export import container_json, go_time, snapshot_json
from boltview.containerd.model import Container
from boltview.containerd.reader import (
    METADATA,
    PLAIN,
    SNAPSHOTTER,
    MetadataReader,
    NotContainerdError,
    detect_kind,
)
from boltview.containerd.snapshotter import SnapshotterDB
from tests.conftest import BOLT_FIXTURES, ROOT

FIXTURES = ROOT / "fixtures" / "containerd"
V16 = FIXTURES / "v16"
EXPECTED = V16 / "expected"
NAMESPACES = ["default", "empty-ns", "k8s.io", "team-a"]


@pytest.fixture(scope="module")
def v16() -> Iterator[MetadataReader]:
    db = BoltFile.open(str(V16 / "meta.db"))
    sdb = SnapshotterDB.open(str(V16 / "overlayfs-metadata.db"), "overlayfs")
    yield MetadataReader(db, {"overlayfs": sdb})
    sdb.close()
    db.close()


def api(namespace: str) -> dict[str, Any]:
    """What containerd's Go client API reported for a namespace (ctrhelper dump)."""
    return json.loads((EXPECTED / namespace / "api.json").read_text())  # type: ignore[no-any-return]


def by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


# -- what kind of file -----------------------------------------------------------------


def test_detect_kind_of_real_containerd_files() -> None:
    with BoltFile.open(str(V16 / "meta.db")) as db:
        assert detect_kind(db) == METADATA
    with BoltFile.open(str(V16 / "overlayfs-metadata.db")) as db:
        assert detect_kind(db) == SNAPSHOTTER


@pytest.mark.parametrize("name", sorted(p.name for p in BOLT_FIXTURES.glob("*.db")
                                         if p.name != "hostile.db"))  # fmt: skip
def test_plain_bolt_files_are_plain(name: str) -> None:
    with BoltFile.open(str(BOLT_FIXTURES / name)) as db:
        assert detect_kind(db) == PLAIN
        with pytest.raises(NotContainerdError, match="is a plain bolt database, not containerd"):
            MetadataReader(db)


# -- v16: real containerd 1.6 ------------------------------------------------------------


def test_hostile_db_has_a_containerd_tree() -> None:
    """bboltref's hostile.db puts terminal attacks in a containerd-shaped v1 too."""
    path = BOLT_FIXTURES / "hostile.db"
    with BoltFile.open(str(path)) as db:
        assert detect_kind(db) == METADATA
        reader = MetadataReader(db)
        assert "ns\x1b]0;pwned\x07" in reader.namespace_names()
        bad = [c for ns in reader.namespace_names() for c in reader.containers(ns)
               if c.issues]  # fmt: skip
        assert any(i.reason.startswith("not valid UTF-8") for c in bad for i in c.issues)


def test_schema_version_and_namespaces(v16: MetadataReader) -> None:
    assert v16.schema().version == 3  # containerd 1.5 to 1.7
    listed = (EXPECTED / "namespaces.q.txt").read_text().split()
    assert v16.namespace_names() == listed == NAMESPACES
    for name in NAMESPACES:
        assert v16.namespace(name).labels == api(name)["labels"]


def ctr_container_infos() -> list[tuple[str, Path]]:
    return [(path.parent.parent.name, path) for path in sorted(EXPECTED.glob("*/containers/*.json"))]


@pytest.mark.parametrize(("namespace", "path"), ctr_container_infos(), ids=lambda v: str(v)[-40:])
def test_container_has_every_field_ctr_info_prints(
    v16: MetadataReader, namespace: str, path: Path
) -> None:
    expected = json.loads(path.read_text())
    container = v16.container(namespace, expected["ID"])
    got = container_json(v16.db, container)
    for field, value in expected.items():
        assert got[field] == value, field
    # ctr prints the fields in Go's struct order; so does boltview, then its own
    assert [k for k in got if k in expected] == list(expected)
    assert list(got)[-1] == "boltview"


def test_every_container_ctr_lists_is_in_the_model(v16: MetadataReader) -> None:
    for name in NAMESPACES:
        listed = (EXPECTED / name / "containers.q.txt").read_text().split()
        assert [c.id for c in v16.containers(name)] == listed


def test_runtime_options_decoded(v16: MetadataReader) -> None:
    web = v16.container("default", "web-1")
    assert web.runtime_options is not None
    assert web.runtime_options.decoded.decoded == {"binary_name": "/usr/sbin/runc"}
    legacy = v16.container("default", "legacy-1")
    assert legacy.runtime_options is not None
    decoded = legacy.runtime_options.decoded
    assert decoded.decoded_as == "protobuf:runtimeoptions.v1.Options"
    assert decoded.decoded == {"config_path": "/etc/containerd/runc-legacy.toml"}


def test_images_match_containerds_api(v16: MetadataReader) -> None:
    for name in NAMESPACES:
        expected = by(api(name)["images"], "name")
        images = list(v16.images(name))
        assert [i.name for i in images] == (EXPECTED / name / "images.q.txt").read_text().split()
        for image in images:
            want = expected[image.name]
            assert image.labels == want["labels"]
            assert image.target.media_type == want["target"]["mediaType"]
            assert image.target.digest == want["target"]["digest"]
            assert image.target.size == want["target"]["size"]
            assert image.annotations == want["target"].get("annotations")
            assert go_time(image.created_at) == want["created_at"]
            assert go_time(image.updated_at) == want["updated_at"]


def test_content_blobs_match_containerds_api(v16: MetadataReader) -> None:
    for name in NAMESPACES:
        expected = by(api(name)["content"], "digest")
        blobs = list(v16.blobs(name))
        assert [b.digest for b in blobs] == (EXPECTED / name / "content.q.txt").read_text().split()
        for blob in blobs:
            want = expected[blob.digest]
            assert (blob.size, blob.labels) == (want["size"], want["labels"])
            assert go_time(blob.created_at) == want["created_at"]


def test_ingests_match_containerds_api(v16: MetadataReader) -> None:
    ingests = {i.ref_name: i for i in v16.ingests("default")}
    assert sorted(ingests) == sorted(i["ref"] for i in api("default")["ingests"])
    # containerd sets expireat only on an ingest without a lease (README: upload-unleased)
    assert ingests["upload-unleased"].expire_at is not None
    assert ingests["upload-leased"].expire_at is None
    assert ingests["upload-leased"].backend_ref.startswith("default/")


def test_leases_and_their_resources_match_containerds_api(v16: MetadataReader) -> None:
    for name in NAMESPACES:
        expected = by(api(name)["leases"], "id")
        leases = list(v16.leases(name))
        assert [lease.id for lease in leases] == (EXPECTED / name / "leases.q.txt").read_text().split()
        for lease in leases:
            want = expected[lease.id]
            assert lease.labels == want["labels"]
            assert go_time(lease.created_at) == want["created_at"]
            got = sorted((r.type, r.id) for r in lease.resources)
            assert got == sorted((r["Type"], r["ID"]) for r in want["resources"])


def ctr_snapshot_infos() -> list[tuple[str, Path]]:
    return [(path.parent.parent.name, path) for path in sorted(EXPECTED.glob("*/snapshots/*.json"))]


@pytest.mark.parametrize(("namespace", "path"), ctr_snapshot_infos(), ids=lambda v: str(v)[-40:])
def test_snapshot_has_what_ctr_snapshots_info_prints(
    v16: MetadataReader, namespace: str, path: Path
) -> None:
    expected = json.loads(path.read_text())
    snapshot = v16.snapshot(namespace, expected["Name"], "overlayfs")
    got = snapshot_json(v16.db, snapshot)
    assert {k: got[k] for k in expected} == expected
    assert [k for k in got if k != "boltview"] == list(expected)


def test_snapshots_match_containerds_api(v16: MetadataReader) -> None:
    for name in NAMESPACES:
        expected = {(s["snapshotter"], s["name"]): s for s in api(name)["snapshots"]}
        got = {(s.snapshotter, s.key): s for s in v16.snapshots(name)}
        assert sorted(got) == sorted(expected)
        for key, snapshot in got.items():
            want = expected[key]
            assert snapshot.parent == want["parent"]
            assert snapshot.snapshot_kind == want["kind"]
            assert snapshot.kind_source == "snapshotter"


def test_snapshot_children_and_backend_join(v16: MetadataReader) -> None:
    base = v16.snapshot("default", "build-committed")
    assert base.children == ("build-step2",)
    assert base.backend is not None and base.backend.kind == "Committed"
    assert base.backend.size is not None and base.backend.inodes is not None  # committed: usage
    assert base.backend.directory == f"snapshots/{base.backend.id}/fs"
    step2 = v16.snapshot("default", "build-step2")
    assert step2.backend is not None
    assert step2.backend.parent == base.name  # the backend links by backend names


def test_snapshotter_parent_links_match_the_snapshots() -> None:
    sdb = SnapshotterDB.open(str(V16 / "overlayfs-metadata.db"))
    try:
        by_id = {s.id: s for s in sdb.snapshots()}
        links = list(sdb.parent_links())
        assert links
        for link in links:
            child = by_id[link.child_id]
            assert child.name == link.child_name
            assert child.parent == by_id[link.parent_id].name
        with_parent = {s.name for s in by_id.values() if s.parent}
        assert {link.child_name for link in links} == with_parent
        ids = [i for i in by_id if i is not None]
        assert sdb.last_id >= max(ids)  # the bucket sequence hands out the ids
    finally:
        sdb.close()


def test_without_the_snapshotter_db_the_kind_is_what_can_be_known() -> None:
    with BoltFile.open(str(V16 / "meta.db")) as db:
        reader = MetadataReader(db)
        kinds = {s.key: (s.snapshot_kind, s.kind_source) for s in reader.snapshots("default")}
    assert kinds["build-committed"] == ("Committed", "inferred")  # it has a child
    assert kinds["web-1"] == (None, "unknown")


def test_every_object_knows_its_bucket_path(v16: MetadataReader) -> None:
    web = v16.container("default", "web-1")
    assert web.path == (b"v1", b"default", b"containers", b"web-1")
    assert v16.db.bucket(*web.path).get(b"snapshotKey") == b"web-1"
    snap = v16.snapshot("default", "web-1")
    assert snap.path == (b"v1", b"default", b"snapshots", b"overlayfs", b"web-1")
    for blob in v16.blobs("default"):
        assert v16.db.bucket(*blob.path).name == blob.digest.encode()


def test_nothing_unknown_and_nothing_undecodable_in_real_data(v16: MetadataReader) -> None:
    for name in NAMESPACES:
        for kind in ("container", "image", "snapshot", "content", "ingest", "lease"):
            for obj in v16.objects(kind, name):
                assert not obj.unknown, (kind, obj.id, obj.unknown)  # type: ignore[union-attr]
                assert not obj.issues, (kind, obj.id, obj.issues)  # type: ignore[union-attr]


def test_pods_group_cri_containers(v16: MetadataReader) -> None:
    pods = v16.pods("k8s.io")
    assert len(pods) == 1
    pod = pods[0]
    sandbox = json.loads(
        next(EXPECTED.glob("k8s.io/containers/3f4e*.json")).read_text()
    )
    assert pod.sandbox_id == sandbox["ID"]
    labels = sandbox["Labels"]
    assert (pod.name, pod.pod_namespace, pod.uid) == (
        labels["io.kubernetes.pod.name"], labels["io.kubernetes.pod.namespace"],
        labels["io.kubernetes.pod.uid"],
    )  # fmt: skip
    assert pod.sandbox_container is not None and pod.sandbox_container.id == sandbox["ID"]
    assert pod.log_directory and pod.log_directory.startswith("/var/log/pods/")
    assert [(c.name, c.id[:8]) for c in pod.containers] == [("nginx", "a1b2c3d4")]
    member = pod.containers[0]
    assert member.log_path and member.log_path.endswith("nginx/0.log")
    assert v16.pods("default") == []  # no CRI containers there


# -- v17 and v20: synthetic layouts of containerd 1.7 and 2.x ----------------------------


LAYOUTS = ["v17", "v20"]


def synthetic(layout: str) -> tuple[MetadataReader, dict[str, Any]]:
    db = BoltFile.open(str(FIXTURES / layout / "meta.db"))
    return MetadataReader(db), json.loads((FIXTURES / layout / "expected.json").read_text())


def times(expected: dict[str, Any]) -> dict[tuple[str, ...], str]:
    """Zoned times by path: Go prints a time in its own zone."""
    return {tuple(z["path"]): z["local_rfc3339nano"] for z in expected["zoned_times"] or []}


def when(zoned: dict[tuple[str, ...], str], path: tuple[bytes, ...], key: str, utc: str) -> str:
    return zoned.get((*(p.decode() for p in path), key), utc)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_synthetic_schema_and_namespaces(layout: str) -> None:
    reader, expected = synthetic(layout)
    assert reader.schema().version == expected["db_version"]
    assert reader.namespace_names() == sorted(expected["namespaces"])
    for name, ns in expected["namespaces"].items():
        assert (reader.namespace(name).labels or {}) == (ns["labels"] or {})


@pytest.mark.parametrize("layout", LAYOUTS)
def test_synthetic_containers(layout: str) -> None:
    reader, expected = synthetic(layout)
    zoned = times(expected)
    for name, ns in expected["namespaces"].items():
        got = {c.id: c for c in reader.containers(name)}
        assert sorted(got) == sorted(c["id"] for c in ns["containers"] or [])
        for want in ns["containers"] or []:
            c = got[want["id"]]
            assert (c.image, c.snapshotter, c.snapshot_key) == (
                want["image"], want["snapshotter"], want["snapshot_key"])  # fmt: skip
            assert c.sandbox_id == want["sandbox_id"]  # 1.7+: always written, maybe empty
            assert (c.labels or {}) == (want["labels"] or {})  # expected.json: {} for none
            assert go_time(c.created_at) == when(zoned, c.path, "createdat", want["created_at"])
            assert go_time(c.updated_at) == when(zoned, c.path, "updatedat", want["updated_at"])
            assert c.runtime_name == want["runtime"]["name"]
            check_any(c.runtime_options, want["runtime"]["options"])
            check_any(c.spec, want["spec"])
            assert sorted(c.extensions or {}) == sorted(want["extensions"] or {})
            for ext, value in (want["extensions"] or {}).items():
                check_any((c.extensions or {})[ext], value)
            assert "SandboxID" in container_json(reader.db, c)


def check_any(got: Any, want: dict[str, Any] | None) -> None:
    if want is None:
        assert got is None
        return
    assert got.raw == __import__("base64").b64decode(want["any_bytes"])
    assert got.type_url == want["type_url"]
    decoded = got.decoded
    assert decoded.error is None
    if "value_json" in want:
        assert decoded.decoded == want["value_json"]
    if "decoded" in want:
        assert decoded.decoded == want["decoded"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_synthetic_snapshots_content_ingests_leases(layout: str) -> None:
    reader, expected = synthetic(layout)
    for name, ns in expected["namespaces"].items():
        for snapshotter, snaps in (ns["snapshots"] or {}).items():
            got = {s.key: s for s in reader.snapshots(name, snapshotter)}
            assert sorted(got) == sorted(s["key"] for s in snaps)
            for want in snaps:
                s = got[want["key"]]
                assert (s.name, s.parent, list(s.children), s.labels or {}) == (
                    want["name"], want["parent"], want["children"] or [], want["labels"] or {})  # fmt: skip
        blobs = {b.digest: b for b in reader.blobs(name)}
        for want in ns["content_blobs"] or []:
            blob = blobs[want["digest"]]
            assert (blob.size or 0, blob.labels or {}) == (want["size"], want["labels"] or {})
        ingests = {i.ref_name: i for i in reader.ingests(name)}
        for want in ns["content_ingests"] or []:
            ingest = ingests[want["ref"]]
            assert ingest.backend_ref == want["backend_ref"]
            assert ingest.expected == (want["expected"] or None)
            assert (go_time(ingest.expire_at) if ingest.expire_at else None) == (want["expire_at"] or None)
        leases = {lease.id: lease for lease in reader.leases(name)}
        for want in ns["leases"] or []:
            lease = leases[want["id"]]
            assert (lease.labels or {}) == (want["labels"] or {})
            assert list(lease.content) == (want["content"] or [])
            assert list(lease.ingests) == (want["ingests"] or [])
            assert {k: list(v) for k, v in lease.snapshots.items()} == (want["snapshots"] or {})
            assert list(lease.images) == (want["images"] or [])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_synthetic_sandboxes_in_both_places(layout: str) -> None:
    reader, expected = synthetic(layout)
    zoned = times(expected)
    for name, ns in expected["namespaces"].items():
        got = {s.id: s for s in reader.sandboxes(name)}
        assert sorted(got) == sorted(s["id"] for s in ns["sandboxes"] or [])
        for want in ns["sandboxes"] or []:
            sandbox = got[want["id"]]
            assert [p.decode() for p in sandbox.path] == want["bucket_path"]
            assert sandbox.location == ("root" if want["bucket_path"][0] != "v1" else "v1")
            assert sandbox.sandboxer == (want["sandboxer"] or None)
            assert (sandbox.labels or {}) == (want["labels"] or {})
            assert go_time(sandbox.created_at) == when(zoned, sandbox.path, "createdat", want["created_at"])
            assert go_time(sandbox.updated_at) == when(zoned, sandbox.path, "updatedat", want["updated_at"])
            check_any(sandbox.spec, want["spec"])
    # 1.7 kept sandboxes beside v1, 2.x under it
    assert expected["sandboxes_at"].startswith("v1/") == (layout == "v20")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_synthetic_pods(layout: str) -> None:
    reader, expected = synthetic(layout)
    pods = reader.pods("k8s.io")
    sandbox_ids = {s["id"] for s in expected["namespaces"]["k8s.io"]["sandboxes"]}
    assert {p.sandbox_id for p in pods} == sandbox_ids
    pod = pods[0]
    assert pod.sandbox is not None and pod.sandbox_container is not None
    members = [c.container for c in pod.containers]
    assert all(isinstance(c, Container) and c.sandbox_id == pod.sandbox_id for c in members)


# -- the fast path for inline buckets agrees with the engine -------------------------------


def inline_buckets(db: BoltFile) -> Iterator[tuple[tuple[bytes, ...], bytes]]:
    stack = [db.root]
    while stack:
        bucket = stack.pop()
        for entry in bucket.entries():
            if entry.is_bucket:
                child = bucket.child(entry)
                if child.is_inline:
                    yield child.path, entry.value
                stack.append(child)


@pytest.mark.parametrize("path", [V16 / "meta.db", V16 / "overlayfs-metadata.db",
                                  FIXTURES / "v17" / "meta.db", FIXTURES / "v20" / "meta.db"])  # fmt: skip
def test_inline_fast_path_reads_what_the_engine_reads(path: Path) -> None:
    from boltview.bolt.bucket import open_bucket
    from boltview.containerd.loader import _inline

    with BoltFile.open(str(path)) as db:
        seen = 0
        for bucket_path, header in inline_buckets(db):
            fast = _inline(header, db.layout)
            assert fast is not None
            engine = [(e.key, e.value, e.is_bucket) for e in open_bucket(db, bucket_path, header)]
            flags, keys, values = fast
            assert [(k, v, bool(f & 1)) for f, k, v in zip(flags, keys, values)] == engine
            seen += 1
        assert seen > 5
