"""bbolt's page formats read leniently, for forensics: every element that fits, never an exception.

:class:`~boltview.bolt.page.Page` reads a page of the live tree and raises at
the first thing wrong with it.  Forensics reads pages nobody vouches for
(free, leaked, stale copies, half overwritten), so here a bad element is
noted and skipped, and the reader goes on with the next one:

- :func:`lenient_leaf` and :func:`lenient_branch` read a page's elements, each
  checked on its own, with the problems found;
- :func:`inline_leaf` reads the page inside an inline bucket's value;
- :func:`tree_map` maps every page one meta's tree reaches to its bucket;
- :func:`page_header` reads a page's header from the file, and
  :func:`build_leaf` writes a leaf page image (the inverse of a read).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from boltview.bolt.layout import (
    BRANCH_ELEMENT_SIZE,
    BUCKET_HEADER_SIZE,
    BUCKET_LEAF_FLAG,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    MAX_KEY_SIZE,
    MAX_VALUE_SIZE,
    PAGE_HEADER_SIZE,
    Layout,
)
from boltview.bolt.page import Page
from boltview.bolt.path import BucketPath, show_path
from boltview.errors import BoltviewError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile

# -- one page ---------------------------------------------------------------------------------


@dataclass(slots=True)
class LenientElement:
    """One element of a leaf page that passed every check."""

    flags: int
    key: bytes
    value: bytes
    key_offset: int
    """Offset of the key from the start of the page."""
    value_end: int
    """Offset just past the value."""


@dataclass(slots=True)
class LenientLeaf:
    """What a leaf page holds: its good elements, in page order, and what is wrong."""

    elements: list[LenientElement]
    problems: list[str]
    is_leaf: bool = True
    """False for a page that is not a leaf page at all (it has no elements then)."""


def page_header(db: BoltFile, pgid: int) -> tuple[int, int, int, int] | None:
    """(id, flags, count, overflow) of page ``pgid`` as the file has it; None past the end."""
    raw = db.source.read(pgid * db.page_size, PAGE_HEADER_SIZE)
    if len(raw) < PAGE_HEADER_SIZE:
        return None
    return db.layout.fast_page_header.unpack_from(raw)


def _fitting_count(count: int, size: int, element_size: int, problems: list[str]) -> int:
    """``count``, or as many elements as ``size`` bytes have room for (said in ``problems``)."""
    fits = max((size - PAGE_HEADER_SIZE) // element_size, 0)
    if count > fits:
        problems.append(f"count {count} does not fit in {size} bytes")
        return fits
    return count


def lenient_leaf(data: bytes, count: int, layout: Layout) -> LenientLeaf:
    """The elements of a leaf page whose bytes are ``data`` (header included)."""
    problems: list[str] = []
    size = len(data)
    count = _fitting_count(count, size, LEAF_ELEMENT_SIZE, problems)
    elements: list[LenientElement] = []
    if count == 0:
        return LenientLeaf(elements, problems)
    array_end = PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE
    raw = layout.fast_elements(count).unpack_from(data, PAGE_HEADER_SIZE)
    previous_end = array_end
    previous_key: bytes | None = None
    for i in range(count):
        flags, pos, ksize, vsize = raw[4 * i : 4 * i + 4]
        ks = PAGE_HEADER_SIZE + i * LEAF_ELEMENT_SIZE + pos
        ke = ks + ksize
        ve = ke + vsize
        why = None
        if flags not in (0, BUCKET_LEAF_FLAG):
            why = f"flags {flags:#x}"
        elif ksize == 0 or ksize > MAX_KEY_SIZE:
            why = f"key size {ksize}"
        elif vsize > MAX_VALUE_SIZE:
            why = f"value size {vsize}"
        elif ks < array_end:
            why = "data inside the element array"
        elif ve > size:
            why = f"runs past the usable bytes ({ve} > {size})"
        elif flags & BUCKET_LEAF_FLAG and vsize < BUCKET_HEADER_SIZE:
            why = f"bucket header of {vsize} bytes"
        if why is not None:
            problems.append(f"element {i}: {why}")
            continue
        if ks < previous_end:
            problems.append(f"element {i}: overlaps the data before it")
        key = data[ks:ke]
        if previous_key is not None and key <= previous_key:
            problems.append(f"element {i}: key not after the previous key")
        previous_key = key
        previous_end = ve
        elements.append(LenientElement(flags, key, data[ke:ve], ks, ve))
    return LenientLeaf(elements, problems)


def lenient_branch(
    data: bytes, count: int, layout: Layout, npages: int
) -> tuple[list[tuple[bytes, int]], list[str]]:
    """(key, child pgid) of a branch page, each checked, and what is wrong."""
    problems: list[str] = []
    size = len(data)
    count = _fitting_count(count, size, BRANCH_ELEMENT_SIZE, problems)
    if count == 0:
        return [], problems
    array_end = PAGE_HEADER_SIZE + count * BRANCH_ELEMENT_SIZE
    raw = layout.fast_branch_elements(count).unpack_from(data, PAGE_HEADER_SIZE)
    out: list[tuple[bytes, int]] = []
    for i in range(count):
        pos, ksize, child = raw[3 * i : 3 * i + 3]
        ks = PAGE_HEADER_SIZE + i * BRANCH_ELEMENT_SIZE + pos
        ke = ks + ksize
        if ksize == 0 or ksize > MAX_KEY_SIZE or ks < array_end or ke > size:
            problems.append(f"element {i}: key out of bounds")
            continue
        if not 2 <= child < npages:
            problems.append(f"element {i}: child page {child} out of range")
            continue
        out.append((data[ks:ke], child))
    return out, problems


def inline_leaf(value: bytes, layout: Layout) -> LenientLeaf | None:
    """The page of an inline bucket, read leniently; None when ``value`` holds no such page.

    Offsets are from the start of that page, ``BUCKET_HEADER_SIZE`` bytes into
    ``value``.
    """
    if len(value) < BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE:
        return None
    root, _ = layout.fast_bucket_header.unpack_from(value)
    if root != 0:
        return None
    body = value[BUCKET_HEADER_SIZE:]
    _, flags, count, _ = layout.fast_page_header.unpack_from(body)
    if flags != LEAF_PAGE:
        return LenientLeaf([], [f"flags {flags:#06x}: not a leaf page"], is_leaf=False)
    return lenient_leaf(body, count, layout)


def build_leaf(layout: Layout, items: Iterable[tuple[int, bytes, bytes]]) -> bytes:
    """A leaf page image of ``(flags, key, value)`` items, laid out as bbolt writes one.

    The items are sorted by key; past 0xFFFF (the most a page header counts),
    the rest are left out.  The page's id and overflow are 0.
    """
    ordered = sorted(items, key=lambda item: item[1])[:0xFFFF]
    count = len(ordered)
    header = layout.fast_page_header.pack(0, LEAF_PAGE, count, 0)
    element = layout.fast_elements(1)
    elements, data = [], []
    offset = PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * count
    for index, (flags, key, value) in enumerate(ordered):
        position = offset - (PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * index)
        elements.append(element.pack(flags, position, len(key), len(value)))
        data.append(key + value)
        offset += len(key) + len(value)
    return header + b"".join(elements) + b"".join(data)


# -- one tree ---------------------------------------------------------------------------------


@dataclass(slots=True)
class TreeMap:
    """One meta's tree as far as it can be read: page -> bucket path, and reach."""

    paths: dict[int, BucketPath] = field(default_factory=dict)
    reach: set[int] = field(default_factory=set)
    """Every page the tree uses, overflow pages included."""
    root_keys: set[bytes] = field(default_factory=set)
    ranges: dict[BucketPath, tuple[bytes, bytes]] = field(default_factory=dict)
    """Each bucket's smallest and largest key (inline buckets too)."""
    notes: list[str] = field(default_factory=list)

    def widen(self, path: BucketPath, low: bytes, high: bytes) -> None:
        known = self.ranges.get(path)
        if known is None:
            self.ranges[path] = (low, high)
        elif low < known[0] or high > known[1]:
            self.ranges[path] = (min(low, known[0]), max(high, known[1]))


def tree_map(db: BoltFile, root: int, npages: int, what: str) -> TreeMap:
    """Every page the tree at ``root`` reaches, never raising, each page once.

    What cannot be read is said in ``notes``, each note starting with ``what``.
    """
    tree = TreeMap()
    stack: list[tuple[int, BucketPath]] = [(root, ())]
    while stack:
        pgid, path = stack.pop()
        if pgid in tree.paths or pgid in (0, 1) or not 0 <= pgid < npages:
            if not 0 <= pgid < npages:
                tree.notes.append(f"{what}: {show_path(path)} points at page {pgid}, past the file")
            continue
        try:
            page = db.raw_page(pgid)
        except BoltviewError as error:
            tree.notes.append(f"{what}: {error}")
            continue
        tree.paths[pgid] = path
        tree.reach.update(range(pgid, min(pgid + page.overflow + 1, npages)))
        try:
            if page.is_branch:
                for _, _, child in page.branch_records():
                    stack.append((child, path))
            elif page.is_leaf:
                data = page.data
                records = page.leaf_records()
                if records:
                    tree.widen(path, data[records[0][1]:records[0][2]],
                               data[records[-1][1]:records[-1][2]])  # fmt: skip
                for flags, ks, ke, vs, ve in records:
                    if not path:
                        tree.root_keys.add(data[ks:ke])
                    if flags & BUCKET_LEAF_FLAG and ve - vs >= BUCKET_HEADER_SIZE:
                        child_root, _ = db.layout.fast_bucket_header.unpack_from(data, vs)
                        if child_root:
                            stack.append((child_root, path + (data[ks:ke],)))
                        elif ve - vs >= BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE:
                            _inline_range(tree, db.layout, path + (data[ks:ke],),
                                          data[vs + BUCKET_HEADER_SIZE : ve])  # fmt: skip
            else:
                tree.notes.append(f"{what}: page {pgid} is a {page.type} page inside the tree")
        except BoltviewError as error:
            tree.notes.append(f"{what}: {error}")
    return tree


def _inline_range(tree: TreeMap, layout: Layout, path: BucketPath, body: bytes) -> None:
    try:
        page = Page(0, body, layout)
        records = page.leaf_records() if page.is_leaf else []
    except BoltviewError:
        return
    if records:
        tree.widen(path, body[records[0][1] : records[0][2]], body[records[-1][1] : records[-1][2]])
