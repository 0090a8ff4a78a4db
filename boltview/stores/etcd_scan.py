"""One key's revisions in etcd's ``key`` bucket, found without reading every value.

The ``key`` bucket is ordered by revision, not by key, so a key's history is
spread over the whole bucket.  But every revision's value, an
``mvccpb.KeyValue``, begins with the key itself: field 1 (tag ``0x0a``), its
length as a varint, its bytes (etcd's marshaller writes fields in order, and
a key is never empty).  So the scan walks the bucket's branch pages to its
leaves, reads the head of each leaf (its header and element array, in one
small ``pread``) and compares only the first few bytes of each value with
those the key must begin with: values are not read, let alone decoded,
except the key's own.  A value that does not begin with field 1 is decoded
whole and compared, so the answer is the same as a walk that decodes every
record, for every value protobuf's marshallers write (one that wrote the
key's length as a longer varint than it needs, or the key field twice, would
be missed: no marshaller does).

What costs is the kernel's work, not Python's: a value that does not start in
the leaf's head is one more small ``pread`` (etcd's values of a few KiB each
make leaves of two records and their overflow pages).  Small reads copy only
what is looked at; mapping the file instead makes the kernel map the pages
around each one touched, then unmap them all, which costs more.

On a big bucket (:data:`SPLIT_LEAVES` leaves or more, about 64 MiB) and two
cores, a forked helper process scans the later half of the leaves through the
same descriptor while this one scans the first half, and sends back where the
records it found lie.  Forking is done only while no other thread runs
(:func:`boltview.bolt.processes.may_fork`); from the browser's workers the
scan stays in one process.  A helper that cannot answer costs time, not the
answer: this process scans its half too.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from functools import partial

from boltview.bolt.bucket import Bucket
from boltview.bolt.fanout import fork_child, write_all
from boltview.bolt.layout import (
    BRANCH_ELEMENT_SIZE,
    BRANCH_PAGE,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    PAGE_HEADER_SIZE,
    Layout,
    page_type_name,
)
from boltview.bolt.processes import may_fork, usable_cores
from boltview.errors import BoltviewError, PageError

__all__ = ["SPLIT_LEAVES", "find_key_records", "key_head", "leaf_pages"]

FIELD_1 = 0x0A

#: A key bucket with this many leaves or more is scanned by two processes (when this
#: one may fork and has two cores): below it, starting the second costs more than it saves.
SPLIT_LEAVES = 16384

#: Bytes read at the start of each leaf: its header, the element array of a few
#: records, and their first keys and value heads.
LEAF_HEAD = 256

Read = Callable[[int, int], bytes]
"""``read(length, offset)``: up to ``length`` bytes of the file at ``offset``."""

Found = tuple[int, int, int, int]
"""A record that may be the key's, where it lies: flags, key start, value start, value size."""

_FOUND = struct.Struct("<4Q")
_COUNT = struct.Struct("<Q")


def key_head(key: bytes) -> bytes:
    """The bytes an ``mvccpb.KeyValue`` of ``key`` begins with: tag, varint length, key."""
    length, varint = len(key), bytearray()
    while length >= 0x80:
        varint.append(length & 0x7F | 0x80)
        length >>= 7
    varint.append(length)
    return bytes([FIELD_1]) + bytes(varint) + key


def leaf_pages(bucket: Bucket) -> list[int]:
    """The page ids of the bucket's leaves, in key order, only branch pages read."""
    db = bucket.db
    return _leaves(bucket.root, _reader(bucket)[0], db.page_size, db.high_water_mark, db.layout)


def _reader(bucket: Bucket) -> tuple[Read, bool]:
    """``read(length, offset)`` on the bucket's file, and whether a forked helper may read
    with it too: ``os.pread`` on its descriptor, or a slice of the copy in memory the file
    is read from; a file that reads its own way (inside a disk image, through a stream a
    forked process would move under this one) is read through it, in this process only."""
    source = bucket.db.source
    data = source.snapshot
    if data is not None:
        return (lambda length, offset: data[offset : offset + length]), True
    if source.reads_its_own_way:
        return (lambda length, offset: source.read(offset, length)), False
    return partial(os.pread, source.fileno()), True


def _leaves(root: int, read: Read, size: int, end: int, lay: Layout) -> list[int]:
    """The page ids of the leaves below ``root`` (pages below ``end`` of ``size`` bytes).

    Only branch pages are read: every leaf of a bbolt tree is at the same depth,
    so the first page of each level says whether that level is the leaves.
    """
    header = lay.fast_page_header.unpack_from

    def page(pgid: int) -> bytes:
        if not 0 <= pgid < end:
            raise PageError(pgid, f"beyond the high-water mark {end}")
        return read(size, pgid * size)

    level = [root]
    while True:
        if header(page(level[0]))[1] & LEAF_PAGE:
            return level
        children: list[int] = []
        for pgid in level:
            data = page(pgid)
            header_id, flags, count, _ = header(data)
            if not flags & BRANCH_PAGE:
                raise PageError(pgid, f"a {page_type_name(flags)} page in the key bucket's tree")
            if header_id != pgid:
                raise PageError(pgid, f"header says page {header_id} (a corrupt pointer)")
            if PAGE_HEADER_SIZE + count * BRANCH_ELEMENT_SIZE > len(data):
                raise PageError(pgid, f"{count} elements do not fit in the page")
            children += lay.fast_branch_elements(count).unpack_from(data, PAGE_HEADER_SIZE)[2::3]
        level = children


def find_key_records(bucket: Bucket, key: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Every (bolt key, value) of the ``key`` bucket whose value may be ``key``'s, in
    revision order: each whose value begins with the key's field, and each whose
    value does not begin with field 1 at all (the caller decodes and compares)."""
    db = bucket.db
    (read, shared), head = _reader(bucket), key_head(key)
    leaves = _leaves(bucket.root, read, db.page_size, db.high_water_mark, db.layout)
    bases = [pgid * db.page_size for pgid in leaves]
    scan = partial(_matches, read, head=head, lay=db.layout)
    found = _split(scan, bases) if shared and len(bases) >= SPLIT_LEAVES else scan(bases)
    for flags, key_start, value_start, value_size in found:
        if flags:  # a sub-bucket: not etcd's
            raise BoltviewError("a sub-bucket inside etcd's key bucket")
        yield read(value_start - key_start, key_start), read(value_size, value_start)


def _split(scan: Callable[[list[int]], list[Found]], bases: list[int]) -> list[Found]:
    """``scan(bases)``, the later half scanned by a forked helper when there is a second
    core and this process may fork; this one scans the rest of what it could not."""
    if usable_cores() < 2 or not may_fork():
        return scan(bases)
    cut = len(bases) // 2
    answer_read, answer_write = os.pipe()
    try:
        pid = fork_child(lambda: _answer(answer_write, scan(bases[cut:])), [answer_read])
    except OSError:  # no process to be had: all in this one
        os.close(answer_read)
        os.close(answer_write)
        return scan(bases)
    os.close(answer_write)
    try:
        mine = scan(bases[:cut])
        later = _answered(answer_read)
    finally:
        os.close(answer_read)
        os.waitpid(pid, 0)
    return mine + (scan(bases[cut:]) if later is None else later)


def _answer(fd: int, found: list[Found]) -> None:
    """The helper's answer: how many records, then each one's four numbers."""
    write_all(fd, _COUNT.pack(len(found)) + b"".join(_FOUND.pack(*record) for record in found))


def _answered(fd: int) -> list[Found] | None:
    """What the helper found, or None when it ended without saying (it died, or the
    pages it read were damaged: then this process meets the same trouble itself)."""
    with os.fdopen(fd, "rb", closefd=False) as answers:
        head = answers.read(_COUNT.size)
        if len(head) < _COUNT.size:
            return None
        (count,) = _COUNT.unpack(head)
        body = answers.read(count * _FOUND.size)
    if len(body) < count * _FOUND.size:
        return None
    return list(_FOUND.iter_unpack(body))


def _matches(read: Read, bases: list[int], head: bytes, lay: Layout) -> list[Found]:
    """The elements of the leaves at ``bases`` whose value begins with ``head``, or not
    with field 1.  The hot loop of the scan: one ``pread`` a leaf for its header and
    element array, one more for a value that begins beyond them."""
    size = len(head)
    count_of = lay.fast_page_header.unpack_from
    arrays: dict[int, Callable[..., tuple[int, ...]]] = {}
    found: list[Found] = []
    for base in bases:
        leaf = read(LEAF_HEAD, base)
        count = count_of(leaf)[2]
        if PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE > len(leaf):
            leaf = read(PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE + LEAF_HEAD, base)
        unpack = arrays.get(count)
        if unpack is None:
            unpack = arrays[count] = lay.fast_elements(count).unpack_from
        raw = unpack(leaf, PAGE_HEADER_SIZE)
        in_head = len(leaf) - size
        element = PAGE_HEADER_SIZE
        for at in range(1, 4 * count, 4):  # pos, key size, value size after the flags
            value_start = element + raw[at] + raw[at + 1]
            if value_start <= in_head:
                begins = leaf[value_start : value_start + size]
            else:
                begins = read(size, base + value_start)
            if begins == head or (begins and begins[0] != FIELD_1):
                found.append((raw[at - 1], base + element + raw[at], base + value_start, raw[at + 2]))
            element += LEAF_ELEMENT_SIZE
    return found
