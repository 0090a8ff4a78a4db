"""Values and keys for the browser: readings, key labels, ages.

What a value probably is comes from :mod:`boltview.values.recognize` (one
registry, shared with ``boltview get``), with the hint its key's name gives
(:mod:`boltview.values.hints`).  This module adds what the browser draws with
rich: highlighted escapes, key labels, ages.  Nothing here knows Textual.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from rich.text import Text

from boltview.render.text import escape
from boltview.values.hints import ANY_KEYS, TIME_KEYS, UVARINT_KEYS, VARINT_KEYS, hint_for
from boltview.values.recognize import PREVIEW, Reading, pretty_json, recognize, sequence_key

__all__ = [
    "ANY_KEYS",
    "PREVIEW",
    "TIME_KEYS",
    "UVARINT_KEYS",
    "VARINT_KEYS",
    "Reading",
    "age",
    "escaped",
    "key_text",
    "pretty_json",
    "read_value",
    "rfc3339_time",
    "short_age",
    "time_facts",
]


def read_value(value: bytes, key: bytes = b"") -> Reading:
    """The most likely reading of ``value`` (stored under ``key``); never raises."""
    return recognize(value, hint_for(key))


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
    number = sequence_key(key)
    if number is not None:
        label.append(f" ={number}", style="dim cyan")
    return label


# -- words ----------------------------------------------------------------------


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 key', '2 keys', '0 keys': a count with its noun in the right number."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


# -- times ----------------------------------------------------------------------


def age(when: datetime, now: datetime) -> str:
    """'3 days ago', 'in 2 hours', 'just now'."""
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            text = plural(count, unit)
            return f"in {text}" if future else f"{text} ago"
    return "just now"


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))"
)


def rfc3339_time(text: str) -> datetime | None:
    """The time an RFC 3339 string names (as Go and Kubernetes write them, up to
    nanoseconds, which are cut to microseconds), or None for any other string and for
    Go's zero time (year 1: no time was set)."""
    found = _RFC3339.fullmatch(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zone, sign, zone_h, zone_m = found.groups()
    offset = timedelta(0)
    if zone != "Z":
        offset = timedelta(hours=int(zone_h), minutes=int(zone_m)) * (-1 if sign == "-" else 1)
    try:
        when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                        int((fraction or "0")[:6].ljust(6, "0")), timezone(offset))  # fmt: skip
    except ValueError:  # month 13, an offset of a day or more...
        return None
    return None if when.year == 1 else when


def when_words(when: datetime, now: datetime, local: tzinfo | None) -> str:
    """A time as the local clock shows it, and how long ago: "2026-11-30 13:00:05 CET, 3 days ago"."""
    here = when.astimezone(local) if local is not None else when.astimezone()
    return f"{here.strftime('%Y-%m-%d %H:%M:%S %Z').strip()}, {age(when, now)}"


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
