"""The scan: which pages recovery reads, and what each of them holds.

:class:`Scanner` picks the pages the active tree does not use (free, leaked,
past the high-water mark, the previous meta's own), reads each one leniently,
and keeps what it found: the leaf pages' elements, the branch pages' children,
and every pointer from one scanned page to another (a :class:`Link`), which
attribution follows later.
"""

from __future__ import annotations

from dataclasses import dataclass

from boltview.bolt.check import free_page_ids
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import (
    BRANCH_PAGE,
    BUCKET_LEAF_FLAG,
    FREELIST_PAGE,
    LEAF_PAGE,
    MAGIC,
    META_PAGE,
)
from boltview.bolt.lenient import (
    LenientElement,
    TreeMap,
    lenient_branch,
    lenient_leaf,
    page_header,
    tree_map,
)
from boltview.bolt.page import bucket_header
from boltview.errors import BoltviewError
from boltview.forensics.records import (
    CERTAIN,
    FRAGMENT,
    FREE,
    KIND_BRANCH,
    KIND_EMPTY,
    KIND_FREELIST,
    KIND_LEAF,
    KIND_META,
    KIND_OVERFLOW,
    KIND_UNRECOGNIZED,
    LIKELY,
    PAST_HWM,
    PREVIOUS,
    UNREACHABLE,
    ScannedPage,
)

#: A page run (a page and its overflow) is read whole up to this size; the rest of a
#: longer run is left out (its elements become fragments), so memory stays bounded.
_MAX_RUN_BYTES = 64 << 20


@dataclass(slots=True)
class Link:
    """A pointer from a scanned page to another page."""

    parent: int
    kind: str
    """``branch`` (a child page of a branch) or ``bucket`` (a bucket's root page)."""
    key: bytes


@dataclass(slots=True)
class ScannedLeaf:
    """A scanned leaf page, parsed."""

    pgid: int
    elements: list[LenientElement]
    confidence: str


@dataclass(slots=True)
class Candidates:
    """The pages to scan, each with why, and the trees that told which they are."""

    origins: dict[int, list[str]]
    """Every page to scan, with the reasons (``free``, ``unreachable``...) it is one."""
    free: list[int]
    unreachable: list[int]
    previous_only: list[int]
    live: TreeMap
    previous: TreeMap | None
    """The other meta's tree, when it is another tree."""


class Scanner:
    """The pages of one file that recovery reads, and what it found in them."""

    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self.npages = db.size // db.page_size
        self.notes: list[str] = []
        self.pages: dict[int, ScannedPage] = {}
        self.leaves: dict[int, ScannedLeaf] = {}
        self.branches: dict[int, list[tuple[bytes, int]]] = {}
        self.links: dict[int, list[Link]] = {}  # by the page pointed at
        self.first_keys: dict[int, bytes] = {}

    # -- which pages -----------------------------------------------------------

    def candidates(self) -> Candidates:
        db, npages = self.db, self.npages
        live = tree_map(db, db.meta.root, npages, "live tree")
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

        previous: TreeMap | None = None
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
            previous = tree_map(db, other.root, npages, f"previous tree (meta {other.index})")
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
        return Candidates(origins, free, unreachable, previous_only, live, previous)

    # -- every page -----------------------------------------------------------------

    def scan_all(self, origins: dict[int, list[str]]) -> int:
        """Scan every page of ``origins`` in order; how many past the high-water mark are empty.

        A page inside the overflow run of a page scanned before it is recorded as
        that run's, not read on its own.
        """
        empty_past = 0
        covered: dict[int, int] = {}
        for pgid in sorted(origins):
            if pgid in covered:
                self.pages[pgid] = ScannedPage(
                    pgid, tuple(origins[pgid]), KIND_OVERFLOW, covered_by=covered[pgid]
                )
                continue
            info = self.scan(pgid, origins[pgid], origins)
            self.pages[pgid] = info
            if info.kind == KIND_EMPTY and PAST_HWM in info.origins:
                empty_past += 1
            for q in range(pgid + 1, pgid + info.run):
                covered[q] = pgid
        return empty_past

    # -- one page -----------------------------------------------------------------

    def owns_itself(self, pgid: int) -> bool:
        """Does page ``pgid`` start a page of its own (its header names it)?"""
        header = page_header(self.db, pgid)
        return (
            header is not None
            and header[0] == pgid
            and header[1] in (LEAF_PAGE, BRANCH_PAGE, FREELIST_PAGE)
        )

    def scan(self, pgid: int, origins: list[str], scanned: dict[int, list[str]]) -> ScannedPage:
        header = page_header(self.db, pgid)
        info = ScannedPage(pgid, tuple(origins), KIND_UNRECOGNIZED)
        if header is None:
            info.problems.append("shorter than a page header (end of file)")
            return info
        header_id, flags, count, overflow = header
        info.header_id, info.flags, info.count, info.overflow = header_id, flags, count, overflow
        if header == (0, 0, 0, 0):  # the header's fields cover all its bytes: all zero
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
        info.run = self._usable_run(pgid, overflow, scanned, info.problems)
        page_size = self.db.page_size
        data = self.db.source.read(pgid * page_size, info.run * page_size)
        confidence = CERTAIN
        if header_id != pgid:
            info.problems.append(f"header says page {header_id}: a stale copy of another page")
            confidence = LIKELY

        if info.kind == KIND_BRANCH:
            children, problems = lenient_branch(data, count, self.db.layout, self.npages)
            info.problems.extend(problems)
            self.branches[pgid] = children
            for key, child in children:
                self.links.setdefault(child, []).append(Link(pgid, "branch", key))
            if children:
                self.first_keys[pgid] = children[0][0]
            if problems:
                confidence = FRAGMENT
        else:
            parsed = lenient_leaf(data, count, self.db.layout)
            info.problems.extend(parsed.problems)
            if parsed.problems or info.run < overflow + 1:
                confidence = FRAGMENT
            info.records = len(parsed.elements)
            self.leaves[pgid] = ScannedLeaf(pgid, parsed.elements, confidence)
            for element in parsed.elements:
                sub_bucket = bucket_header(self.db.layout, element.value)
                if element.flags & BUCKET_LEAF_FLAG and sub_bucket is not None:
                    child = sub_bucket[0]
                    if 2 <= child < self.npages:
                        self.links.setdefault(child, []).append(Link(pgid, "bucket", element.key))
            if parsed.elements:
                self.first_keys[pgid] = parsed.elements[0].key
        info.confidence = confidence
        return info

    def _usable_run(
        self, pgid: int, overflow: int, scanned: dict[int, list[str]], problems: list[str]
    ) -> int:
        """How many pages of ``pgid``'s run to read: as far as they are scanned too and none
        starts a page of its own."""
        end = pgid + 1
        for q in range(pgid + 1, pgid + overflow + 1):
            if (q - pgid + 1) * self.db.page_size > _MAX_RUN_BYTES:
                problems.append(f"run cut at {_MAX_RUN_BYTES >> 20} MiB")
                break
            if q >= self.npages:
                problems.append(f"overflow of {overflow} pages runs past the end of the file")
                break
            if q not in scanned:
                problems.append(f"overflow page {q} is in use: the run is cut there")
                break
            if self.owns_itself(q):
                problems.append(f"overflow page {q} holds a newer page: the run is cut there")
                break
            end = q + 1
        return end - pgid


def _few(ids: list[int], limit: int = 12) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f", ... ({len(ids)} in all)" if len(ids) > limit else "")
