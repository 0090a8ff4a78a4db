"""Windows of a bucket's keys, forward and backward, for the lazy tree.

The tree never holds a whole bucket: it shows a window of keys and asks for
the next (or the previous) window when the cursor reaches its edge.  Forward
windows use the engine's seekable cursor (``Bucket.entries(start)``); backward
windows walk the same B+tree from the right, which bbolt's cursor can do
(``Cursor.Prev``) but the engine does not expose.  Both read only the pages
on one root-to-leaf path plus the leaves the window covers.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from boltview.bolt.bucket import MAX_DEPTH, Bucket, Budget, Entry
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.bolt.page import Page
from boltview.errors import PageError

#: Keys per window: enough to fill a tall terminal, cheap to read.
WINDOW = 200


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


def entries_before(bucket: Bucket, before: bytes | None) -> Iterator[Entry]:
    """Keys strictly less than ``before`` (all keys when None), last first."""
    budget = Budget(bucket.db)
    for page, end in _leaves_reversed(bucket, bucket.root_page(), before, (), budget):
        data = page.data
        records = page.leaf_records()
        for flags, ks, ke, vs, ve in reversed(records[:end]):
            yield Entry(data[ks:ke], data[vs:ve], bool(flags & BUCKET_LEAF_FLAG))


def _leaves_reversed(
    bucket: Bucket, page: Page, before: bytes | None, ancestors: tuple[int, ...], budget: Budget
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
        raise PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")
    branches = page.branch_records()
    index = len(branches) - 1
    if before is not None and branches:
        data = page.data
        keys = [data[ks:ke] for ks, ke, _ in branches]
        # Children whose first key is below ``before`` may hold wanted keys.
        index = max(bisect_left(keys, before) - 1, 0)
    trail = ancestors + (page.pgid,)
    for position in range(index, -1, -1):
        pgid = branches[position][2]
        if pgid in trail:
            raise PageError(pgid, f"reference cycle: page {page.pgid} points back to it")
        if len(trail) >= MAX_DEPTH:
            raise PageError(pgid, f"tree deeper than {MAX_DEPTH} levels")
        budget.spend(pgid)  # a corrupt tree sharing pages cannot multiply the walk
        child = bucket.db.page(pgid)
        if not (child.is_branch or child.is_leaf):
            raise PageError(pgid, f"expected a branch or leaf page, found {child.type}")
        yield from _leaves_reversed(
            bucket, child, before if position == index else None, trail, budget
        )
