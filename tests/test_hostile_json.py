"""Issue 15: every JSON document boltview writes is printable ASCII.

Names and values from a hostile file may hold C0 and C1 controls, DEL, bidi
overrides and invisible characters; every JSON writer must put them in as
``\\uXXXX``.  The database is written by the real bbolt (the spec writer of
tests/test_hostile_containerd.py).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from boltview.bolt.file import BoltFile
from boltview.containerd.export import write_group, write_object, write_raw
from boltview.containerd.model import IMAGE
from boltview.containerd.reader import MetadataReader
from tests.test_hostile_containerd import MANIFEST, digest, spec_writer  # noqa: F401

HOSTILE = "a\x01\x1b[31m\x7f\x85\x9b\u202a\u202e\u2066\u2069\u200b\u200f\u2060\ufeffz"


def printable_ascii(text: str) -> bool:
    return all(" " <= c <= "~" or c == "\n" for c in text)


@pytest.fixture(scope="module")
def hostile_db(spec_writer: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    tmp = tmp_path_factory.mktemp("hostile-json")
    labels = {HOSTILE: HOSTILE}
    spec = {
        HOSTILE: {HOSTILE: HOSTILE},
        "v1": {
            "version": "\x03",
            "default": {
                "images": {
                    HOSTILE: {
                        "target": {"digest": digest(0), "mediatype": MANIFEST},
                        "labels": labels,
                    }
                },
                "content": {"blob": {digest(0): {"labels": labels}}},
            },
        },
    }
    (tmp / "spec.json").write_text(json.dumps(spec))
    path = tmp / "meta.db"
    subprocess.run([str(spec_writer), tmp / "spec.json", path], check=True)
    return path


@pytest.mark.parametrize(
    "verb",
    [
        ["buckets", "--json"],
        ["keys", "--json", HOSTILE],
        ["dump", "--encoding", "text"],
        ["dump", "--encoding", "hex"],
        ["dump"],
        ["export"],
        ["ls", "images", "--json"],
        ["inspect", "--json", "{db}", "image", HOSTILE],
        ["recover", "--json"],
    ],
)
def test_every_verb_writes_printable_ascii_json(hostile_db: Path, verb: list[str]) -> None:
    args = [str(hostile_db) if a == "{db}" else a for a in verb]
    if "{db}" not in verb:
        args.insert(1 if verb[0] in ("buckets", "dump", "export", "recover") else 2, str(hostile_db))
        if verb[0] == "ls":
            args = ["ls", "images", str(hostile_db), "--json"]
        if verb[0] == "keys":
            args = ["keys", "--json", str(hostile_db), HOSTILE]
    done = subprocess.run(
        [sys.executable, "-m", "boltview", *args],
        capture_output=True,
        check=False,
        timeout=60,
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode in (0, 1), done.stderr
    text = done.stdout.decode("utf-8")
    assert printable_ascii(text), [c for c in text if not printable_ascii(c)]
    json.loads(text)


def test_the_browser_exports_write_printable_ascii_json(hostile_db: Path) -> None:
    db = BoltFile.open(str(hostile_db))
    try:
        reader = MetadataReader(db)
        image = reader.image("default", HOSTILE)
        outputs = []
        for write in (
            lambda out: write_object(reader, image, out, datetime.now(UTC)),
            lambda out: write_group(reader, "default", IMAGE, None, out),
            lambda out: write_raw(db, (HOSTILE.encode(),), HOSTILE.encode(), "text", out),
            lambda out: write_raw(db, (HOSTILE.encode(),), None, "text", out),
        ):
            out = io.BytesIO()
            write(out)
            outputs.append(out.getvalue().decode("utf-8"))
    finally:
        db.close()
    for text in outputs:
        assert printable_ascii(text), [c for c in text if not printable_ascii(c)]
        assert json.loads(text)
