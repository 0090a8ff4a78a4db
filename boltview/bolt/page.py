"""Pages: a header, then branch elements, leaf elements or page ids.

A ``Page`` holds the bytes of one page and its overflow run and reads its
elements on demand.  Every offset is checked against the bytes really there
before it is used, so a corrupt page raises ``PageError`` naming the page and
the problem instead of returning garbage or an IndexError.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add, sub

from boltview.bolt.layout import (
    BRANCH_ELEMENT_SIZE,
    BRANCH_PAGE,
    BUCKET_HEADER_SIZE,
    BUCKET_LEAF_FLAG,
    FREELIST_COUNT_OVERFLOW,
    FREELIST_PAGE,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    META_PAGE,
    META_SIZE,
    PAGE_HEADER_SIZE,
    Layout,
    page_type_name,
)
from boltview.bolt.layout import layout as layout_for
from boltview.errors import BoltviewError, PageError

Region = tuple[int, int, str]
"""A labelled byte range (start, end, label) of a page, for annotated hex dumps."""

Columns = tuple[Sequence[int], list[bytes], list[bytes]]
"""One leaf page: the flags, keys and values of its elements."""

Spans = tuple[tuple[int, ...], list[int], list[int], list[int]]
"""One leaf page: the flags, key starts, value starts and value ends of its elements."""


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

    def reach(self) -> int | None:
        """How many bytes of its run this page's elements use, or None for all of them.

        Read from the header and the element array (``data`` must hold the
        array, or the array's end is returned): the end of the farthest key
        or value of a leaf or branch page, the end of a freelist's ids.  A
        damaged element may claim more than the run holds.
        """
        count, data = self.count, self.data
        ends = [PAGE_HEADER_SIZE]
        if self.is_leaf or self.is_branch:
            end = PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE
            ends.append(end)
            if count and end <= len(data):
                starts = range(PAGE_HEADER_SIZE, end, LEAF_ELEMENT_SIZE)
                if self.is_leaf:
                    raw = self.layout.fast_elements(count).unpack_from(data, PAGE_HEADER_SIZE)
                    ends.append(max(map(sum, zip(starts, raw[1::4], raw[2::4], raw[3::4]))))
                if self.is_branch:
                    raw = self.layout.fast_branch_elements(count).unpack_from(
                        data, PAGE_HEADER_SIZE
                    )
                    ends.append(max(map(sum, zip(starts, raw[0::3], raw[1::3]))))
        elif self.is_freelist:
            start = PAGE_HEADER_SIZE
            if count == FREELIST_COUNT_OVERFLOW:
                start += 8
                if len(data) < start:
                    return start
                (count,) = self.layout.fast_ids(1).unpack_from(data, PAGE_HEADER_SIZE)
            ends.append(start + 8 * count)
        else:
            return None
        return max(ends)

    def leaf_spans(self) -> Spans:
        """Columns for every element: flags, key starts, value starts, value ends.

        A key ends where its value starts.  This is the hot path of every walk,
        so it has no Python loop per element (see :func:`leaf_spans_at`).
        """
        count = self.count
        if count == 0:
            return (), [], [], []
        self._element_array(LEAF_ELEMENT_SIZE)
        spans = leaf_spans_at(self.layout, self.data, 0, count)
        value_ends = spans[3]
        if max(value_ends) > len(self.data):
            bad = next(i for i, end in enumerate(value_ends) if end > len(self.data))
            raise PageError(
                self.pgid,
                f"element {bad} runs past the end of the page ({value_ends[bad]} > {len(self.data)})",
            )
        return spans

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
        # An element's pos counts from the element's own address; the arithmetic in C.
        elements = range(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + BRANCH_ELEMENT_SIZE * count,
                         BRANCH_ELEMENT_SIZE)  # fmt: skip
        key_starts = list(map(add, raw[0::3], elements))
        key_ends = list(map(add, key_starts, raw[1::3]))
        if max(key_ends) > size:
            bad = next(i for i, end in enumerate(key_ends) if end > size)
            raise PageError(
                self.pgid, f"element {bad} runs past the end of the page ({key_ends[bad]} > {size})"
            )
        return list(zip(key_starts, key_ends, raw[2::3]))

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

    def regions(self) -> list[Region]:
        """What each byte range of the page is: the header, then each element with
        its key (and value), or the meta, or the free page ids.

        A page whose elements cannot be read has just its header.
        """
        regions: list[Region] = [(0, PAGE_HEADER_SIZE, "page header")]
        try:
            regions += self._body_regions()
        except BoltviewError:
            pass
        return regions

    def _body_regions(self) -> list[Region]:
        regions: list[Region] = []
        if self.is_meta:
            regions.append((PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + META_SIZE, "meta"))
        elif self.is_branch:
            start = PAGE_HEADER_SIZE
            for index, branch in enumerate(self.branch_elements()):
                regions.append((start, start + BRANCH_ELEMENT_SIZE, f"element {index}"))
                regions.append((branch.key_offset, branch.key_offset + len(branch.key),
                                f"key {index}"))  # fmt: skip
                start += BRANCH_ELEMENT_SIZE
        elif self.is_leaf:
            start = PAGE_HEADER_SIZE
            for index, leaf in enumerate(self.leaf_elements()):
                regions.append((start, start + LEAF_ELEMENT_SIZE, f"element {index}"))
                regions.append((leaf.key_offset, leaf.key_offset + len(leaf.key), f"key {index}"))
                regions.append((leaf.value_offset, leaf.value_offset + len(leaf.value),
                                f"value {index}"))  # fmt: skip
                start += LEAF_ELEMENT_SIZE
        elif self.is_freelist:
            ids = self.freelist_ids()
            regions.append((PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + 8 * len(ids), "free page ids"))
        return regions

    def _expect(self, flag: int) -> None:
        if not self.flags & flag:
            raise PageError(
                self.pgid, f"expected a {page_type_name(flag)} page, found {self.type}"
            )


# -- bucket headers -----------------------------------------------------------------------


def bucket_header(layout: Layout, value: bytes) -> tuple[int, int] | None:
    """A bucket header's ``(root, sequence)``, or None when ``value`` is too short for one.

    The value a parent stores for a sub-bucket is ``root u64 | sequence u64``;
    root 0 means an inline bucket, whose page follows the header.
    """
    if len(value) < BUCKET_HEADER_SIZE:
        return None
    root, sequence = layout.fast_bucket_header.unpack_from(value)
    return root, sequence


def bucket_header_regions(layout: Layout, header: bytes) -> list[Region]:
    """What the bytes of a bucket header are, and of the inline page after it."""
    regions: list[Region] = [(0, 8, "root pgid (0: inline)"), (8, BUCKET_HEADER_SIZE, "sequence")]
    if len(header) >= BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE and not any(header[:8]):
        base = BUCKET_HEADER_SIZE
        _, _, count, _ = layout.fast_page_header.unpack_from(header, base)
        regions.append((base, base + PAGE_HEADER_SIZE, f"inline page header: {count} elements"))
        elements = base + PAGE_HEADER_SIZE
        if count:
            regions.append((elements, elements + count * LEAF_ELEMENT_SIZE, "leaf elements"))
            regions.append((elements + count * LEAF_ELEMENT_SIZE, len(header), "keys and values"))
    return regions


# -- leaves as columns --------------------------------------------------------------------
#
# The bulk readers behind containerd's loaders (tens of thousands of small
# buckets per export): a leaf's flags, keys and values as three lists, the
# slicing done in C.  They read what ``Page.leaf_spans`` reads, with the same
# checks; anything they are not sure of they leave to it.


class FastStructs:
    """One byte order's ``struct`` formats, looked up once rather than per bucket."""

    __slots__ = ("bucket_header", "elements", "heads", "layout", "page_header", "sizes")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.bucket_header = layout.fast_bucket_header
        self.page_header = layout.fast_page_header
        self.elements: dict[int, struct.Struct] = {}
        self.heads: dict[int, struct.Struct] = {}
        self.sizes: dict[int, struct.Struct] = {}

    def element_array(self, count: int) -> struct.Struct:
        found = self.elements.get(count)
        if found is None:
            found = self.elements[count] = self.layout.fast_elements(count)
        return found

    def element_heads(self, count: int) -> struct.Struct:
        """Each leaf element's flags and pos, the sizes skipped."""
        found = self.heads.get(count)
        if found is None:
            found = self.heads[count] = struct.Struct(self.layout.order + "II8x" * count)
        return found

    def element_sizes(self, count: int) -> struct.Struct:
        """Each leaf element's key size and value size, the flags and pos skipped."""
        found = self.sizes.get(count)
        if found is None:
            found = self.sizes[count] = struct.Struct(self.layout.order + "8xII" * count)
        return found


_BY_ORDER: dict[str, FastStructs] = {}


def fast_structs(layout: Layout) -> FastStructs:
    """The cached formats of ``layout``'s byte order."""
    found = _BY_ORDER.get(layout.order)
    if found is None or found.layout is not layout:
        found = _BY_ORDER[layout.order] = FastStructs(layout)
    return found


LITTLE_ENDIAN = fast_structs(layout_for("<"))
"""Little-endian, as nearly every file is: checked by identity, no lookup."""

_INLINE_ELEMENTS = BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE


def inline_leaf_columns(
    header: bytes, layout: Layout, structs: FastStructs | None = None
) -> Columns | None:
    """An inline bucket's leaf, read straight from its parent's value.

    Most sub-buckets containerd writes (labels, runtime, target, children)
    are inline pages of a few keys; reading them without a Page object halves
    their cost.  Same layout and checks as ``Page.leaf_spans``; anything else
    (not a leaf, elements past the end) returns None and takes the engine's
    path, which reports the problem.
    """
    if len(header) < _INLINE_ELEMENTS:
        return None
    if structs is None:
        structs = fast_structs(layout)
    _, flags, count, _ = structs.page_header.unpack_from(header, BUCKET_HEADER_SIZE)
    end = len(header)
    if not flags & LEAF_PAGE or _INLINE_ELEMENTS + count * LEAF_ELEMENT_SIZE > end:
        return None
    raw = structs.element_array(count).unpack_from(header, _INLINE_ELEMENTS) if count else ()
    keys: list[bytes] = []
    values: list[bytes] = []
    element = _INLINE_ELEMENTS
    for i in range(0, 4 * count, 4):  # a few keys: a plain loop beats map here
        key_start = element + raw[i + 1]  # pos counts from the element's own address
        value_start = key_start + raw[i + 2]
        value_end = value_start + raw[i + 3]
        if value_end > end:
            return None
        keys.append(header[key_start:value_start])
        values.append(header[value_start:value_end])
        element += LEAF_ELEMENT_SIZE
    return raw[0::4], keys, values


def leaf_spans_at(layout: Layout, data: bytes, base: int, count: int) -> Spans:
    """The spans of the ``count`` elements of the leaf page at ``data[base:]``, as offsets in ``data``.

    One ``struct`` call reads the element array, and ``map`` does the
    arithmetic in C.  The caller has checked that the array fits; it checks
    that the ends do.
    """
    structs = LITTLE_ENDIAN if LITTLE_ENDIAN.layout is layout else fast_structs(layout)
    elements = base + _ELEMENTS
    raw = structs.element_array(count).unpack_from(data, elements)
    # An element's pos counts from the element's own address.
    key_starts = list(map(add, raw[1::4], range(elements, elements + _STEP * count, _STEP)))
    value_starts = list(map(add, key_starts, raw[2::4]))
    value_ends = list(map(add, value_starts, raw[3::4]))
    return raw[0::4], key_starts, value_starts, value_ends


def plain_pairs_at(
    layout: Layout, data: bytes, base: int, count: int
) -> tuple[int, tuple[int, ...], int] | None:
    """When the ``count`` elements of the leaf page at ``data[base:]`` are plain pairs (no
    flags) laid end to end, as bbolt writes them: where the first key begins, the sizes
    (key 0, value 0, key 1, ...) and where the last value ends; else None.

    The dump's hot path: two ``struct`` calls, then one comparison in C.  Element
    ``i`` sits 16 bytes before element ``i + 1``, and its pos counts from its own
    address, so the pairs lie end to end exactly when, for each element but the
    last, ``pos[i + 1] - pos[i] == k[i] + v[i] - 16``: the sizes of the pairs, numbers
    smaller than the places themselves and, for small pairs, ones Python keeps made
    (up to 256) where each place would be a new int.  The caller has checked that the
    array fits; it checks that the end does.
    """
    structs = LITTLE_ENDIAN if LITTLE_ENDIAN.layout is layout else fast_structs(layout)
    elements = base + _ELEMENTS
    heads = structs.element_heads(count).unpack_from(data, elements)
    if any(heads[0::2]):
        return None
    places = heads[1::2]
    sizes = structs.element_sizes(count).unpack_from(data, elements)
    pairs = map(add, sizes[0:-2:2], sizes[1:-2:2])
    if list(map(sub, places[1:], places)) != list(map(sub, pairs, repeat(_STEP))):
        return None
    start = elements + places[0]
    return start, sizes, start + sum(sizes)


def leaf_columns(page: Page) -> Columns:
    """A leaf page's columns, as ``Page.leaf_spans`` reads them (which raises for a bad page)."""
    count = page.count
    data = page.data
    if count and PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE <= len(data):
        flags, key_starts, value_starts, value_ends = leaf_spans_at(page.layout, data, 0, count)
        if max(value_ends) <= len(data):
            keys = [data[start:end] for start, end in zip(key_starts, value_starts)]
            values = [data[start:end] for start, end in zip(value_starts, value_ends)]
            return flags, keys, values
    flags, key_starts, value_starts, value_ends = page.leaf_spans()
    keys = [data[start:end] for start, end in zip(key_starts, value_starts)]
    return flags, keys, [data[start:end] for start, end in zip(value_starts, value_ends)]


_ELEMENTS, _STEP = PAGE_HEADER_SIZE, LEAF_ELEMENT_SIZE
