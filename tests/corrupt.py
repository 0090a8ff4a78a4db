"""Damage real fixtures on purpose, using the construct declarations.

Only corruption is synthetic: every file starts as one bbolt wrote, and each
change goes through the same construct declarations boltview reads with, so
a test says what it breaks in bbolt's own terms (meta.root, element.pgid).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from construct import Container

from boltview.bolt.layout import (
    MAGIC_BYTES,
    META_CHECKSUM_SPAN,
    META_SIZE,
    PAGE_HEADER_SIZE,
    element_struct,
    layout,
)
from boltview.bolt.meta import fnv1a64


def order_of(data: bytes) -> str:
    """The file's byte order, from meta 0's magic (as boltview reads it)."""
    magic = bytes(data[PAGE_HEADER_SIZE : PAGE_HEADER_SIZE + 4])
    return ">" if magic == MAGIC_BYTES[">"] else "<"


def page_size_of(data: bytes) -> int:
    meta = layout(order_of(data)).meta.parse(data[PAGE_HEADER_SIZE:])
    return int(meta.page_size)


def set_meta(data: bytearray, index: int, fix_checksum: bool = True, **fields: Any) -> None:
    """Change fields of meta ``index`` (and its checksum, unless told not to)."""
    meta_struct = layout(order_of(bytes(data))).meta
    start = index * page_size_of(bytes(data)) + PAGE_HEADER_SIZE
    meta = meta_struct.parse(bytes(data[start : start + META_SIZE]))
    meta.update(fields)
    body = bytearray(meta_struct.build(meta))
    if fix_checksum:
        meta.checksum = fnv1a64(bytes(body[:META_CHECKSUM_SPAN]))
        body = bytearray(meta_struct.build(meta))
    data[start : start + META_SIZE] = body


def active_meta(data: bytes) -> Container:
    metas = [
        layout(order_of(data)).meta.parse(data[i * page_size_of(data) + PAGE_HEADER_SIZE :])
        for i in (0, 1)
    ]
    return max(metas, key=lambda m: m.txid)


def active_meta_index(data: bytes) -> int:
    metas = [
        layout(order_of(data)).meta.parse(data[i * page_size_of(data) + PAGE_HEADER_SIZE :])
        for i in (0, 1)
    ]
    return 0 if metas[0].txid > metas[1].txid else 1


def read_elements(data: bytes, pgid: int, leaf: bool) -> Container:
    size = page_size_of(data)
    return element_struct(order_of(data), leaf).parse(data[pgid * size : (pgid + 1) * size])


def write_elements(data: bytearray, pgid: int, leaf: bool, page: Container) -> None:
    """Write back a page header and element array parsed by ``read_elements``."""
    size = page_size_of(bytes(data))
    built = element_struct(order_of(bytes(data)), leaf).build(page)
    data[pgid * size : pgid * size + len(built)] = built


def find_page(data: bytes, flag: int) -> int:
    """The first page below the high-water mark whose header has ``flag`` and elements."""
    size = page_size_of(data)
    header = layout(order_of(data)).page_header
    for pgid in range(2, active_meta(data).pgid):
        parsed = header.parse(data[pgid * size :])
        if parsed.flags & flag and parsed.count and parsed.id == pgid:
            return pgid
    raise LookupError(f"no page with flag {flag:#x}")


def damaged_copy(source: Path, target: Path, data: bytearray | bytes) -> Path:
    target.write_bytes(bytes(data))
    return target
