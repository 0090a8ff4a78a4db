"""The construct declarations are the truth; the fast struct formats must agree with them."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from boltview.bolt.layout import (
    BRANCH_ELEMENT_SIZE,
    LEAF_ELEMENT_SIZE,
    META_SIZE,
    PAGE_HEADER_SIZE,
    fast_struct,
    layout,
)
from boltview.bolt.page import Page, plain_pairs_at

ORDERS = st.sampled_from(["<", ">"])


def test_sizes_are_bbolts() -> None:
    for order in "<>":
        lay = layout(order)
        assert lay.page_header.sizeof() == PAGE_HEADER_SIZE
        assert lay.meta.sizeof() == META_SIZE
        assert lay.leaf_element.sizeof() == LEAF_ELEMENT_SIZE
        assert lay.branch_element.sizeof() == BRANCH_ELEMENT_SIZE
        assert lay.bucket_header.sizeof() == 16


@given(order=ORDERS, data=st.binary(min_size=META_SIZE, max_size=META_SIZE))
def test_meta_formats_agree(order: str, data: bytes) -> None:
    lay = layout(order)
    parsed = lay.meta.parse(data)
    fast = lay.fast_meta.unpack(data)
    assert fast == tuple(parsed[name] for name in parsed if not name.startswith("_"))


@given(order=ORDERS, data=st.binary(min_size=16, max_size=16))
def test_header_element_and_bucket_formats_agree(order: str, data: bytes) -> None:
    lay = layout(order)
    for declaration in (lay.page_header, lay.leaf_element, lay.branch_element, lay.bucket_header):
        parsed = declaration.parse(data)
        assert fast_struct(declaration).unpack(data) == tuple(
            parsed[name] for name in parsed if not name.startswith("_")
        )


@given(
    order=ORDERS,
    elements=st.lists(
        st.tuples(st.integers(0, 1), st.binary(max_size=20), st.binary(max_size=40)), max_size=30
    ),
)
def test_leaf_page_built_by_construct_reads_back(
    order: str, elements: list[tuple[int, bytes, bytes]]
) -> None:
    """Build a leaf page with construct, read it with the fast path: same keys and values."""
    lay = layout(order)
    header = lay.page_header.build({"id": 7, "flags": 0x02, "count": len(elements), "overflow": 0})
    array, blobs = b"", b""
    data_start = PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * len(elements)
    for index, (flags, key, value) in enumerate(elements):
        address = PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * index
        pos = data_start + len(blobs) - address
        array += lay.leaf_element.build(
            {"flags": flags, "pos": pos, "ksize": len(key), "vsize": len(value)}
        )
        blobs += key + value
    page = Page(7, header + array + blobs, lay)
    assert [(e.flags, e.key, e.value) for e in page.leaf_elements()] == elements


@given(
    order=ORDERS,
    elements=st.lists(
        st.tuples(
            st.sampled_from([0, 0, 0, 1]),  # flags: mostly plain
            st.integers(0, 20),  # key size
            st.integers(0, 40),  # value size
            st.sampled_from([0, 0, 0, 0, -17, -1, 1, 3]),  # pos moved from end to end
        ),
        min_size=1,
        max_size=30,
    ),
    gap=st.integers(0, 5),
)
def test_plain_pairs_check_agrees_with_the_elements(
    order: str, elements: list[tuple[int, int, int, int]], gap: int
) -> None:
    """The dump's check that a leaf's pairs lie end to end, held to the elements as
    construct reads them: it answers exactly when no element has flags and each key
    begins where the value before it ends, and then with the right bounds."""
    lay = layout(order)
    count = len(elements)
    first = PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * count + gap
    array, offset, starts = b"", first, []
    for index, (flags, key_size, value_size, moved) in enumerate(elements):
        address = PAGE_HEADER_SIZE + LEAF_ELEMENT_SIZE * index
        start = max(offset + moved, address)
        starts.append(start)
        array += lay.leaf_element.build(
            {"flags": flags, "pos": start - address, "ksize": key_size, "vsize": value_size}
        )
        offset = start + key_size + value_size
    data = bytes(PAGE_HEADER_SIZE) + array + bytes(offset)
    parsed = [lay.leaf_element.parse(array[i * 16 : i * 16 + 16]) for i in range(count)]
    sizes = tuple(size for e in parsed for size in (e.ksize, e.vsize))
    ends = [start + e.ksize + e.vsize for start, e in zip(starts, parsed)]
    end_to_end = starts[1:] == ends[:-1] and not any(e.flags for e in parsed)
    answer = plain_pairs_at(lay, data, 0, count)
    assert answer == ((starts[0], sizes, ends[-1]) if end_to_end else None)


def test_element_array_formats_cover_many_elements() -> None:
    lay = layout("<")
    assert lay.fast_elements(3).size == 3 * LEAF_ELEMENT_SIZE
    assert lay.fast_branch_elements(3).size == 3 * BRANCH_ELEMENT_SIZE
    assert lay.fast_ids(5).size == 40
    assert isinstance(lay.fast_page_header, struct.Struct)
