"""Structure-aware damage to real bbolt files.

A ``FixtureMap`` knows where the interesting bytes of a pristine fixture are
(branch elements and their ancestors, leaf elements, bucket headers, inline
pages, the freelist, both metas); ``Mutation`` objects change them the way
corruption or an attacker would.  Meta changes recompute the checksum, so
bbolt (and boltview) still accept the meta: that is where the deep bugs are.

Every number written goes through ``struct`` formats derived from boltview's
construct declarations (``boltview.bolt.layout``), so "set element.pgid" means
the same bytes here as in the reader.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import (
    BRANCH_ELEMENT_SIZE,
    BUCKET_LEAF_FLAG,
    LEAF_ELEMENT_SIZE,
    MAGIC_BYTES,
    META_CHECKSUM_SPAN,
    PAGE_HEADER_SIZE,
    layout,
)
from boltview.bolt.meta import fnv1a64

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures" / "bolt").glob("*.db"))

T = TypeVar("T")

#: Field offsets inside the structures, from the construct declarations.
_lay = layout("<")


def _offsets(declaration: Any) -> dict[str, int]:
    offsets, at = {}, 0
    for sub in declaration.subcons:
        offsets[sub.name] = at
        at += sub.subcon.sizeof()
    return offsets


PAGE_HEADER = _offsets(_lay.page_header)
META = _offsets(_lay.meta)
BRANCH = _offsets(_lay.branch_element)
LEAF = _offsets(_lay.leaf_element)
_FORMAT = {2: "H", 4: "I", 8: "Q"}


def _field_size(declaration: Any, name: str) -> int:
    for sub in declaration.subcons:
        if sub.name == name:
            return int(sub.subcon.sizeof())
    raise KeyError(name)


@dataclass(frozen=True)
class BranchRef:
    pgid: int
    index: int  #: element index
    child: int
    ancestors: tuple[int, ...]  #: branch pages above, root first


@dataclass(frozen=True)
class BucketRef:
    pgid: int  #: the leaf page holding the bucket's header
    index: int
    value_offset: int  #: absolute offset of the bucket header in the file
    root: int  #: 0 for inline
    value_size: int


@dataclass
class FixtureMap:
    """Where things are in one pristine fixture (found with the engine, which is
    checked against bbolt on these very files)."""

    path: Path
    data: bytes
    order: str
    page_size: int
    meta_index: int
    hwm: int
    freelist: int
    branches: list[BranchRef] = field(default_factory=list)
    branch_pages: list[int] = field(default_factory=list)
    leaf_pages: list[tuple[int, int]] = field(default_factory=list)  #: (pgid, count)
    buckets: list[BucketRef] = field(default_factory=list)
    tree_pages: list[int] = field(default_factory=list)

    # Numbers written in the file's own byte order.

    def put(self, data: bytearray, offset: int, size: int, value: int) -> None:
        put(data, offset, size, value, self.order)

    def get(self, data: bytes | bytearray, offset: int, size: int) -> int:
        return get(data, offset, size, self.order)

    def set_page_header(self, data: bytearray, pgid: int, name: str, value: int) -> None:
        size = _field_size(_lay.page_header, name)
        put(data, pgid * self.page_size + PAGE_HEADER[name], size, value, self.order)

    def set_meta(self, data: bytearray, index: int, name: str, value: int) -> None:
        """Change one meta field and recompute the checksum, so the meta stays valid."""
        start = index * self.page_size + PAGE_HEADER_SIZE
        put(data, start + META[name], _field_size(_lay.meta, name), value, self.order)
        fix_checksum(data, self.page_size, index, self.order)


@cache
def fixture_map(path: Path) -> FixtureMap:
    data = path.read_bytes()
    with BoltFile.open(str(path)) as db:
        fmap = FixtureMap(
            path, data, db.order, db.page_size, db.meta.index, db.high_water_mark, db.meta.freelist
        )
        _map_bucket(db, db.root, fmap)
    fmap.tree_pages = sorted(set(fmap.branch_pages) | {p for p, _ in fmap.leaf_pages})
    return fmap


def _map_bucket(db: BoltFile, bucket: Bucket, fmap: FixtureMap) -> None:
    if not bucket.is_inline:
        _map_page(db, bucket.root, (), fmap)
    for entry_page, _ in bucket.leaves():
        if not entry_page.pgid:
            continue
        for index, (flags, _, _, vs, ve) in enumerate(entry_page.leaf_records()):
            if flags & BUCKET_LEAF_FLAG:
                (root,) = struct.unpack_from(db.order + "Q", entry_page.data, vs)
                fmap.buckets.append(
                    BucketRef(
                        entry_page.pgid,
                        index,
                        entry_page.pgid * db.page_size + vs,
                        root,
                        ve - vs,
                    )
                )
    for child in bucket.buckets():
        _map_bucket(db, child, fmap)


def _map_page(db: BoltFile, pgid: int, ancestors: tuple[int, ...], fmap: FixtureMap) -> None:
    page = db.page(pgid)
    if page.is_leaf:
        fmap.leaf_pages.append((pgid, page.count))
        return
    fmap.branch_pages.append(pgid)
    for index, (_, _, child) in enumerate(page.branch_records()):
        fmap.branches.append(BranchRef(pgid, index, child, ancestors))
        _map_page(db, child, ancestors + (pgid,), fmap)


# -- writing numbers -------------------------------------------------------------


def put(data: bytearray, offset: int, size: int, value: int, order: str = "<") -> None:
    """Write an unsigned integer of ``size`` bytes in ``order``, if it fits in the file."""
    if 0 <= offset and offset + size <= len(data):
        struct.pack_into(order + _FORMAT[size], data, offset, value & ((1 << (8 * size)) - 1))


def get(data: bytes | bytearray, offset: int, size: int, order: str = "<") -> int:
    if 0 <= offset and offset + size <= len(data):
        return int(struct.unpack_from(order + _FORMAT[size], data, offset)[0])
    return 0


def fix_checksum(data: bytearray, page_size: int, index: int, order: str = "<") -> None:
    """Recompute meta ``index``'s FNV-1a checksum, so bbolt accepts it again."""
    start = index * page_size + PAGE_HEADER_SIZE
    body = bytes(data[start : start + META_CHECKSUM_SPAN])
    if len(body) == META_CHECKSUM_SPAN:
        put(data, start + META["checksum"], 8, fnv1a64(body), order)


def fix_all_checksums(data: bytearray) -> None:
    """Recompute both metas' checksums (meta 1 at the page size meta 0 claims)."""
    magic = bytes(data[PAGE_HEADER_SIZE : PAGE_HEADER_SIZE + 4])
    order = ">" if magic == MAGIC_BYTES[">"] else "<"
    page_size = get(data, PAGE_HEADER_SIZE + META["page_size"], 4, order)
    fix_checksum(data, page_size, 0, order)
    if 0 < page_size <= len(data):
        fix_checksum(data, page_size, 1, order)




def branch_element_offset(page_size: int, pgid: int, index: int) -> int:
    return pgid * page_size + PAGE_HEADER_SIZE + BRANCH_ELEMENT_SIZE * index


def leaf_element_offset(page_size: int, pgid: int, index: int) -> int:
    return pgid * page_size + PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * index


#: Page ids and sizes that break things: itself, zero, the metas, the edge of
#: the file, and numbers that overflow 32 or 64 bits once multiplied.
def interesting_numbers(fmap: FixtureMap) -> list[int]:
    pages = len(fmap.data) // fmap.page_size
    return [
        0, 1, 2, 3, fmap.hwm - 1, fmap.hwm, fmap.hwm + 1, pages - 1, pages, pages + 1,
        0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32, 1 << 40,
        (1 << 63) - 1, 1 << 63, (1 << 64) - 1, (1 << 64) // fmap.page_size,
    ]  # fmt: skip


# -- the mutations ---------------------------------------------------------------


class Chooser:
    """Where a mutation's choices come from: hypothesis draws, or atheris bytes."""

    def integer(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def choice(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]

    def blob(self, size: int) -> bytes:
        return bytes(self.integer(0, 255) for _ in range(size))


def _number(fmap: FixtureMap, choose: Chooser, extra: list[int] | None = None) -> int:
    options = interesting_numbers(fmap) + (extra or [])
    if choose.integer(0, 3) == 0:
        return choose.integer(0, (1 << 64) - 1)
    return choose.choice(options)


def bit_flip(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    offset = choose.integer(0, len(data) - 1)
    bit = choose.integer(0, 7)
    data[offset] ^= 1 << bit
    return f"flip bit {bit} at {offset}"


def overwrite(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """A few random bytes, most often inside a page of the tree."""
    if fmap.tree_pages and choose.integer(0, 1):
        page = choose.choice(fmap.tree_pages)
        offset = page * fmap.page_size + choose.integer(0, 255)
    else:
        offset = choose.integer(0, len(data) - 1)
    blob = choose.blob(choose.integer(1, 8))
    data[offset : offset + len(blob)] = blob[: max(0, len(data) - offset)]
    return f"overwrite {blob.hex()} at {offset}"


def truncate(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    size = fmap.page_size
    length = choose.choice(
        [0, 15, 16, 79, 80, size - 1, size, size + 80, 2 * size, 2 * size + 16,
         fmap.hwm * size - 1, (fmap.hwm - 1) * size, choose.integer(0, len(data))]
    )  # fmt: skip
    del data[max(length, 0) :]
    return f"truncate to {length}"


def branch_pointer(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Point a branch element at itself, an ancestor, a sibling's child, anywhere."""
    if not fmap.branches:
        return bit_flip(data, fmap, choose)
    ref = choose.choice(fmap.branches)
    siblings = [b.child for b in fmap.branches if b.pgid == ref.pgid]
    target = choose.choice(
        [ref.pgid, *ref.ancestors, *siblings, fmap.meta_index, fmap.freelist & 0xFFFFFFFF,
         _number(fmap, choose, fmap.tree_pages)]
    )  # fmt: skip
    offset = branch_element_offset(fmap.page_size, ref.pgid, ref.index) + BRANCH["pgid"]
    fmap.put(data, offset, 8, target)
    return f"page {ref.pgid} element {ref.index}: child {ref.child} -> {target}"


def branch_fan_in(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Every child of a branch page is the same page (a DAG, not a tree)."""
    if not fmap.branches:
        return bit_flip(data, fmap, choose)
    ref = choose.choice(fmap.branches)
    for other in fmap.branches:
        if other.pgid == ref.pgid:
            fmap.put(data, branch_element_offset(fmap.page_size, ref.pgid, other.index)
                + BRANCH["pgid"], 8, ref.child)  # fmt: skip
    return f"page {ref.pgid}: every child -> {ref.child}"


def page_header(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """A page header field of a tree page (or the freelist) made wrong."""
    pages = fmap.tree_pages + [fmap.freelist & 0xFFFFFFFF, 0, 1]
    pgid = choose.choice(pages)
    name = choose.choice(["id", "flags", "count", "overflow"])
    size = _field_size(_lay.page_header, name)
    current = fmap.get(data, pgid * fmap.page_size + PAGE_HEADER[name], size)
    value = choose.choice(
        [0, 1, 2, 3, 4, 0x10, 0x12, 0x7F, 0xFF, 0xFFFF, current + 1, max(current - 1, 0),
         current * 2, fmap.hwm, (1 << (8 * size)) - 1, choose.integer(0, (1 << (8 * size)) - 1)]
    )  # fmt: skip
    fmap.set_page_header(data, pgid, name, value)
    return f"page {pgid} header {name}: {current} -> {value}"


def leaf_element(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """A leaf element's pos, ksize, vsize or flags made huge, zero, or overlapping."""
    if not fmap.leaf_pages:
        return bit_flip(data, fmap, choose)
    pgid, count = choose.choice(fmap.leaf_pages)
    if count == 0:
        return page_header(data, fmap, choose)
    index = choose.integer(0, count - 1)
    other = choose.integer(0, count - 1)
    at = leaf_element_offset(fmap.page_size, pgid, index)
    name = choose.choice(["flags", "pos", "ksize", "vsize"])
    if name == "pos" and choose.integer(0, 1):
        # Overlap: make element ``index`` start where element ``other`` starts.
        theirs = fmap.get(data, leaf_element_offset(fmap.page_size, pgid, other) + LEAF["pos"], 4)
        value = theirs + LEAF_ELEMENT_SIZE * (other - index)
    else:
        value = choose.choice(
            [0, 1, BUCKET_LEAF_FLAG, 16, fmap.page_size, fmap.page_size - 16, 0x7FFFFFFF,
             0xFFFFFFFF, 0xFFFFFFF0, choose.integer(0, 0xFFFFFFFF)]
        )  # fmt: skip
    fmap.put(data, at + LEAF[name], 4, value)
    return f"page {pgid} leaf element {index} {name} -> {value}"


def branch_element(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    if not fmap.branches:
        return leaf_element(data, fmap, choose)
    ref = choose.choice(fmap.branches)
    name = choose.choice(["pos", "ksize"])
    value = choose.choice([0, 1, fmap.page_size, 0x7FFFFFFF, 0xFFFFFFFF, choose.integer(0, 1 << 16)])
    fmap.put(data, branch_element_offset(fmap.page_size, ref.pgid, ref.index) + BRANCH[name], 4, value)
    return f"page {ref.pgid} branch element {ref.index} {name} -> {value}"


META_FIELDS = ["root", "freelist", "pgid", "txid", "page_size", "flags", "sequence",
               "version", "magic"]  # fmt: skip


def meta_field(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Change a meta field *and* its checksum, so the meta is still accepted."""
    index = choose.choice([fmap.meta_index, 1 - fmap.meta_index, 2])
    name = choose.choice(META_FIELDS)
    extra = list(fmap.tree_pages)
    if name == "page_size":
        extra = [0, 512, 1024, 2048, 4096, 8192, 16384, 65536, 1 << 31, 4097, 80, 79, 128]
    value = _number(fmap, choose, extra)
    for which in (0, 1) if index == 2 else (index,):
        fmap.set_meta(data, which, name, value)
    return f"meta {index} {name} -> {value} (checksum recomputed)"


def freelist(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """A freelist page whose count is huge, overflows into the u64 form, or lies."""
    pgid = fmap.freelist
    if pgid >= fmap.hwm:
        return meta_field(data, fmap, choose)
    start = pgid * fmap.page_size
    how = choose.integer(0, 3)
    if how == 0:
        fmap.put(data, start + PAGE_HEADER["count"], 2, 0xFFFF)
        fmap.put(data, start + PAGE_HEADER_SIZE, 8, _number(fmap, choose))
    elif how == 1:
        fmap.put(data, start + PAGE_HEADER["count"], 2, choose.integer(0, 0xFFFF))
    elif how == 2:
        fmap.put(data, start + PAGE_HEADER["overflow"], 4, _number(fmap, choose))
    else:
        ids = choose.integer(0, 8)
        for i in range(ids):
            fmap.put(data, start + PAGE_HEADER_SIZE + 8 * i, 8, _number(fmap, choose, fmap.tree_pages))
    return f"freelist page {pgid}: damage {how}"


def bucket_root(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """A bucket header's root: its own page, its parent's, a sibling's, anywhere, inline."""
    if not fmap.buckets:
        return meta_field(data, fmap, choose)
    ref = choose.choice(fmap.buckets)
    roots = [b.root for b in fmap.buckets if b.root]
    target = choose.choice([ref.pgid, 0, *roots[:20], _number(fmap, choose, fmap.tree_pages)])
    fmap.put(data, ref.value_offset, 8, target)
    return f"bucket at {ref.value_offset}: root {ref.root} -> {target}"


def bucket_fan_in(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Every sub-bucket in one leaf page has the same root (nested buckets sharing a tree)."""
    if not fmap.buckets:
        return meta_field(data, fmap, choose)
    ref = choose.choice(fmap.buckets)
    target = choose.choice([ref.root, ref.pgid, fmap.meta_index])
    for other in fmap.buckets:
        if other.pgid == ref.pgid:
            fmap.put(data, other.value_offset, 8, target)
    return f"every bucket in page {ref.pgid}: root -> {target}"


def inline_page(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Break the page header or an element of an inline bucket."""
    inline = [b for b in fmap.buckets if b.root == 0]
    if not inline:
        return bucket_root(data, fmap, choose)
    ref = choose.choice(inline)
    page = ref.value_offset + 16
    where = choose.integer(0, 3)
    if where == 0:
        name = choose.choice(["id", "flags", "count", "overflow"])
        size = _field_size(_lay.page_header, name)
        value = choose.choice([0, 1, 2, 0x10, 0xFFFF, (1 << (8 * size)) - 1, choose.integer(0, 64)])
        fmap.put(data, page + PAGE_HEADER[name], size, value)
        return f"inline bucket at {ref.value_offset}: {name} -> {value}"
    if where == 1:
        # The inline page's first element becomes a bucket whose header is the page itself.
        fmap.put(data, page + PAGE_HEADER_SIZE + LEAF["flags"], 4, BUCKET_LEAF_FLAG)
        return f"inline bucket at {ref.value_offset}: element 0 flagged as a bucket"
    if where == 2:
        fmap.put(data, ref.value_offset - 8, 4, choose.choice([0, 8, 15, 16, 31, 0xFFFFFFFF]))
        return f"inline bucket at {ref.value_offset}: vsize changed"
    name = choose.choice(["pos", "ksize", "vsize"])
    value = choose.choice([0, 16, 0xFFFF, 0xFFFFFFFF, choose.integer(0, ref.value_size)])
    fmap.put(data, page + PAGE_HEADER_SIZE + LEAF[name], 4, value)
    return f"inline bucket at {ref.value_offset}: element 0 {name} -> {value}"


def copy_page(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Page B becomes a copy of page A (a stale or torn page), header id fixed or not."""
    if len(fmap.tree_pages) < 2:
        return bit_flip(data, fmap, choose)
    a, b = choose.choice(fmap.tree_pages), choose.choice(fmap.tree_pages)
    size = fmap.page_size
    data[b * size : (b + 1) * size] = fmap.data[a * size : (a + 1) * size]
    if choose.integer(0, 1):
        fmap.set_page_header(data, b, "id", b)
    return f"page {b} := page {a}"


# -- shapes no random flip will find: long chains of shared subtrees ---------------


def branch_chain(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Rewrite k tree pages as branches whose ``fanout`` children are all the next one.

    A walker that does not notice shared pages visits ``fanout ** k`` leaves.
    """
    pages = [p for p in fmap.tree_pages if p not in (fmap.meta_index,)]
    if len(pages) < 3:
        return branch_fan_in(data, fmap, choose)
    start = choose.integer(0, len(pages) - 2)
    chain = pages[start : start + choose.integer(2, 24)]
    fanout = choose.integer(2, 8)
    size = fmap.page_size
    # The chain ends at a real leaf page, the root of the first page's bucket or not.
    leaf = choose.choice([p for p, _ in fmap.leaf_pages] or chain[-1:])
    chain = [p for p in chain if p != leaf] or chain
    links = chain[1:] + [leaf]
    for pgid, child in zip(chain, links):
        fmap.set_page_header(data, pgid, "flags", 0x01)
        fmap.set_page_header(data, pgid, "count", fanout)
        fmap.set_page_header(data, pgid, "overflow", 0)
        for index in range(fanout):
            at = branch_element_offset(size, pgid, index)
            fmap.put(data, at + BRANCH["pos"], 4, 0)  # empty keys
            fmap.put(data, at + BRANCH["ksize"], 4, 0)
            fmap.put(data, at + BRANCH["pgid"], 8, child)
    return f"branch chain {chain} -> leaf {leaf}, fan-out {fanout}"


def bucket_chain(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """Rewrite k leaf pages so each holds ``fanout`` sub-buckets whose root is the next page.

    The sub-buckets all share one 16-byte bucket header at the end of the page
    (overlapping elements); a walker that opens every sub-bucket it meets
    opens ``fanout ** k`` buckets.
    """
    leaves = [p for p, _ in fmap.leaf_pages]
    if len(leaves) < 2:
        return bucket_fan_in(data, fmap, choose)
    start = choose.integer(0, len(leaves) - 2)
    chain = leaves[start : start + choose.integer(2, 24)]
    fanout = choose.integer(2, 8)
    size = fmap.page_size
    last = choose.choice(leaves)
    links = chain[1:] + [last]
    for pgid, child in zip(chain, links):
        fmap.set_page_header(data, pgid, "flags", 0x02)
        fmap.set_page_header(data, pgid, "count", fanout)
        fmap.set_page_header(data, pgid, "overflow", 0)
        header = pgid * size + size - 16
        fmap.put(data, header, 8, child)
        fmap.put(data, header + 8, 8, 0)
        for index in range(fanout):
            at = leaf_element_offset(size, pgid, index)
            fmap.put(data, at + LEAF["flags"], 4, BUCKET_LEAF_FLAG)
            fmap.put(data, at + LEAF["pos"], 4, header - at)
            fmap.put(data, at + LEAF["ksize"], 4, 0)
            fmap.put(data, at + LEAF["vsize"], 4, 16)
    return f"bucket chain {chain} -> {last}, fan-out {fanout}"


def inline_chain(data: bytearray, fmap: FixtureMap, choose: Chooser) -> str:
    """A leaf page holding an inline bucket nested ``levels`` deep, each level's
    ``fanout`` sub-buckets sharing one value (the next level)."""
    if not fmap.leaf_pages:
        return bit_flip(data, fmap, choose)
    pgid, _ = choose.choice(fmap.leaf_pages)
    fanout = choose.integer(1, 4)
    levels = choose.choice([2, 8, 60, 200, 400, 2000])
    return build_inline_chain(data, fmap, pgid, fanout, levels)


def build_inline_chain(
    data: bytearray, fmap: FixtureMap, pgid: int, fanout: int, levels: int
) -> str:
    size = fmap.page_size
    level_size = 32 + LEAF_ELEMENT_SIZE * fanout
    levels = min(levels, (size - PAGE_HEADER_SIZE - LEAF_ELEMENT_SIZE) // level_size)
    base = pgid * size
    # The page: one element, a bucket, whose value is the first level.
    fmap.set_page_header(data, pgid, "flags", 0x02)
    fmap.set_page_header(data, pgid, "count", 1)
    fmap.set_page_header(data, pgid, "overflow", 0)
    first = PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE
    for level in range(levels):
        at = first + level * level_size  # this level's bucket header, in the page
        fmap.put(data, base + at, 8, 0)  # root 0: inline
        fmap.put(data, base + at + 8, 8, level)
        page = at + 16
        fmap.put(data, base + page + PAGE_HEADER["id"], 8, 0)
        fmap.put(data, base + page + PAGE_HEADER["flags"], 2, 0x02)
        fmap.put(data, base + page + PAGE_HEADER["count"], 2, fanout if level + 1 < levels else 0)
        fmap.put(data, base + page + PAGE_HEADER["overflow"], 4, 0)
        next_at = at + level_size
        for index in range(fanout):
            element = page + PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * index
            fmap.put(data, base + element + LEAF["flags"], 4, BUCKET_LEAF_FLAG)
            fmap.put(data, base + element + LEAF["pos"], 4, next_at - element)
            fmap.put(data, base + element + LEAF["ksize"], 4, 0)
            fmap.put(data, base + element + LEAF["vsize"], 4, size - next_at)
    outer = base + PAGE_HEADER_SIZE
    fmap.put(data, outer + LEAF["flags"], 4, BUCKET_LEAF_FLAG)
    fmap.put(data, outer + LEAF["pos"], 4, first - PAGE_HEADER_SIZE)
    fmap.put(data, outer + LEAF["ksize"], 4, 0)
    fmap.put(data, outer + LEAF["vsize"], 4, size - first)
    return f"page {pgid}: inline buckets {levels} deep, fan-out {fanout}"


MUTATIONS = [
    bit_flip, overwrite, truncate, branch_pointer, branch_fan_in, page_header, leaf_element,
    branch_element, meta_field, freelist, bucket_root, bucket_fan_in, inline_page, copy_page,
    branch_chain, bucket_chain, inline_chain,
]  # fmt: skip


def mutate(fmap: FixtureMap, choose: Chooser, steps: int) -> tuple[bytearray, list[str]]:
    """A damaged copy of ``fmap``'s file, and what was done to it."""
    data = bytearray(fmap.data)
    done = []
    for _ in range(steps):
        if not data:
            break
        operation = MUTATIONS[choose.integer(0, len(MUTATIONS) - 1)]
        done.append(f"{operation.__name__}: {operation(data, fmap, choose)}")
    return data, done
