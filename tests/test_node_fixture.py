"""The committed node-root fixture (fixtures/node) is what its manifest says it is.

fixtures/node/make_node.sh wrote root/ with the real programs (containerd, dockerd,
podman, skopeo, etcd) and recorded expected/manifest.json, bbolt's own reading of every
bolt file (expected/boltdump/) and the programs' own listings.  These tests check the
fixture itself, not boltview's node scanner: every byte is as recorded, every bolt file
the tree holds is listed and opens with boltview at the txid bbolt reported, the one
tampered blob no longer matches its name while every other blob does, the unknown blob
is one no install's listing knows, and git can hold the tree as it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from tests.conftest import ROOT

FIXTURE = ROOT / "fixtures" / "node"
NODE = FIXTURE / "root"
EXPECTED = FIXTURE / "expected"
MANIFEST: dict[str, Any] = json.loads((EXPECTED / "manifest.json").read_text())
BOLT_FILES: list[dict[str, Any]] = MANIFEST["bolt_files"]
INSTALLS: list[dict[str, Any]] = MANIFEST["installs"]
BOLT_MAGIC = 0xED0CDAED


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def looks_like_bolt(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(20)
    return len(head) == 20 and int.from_bytes(head[16:20], "little") == BOLT_MAGIC


def every_file() -> list[Path]:
    return sorted(p for p in NODE.rglob("*") if p.is_file() and not p.is_symlink())


def content_listing(install: str) -> set[str]:
    """Every digest `ctr content ls` printed, in every namespace of an install."""
    found: set[str] = set()
    for ns in next(i for i in INSTALLS if i["name"] == install)["namespaces"]:
        lines = (EXPECTED / install / ns / "content.txt").read_text().splitlines()[1:]
        found |= {line.split()[0] for line in lines if line.strip()}
    return found


@pytest.mark.parametrize("entry", BOLT_FILES, ids=[b["path"] for b in BOLT_FILES])
def test_bolt_file_is_as_recorded(entry: dict[str, Any]) -> None:
    path = NODE / entry["path"]
    assert path.stat().st_size == entry["size"]
    assert sha256(path) == entry["sha256"]
    assert entry["bbolt_check_errors"] == 0
    with BoltFile.open(str(path)) as db:
        assert db.txid == entry["txid"]
        assert db.page_size == entry["page_size"]


@pytest.mark.parametrize("entry", BOLT_FILES, ids=[b["path"] for b in BOLT_FILES])
def test_recorded_txid_is_bbolts_own(entry: dict[str, Any]) -> None:
    dump = (EXPECTED / entry["boltdump"]).read_text()
    match = re.search(r"^# txid (\d+), size \d+ bytes, page size (\d+)$", dump, re.MULTILINE)
    assert match, entry["boltdump"]
    assert (int(match.group(1)), int(match.group(2))) == (entry["txid"], entry["page_size"])


def test_every_bolt_file_in_the_tree_is_listed() -> None:
    found = {p.relative_to(NODE).as_posix() for p in every_file() if looks_like_bolt(p)}
    assert found == {b["path"] for b in BOLT_FILES}


def test_the_programs_that_should_have_written_bolt_files_did() -> None:
    kinds = {b["kind"] for b in BOLT_FILES}
    for kind in ("containerd metadata", "containerd snapshotter metadata (overlayfs)",
                 "containerd snapshotter metadata (native)", "etcd backend",
                 "podman (libpod) state", "containers/image blob info cache",
                 "docker volumes", "docker libnetwork local store"):
        assert kind in kinds, kind


@pytest.mark.parametrize("install", INSTALLS, ids=[i["name"] for i in INSTALLS])
def test_install_paths_exist_and_are_listed(install: dict[str, Any]) -> None:
    listed = {b["path"] for b in BOLT_FILES}
    assert (NODE / install["root"]).is_dir()
    assert install["meta_db"] in listed
    for name, snap in install["snapshotters"].items():
        assert (NODE / snap["dir"]).is_dir(), name
        if snap["metadata_db"]:
            assert snap["metadata_db"] in listed
    assert install["namespaces"], "every install has at least one namespace"
    for ns in install["namespaces"]:
        assert (EXPECTED / install["name"] / ns / "containers.txt").is_file()


def test_both_snapshotters_are_used_in_the_standard_install() -> None:
    a = next(i for i in INSTALLS if i["root"] == "var/lib/containerd")
    for name in ("overlayfs", "native"):
        assert a["snapshotters"][name]["metadata_db"], name
        listing = (EXPECTED / "A" / "default" / f"snapshots.{name}.txt").read_text()
        assert len(listing.splitlines()) > 1, f"ctr listed no {name} snapshot"


def test_config_names_the_third_install() -> None:
    config = (NODE / "etc" / "containerd" / "config.toml").read_text()
    assert re.search(r'^root = "/data/containerd"$', config, re.MULTILINE)
    assert re.search(r'^imports = \["/etc/containerd/conf.d/\*\.toml"\]$', config, re.MULTILINE)
    assert list((NODE / "etc" / "containerd" / "conf.d").glob("*.toml"))
    assert any(i["root"] == "data/containerd" for i in INSTALLS)


def test_only_the_tampered_blob_fails_its_name() -> None:
    tampered = {t["path"] for t in MANIFEST["tampered_blobs"]}
    assert tampered
    checked = 0
    for install in INSTALLS:
        if not install["content_root"]:
            continue
        for blob in sorted((NODE / install["content_root"] / "blobs" / "sha256").iterdir()):
            rel = blob.relative_to(NODE).as_posix()
            matches = sha256(blob) == blob.name
            assert matches != (rel in tampered), rel
            checked += 1
    assert checked > len(tampered)
    for t in MANIFEST["tampered_blobs"]:
        assert "sha256:" + sha256(NODE / t["path"]) == t["sha256_now"] != t["digest"]


def test_tampered_blob_is_known_and_unknown_blob_is_not() -> None:
    for t in MANIFEST["tampered_blobs"]:
        assert t["digest"] in content_listing(t["install"])
    for u in MANIFEST["unknown_blobs"]:
        path = NODE / u["path"]
        assert "sha256:" + sha256(path) == u["digest"]
        assert path.name == u["digest"].split(":", 1)[1]
        assert u["digest"] not in content_listing(u["install"])


def test_partial_ingest_is_partial() -> None:
    (ingest,) = MANIFEST["partial_ingests"]
    d = NODE / ingest["path"]
    assert (d / "data").stat().st_size == ingest["bytes"] < ingest["total"]
    assert (d / "ref").read_text() == ingest["ref"]
    assert "upload-partial" in (EXPECTED / "A" / "default" / "ingests.txt").read_text()


def test_git_can_hold_the_tree() -> None:
    for dirpath, dirnames, filenames in os.walk(NODE):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            mode = path.lstat().st_mode
            assert stat.S_ISDIR(mode) or stat.S_ISREG(mode) or stat.S_ISLNK(mode), path
            if stat.S_ISLNK(mode):
                target = os.readlink(path)
                assert not os.path.isabs(target), path
                assert path.resolve().is_relative_to(NODE.resolve()), path


def test_fixture_is_small() -> None:
    total = sum(p.stat().st_size for p in FIXTURE.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024, total


def test_every_container_has_its_snapshot_in_its_snapshotter() -> None:
    seen = set()
    for install in INSTALLS:
        for ns in install["namespaces"]:
            for info_path in sorted((EXPECTED / install["name"] / ns / "containers").glob("*.json")):
                info = json.loads(info_path.read_text())
                snapshotter = info["Snapshotter"]
                listing = (EXPECTED / install["name"] / ns / f"snapshots.{snapshotter}.txt").read_text()
                keys = {line.split()[0] for line in listing.splitlines()[1:] if line.strip()}
                assert info["SnapshotKey"] in keys, info_path
                assert snapshotter in install["snapshotters"], info_path
                seen.add(snapshotter)
    assert seen == {"overlayfs", "native"}
