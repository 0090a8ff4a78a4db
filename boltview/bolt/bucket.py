"""Buckets, and the cursor walk over their B+trees.

A bucket is a B+tree of pages: branch pages route by the first key of each
child, leaf pages hold the keys in bytewise order.  A small bucket lives
*inline*, as a one-page tree stored inside its parent's value (root 0).

Everything here is lazy: iterating a bucket of millions of keys holds only
the pages on the current path, so memory stays bounded by the tree's depth.
A walk never trusts a pointer: a child that points back at one of its
ancestors is reported as a cycle rather than followed forever.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boltview.bolt.layout import BUCKET_HEADER_SIZE, BUCKET_LEAF_FLAG, PAGE_HEADER_SIZE
from boltview.bolt.page import Page
from boltview.errors import NotFoundError, PageError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile

#: Deeper than any real tree (bbolt trees of billions of keys stay under 10).
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Entry:
    """One key of a bucket.  For a sub-bucket, ``value`` is its bucket header."""

    key: bytes
    value: bytes
    is_bucket: bool


class Bucket:
    """One bucket at one transaction; cheap to create, reads on demand."""

    def __init__(
        self,
        db: BoltFile,
        path: tuple[bytes, ...],
        root: int,
        sequence: int,
        inline: Page | None,
    ) -> None:
        self.db = db
        self.path = path
        self.root = root
        self.sequence = sequence
        self._inline = inline

    def __repr__(self) -> str:
        where = "inline" if self.is_inline else f"root={self.root}"
        return f"<Bucket {'/'.join(repr(p) for p in self.path) or '(root)'} {where}>"

    @property
    def name(self) -> bytes:
        return self.path[-1] if self.path else b""

    @property
    def is_inline(self) -> bool:
        return self._inline is not None

    def root_page(self) -> Page:
        if self._inline is not None:
            return self._inline
        return self.db.page(self.root)

    # -- lookups ------------------------------------------------------------

    def entries(self, start: bytes | None = None) -> Iterator[Entry]:
        """Every key in bbolt order, from the first key >= ``start`` if given."""
        for page, first in self.leaves(start):
            data = page.data
            for flags, ks, ke, vs, ve in page.leaf_records()[first:]:
                yield Entry(data[ks:ke], data[vs:ve], bool(flags & BUCKET_LEAF_FLAG))

    def __iter__(self) -> Iterator[Entry]:
        return self.entries()

    def keys(self) -> Iterator[bytes]:
        return (entry.key for entry in self.entries())

    def seek(self, key: bytes) -> Iterator[Entry]:
        """Like bbolt's ``Cursor.Seek``, then ``Next`` to the end."""
        return self.entries(key)

    def range(self, start: bytes, end: bytes | None) -> Iterator[Entry]:
        """Keys with ``start <= key < end`` (no upper bound when ``end`` is None)."""
        for entry in self.entries(start):
            if end is not None and entry.key >= end:
                return
            yield entry

    def prefix(self, prefix: bytes) -> Iterator[Entry]:
        """Keys that begin with ``prefix``."""
        for entry in self.entries(prefix):
            if not entry.key.startswith(prefix):
                return
            yield entry

    def entry(self, key: bytes) -> Entry | None:
        for entry in self.entries(key):
            return entry if entry.key == key else None
        return None

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key``, or None when it is missing or is a bucket (as bbolt)."""
        entry = self.entry(key)
        if entry is None or entry.is_bucket:
            return None
        return entry.value

    def bucket(self, *names: bytes) -> Bucket:
        """The sub-bucket reached by ``names``, one level per name."""
        bucket = self
        for depth, name in enumerate(names):
            entry = bucket.entry(name)
            if entry is None or not entry.is_bucket:
                where = _show_path(names[: depth + 1])
                what = "is a key, not a bucket" if entry else "does not exist"
                raise NotFoundError(f"bucket {where} {what}")
            bucket = bucket.child(entry)
        return bucket

    def buckets(self) -> Iterator[Bucket]:
        """The sub-buckets of this bucket, in key order."""
        for entry in self.entries():
            if entry.is_bucket:
                yield self.child(entry)

    def child(self, entry: Entry) -> Bucket:
        """Open the sub-bucket that ``entry`` (a bucket entry of this bucket) describes."""
        return open_bucket(self.db, self.path + (entry.key,), entry.value)

    # -- the tree walk -------------------------------------------------------

    def leaves(self, start: bytes | None = None) -> Iterator[tuple[Page, int]]:
        """Leaf pages in key order, each with the index of its first wanted element."""
        return _leaves(self.db, self.root_page(), start, ())

    def pages(self) -> Iterator[tuple[Page, int]]:
        """Every page of this bucket's own tree with its depth (bbolt's forEachPage)."""
        return _pages(self.db, self.root_page(), 0, ())


def open_bucket(db: BoltFile, path: tuple[bytes, ...], header: bytes) -> Bucket:
    """A bucket from the value its parent stores: ``root u64 | sequence u64`` (+ inline page)."""
    if len(header) < BUCKET_HEADER_SIZE:
        raise PageError(0, f"bucket {_show_path(path)}: header of {len(header)} bytes, want 16")
    root, sequence = db.layout.fast_bucket_header.unpack_from(header)
    inline = None
    if root == 0:
        body = header[BUCKET_HEADER_SIZE:]
        if len(body) < PAGE_HEADER_SIZE:
            raise PageError(0, f"inline bucket {_show_path(path)} has no page header")
        inline = Page(0, body, db.layout)
    return Bucket(db, path, root, sequence, inline)


def _child(db: BoltFile, pgid: int, ancestors: tuple[int, ...]) -> Page:
    if pgid in ancestors:
        raise PageError(pgid, f"reference cycle: page {ancestors[-1]} points back to it")
    if len(ancestors) >= MAX_DEPTH:
        raise PageError(pgid, f"tree deeper than {MAX_DEPTH} levels")
    page = db.page(pgid)
    if not (page.is_branch or page.is_leaf):
        raise PageError(pgid, f"expected a branch or leaf page, found {page.type}")
    return page


def _leaves(
    db: BoltFile, page: Page, start: bytes | None, ancestors: tuple[int, ...]
) -> Iterator[tuple[Page, int]]:
    if page.is_leaf:
        first = 0
        if start is not None:
            data = page.data
            keys = [data[ks:ke] for _, ks, ke, _, _ in page.leaf_records()]
            first = bisect_left(keys, start)
        yield page, first
        return
    if not page.is_branch:
        raise PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")
    records = page.branch_records()
    index = 0
    if start is not None and records:
        data = page.data
        keys = [data[ks:ke] for ks, ke, _ in records]
        # The last child whose first key is <= start holds start, if anything does.
        index = max(bisect_right(keys, start) - 1, 0)
    trail = ancestors + (page.pgid,)
    for position in range(index, len(records)):
        child = _child(db, records[position][2], trail)
        yield from _leaves(db, child, start if position == index else None, trail)


def _pages(
    db: BoltFile, page: Page, depth: int, ancestors: tuple[int, ...]
) -> Iterator[tuple[Page, int]]:
    yield page, depth
    if page.is_branch:
        trail = ancestors + (page.pgid,)
        for _, _, child in page.branch_records():
            yield from _pages(db, _child(db, child, trail), depth + 1, trail)


def _show_path(path: tuple[bytes, ...]) -> str:
    from boltview.render.text import show_path

    return show_path(path)
