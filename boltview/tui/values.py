"""What a raw value probably is, for the browser's labels and detail pane.

A bolt value is bytes; the browser guesses what they mean so a person does
not have to read hex: JSON, a protobuf ``Any`` (containerd's spec and runtime
options), a Go ``time.MarshalBinary`` time, a Go varint, text, a 64-bit
integer, a schemaless protobuf message.  The key's name helps (containerd
calls its times ``createdat``, its sizes ``size``).  Guesses never raise: what
cannot be read is "binary", and the hex dump is always there.

Nothing here knows Textual; every string a reading carries has already been
through :func:`~boltview.render.text.escape`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from rich.text import Text

from boltview.containerd.encoding import decode_go_time, decode_uvarint, decode_varint
from boltview.errors import DecodeError
from boltview.protobuf.any import decode_any
from boltview.protobuf.wire import decode_raw_json
from boltview.render.text import escape, human_size, printable_utf8

#: Keys containerd stores Go times under.
TIME_KEYS = frozenset({b"createdat", b"updatedat", b"expireat", b"deletedat"})
#: Keys containerd stores ``binary.PutVarint`` integers under.
VARINT_KEYS = frozenset({b"size", b"version", b"inodes"})
#: Keys the snapshotter stores ``binary.PutUvarint`` integers under.
UVARINT_KEYS = frozenset({b"id"})
#: Keys whose values are a protobuf ``Any``.
ANY_KEYS = frozenset({b"spec", b"options"})

#: Longest preview in a tree label, in characters.
PREVIEW = 48


@dataclass(frozen=True)
class Reading:
    """One interpretation of a value.

    ``kind`` is one of empty, json, any, time, varint, uvarint, text, uint64,
    protobuf, binary.  ``summary`` is a short escaped one-liner for labels;
    ``title`` names the reading; ``decoded`` is JSON-friendly data when the
    value is structured; ``facts`` are (name, escaped text) pairs; ``note``
    says why an expected reading failed.
    """

    kind: str
    summary: str
    title: str
    decoded: Any = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None
    when: datetime | None = None


def read_value(value: bytes, key: bytes = b"") -> Reading:
    """The most likely reading of ``value`` (stored under ``key``); never raises."""
    try:
        return _read(value, key)
    except Exception as error:  # noqa: BLE001 - a guess must never stop the browser
        return Reading("binary", f"{len(value)} bytes", "binary", note=f"decoder failed: {error}")


def _read(value: bytes, key: bytes) -> Reading:
    if not value:
        return Reading("empty", "(empty)", "empty value")
    if key in TIME_KEYS or (len(value) in (15, 16) and value[0] in (1, 2)):
        reading = _time(value, strict=key in TIME_KEYS)
        if reading is not None:
            return reading
    if key in VARINT_KEYS or key in UVARINT_KEYS:
        reading = _varint(value, unsigned=key in UVARINT_KEYS)
        if reading is not None:
            return reading
    stripped = value.lstrip()
    if stripped[:1] in (b"{", b"["):
        reading = _json(value)
        if reading is not None:
            return reading
    if key in ANY_KEYS or value[:1] == b"\x0a":
        reading = _any(value)
        if reading is not None:
            return reading
    if printable_utf8(value):
        text = value.decode("utf-8")
        return Reading("text", _clip(text), f"text, {len(text)} characters")
    if len(value) == 8:
        big = int.from_bytes(value, "big")
        little = int.from_bytes(value, "little")
        return Reading(
            "uint64",
            f"u64? {big}",
            "8 bytes: a 64-bit integer?",
            facts=[("big-endian", str(big)), ("little-endian", str(little))],
        )
    reading = _protobuf(value)
    if reading is not None:
        return reading
    if len(value) <= 10:
        reading = _varint(value, unsigned=False, guess=True)
        if reading is not None:
            return reading
    return Reading("binary", f"{human_size(len(value))} binary", "binary")


def _time(value: bytes, strict: bool) -> Reading | None:
    try:
        stamp = decode_go_time(value)
        when = stamp.to_datetime()
    except DecodeError as error:
        if strict:
            return Reading("binary", "bad time", "binary", note=f"not a Go time: {error}")
        return None
    if not strict and not 1970 <= when.year <= 2200:
        return None
    return Reading(
        "time",
        stamp.rfc3339(),
        "Go time (time.MarshalBinary)",
        facts=[("RFC 3339", stamp.rfc3339())],
        when=when,
    )


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
    )


def _json(value: bytes) -> Reading | None:
    try:
        decoded = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    kind = "object" if isinstance(decoded, dict) else "array"
    count = len(decoded) if isinstance(decoded, dict | list) else 0
    return Reading("json", f"JSON {kind} ({count})", f"JSON {kind}", decoded=decoded)


def _any(value: bytes) -> Reading | None:
    decoded = decode_any(value)
    url = decoded.type_url
    if not url or decoded.decoded_as == "raw" or not url.isprintable():
        return None
    if "." not in url and "/" not in url:
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


def _protobuf(value: bytes) -> Reading | None:
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
    )


def _clip(text: str, width: int = PREVIEW) -> str:
    text = escape(text)
    return text if len(text) <= width else text[: width - 1] + "…"


# -- keys ------------------------------------------------------------------------


def escaped(text: str, style: str = "") -> Text:
    """``text`` with every unprintable character spelled out and highlighted."""
    out = Text(style=style)
    run: list[str] = []
    for char in text:
        if char.isprintable():
            run.append(char)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(escape(char), style="bold magenta")
    if run:
        out.append("".join(run))
    return out


def key_text(key: bytes, limit: int = 80) -> Text:
    """A key for people: text as text (escapes highlighted), binary as hex, 8 bytes also
    as an integer; blank or space-padded keys quoted."""
    if not key:
        return Text('""', style="dim")
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        printable = sum(c.isprintable() for c in text)
        if printable * 2 >= len(text) and not (len(key) == 8 and printable < len(text)):
            if text != text.strip() or not text.strip():
                text = f'"{text}"'
            if len(text) > limit:
                text = text[: limit - 1] + "…"
            return escaped(text)
    hexed = "0x" + key.hex()
    if len(hexed) > limit:
        hexed = hexed[: limit - 1] + "…"
    label = Text(hexed, style="cyan")
    if len(key) == 8:
        label.append(f" ={int.from_bytes(key, 'big')}", style="dim cyan")
    return label


# -- times ----------------------------------------------------------------------


def age(when: datetime, now: datetime) -> str:
    """'3 days ago', 'in 2 hours', 'just now'."""
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def short_age(when: datetime, now: datetime) -> str:
    """'3d', '2h', '5m', '10s' (for tree labels)."""
    seconds = abs((now - when).total_seconds())
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def time_facts(when: datetime, now: datetime, local: tzinfo | None) -> list[tuple[str, str]]:
    """A time as local and UTC with its age."""
    utc = when.astimezone(UTC)
    here = when.astimezone(local) if local is not None else when.astimezone()
    return [
        ("local", here.strftime("%Y-%m-%d %H:%M:%S %Z").strip()),
        ("UTC", utc.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("age", age(when, now)),
    ]


def pretty_json(decoded: Any) -> str:
    """Indented JSON with every line escaped (strings from a file may hold controls)."""
    text = json.dumps(decoded, indent=2, ensure_ascii=False, default=str)
    return "\n".join(escape(line) for line in text.split("\n"))
