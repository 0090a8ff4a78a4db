"""The two meta pages, and how bbolt chooses between them.

Each commit writes the meta page ``txid % 2``; the other one describes the
transaction before.  A reader takes the valid meta with the higher txid, and
falls back to the other when that one fails its checks.  The meta we do *not*
choose is still a real, older state of the database: forensics reads it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from boltview.bolt.layout import (
    MAGIC,
    META_CHECKSUM_SPAN,
    META_SIZE,
    PAGE_HEADER_SIZE,
    PGID_NO_FREELIST,
    VERSION,
    Layout,
)


def fnv1a64(data: bytes) -> int:
    """FNV-1a, 64 bits: the checksum bbolt keeps in every meta page."""
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


@dataclass(frozen=True)
class Meta:
    """One decoded meta page, with the verdict of bbolt's checks on it."""

    index: int  #: 0 or 1: which of the two meta pages
    header_id: int
    page_flags: int
    magic: int
    version: int
    page_size: int
    flags: int
    root: int
    sequence: int
    freelist: int
    pgid: int  #: the high-water mark: pages at or above it do not exist yet
    txid: int
    checksum: int
    computed_checksum: int
    #: Why bbolt would refuse this meta, or None when it is valid.
    problem: str | None

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def no_freelist_sync(self) -> bool:
        """True when the writer kept no freelist page (bbolt's NoFreelistSync)."""
        return self.freelist == PGID_NO_FREELIST

    @property
    def checksum_note(self) -> str:
        if self.checksum == 0:
            return "zero (not checked: bbolt <= 1.3.6 accepts it)"
        if self.checksum == self.computed_checksum:
            return "ok"
        return f"mismatch (computed {self.computed_checksum:#018x})"


def decode_meta(index: int, page: bytes, layout: Layout) -> Meta:
    """Decode the meta stored in ``page`` (at least a header plus 64 bytes)."""
    header_id, page_flags, _, _ = layout.fast_page_header.unpack_from(page)
    body = page[PAGE_HEADER_SIZE : PAGE_HEADER_SIZE + META_SIZE]
    fields = layout.meta.parse(body)
    computed = fnv1a64(body[:META_CHECKSUM_SPAN])
    return Meta(
        index=index,
        header_id=header_id,
        page_flags=page_flags,
        magic=fields.magic,
        version=fields.version,
        page_size=fields.page_size,
        flags=fields.flags,
        root=fields.root,
        sequence=fields.sequence,
        freelist=fields.freelist,
        pgid=fields.pgid,
        txid=fields.txid,
        checksum=fields.checksum,
        computed_checksum=computed,
        problem=_problem(
            fields.magic, fields.version, fields.checksum, computed, fields.page_size
        ),
    )


#: The smallest page that holds a page header and a meta.
MIN_PAGE_SIZE = PAGE_HEADER_SIZE + META_SIZE


def _problem(magic: int, version: int, checksum: int, computed: int, page_size: int) -> str | None:
    """bbolt's ``meta.validate``, in words, and a page size no file can have.

    bbolt takes a page size of 0 from a meta whose checksum is right and then
    fails; a reader can do better and use the other meta, so such a meta is
    named invalid here ("page size 0").
    """
    if magic != MAGIC:
        return f"bad magic {magic:#010x} (want {MAGIC:#010x})"
    if version != VERSION:
        return f"unsupported version {version} (want {VERSION})"
    if checksum != 0 and checksum != computed:
        return f"checksum mismatch: stored {checksum:#018x}, computed {computed:#018x}"
    if page_size == 0:
        return "page size 0"
    if page_size < MIN_PAGE_SIZE or page_size & (page_size - 1):
        return f"page size {page_size} (not a power of two of at least {MIN_PAGE_SIZE})"
    return None


def choose(meta0: Meta, meta1: Meta) -> tuple[Meta, str]:
    """The meta bbolt would use, and why, in a sentence for ``info``."""
    newer, older = (meta1, meta0) if meta1.txid > meta0.txid else (meta0, meta1)
    if newer.valid:
        return newer, f"meta {newer.index} is valid and has the higher txid ({newer.txid})"
    if older.valid:
        return older, (
            f"meta {newer.index} (txid {newer.txid}) is invalid: {newer.problem}; "
            f"fell back to meta {older.index} (txid {older.txid})"
        )
    raise ValueError("both meta pages are invalid")
