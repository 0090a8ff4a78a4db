"""The free pages of a transaction, and the page table bbolt's ``pages`` prints.

bbolt keeps the free page ids on a freelist page the meta points to.  A file
written with NoFreelistSync has none: bbolt rebuilds the list on open as every
page in [2, high-water mark) that the tree does not reach, and so does
``free_page_ids`` here, with the check walk (:mod:`~boltview.bolt.walk`).

``page_spans`` steps through the file as bbolt's page table does: one row per
page, an overflow run counted once, a free page stepped over one id at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from boltview.bolt.layout import page_type_name
from boltview.bolt.walk import Walk, walk_bucket
from boltview.errors import BoltviewError, PageError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile


@dataclass(frozen=True)
class PageSpan:
    """Where a page sits and how far it reaches, without its bytes."""

    pgid: int
    type: str
    count: int
    overflow: int


def free_page_ids(db: BoltFile) -> list[int]:
    """The pages bbolt counts as free (or pending) at this transaction, sorted."""
    if db.meta.no_freelist_sync:
        walk = Walk(frozenset())
        for _ in walk_bucket(db, db.root, walk):
            pass
        end = existing_pages(db)
        return [pgid for pgid in range(2, end) if pgid not in walk.reachable]
    return db.page(db.meta.freelist).freelist_ids()


def existing_pages(db: BoltFile) -> int:
    """Pages below the high-water mark that the file really has.

    A meta may claim any high-water mark (up to 2**64 with a valid checksum);
    the pages past the end of the file do not exist, and counting them one by
    one would never end.
    """
    return min(db.high_water_mark, db.size // db.page_size)


def freelist_run(db: BoltFile) -> range:
    """The freelist page and its overflow pages (just the first when it cannot be read)."""
    try:
        page = db.raw_page(db.meta.freelist)
    except BoltviewError:
        return range(db.meta.freelist, db.meta.freelist + 1)
    return range(db.meta.freelist, db.meta.freelist + page.overflow + 1)


def page_spans(db: BoltFile, free: Collection[int] | None = None) -> Iterator[PageSpan]:
    """Every page below the high-water mark, an overflow run counted once.

    As bbolt's page table does, a free page is stepped over one id at a
    time: its header is stale (or the middle of an old value) and its
    overflow count means nothing.  ``free`` is the free set when the
    caller has it; otherwise it is read here.
    """
    if free is None:
        try:
            free = set(free_page_ids(db))
        except BoltviewError:
            free = set()
    pgid, end = 0, existing_pages(db)
    while pgid < end:
        header = db.page_header(pgid)
        if header is None:  # the file shrank under us
            raise PageError(pgid, "past the end of the file")
        _, flags, count, overflow = header
        yield PageSpan(pgid, page_type_name(flags), count, overflow)
        pgid += 1 if pgid in free else 1 + overflow
