"""diff and --meta: the previous transaction, as the real bbolt reads it.

bbolt can be made to read a file's previous transaction: give the newest
meta page a txid of 0 (with a good checksum) and bbolt takes the other one.  So the expected previous tree
comes from bbolt itself (bboltref dump of such a copy), and the expected diff
is the difference of bbolt's two dumps.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.diff import diff
from boltview.bolt.file import BoltFile
from tests import corrupt
from tests.conftest import BOLT_FIXTURES, bolt_fixture_names, golden
from tests.test_big_endian import bboltref_s390x  # noqa: F401  (a fixture)


def previous_transaction_copy(source: Path, target: Path) -> Path:
    """A copy whose newest meta claims txid 0, so bbolt reads the older one."""
    data = bytearray(source.read_bytes())
    corrupt.set_meta(data, corrupt.active_meta_index(bytes(data)), txid=0)
    target.write_bytes(bytes(data))
    return target


def flatten(tree: dict[str, Any], path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """path -> base64 value, or -> 'bucket' for a bucket, for every key of a dump."""
    flat: dict[tuple[str, ...], Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat[path + (key,)] = "bucket"
            flat.update(flatten(value, path + (key,)))
        else:
            flat[path + (key,)] = value
    return flat


def expected_changes(old: dict[str, Any], new: dict[str, Any]) -> set[tuple[str, tuple[str, ...]]]:
    """(op, path) of every change, a whole bucket counted once, as boltview reports it."""
    a, b = flatten(old), flatten(new)
    changes = set()
    for path in a.keys() | b.keys():
        if path in a and path in b:
            if a[path] != b[path]:
                if "bucket" in (a[path], b[path]):
                    changes |= {("removed", path), ("added", path)}
                else:
                    changes.add(("changed", path))
            continue
        op = "removed" if path in a else "added"
        # Keys inside a bucket that came or went whole are not changes of their own.
        side = a if path in a else b
        other = b if path in a else a
        if any(path[:i] in side and path[:i] not in other for i in range(1, len(path))):
            continue
        if any(side.get(path[:i]) == "bucket" and other.get(path[:i]) not in (None, "bucket")
               for i in range(1, len(path))):  # fmt: skip
            continue
        changes.add((op, path))
    return changes


@pytest.fixture
def reference(request: pytest.FixtureRequest, name: str) -> list[str]:
    """The bbolt that reads this fixture: a big-endian file needs a big-endian bbolt."""
    with BoltFile.open(str(BOLT_FIXTURES / f"{name}.db")) as db:
        big_endian = db.byte_order == "big-endian"
    if big_endian:
        return list(request.getfixturevalue("bboltref_s390x"))
    return [str(request.getfixturevalue("bboltref"))]


@pytest.mark.parametrize("name", bolt_fixture_names())
def test_previous_transaction_matches_bbolt(name: str, reference: list[str], tmp_path: Path) -> None:
    db_path = BOLT_FIXTURES / f"{name}.db"
    copy = previous_transaction_copy(db_path, tmp_path / "prev.db")
    previous = json.loads(subprocess.run([*reference, "dump", str(copy)], capture_output=True,
                                         check=True).stdout)  # fmt: skip
    current = golden(name, "dump")

    with BoltFile.open(str(db_path)) as db:
        old = db.with_meta(1 - db.meta.index)
        ours = {
            (c.op, tuple(base64.b64encode(p).decode() for p in c.full_path))
            for c in diff(old.root, db.root, same_file=True)
        }
    assert ours == expected_changes(previous, current)

    # --meta on any verb reads that tree: the same as bbolt's fallback reading.
    other = 1 - BoltFile.open(str(db_path)).meta.index
    out = subprocess.run(
        [sys.executable, "-m", "boltview", "dump", str(db_path), "--meta", str(other),
         "--encoding", "base64"], capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert json.loads(out) == previous


def test_two_files_diff_and_json(tmp_path: Path) -> None:
    a, b = BOLT_FIXTURES / "basic.db", BOLT_FIXTURES / "deletes.db"
    result = subprocess.run(
        [sys.executable, "-m", "boltview", "diff", str(a), str(b), "--json"],
        capture_output=True, check=True,
    )  # fmt: skip
    document = json.loads(result.stdout)
    ours = {(c["op"], tuple(c["bucket"]) + (c["key_base64"],)) for c in document["changes"]}
    assert ours == expected_changes(golden("basic", "dump"), golden("deletes", "dump"))


def test_identical_file_has_no_changes() -> None:
    path = str(BOLT_FIXTURES / "basic.db")
    with BoltFile.open(path) as a, BoltFile.open(path) as b:
        assert list(diff(a.root, b.root)) == []
