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
A browser's window may be a *glimpse*: a leaf whose values fill a long
overflow run (a bucket of 1 MiB values) is then not read whole, only its
element array, its keys and the first :data:`PREVIEW` bytes of each value, so
that a window of 200 such keys reads 200 small pieces, not 200 MiB.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boltview.bolt.layout import (
    BUCKET_HEADER_SIZE,
    BUCKET_LEAF_FLAG,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    PAGE_HEADER_SIZE,
)
from boltview.bolt.page import Page
from boltview.errors import PageError

if TYPE_CHECKING:
    from boltview.bolt.bucket import Bucket
    from boltview.bolt.file import BoltFile

#: Deeper than any real tree (bbolt trees of billions of keys stay under 10).
MAX_DEPTH = 64

#: Keys per window: enough to fill a tall terminal, cheap to read.
WINDOW = 200

#: A leaf page whose run is longer than this is glimpsed, when a glimpse is asked for.
GLIMPSE_RUN = 64 << 10

#: Bytes of each value a glimpse keeps: what a label reads (a sub-bucket's header is kept whole).
PREVIEW = 4096


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

    @property
    def size(self) -> int:
        """The value's length in bytes."""
        return len(self.value)


@dataclass(frozen=True, slots=True)
class Glimpse(Entry):
    """A key with only the first :data:`PREVIEW` bytes of its value, and the value's length."""

    length: int

    @property
    def size(self) -> int:
        return self.length


def child_page(
    db: BoltFile, pgid: int, ancestors: tuple[int, ...], budget: Budget, glimpse: bool = False
) -> Page:
    """Page ``pgid`` as the child of the pages in ``ancestors``, with every check a walk needs.

    It must be a branch or leaf page, not one of its own ancestors (a cycle),
    not deeper than any real tree, and within the walk's page budget.  With
    ``glimpse``, a leaf with a long overflow run is read without it (see
    :func:`tree_page`).
    """
    budget.spend(pgid)
    if pgid in ancestors:
        raise PageError(pgid, f"reference cycle: page {ancestors[-1]} points back to it")
    if len(ancestors) >= MAX_DEPTH:
        raise PageError(pgid, f"tree deeper than {MAX_DEPTH} levels")
    page = tree_page(db, pgid, glimpse)
    if not (page.is_branch or page.is_leaf):
        raise PageError(pgid, f"expected a branch or leaf page, found {page.type}")
    return page


def tree_page(db: BoltFile, pgid: int, glimpse: bool) -> Page:
    """Page ``pgid``; with ``glimpse``, a leaf whose run is longer than :data:`GLIMPSE_RUN`
    as its head only (``BoltFile.page_head``): its entries are then read by :func:`glimpses`."""
    header = db.page_header(pgid) if glimpse else None
    if header is not None and header[0] == pgid and header[1] & LEAF_PAGE:
        _, _, _, overflow = header
        if (overflow + 1) * db.page_size > GLIMPSE_RUN:
            return db.page_head(pgid)
    return db.page(pgid)


def is_head(page: Page) -> bool:
    """Whether ``page`` is a leaf read without its overflow run (its values lie beyond it)."""
    reach = page.reach() if page.overflow else None
    return reach is not None and reach > len(page.data)


def glimpses(db: BoltFile, page: Page, first: int = 0, end: int | None = None) -> list[Entry]:
    """The entries of leaf ``page`` from element ``first`` to ``end``: read whole when the
    page was, else each as a :class:`Glimpse`, one ``pread`` per key."""
    if not is_head(page):
        return list(page_entries(page, first, end))
    count = page.count
    if PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE > len(page.data):
        raise PageError(page.pgid, f"{count} elements do not fit in {len(page.data)} bytes")
    raw = db.layout.fast_elements(count).unpack_from(page.data, PAGE_HEADER_SIZE)
    run = (page.overflow + 1) * db.page_size
    offset = page.pgid * db.page_size
    found: list[Entry] = []
    for index in range(first, count if end is None else min(end, count)):
        flags, pos, ksize, vsize = raw[4 * index : 4 * index + 4]
        start = PAGE_HEADER_SIZE + index * LEAF_ELEMENT_SIZE + pos
        if start + ksize + vsize > run:
            raise PageError(
                page.pgid,
                f"element {index} runs past the end of the page ({start + ksize + vsize} > {run})",
            )
        is_bucket = bool(flags & BUCKET_LEAF_FLAG)
        wanted = ksize + (vsize if is_bucket else min(vsize, PREVIEW))
        data = db.source.read(offset + start, wanted)
        if len(data) < wanted:
            raise PageError(page.pgid, f"element {index} runs past the end of the file")
        found.append(Glimpse(data[:ksize], data[ksize:], is_bucket, vsize))
    return found


def _not_a_tree_page(page: Page) -> PageError:
    return PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")


# -- forward ------------------------------------------------------------------------------


def leaves(
    db: BoltFile,
    page: Page,
    start: bytes | None,
    ancestors: tuple[int, ...],
    budget: Budget,
    glimpse: bool = False,
) -> Iterator[tuple[Page, int]]:
    """Leaf pages below ``page`` in key order, each with the index of its first wanted element.

    With ``start``, the walk seeks (bbolt's ``Cursor.Seek``): it goes down to
    the leaf that holds the first key >= ``start`` and goes on from there.
    With ``glimpse``, long leaves come as heads (read them with :func:`glimpses`).
    """
    if page.is_leaf:
        first = 0
        if start is not None:
            first = bisect_left(leaf_keys(db, page), start)
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
        child = child_page(db, records[position][2], trail, budget, glimpse)
        wanted = start if position == index else None
        yield from leaves(db, child, wanted, trail, budget, glimpse)


def readable_leaves(bucket: Bucket, unreadable: Callable[[PageError], None]) -> Iterator[Page]:
    """Every leaf page of ``bucket`` that can be read, in key order.  A page that cannot
    (and with it what is below it) is told to ``unreadable`` and the walk goes on with
    the next one, where :meth:`Bucket.leaves`, as bbolt, stops.  A spent budget (a
    corrupt tree that would be walked without end) stops it too, after saying so."""
    db = bucket.db
    budget = Budget(db)
    try:
        yield from _readable(db, bucket.walk_root(budget), (), budget, unreadable)
    except _Spent:
        return
    except PageError as error:  # the root itself
        unreadable(error)


class _Spent(Exception):
    """The walk's budget is spent: nothing more can be read."""


def _readable(
    db: BoltFile, page: Page, ancestors: tuple[int, ...], budget: Budget,
    unreadable: Callable[[PageError], None],
) -> Iterator[Page]:  # fmt: skip
    if page.is_leaf:
        yield page
        return
    if not page.is_branch:
        unreadable(_not_a_tree_page(page))
        return
    trail = ancestors + (page.pgid,)
    try:
        records = page.branch_records()
    except PageError as error:
        unreadable(error)
        return
    for _, _, pgid in records:
        try:
            child = child_page(db, pgid, trail, budget)
        except PageError as error:
            unreadable(error)
            if budget.left < 0:
                raise _Spent from None
            continue
        yield from _readable(db, child, trail, budget, unreadable)


def leaf_keys(db: BoltFile, page: Page) -> list[bytes]:
    """The keys of leaf ``page`` (a head's too), in order."""
    if is_head(page):
        return [entry.key for entry in glimpses(db, page)]
    data = page.data
    return [data[ks:ke] for _, ks, ke, _, _ in page.leaf_records()]


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


def entries_before(
    bucket: Bucket, before: bytes | None, glimpse: bool = False
) -> Iterator[Entry]:
    """Keys strictly less than ``before`` (all keys when None), last first (bbolt's ``Prev``).

    With ``glimpse``, the entries of long leaves are :class:`Glimpse` entries.
    """
    db = bucket.db
    budget = Budget(db)
    root = bucket.walk_root(budget, glimpse)
    for page, end in leaves_reversed(db, root, before, (), budget, glimpse):
        if glimpse:
            yield from reversed(glimpses(db, page, 0, end))
            continue
        data = page.data
        records = page.leaf_records()
        for flags, ks, ke, vs, ve in reversed(records[:end]):
            yield Entry(data[ks:ke], data[vs:ve], bool(flags & BUCKET_LEAF_FLAG))


def entries_after(bucket: Bucket, start: bytes | None, glimpse: bool = False) -> Iterator[Entry]:
    """Keys from the first >= ``start`` on (all keys when None), as ``Bucket.entries``;
    with ``glimpse``, the entries of long leaves are :class:`Glimpse` entries."""
    if not glimpse:
        yield from bucket.entries(start)
        return
    for page, first in bucket.leaves(start, glimpse=True):
        yield from glimpses(bucket.db, page, first)


def leaves_reversed(
    db: BoltFile,
    page: Page,
    before: bytes | None,
    ancestors: tuple[int, ...],
    budget: Budget,
    glimpse: bool = False,
) -> Iterator[tuple[Page, int]]:
    """Leaf pages from the right, each with how many of its elements are wanted."""
    if page.is_leaf:
        end = page.count
        if before is not None:
            end = bisect_left(leaf_keys(db, page), before)
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
        child = child_page(db, branches[position][2], trail, budget, glimpse)
        wanted = before if position == index else None
        yield from leaves_reversed(db, child, wanted, trail, budget, glimpse)


# -- windows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Some consecutive keys of a bucket, and whether more lie beyond each edge."""

    entries: list[Entry]
    more_before: bool
    more_after: bool


def window_after(
    bucket: Bucket, after: bytes | None, size: int = WINDOW, glimpse: bool = False
) -> Window:
    """Up to ``size`` keys following ``after`` (from the first key when None)."""
    entries: list[Entry] = []
    more = False
    for entry in entries_after(bucket, after, glimpse):
        if after is not None and entry.key == after:
            continue
        if len(entries) == size:
            more = True
            break
        entries.append(entry)
    return Window(entries, after is not None, more)


def window_at(
    bucket: Bucket, start: bytes, size: int = WINDOW, glimpse: bool = False
) -> Window:
    """Up to ``size`` keys from ``start`` on (inclusive); says if keys precede it."""
    entries: list[Entry] = []
    more = False
    for entry in entries_after(bucket, start, glimpse):
        if len(entries) == size:
            more = True
            break
        entries.append(entry)
    before = next(entries_before(bucket, start, glimpse), None) is not None
    return Window(entries, before, more)


def window_before(
    bucket: Bucket, before: bytes | None, size: int = WINDOW, glimpse: bool = False
) -> Window:
    """Up to ``size`` keys just before ``before`` (the last keys when None), in order."""
    entries: list[Entry] = []
    more = False
    for entry in entries_before(bucket, before, glimpse):
        if len(entries) == size:
            more = True
            break
        entries.append(entry)
    entries.reverse()
    return Window(entries, more, before is not None)


def window(bucket: Bucket, mode: str, key: bytes | None, glimpse: bool = False) -> Window:
    """The window a browser asks for by ``mode``.

    ``first``: the first keys; ``last``: the last ones; ``after`` or ``before``
    ``key``: the next or previous page of keys; ``at`` ``key``: the keys around
    it, a quarter of the window before it, so that the key is in view.  With
    ``glimpse``, keys of long leaves come as :class:`Glimpse` entries.
    """
    if mode == "last":
        return window_before(bucket, None, glimpse=glimpse)
    if mode == "before":
        return window_before(bucket, key, glimpse=glimpse)
    if mode == "at" and key is not None:
        before = window_before(bucket, key, WINDOW // 4, glimpse)
        at = window_at(bucket, key, WINDOW - len(before.entries), glimpse)
        return Window(before.entries + at.entries, before.more_before, at.more_after)
    return window_after(bucket, key if mode == "after" else None, glimpse=glimpse)
