"""Images decoded from their blobs: index, manifests, config (boltview.containerd.imagedoc).

The blobs are those of the OCI image layouts the repo's own builder writes
(fixtures/containerd/build_oci.py, the tarballs the containerd fixtures import),
and the expected answers are its own record of them (images.json) and the JSON
documents themselves.  A tampered and a missing blob are reported, not decoded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from boltview.containerd.imagedoc import image_document
from tests.conftest import ROOT

BUILDER = ROOT / "fixtures" / "containerd" / "build_oci.py"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, Any], Path]:
    """Every blob the builder wrote (by digest), its record, and where it wrote them."""
    out = tmp_path_factory.mktemp("oci")
    stand_in = out / "busybox"
    stand_in.write_bytes(b"#!/bin/sh\n# not busybox: the layer's bytes do not matter here\n")
    subprocess.run([sys.executable, str(BUILDER), str(out), str(stand_in)], check=True,
                   capture_output=True)  # fmt: skip
    blobs: dict[str, bytes] = {}
    for layout in out.glob("*.tar"):
        with tarfile.open(layout) as tar:
            for member in tar.getmembers():
                if member.name.startswith("blobs/sha256/") and member.isfile():
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
                    blobs["sha256:" + member.name.rsplit("/", 1)[1]] = data
    return blobs, json.loads((out / "images.json").read_text()), out


def test_a_single_manifest_image_is_decoded(built: tuple[dict[str, bytes], dict[str, Any], Path]) -> None:
    blobs, record, _ = built
    busybox = record["busybox"]
    document = image_document(blobs.get, busybox["manifest"])
    assert document["role"] == "manifest" and "problem" not in document
    assert [(layer["digest"], layer["size"]) for layer in document["layers"]] == [
        (layer["digest"], layer["size"]) for layer in busybox["layers"]
    ]
    config = document["config"]
    raw = json.loads(blobs[busybox["config"]["digest"]])
    assert config["digest"] == busybox["config"]["digest"]
    assert config["diff_ids"] == busybox["diff_ids"]
    assert config["created"] == raw["created"] and config["architecture"] == "amd64"
    assert config["config"] == {key: raw["config"][key] for key in ("Env", "Cmd", "WorkingDir", "Labels")}
    assert config["history"] == raw["history"]
    assert document["total_size"] == busybox["manifest"]["size"] + busybox["config"]["size"] + sum(
        layer["size"] for layer in busybox["layers"]
    )


def test_an_index_has_one_manifest_per_platform(built: tuple[dict[str, bytes], dict[str, Any], Path]) -> None:
    blobs, record, _ = built
    hello = record["hello"]
    document = image_document(blobs.get, hello["index"])
    assert document["role"] == "index"
    platforms = [(m["platform"]["architecture"], m["config"]["architecture"]) for m in document["manifests"]]
    assert platforms == [(p["arch"], p["arch"]) for p in hello["platforms"]]
    for manifest, want in zip(document["manifests"], hello["platforms"], strict=True):
        assert manifest["digest"] == want["manifest"]["digest"]
        assert manifest["config"]["config"]["Env"] == [f"ARCH={want['arch']}"]


def test_a_tampered_blob_and_a_missing_one_are_reported_not_decoded(
    built: tuple[dict[str, bytes], dict[str, Any], Path],
) -> None:
    blobs, record, _ = built
    busybox = record["busybox"]
    config_digest = busybox["config"]["digest"]
    tampered = dict(blobs)
    tampered[config_digest] = blobs[config_digest].replace(b"/bin/sh", b"/bin/xx")
    document = image_document(tampered.get, busybox["manifest"])
    assert "do not match its digest" in document["config"]["problem"]
    assert "history" not in document["config"]
    missing = {d: b for d, b in blobs.items() if d != busybox["manifest"]["digest"]}
    assert image_document(missing.get, busybox["manifest"])["problem"] == "missing from the content store"


def test_hostile_descriptors_are_bounded(built: tuple[dict[str, bytes], dict[str, Any], Path]) -> None:
    """An index that names itself, and one with thousands of manifests, end."""
    import hashlib

    def blob(document: dict[str, Any]) -> tuple[str, bytes]:
        data = json.dumps(document).encode()
        return "sha256:" + hashlib.sha256(data).hexdigest(), data

    many_type = "application/vnd.oci.image.index.v1+json"
    manifest_type = "application/vnd.oci.image.manifest.v1+json"
    inner = {"mediaType": manifest_type, "digest": "sha256:" + "0" * 64, "size": 2}
    digest, data = blob({"manifests": [inner] * 5000})
    document = image_document({digest: data}.get, {"mediaType": many_type, "digest": digest})
    assert len(document["manifests"]) <= 257
    assert "more manifests not read" in document["manifests"][-1]["problem"]
    # Indexes nesting one another: the depth limit ends the walk.
    chain: dict[str, bytes] = {}
    target = {"mediaType": manifest_type, "digest": "sha256:" + "1" * 64}
    for _ in range(10):
        digest, data = blob({"manifests": [target]})
        chain[digest] = data
        target = {"mediaType": many_type, "digest": digest}
    text = json.dumps(image_document(chain.get, target))
    assert "nested deeper than" in text
