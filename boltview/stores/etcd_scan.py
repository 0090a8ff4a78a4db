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
only the pages holding element arrays and value heads are touched, and the
branch pages are read from the mapping too.  A file read from a snapshot in
memory, replaced since it was opened, or held by a writer when it was opened
(which might cut it short under the mapping) is read page by page instead.

On a big bucket (:data:`SPLIT_LEAVES` leaves or more, about 64 MiB) and two
cores, a forked helper process scans the later leaves (four sevenths of them)
in its own mapping of the same file (checked to be the same inode) and sends
back the records it finds, while this one scans the first ones: the cost is
the kernel's, mapping the pages in and out, as much as Python's, and both are
shared. Forking is done only while no other thread runs
(:func:`boltview.bolt.processes.process_context`): from the browser's workers the
scan stays in one process, since starting a fresh interpreter costs more than
the whole scan. If the helper cannot answer, the caller takes the thorough
way.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pickle import PicklingError
from typing import TYPE_CHECKING, Any

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import (
    BRANCH_PAGE,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    PAGE_HEADER_SIZE,
    Layout,
    layout,
    page_type_name,
)
from boltview.bolt.processes import usable_cores
from boltview.bolt.source import open_quietly
from boltview.errors import BoltviewError, PageError

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

__all__ = ["SPLIT_LEAVES", "find_key_records", "key_head", "leaf_pages", "mapped"]

FIELD_1 = 0x0A

#: A key bucket with this many leaves or more is scanned by two processes (when this
#: one may fork and has two cores): below it, starting the second costs more than it saves.
SPLIT_LEAVES = 16384

Data = bytes | mmap.mmap
"""A page's bytes, or the whole file mapped."""

Found = tuple[int, int, int, int]
"""A record that may be the key's, where it lies: flags, key start, value start, value size."""


def key_head(key: bytes) -> bytes:
    """The bytes an ``mvccpb.KeyValue`` of ``key`` begins with: tag, varint length, key."""
    length, varint = len(key), bytearray()
    while length >= 0x80:
        varint.append(length & 0x7F | 0x80)
        length >>= 7
    varint.append(length)
    return bytes([FIELD_1]) + bytes(varint) + key


def leaf_pages(bucket: Bucket) -> list[int]:
    """The page ids of the bucket's leaves, in key order, each branch page read whole."""
    db = bucket.db
    return _leaves(bucket.root, lambda pgid: (db.page(pgid).data, 0), db.layout)


def _leaves(root: int, page: Callable[[int], tuple[Data, int]], lay: Layout) -> list[int]:
    """The page ids of the leaves below ``root``; ``page`` gives a page's bytes and where
    in them it starts.

    Only branch pages are read: every leaf of a bbolt tree is at the same depth,
    so the first page of each level says whether that level is the leaves.
    """
    header = lay.fast_page_header.unpack_from
    level = [root]
    while True:
        data, base = page(level[0])
        if header(data, base)[1] & LEAF_PAGE:
            return level
        children: list[int] = []
        for pgid in level:
            data, base = page(pgid)
            header_id, flags, count, _ = header(data, base)
            if not flags & BRANCH_PAGE:
                raise PageError(pgid, f"a {page_type_name(flags)} page in the key bucket's tree")
            if header_id != pgid:
                raise PageError(pgid, f"header says page {header_id} (a corrupt pointer)")
            elements = lay.fast_branch_elements(count).unpack_from(data, base + PAGE_HEADER_SIZE)
            children += elements[2::3]  # pos, key size, child
        level = children


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
    with ExitStack() as helpers:
        with mapped(db) as data:
            if data is None or len(data) < db.high_water_mark * db.page_size:
                for pgid in leaf_pages(bucket):
                    leaf = db.page(pgid).data
                    yield from _records(leaf, _matches(leaf, [0], head, db.layout))
                return
            size, end = db.page_size, db.high_water_mark

            def page(pgid: int) -> tuple[Data, int]:
                if not 0 <= pgid < end:
                    raise PageError(pgid, f"beyond the high-water mark {end}")
                return data, pgid * size

            bases = [pgid * size for pgid in _leaves(bucket.root, page, db.layout)]
            # A helper takes the later four sevenths: this process also walks the branch
            # pages, starts the helper and unmaps its pages before it answers, while the
            # helper leaves its unmapping to its exit.
            cut = len(bases) * 3 // 7
            later = _helper(db, bases[cut:], head, helpers) if len(bases) >= SPLIT_LEAVES else None
            mine = bases if later is None else bases[:cut]
            records = list(_records(data, _matches(data, mine, head, db.layout)))
        # Unmapped before the helper is waited for: the kernel's work of unmapping this
        # process's pages is done while the helper finishes.
        if later is not None:
            records += _helper_records(later)
    yield from records


def _helper(db: BoltFile, bases: list[int], head: bytes, helpers: ExitStack) -> Future[Any] | None:
    """The records of the leaves at ``bases``, asked of a helper process when one may be
    had (it is let go when ``helpers`` closes); None when this process must read them."""
    pool = _helper_pool()
    if pool is None:
        return None
    # Let go without waiting for the helper's end, which may take a fifth of the scan
    # (its unmapping): a thread of the pool waits for it meanwhile, and while that thread
    # runs, no other helper is forked (see _helper_pool).
    helpers.callback(pool.shutdown, wait=False)
    identity = (db.source.stat.st_dev, db.source.stat.st_ino)
    try:
        return pool.submit(_records_in_file, db.path, identity, bases, head, db.order)
    except OSError:  # no process to be had: all in this one
        return None


def _helper_records(later: Future[Any]) -> list[tuple[bytes, bytes]]:
    """What the helper found, or a BoltviewError when it could not say (the caller then
    takes the thorough way, the index of every record, which reports what is wrong)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        records: list[tuple[bytes, bytes]] | None = later.result()
    except (BrokenProcessPool, PicklingError):
        records = None
    if records is None:
        raise BoltviewError("the helper process could not read its part of the key bucket")
    return records


def _helper_pool() -> Executor | None:
    """A pool of one forked process, or None when this process has no second core or
    may not fork (another thread runs).  Imported here: the CLI starts faster without
    multiprocessing, which only a big bucket needs."""
    if usable_cores() < 2:
        return None
    from concurrent.futures import ProcessPoolExecutor

    from boltview.bolt.processes import process_context

    context = process_context()
    if context.get_start_method() != "fork":
        return None
    return ProcessPoolExecutor(1, mp_context=context)


def _records_in_file(
    path: str, identity: tuple[int, int], bases: list[int], head: bytes, order: str
) -> list[tuple[bytes, bytes]] | None:
    """The records :func:`_matches` finds, read in a helper process from its own mapping
    of the file; None when it is not the same file or cannot be read."""
    try:
        fd = open_quietly(path)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (info.st_dev, info.st_ino) != identity:
            return None
        data = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
        _KEPT.append(data)  # unmapped when this process ends, after it has answered
        return list(_records(data, _matches(data, bases, head, layout(order))))
    except (OSError, ValueError, BoltviewError, struct.error):
        return None
    finally:
        os.close(fd)


#: In the helper process, its mapping: left for the process's end to unmap, which
#: costs a fifth of the scan and need not delay the answer.
_KEPT: list[mmap.mmap] = []


def _matches(data: Data, bases: list[int], head: bytes, lay: Layout) -> list[Found]:
    """The elements of the leaves at ``bases`` whose value begins with ``head``, or not
    with field 1.  The hot loop of the scan: one ``struct`` call a leaf for its header
    and element array, one slice and compare an element."""
    size = len(head)
    count_of = lay.fast_page_header.unpack_from
    arrays: dict[int, Callable[..., tuple[int, ...]]] = {}
    found: list[Found] = []
    for base in bases:
        count = count_of(data, base)[2]
        unpack = arrays.get(count)
        if unpack is None:
            unpack = arrays[count] = lay.fast_elements(count).unpack_from
        raw = unpack(data, base + PAGE_HEADER_SIZE)
        element = base + PAGE_HEADER_SIZE
        for at in range(1, 4 * count, 4):  # pos, key size, value size after the flags
            value_start = element + raw[at] + raw[at + 1]
            begins = data[value_start : value_start + size]
            if begins == head or (begins and begins[0] != FIELD_1):
                found.append((raw[at - 1], element + raw[at], value_start, raw[at + 2]))
            element += LEAF_ELEMENT_SIZE
    return found


def _records(data: Data, found: list[Found]) -> Iterator[tuple[bytes, bytes]]:
    for flags, key_start, value_start, value_size in found:
        if flags:  # a sub-bucket: not etcd's
            raise BoltviewError("a sub-bucket inside etcd's key bucket")
        yield data[key_start:value_start], data[value_start : value_start + value_size]
