"""A tiny bolt writer for the browser's tests: hostile names, corrupt pages, big values.

Real files come from real bbolt (fixtures/); this writes only what real
writers will not: keys full of escape sequences, a bucket whose root points
past the end of the file, a value of many pages.  Each bucket gets its own
leaf page (with overflow pages when it needs them); the layout follows
FORMAT-NOTES.md, and the test below reads it back with the engine.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Union

from boltview.bolt.file import BoltFile
from boltview.bolt.meta import fnv1a64

PAGE = 4096
MAGIC = 0xED0CDAED

#: A bucket: key -> value bytes, a sub-bucket, or BadRoot (a bucket pointing at a bad page).
Tree = dict[bytes, Union[bytes, "Tree", "BadRoot"]]


class BadRoot:
    """A sub-bucket whose root is page ``pgid`` (past the end, or not a leaf)."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid


def _leaf(pgid: int, items: list[tuple[bytes, bytes, bool]]) -> bytes:
    body = b""
    elements = b""
    count = len(items)
    for index, (key, value, is_bucket) in enumerate(items):
        element_at = 16 + 16 * index
        data_at = 16 + 16 * count + len(body)
        elements += struct.pack(
            "<IIII", 1 if is_bucket else 0, data_at - element_at, len(key), len(value)
        )
        body += key + value
    size = 16 + 16 * count + len(body)
    overflow = max(0, (size + PAGE - 1) // PAGE - 1)
    page = struct.pack("<QHHI", pgid, 0x02, count, overflow) + elements + body
    return page.ljust((overflow + 1) * PAGE, b"\0")


def write_db(path: Path, tree: Tree, txid: int = 5) -> Path:
    pages: dict[int, bytes] = {}
    next_pgid = [3]  # 0, 1 meta; 2 freelist

    def place(bucket: Tree) -> int:
        items: list[tuple[bytes, bytes, bool]] = []
        for key in sorted(bucket):
            value = bucket[key]
            if isinstance(value, dict):
                root = place(value)
                items.append((key, struct.pack("<QQ", root, 0), True))
            elif isinstance(value, BadRoot):
                items.append((key, struct.pack("<QQ", value.pgid, 0), True))
            else:
                items.append((key, value, False))
        pgid = next_pgid[0]
        page = _leaf(pgid, items)
        next_pgid[0] += len(page) // PAGE
        pages[pgid] = page
        return pgid

    root = place(tree)
    high_water = next_pgid[0]
    data = bytearray(high_water * PAGE)
    for pgid, page in pages.items():
        data[pgid * PAGE : pgid * PAGE + len(page)] = page
    data[2 * PAGE : 2 * PAGE + 16] = struct.pack("<QHHI", 2, 0x10, 0, 0)
    for index in (0, 1):
        meta = struct.pack(
            "<IIIIQQQQQ", MAGIC, 2, PAGE, 0, root, 0, 2, high_water, txid - 1 + index
        )
        meta += struct.pack("<Q", fnv1a64(meta))
        header = struct.pack("<QHHI", index, 0x04, 0, 0)
        data[index * PAGE : index * PAGE + 16 + len(meta)] = header + meta
    path.write_bytes(bytes(data))
    return path


def test_writer_reads_back(tmp_path: Path) -> None:
    tree: Tree = {b"a": {b"k": b"v", b"big": b"x" * 10000, b"sub": {b"x": b"y"}}, b"b": b"c"}
    with BoltFile.open(str(write_db(tmp_path / "w.db", tree))) as db:
        assert db.txid == 5
        bucket = db.bucket(b"a")
        assert [e.key for e in bucket.entries()] == [b"big", b"k", b"sub"]
        assert bucket.get(b"big") == b"x" * 10000
        assert db.bucket(b"a", b"sub").get(b"x") == b"y"
        assert db.root.get(b"b") == b"c"
