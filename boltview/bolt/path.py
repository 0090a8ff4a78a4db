"""Names of buckets and keys: the bytes bbolt stores, and how to say them to a person.

A bucket is found by its path from the root, one name per level. Names are bytes
and may hold anything, ``/`` included, so a path is a tuple of names, never a
string joined with a separator.  These helpers live with the engine because the
engine names buckets in its own errors and findings; the escaping of what reaches
a terminal is ``boltview.render.text``'s.
"""

from __future__ import annotations

from typing import TypeAlias

#: The names of the buckets from the root down to one bucket (the root is ``()``).
BucketPath: TypeAlias = tuple[bytes, ...]


def printable_utf8(data: bytes) -> bool:
    """True when ``data`` is UTF-8 made only of printable characters (and when empty)."""
    if not data:
        return True
    try:
        return data.decode("utf-8").isprintable()
    except UnicodeDecodeError:
        return False


def show_bytes(data: bytes) -> str:
    """A key or name for people: printable UTF-8 as it is, anything else as hex."""
    if printable_utf8(data) and data:
        return data.decode("utf-8")
    if not data:
        return '""'
    return "0x" + data.hex()


def show_path(path: BucketPath | list[bytes]) -> str:
    """A bucket path for messages: names joined by ' / ' (names may contain '/')."""
    if not path:
        return "(root)"
    return " / ".join(show_bytes(name) for name in path)
