"""What the bytes of a recognized value are, for the annotated hex dump.

The browser shows a value's bytes with each run labelled; these say where the
fields of the formats boltview knows lie.  They claim nothing they cannot
account for: a value whose layout does not fit gets no regions at all.
"""

from __future__ import annotations

from boltview.errors import DecodeError
from boltview.protobuf.wire import WireType, read_uvarint
from boltview.values.gotime import GO_TIME_V1, GO_TIME_V2, GoTimeBinary

#: ``(start, end, label)``: one labelled run of a value's bytes.
Region = tuple[int, int, str]

_GO_TIME_LABELS = {
    "version": "version",
    "seconds": "seconds since 0001-01-01",
    "nanos": "nanoseconds",
    "offset_minutes": "zone offset, minutes",
    "offset_seconds": "zone offset, seconds",
}

_ANY_FIELDS = {1: "type_url", 2: "value"}


def value_regions(value: bytes) -> list[Region]:
    """The fields of a Go time or a protobuf Any in ``value``, or ``[]``."""
    if len(value) in (GO_TIME_V1.size, GO_TIME_V2.size) and value[0] in (1, 2):
        return go_time_regions(len(value) == GO_TIME_V2.size)
    if value[:1] != bytes([1 << 3 | WireType.LEN]):
        return []
    return any_regions(value)


def go_time_regions(version_2: bool) -> list[Region]:
    """``time.MarshalBinary``'s fields, in the order and sizes GoTimeBinary declares them."""
    regions: list[Region] = []
    start = 0
    for field in GoTimeBinary.subcons[:-1]:  # Terminated ends it
        if field.name == "offset_seconds" and not version_2:
            break
        size = 1 if field.name == "offset_seconds" else field.sizeof()
        regions.append((start, start + size, _GO_TIME_LABELS[field.name]))
        start += size
    return regions


def any_regions(value: bytes) -> list[Region]:
    """A ``google.protobuf.Any``: each field's tag and length, then its bytes."""
    regions: list[Region] = []
    position = 0
    while position < len(value):
        tag = value[position]
        number = tag >> 3
        if tag & 7 != WireType.LEN or number not in _ANY_FIELDS:
            return []
        try:
            length, end = read_uvarint(value, position + 1)
        except DecodeError:
            return []
        if end + length > len(value):
            return []
        name = _ANY_FIELDS[number]
        regions.append((position, end, f"field {number} ({name}), {length} bytes"))
        regions.append((end, end + length, name))
        position = end + length
    return regions
