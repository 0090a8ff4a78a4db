"""The small encodings containerd uses for values in its bolt files.

containerd writes its metadata with Go's standard library and nothing else:

- integers (sizes, the schema version, snapshot ids) with ``binary.PutVarint``
  or ``binary.PutUvarint``: :mod:`boltview.values.varint`;
- times (``createdat``, ``updatedat``, ``expireat``) with ``time.MarshalBinary``:
  :mod:`boltview.values.gotime`;
- content addresses as go-digest strings, ``sha256:<64 hex>``: here;
- typed payloads (a spec, runtime options, extensions) as a marshaled
  ``google.protobuf.Any``: :func:`split_any` reads the usual layout here.

The varint and time names are re-exported here, where containerd's code and
its tests have always found them.  Each is decoded the way Go decodes it;
``tests/vectors/go_encodings.json``, written by the real Go
(``tests/vectors/gen/main.go``), is the judge.  Bad input raises
:class:`~boltview.errors.DecodeError` saying what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from boltview.errors import DecodeError
from boltview.values.gotime import UNIX_TO_INTERNAL, GoTime, GoTimeBinary, decode_go_time
from boltview.values.varint import (
    decode_uvarint,
    decode_varint,
    encode_uvarint,
    encode_varint,
    read_uvarint,
    read_varint,
)

__all__ = [
    "DIGEST_HEX_LENGTHS",
    "UNIX_TO_INTERNAL",
    "Digest",
    "GoTime",
    "GoTimeBinary",
    "decode_go_time",
    "decode_uvarint",
    "decode_varint",
    "encode_uvarint",
    "encode_varint",
    "is_digest",
    "parse_digest",
    "read_uvarint",
    "read_varint",
    "split_any",
]


# --- Digests ---------------------------------------------------------------

DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
"""The algorithms go-digest knows out of the box, and their hex lengths."""

_DIGEST_GRAMMAR = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
_LOWER_HEX = re.compile(r"[a-f0-9]*")


@dataclass(frozen=True, slots=True)
class Digest:
    """A content address: ``algorithm:encoded``, e.g. ``sha256:e3b0c442...``."""

    algorithm: str
    encoded: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.encoded}"

    @property
    def short(self) -> str:
        """The first 12 hex digits, as ``ctr`` and ``docker`` abbreviate."""
        return self.encoded[:12]


def parse_digest(value: str | bytes) -> Digest:
    """Parse and validate a digest like go-digest's ``Parse``.

    The algorithm must be one go-digest supports (sha256, sha384, sha512) and
    the encoded part lowercase hex of the right length. bolt keys are bytes,
    so bytes are accepted (they must be ASCII).
    """
    text = _digest_text(value)
    algorithm, sep, encoded = text.partition(":")
    if not sep or not algorithm or not encoded:
        raise DecodeError(f"digest {text!r}: expected <algorithm>:<encoded>")
    expected_length = DIGEST_HEX_LENGTHS.get(algorithm)
    if expected_length is None:
        if _DIGEST_GRAMMAR.fullmatch(text) is None:
            raise DecodeError(f"digest {text!r}: invalid format")
        raise DecodeError(f"digest {text!r}: unsupported algorithm {algorithm!r}")
    if len(encoded) != expected_length:
        raise DecodeError(
            f"digest {text!r}: {algorithm} takes {expected_length} hex digits, not {len(encoded)}"
        )
    if _LOWER_HEX.fullmatch(encoded) is None:
        raise DecodeError(f"digest {text!r}: encoded part is not lowercase hex")
    return Digest(algorithm, encoded)


def is_digest(value: str | bytes) -> bool:
    """True if :func:`parse_digest` would accept ``value``."""
    try:
        parse_digest(value)
    except DecodeError:
        return False
    return True


def _digest_text(value: str | bytes) -> str:
    if isinstance(value, str):
        return value
    try:
        return bytes(value).decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError(f"digest {bytes(value)!r}: not ASCII") from None


# --- Any -------------------------------------------------------------------

_TYPE_URL_KEY = 0x0A  # field 1, length-delimited
_VALUE_KEY = 0x12  # field 2, length-delimited


def split_any(raw: bytes) -> tuple[bytes, bytes] | None:
    """A marshaled ``google.protobuf.Any``'s type URL and value, when it is laid out
    as Go marshals one: field 1, then field 2, each at most once, and nothing else.

    None for any other layout (repeated or unknown fields, a length past the end),
    which the schemaless decoder reads by the full rules.  The layout Go writes
    costs two slices here instead of a walk over the message's fields.
    """
    type_url = value = b""
    pos, end = 0, len(raw)
    try:
        if pos < end and raw[pos] == _TYPE_URL_KEY:
            length, start = read_uvarint(raw, pos + 1)
            pos = start + length
            type_url = raw[start:pos]
        if pos < end and raw[pos] == _VALUE_KEY:
            length, start = read_uvarint(raw, pos + 1)
            pos = start + length
            value = raw[start:pos]
    except DecodeError:
        return None
    return (type_url, value) if pos == end else None
