"""Recovery of deleted records from the pages a bolt file no longer uses.

bbolt never changes a page in place: a commit writes new copies of every page
it touches and frees the old ones.  A freed page keeps its bytes until a later
transaction reuses it, so free pages (and pages past the high-water mark, and
the previous transaction's tree) often still hold whole leaf pages of keys
that were deleted or overwritten since.

:func:`recover` scans those pages and rebuilds what they hold:

- which pages are scanned: the freelist's ids (for a NoFreelistSync file, every
  page the tree does not reach, as bbolt itself rebuilds it), pages in
  ``[2, high-water mark)`` that are neither reachable nor free (leaked), pages
  from the high-water mark to the end of the file, and the pages of the other
  meta's tree that the active tree does not share;
- every scanned page is parsed defensively: its header must be a leaf or a
  branch, its element array must fit, each element must point inside the bytes
  that are really this page's (an overflow run stops at the first page that is
  in use or holds a newer page of its own), keys must be ascending and their
  data must not overlap.  A page whose header id is not its position is a stale
  copy and is said to be one;
- each element of a leaf page is a :class:`Record` (an inline bucket's
  elements too), with the pages its bytes lie in and how sure it is:
  ``certain`` (a whole, well-formed page), ``likely`` (well-formed, but a stale
  copy) or ``fragment`` (the valid elements of a damaged or partly reused
  page);
- the bucket a record belonged to is found by following pointers: every
  readable page, free ones included, says which pages are its children, so a
  leaf page of a deleted bucket is attributed through the stale copies of its
  parents, up to a page of the previous meta's tree (exact) or to a page that
  looks like an older root page.  Attribution through stale pages is
  ``likely``: a page may have been reused since the parent that names it was
  written;
- each attributed record is compared with the live tree: ``deleted`` (its key,
  or its whole bucket, is gone), ``older-version`` (the key is live with
  another value) or ``live-copy`` (an identical old copy, nothing lost).

Nothing is invented: a record is reported only when its key and value bytes
are in the file, inside the page that claims them.  The engine knows nothing
of containerd; :mod:`boltview.containerd.recovered` puts records back in
containerd's terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, TypeVar

from boltview.bolt.bucket import Bucket, Entry
from boltview.bolt.check import free_page_ids
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import (
    BRANCH_ELEMENT_SIZE,
    BRANCH_PAGE,
    BUCKET_HEADER_SIZE,
    BUCKET_LEAF_FLAG,
    FREELIST_PAGE,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    MAGIC,
    MAX_KEY_SIZE,
    MAX_VALUE_SIZE,
    META_PAGE,
    PAGE_HEADER_SIZE,
    Layout,
)
from boltview.bolt.page import Page
from boltview.bolt.path import BucketPath
from boltview.errors import BoltviewError, NotFoundError
from boltview.provenance import provenance
from boltview.render.json import bytes_field, path_field
from boltview.render.text import show_bytes, show_path

Path = BucketPath
_T = TypeVar("_T")

# Why a page was scanned.
FREE: Final = "free"
"""On the freelist (or, for a NoFreelistSync file, not reachable: bbolt counts those free)."""
UNREACHABLE: Final = "unreachable"
"""Below the high-water mark, neither reachable nor on the freelist (a leaked page)."""
PAST_HWM: Final = "past-high-water-mark"
"""At or above the high-water mark: pages the active meta says do not exist."""
PREVIOUS: Final = "previous-meta"
"""In the other meta's tree and not shared with the active tree."""

# How sure a record is.
CERTAIN: Final = "certain"
LIKELY: Final = "likely"
FRAGMENT: Final = "fragment"
CONFIDENCES: Final = (CERTAIN, LIKELY, FRAGMENT)

# A record against the live tree.
DELETED: Final = "deleted"
OLDER: Final = "older-version"
LIVE_COPY: Final = "live-copy"
UNATTRIBUTED: Final = "unattributed"
UNKNOWN: Final = "unknown"
STATUSES: Final = (DELETED, OLDER, LIVE_COPY, UNATTRIBUTED, UNKNOWN)

# How a record's bucket is known.
EXACT: Final = "exact"
"""From the walk of the previous meta's tree."""
INFERRED: Final = "likely"
"""Through stale copies of parent pages."""

# What a scanned page turned out to be.
KIND_LEAF: Final = "leaf"
KIND_BRANCH: Final = "branch"
KIND_EMPTY: Final = "empty"
KIND_OVERFLOW: Final = "overflow"
KIND_FREELIST: Final = "freelist"
KIND_META: Final = "meta"
KIND_UNRECOGNIZED: Final = "unrecognized"

#: Inline buckets cannot hold buckets in bbolt; deeper nesting is damage.
_MAX_INLINE_DEPTH = 4
_ZERO_HEADER = bytes(PAGE_HEADER_SIZE)
#: A page run (a page and its overflow) is read whole up to this size; the rest of a
#: longer run is left out (its elements become fragments), so memory stays bounded.
_MAX_RUN_BYTES = 64 << 20


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One place a record's bytes were found."""

    pgid: int
    """The page (first page of its run) whose element describes the record."""
    pages: tuple[int, ...]
    """Every page the key and value bytes lie in."""
    offset: int
    """Offset of the key from the start of page ``pgid``."""
    inline: Path
    """Keys of the inline buckets, from the page down, that hold the record (usually empty)."""
    origins: tuple[str, ...]
    confidence: str


@dataclass(slots=True, eq=False)
class Record:
    """A key and its value (or bucket header) found outside the live tree."""

    key: bytes
    value: bytes
    is_bucket: bool
    bucket: Path | None
    """The bucket the record belonged to, when it can be told."""
    attribution: str | None
    """``exact`` or ``likely``; None when the bucket is unknown."""
    attribution_via: tuple[int, ...]
    """The pages, from the top, whose pointers led to the record's page."""
    status: str = UNATTRIBUTED
    status_note: str = ""
    confidence: str = FRAGMENT
    sources: list[Source] = field(default_factory=list)
    bucket_suffix: Path = ()
    """When ``bucket`` is unknown: the end of its path, as far as stale parents tell."""
    bucket_root: int | None = None
    """For a bucket record: the root page of the bucket (0: inline, its page follows)."""
    bucket_sequence: int | None = None

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({p for s in self.sources for p in s.pages}))

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(sorted({o for s in self.sources for o in s.origins}))

    @property
    def is_inline_bucket(self) -> bool:
        return self.is_bucket and self.bucket_root == 0


@dataclass(slots=True, eq=False)
class BucketCopy:
    """One old copy of one bucket's contents: a page tree found outside the live tree.

    Pages linked by branch pointers form one copy; an inline bucket found in
    a record is a copy of its own (``inline`` names it from the page down).
    Copies keep versions apart: two old copies of the same bucket are two
    copies, never merged.
    """

    root: int
    inline: Path
    bucket: Path | None
    attribution: str | None
    attribution_via: tuple[int, ...]
    pages: set[int] = field(default_factory=set)
    confidence: str = CERTAIN
    records: list[Record] = field(default_factory=list)
    """The records of this copy, in key order within each page."""
    complete: bool = False
    """Every page of the copy's tree was found whole: a key it lacks was never there."""
    suffix: Path = ()
    """When ``bucket`` is unknown: the last names of its path that stale parents still give."""
    _members: set[int] = field(default_factory=set, repr=False)

    def holds(self, record: Record) -> bool:
        return id(record) in self._members

    def add(self, record: Record) -> None:
        if id(record) not in self._members:
            self._members.add(id(record))
            self.records.append(record)

    @property
    def id(self) -> str:
        where = f"page {self.root}"
        if self.inline:
            where += " > " + " > ".join(show_bytes(k) for k in self.inline)
        return where

    def entries(self) -> dict[bytes, Record]:
        return {r.key: r for r in self.records}


@dataclass(slots=True)
class ScannedPage:
    """A page recovery looked at, and what it found there."""

    pgid: int
    origins: tuple[str, ...]
    kind: str
    header_id: int = 0
    flags: int = 0
    count: int = 0
    overflow: int = 0
    confidence: str | None = None
    problems: list[str] = field(default_factory=list)
    """What is wrong with the page (a damaged or cut page, a stale copy)."""
    notes: list[str] = field(default_factory=list)
    """How its bucket was told, or why it could not be."""
    records: int = 0
    covered_by: int | None = None
    """For an overflow page: the page whose run it belongs to."""
    bucket: Path | None = None
    attribution: str | None = None
    run: int = 1
    """How many pages of its run were usable."""


@dataclass(slots=True)
class Recovery:
    """Everything :func:`recover` found in one file."""

    db: BoltFile
    pages: list[ScannedPage]
    records: list[Record]
    copies: list[BucketCopy]
    free: list[int]
    unreachable: list[int]
    previous_only: list[int]
    past_high_water_mark: int
    """How many pages lie at or above the high-water mark."""
    empty_past_high_water_mark: int
    notes: list[str]
    _by_root: dict[tuple[int, Path], BucketCopy] | None = field(default=None, repr=False)

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in STATUSES}
        for record in self.records:
            out[record.status] = out.get(record.status, 0) + 1
        return out

    def by_status(self, *statuses: str) -> list[Record]:
        return [r for r in self.records if r.status in statuses]

    def copy(self, root: int, inline: Path = ()) -> BucketCopy | None:
        if self._by_root is None:
            self._by_root = {(c.root, c.inline): c for c in self.copies}
        return self._by_root.get((root, inline))

    def child_copy(self, copy: BucketCopy, record: Record) -> BucketCopy | None:
        """The copy of the sub-bucket that ``record`` (a bucket record of ``copy``) names.

        An inline sub-bucket is inside the record itself.  A sub-bucket with its
        own pages is the copy rooted at the page the record points to, when that
        page was found outside the live tree and nothing attributes it elsewhere.
        """
        if not record.is_bucket or not copy.holds(record):
            return None
        if record.bucket_root == 0:
            return self.copy(copy.root, copy.inline + (record.key,))
        if record.bucket_root is None:
            return None
        child = self.copy(record.bucket_root)
        if child is None:
            return None
        named = copy.bucket + (record.key,) if copy.bucket is not None else None
        if child.bucket is not None and named is not None and child.bucket != named:
            return None
        return child


# -- walking the trees ---------------------------------------------------------------------


@dataclass(slots=True)
class _Tree:
    """One meta's tree as far as it can be read: page -> bucket path, and reach."""

    paths: dict[int, Path] = field(default_factory=dict)
    reach: set[int] = field(default_factory=set)
    root_keys: set[bytes] = field(default_factory=set)
    ranges: dict[Path, tuple[bytes, bytes]] = field(default_factory=dict)
    """Each bucket's smallest and largest key (inline buckets too)."""
    notes: list[str] = field(default_factory=list)

    def widen(self, path: Path, low: bytes, high: bytes) -> None:
        known = self.ranges.get(path)
        if known is None:
            self.ranges[path] = (low, high)
        elif low < known[0] or high > known[1]:
            self.ranges[path] = (min(low, known[0]), max(high, known[1]))


def _walk_tree(db: BoltFile, root: int, npages: int, what: str) -> _Tree:
    """Every page a tree reaches (overflow included), never raising, each page once."""
    tree = _Tree()
    stack: list[tuple[int, Path]] = [(root, ())]
    while stack:
        pgid, path = stack.pop()
        if pgid in tree.paths or pgid in (0, 1) or not 0 <= pgid < npages:
            if not 0 <= pgid < npages:
                tree.notes.append(f"{what}: {show_path(path)} points at page {pgid}, past the file")
            continue
        try:
            page = db.raw_page(pgid)
        except BoltviewError as error:
            tree.notes.append(f"{what}: {error}")
            continue
        tree.paths[pgid] = path
        tree.reach.update(range(pgid, min(pgid + page.overflow + 1, npages)))
        try:
            if page.is_branch:
                for _, _, child in page.branch_records():
                    stack.append((child, path))
            elif page.is_leaf:
                data = page.data
                records = page.leaf_records()
                if records:
                    tree.widen(path, data[records[0][1]:records[0][2]],
                               data[records[-1][1]:records[-1][2]])  # fmt: skip
                for flags, ks, ke, vs, ve in records:
                    if not path:
                        tree.root_keys.add(data[ks:ke])
                    if flags & BUCKET_LEAF_FLAG and ve - vs >= BUCKET_HEADER_SIZE:
                        child_root, _ = db.layout.fast_bucket_header.unpack_from(data, vs)
                        if child_root:
                            stack.append((child_root, path + (data[ks:ke],)))
                        elif ve - vs >= BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE:
                            _inline_range(tree, db, path + (data[ks:ke],),
                                          data[vs + BUCKET_HEADER_SIZE : ve])  # fmt: skip
            else:
                tree.notes.append(f"{what}: page {pgid} is a {page.type} page inside the tree")
        except BoltviewError as error:
            tree.notes.append(f"{what}: {error}")
    return tree


def _inline_range(tree: _Tree, db: BoltFile, path: Path, body: bytes) -> None:
    try:
        page = Page(0, body, db.layout)
        records = page.leaf_records() if page.is_leaf else []
    except BoltviewError:
        return
    if records:
        tree.widen(path, body[records[0][1] : records[0][2]], body[records[-1][1] : records[-1][2]])


# -- parsing pages defensively ----------------------------------------------------------------


@dataclass(slots=True)
class _Element:
    flags: int
    key: bytes
    value: bytes
    key_offset: int
    value_end: int


@dataclass(slots=True)
class _Parsed:
    elements: list[_Element]
    problems: list[str]


def _parse_leaf(data: bytes, count: int, layout: Layout) -> _Parsed:
    """The elements of a leaf page whose bytes are ``data`` (header included)."""
    problems: list[str] = []
    size = len(data)
    fits = max((size - PAGE_HEADER_SIZE) // LEAF_ELEMENT_SIZE, 0)
    if count > fits:
        problems.append(f"count {count} does not fit in {size} bytes")
        count = fits
    array_end = PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE
    elements: list[_Element] = []
    if count == 0:
        return _Parsed(elements, problems)
    raw = layout.fast_elements(count).unpack_from(data, PAGE_HEADER_SIZE)
    previous_end = array_end
    previous_key: bytes | None = None
    for i in range(count):
        flags, pos, ksize, vsize = raw[4 * i : 4 * i + 4]
        ks = PAGE_HEADER_SIZE + i * LEAF_ELEMENT_SIZE + pos
        ke = ks + ksize
        ve = ke + vsize
        why = None
        if flags not in (0, BUCKET_LEAF_FLAG):
            why = f"flags {flags:#x}"
        elif ksize == 0 or ksize > MAX_KEY_SIZE:
            why = f"key size {ksize}"
        elif vsize > MAX_VALUE_SIZE:
            why = f"value size {vsize}"
        elif ks < array_end:
            why = "data inside the element array"
        elif ve > size:
            why = f"runs past the usable bytes ({ve} > {size})"
        elif flags & BUCKET_LEAF_FLAG and vsize < BUCKET_HEADER_SIZE:
            why = f"bucket header of {vsize} bytes"
        if why is not None:
            problems.append(f"element {i}: {why}")
            continue
        if ks < previous_end:
            problems.append(f"element {i}: overlaps the data before it")
        key = data[ks:ke]
        if previous_key is not None and key <= previous_key:
            problems.append(f"element {i}: key not after the previous key")
        previous_key = key
        previous_end = ve
        elements.append(_Element(flags, key, data[ke:ve], ks, ve))
    return _Parsed(elements, problems)


def _parse_branch(
    data: bytes, count: int, layout: Layout, npages: int
) -> tuple[list[tuple[bytes, int]], list[str]]:
    """(key, child pgid) of a branch page, each checked."""
    problems: list[str] = []
    size = len(data)
    fits = max((size - PAGE_HEADER_SIZE) // BRANCH_ELEMENT_SIZE, 0)
    if count > fits:
        problems.append(f"count {count} does not fit in {size} bytes")
        count = fits
    if count == 0:
        return [], problems
    array_end = PAGE_HEADER_SIZE + count * BRANCH_ELEMENT_SIZE
    raw = layout.fast_branch_elements(count).unpack_from(data, PAGE_HEADER_SIZE)
    out: list[tuple[bytes, int]] = []
    for i in range(count):
        pos, ksize, child = raw[3 * i : 3 * i + 3]
        ks = PAGE_HEADER_SIZE + i * BRANCH_ELEMENT_SIZE + pos
        ke = ks + ksize
        if ksize == 0 or ksize > MAX_KEY_SIZE or ks < array_end or ke > size:
            problems.append(f"element {i}: key out of bounds")
            continue
        if not 2 <= child < npages:
            problems.append(f"element {i}: child page {child} out of range")
            continue
        out.append((data[ks:ke], child))
    return out, problems


def _spread(items: list[_T], count: int) -> list[_T]:
    """At most ``count`` items, spread evenly over ``items``."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _worse(a: str, b: str) -> str:
    return a if CONFIDENCES.index(a) >= CONFIDENCES.index(b) else b


def _better(a: str, b: str) -> str:
    return a if CONFIDENCES.index(a) <= CONFIDENCES.index(b) else b


# -- the scan ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Link:
    parent: int
    kind: str  # "branch" or "bucket"
    key: bytes


@dataclass(slots=True)
class _Leaf:
    """A scanned leaf page, parsed."""

    pgid: int
    data_start: int  # absolute file offset of the page
    elements: list[_Element]
    confidence: str


class _Scanner:
    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self.layout = db.layout
        self.page_size = db.page_size
        self.npages = db.size // db.page_size
        self.notes: list[str] = []
        self.pages: dict[int, ScannedPage] = {}
        self.leaves: dict[int, _Leaf] = {}
        self.branches: dict[int, list[tuple[bytes, int]]] = {}
        self.links: dict[int, list[_Link]] = {}
        self.first_keys: dict[int, bytes] = {}

    # -- which pages -----------------------------------------------------------

    def candidates(
        self,
    ) -> tuple[dict[int, list[str]], list[int], list[int], list[int], _Tree, _Tree | None]:
        db, npages = self.db, self.npages
        live = _walk_tree(db, db.meta.root, npages, "live tree")
        self.notes.extend(live.notes)
        in_use = set(live.reach) | {0, 1}
        if not db.meta.no_freelist_sync and 2 <= db.meta.freelist < npages:
            try:
                run = db.raw_page(db.meta.freelist).overflow
            except BoltviewError:
                run = 0
            in_use.update(range(db.meta.freelist, min(db.meta.freelist + run + 1, npages)))
        try:
            free = sorted({p for p in free_page_ids(db) if 2 <= p < npages})
        except BoltviewError as error:
            self.notes.append(
                f"freelist unreadable ({error}): unreachable pages are scanned instead"
            )
            free = []
        clash = [p for p in free if p in in_use]
        if clash:
            self.notes.append(
                f"{len(clash)} page(s) on the freelist are in use by the live tree "
                f"(not scanned): {_few(clash)}"
            )
        free = [p for p in free if p not in in_use]
        free_set = set(free)
        hwm = min(db.high_water_mark, npages)
        unreachable = [p for p in range(2, hwm) if p not in in_use and p not in free_set]

        previous: _Tree | None = None
        other = db.metas[1 - db.meta.index]
        previous_only: list[int] = []
        if other.magic != MAGIC:
            self.notes.append(
                f"meta {other.index} is not a meta page ({other.problem}): no previous tree"
            )
        elif other.root == db.meta.root:
            pass  # the same tree: nothing of its own
        else:
            if other.problem:
                self.notes.append(f"meta {other.index}: {other.problem}; its tree is read anyway")
            previous = _walk_tree(db, other.root, npages, f"previous tree (meta {other.index})")
            self.notes.extend(previous.notes)
            previous_only = sorted(p for p in previous.reach if p not in in_use)

        origins: dict[int, list[str]] = {}
        for pgid in free:
            origins.setdefault(pgid, []).append(FREE)
        for pgid in unreachable:
            origins.setdefault(pgid, []).append(UNREACHABLE)
        for pgid in range(max(db.high_water_mark, 2), npages):
            origins.setdefault(pgid, []).append(PAST_HWM)
        for pgid in previous_only:
            origins.setdefault(pgid, []).append(PREVIOUS)
        return origins, free, unreachable, previous_only, live, previous

    # -- one page -----------------------------------------------------------------

    def header(self, pgid: int) -> tuple[int, int, int, int] | None:
        raw = self.db.source.read(pgid * self.page_size, PAGE_HEADER_SIZE)
        if len(raw) < PAGE_HEADER_SIZE:
            return None
        return self.layout.fast_page_header.unpack_from(raw)

    def owns_itself(self, pgid: int) -> bool:
        """Does page ``pgid`` start a page of its own (its header names it)?"""
        header = self.header(pgid)
        return (
            header is not None
            and header[0] == pgid
            and header[1] in (LEAF_PAGE, BRANCH_PAGE, FREELIST_PAGE)
        )

    def scan(self, pgid: int, origins: list[str], scanned: dict[int, list[str]]) -> ScannedPage:
        header = self.header(pgid)
        info = ScannedPage(pgid, tuple(origins), KIND_UNRECOGNIZED)
        if header is None:
            info.problems.append("shorter than a page header (end of file)")
            return info
        header_id, flags, count, overflow = header
        info.header_id, info.flags, info.count, info.overflow = header_id, flags, count, overflow
        raw_start = self.db.source.read(pgid * self.page_size, PAGE_HEADER_SIZE)
        if raw_start == _ZERO_HEADER:
            info.kind = KIND_EMPTY
            return info
        if flags == FREELIST_PAGE:
            info.kind = KIND_FREELIST
            return info
        if flags == META_PAGE:
            info.kind = KIND_META
            return info
        if flags not in (LEAF_PAGE, BRANCH_PAGE):
            info.problems.append(f"flags {flags:#06x}: not a leaf or branch page")
            return info
        info.kind = KIND_LEAF if flags == LEAF_PAGE else KIND_BRANCH

        # The run: as far as its pages are scanned too and none starts a page of its own.
        end = pgid + 1
        for q in range(pgid + 1, pgid + overflow + 1):
            if (q - pgid + 1) * self.page_size > _MAX_RUN_BYTES:
                info.problems.append(f"run cut at {_MAX_RUN_BYTES >> 20} MiB")
                break
            if q >= self.npages:
                info.problems.append(f"overflow of {overflow} pages runs past the end of the file")
                break
            if q not in scanned:
                info.problems.append(f"overflow page {q} is in use: the run is cut there")
                break
            if self.owns_itself(q):
                info.problems.append(f"overflow page {q} holds a newer page: the run is cut there")
                break
            end = q + 1
        info.run = end - pgid
        data = self.db.source.read(pgid * self.page_size, info.run * self.page_size)
        confidence = CERTAIN
        if header_id != pgid:
            info.problems.append(f"header says page {header_id}: a stale copy of another page")
            confidence = LIKELY

        if info.kind == KIND_BRANCH:
            children, problems = _parse_branch(data, count, self.layout, self.npages)
            info.problems.extend(problems)
            self.branches[pgid] = children
            for key, child in children:
                self.links.setdefault(child, []).append(_Link(pgid, "branch", key))
            if children:
                self.first_keys[pgid] = children[0][0]
            if problems:
                confidence = FRAGMENT
        else:
            parsed = _parse_leaf(data, count, self.layout)
            info.problems.extend(parsed.problems)
            if parsed.problems or info.run < overflow + 1:
                confidence = FRAGMENT
            info.records = len(parsed.elements)
            self.leaves[pgid] = _Leaf(pgid, pgid * self.page_size, parsed.elements, confidence)
            for element in parsed.elements:
                if element.flags & BUCKET_LEAF_FLAG:
                    child, _ = self.layout.fast_bucket_header.unpack_from(element.value)
                    if 2 <= child < self.npages:
                        self.links.setdefault(child, []).append(_Link(pgid, "bucket", element.key))
            if parsed.elements:
                self.first_keys[pgid] = parsed.elements[0].key
        info.confidence = confidence
        return info


def _few(ids: list[int], limit: int = 12) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f", ... ({len(ids)} in all)" if len(ids) > limit else "")


# -- attribution --------------------------------------------------------------------------


class _Live:
    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self.buckets: dict[Path, Bucket | None] = {}

    def bucket(self, path: Path) -> Bucket | None:
        if path not in self.buckets:
            try:
                self.buckets[path] = self.db.root if not path else self.db.bucket(*path)
            except NotFoundError:
                self.buckets[path] = None
        return self.buckets[path]

    def entry(self, path: Path, key: bytes) -> Entry | None:
        bucket = self.bucket(path)
        return bucket.entry(key) if bucket is not None else None


@dataclass(frozen=True, slots=True)
class _Attribution:
    bucket: Path | None
    how: str | None
    via: tuple[int, ...]
    note: str = ""


_UNKNOWN = _Attribution(None, None, ())


class _Attributor:
    """Which bucket a scanned page belonged to, through the pointers that name it.

    A pointer in a stale page names a page *as it was*; the page may have
    been reused since.  So a link is only followed when it is consistent:

    - a branch link, when the child still starts with the branch's key;
    - a bucket link, unless the child looks like an older root page (buckets
      only, named like the root's buckets), or the child shares no key with
      the bucket it is said to be while that bucket's live siblings share a
      schema (containerd's objects do: every container has ``createdat``...);
    - and when two consistent links disagree, the page stays unattributed.
    """

    def __init__(self, scanner: _Scanner, previous: _Tree | None, live_tree: _Tree,
                 live: _Live) -> None:  # fmt: skip
        self.scanner = scanner
        self.previous = previous
        self.live = live
        self.live_ranges = live_tree.ranges
        self.root_keys = set(live_tree.root_keys) | (previous.root_keys if previous else set())
        self.memo: dict[int, _Attribution] = {}
        self.busy: set[int] = set()
        self.schemas: dict[Path, tuple[frozenset[bytes], frozenset[bytes]] | None] = {}

    def page_keys(self, pgid: int) -> list[bytes]:
        leaf = self.scanner.leaves.get(pgid)
        if leaf is not None:
            return [e.key for e in leaf.elements]
        return [key for key, _ in self.scanner.branches.get(pgid, [])]

    def parents(self, pgid: int) -> list[_Link]:
        """Links to ``pgid`` from scanned pages, with a branch link's key checked."""
        out = []
        first = self.scanner.first_keys.get(pgid)
        for link in self.scanner.links.get(pgid, []):
            if link.parent == pgid or link.parent not in self.scanner.pages:
                continue
            if link.kind == "branch" and first is not None and link.key != first:
                continue  # the child no longer starts with the key its parent knew
            out.append(link)
        return out

    def of(self, pgid: int) -> _Attribution:
        if pgid in self.memo:
            return self.memo[pgid]
        if self.previous is not None and pgid in self.previous.paths:
            result = _Attribution(self.previous.paths[pgid], EXACT, ())
            self.memo[pgid] = result
            return result
        if pgid in self.busy:
            return _UNKNOWN
        self.busy.add(pgid)
        try:
            result = self._resolve(pgid)
        finally:
            self.busy.discard(pgid)
        self.memo[pgid] = result
        return result

    def _resolve(self, pgid: int) -> _Attribution:
        links = self.parents(pgid)
        if self._looks_like_root(pgid, claimed=bool(links)):
            return _Attribution((), INFERRED, (), "looks like an older root page")
        candidates: dict[Path, _Attribution] = {}
        rejected: list[str] = []
        for link in links:
            above = self.of(link.parent)
            if above.bucket is None:
                continue
            if link.kind == "branch":
                path = above.bucket
            else:
                path = above.bucket + (link.key,)
                why = self._misfit(path, pgid)
                if why:
                    rejected.append(f"page {link.parent} names it {show_path(path)}, but {why}")
                    continue
            # A link from a stale page is only as good as the guess that the page it
            # names was not reused since: even under an exact parent, it is likely.
            candidates.setdefault(path, _Attribution(path, INFERRED, above.via + (link.parent,)))
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        if len(candidates) > 1:
            shown = "; ".join(show_path(p) for p in sorted(candidates))
            return _Attribution(None, None, (), f"stale parents disagree: {shown}")
        if rejected:
            return _Attribution(None, None, (), "; ".join(rejected))
        return _UNKNOWN

    def _looks_like_root(self, pgid: int, claimed: bool) -> bool:
        """A page of buckets only, named like the root's buckets.

        With no page pointing at it, one shared name is enough; a page that
        another page names as a bucket must share at least half its names.
        """
        keys: list[bytes]
        leaf = self.scanner.leaves.get(pgid)
        if leaf is not None:
            if not leaf.elements or not all(e.flags & BUCKET_LEAF_FLAG for e in leaf.elements):
                return False
            keys = [e.key for e in leaf.elements]
        else:
            children = self.scanner.branches.get(pgid)
            if not children:
                return False
            if not all(
                self._all_buckets(child) for _, child in children if child in self.scanner.leaves
            ):
                return False
            keys = [key for key, _ in children]
        shared = sum(1 for key in keys if key in self.root_keys)
        return shared * 2 >= len(keys) if claimed else shared > 0

    def _all_buckets(self, pgid: int) -> bool:
        leaf = self.scanner.leaves[pgid]
        return all(e.flags & BUCKET_LEAF_FLAG for e in leaf.elements)

    def _misfit(self, path: Path, pgid: int) -> str | None:
        """Why page ``pgid`` cannot be (a page of) bucket ``path``; None when it may be.

        Only clear evidence counts: another live bucket holds more of the
        page's records byte for byte than ``path`` does (at least half of
        them), or ``path`` is not live and its live siblings share a schema
        the page has nothing of.
        """
        leaf = self.scanner.leaves.get(pgid)
        keys = self.page_keys(pgid)
        if not keys:
            return None
        try:
            live = self.live.bucket(path)
            sample = _spread(leaf.elements, 16) if leaf is not None else []
            if sample:
                own = _same_records(live, sample) if live is not None else 0
                elsewhere = self._owner_elsewhere(path, sample, own)
                if elsewhere is not None:
                    return f"its records are those of live bucket {show_path(elsewhere)}"
            if live is not None:
                return None
            schema = self._schema(path[:-1], path[-1])
        except BoltviewError:
            return None
        if schema is not None:
            common, seen = schema
            if common and not any(key in seen for key in keys[:64]):
                return "its keys have nothing of what that bucket's live siblings hold"
        return None

    def _owner_elsewhere(self, path: Path, sample: list[_Element], own: int) -> Path | None:
        """A live bucket other than ``path`` with more of ``sample`` than ``own``, and half."""
        low, high = min(e.key for e in sample), max(e.key for e in sample)
        checked = 0
        best: tuple[int, Path] | None = None
        for other, (first, last) in self.live_ranges.items():
            if other == path or first > low or last < high:
                continue
            checked += 1
            if checked > 64:
                break
            same = _same_records(self.live.bucket(other), sample)
            if same > own and same * 2 >= len(sample) and (best is None or same > best[0]):
                best = (same, other)
        return best[1] if best is not None else None

    def _schema(
        self, parent: Path, name: bytes
    ) -> tuple[frozenset[bytes], frozenset[bytes]] | None:
        """Keys every live sibling bucket has, and keys any has; None without a schema."""
        if parent in self.schemas:
            return self.schemas[parent]
        result = None
        bucket = self.live.bucket(parent)
        if bucket is not None:
            sets = []
            for child in bucket.buckets():
                if child.name == name:
                    continue
                sets.append(frozenset(entry.key for _, entry in zip(range(64), child.entries())))
                if len(sets) >= 8:
                    break
            if len(sets) >= 2:
                common = frozenset.intersection(*sets)
                if common:
                    result = (common, frozenset.union(*sets))
        self.schemas[parent] = result
        return result

    def suffix(self, pgid: int, depth: int = 0) -> Path:
        """The end of the path of an unattributed page, as far as stale parents name it.

        ``(b"build-cache",)`` for a page that a stale, itself unattributed,
        page names ``build-cache``: the bucket's own name is known even when
        where it hung is not.
        """
        if depth > 32:
            return ()
        found: set[Path] = set()
        for link in self.parents(pgid):
            above = self.suffix(link.parent, depth + 1)
            found.add(above if link.kind == "branch" else above + (link.key,))
        return found.pop() if len(found) == 1 else ()

    def copy_root(self, pgid: int) -> int:
        """The topmost scanned page of the same bucket copy (through branch links)."""
        seen = {pgid}
        while True:
            ups = [link.parent for link in self.parents(pgid) if link.kind == "branch"]
            if not ups or ups[0] in seen:
                return pgid
            pgid = ups[0]
            seen.add(pgid)


# -- comparing with the live tree ---------------------------------------------------------


def _same_records(bucket: Bucket | None, sample: list[_Element]) -> int:
    """How many of ``sample`` ``bucket`` holds, key, kind and value alike."""
    if bucket is None:
        return 0
    same = 0
    for element in sample:
        entry = bucket.entry(element.key)
        if (
            entry is not None
            and entry.is_bucket == bool(element.flags & BUCKET_LEAF_FLAG)
            and entry.value == element.value
        ):
            same += 1
    return same


def _status(live: _Live, record: Record) -> tuple[str, str]:
    if record.bucket is None:
        return UNATTRIBUTED, ""
    try:
        if live.bucket(record.bucket) is None:
            return DELETED, "its bucket is not in the live tree"
        entry = live.entry(record.bucket, record.key)
    except BoltviewError as error:
        return UNKNOWN, f"live tree unreadable here: {error}"
    if entry is None:
        return DELETED, ""
    if entry.is_bucket != record.is_bucket:
        now = "a bucket" if entry.is_bucket else "a value"
        return OLDER, f"the key is now {now}"
    if entry.value == record.value:
        return LIVE_COPY, ""
    return OLDER, ""


# -- the whole job ----------------------------------------------------------------------------


def recover(db: BoltFile) -> Recovery:
    """Scan the pages ``db``'s active tree does not use and rebuild the records they hold."""
    scanner = _Scanner(db)
    origins, free, unreachable, previous_only, live_tree, previous = scanner.candidates()

    empty_past = 0
    covered: dict[int, int] = {}
    for pgid in sorted(origins):
        if pgid in covered:
            scanner.pages[pgid] = ScannedPage(
                pgid, tuple(origins[pgid]), KIND_OVERFLOW, covered_by=covered[pgid]
            )
            continue
        info = scanner.scan(pgid, origins[pgid], origins)
        scanner.pages[pgid] = info
        if info.kind == KIND_EMPTY and PAST_HWM in info.origins:
            empty_past += 1
        for q in range(pgid + 1, pgid + info.run):
            covered[q] = pgid

    live = _Live(db)
    attributor = _Attributor(scanner, previous, live_tree, live)
    merged: dict[tuple[object, ...], Record] = {}
    copies: dict[tuple[int, Path], BucketCopy] = {}

    def add(
        leaf: _Leaf, element: _Element, inline: Path, offset: int, confidence: str,
        attribution: _Attribution, copy: BucketCopy, base_pages: tuple[int, int],
    ) -> None:  # fmt: skip
        first, last = base_pages
        source = Source(leaf.pgid, tuple(range(first, last + 1)), offset, inline,
                        tuple(origins.get(leaf.pgid, ())), confidence)  # fmt: skip
        bucket = attribution.bucket + inline if attribution.bucket is not None else None
        ident: tuple[object, ...] = (
            (bucket, element.key, element.flags, element.value)
            if bucket is not None
            else (("copy", copy.root, copy.inline), element.key, element.flags, element.value)
        )
        record = merged.get(ident)
        if record is None:
            record = Record(
                element.key, element.value, bool(element.flags & BUCKET_LEAF_FLAG), bucket,
                attribution.how, attribution.via, confidence=confidence,
            )  # fmt: skip
            if bucket is None:
                record.bucket_suffix = copy.suffix
            if record.is_bucket:
                record.bucket_root, record.bucket_sequence = (
                    db.layout.fast_bucket_header.unpack_from(element.value)
                )
            merged[ident] = record
        record.confidence = _better(record.confidence, confidence)
        record.sources.append(source)
        copy.add(record)

    def copy_of(root: int, inline: Path, attribution: _Attribution) -> BucketCopy:
        key = (root, inline)
        if key not in copies:
            bucket = attribution.bucket + inline if attribution.bucket is not None else None
            copy = BucketCopy(root, inline, bucket, attribution.how, attribution.via)
            if bucket is None:
                copy.suffix = attributor.suffix(root) + inline
            copies[key] = copy
        return copies[key]

    def inline_records(
        leaf: _Leaf, element: _Element, chain: Path, confidence: str,
        attribution: _Attribution, root: int, depth: int,
    ) -> None:  # fmt: skip
        value = element.value
        if len(value) < BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE:
            return
        child_root, _ = db.layout.fast_bucket_header.unpack_from(value)
        if child_root != 0:
            return
        body = value[BUCKET_HEADER_SIZE:]
        _, flags, count, _ = db.layout.fast_page_header.unpack_from(body)
        inline = chain + (element.key,)
        copy = copy_of(root, inline, attribution)
        copy.pages.add(leaf.pgid)
        if flags != LEAF_PAGE:
            copy.confidence = FRAGMENT
            return
        parsed = _parse_leaf(body, count, db.layout)
        inner_confidence = confidence if not parsed.problems else FRAGMENT
        copy.confidence = _worse(copy.confidence, inner_confidence)
        copy.complete = not parsed.problems
        body_start = element.value_end - len(value) + BUCKET_HEADER_SIZE
        for inner in parsed.elements:
            offset = body_start + inner.key_offset
            pages = (leaf.pgid + offset // db.page_size,
                     leaf.pgid + max(body_start + inner.value_end - 1, offset) // db.page_size)  # fmt: skip
            add(leaf, inner, inline, offset, inner_confidence, attribution, copy, pages)
            if inner.flags & BUCKET_LEAF_FLAG and depth < _MAX_INLINE_DEPTH:
                inline_records(leaf, _Element(inner.flags, inner.key, inner.value,
                                              offset, body_start + inner.value_end),
                               inline, inner_confidence, attribution, root, depth + 1)  # fmt: skip

    for pgid in sorted(scanner.leaves):
        leaf = scanner.leaves[pgid]
        attribution = attributor.of(pgid)
        info = scanner.pages[pgid]
        info.bucket, info.attribution = attribution.bucket, attribution.how
        if attribution.note:
            info.notes.append(attribution.note)
        root = attributor.copy_root(pgid)
        copy = copy_of(root, (), attributor.of(root) if root != pgid else attribution)
        copy.pages.add(pgid)
        copy.confidence = _worse(copy.confidence, leaf.confidence)
        for element in leaf.elements:
            pages = (pgid + element.key_offset // db.page_size,
                     pgid + max(element.value_end - 1, element.key_offset) // db.page_size)  # fmt: skip
            add(leaf, element, (), element.key_offset, leaf.confidence, attribution, copy, pages)
            if element.flags & BUCKET_LEAF_FLAG:
                inline_records(leaf, element, (), leaf.confidence, attribution, root, 1)
    for pgid in scanner.branches:
        attribution = attributor.of(pgid)
        info = scanner.pages[pgid]
        info.bucket, info.attribution = attribution.bucket, attribution.how

    for copy in copies.values():
        if not copy.inline:
            copy.complete = _complete(scanner, attributor, copy.root, copy.root, 0)

    records = list(merged.values())
    for record in records:
        record.status, record.status_note = _status(live, record)
    records.sort(key=_record_order)
    for copy in copies.values():
        copy.records.sort(key=lambda r: r.key)

    return Recovery(
        db=db,
        pages=[scanner.pages[p] for p in sorted(scanner.pages)],
        records=records,
        copies=[copies[k] for k in sorted(copies, key=lambda k: (k[0], k[1]))],
        free=free,
        unreachable=unreachable,
        previous_only=previous_only,
        past_high_water_mark=max(scanner.npages - max(db.high_water_mark, 2), 0),
        empty_past_high_water_mark=empty_past,
        notes=scanner.notes,
    )


def _complete(scanner: _Scanner, attributor: _Attributor, pgid: int, root: int, depth: int) -> bool:
    """Was every page of the tree under ``pgid`` found whole (and still linked to it)?"""
    if depth > 16:
        return False
    leaf = scanner.leaves.get(pgid)
    if leaf is not None:
        return leaf.confidence != FRAGMENT
    children = scanner.branches.get(pgid)
    info = scanner.pages.get(pgid)
    if children is None or info is None or info.confidence == FRAGMENT or not children:
        return False
    return all(
        attributor.copy_root(child) == root
        and _complete(scanner, attributor, child, root, depth + 1)
        for _, child in children
    )


def _record_order(record: Record) -> tuple[object, ...]:
    return (
        record.bucket is None,
        record.bucket or (),
        record.key,
        record.sources[0].pgid if record.sources else 0,
    )


def iter_interesting(recovery: Recovery, include_live_copies: bool = False) -> Iterator[Record]:
    """The records a person wants first: deleted, older versions, then the unattributed."""
    order = [DELETED, OLDER, UNKNOWN, UNATTRIBUTED] + ([LIVE_COPY] if include_live_copies else [])
    for status in order:
        yield from (r for r in recovery.records if r.status == status)


# -- JSON ---------------------------------------------------------------------------------------

#: Bumped when the document changes incompatibly.
DOCUMENT_FORMAT: Final = "boltview-recover/1"


def record_document(record: Record) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "status": record.status,
        "confidence": record.confidence,
        **path_field(record.bucket),
        **({} if record.bucket is not None else path_field(record.bucket_suffix, "bucket_suffix")),
        "attribution": record.attribution,
        "attribution_via": list(record.attribution_via),
        **bytes_field(record.key, "key"),
        "is_bucket": record.is_bucket,
    }
    if record.is_bucket:
        doc["bucket_root"] = record.bucket_root
        doc["bucket_sequence"] = record.bucket_sequence
        doc["inline"] = record.bucket_root == 0
    doc.update(bytes_field(record.value, "value"))
    if record.status_note:
        doc["status_note"] = record.status_note
    doc["pages"] = list(record.pages)
    doc["sources"] = [
        {"pgid": s.pgid, "pages": list(s.pages), "offset": s.offset,
         "inline": [k.decode("utf-8", "backslashreplace") for k in s.inline],
         "origins": list(s.origins), "confidence": s.confidence}
        for s in record.sources
    ]  # fmt: skip
    return doc


def page_document(page: ScannedPage) -> dict[str, Any]:
    doc: dict[str, Any] = {"pgid": page.pgid, "origins": list(page.origins), "kind": page.kind}
    if page.kind == KIND_OVERFLOW:
        doc["covered_by"] = page.covered_by
        return doc
    if page.kind == KIND_EMPTY:
        return doc
    doc.update({
        "header_id": page.header_id, "flags": page.flags, "count": page.count,
        "overflow": page.overflow, "run": page.run, "confidence": page.confidence,
        "records": page.records, **path_field(page.bucket), "attribution": page.attribution,
        "problems": list(page.problems), "notes": list(page.notes),
    })  # fmt: skip
    return doc


def recovery_document(recovery: Recovery, read_at: datetime | None = None) -> dict[str, Any]:
    """The whole recovery as one JSON-ready dict (see the ``recover`` command's help)."""
    db = recovery.db
    pages = [p for p in recovery.pages if not (p.kind == KIND_EMPTY and PAST_HWM in p.origins)]
    return {
        "format": DOCUMENT_FORMAT,
        "provenance": provenance(db, read_at),
        "scan": {
            "high_water_mark": db.high_water_mark,
            "pages_in_file": db.size // db.page_size,
            "free": recovery.free,
            "unreachable": recovery.unreachable,
            "previous_meta_only": recovery.previous_only,
            "past_high_water_mark": recovery.past_high_water_mark,
            "empty_past_high_water_mark": recovery.empty_past_high_water_mark,
            "notes": list(recovery.notes),
            "pages": [page_document(p) for p in pages],
        },
        "counts": recovery.counts(),
        "records": [record_document(r) for r in recovery.records],
    }
