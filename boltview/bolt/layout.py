"""The on-disk layout of a bbolt file, declared once.

Every structure bbolt writes is declared here as a construct ``Struct``, in both
byte orders: bbolt writes in the machine's native order, and the magic number
tells which one a file uses.  These declarations are the single source of truth:
the meta and page parsers use them directly, the tests use them to build corrupt
pages, and the hot loops use ``struct.Struct`` formats *derived* from them
(construct pays a per-parse cost about a hundred times that of ``struct``; the
test suite checks that both read the same numbers).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache

from construct import (
    Array,
    Bytes,
    FormatField,
    Int16ub,
    Int16ul,
    Int32ub,
    Int32ul,
    Int64ub,
    Int64ul,
    Struct,
    this,
)

MAGIC = 0xED0CDAED
VERSION = 2

#: What the magic looks like on disk, by byte order.
MAGIC_BYTES = {"<": b"\xed\xda\x0c\xed", ">": b"\xed\x0c\xda\xed"}

PAGE_HEADER_SIZE = 16
BRANCH_ELEMENT_SIZE = 16
LEAF_ELEMENT_SIZE = 16
BUCKET_HEADER_SIZE = 16
META_SIZE = 64
#: The checksum covers the meta up to, not including, the checksum itself.
META_CHECKSUM_SPAN = 56

# Page flags.
BRANCH_PAGE = 0x01
LEAF_PAGE = 0x02
META_PAGE = 0x04
FREELIST_PAGE = 0x10

#: Leaf element flag: the value is a bucket header, not user data.
BUCKET_LEAF_FLAG = 0x01

#: A meta whose freelist is this pgid has no freelist page (NoFreelistSync).
PGID_NO_FREELIST = 0xFFFFFFFFFFFFFFFF

#: A freelist page whose count is this keeps the real count in its first u64.
FREELIST_COUNT_OVERFLOW = 0xFFFF

MAX_KEY_SIZE = 32768
MAX_VALUE_SIZE = (1 << 31) - 2

#: bbolt probes for meta 1 at these page sizes when meta 0 is unreadable.
PROBE_PAGE_SIZES = tuple(1024 << i for i in range(15))

_INTS = {
    "<": (Int16ul, Int32ul, Int64ul),
    ">": (Int16ub, Int32ub, Int64ub),
}


def page_type_name(flags: int) -> str:
    """bbolt's own word for a page's type (``unknown<xx>`` for anything else)."""
    if flags & BRANCH_PAGE:
        return "branch"
    if flags & LEAF_PAGE:
        return "leaf"
    if flags & META_PAGE:
        return "meta"
    if flags & FREELIST_PAGE:
        return "freelist"
    return f"unknown<{flags:02x}>"


@dataclass(frozen=True)
class Layout:
    """All of bbolt's structures in one byte order (``"<"`` or ``">"``)."""

    order: str
    page_header: Struct
    meta: Struct
    branch_element: Struct
    leaf_element: Struct
    bucket_header: Struct
    freelist_id: FormatField

    @property
    def fast_page_header(self) -> struct.Struct:
        return fast_struct(self.page_header)

    @property
    def fast_meta(self) -> struct.Struct:
        return fast_struct(self.meta)

    @property
    def fast_bucket_header(self) -> struct.Struct:
        return fast_struct(self.bucket_header)

    def fast_elements(self, count: int) -> struct.Struct:
        """One format that reads ``count`` consecutive leaf (or branch) elements."""
        return _element_array(self.order, fast_struct(self.leaf_element).format[1:], count)

    def fast_branch_elements(self, count: int) -> struct.Struct:
        return _element_array(self.order, fast_struct(self.branch_element).format[1:], count)

    def fast_ids(self, count: int) -> struct.Struct:
        return struct.Struct(f"{self.order}{count}Q")


@cache
def layout(order: str) -> Layout:
    """The construct declarations for one byte order, built once."""
    u16, u32, u64 = _INTS[order]
    page_header = Struct("id" / u64, "flags" / u16, "count" / u16, "overflow" / u32)
    bucket_header = Struct("root" / u64, "sequence" / u64)
    meta = Struct(
        "magic" / u32,
        "version" / u32,
        "page_size" / u32,
        "flags" / u32,
        "root" / u64,
        "sequence" / u64,
        "freelist" / u64,
        "pgid" / u64,
        "txid" / u64,
        "checksum" / u64,
    )
    branch_element = Struct("pos" / u32, "ksize" / u32, "pgid" / u64)
    leaf_element = Struct("flags" / u32, "pos" / u32, "ksize" / u32, "vsize" / u32)
    return Layout(order, page_header, meta, branch_element, leaf_element, bucket_header, u64)


def page_struct(order: str, page_size: int) -> Struct:
    """A whole page as construct sees it: header, then the rest as bytes.

    Used by tests and ``page N`` to build or show pages; the readers use the
    fast formats.
    """
    lay = layout(order)
    return Struct("header" / lay.page_header, "body" / Bytes(page_size - PAGE_HEADER_SIZE))


def element_struct(order: str, leaf: bool) -> Struct:
    """A page header followed by its element array (count taken from the header)."""
    lay = layout(order)
    element = lay.leaf_element if leaf else lay.branch_element
    return Struct("header" / lay.page_header, "elements" / Array(this.header.count, element))


@cache
def fast_struct(declaration: Struct) -> struct.Struct:
    """Derive a ``struct.Struct`` from a construct Struct of plain integer fields.

    The field formats come from construct's own ``FormatField`` objects, so
    the two can never disagree about sizes or byte order.
    """
    formats = []
    order = None
    for sub in declaration.subcons:
        field = sub.subcon
        if not isinstance(field, FormatField):
            raise TypeError(f"{sub.name} is not a fixed-size integer field")
        order = order or field.fmtstr[0]
        if field.fmtstr[0] != order:
            raise TypeError("mixed byte orders in one Struct")
        formats.append(field.fmtstr[1:])
    return struct.Struct((order or "<") + "".join(formats))


@cache
def _element_array(order: str, element_format: str, count: int) -> struct.Struct:
    return struct.Struct(order + element_format * count)
