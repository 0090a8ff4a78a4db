"""etcd's ``key`` bucket, record by record: the revision each bolt key is, and the
``mvccpb.KeyValue`` each value is (``api/mvccpb/kv.proto``: key 1, create_revision 2,
mod_revision 3, version 4, value 5, lease 6).

The index of every key reads one KeyValue per revision in the file, so the
common case is read tag by tag (:func:`decode_key_value`); the general
decoder's fields judge everything else, and say what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from boltview.errors import BoltviewError, DecodeError
from boltview.protobuf.wire import WireType, decode_raw, read_uvarint, to_int64
from boltview.render.text import show_bytes

__all__ = [
    "REVISION_SIZE",
    "KeyValue",
    "Record",
    "Revision",
    "ValueAt",
    "decode_key_value",
    "key_value_head",
    "key_value_of_fields",
    "parse_revision",
    "revision_key",
]

REVISION_SIZE = 17
TOMBSTONE = ord("t")


@dataclass(frozen=True, order=True)
class Revision:
    """A point in etcd's history: ``main`` counts transactions, ``sub`` changes within one."""

    main: int
    sub: int = 0

    def __str__(self) -> str:
        return f"{{{self.main}, {self.sub}}}"


def parse_revision(key: bytes) -> tuple[Revision, bool]:
    """A ``key`` bucket key: its revision, and whether it marks a tombstone."""
    if len(key) not in (REVISION_SIZE, REVISION_SIZE + 1) or key[8] != ord("_"):
        raise DecodeError(f"not an etcd revision: {len(key)} bytes, expected 17 or 18")
    tombstone = len(key) == REVISION_SIZE + 1
    if tombstone and key[REVISION_SIZE] != TOMBSTONE:
        raise DecodeError(f"not an etcd revision: byte 18 is {key[17]:#04x}, not 't'")
    main = int.from_bytes(key[:8], "big", signed=True)
    sub = int.from_bytes(key[9:17], "big", signed=True)
    return Revision(main, sub), tombstone


def revision_key(main: int, sub: int = 0) -> bytes:
    """The ``key`` bucket key of a revision (no tombstone mark)."""
    return main.to_bytes(8, "big", signed=True) + b"_" + sub.to_bytes(8, "big", signed=True)


@dataclass(frozen=True)
class KeyValue:
    """An ``mvccpb.KeyValue``: a key's state at one revision."""

    key: bytes
    create_revision: int = 0
    mod_revision: int = 0
    version: int = 0
    value: bytes = b""
    lease: int = 0


_KV_INTS = {2: "create_revision", 3: "mod_revision", 4: "version", 6: "lease"}


def decode_key_value(data: bytes) -> KeyValue:
    """An ``mvccpb.KeyValue`` (key 1, create 2, mod 3, version 4, value 5, lease 6)."""
    found = _key_value_by_tags(data)
    return found if found is not None else key_value_of_fields(data)


def key_value_head(data: bytes) -> tuple[KeyValue, int, int]:
    """The KeyValue without its value, and where in ``data`` the value lies; for one not
    laid out as etcd's marshaller writes it, the whole KeyValue and ``(-1, -1)``.
    DecodeError when it is no KeyValue."""
    found = _fields_by_tags(data)
    if found is None:
        return key_value_of_fields(data), -1, -1
    key, numbers, start, end = found
    return KeyValue(key, value=b"", **numbers), start, end


#: The one-byte tags of an ``mvccpb.KeyValue``'s varint fields, and their names.
_KV_TAGS = {number << 3: name for number, name in _KV_INTS.items()}
_KEY_TAG, _VALUE_TAG = 1 << 3 | WireType.LEN, 5 << 3 | WireType.LEN


def _fields_by_tags(data: bytes) -> tuple[bytes, dict[str, int], int, int] | None:
    """The KeyValue read tag by tag, with no :class:`Field` made for each (the index of
    every revision reads one per record): its key, its numbers, and where its value
    lies.  None for anything but its six fields with one-byte tags, well formed:
    :func:`key_value_of_fields` judges those."""
    key = b""
    numbers: dict[str, int] = {}
    pos, end = 0, len(data)
    value_start = value_end = 0
    try:
        while pos < end:
            tag = data[pos]
            if tag == _KEY_TAG or tag == _VALUE_TAG:
                length, pos = read_uvarint(data, pos + 1)
                if length > end - pos:
                    return None
                if tag == _KEY_TAG:
                    key = bytes(data[pos : pos + length])
                else:
                    value_start, value_end = pos, pos + length
                pos += length
                continue
            name = _KV_TAGS.get(tag)
            if name is None:
                return None
            number, pos = read_uvarint(data, pos + 1)
            numbers[name] = to_int64(number)
    except DecodeError:
        return None
    return key, numbers, value_start, value_end


def _key_value_by_tags(data: bytes) -> KeyValue | None:
    """:func:`decode_key_value`'s fast reader alone (None where it leaves the judging to
    :func:`key_value_of_fields`)."""
    found = _fields_by_tags(data)
    if found is None:
        return None
    key, numbers, start, end = found
    return KeyValue(key, value=bytes(data[start:end]), **numbers)


def key_value_of_fields(data: bytes) -> KeyValue:
    """:func:`decode_key_value` by way of the general decoder's fields; it says what is wrong."""
    key = value = b""
    numbers: dict[str, int] = {}
    for wire in decode_raw(bytes(data)):
        if wire.number in (1, 5) and wire.wire_type == WireType.LEN:
            assert isinstance(wire.value, bytes)
            if wire.number == 1:
                key = wire.value
            else:
                value = wire.value
        elif wire.number in _KV_INTS and wire.wire_type == WireType.VARINT:
            assert isinstance(wire.value, int)
            numbers[_KV_INTS[wire.number]] = to_int64(wire.value)
        else:
            raise DecodeError(
                f"not an mvccpb.KeyValue: field {wire.number} ({wire.wire_type.name})"
            )
    return KeyValue(key, value=value, **numbers)


class ValueAt:
    """Where a record's value lies in the file, to read it again when asked: the KeyValue
    is read whole there and must still be the one indexed (key, revisions, version,
    lease), or a writer has reused the page since and the read is refused."""

    __slots__ = ("at", "head", "length", "read")

    def __init__(self, read: Callable[[int, int], bytes], at: int, length: int,
                 head: KeyValue) -> None:  # fmt: skip
        self.read, self.at, self.length, self.head = read, at, length, head

    def __call__(self) -> bytes:
        raw = self.read(self.at, self.length)
        try:
            head, start, end = key_value_head(raw)
        except DecodeError:
            start = end = -1
        if start >= 0 and head == self.head:
            return bytes(raw[start:end])
        raise BoltviewError(
            f"key {show_bytes(self.head.key)}: its value is no longer where it was read, "
            "the file has changed since (read it again)"
        )


@dataclass(frozen=True, eq=False)
class Record:
    """One entry of the ``key`` bucket: a put (``kv``) or a tombstone (a delete).

    The index of every revision keeps each value where it is: ``head`` is the
    KeyValue without it, and ``load`` reads it again from the file when ``kv`` is
    asked for (an etcd's values are most of its file).  A record read whole has no
    ``load`` and its whole KeyValue as ``head``.
    """

    revision: Revision
    tombstone: bool
    head: KeyValue
    load: Callable[[], bytes] | None = None

    @property
    def kv(self) -> KeyValue:
        return self.head if self.load is None else replace(self.head, value=self.load())

    @property
    def key(self) -> bytes:
        return self.head.key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return (self.revision, self.tombstone, self.kv) == (other.revision, other.tombstone, other.kv)

    def __hash__(self) -> int:
        return hash((self.revision, self.tombstone, self.head.key))
