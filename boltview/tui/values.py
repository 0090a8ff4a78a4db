"""Values and keys for the browser: readings, key labels, ages.

What a value probably is comes from :mod:`boltview.values.recognize` (one
registry, shared with ``boltview get``), with the hint its key's name gives
(:mod:`boltview.values.hints`).  This module adds what the browser draws with
rich: highlighted escapes, key labels, ages.  Nothing here knows Textual.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

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
