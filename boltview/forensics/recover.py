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
of containerd; :mod:`boltview.forensics.containerd` puts records back in
containerd's terms.

Here is the order of the work; :mod:`~boltview.forensics.scan` picks and reads
the pages (:mod:`boltview.bolt.lenient` reads their formats),
:mod:`~boltview.forensics.attribute` tells their buckets and compares with the
live tree, :mod:`~boltview.forensics.records` holds what is found and
:mod:`~boltview.forensics.document` writes it as JSON.
"""

from __future__ import annotations

from collections.abc import Iterator

from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BUCKET_HEADER_SIZE, BUCKET_LEAF_FLAG
from boltview.bolt.lenient import LenientElement, inline_leaf
from boltview.bolt.page import bucket_header
from boltview.bolt.path import BucketPath
from boltview.forensics.attribute import Attribution, Attributor, LiveTree, live_status
from boltview.forensics.document import recovery_document
from boltview.forensics.records import (
    CERTAIN,
    DELETED,
    FRAGMENT,
    KIND_EMPTY,
    KIND_OVERFLOW,
    LIKELY,
    LIVE_COPY,
    OLDER,
    PAST_HWM,
    UNATTRIBUTED,
    UNKNOWN,
    BucketCopy,
    Record,
    Recovery,
    ScannedPage,
    Source,
    better,
    worse,
)
from boltview.forensics.scan import ScannedLeaf, Scanner

__all__ = [
    "CERTAIN",
    "DELETED",
    "FRAGMENT",
    "KIND_EMPTY",
    "KIND_OVERFLOW",
    "LIKELY",
    "LIVE_COPY",
    "OLDER",
    "PAST_HWM",
    "UNATTRIBUTED",
    "Record",
    "Recovery",
    "iter_interesting",
    "recover",
    "recovery_document",
]

#: Inline buckets cannot hold buckets in bbolt; deeper nesting is damage.
_MAX_INLINE_DEPTH = 4


def recover(db: BoltFile) -> Recovery:
    """Scan the pages ``db``'s active tree does not use and rebuild the records they hold."""
    scanner = Scanner(db)
    found = scanner.candidates()
    empty_past = scanner.scan_all(found.origins)

    live = LiveTree(db)
    attributor = Attributor(scanner, found.previous, found.live, live)
    rebuild = _Rebuild(db, found.origins, attributor)
    for pgid in sorted(scanner.leaves):
        rebuild.leaf(scanner.leaves[pgid], scanner.pages[pgid])
    for pgid in scanner.branches:
        attribution = attributor.of(pgid)
        info = scanner.pages[pgid]
        info.bucket, info.attribution = attribution.bucket, attribution.how

    copies = rebuild.copies
    for copy in copies.values():
        if not copy.inline:
            copy.complete = _complete(scanner, attributor, copy.root, copy.root, 0)

    records = list(rebuild.merged.values())
    for record in records:
        record.status, record.status_note = live_status(live, record)
    records.sort(key=_record_order)
    for copy in copies.values():
        copy.records.sort(key=lambda r: r.key)

    return Recovery(
        db=db,
        pages=[scanner.pages[p] for p in sorted(scanner.pages)],
        records=records,
        copies=[copies[k] for k in sorted(copies, key=lambda k: (k[0], k[1]))],
        free=found.free,
        unreachable=found.unreachable,
        previous_only=found.previous_only,
        past_high_water_mark=max(scanner.npages - max(db.high_water_mark, 2), 0),
        empty_past_high_water_mark=empty_past,
        notes=scanner.notes,
    )


class _Rebuild:
    """Records and bucket copies, rebuilt from the scanned leaf pages' elements.

    A record found twice (the same key and value in the same bucket, or in the
    same copy when the bucket is unknown) is one record with two sources.
    """

    def __init__(self, db: BoltFile, origins: dict[int, list[str]], attributor: Attributor) -> None:
        self.db = db
        self.origins = origins
        self.attributor = attributor
        self.merged: dict[tuple[object, ...], Record] = {}
        self.copies: dict[tuple[int, BucketPath], BucketCopy] = {}

    def leaf(self, leaf: ScannedLeaf, info: ScannedPage) -> None:
        """Every record of one scanned leaf page, inline buckets' included."""
        db, attributor, pgid = self.db, self.attributor, leaf.pgid
        attribution = attributor.of(pgid)
        info.bucket, info.attribution = attribution.bucket, attribution.how
        if attribution.note:
            info.notes.append(attribution.note)
        root = attributor.copy_root(pgid)
        copy = self.copy_of(root, (), attributor.of(root) if root != pgid else attribution)
        copy.pages.add(pgid)
        copy.confidence = worse(copy.confidence, leaf.confidence)
        for element in leaf.elements:
            pages = (pgid + element.key_offset // db.page_size,
                     pgid + max(element.value_end - 1, element.key_offset) // db.page_size)  # fmt: skip
            self.add(leaf, element, (), element.key_offset, leaf.confidence, attribution, copy,
                     pages)  # fmt: skip
            if element.flags & BUCKET_LEAF_FLAG:
                self.inline_records(leaf, element, (), leaf.confidence, attribution, root, 1)

    def add(
        self, leaf: ScannedLeaf, element: LenientElement, inline: BucketPath, offset: int,
        confidence: str, attribution: Attribution, copy: BucketCopy, base_pages: tuple[int, int],
    ) -> None:  # fmt: skip
        first, last = base_pages
        source = Source(leaf.pgid, tuple(range(first, last + 1)), offset, inline,
                        tuple(self.origins.get(leaf.pgid, ())), confidence)  # fmt: skip
        bucket = attribution.bucket + inline if attribution.bucket is not None else None
        ident: tuple[object, ...] = (
            (bucket, element.key, element.flags, element.value)
            if bucket is not None
            else (("copy", copy.root, copy.inline), element.key, element.flags, element.value)
        )
        record = self.merged.get(ident)
        if record is None:
            record = Record(
                element.key, element.value, bool(element.flags & BUCKET_LEAF_FLAG), bucket,
                attribution.how, attribution.via, confidence=confidence,
            )  # fmt: skip
            if bucket is None:
                record.bucket_suffix = copy.suffix
            header = bucket_header(self.db.layout, element.value) if record.is_bucket else None
            if header is not None:
                record.bucket_root, record.bucket_sequence = header
            self.merged[ident] = record
        record.confidence = better(record.confidence, confidence)
        record.sources.append(source)
        copy.add(record)

    def copy_of(self, root: int, inline: BucketPath, attribution: Attribution) -> BucketCopy:
        key = (root, inline)
        if key not in self.copies:
            bucket = attribution.bucket + inline if attribution.bucket is not None else None
            copy = BucketCopy(root, inline, bucket, attribution.how, attribution.via)
            if bucket is None:
                copy.suffix = self.attributor.suffix(root) + inline
            self.copies[key] = copy
        return self.copies[key]

    def inline_records(
        self, leaf: ScannedLeaf, element: LenientElement, chain: BucketPath, confidence: str,
        attribution: Attribution, root: int, depth: int,
    ) -> None:  # fmt: skip
        """The records of the inline bucket ``element`` holds, if it holds one."""
        inner_leaf = inline_leaf(element.value, self.db.layout)
        if inner_leaf is None:
            return
        inline = chain + (element.key,)
        copy = self.copy_of(root, inline, attribution)
        copy.pages.add(leaf.pgid)
        inner_confidence = confidence if not inner_leaf.problems else FRAGMENT
        copy.confidence = worse(copy.confidence, inner_confidence)
        if not inner_leaf.is_leaf:
            return
        copy.complete = not inner_leaf.problems
        page_size = self.db.page_size
        body_start = element.value_end - len(element.value) + BUCKET_HEADER_SIZE
        for inner in inner_leaf.elements:
            offset = body_start + inner.key_offset
            pages = (leaf.pgid + offset // page_size,
                     leaf.pgid + max(body_start + inner.value_end - 1, offset) // page_size)  # fmt: skip
            self.add(leaf, inner, inline, offset, inner_confidence, attribution, copy, pages)
            if inner.flags & BUCKET_LEAF_FLAG and depth < _MAX_INLINE_DEPTH:
                moved = LenientElement(inner.flags, inner.key, inner.value,
                                       offset, body_start + inner.value_end)  # fmt: skip
                self.inline_records(leaf, moved, inline, inner_confidence, attribution, root,
                                    depth + 1)  # fmt: skip


def _complete(scanner: Scanner, attributor: Attributor, pgid: int, root: int, depth: int) -> bool:
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
