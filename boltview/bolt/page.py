"""Pages: a header, then branch elements, leaf elements or page ids.

A ``Page`` holds the bytes of one page and its overflow run and reads its
elements on demand.  Every offset is checked against the bytes really there
before it is used, so a corrupt page raises ``PageError`` naming the page and
the problem instead of returning garbage or an IndexError.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import add

from boltview.bolt.layout import (
    BRANCH_ELEMENT_SIZE,
    BRANCH_PAGE,
    BUCKET_LEAF_FLAG,
    FREELIST_COUNT_OVERFLOW,
    FREELIST_PAGE,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    META_PAGE,
    PAGE_HEADER_SIZE,
    Layout,
    page_type_name,
)
from boltview.errors import PageError


@dataclass(frozen=True, slots=True)
class LeafElement:
    """One key of a leaf page; ``value`` is a bucket header when ``is_bucket``."""

    flags: int
    key: bytes
    value: bytes
    #: Offsets of the key and value inside the page, for annotated hex dumps.
    key_offset: int
    value_offset: int

    @property
    def is_bucket(self) -> bool:
        return bool(self.flags & BUCKET_LEAF_FLAG)


@dataclass(frozen=True, slots=True)
class BranchElement:
    """One child of a branch page: the child's first key and its pgid."""

    key: bytes
    pgid: int
    key_offset: int


class Page:
    """A page as read from the file: header fields plus its raw bytes.

    ``data`` covers the page and its overflow pages, as far as the file has
    them.  An inline bucket's page is a ``Page`` too, with ``pgid`` 0.
    """

    __slots__ = ("count", "data", "flags", "header_id", "layout", "overflow", "pgid")

    def __init__(self, pgid: int, data: bytes, layout: Layout) -> None:
        if len(data) < PAGE_HEADER_SIZE:
            raise PageError(pgid, f"only {len(data)} bytes, shorter than a page header")
        self.pgid = pgid
        self.data = data
        self.layout = layout
        self.header_id, self.flags, self.count, self.overflow = (
            layout.fast_page_header.unpack_from(data)
        )

    @property
    def type(self) -> str:
        return page_type_name(self.flags)

    @property
    def is_leaf(self) -> bool:
        return bool(self.flags & LEAF_PAGE)

    @property
    def is_branch(self) -> bool:
        return bool(self.flags & BRANCH_PAGE)

    @property
    def is_meta(self) -> bool:
        return bool(self.flags & META_PAGE)

    @property
    def is_freelist(self) -> bool:
        return bool(self.flags & FREELIST_PAGE)

    def __repr__(self) -> str:
        return f"<Page {self.pgid} {self.type} count={self.count} overflow={self.overflow}>"

    def _element_array(self, element_size: int) -> int:
        """Check the element array fits; return where it ends."""
        end = PAGE_HEADER_SIZE + self.count * element_size
        if end > len(self.data):
            raise PageError(
                self.pgid, f"{self.count} elements do not fit in {len(self.data)} bytes"
            )
        return end

    def leaf_spans(self) -> tuple[tuple[int, ...], list[int], list[int], list[int]]:
        """Columns for every element: flags, key starts, value starts, value ends.

        A key ends where its value starts.  This is the hot path of every walk,
        so it has no Python loop per element: one ``struct`` call reads the
        element array, and ``map`` does the arithmetic in C.
        """
        count = self.count
        if count == 0:
            return (), [], [], []
        self._element_array(LEAF_ELEMENT_SIZE)
        raw = self.layout.fast_elements(count).unpack_from(self.data, PAGE_HEADER_SIZE)
        # An element's pos counts from the element's own address.
        addresses = range(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * count,
                          LEAF_ELEMENT_SIZE)  # fmt: skip
        key_starts = list(map(add, raw[1::4], addresses))
        value_starts = list(map(add, key_starts, raw[2::4]))
        value_ends = list(map(add, value_starts, raw[3::4]))
        if max(value_ends) > len(self.data):
            bad = next(i for i, end in enumerate(value_ends) if end > len(self.data))
            raise PageError(
                self.pgid,
                f"element {bad} runs past the end of the page ({value_ends[bad]} > {len(self.data)})",
            )
        return raw[0::4], key_starts, value_starts, value_ends

    def leaf_records(self) -> list[tuple[int, int, int, int, int]]:
        """(flags, key start, key end, value start, value end) for every element."""
        flags, key_starts, value_starts, value_ends = self.leaf_spans()
        return list(zip(flags, key_starts, value_starts, value_starts, value_ends))

    def leaf_elements(self) -> list[LeafElement]:
        self._expect(LEAF_PAGE)
        data = self.data
        return [
            LeafElement(flags, data[ks:ke], data[vs:ve], ks, vs)
            for flags, ks, ke, vs, ve in self.leaf_records()
        ]

    def branch_records(self) -> list[tuple[int, int, int]]:
        """(key start, key end, child pgid) for every element."""
        count = self.count
        if count == 0:
            return []
        self._element_array(BRANCH_ELEMENT_SIZE)
        raw = self.layout.fast_branch_elements(count).unpack_from(self.data, PAGE_HEADER_SIZE)
        size = len(self.data)
        records = []
        base = PAGE_HEADER_SIZE
        for i in range(0, 3 * count, 3):
            kstart = base + raw[i]
            kend = kstart + raw[i + 1]
            if kend > size:
                raise PageError(
                    self.pgid, f"element {i // 3} runs past the end of the page ({kend} > {size})"
                )
            records.append((kstart, kend, raw[i + 2]))
            base += BRANCH_ELEMENT_SIZE
        return records

    def branch_elements(self) -> list[BranchElement]:
        self._expect(BRANCH_PAGE)
        data = self.data
        return [BranchElement(data[ks:ke], child, ks) for ks, ke, child in self.branch_records()]

    def freelist_ids(self) -> list[int]:
        """The page ids listed on a freelist page, sorted as bbolt sorts them."""
        self._expect(FREELIST_PAGE)
        start, count = PAGE_HEADER_SIZE, self.count
        if count == FREELIST_COUNT_OVERFLOW:
            if len(self.data) < start + 8:
                raise PageError(self.pgid, "freelist count overflow with no count")
            (count,) = self.layout.fast_ids(1).unpack_from(self.data, start)
            start += 8
        if start + 8 * count > len(self.data):
            raise PageError(
                self.pgid, f"freelist of {count} ids does not fit in {len(self.data)} bytes"
            )
        if count == 0:
            return []
        return sorted(self.layout.fast_ids(count).unpack_from(self.data, start))

    def _expect(self, flag: int) -> None:
        if not self.flags & flag:
            raise PageError(
                self.pgid, f"expected a {page_type_name(flag)} page, found {self.type}"
            )
