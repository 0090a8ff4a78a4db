"""What recovery finds, and the words it uses to say how sure it is.

A :class:`Record` is one key found outside the live tree, with every
:class:`Source` its bytes were found in; a :class:`BucketCopy` is one old copy
of a bucket's pages; a :class:`ScannedPage` is one page recovery looked at.
:class:`Recovery` holds them all.  The string constants below are the
vocabulary of the ``recover`` command's output and JSON document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from boltview.bolt.file import BoltFile
from boltview.bolt.path import BucketPath, show_bytes

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


def worse(a: str, b: str) -> str:
    """The less sure of two confidences."""
    return a if CONFIDENCES.index(a) >= CONFIDENCES.index(b) else b


def better(a: str, b: str) -> str:
    """The surer of two confidences."""
    return a if CONFIDENCES.index(a) <= CONFIDENCES.index(b) else b


@dataclass(frozen=True, slots=True)
class Source:
    """One place a record's bytes were found."""

    pgid: int
    """The page (first page of its run) whose element describes the record."""
    pages: tuple[int, ...]
    """Every page the key and value bytes lie in."""
    offset: int
    """Offset of the key from the start of page ``pgid``."""
    inline: BucketPath
    """Keys of the inline buckets, from the page down, that hold the record (usually empty)."""
    origins: tuple[str, ...]
    confidence: str


@dataclass(slots=True, eq=False)
class Record:
    """A key and its value (or bucket header) found outside the live tree."""

    key: bytes
    value: bytes
    is_bucket: bool
    bucket: BucketPath | None
    """The bucket the record belonged to, when it can be told."""
    attribution: str | None
    """``exact`` or ``likely``; None when the bucket is unknown."""
    attribution_via: tuple[int, ...]
    """The pages, from the top, whose pointers led to the record's page."""
    status: str = UNATTRIBUTED
    status_note: str = ""
    confidence: str = FRAGMENT
    sources: list[Source] = field(default_factory=list)
    bucket_suffix: BucketPath = ()
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


@dataclass(slots=True, eq=False)
class BucketCopy:
    """One old copy of one bucket's contents: a page tree found outside the live tree.

    Pages linked by branch pointers form one copy; an inline bucket found in
    a record is a copy of its own (``inline`` names it from the page down).
    Copies keep versions apart: two old copies of the same bucket are two
    copies, never merged.
    """

    root: int
    inline: BucketPath
    bucket: BucketPath | None
    attribution: str | None
    attribution_via: tuple[int, ...]
    pages: set[int] = field(default_factory=set)
    confidence: str = CERTAIN
    records: list[Record] = field(default_factory=list)
    """The records of this copy, in key order within each page."""
    complete: bool = False
    """Every page of the copy's tree was found whole: a key it lacks was never there."""
    suffix: BucketPath = ()
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
    bucket: BucketPath | None = None
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
    _by_root: dict[tuple[int, BucketPath], BucketCopy] | None = field(default=None, repr=False)

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in STATUSES}
        for record in self.records:
            out[record.status] = out.get(record.status, 0) + 1
        return out

    def by_status(self, *statuses: str) -> list[Record]:
        return [r for r in self.records if r.status in statuses]

    def copy(self, root: int, inline: BucketPath = ()) -> BucketCopy | None:
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
