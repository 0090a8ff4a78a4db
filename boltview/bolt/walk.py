"""The check walk: every page of every bucket's tree, visited once.

This is the traversal of bbolt's ``tx.Check`` (``tx_check.go``): from the
root bucket down, each page is marked reachable, read, and its keys checked
for order within the range its parent branch gives; a sub-bucket's tree is
walked after its parent's.  What it finds is yielded as a ``Finding``; the
walk never stops at the first one and never raises on corrupt input.
Inline buckets are skipped, as bbolt skips them: they own no pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from boltview.bolt.bucket import Bucket, open_bucket
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.bolt.page import Page
from boltview.bolt.path import BucketPath, show_path
from boltview.errors import BoltviewError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile


@dataclass(frozen=True)
class Finding:
    """One problem found in the file, as data."""

    code: str
    pgid: int | None
    message: str
    path: BucketPath = ()

    def __str__(self) -> str:
        return self.message


@dataclass
class Walk:
    """What a walk over the trees has learned so far."""

    freed: frozenset[int]
    reachable: set[int] = field(default_factory=set)


def walk_bucket(db: BoltFile, bucket: Bucket, walk: Walk) -> Iterator[Finding]:
    """Check one bucket's pages, then its sub-buckets (inline ones are skipped, as bbolt).

    Depth first, in key order, as bbolt; without recursion, so that buckets nested
    as deep as bbolt allows (it sets no limit) are checked, not refused.
    """
    pending = [bucket]
    while pending:
        current = pending.pop()
        sub_buckets: list[Bucket] = []
        if current.is_inline:
            yield from _check_inline(current)
        else:
            yield from _walk_page(db, current, current.root, walk, (), None, sub_buckets)
        pending.extend(reversed(sub_buckets))


def _check_inline(bucket: Bucket) -> Iterator[Finding]:
    """An inline bucket's page, read as the readers read it (bbolt's check skips it).

    It has no page of its own to count; what it claims (its elements, their
    order) must still fit in its value, or every reader rejects the bucket.
    """
    path = bucket.path
    page = bucket.root_page()
    if not page.is_leaf:
        yield Finding(
            "invalid-type", 0, f"inline bucket {show_path(path)}: invalid type: {page.type}", path
        )
        return
    try:
        keys = _keys(page)
    except BoltviewError as error:
        yield Finding("unreadable", 0, f"inline bucket {show_path(path)}: {error}", path)
        return
    yield from _check_order(0, keys, None, path)
    # bbolt inlines only a bucket without sub-buckets; one inside is not walked (a
    # chain of them, each with two, would be 2**depth buckets), only reported.
    nested = sum(1 for flags, *_ in page.leaf_records() if flags & BUCKET_LEAF_FLAG)
    if nested:
        yield Finding(
            "inline-sub-bucket", 0,
            f"inline bucket {show_path(path)}: holds {nested} sub-bucket(s), which bbolt never inlines",
            path,
        )  # fmt: skip


def _walk_page(
    db: BoltFile,
    bucket: Bucket,
    pgid: int,
    walk: Walk,
    ancestors: tuple[int, ...],
    bounds: tuple[bytes | None, bytes | None] | None,
    sub_buckets: list[Bucket],
) -> Iterator[Finding]:
    path = bucket.path  # named in a finding only: a chain n deep would cost n * n
    if pgid >= db.high_water_mark:
        yield Finding(
            "out-of-bounds", pgid, f"page {pgid}: out of bounds: {db.high_water_mark}", path
        )
    try:
        page = db.raw_page(pgid)
    except BoltviewError as error:
        yield Finding("unreadable", pgid, f"{error} (in bucket {show_path(path)})", path)
        return

    already = any(pgid + i in walk.reachable for i in range(page.overflow + 1))
    for i in range(page.overflow + 1):
        if pgid + i in walk.reachable:
            yield Finding(
                "multiple-references", pgid + i, f"page {pgid + i}: multiple references", path
            )
        walk.reachable.add(pgid + i)

    if pgid in walk.freed:
        yield Finding("reachable-freed", pgid, f"page {pgid}: reachable freed", path)
    elif not (page.is_branch or page.is_leaf):
        yield Finding("invalid-type", pgid, f"page {pgid}: invalid type: {page.type}", path)
        return
    if already or pgid in ancestors:
        # A page seen before is not walked twice: that is how a cycle ends.
        return
    if page.header_id != pgid:
        yield Finding(
            "wrong-page-id", pgid, f"page {pgid}: header says page {page.header_id}", path
        )

    try:
        keys = _keys(page)
    except BoltviewError as error:
        yield Finding("unreadable", pgid, f"{error} (in bucket {show_path(path)})", path)
        return
    yield from _check_order(pgid, keys, bounds, path)

    if page.is_branch:
        children = page.branch_records()
        trail = ancestors + (pgid,)
        for index, (_, _, child) in enumerate(children):
            upper = keys[index + 1] if index + 1 < len(keys) else (bounds or (None, None))[1]
            yield from _walk_page(
                db, bucket, child, walk, trail, (keys[index], upper), sub_buckets
            )
        return

    yield from _open_sub_buckets(db, page, pgid, path, sub_buckets)


def _open_sub_buckets(
    db: BoltFile, page: Page, pgid: int, path: tuple[bytes, ...], sub_buckets: list[Bucket]
) -> Iterator[Finding]:
    data = page.data
    for flags, ks, ke, vs, ve in page.leaf_records():
        if flags & BUCKET_LEAF_FLAG:
            try:
                sub_buckets.append(
                    open_bucket(db, path + (data[ks:ke],), data[vs:ve], limit_nesting=False)
                )
            except BoltviewError as error:
                yield Finding("unreadable", pgid, f"{error}", path + (data[ks:ke],))


def _keys(page: Page) -> list[bytes]:
    data = page.data
    if page.is_branch:
        return [data[ks:ke] for ks, ke, _ in page.branch_records()]
    return [data[ks:ke] for _, ks, ke, _, _ in page.leaf_records()]


def _check_order(
    pgid: int,
    keys: list[bytes],
    bounds: tuple[bytes | None, bytes | None] | None,
    path: BucketPath,
) -> Iterator[Finding]:
    """Keys strictly ascending, and inside the range the parent branch gives (newer bbolt)."""
    for index in range(1, len(keys)):
        if keys[index - 1] >= keys[index]:
            yield Finding(
                "keys-out-of-order",
                pgid,
                f"page {pgid}: key {index} ({keys[index].hex()}) is not after "
                f"key {index - 1} ({keys[index - 1].hex()})",
                path,
            )
    if bounds is None or not keys:
        return
    lower, upper = bounds
    if lower is not None and keys[0] < lower:
        yield Finding(
            "keys-out-of-order",
            pgid,
            f"page {pgid}: first key {keys[0].hex()} is before its parent's key {lower.hex()}",
            path,
        )
    if upper is not None and keys[-1] >= upper:
        yield Finding(
            "keys-out-of-order",
            pgid,
            f"page {pgid}: last key {keys[-1].hex()} is not before the next sibling's key "
            f"{upper.hex()}",
            path,
        )
