"""boltview's listings of every install in the node fixture, against what ctr printed there.

fixtures/node/make_node.sh ran a real containerd per install and recorded ctr's
own tables while it ran (fixtures/node/expected/<install>/...).  Each install's
snapshotter databases and content store are found beside its meta.db, as on a
node: images show ctr's SIZE and PLATFORMS, snapshots ctr's KIND.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from boltview.cli import main
from tests.conftest import ROOT

NODE = ROOT / "fixtures" / "node"
MANIFEST = json.loads((NODE / "expected" / "manifest.json").read_text())


def cases(table: str) -> list[tuple[str, str, str, Path]]:
    """(install, namespace, table file, meta.db) for every table ctr printed."""
    found = []
    for install in MANIFEST["installs"]:
        meta = NODE / "root" / install["meta_db"]
        for listing in sorted((NODE / "expected" / install["name"]).glob(f"*/{table}")):
            found.append((install["name"], listing.parent.name, listing.name, meta))
    return found


@pytest.fixture(autouse=True)
def utc(in_utc: None) -> None:
    """make_node.sh ran ctr with TZ=UTC; leases ls prints local time."""


def ls(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["ls", *map(str, args)])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    return out


def ctr(install: str, namespace: str, name: str) -> str:
    return (NODE / "expected" / install / namespace / name).read_text()


@pytest.mark.parametrize(("install", "namespace", "name", "meta"), cases("images.txt"))
def test_images_are_ctrs_with_size_and_platforms(
    capsys: pytest.CaptureFixture[str], install: str, namespace: str, name: str, meta: Path
) -> None:
    assert ls(capsys, meta, "images", "-n", namespace) == ctr(install, namespace, name)


@pytest.mark.parametrize(("install", "namespace", "name", "meta"), cases("containers.txt"))
def test_containers_are_ctrs(
    capsys: pytest.CaptureFixture[str], install: str, namespace: str, name: str, meta: Path
) -> None:
    assert ls(capsys, meta, "containers", "-n", namespace) == ctr(install, namespace, name)


@pytest.mark.parametrize(("install", "namespace", "name", "meta"), cases("snapshots.*.txt"))
def test_snapshots_are_ctrs_with_their_kinds(
    capsys: pytest.CaptureFixture[str], install: str, namespace: str, name: str, meta: Path
) -> None:
    snapshotter = name.split(".")[1]
    out = ls(capsys, meta, "snapshots", "-n", namespace, "--snapshotter", snapshotter)
    assert out == ctr(install, namespace, name)


@pytest.mark.parametrize(("install", "namespace", "name", "meta"), cases("leases.txt"))
def test_leases_are_ctrs(
    capsys: pytest.CaptureFixture[str], install: str, namespace: str, name: str, meta: Path
) -> None:
    assert ls(capsys, meta, "leases", "-n", namespace) == ctr(install, namespace, name)


def test_every_install_has_its_tables() -> None:
    """The fixture holds what these tests compare: none of them is vacuous."""
    assert {c[0] for c in cases("images.txt")} >= {"A", "B", "C"}
    assert len(cases("snapshots.*.txt")) >= 4


@pytest.mark.parametrize(("install", "namespace", "name", "meta"), cases("images.txt"))
def test_a_verb_given_the_root_reads_the_install_named(
    capsys: pytest.CaptureFixture[str], install: str, namespace: str, name: str, meta: Path
) -> None:
    """``ls ROOT images --install ROOT_OF_IT`` is ``ls META.DB images``: siblings found the same."""
    root = next(i["root"] for i in MANIFEST["installs"] if i["name"] == install)
    out = ls(capsys, NODE / "root", "images", "-n", namespace, "--install", "/" + root)
    assert out == ctr(install, namespace, name)


def test_a_root_with_several_installs_needs_install(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["info", str(NODE / "root")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "4 containerd installs" in err and "--install NAME" in err


def test_inspect_an_image_reads_it_from_the_content_store(capsys: pytest.CaptureFixture[str]) -> None:
    """Manifest, config and layers as the image builder recorded them (expected/images.json)."""
    built = json.loads((NODE / "expected" / "images.json").read_text())
    notes = built["notes"]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["inspect", str(NODE / "root"), "image", notes["name"], "--install", "containerd", "-n", "default",
              "--json"])
    assert exited.value.code in (0, None)
    document = json.loads(capsys.readouterr().out)["content_store"]
    assert document["digest"] == notes["manifest"]["digest"] and "problem" not in document
    assert [(layer["digest"], layer["size"]) for layer in document["layers"]] == [
        (layer["digest"], layer["size"]) for layer in notes["layers"]
    ]
    assert document["config"]["digest"] == notes["config"]["digest"]
    assert document["config"]["diff_ids"] == notes["diff_ids"]
    tools = built["tools"]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["inspect", str(NODE / "root"), "image", tools["name"], "--install", "containerd", "--json"])
    index = json.loads(capsys.readouterr().out)["content_store"]
    assert [m["platform"]["architecture"] for m in index["manifests"]] == [p["arch"] for p in tools["platforms"]]


def test_the_browser_says_what_an_image_runs_and_which_layer_was_tampered_with() -> None:
    """The detail lines above an image's relations, from its blobs in the content store."""
    from boltview.bolt.file import BoltFile
    from boltview.containerd.content import ContentStore
    from boltview.tui.model import ContainerdModel

    manifest = MANIFEST
    tampered = manifest["tampered_blobs"][0]["digest"]
    install = next(i for i in manifest["installs"] if i["name"] == "A")
    built = json.loads((NODE / "expected" / "images.json").read_text())
    with BoltFile.open(str(NODE / "root" / install["meta_db"])) as db:
        model = ContainerdModel(db)
        model.attach({}, ContentStore(str(NODE / "root" / install["content_root"])))
        images = {i.name: i for i in model.reader.images("default")}
        notes = {r.label: r.text for r in model.store_facts(images[built["notes"]["name"]])}
        tools = {r.label: r.text for r in model.store_facts(images[built["tools"]["name"]])}
    assert f"{tampered} does NOT match its digest" in notes["layers"]
    assert "every one matches its digest" in tools["layers"]
    config = json.loads((NODE / "root" / install["content_root"] / "blobs" / "sha256" /
                         built["notes"]["config"]["digest"].split(":")[1]).read_text())  # fmt: skip
    runs = [*(config["config"].get("Entrypoint") or []), *(config["config"].get("Cmd") or [])]
    assert notes["runs"] == " ".join(runs)


def test_an_ingest_says_how_many_bytes_arrived_of_how_many(capsys: pytest.CaptureFixture[str]) -> None:
    """The content store's ingest holds its data so far and the size announced (``total``)."""
    partial = MANIFEST["partial_ingests"][0]
    install = next(i for i in MANIFEST["installs"] if i["name"] == partial["install"])
    namespace, ref = partial["ref"].split("/")[0], partial["ref"].rsplit("/", 1)[1]
    out = ls(capsys, NODE / "root", "ingests", "-n", namespace, "--install", "/" + install["root"])
    row = next(line for line in out.splitlines() if line.startswith(ref + "\t"))
    assert row.rstrip("\t").endswith(f"{partial['bytes']} of {partial['total']} bytes")
