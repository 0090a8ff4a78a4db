"""The cursor: walks over a bucket's B+tree, forward and backward.

As bbolt's ``cursor.go``, this is where a bucket's tree is traversed: seek
down to the leaf that holds (or would hold) a key, then step from leaf to
leaf, forward (``Next``) or backward (``Prev``).  A walk holds only the pages
on its current root-to-leaf path, so memory stays bounded by the tree's depth.

A walk never trusts a pointer.  Every child page gets the same checks
(:func:`child_page`): it must be a branch or leaf page, not one of its own
ancestors (a cycle), not deeper than any real tree, and within the walk's
page :class:`Budget`, so a corrupt file whose trees share pages cannot make a
walk visit more pages than the file holds.

Windows (:func:`window_after`, :func:`window_at`, :func:`window_before`) are
a few consecutive keys on either side of a key: what a lazy browser shows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boltview.bolt.layout import BUCKET_HEADER_SIZE, BUCKET_LEAF_FLAG
from boltview.bolt.page import Page
from boltview.errors import PageError

if TYPE_CHECKING:
    from boltview.bolt.bucket import Bucket
    from boltview.bolt.file import BoltFile

#: Deeper than any real tree (bbolt trees of billions of keys stay under 10).
MAX_DEPTH = 64

#: Keys per window: enough to fill a tall terminal, cheap to read.
WINDOW = 200


class Budget:
    """The pages one walk may still visit.

    A sound tree holds each page once, so a walk that visits more pages than
    the file has is being led around a shared subtree of a corrupt file (a
    chain of branch pages whose children are all the next one turns n pages
    into fanout ** n visits): it stops with a PageError instead.
    """

    __slots__ = ("db", "left", "pages")

    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self.pages = db.size // db.page_size
        self.left = self.pages + 1

    def spend(self, pgid: int) -> None:
        self.left -= 1
        if self.left < 0 and not self._grown():
            raise PageError(
                pgid, "the walk visited more pages than the file holds: pages are "
                "referenced more than once (a corrupt tree)"
            )  # fmt: skip

    def _grown(self) -> bool:
        """Whether the file has more pages now: a live file grows as its writer commits,
        and the transaction being read may be newer than the size first looked at."""
        pages = self.db.source.refresh_size() // self.db.page_size
        self.left += pages - self.pages
        self.pages = pages
        return self.left >= 0


@dataclass(frozen=True, slots=True)
class Entry:
    """One key of a bucket.  For a sub-bucket, ``value`` is its bucket header."""

    key: bytes
    value: bytes
    is_bucket: bool

    @property
    def is_inline_bucket(self) -> bool:
        """A sub-bucket stored in this value: a whole bucket header whose root pgid is 0."""
        value = self.value
        return self.is_bucket and len(value) >= BUCKET_HEADER_SIZE and not any(value[:8])


def child_page(db: BoltFile, pgid: int, ancestors: tuple[int, ...], budget: Budget) -> Page:
    """Page ``pgid`` as the child of the pages in ``ancestors``, with every check a walk needs.

    It must be a branch or leaf page, not one of its own ancestors (a cycle),
    not deeper than any real tree, and within the walk's page budget.
    """
    budget.spend(pgid)
    if pgid in ancestors:
        raise PageError(pgid, f"reference cycle: page {ancestors[-1]} points back to it")
    if len(ancestors) >= MAX_DEPTH:
        raise PageError(pgid, f"tree deeper than {MAX_DEPTH} levels")
    page = db.page(pgid)
    if not (page.is_branch or page.is_leaf):
        raise PageError(pgid, f"expected a branch or leaf page, found {page.type}")
    return page


def _not_a_tree_page(page: Page) -> PageError:
    return PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")


# -- forward ------------------------------------------------------------------------------


def leaves(
    db: BoltFile, page: Page, start: bytes | None, ancestors: tuple[int, ...], budget: Budget
) -> Iterator[tuple[Page, int]]:
    """Leaf pages below ``page`` in key order, each with the index of its first wanted element.

    With ``start``, the walk seeks (bbolt's ``Cursor.Seek``): it goes down to
    the leaf that holds the first key >= ``start`` and goes on from there.
    """
    if page.is_leaf:
        first = 0
        if start is not None:
            data = page.data
            keys = [data[ks:ke] for _, ks, ke, _, _ in page.leaf_records()]
            first = bisect_left(keys, start)
        yield page, first
        return
    if not page.is_branch:
        raise _not_a_tree_page(page)
    records = page.branch_records()
    index = 0
    if start is not None and records:
        data = page.data
        keys = [data[ks:ke] for ks, ke, _ in records]
        # The last child whose first key is <= start holds start, if anything does.
        index = max(bisect_right(keys, start) - 1, 0)
    trail = ancestors + (page.pgid,)
    for position in range(index, len(records)):
        child = child_page(db, records[position][2], trail, budget)
        yield from leaves(db, child, start if position == index else None, trail, budget)


def pages(
    db: BoltFile, page: Page, depth: int, ancestors: tuple[int, ...], budget: Budget
) -> Iterator[tuple[Page, int]]:
    """Every page of the tree below ``page`` with its depth, parents first (bbolt's forEachPage)."""
    yield page, depth
    if page.is_branch:
        trail = ancestors + (page.pgid,)
        for _, _, child in page.branch_records():
            yield from pages(db, child_page(db, child, trail, budget), depth + 1, trail, budget)


def leaf_entries(
    bucket: Bucket, budget: Budget | None = None
) -> Iterator[tuple[Page, Iterator[Entry]]]:
    """Each leaf page of ``bucket`` in key order, with its entries.

    A page's entries are read when they are iterated, so a caller can look at
    the page first (and a page that cannot be read raises only then).
    """
    for page, _ in bucket.leaves(budget=budget):
        yield page, page_entries(page)


def page_entries(page: Page, first: int = 0, end: int | None = None) -> Iterator[Entry]:
    """The entries of a leaf page, from element ``first`` up to (not including) ``end``."""
    data = page.data
    for flags, ks, ke, vs, ve in page.leaf_records()[first:end]:
        yield Entry(data[ks:ke], data[vs:ve], bool(flags & BUCKET_LEAF_FLAG))


# -- backward -----------------------------------------------------------------------------


def entries_before(bucket: Bucket, before: bytes | None) -> Iterator[Entry]:
    """Keys strictly less than ``before`` (all keys when None), last first (bbolt's ``Prev``)."""
    budget = Budget(bucket.db)
    for page, end in leaves_reversed(bucket.db, bucket.root_page(), before, (), budget):
        data = page.data
        records = page.leaf_records()
        for flags, ks, ke, vs, ve in reversed(records[:end]):
            yield Entry(data[ks:ke], data[vs:ve], bool(flags & BUCKET_LEAF_FLAG))


def leaves_reversed(
    db: BoltFile, page: Page, before: bytes | None, ancestors: tuple[int, ...], budget: Budget
) -> Iterator[tuple[Page, int]]:
    """Leaf pages from the right, each with how many of its elements are wanted."""
    if page.is_leaf:
        records = page.leaf_records()
        end = len(records)
        if before is not None:
            data = page.data
            end = bisect_left([data[ks:ke] for _, ks, ke, _, _ in records], before)
        yield page, end
        return
    if not page.is_branch:
        raise _not_a_tree_page(page)
    branches = page.branch_records()
    index = len(branches) - 1
    if before is not None and branches:
        data = page.data
        keys = [data[ks:ke] for ks, ke, _ in branches]
        # Children whose first key is below ``before`` may hold wanted keys.
        index = max(bisect_left(keys, before) - 1, 0)
    trail = ancestors + (page.pgid,)
    for position in range(index, -1, -1):
        child = child_page(db, branches[position][2], trail, budget)
        yield from leaves_reversed(db, child, before if position == index else None, trail, budget)


# -- windows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Some consecutive keys of a bucket, and whether more lie beyond each edge."""

    entries: list[Entry]
    more_before: bool
    more_after: bool


def window_after(bucket: Bucket, after: bytes | None, size: int = WINDOW) -> Window:
    """Up to ``size`` keys following ``after`` (from the first key when None)."""
    entries: list[Entry] = []
    more = False
    for entry in bucket.entries(after):
        if after is not None and entry.key == after:
            continue
        if len(entries) == size:
            more = True
            break
        entries.append(entry)
    return Window(entries, after is not None, more)


def window_at(bucket: Bucket, start: bytes, size: int = WINDOW) -> Window:
    """Up to ``size`` keys from ``start`` on (inclusive); says if keys precede it."""
    entries: list[Entry] = []
    more = False
    for entry in bucket.entries(start):
        if len(entries) == size:
            more = True
            break
        entries.append(entry)
    before = next(entries_before(bucket, start), None) is not None
    return Window(entries, before, more)


def window_before(bucket: Bucket, before: bytes | None, size: int = WINDOW) -> Window:
    """Up to ``size`` keys just before ``before`` (the last keys when None), in order."""
    entries: list[Entry] = []
    more = False
    for entry in entries_before(bucket, before):
        if len(entries) == size:
            more = True
            break
        entries.append(entry)
    entries.reverse()
    return Window(entries, more, before is not None)


def window(bucket: Bucket, mode: str, key: bytes | None) -> Window:
    """The window a browser asks for by ``mode``.

    ``first``: the first keys; ``last``: the last ones; ``after`` or ``before``
    ``key``: the next or previous page of keys; ``at`` ``key``: the keys around
    it, a quarter of the window before it, so that the key is in view.
    """
    if mode == "last":
        return window_before(bucket, None)
    if mode == "before":
        return window_before(bucket, key)
    if mode == "at" and key is not None:
        before = window_before(bucket, key, WINDOW // 4)
        at = window_at(bucket, key, WINDOW - len(before.entries))
        return Window(before.entries + at.entries, before.more_before, at.more_after)
    return window_after(bucket, key if mode == "after" else None)
