"""The small encodings containerd uses for values in its bolt files.

containerd writes its metadata with Go's standard library and nothing else:

- integers (sizes, the schema version, snapshot ids) with ``binary.PutVarint``
  (zigzag, then LEB128) or ``binary.PutUvarint`` (LEB128);
- times (``createdat``, ``updatedat``, ``expireat``) with ``time.MarshalBinary``;
- content addresses as go-digest strings, ``sha256:<64 hex>``.

Each is decoded here the way Go decodes it, and formatted the way Go prints
it, so that boltview's output can be compared character for character with
``ctr``'s. ``tests/vectors/go_encodings.json``, written by the real Go
(``tests/vectors/gen/main.go``), is the judge. Bad input raises
:class:`~boltview.errors.DecodeError` saying what is wrong.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from construct import If, Int8ub, Int16sb, Int32sb, Int64sb, Struct, Terminated, this

from boltview.errors import DecodeError
from boltview.protobuf.wire import read_uvarint, zigzag_decode

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
]


# --- Varints ---------------------------------------------------------------
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


# --- Times -----------------------------------------------------------------

UNIX_TO_INTERNAL = 62135596800
"""Seconds from Go's internal epoch, 0001-01-01T00:00:00Z, to the Unix epoch."""

_UTC_OFFSET_MINUTES = -1
"""The zone offset ``MarshalBinary`` writes for ``time.UTC``."""

_HEADER = (
    "version" / Int8ub,
    "seconds" / Int64sb,  # since 0001-01-01T00:00:00Z
    "nanos" / Int32sb,
    "offset_minutes" / Int16sb,  # minutes east of UTC, -1 for UTC
)

GoTimeBinary = Struct(
    *_HEADER,
    # Version 2 only: seconds of the zone offset. Go's MarshalBinary writes an
    # int8, but UnmarshalBinary reads the byte unsigned; we read it as Go does.
    "offset_seconds" / If(this.version == 2, Int8ub),
    Terminated,
)
"""``time.Time.MarshalBinary``, big-endian: the reference definition."""

# The fast path: the same fields as one struct.unpack, ~400 times faster than
# parsing GoTimeBinary (times are read in bulk: two per snapshot).
_FAST_V1 = struct.Struct(">" + "".join(field.subcon.fmtstr[1:] for field in _HEADER))
_FAST_V2 = struct.Struct(_FAST_V1.format + Int8ub.fmtstr[1:])
_FAST = {1: _FAST_V1, 2: _FAST_V2}


@dataclass(frozen=True, slots=True)
class GoTime:
    """A Go ``time.Time`` as ``MarshalBinary`` stored it, nanoseconds intact.

    Python's datetime stops at microseconds and at year 9999; this keeps what
    Go had and converts on demand. ``offset_minutes`` and ``offset_seconds``
    are the stored zone fields, read like Go's ``UnmarshalBinary`` (so -1
    minutes means UTC).
    """

    unix_seconds: int
    nanos: int
    offset_minutes: int
    offset_seconds: int = 0
    version: int = 1

    @property
    def is_utc(self) -> bool:
        """True if the time was in ``time.UTC`` (not merely a zero offset)."""
        return self.offset_minutes * 60 + self.offset_seconds == _UTC_OFFSET_MINUTES * 60

    @property
    def utc_offset(self) -> int:
        """The zone's offset east of UTC in seconds, as Go reconstructs it."""
        return 0 if self.is_utc else self.offset_minutes * 60 + self.offset_seconds

    @property
    def is_zero(self) -> bool:
        """True for Go's zero ``time.Time{}`` (0001-01-01T00:00:00Z)."""
        return self.unix_seconds == -UNIX_TO_INTERNAL and self.nanos == 0

    def to_datetime(self) -> datetime:
        """An aware datetime in the stored zone, truncated to microseconds.

        Raises :class:`DecodeError` if Python cannot represent it: a year
        outside 1..9999, or a zone offset of a day or more.
        """
        try:
            zone = UTC if self.is_utc else timezone(timedelta(seconds=self.utc_offset))
        except ValueError:
            raise DecodeError(f"zone offset {self.utc_offset}s is beyond Python's range") from None
        try:
            utc = _UNIX_EPOCH + timedelta(
                seconds=self.unix_seconds, microseconds=self.nanos // 1000
            )
            return utc.astimezone(zone)
        except OverflowError:
            raise DecodeError(f"{self.rfc3339()} is outside Python's datetime range") from None

    def rfc3339(self) -> str:
        """Format exactly like Go's ``t.Format(time.RFC3339Nano)``, as ``ctr`` prints.

        Fraction without trailing zeros (none at all for whole seconds), ``Z``
        for a zero offset, else ``+hh:mm`` (Go drops the offset's seconds from
        the text but not from the clock).
        """
        local = self.unix_seconds + self.utc_offset
        days, second_of_day = divmod(local, 86400)
        year, month, day = _civil_from_days(days)
        hour, rest = divmod(second_of_day, 3600)
        minute, second = divmod(rest, 60)
        return (
            f"{_go_year(year)}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
            f"{_go_fraction(self.nanos)}{_go_zone(self.utc_offset)}"
        )

    def __str__(self) -> str:
        return self.rfc3339()


_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def decode_go_time(data: bytes) -> GoTime:
    """Decode ``time.Time.MarshalBinary`` output (version 1 or 2).

    Checks what Go's ``UnmarshalBinary`` checks (data, version, length), and
    also that the nanoseconds are below one second: Go never writes more, and
    would print nonsense if it read it.
    """
    data = bytes(data)
    if not data:
        raise DecodeError("time: no data")
    version = data[0]
    layout = _FAST.get(version)
    if layout is None:
        raise DecodeError(f"time: unsupported version {version} (Go writes 1 or 2)")
    if len(data) != layout.size:
        raise DecodeError(f"time: version {version} takes {layout.size} bytes, not {len(data)}")
    _, seconds, nanos, offset_minutes, *extra = layout.unpack(data)
    if not 0 <= nanos < 1_000_000_000:
        raise DecodeError(f"time: nanoseconds {nanos} out of range")
    return GoTime(
        unix_seconds=seconds - UNIX_TO_INTERNAL,
        nanos=nanos,
        offset_minutes=offset_minutes,
        offset_seconds=extra[0] if extra else 0,
        version=version,
    )


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """Proleptic Gregorian (year, month, day) of a day count from 1970-01-01.

    Howard Hinnant's algorithm; exact for any integer, so years before 1 and
    after 9999 (which Go prints and Python's date cannot hold) come out right.
    """
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153  # March = 0
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    year = year_of_era + era * 400 + (1 if month <= 2 else 0)
    return year, month, day


def _go_year(year: int) -> str:
    """Go's appendInt(year, 4): a sign if negative, then at least four digits."""
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def _go_fraction(nanos: int) -> str:
    """RFC3339Nano's ``.999999999``: trailing zeros trimmed, nothing if zero."""
    return f".{nanos:09d}".rstrip("0") if nanos else ""


def _go_zone(offset: int) -> str:
    """RFC3339's ``Z07:00``: Z for a zero offset, else sign, hours, minutes.

    Like Go, the minutes are truncated toward zero before the sign is taken,
    so an offset of -30 seconds prints as ``+00:00``.
    """
    if offset == 0:
        return "Z"
    minutes = abs(offset) // 60
    sign = "-" if offset < 0 and minutes else "+"
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


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
