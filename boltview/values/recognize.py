"""What a raw value probably is: one ordered registry of strict recognizers.

A bolt value is bytes; the browser's labels and detail pane, and
``boltview get --format auto``, read them so that a person does not have to
read hex.  Each recognizer looks at the bytes and returns a :class:`Reading`,
or None when it is not sure.  :func:`recognize` asks them in order and the
first that answers wins:

=============  ==============================================================
go time        ``time.MarshalBinary``: 15 or 16 bytes, version 1 or 2, a year
               from 1970 to 2200
json           an object or array that parses, UTF-8
any            a protobuf ``Any``: field 1 first, no fields but the type URL
               and the value, a type URL that is a type name, a value that
               decodes
text           printable UTF-8
u64            8 bytes: a 64-bit integer? (a guess, marked with "?")
protobuf       a message read without a schema (a guess)
varint         ``binary.PutVarint``, exactly, at most 10 bytes (a guess)
=============  ==============================================================

A hint (what the key's name says the value is, see
:mod:`boltview.values.hints`) asks that recognizer first and less strictly: a
value under ``createdat`` is a time even in 1903, and one that is not a time
says why.  Nothing raises: what cannot be read is "binary".  Every string a
reading carries has already been through :func:`~boltview.render.text.escape`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from boltview.errors import DecodeError
from boltview.protobuf.any import decode_any, is_any_shaped
from boltview.protobuf.wire import decode_raw_json
from boltview.render.text import escape, human_size, printable_utf8
from boltview.values.gotime import decode_go_time, go_datetime
from boltview.values.varint import decode_uvarint, decode_varint

__all__ = [
    "ANY",
    "HINTS",
    "PREVIEW",
    "RECOGNIZERS",
    "TIME",
    "UVARINT",
    "VARINT",
    "Reading",
    "go_time",
    "json_value",
    "pretty_json",
    "protobuf_any",
    "protobuf_message",
    "recognize",
    "sequence_key",
    "text",
    "u64",
    "varint_guess",
]

#: Longest preview in a tree label, in characters.
PREVIEW = 48

#: The hints a caller may give (see :mod:`boltview.values.hints`).
TIME, VARINT, UVARINT, ANY = "time", "varint", "uvarint", "any"


@dataclass(frozen=True)
class Reading:
    """One interpretation of a value.

    ``kind`` is one of empty, json, any, time, varint, uvarint, text, uint64,
    protobuf, binary.  ``summary`` is a short escaped one-liner for labels;
    ``title`` names the reading; ``decoded`` is JSON-friendly data when the
    value is structured; ``facts`` are (name, escaped text) pairs; ``note``
    says why an expected reading failed; ``when`` is a time's moment.
    ``guess`` marks a reading that any bytes of that length would get (its
    summary ends in "?").
    """

    kind: str
    summary: str
    title: str
    decoded: Any = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None
    when: datetime | None = None
    guess: bool = False


Recognizer = Callable[[bytes], Reading | None]


def recognize(value: bytes, hint: str | None = None) -> Reading:
    """The most likely reading of ``value``; ``hint`` (TIME, VARINT, UVARINT, ANY) is
    tried first.  Never raises."""
    try:
        return _recognize(value, hint)
    except Exception as error:  # noqa: BLE001 - a guess must never stop its reader
        return Reading("binary", f"{len(value)} bytes", "binary", note=f"decoder failed: {error}")


def _recognize(value: bytes, hint: str | None) -> Reading:
    if not value:
        return Reading("empty", "(empty)", "empty value")
    expected = HINTS.get(hint) if hint is not None else None
    if expected is not None:
        reading = expected(value)
        if reading is not None:
            return reading
    for _, recognizer in RECOGNIZERS:
        reading = recognizer(value)
        if reading is not None:
            return reading
    return Reading("binary", f"{human_size(len(value))} binary", "binary")


# -- the recognizers, most certain first -----------------------------------------------


def go_time(value: bytes) -> Reading | None:
    """A ``time.MarshalBinary`` time in a plausible year (1970 to 2200)."""
    if len(value) not in (15, 16) or value[0] not in (1, 2):
        return None
    return _time(value, expected=False)


def expected_time(value: bytes) -> Reading:
    """A value that should be a time: any year; if it is not one, a "bad time" reading."""
    reading = _time(value, expected=True)
    assert reading is not None
    return reading


def _time(value: bytes, expected: bool) -> Reading | None:
    try:
        stamp = decode_go_time(value)
    except DecodeError as error:
        if expected:
            return Reading("binary", "bad time", "binary", note=f"not a Go time: {error}")
        return None
    when, note = go_datetime(stamp)
    if not expected and (when is None or not 1970 <= when.year <= 2200):
        return None
    return Reading(
        "time",
        stamp.rfc3339(),
        "Go time (time.MarshalBinary)",
        facts=[("RFC 3339", stamp.rfc3339())],
        note=note,
        when=when,
    )


def json_value(value: bytes) -> Reading | None:
    """A JSON object or array (leading whitespace allowed), in UTF-8."""
    if value.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        decoded = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    kind = "object" if isinstance(decoded, dict) else "array"
    count = len(decoded) if isinstance(decoded, dict | list) else 0
    return Reading("json", f"JSON {kind} ({count})", f"JSON {kind}", decoded=decoded)


def protobuf_any(value: bytes) -> Reading | None:
    """A ``google.protobuf.Any`` exactly as Go writes it: the type URL first, then
    the value, and nothing else (unlike the hinted :func:`any_value`)."""
    if value[:1] != b"\x0a" or not is_any_shaped(value):
        return None
    return any_value(value)


# A type URL is a protobuf full name (containerd.runc.v1.Options), or a host and a
# path ending in a type name (types.containerd.io/opencontainers/runtime-spec/1/Spec).
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_FULL_NAME = rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})+"
_HOST_PATH = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/(?:[A-Za-z0-9._~-]+/)*"
TYPE_URL: Final = re.compile(rf"{_FULL_NAME}|{_HOST_PATH}{_IDENTIFIER}(?:\.{_IDENTIFIER})*")


def any_value(value: bytes) -> Reading | None:
    """A ``google.protobuf.Any`` whose type URL is a type name and whose value decodes."""
    decoded = decode_any(value)
    url = decoded.type_url
    if decoded.decoded_as == "raw" or TYPE_URL.fullmatch(url) is None:
        return None
    short = url.rsplit("/", 1)[-1]
    facts = [
        ("type_url", escape(url)),
        ("decoded as", escape(decoded.decoded_as)),
        ("value", human_size(len(decoded.value))),
    ]
    return Reading(
        "any",
        f"Any {escape(short)}",
        "protobuf Any",
        decoded=decoded.decoded,
        facts=facts,
        note=escape(decoded.error) if decoded.error else None,
    )


def text(value: bytes) -> Reading | None:
    """Printable UTF-8."""
    if not printable_utf8(value):
        return None
    decoded = value.decode("utf-8")
    return Reading("text", _clip(decoded), f"text, {len(decoded)} characters")


def sequence_key(key: bytes) -> int | None:
    """An 8-byte key as the big-endian integer bbolt's ``NextSequence`` keys are, else None."""
    return int.from_bytes(key, "big") if len(key) == 8 else None


def u64(value: bytes) -> Reading | None:
    """8 bytes: a 64-bit integer, either byte order (a guess)."""
    if len(value) != 8:
        return None
    big = int.from_bytes(value, "big")
    little = int.from_bytes(value, "little")
    return Reading(
        "uint64",
        f"u64? {big}",
        "8 bytes: a 64-bit integer?",
        facts=[("big-endian", str(big)), ("little-endian", str(little))],
        guess=True,
    )


def protobuf_message(value: bytes) -> Reading | None:
    """A well-formed protobuf message with at least one field, read without a schema (a guess)."""
    try:
        decoded = decode_raw_json(value)
    except DecodeError:
        return None
    if not decoded:
        return None
    return Reading(
        "protobuf",
        f"protobuf? {len(decoded)} fields",
        "protobuf message? (read without a schema)",
        decoded=decoded,
        guess=True,
    )


def varint_guess(value: bytes) -> Reading | None:
    """At most 10 bytes that are exactly one ``binary.PutVarint`` (a guess)."""
    return _varint(value, unsigned=False, guess=True) if len(value) <= 10 else None


def varint(value: bytes) -> Reading | None:
    """Exactly one ``binary.PutVarint``."""
    return _varint(value, unsigned=False)


def uvarint(value: bytes) -> Reading | None:
    """Exactly one ``binary.PutUvarint``."""
    return _varint(value, unsigned=True)


def _varint(value: bytes, unsigned: bool, guess: bool = False) -> Reading | None:
    try:
        number = decode_uvarint(value) if unsigned else decode_varint(value)
    except DecodeError:
        return None
    name = "uvarint" if unsigned else "varint"
    title = f"Go {name} (binary.Put{'Uvarint' if unsigned else 'Varint'})"
    facts = [("value", str(number))]
    if number >= 1024:
        facts.append(("as a size", human_size(number)))
    return Reading(
        name,
        f"{name}{'?' if guess else ''} {number}",
        title + ("?" if guess else ""),
        decoded=number,
        facts=facts,
        guess=guess,
    )


RECOGNIZERS: tuple[tuple[str, Recognizer], ...] = (
    ("go time", go_time),
    ("json", json_value),
    ("any", protobuf_any),
    ("text", text),
    ("u64", u64),
    ("protobuf", protobuf_message),
    ("varint", varint_guess),
)
"""Asked in this order; the first reading wins."""

HINTS: dict[str, Recognizer] = {
    TIME: expected_time,
    VARINT: varint,
    UVARINT: uvarint,
    ANY: any_value,
}
"""What a hint asks first."""


# -- shown to people -------------------------------------------------------------------


def _clip(decoded: str, width: int = PREVIEW) -> str:
    shown = escape(decoded)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def pretty_json(decoded: Any) -> str:
    """Indented JSON with every line escaped (strings from a file may hold controls)."""
    shown = json.dumps(decoded, indent=2, ensure_ascii=False, default=str)
    return "\n".join(escape(line) for line in shown.split("\n"))
