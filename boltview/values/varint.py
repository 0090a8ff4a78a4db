"""Go's ``encoding/binary`` varints, as containerd writes integers.

Sizes, the schema version and inode counts are ``binary.PutVarint`` (zigzag,
then LEB128); the snapshotter's ids are ``binary.PutUvarint`` (LEB128).  Go's
``binary.Uvarint`` and protobuf's varint are the same LEB128 with the same
limits (ten bytes, 64 bits), so the reader is shared with
:mod:`boltview.protobuf.wire`.  ``tests/vectors/go_encodings.json``, written by
the real Go, is the judge.  Bad input raises :class:`~boltview.errors.DecodeError`.
"""

from __future__ import annotations

from boltview.errors import DecodeError
from boltview.protobuf.wire import read_uvarint, zigzag_decode

__all__ = [
    "decode_uvarint",
    "decode_varint",
    "encode_uvarint",
    "encode_varint",
    "read_uvarint",
    "read_varint",
]
#
# Go's binary.Uvarint and protobuf's varint are the same LEB128 with the same
# limits (ten bytes, 64 bits), so the reader is shared with boltview.protobuf.


def read_varint(data: bytes, pos: int = 0) -> tuple[int, int]:
    """Read a ``binary.PutVarint`` value at ``pos``; return it and the next offset."""
    unsigned, end = read_uvarint(data, pos)
    return zigzag_decode(unsigned), end


def decode_uvarint(data: bytes) -> int:
    """Decode a value that is exactly one ``binary.PutUvarint``, nothing after it.

    Go's ``binary.Uvarint`` ignores trailing bytes; containerd never writes
    any, so here they mean corruption and raise :class:`DecodeError`.
    """
    value, end = read_uvarint(data)
    _check_consumed(data, end, "uvarint")
    return value


def decode_varint(data: bytes) -> int:
    """Decode a value that is exactly one ``binary.PutVarint`` (signed, zigzag)."""
    value, end = read_varint(data)
    _check_consumed(data, end, "varint")
    return value


def _check_consumed(data: bytes, end: int, what: str) -> None:
    if end != len(data):
        raise DecodeError(f"{what} takes {end} bytes but the value has {len(data)}")


def encode_uvarint(value: int) -> bytes:
    """``binary.PutUvarint``: what containerd would write for ``value`` (0 <= value < 2**64)."""
    if not 0 <= value < 1 << 64:
        raise ValueError(f"{value} does not fit in a uint64")
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_varint(value: int) -> bytes:
    """``binary.PutVarint``: zigzag, then LEB128 (-2**63 <= value < 2**63)."""
    if not -(1 << 63) <= value < 1 << 63:
        raise ValueError(f"{value} does not fit in an int64")
    return encode_uvarint(((value << 1) ^ (value >> 63)) & ((1 << 64) - 1))
