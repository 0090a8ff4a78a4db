"""Consistency checking, as ``bbolt check`` does it.

The check walks every bucket's pages once, noting which pages are reachable,
and compares that with the freelist.  It reports what bbolt 1.3.6's
``tx.Check`` reports, in bbolt's words, plus what newer bbolt adds (keys out
of order) and what a reader that must not crash has to add (pages it cannot
read at all).  Findings are data: the walk never stops at the first one and
never raises on corrupt input.

The walk itself is in :mod:`~boltview.bolt.walk`; the free page set (which
the walk also rebuilds for a NoFreelistSync file) in
:mod:`~boltview.bolt.freelist`.  ``Finding`` and ``free_page_ids`` are
re-exported here, where callers have always found them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from boltview.bolt.freelist import existing_pages, free_page_ids, freelist_run
from boltview.bolt.walk import Finding, Walk, walk_bucket
from boltview.errors import BoltviewError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile

__all__ = ["Finding", "check", "free_page_ids"]


def check(db: BoltFile) -> Iterator[Finding]:
    """Every problem ``bbolt check`` would report, and a few it cannot."""
    # A live file grows as its writer commits: judge its end by its size now, not
    # when it was opened (the transaction read may have been committed since).
    db.source.refresh_size()
    try:
        free_ids = free_page_ids(db)
    except BoltviewError as error:
        yield Finding("freelist-unreadable", db.meta.freelist, f"freelist: {error}")
        free_ids = []

    freed: set[int] = set()
    for pgid in free_ids:
        if pgid in freed:
            yield Finding("already-freed", pgid, f"page {pgid}: already freed")
        freed.add(pgid)

    walk = Walk(frozenset(freed))
    walk.reachable.update((0, 1))
    if not db.meta.no_freelist_sync:
        walk.reachable.update(freelist_run(db))

    yield from walk_bucket(db, db.root, walk)

    end = existing_pages(db)
    if end < db.high_water_mark:
        yield Finding(
            "past-end-of-file",
            end,
            f"high-water mark {db.high_water_mark} is past the end of the file ({end} pages): "
            f"pages {end} to {db.high_water_mark - 1} are missing",
        )
    for pgid in range(end):
        if pgid not in walk.reachable and pgid not in freed:
            yield Finding("unreachable-unfreed", pgid, f"page {pgid}: unreachable unfreed")
