"""Buckets: B+trees of keys, and sub-buckets nested in them.

A bucket is a B+tree of pages: branch pages route by the first key of each
child, leaf pages hold the keys in bytewise order.  A small bucket lives
*inline*, as a one-page tree stored inside its parent's value (root 0).

Everything here is lazy: iterating a bucket of millions of keys holds only
the pages on the current path, so memory stays bounded by the tree's depth.
The walks themselves are the cursor's (:mod:`~boltview.bolt.cursor`), which
never trusts a pointer: a child that points back at one of its ancestors is
reported as a cycle rather than followed forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from boltview.bolt.cursor import (
    MAX_DEPTH,
    Budget,
    Entry,
    child_page,
    entries_before,
    leaves,
    pages,
    tree_page,
)
from boltview.bolt.layout import BUCKET_HEADER_SIZE, BUCKET_LEAF_FLAG, PAGE_HEADER_SIZE
from boltview.bolt.page import Page
from boltview.bolt.path import show_path
from boltview.errors import NotFoundError, PageError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile

# The walk itself is the cursor's; these names are still imported from here.
__all__ = ["MAX_DEPTH", "MAX_NESTING", "Bucket", "Budget", "Entry", "child_page", "open_bucket"]

#: Buckets nested deeper than this are refused.  bbolt sets no limit, but real
#: schemas stay under ten levels (containerd's deepest is seven), and every
#: recursive walker (dump, stats, check, a program's own) needs one.
MAX_NESTING = 128


class Bucket:
    """One bucket at one transaction; cheap to create, reads on demand."""

    def __init__(
        self,
        db: BoltFile,
        path: tuple[bytes, ...],
        root: int,
        sequence: int,
        inline: Page | None,
        enclosing: tuple[int, ...] = (),
    ) -> None:
        self.db = db
        self.path = path
        self.root = root
        self.sequence = sequence
        self._inline = inline
        #: Root pages of the buckets this one is nested in: none may come back.
        self.enclosing = enclosing

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

    def entries(
        self, start: bytes | None = None, budget: Budget | None = None
    ) -> Iterator[Entry]:
        """Every key in bbolt order, from the first key >= ``start`` if given.

        Walks that open sub-buckets too can share one ``budget`` (see ``pages``).
        """
        for page, first in self.leaves(start, budget):
            data = page.data
            for flags, ks, ke, vs, ve in page.leaf_records()[first:]:
                yield Entry(data[ks:ke], data[vs:ve], bool(flags & BUCKET_LEAF_FLAG))

    def entries_reversed(self, before: bytes | None = None) -> Iterator[Entry]:
        """Keys strictly less than ``before`` (every key when None), last first."""
        return entries_before(self, before)

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
                where = show_path(names[: depth + 1])
                what = "is a key, not a bucket" if entry else "does not exist"
                raise NotFoundError(f"bucket {where} {what}")
            bucket = bucket.child(entry)
        return bucket

    def buckets(self, *, limit_nesting: bool = True) -> Iterator[Bucket]:
        """The sub-buckets of this bucket, in key order (``limit_nesting``: see ``child``).

        A name that is not after the one before is corruption, and refused: a
        page repeating one sub-bucket k times makes a recursive walk repeat
        everything below it k times per level.
        """
        previous = None
        for entry in self.entries():
            if entry.is_bucket:
                if previous is not None and entry.key <= previous:
                    raise PageError(
                        self.root, f"bucket {show_path(self.path)}: sub-bucket "
                        f"{show_path((entry.key,))} is out of order (a corrupt page)"
                    )  # fmt: skip
                previous = entry.key
                yield self.child(entry, limit_nesting=limit_nesting)

    def child(self, entry: Entry, *, limit_nesting: bool = True) -> Bucket:
        """Open the sub-bucket that ``entry`` (a bucket entry of this bucket) describes.

        ``limit_nesting`` off: for a walker that keeps no stack per level.

        Two sub-buckets with one root page are refused (the second one opened),
        as is a sub-bucket whose root encloses it (a cycle).  bbolt never writes a sub-bucket inside an inline bucket (a bucket with
        sub-buckets is not inlineable), so one found there is corruption; read
        as it says, a few overlapping elements would nest fanout ** depth
        inline buckets in one page.
        """
        if self._inline is not None:
            raise PageError(
                0, f"inline bucket {show_path(self.path)} holds a sub-bucket "
                f"{show_path((entry.key,))}, which bbolt never writes (corrupt)"
            )  # fmt: skip
        enclosing = self.enclosing + ((self.root,) if self.root else ())
        child = open_bucket(self.db, self.path + (entry.key,), entry.value, enclosing,
                            limit_nesting=limit_nesting)  # fmt: skip
        if child.root:
            # Two buckets sharing a tree would make every walk that opens
            # sub-buckets repeat it, fanout ** depth times down a chain.
            owner = self.db.bucket_roots.setdefault(child.root, child.path)
            if owner != child.path:
                raise PageError(
                    child.root, f"is the root of bucket {show_path(owner)} and of bucket "
                    f"{show_path(child.path)} (a corrupt tree)"
                )  # fmt: skip
        return child

    # -- the tree walk -------------------------------------------------------

    def leaves(
        self, start: bytes | None = None, budget: Budget | None = None, *, glimpse: bool = False
    ) -> Iterator[tuple[Page, int]]:
        """Leaf pages in key order, each with the index of its first wanted element
        (``glimpse``: long leaves as heads, see :func:`~boltview.bolt.cursor.glimpses`)."""
        budget = budget or Budget(self.db)
        return leaves(self.db, self.walk_root(budget, glimpse), start, (), budget, glimpse)

    def pages(self, budget: Budget | None = None) -> Iterator[tuple[Page, int]]:
        """Every page of this bucket's own tree with its depth (bbolt's forEachPage).

        Walks of several buckets can share one ``budget``, so that sub-buckets
        sharing a tree cannot multiply the work either.
        """
        budget = budget or Budget(self.db)
        return pages(self.db, self.walk_root(budget), 0, (), budget)

    def walk_root(self, budget: Budget, glimpse: bool = False) -> Page:
        """The root page, as the first page a walk spends (``glimpse``: see ``tree_page``)."""
        if self._inline is not None:
            return self._inline
        budget.spend(self.root)
        return tree_page(self.db, self.root, glimpse)


def open_bucket(
    db: BoltFile,
    path: tuple[bytes, ...],
    header: bytes,
    enclosing: tuple[int, ...] = (),
    *,
    limit_nesting: bool = True,
) -> Bucket:
    """A bucket from the value its parent stores: ``root u64 | sequence u64`` (+ inline page).

    ``enclosing`` are the root pages of the buckets above it: a bucket whose
    root is one of them contains itself, and is refused as a cycle.  A walker
    that keeps no stack per level (check's) opens any depth: ``limit_nesting``
    off.
    """
    if limit_nesting and len(path) > MAX_NESTING:
        raise PageError(
            0, f"buckets nested deeper than {MAX_NESTING} levels, below {show_path(path[:4])}"
        )
    if len(header) < BUCKET_HEADER_SIZE:
        raise PageError(0, f"bucket {show_path(path)}: header of {len(header)} bytes, want 16")
    root, sequence = db.layout.fast_bucket_header.unpack_from(header)
    inline = None
    if root == 0:
        body = header[BUCKET_HEADER_SIZE:]
        if len(body) < PAGE_HEADER_SIZE:
            raise PageError(0, f"inline bucket {show_path(path)} has no page header")
        inline = Page(0, body, db.layout)
    elif root in enclosing:
        raise PageError(
            root, f"reference cycle: bucket {show_path(path)} contains itself "
            f"(page {root} is the root of a bucket it is nested in)"
        )  # fmt: skip
    return Bucket(db, path, root, sequence, inline, enclosing)
