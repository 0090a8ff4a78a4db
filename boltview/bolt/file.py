"""A bolt database opened for reading: the entry point of the engine.

``BoltFile.open(path)`` checks that the file is a bolt database, finds its page
size and byte order, decodes both meta pages and picks the one bbolt would
use.  Nothing else is read until it is asked for: opening a 10 GB file costs
the same as opening a 32 KB one.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self

from boltview.bolt import meta as metas
from boltview.bolt.bucket import Bucket
from boltview.bolt.freelist import PageSpan, page_spans
from boltview.bolt.layout import (
    BRANCH_PAGE,
    LEAF_ELEMENT_SIZE,
    MAGIC_BYTES,
    META_SIZE,
    PAGE_HEADER_SIZE,
    PROBE_PAGE_SIZES,
    Layout,
    layout,
)
from boltview.bolt.live import LockHolder, lock_holders
from boltview.bolt.meta import Meta
from boltview.bolt.page import Page
from boltview.bolt.source import SNAPSHOT_MEMORY_SHARE, Source, memory_available
from boltview.errors import BoltviewError, InvalidDatabaseError, PageError

_META_END = PAGE_HEADER_SIZE + META_SIZE
_CACHED_PAGES = 256
SNAPSHOT_ATTEMPTS = 5
_HASH_CHUNK = 4 << 20
#: An overflow run longer than this is read only as far as its elements reach.
_WHOLE_RUN = 16 << 20
#: A live file up to this size is copied to memory to be read consistently.
AUTO_SNAPSHOT_LIMIT = 1 << 30
#: The browser reads a file up to this size from a snapshot, locked or not: a
#: writer that locks only while it writes (podman) leaves no lock to see.
BROWSE_SNAPSHOT_LIMIT = 64 << 20


@dataclass(frozen=True)
class FileChange:
    """How the file on disk has moved on from what a :class:`BoltFile` was opened at."""

    opened: int | None  #: the newest valid txid when the file was opened
    now: int | None  #: the newest valid txid in the file now (None: no valid meta now)
    replaced: bool = False  #: the path names another file now (renamed over, or deleted)

    @property
    def pages_reused(self) -> bool:
        """Whether the writer may have reused pages of the transaction that was opened.

        bbolt frees the pages of transaction T in T+1 and reuses them from
        T+2 on: until the second commit, T is still whole on disk.
        """
        if self.replaced:
            return False  # the file we hold did not move
        if self.opened is None or self.now is None:
            return True
        return not self.opened <= self.now <= self.opened + 1

    def __str__(self) -> str:
        if self.replaced:
            return "replaced on disk"
        before = "?" if self.opened is None else str(self.opened)
        after = "no valid meta page" if self.now is None else str(self.now)
        return f"txid {before} -> {after}"


class BoltFile:
    """A read-only view of one bolt file at one transaction (one meta page)."""

    def __init__(
        self,
        source: Source,
        order: str,
        page_size: int,
        meta0: Meta,
        meta1: Meta,
        use_meta: int | None = None,
    ) -> None:
        self.source = source
        self.path = source.path
        self.order = order
        self.layout: Layout = layout(order)
        self.page_size = page_size
        self.metas = (meta0, meta1)
        if use_meta is None:
            try:
                self.meta, self.meta_reason = metas.choose(meta0, meta1)
            except ValueError:
                raise InvalidDatabaseError(
                    f"{self.path}: both meta pages are invalid "
                    f"(meta 0: {meta0.problem}; meta 1: {meta1.problem})"
                ) from None
        else:
            chosen = self.metas[use_meta]
            if chosen.magic != metas.MAGIC:
                raise InvalidDatabaseError(
                    f"{self.path}: meta {use_meta} cannot be used: {chosen.problem}"
                )
            self.meta = chosen
            self.meta_reason = f"meta {use_meta} chosen by the user (--meta {use_meta})"
            if chosen.problem:
                self.meta_reason += f"; bbolt would refuse it: {chosen.problem}"
        self._pages: OrderedDict[int, Page] = OrderedDict()
        #: The path each non-inline bucket root page was opened as: in a sound
        #: tree no page is the root of two buckets (see ``Bucket.child``).
        self.bucket_roots: dict[int, tuple[bytes, ...]] = {}
        #: Processes the kernel lists as holding a lock on the file (a live writer).
        self.lock_holders: list[LockHolder] = []
        #: How ``open`` was asked to open the file, so that ``reopen`` can do it again.
        self.opened_with: dict[str, Any] = {}

    # -- opening ----------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str,
        *,
        meta: int | None = None,
        snapshot: bool | None = False,
        copy_up_to: int = 0,
    ) -> BoltFile:
        """Open ``path`` read-only.  ``meta`` forces meta page 0 or 1.

        With ``snapshot`` the whole file is copied into memory first, so a
        live writer cannot change what we read halfway through.  ``None``
        decides by looking: a file that a writer holds locked (and that is
        not too big to copy), or any file of at most ``copy_up_to`` bytes, is
        read from a snapshot when it fits in memory.  The browser copies small
        files this way because many writers (podman, rclone) lock only while
        they write.  A snapshot of a file larger than a third of the memory
        available is refused (InvalidDatabaseError), never tried.
        """
        if meta not in (None, 0, 1):
            raise InvalidDatabaseError(f"{path}: --meta must be 0 or 1, not {meta}")
        how = {"meta": meta, "snapshot": snapshot, "copy_up_to": copy_up_to}
        source = Source(path)
        try:
            holders = lock_holders(source.stat)
            if snapshot is None:
                size = source.size
                wanted = size <= copy_up_to or (bool(holders) and size <= AUTO_SNAPSHOT_LIMIT)
                snapshot = wanted and _fits(size)
            elif snapshot and not _fits(source.size):
                raise InvalidDatabaseError(
                    f"{path}: --snapshot refused: the file ({_mib(source.size)}) is more than "
                    f"a third of the memory available ({_mib(memory_available() or 0)}); "
                    "read it without --snapshot"
                )
            db = (
                cls._consistent_snapshot(source, meta) if snapshot
                else cls._from_source(source, meta)
            )  # fmt: skip
            db.lock_holders = holders
            db.opened_with = how
            return db
        except BaseException:
            source.close()
            raise

    @classmethod
    def from_source(cls, source: Source, *, meta: int | None = None) -> BoltFile:
        """A bolt file read through a source opened elsewhere (a file inside a disk image).

        Such a file has no writer: nothing can change it while it is read.
        """
        try:
            return cls._from_source(source, meta)
        except BaseException:
            source.close()
            raise

    @classmethod
    def _consistent_snapshot(cls, source: Source, use_meta: int | None) -> BoltFile:
        """Copy the file to memory until a copy holds one whole, untorn transaction.

        The pages of tree T are freed by transaction T+1 and may be reused by
        T+2, which writes its data pages *before* its meta page: a file whose
        meta still says T+1 may already hold T+2's pages.  So a copy whose
        newest meta says T is whole only if, once copied, the file's newest
        meta still says T.  Otherwise copy again, a few times.
        """
        seen = []
        for _ in range(SNAPSHOT_ATTEMPTS):
            source.take_snapshot()
            db = cls._from_source(source, use_meta)
            live = db.live_txid()
            if live is None or live <= db.newest_txid:
                return db
            seen.append(f"{db.txid}->{live}")
        raise InvalidDatabaseError(
            f"{source.path}: the database changed too fast to copy a consistent snapshot "
            f"({SNAPSHOT_ATTEMPTS} attempts, txids {', '.join(seen)})"
        )

    @classmethod
    def _from_source(cls, source: Source, use_meta: int | None) -> BoltFile:
        path = source.path
        size = source.size
        if size == 0:
            raise InvalidDatabaseError(f"{path}: file is empty (0 bytes), not a bolt database")
        head = source.read(0, _META_END)
        if len(head) < _META_END:
            raise InvalidDatabaseError(
                f"{path}: only {size} bytes, too short for a bolt meta page (truncated?)"
            )
        order = _byte_order(head)
        if order is None:
            order = _probe_byte_order(source)
        if order is None:
            raise InvalidDatabaseError(f"{path}: not a bolt database (no bolt magic number)")
        lay = layout(order)
        meta0 = metas.decode_meta(0, head, lay)
        page_size = meta0.page_size if meta0.valid else _probe_page_size(source, lay)
        if page_size is None or page_size < _META_END or page_size & (page_size - 1):
            raise InvalidDatabaseError(
                f"{path}: both meta pages are invalid (meta 0: {meta0.problem}; "
                "no valid meta 1 at any page size)"
            )
        second = source.read(page_size, _META_END)
        if len(second) < _META_END:
            raise InvalidDatabaseError(
                f"{path}: truncated: {size} bytes, but meta 1 should end at "
                f"{page_size + _META_END} (page size {page_size})"
            )
        meta1 = metas.decode_meta(1, second, lay)
        return cls(source, order, page_size, meta0, meta1, use_meta)

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_meta(self, index: int) -> BoltFile:
        """The same file seen at the other meta page's transaction."""
        other = BoltFile(self.source, self.order, self.page_size, *self.metas, use_meta=index)
        other.lock_holders = self.lock_holders
        other.opened_with = self.opened_with
        return other

    def reopen(self) -> BoltFile:
        """The same path opened again, the same way: the newest transaction it holds now.

        A file that was read from a snapshot is copied again; the old
        ``BoltFile`` is left open for whoever still reads it.
        """
        how = dict(self.opened_with)
        if not self.opened_with:
            how = {"snapshot": self.is_snapshot}
        return BoltFile.open(self.path, **how)

    @property
    def is_snapshot(self) -> bool:
        return self.source.is_snapshot

    # -- a live file ------------------------------------------------------

    @property
    def newest_txid(self) -> int:
        """The newest valid transaction the file held when opened (whatever meta we read)."""
        return max((m.txid for m in self.metas if m.valid), default=self.meta.txid)

    def live_txid(self) -> int | None:
        """The newest valid txid in the file *now* (not in a snapshot), or None."""
        txids = []
        for index in (0, 1):
            head = self.source.read_live(index * self.page_size, _META_END)
            if len(head) == _META_END:
                meta = metas.decode_meta(index, head, self.layout)
                if meta.valid:
                    txids.append(meta.txid)
        return max(txids) if txids else None

    def file_change(self) -> FileChange | None:
        """How the file moved on since it was opened, or None: one cheap look.

        Two ``pread`` of the meta pages and one ``stat`` of the path, so it
        may be asked on every read error and every few seconds.  It answers
        for a snapshot too (whose copy is then older than the file).  A writer
        that commits moves the newest txid; one that compacts renames a new
        file over the path.
        """
        opened, now = self._opened_txid, self.live_txid()
        if now != opened:
            return FileChange(opened, now)
        if self.source.replaced():
            return FileChange(opened, now, replaced=True)
        return None

    @property
    def _opened_txid(self) -> int | None:
        return max((m.txid for m in self.metas if m.valid), default=None)

    def changed_under_us(self) -> str | None:
        """Why what was read may mix transactions, or None when it cannot.

        Once the writer has committed past the transaction we read, its next
        one may already be reusing our pages (see ``_consistent_snapshot``).
        """
        if self.source.is_snapshot:
            return None
        live = self.live_txid()
        if live is not None and live > self.newest_txid:
            return (
                f"{self.path}: the database changed while it was read (txid {self.txid} -> "
                f"{live}); what was read may mix transactions: use --snapshot"
            )
        return None

    # -- facts ------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.source.size

    @property
    def byte_order(self) -> str:
        return "little-endian" if self.order == "<" else "big-endian"

    @property
    def txid(self) -> int:
        return self.meta.txid

    @property
    def high_water_mark(self) -> int:
        return self.meta.pgid

    def sha256(self) -> str:
        """The file's sha256 (its first ``size`` bytes), read in few chunks into one buffer.

        export hashes in a thread while it reads objects; every read hands the
        interpreter lock back and forth, so few reads keep the reader fast, and
        one buffer read into again keeps the hash from evicting the reader's
        memory from the cache (and the kernel from zeroing a new one each time).
        """
        digest = hashlib.sha256()
        for chunk in self.source.chunks(_HASH_CHUNK, self.size):
            digest.update(chunk)
        return digest.hexdigest()

    # -- pages ------------------------------------------------------------

    def page(self, pgid: int) -> Page:
        """Page ``pgid`` with its overflow pages; checks its header names it."""
        cached = self._pages.get(pgid)
        if cached is not None:
            self._pages.move_to_end(pgid)
            return cached
        page = self._read_page(pgid)
        if page.header_id != pgid:
            raise PageError(
                pgid, f"header says page {page.header_id} (a torn read or a corrupt pointer)"
            )
        if page.flags & BRANCH_PAGE and page.overflow == 0:
            # Branch pages are what every seek re-reads; leaves are read once per walk.
            self._pages[pgid] = page
            if len(self._pages) > _CACHED_PAGES:
                self._pages.popitem(last=False)
        return page

    def page_head(self, pgid: int) -> Page:
        """Page ``pgid`` without its overflow: its first page and its element array.

        For a leaf whose values fill a long overflow run, when only its keys
        and the start of its values are wanted (see ``cursor.glimpse``).
        """
        offset = pgid * self.page_size
        first = Page(pgid, self.source.read(offset, self.page_size), self.layout)
        if first.header_id != pgid:
            raise PageError(
                pgid, f"header says page {first.header_id} (a torn read or a corrupt pointer)"
            )
        array_end = PAGE_HEADER_SIZE + first.count * LEAF_ELEMENT_SIZE
        if array_end > len(first.data):
            first = Page(pgid, self.source.read(offset, array_end), self.layout)
        return first

    def raw_page(self, pgid: int) -> Page:
        """Page ``pgid`` as it is on disk, whatever its header says."""
        return self._read_page(pgid)

    def _read_page(self, pgid: int) -> Page:
        page_size = self.page_size
        offset = pgid * page_size
        source = self.source
        size = source.size
        if offset + page_size > size:
            size = source.refresh_size()
        if pgid < 0 or offset + PAGE_HEADER_SIZE > size:
            raise PageError(
                pgid, f"past the end of the file ({size} bytes, {size // page_size} pages)"
            )
        page = Page(pgid, source.read(offset, page_size), self.layout)
        if page.overflow:
            length = (page.overflow + 1) * page_size
            if offset + length > self.size and offset + length > self.source.refresh_size():
                raise PageError(
                    pgid, f"overflow of {page.overflow} pages runs past the end of the file"
                )
            if length > _WHOLE_RUN:
                length = self._needed(page, offset, length)
            page = Page(pgid, self.source.read(offset, length), self.layout)
        return page

    def _needed(self, first: Page, offset: int, length: int) -> int:
        """The bytes of a long overflow run its elements use: memory follows the values.

        A damaged header may claim a run to the end of a huge (sparse) file;
        only what the elements reach is read.  When an element claims more
        than the run holds, only the element array is read, and the page
        reports the element that runs past its end when it is read.
        """
        head = first
        # The header and the element array (or a freelist's long count).
        array_end = PAGE_HEADER_SIZE + 8 + first.count * LEAF_ELEMENT_SIZE
        if array_end > len(first.data):
            head = Page(first.pgid, self.source.read(offset, min(array_end, length)), self.layout)
        reach = head.reach()
        if reach is None:
            return length
        return reach if reach <= length else len(head.data)

    def page_header(self, pgid: int) -> tuple[int, int, int, int] | None:
        """The header of page ``pgid`` as it is on disk: (id, flags, count, overflow).

        Only the 16 header bytes are read, whatever the page's overflow; None
        when the file has no such page.
        """
        if pgid < 0:
            return None
        header = self.source.read(pgid * self.page_size, PAGE_HEADER_SIZE)
        if len(header) < PAGE_HEADER_SIZE:
            return None
        return self.layout.fast_page_header.unpack_from(header)  # type: ignore[no-any-return]

    def page_spans(self, free: Collection[int] | None = None) -> Iterator[PageSpan]:
        """Every page below the high-water mark, an overflow run counted once
        (see :func:`~boltview.bolt.freelist.page_spans`)."""
        return page_spans(self, free)

    # -- buckets ----------------------------------------------------------

    @property
    def root(self) -> Bucket:
        """The root bucket: its keys are the top-level buckets."""
        return Bucket(self, (), self.meta.root, self.meta.sequence, None)

    def bucket(self, *path: bytes) -> Bucket:
        """The bucket at ``path`` (names from the root down)."""
        return self.root.bucket(*path)


def _fits(size: int) -> bool:
    """Whether a copy of ``size`` bytes fits the share of memory a snapshot may take.

    Asked only when a snapshot is wanted: a direct read needs no look at memory.
    """
    room = memory_available()
    return room is None or size <= room * SNAPSHOT_MEMORY_SHARE


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB"


def _byte_order(head: bytes) -> str | None:
    magic = head[PAGE_HEADER_SIZE : PAGE_HEADER_SIZE + 4]
    for order, expected in MAGIC_BYTES.items():
        if magic == expected:
            return order
    return None


def _probe_byte_order(source: Source) -> str | None:
    """Meta 0 is unreadable: look for meta 1's magic at every page size bbolt allows."""
    for page_size in PROBE_PAGE_SIZES:
        order = _byte_order(source.read(page_size, _META_END))
        if order is not None:
            return order
    return None


def _probe_page_size(source: Source, lay: Layout) -> int | None:
    """Find meta 1 as bbolt does: a valid meta at 1024 << i whose page size is that."""
    for page_size in PROBE_PAGE_SIZES:
        head = source.read(page_size, _META_END)
        if len(head) < _META_END:
            return None
        candidate = metas.decode_meta(1, head, lay)
        if candidate.valid and candidate.page_size == page_size:
            return page_size
    return None


@contextmanager
def reading(
    path: str, *, meta: int | None = None, snapshot: bool | None = None
) -> Iterator[BoltFile]:
    """Open a file for one read, and make sure what was read was one transaction.

    ``snapshot=None`` copies a live file (one a writer holds locked) to memory
    first.  Otherwise, if a writer moved the file on while we read it, a page
    that looked corrupt -- or the whole answer -- may mix transactions: the
    reader gets a BoltviewError saying so instead of a wrong answer.
    """
    db = BoltFile.open(path, meta=meta, snapshot=snapshot)
    try:
        yield db
    except BoltviewError as error:
        changed = db.changed_under_us()
        if changed and changed not in str(error):  # a verb may have said it already, and more
            raise BoltviewError(changed) from None
        raise
    else:
        changed = db.changed_under_us()
        if changed:
            raise BoltviewError(changed)
    finally:
        db.close()
