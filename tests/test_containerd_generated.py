"""The model on a database written by containerd's own metadata code.

bench/gencontainerd writes containers, images and leases through containerd's
metadata stores (the daemon's code), specs from containerd's oci package, and
the snapshotter's database through containerd's snapshots/storage, all with
real bbolt.  A small one is enough to check boltview reads all of it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from boltview.bolt.file import BoltFile
from boltview.containerd.export import export
from boltview.containerd.reader import MetadataReader
from boltview.containerd.snapshotter import SnapshotterDB
from tests.conftest import ROOT, build_go, missing_go_source, require_real


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    missing = missing_go_source("go.etcd.io/bbolt", "github.com/containerd/containerd")
    require_real(missing, "bench/gencontainerd")
    work = tmp_path_factory.mktemp("gen")
    binary = build_go(ROOT / "bench" / "gencontainerd", work / "gencontainerd")
    meta, sdb = work / "meta.db", work / "metadata.db"
    subprocess.run([str(binary), "-o", str(meta), "-snapshotter-db", str(sdb),
                    "-containers", "40", "-images", "20", "-seed", "7"], check=True)  # fmt: skip
    return meta, sdb


def test_everything_decodes(generated: tuple[Path, Path]) -> None:
    meta, sdb_path = generated
    with BoltFile.open(str(meta)) as db:
        sdb = SnapshotterDB.open(str(sdb_path), "overlayfs")
        reader = MetadataReader(db, {"overlayfs": sdb})
        assert reader.schema().version == 3
        containers = [c for ns in reader.namespace_names() for c in reader.containers(ns)]
        assert len(containers) == 40
        for ns in reader.namespace_names():
            for kind in ("container", "image", "snapshot", "content", "lease"):
                for obj in reader.objects(kind, ns):
                    assert not obj.unknown and not obj.issues, (kind, obj.id)  # type: ignore[union-attr]
            for snap in reader.snapshots(ns):
                assert snap.backend is not None, snap.key  # joined by backend name
                assert snap.snapshot_kind == ("Committed" if snap.key.startswith("sha256:") else "Active")
            for container in reader.containers(ns):
                assert container.spec is not None and container.spec.json_text() is not None
                assert container.runtime_options is not None
                assert container.runtime_options.decoded.decoded_as == "protobuf:containerd.runc.v1.Options"
                image = reader.container_image(container)
                assert image is not None
                tree = reader.image_tree(image)
                assert all(node.blob is not None for node in tree.walk())
                snapshot = reader.container_snapshot(container)
                assert snapshot is not None and len(reader.snapshot_chain(snapshot)) == 2
        pods = reader.pods("k8s.io")
        assert pods and all(p.sandbox_container is not None and p.name for p in pods)
        members = {c.id for p in pods for c in p.containers}
        app = {c.id for c in reader.containers("k8s.io")
               if (c.labels or {}).get("io.cri-containerd.kind") == "container"}  # fmt: skip
        assert app and members == app  # every app container found its pod
        sdb.close()


def test_export_is_valid_json(generated: tuple[Path, Path], tmp_path: Path) -> None:
    meta, _ = generated
    out = tmp_path / "export.json"
    with BoltFile.open(str(meta)) as db, open(out, "w") as f:
        export(MetadataReader(db), f)
    doc = json.loads(out.read_text())
    assert sum(len(ns["containers"]) for ns in doc["namespaces"].values()) == 40
