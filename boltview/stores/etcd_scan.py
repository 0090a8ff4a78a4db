"""One key's revisions in etcd's ``key`` bucket, found without reading every value.

The ``key`` bucket is ordered by revision, not by key, so a key's history is
spread over the whole bucket.  But every revision's value, an
``mvccpb.KeyValue``, begins with the key itself: field 1 (tag ``0x0a``), its
length as a varint, its bytes (etcd's marshaller writes fields in order, and
a key is never empty).  So the scan walks the bucket's branch pages to its
leaves, reads each leaf's element array in one ``struct`` call, and compares
only the first few bytes of each value with those the key must begin with:
values are not read, let alone decoded, except the key's own.  A value that
does not begin with field 1 is decoded whole and compared, so the answer is
the same as a walk that decodes every record, for every value protobuf's
marshallers write (one that wrote the key's length as a longer varint than it
needs, or the key field twice, would be missed: no marshaller does).

The file is mapped read-only (``mmap`` of a read-only descriptor) so that
only the pages holding element arrays and value heads are touched.  A file
read from a snapshot in memory, replaced since it was opened, or held by a
writer when it was opened (which might cut it short under the mapping) is read
page by page instead.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import (
    BRANCH_PAGE,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    PAGE_HEADER_SIZE,
    page_type_name,
)
from boltview.bolt.source import open_quietly
from boltview.errors import BoltviewError, PageError

__all__ = ["find_key_records", "key_head", "leaf_pages", "mapped"]

FIELD_1 = 0x0A


Data = bytes | mmap.mmap
"""A page's bytes, or the whole file mapped."""


def key_head(key: bytes) -> bytes:
    """The bytes an ``mvccpb.KeyValue`` of ``key`` begins with: tag, varint length, key."""
    length, varint = len(key), bytearray()
    while length >= 0x80:
        varint.append(length & 0x7F | 0x80)
        length >>= 7
    varint.append(length)
    return bytes([FIELD_1]) + bytes(varint) + key


def leaf_pages(bucket: Bucket) -> list[int]:
    """The page ids of the bucket's leaves, in key order.

    Only branch pages are read: every leaf of a bbolt tree is at the same depth,
    so the first child of each level says whether that level is the leaves.
    """
    db = bucket.db
    level = [bucket.root]
    while True:
        header = db.page_header(level[0])
        if header is None:
            raise PageError(level[0], "past the end of the file")
        flags = header[1]
        if flags & LEAF_PAGE:
            return level
        if not flags & BRANCH_PAGE:
            raise PageError(level[0], f"a {page_type_name(flags)} page in the key bucket's tree")
        level = [child for pgid in level for _, _, child in db.page(pgid).branch_records()]


@contextmanager
def mapped(db: BoltFile) -> Iterator[Data | None]:
    """The file mapped read-only, or None when it must be read through the source."""
    source = db.source
    if source.is_snapshot or source.replaced() or db.lock_holders:
        yield None
        return
    fd = open_quietly(source.path)
    try:
        mapping = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
    except (OSError, ValueError):
        os.close(fd)
        yield None
        return
    try:
        yield mapping
    finally:
        mapping.close()
        os.close(fd)


def find_key_records(bucket: Bucket, key: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Every (bolt key, value) of the ``key`` bucket whose value may be ``key``'s, in
    revision order: each whose value begins with the key's field, and each whose
    value does not begin with field 1 at all (the caller decodes and compares)."""
    db = bucket.db
    head = key_head(key)
    leaves = leaf_pages(bucket)
    with mapped(db) as data:
        if data is None or len(data) < db.high_water_mark * db.page_size:
            for pgid in leaves:
                page = db.page(pgid)
                yield from _matches(page.data, [0], head, db)
            return
        yield from _matches(data, [pgid * db.page_size for pgid in leaves], head, db)


def _matches(
    data: Data, bases: list[int], head: bytes, db: BoltFile
) -> Iterator[tuple[bytes, bytes]]:
    """The elements of the leaves at ``bases`` whose value begins with ``head``, or not
    with field 1.  The hot loop of the scan: one ``struct`` call a leaf for its header
    and element array, one slice and compare an element."""
    size = len(head)
    count_of = db.layout.fast_page_header.unpack_from
    arrays: dict[int, Callable[..., tuple[int, ...]]] = {}
    layout = db.layout
    found: list[tuple[int, int, int, int]] = []  # flags, key start, value start, value size
    for base in bases:
        count = count_of(data, base)[2]
        unpack = arrays.get(count)
        if unpack is None:
            unpack = arrays[count] = layout.fast_elements(count).unpack_from
        raw = unpack(data, base + PAGE_HEADER_SIZE)
        element = base + PAGE_HEADER_SIZE
        for at in range(1, 4 * count, 4):  # pos, key size, value size after the flags
            value_start = element + raw[at] + raw[at + 1]
            begins = data[value_start : value_start + size]
            if begins == head or (begins and begins[0] != FIELD_1):
                found.append((raw[at - 1], element + raw[at], value_start, raw[at + 2]))
            element += LEAF_ELEMENT_SIZE
    for flags, key_start, value_start, value_size in found:
        if flags:  # a sub-bucket: not etcd's
            raise BoltviewError("a sub-bucket inside etcd's key bucket")
        yield data[key_start:value_start], data[value_start : value_start + value_size]
