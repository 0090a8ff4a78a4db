"""``boltview scan ROOT``: a node's installs and bolt files, from a copy of its root.

The roots are laid out here, in temporary folders, from files the real writers
wrote: containerd 1.6's meta.db and overlayfs metadata.db (fixtures/containerd/v16),
the synthetic 1.7 layout's meta.db (written with real bbolt), and bbolt's own
fixtures (fixtures/bolt).  The layout is the test's; every bolt file is real.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.containerd.reader import MetadataReader
from boltview.node.root import DirectoryRoot as NodeRoot
from boltview.node.scan import hash_files, scan, verify_blobs
from tests.conftest import BOLT_FIXTURES, ROOT, run_boltview
from tests.test_tui import pilot_test

V16 = ROOT / "fixtures" / "containerd" / "v16"
V17 = ROOT / "fixtures" / "containerd" / "v17"
META = "io.containerd.metadata.v1.bolt/meta.db"


def put(top: Path, node_path: str, source: Path | bytes | str) -> Path:
    """Place a file at a node path below ``top``."""
    target = top / node_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, target)
    elif isinstance(source, bytes):
        target.write_bytes(source)
    else:
        target.write_text(source)
    return target


def known_digests() -> list[str]:
    with BoltFile.open(str(V16 / "meta.db")) as db:
        reader = MetadataReader(db, check=False)
        return sorted({b.digest for ns in reader.namespace_names() for b in reader.blobs(ns)})


@pytest.fixture
def node(tmp_path: Path) -> Path:
    """A node with containerd at its place, k3s's, one named by config, and other bolt files."""
    top = tmp_path / "node"
    put(top, f"/var/lib/containerd/{META}", V16 / "meta.db")
    put(top, "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db",
        V16 / "overlayfs-metadata.db")  # fmt: skip
    put(top, f"/var/lib/rancher/k3s/agent/containerd/{META}", V17 / "meta.db")
    put(top, f"/data/ctr/{META}", V17 / "meta.db")
    put(top, "/etc/containerd/config.toml", 'version = 2\nimports = ["conf.d/*.toml"]\n')
    put(top, "/etc/containerd/conf.d/10-root.toml", 'root = "/data/ctr"\n')
    put(top, "/var/lib/docker/volumes/metadata.db", BOLT_FIXTURES / "basic.db")
    put(top, "/opt/app/state.bin", BOLT_FIXTURES / "inline.db")  # found by its magic
    put(top, "/opt/app/notes.txt", "not a bolt file\n" * 2000)
    return top


def test_scan_finds_every_install_by_place_and_by_config(node: Path) -> None:
    found = scan(NodeRoot(str(node)))
    installs = {i.root: i for i in found.installs}
    assert set(installs) == {"/data/ctr", "/var/lib/containerd", "/var/lib/rancher/k3s/agent/containerd"}
    assert installs["/var/lib/containerd"].name == "containerd"
    assert installs["/var/lib/rancher/k3s/agent/containerd"].name == "k3s"
    assert installs["/data/ctr"].found_by == ["root in /etc/containerd/conf.d/10-root.toml"]
    assert installs["/var/lib/containerd"].snapshotters == {
        "overlayfs": "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db"
    }


def test_scan_lists_every_bolt_file_with_its_txid_and_store(node: Path) -> None:
    found = scan(NodeRoot(str(node)))
    files = {f.path: f for f in found.files}
    assert set(files) == {
        f"/var/lib/containerd/{META}",
        "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db",
        f"/var/lib/rancher/k3s/agent/containerd/{META}",
        f"/data/ctr/{META}",
        "/var/lib/docker/volumes/metadata.db",
        "/opt/app/state.bin",
    }
    for path, facts in files.items():
        with BoltFile.open(str(node / path.lstrip("/"))) as db:
            assert facts.txid == db.txid, path
        assert facts.size == (node / path.lstrip("/")).stat().st_size
    assert files[f"/var/lib/containerd/{META}"].store.kind == "containerd-metadata"
    assert files["/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db"].store.kind == (
        "containerd-snapshotter"
    )
    # basic.db lies where docker keeps volumes, but its buckets are not docker's: no claim.
    assert files["/var/lib/docker/volumes/metadata.db"].store.kind == "bolt"
    assert files["/opt/app/state.bin"].store.kind == "bolt"


def test_symlinks_resolve_inside_the_copy_never_outside(node: Path, tmp_path: Path) -> None:
    """An absolute link means the node's path; ``..`` stops at the copy's top."""
    outside = tmp_path / "outside.db"
    shutil.copyfile(BOLT_FIXTURES / "basic.db", outside)
    (node / "var/lib/etcd/member/snap").mkdir(parents=True)
    # Absolute: the node's /opt/app/state.bin, not this machine's.
    os.symlink("/opt/app/state.bin", node / "var/lib/etcd/member/snap/db")
    # Relative, climbing far past the top: stays at the top.
    os.symlink("../../../../../../../../outside.db", node / "opt/escape.db")
    os.symlink("loop", node / "opt/loop")
    root = NodeRoot(str(node))
    assert root.resolve("/var/lib/etcd/member/snap/db") == "/opt/app/state.bin"
    assert root.resolve("/opt/escape.db") is None  # /outside.db does not exist in the copy
    assert root.resolve("/opt/loop") is None
    assert root.resolve("/../../etc/containerd/config.toml") == "/etc/containerd/config.toml"
    found = scan(root)
    paths = {f.path for f in found.files}
    assert "/var/lib/etcd/member/snap/db" in paths
    assert not any("outside" in p for p in paths)


def test_content_store_blobs_against_meta_db(node: Path) -> None:
    """Unknown blobs, missing ones, and (after hashing) one whose bytes do not match its name."""
    content = "/var/lib/containerd/io.containerd.content.v1.content"
    known = known_digests()
    assert len(known) >= 3
    stranger = b"a blob nobody asked for\n"
    put(node, f"{content}/blobs/sha256/{hashlib.sha256(stranger).hexdigest()}", stranger)
    tampered = known[0]
    put(node, f"{content}/blobs/sha256/{tampered.split(':')[1]}", b"not what was written\n")
    (node / content.lstrip("/") / "ingest" / "some-ref").mkdir(parents=True)
    root = NodeRoot(str(node))
    found = scan(root)
    facts = found.content["containerd"]
    assert facts.unknown == [f"sha256:{hashlib.sha256(stranger).hexdigest()}"]
    assert facts.missing == known[1:]
    assert facts.ingests == 1
    verify_blobs(root, facts)
    assert facts.mismatched == [tampered]


def test_scan_command_prints_the_overview_then_hashes(node: Path) -> None:
    result = run_boltview("scan", node)
    assert result.returncode == 0, result.stderr
    assert "containerd install k3s at /var/lib/rancher/k3s/agent/containerd" in result.stdout
    digest = hashlib.sha256((node / "opt/app/state.bin").read_bytes()).hexdigest()
    assert f"{digest}  /opt/app/state.bin" in result.stdout


def test_scan_json_is_the_whole_answer(node: Path) -> None:
    result = run_boltview("scan", node, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [i["name"] for i in document["installs"]] == ["/data/ctr", "containerd", "k3s"]
    by_path = {f["path"]: f for f in document["bolt_files"]}
    for path, facts in by_path.items():
        assert facts["sha256"] == hashlib.sha256((node / path.lstrip("/")).read_bytes()).hexdigest()
    no_hash = json.loads(run_boltview("scan", node, "--json", "--no-sha256").stdout)
    assert all(f["sha256"] is None for f in no_hash["bolt_files"])


def test_a_root_without_containerd_says_so_and_lists_its_bolt_files(tmp_path: Path) -> None:
    put(tmp_path, "/var/lib/etcd/member/snap/db", BOLT_FIXTURES / "sequences.db")
    result = run_boltview("scan", tmp_path, "--no-sha256")
    assert result.returncode == 0, result.stderr
    assert "no containerd install found" in result.stdout
    assert "/var/lib/etcd/member/snap/db" in result.stdout


def test_scan_refuses_what_is_no_node(tmp_path: Path) -> None:
    """A missing path, or a bolt file (scan reads a node: a root directory or a disk image)."""
    for target, why in ((BOLT_FIXTURES / "basic.db", "is no directory and no disk image"),
                        (tmp_path / "missing", "does not exist")):  # fmt: skip
        result = run_boltview("scan", target)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and why in result.stderr


def test_a_damaged_bolt_file_is_named_not_fatal(node: Path) -> None:
    broken = put(node, "/var/lib/containers/storage/libpod/bolt_state.db", b"\0" * 16384)
    found = scan(NodeRoot(str(node)))
    facts = next(f for f in found.files if f.path.endswith("bolt_state.db"))
    assert facts.problem and str(broken) not in facts.problem
    assert len(found.installs) == 3


def test_scan_writes_nothing(node: Path) -> None:
    """No file is created, changed or even read-timed (O_NOATIME) under the root."""
    before = {p: (p.stat().st_mtime_ns, p.stat().st_atime_ns) for p in node.rglob("*") if p.is_file()}
    paths = set(node.rglob("*"))
    assert run_boltview("scan", node, "--json").returncode == 0
    after = {p: (p.stat().st_mtime_ns, p.stat().st_atime_ns) for p in node.rglob("*") if p.is_file()}
    assert after == before
    assert set(node.rglob("*")) == paths


@pilot_test
async def test_the_node_overview_lists_files_and_opens_one(node: Path) -> None:
    """``boltview ROOT``: the installs and files at once; Enter exits with the file chosen."""
    from boltview.tui.node_view import NodeApp

    app = NodeApp(NodeRoot(str(node)))
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.found is not None
        assert app.paths == [f.path for f in scan(NodeRoot(str(node))).files]
        installs = str(app.query_one("#installs").render())
        assert "containerd install k3s" in installs and "/data/ctr" in installs
        target = app.paths.index("/opt/app/state.bin")
        for _ in range(target):
            await pilot.press("down")
        await pilot.press("enter")
    assert app.return_value == "/opt/app/state.bin"


# -- the node fixture: four installs and the other stores, written by the real programs ----------

NODE = ROOT / "fixtures" / "node"

#: The manifest's words for each bolt file (fixtures/node/README.md) -> scan's store kind.
#: buildkit's containerdmeta, metadata_v2 and snapshots databases hold no bucket yet.
KINDS = {
    "containerd metadata": "containerd-metadata",
    "containerd metadata (docker's managed containerd)": "containerd-metadata",
    "containerd snapshotter metadata (overlayfs)": "containerd-snapshotter",
    "containerd snapshotter metadata (native)": "containerd-snapshotter",
    "containers/image blob info cache": "blob-info-cache",
    "podman (libpod) state": "podman",
    "buildkit (cache), inside dockerd": "buildkit-cache",
    "buildkit (containerdmeta), inside dockerd": "empty",
    "buildkit (metadata_v2), inside dockerd": "empty",
    "buildkit (snapshots), inside dockerd": "empty",
    "docker libnetwork local store": "docker-libnetwork",
    "docker volumes": "docker-volumes",
    "etcd backend": "etcd",
}


def node_manifest() -> dict[str, Any]:
    return json.loads((NODE / "expected" / "manifest.json").read_text())


def test_scan_of_the_real_node_finds_every_install_as_the_manifest_says() -> None:
    manifest = node_manifest()
    found = scan(NodeRoot(str(NODE / "root")))
    got = {
        i.root: (i.meta_db, dict(i.snapshotters), i.content_root) for i in found.installs
    }
    want = {
        "/" + i["root"]: (
            "/" + i["meta_db"],
            {name: "/" + s["metadata_db"] for name, s in i["snapshotters"].items()},
            "/" + i["content_root"] if i["content_root"] else None,
        )
        for i in manifest["installs"]
    }
    assert got == want
    named = next(i for i in found.installs if i.root == "/data/containerd")
    assert named.found_by == ["root in /etc/containerd/config.toml"]


def test_scan_of_the_real_node_names_every_bolt_file_as_bbolt_and_the_manifest_do() -> None:
    manifest = node_manifest()
    found = scan(NodeRoot(str(NODE / "root")))
    for facts in hash_files(NodeRoot(str(NODE / "root")), found.files):
        assert facts.sha256 is not None
    got = {f.path: (f.size, f.txid, f.sha256, f.store.kind) for f in found.files}
    want = {
        "/" + f["path"]: (f["size"], f["txid"], f["sha256"], KINDS[f["kind"]])
        for f in manifest["bolt_files"]
    }
    assert got == want


def test_scan_of_the_real_node_finds_the_tampered_and_the_unknown_blob() -> None:
    manifest = node_manifest()
    root = NodeRoot(str(NODE / "root"))
    found = scan(root)
    by_root = {i.content_root: i.name for i in found.installs if i.content_root}
    unknown = sorted(d for c in found.content.values() for d in c.unknown)
    assert unknown == sorted(b["digest"] for b in manifest["unknown_blobs"])
    assert not any(c.missing for c in found.content.values())
    for content in found.content.values():
        verify_blobs(root, content)
    tampered = sorted(d for c in found.content.values() for d in c.mismatched)
    assert tampered == sorted(b["digest"] for b in manifest["tampered_blobs"])
    ingests = {by_root["/" + p["path"].split("/ingest/")[0]] for p in manifest["partial_ingests"]}
    assert {name for name, c in found.content.items() if c.ingests} == ingests


def test_a_verb_given_a_root_reads_the_install_it_names() -> None:
    """``--install``: by name or root; without it, only a node with one install is clear."""
    from boltview.node.target import InstallChoiceError, choose_install

    root = NodeRoot(str(NODE / "root"))
    with pytest.raises(InstallChoiceError, match=r"4 containerd installs: .*pick one with --install"):
        choose_install(root, None)
    for wanted, meta in (("k3s", "/var/lib/rancher/k3s/agent/containerd"),
                         ("/data/containerd", "/data/containerd")):  # fmt: skip
        target = choose_install(root, wanted)
        assert target.install.root == meta
        assert target.host_meta_db == str(NODE / "root" / meta.lstrip("/") / META)
    with pytest.raises(InstallChoiceError, match="no containerd install 'rke2'; there are: "):
        choose_install(root, "rke2")
