"""Issue 15: containerd relations are a graph, and hostile labels make it a large one.

The databases are written by the real bbolt, from a JSON description: a small Go
program (below) turns each JSON object into a bucket and each string into a
value, nothing more.  Only the labels are hostile; every byte of the file is
bbolt's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.containerd.reader import MetadataReader
from boltview.containerd.relations import MAX_TREE_DEPTH, MAX_TREE_NODES, relations
from tests.conftest import build_go, missing_go_source, require_real, run_boltview

SPEC_WRITER = """\
package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// fill writes a JSON object into b: an object becomes a bucket (or goes into the
// one already there), a string a value, ["base64", "..."] a binary value, and
// null deletes the key.
func fill(b *bolt.Bucket, spec map[string]interface{}) error {
	keys := make([]string, 0, len(spec))
	for k := range spec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := spec[k].(type) {
		case nil:
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		case string:
			if err := b.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		case []interface{}:
			raw, err := base64.StdEncoding.DecodeString(v[1].(string))
			if err != nil {
				return err
			}
			if err := b.Put([]byte(k), raw); err != nil {
				return err
			}
		case map[string]interface{}:
			child, err := b.CreateBucketIfNotExists([]byte(k))
			if err != nil {
				return err
			}
			if err := fill(child, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// update writes one JSON description into db, as one transaction.
func update(db *bolt.DB, path string) error {
	var spec map[string]map[string]interface{}
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &spec)
	}
	if err != nil {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		for name, body := range spec {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			if err := fill(b, body); err != nil {
				return err
			}
		}
		return nil
	})
}

// specwriter SPEC DB [SPEC...]: the first SPEC as one transaction, then each
// further SPEC as one more (keys it names are put or, when null, deleted).
func main() {
	db, err := bolt.Open(os.Args[2], 0o600, nil)
	if err != nil {
		panic(err)
	}
	specs := append([]string{os.Args[1]}, os.Args[3:]...)
	for _, path := range specs {
		if err = update(db, path); err != nil {
			panic(err)
		}
	}
	if err = db.Close(); err != nil {
		panic(err)
	}
}
"""

MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture(scope="session")
def spec_writer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_real(missing_go_source("go.etcd.io/bbolt"), "the bbolt spec writer")
    package = tmp_path_factory.mktemp("specwriter")
    (package / "main.go").write_text(SPEC_WRITER)
    return build_go(package, package / "specwriter")


def digest(n: int) -> str:
    return f"sha256:{n:064x}"


def meta_db(writer: Path, tmp_path: Path, blobs: dict[str, dict[str, str]]) -> Path:
    """A containerd v1 meta.db with one image, whose target is blob 0, and ``blobs``."""
    spec: dict[str, Any] = {
        "v1": {
            "version": "\x03",
            "default": {
                "images": {
                    "hostile": {"target": {"digest": digest(0), "mediatype": MANIFEST}}
                },
                "content": {
                    "blob": {d: {"labels": labels} for d, labels in blobs.items()}
                },
            },
        }
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    path = tmp_path / "meta.db"
    subprocess.run([str(writer), tmp_path / "spec.json", path], check=True)
    return path


def diamond(levels: int) -> dict[str, dict[str, str]]:
    """Each blob refers twice to the next: 2**levels paths from the top to the bottom."""
    ref = "containerd.io/gc.ref.content.l."
    blobs = {digest(n): {ref + "0": digest(n + 1), ref + "1": digest(n + 1)} for n in range(levels)}
    blobs[digest(levels)] = {}
    return blobs


def chain(length: int) -> dict[str, dict[str, str]]:
    ref = "containerd.io/gc.ref.content.l.0"
    blobs = {digest(n): {ref: digest(n + 1)} for n in range(length)}
    blobs[digest(length)] = {}
    return blobs


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_boltview(*args, timeout=60)


@pytest.fixture(params=["diamond", "chain"])
def hostile_db(request: pytest.FixtureRequest, spec_writer: Path, tmp_path: Path) -> Path:
    blobs = diamond(25) if request.param == "diamond" else chain(3_000)
    return meta_db(spec_writer, tmp_path, blobs)


def test_the_verbs_visit_each_blob_once(hostile_db: Path) -> None:
    listing = run_cli("ls", "images", hostile_db)
    assert listing.returncode == 0, listing.stderr
    assert "hostile" in listing.stdout
    shown = run_cli("inspect", hostile_db, "image", "hostile")
    assert shown.returncode == 0, shown.stderr
    assert "more" in shown.stdout or "repeated" in shown.stdout
    as_json = run_cli("inspect", "--json", hostile_db, "image", "hostile")
    assert as_json.returncode == 0, as_json.stderr
    tree = json.loads(as_json.stdout)["relations"]["content"]
    nodes, depth, marked = 0, 0, 0
    pending = [(tree, 1)]
    while pending:
        node, level = pending.pop()
        nodes, depth = nodes + 1, max(depth, level)
        marked += bool(node.get("more") or node.get("repeated"))
        pending.extend((child, level + 1) for child in node.get("children", ()))
    assert nodes <= MAX_TREE_NODES
    assert depth <= MAX_TREE_DEPTH + 1
    assert marked
    exported = run_cli("export", hostile_db)
    assert exported.returncode == 0, exported.stderr
    json.loads(exported.stdout)


def test_the_browser_relations_are_bounded(hostile_db: Path) -> None:
    from datetime import UTC, datetime

    db = BoltFile.open(str(hostile_db))
    try:
        reader = MetadataReader(db)
        image = reader.image("default", "hostile")
        found = relations(reader, image, datetime.now(UTC))
    finally:
        db.close()
    assert len(found) <= 2 * MAX_TREE_NODES
    assert found[0].label == "target (manifest)"
    assert any(r.text.startswith("... ") or "shown above" in r.text for r in found)
