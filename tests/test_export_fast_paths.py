"""export's fast paths write what the general ones write, byte for byte.

export (issue 14, item 3) splits an Any laid out as Go marshals it without the
schemaless decoder, and splices stored JSON (specs) in one pass.  Each is
checked against the general path: on the committed containerd fixtures
(written by containerd and by real bbolt), on generated encodings (every varint
of one or two bytes, read by the loader's short path), and on a
file whose object names decode alike (written by real bbolt).  The file's hash,
read into one buffer over and over, by a forked process or a thread, is checked
against hashlib's of its bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boltview.bolt import hashing
from boltview.bolt.file import BoltFile
from boltview.bolt.source import Source
from boltview.containerd import model
from boltview.containerd.encoding import decode_varint, encode_uvarint, split_any
from boltview.containerd.export import export
from boltview.containerd.json import Verbatim, encoder
from boltview.containerd.loader import Fields
from boltview.containerd.reader import MetadataReader
from boltview.errors import DecodeError
from tests.conftest import build_go, missing_go_source, require_real

ROOT = Path(__file__).resolve().parent.parent
READ_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

FIXTURES = [
    ROOT / "boltview" / "demo" / "meta.db",
    *sorted((ROOT / "fixtures" / "containerd").glob("*/meta.db")),
    *sorted((ROOT / "fixtures" / "node").rglob("meta.db")),
]


def exported(path: Path) -> str:
    """The export document of ``path``, compact."""
    with BoltFile.open(str(path)) as db:
        out = io.StringIO()
        export(MetadataReader(db), out, read_at=READ_AT)
        return out.getvalue()


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_export_is_the_same_without_the_fast_any_split(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = exported(path)
    monkeypatch.setattr(model, "split_any", lambda _raw: None)
    assert exported(path) == fast
    json.loads(fast)


# -- names that decode alike --------------------------------------------------------------

TWO_NAMES_WRITER = """\
package main

import (
	"os"

	bolt "go.etcd.io/bbolt"
)

// Two containers whose names are not UTF-8 and decode alike (to U+FFFD).
func main() {
	db, err := bolt.Open(os.Args[1], 0o600, nil)
	if err != nil {
		panic(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		v1, err := tx.CreateBucket([]byte("v1"))
		if err != nil {
			return err
		}
		if err = v1.Put([]byte("version"), []byte{3}); err != nil {
			return err
		}
		containers, err := v1.CreateBucket([]byte("default"))
		if err != nil {
			return err
		}
		if containers, err = containers.CreateBucket([]byte("containers")); err != nil {
			return err
		}
		for name, image := range map[string]string{"\\xfe": "first", "\\xff": "second"} {
			c, err := containers.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			if err = c.Put([]byte("image"), []byte(image)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	if err = db.Close(); err != nil {
		panic(err)
	}
}
"""


@pytest.fixture(scope="module")
def alike_names_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_real(missing_go_source("go.etcd.io/bbolt"), "a meta.db written by real bbolt")
    package = tmp_path_factory.mktemp("alikenames")
    (package / "main.go").write_text(TWO_NAMES_WRITER)
    writer = build_go(package, package / "alikenames")
    path = package / "meta.db"
    subprocess.run([str(writer), str(path)], check=True)
    return path


def test_members_whose_names_decode_alike_are_each_written(alike_names_db: Path) -> None:
    containers = exported(alike_names_db).split('"containers":{', 1)[1]
    assert containers.count('"\\ufffd":{"ID":"\\ufffd"') == 2
    assert '"Image":"first"' in containers and '"Image":"second"' in containers


# -- Verbatim ----------------------------------------------------------------------------

payloads = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(st.lists(payloads, min_size=1, max_size=6), st.text(max_size=6))
def test_splice_puts_each_text_where_its_placeholder_was(values: list[object], other: str) -> None:
    """Spliced JSON is the document encoded with the payloads in place of the placeholders."""
    verbatim = Verbatim()
    encode = encoder(None)
    texts = [json.dumps(value, separators=(",", ":")) for value in values]
    document = {"a": [verbatim.add(text) for text in texts[: len(texts) // 2]], "b": other,
                "c": {str(i): verbatim.add(text) for i, text in enumerate(texts[len(texts) // 2 :])}}  # fmt: skip
    expected = {"a": values[: len(values) // 2], "b": other,
                "c": {str(i): value for i, value in enumerate(values[len(values) // 2 :])}}  # fmt: skip
    assert verbatim.splice(encode(document)) == json.dumps(expected, separators=(",", ":"))
    assert verbatim.texts == []


# -- Any -----------------------------------------------------------------------------------


def field(number: int, payload: bytes) -> bytes:
    return encode_uvarint(number << 3 | 2) + encode_uvarint(len(payload)) + payload


raw_fields = st.lists(
    st.one_of(
        st.tuples(st.sampled_from([1, 2, 3, 15, 16]), st.binary(max_size=300)).map(
            lambda f: field(*f)
        ),
        st.binary(max_size=4),  # anything at all: varints, wrong wire types, truncation
        st.just(bytes([0x0A, 0x80, 0x00])),  # a length in a two-byte (overlong) varint
    ),
    max_size=4,
).map(b"".join)


@given(raw_fields)
def test_split_any_agrees_with_the_schemaless_walk(raw: bytes) -> None:
    """With or without the fast path, an Any splits the same, faults and all."""
    assert model._split_any(raw) == _walked(raw)


def _walked(raw: bytes) -> tuple[str, bytes, str | None]:
    """``model._split_any`` without its fast path."""
    original = model.split_any
    model.split_any = lambda _raw: None
    try:
        return model._split_any(raw)
    finally:
        model.split_any = original


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        field(1, b"t"),
        field(2, b"v"),
        field(1, b"type") + field(2, b"value"),
        field(1, b"x" * 200) + field(2, b"{}" * 5000),
    ],
)
def test_go_layouts_take_the_fast_path(raw: bytes) -> None:
    assert split_any(raw) is not None
    assert model._split_any(raw) == _walked(raw)


@pytest.mark.parametrize(
    "raw",
    [
        field(2, b"v") + field(1, b"t"),
        field(1, b"a") + field(1, b"b"),
        field(3, b"x"),
        field(1, b"t")[:-1],
        field(1, b"t") + b"\x08\x01",
        bytes([0x0A, 0xFF]),
    ],
)
def test_other_layouts_take_the_walk(raw: bytes) -> None:
    assert split_any(raw) is None
    assert model._split_any(raw) == _walked(raw)


# -- the file's hash ------------------------------------------------------------------------


@pytest.mark.parametrize("snapshot", [False, True])
def test_the_hash_read_into_one_buffer_is_the_files(snapshot: bool) -> None:
    path = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"
    with BoltFile.open(str(path), snapshot=snapshot) as db:
        assert db.sha256() == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("snapshot", [False, True])
@pytest.mark.parametrize("end", [0, 1, 4095, 4096, 10_000, 1 << 30])
def test_chunks_are_the_bytes_up_to_the_end_in_order(snapshot: bool, end: int) -> None:
    """Each chunk is copied before the next is read: the buffer is read into again."""
    path = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"
    source = Source(str(path), snapshot=snapshot)
    try:
        pieces = [bytes(chunk) for chunk in source.chunks(4096, end)]
    finally:
        source.close()
    assert b"".join(pieces) == path.read_bytes()[:end]
    assert all(len(piece) <= 4096 for piece in pieces)


HASHED = [
    ROOT / "fixtures" / "containerd" / "v16" / name for name in ("meta.db", "overlayfs-metadata.db")
]


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "thread"])
def test_hashes_beside_the_reader_are_the_files(
    fork: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "may_fork", lambda: fork)
    dbs = [BoltFile.open(str(path)) for path in HASHED]
    try:
        hashes = hashing.Hashes(dbs)
        assert (hashes.pid is not None) == fork
        for db in reversed(dbs):
            assert hashes.sha256(db) == hashlib.sha256(Path(db.path).read_bytes()).hexdigest()
        hashes.close()
        assert hashes.pid is None
    finally:
        for db in dbs:
            db.close()


def test_a_hashing_process_that_dies_leaves_its_files_to_be_hashed_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hashing, "may_fork", lambda: True)
    monkeypatch.setattr(hashing, "_hash_into", lambda files, out: os._exit(3))
    with BoltFile.open(str(HASHED[0])) as db:
        hashes = hashing.Hashes([db])
        assert hashes.sha256(db) == hashlib.sha256(HASHED[0].read_bytes()).hexdigest()
        hashes.close()


# -- varints -----------------------------------------------------------------------------


def test_one_and_two_byte_varints_read_as_the_full_decoder_reads_them() -> None:
    """Every value of one or two bytes: the loader's short path or the decoder, same answer."""
    for raw in [bytes([a]) for a in range(256)] + [
        bytes([a, b]) for a in range(256) for b in range(256)
    ]:
        fields = Fields.__new__(Fields)
        fields.values, fields.issues = {b"size": raw}, []
        try:
            expected: int | None = decode_varint(raw)
        except DecodeError:
            expected = None
        assert fields.varint(b"size") == expected, raw
        assert bool(fields.issues) == (expected is None), raw
