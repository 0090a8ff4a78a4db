"""Search the whole database for a string, in keys and in values.

Runs in a worker thread: the walk is a generator that the caller drives,
checks ``cancelled()`` between pages, and reports progress as the share of the
file's pages visited so far.  A page that cannot be read is reported as a hit
of kind "error" and the walk goes on with the next bucket.  The walk is the
``grep`` verb's (:mod:`boltview.bolt.grep`): whole pages are tested first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from boltview.bolt.file import BoltFile
from boltview.bolt.grep import Pattern, grep
from boltview.render.text import parse_name, show_bytes


@dataclass(frozen=True, slots=True)
class Hit:
    """A match: the bucket it is in, the key, and where the query was found."""

    path: tuple[bytes, ...]
    key: bytes | None
    where: str  # "key", "bucket", "value", "error"
    context: str  # escaped by the caller


@dataclass(frozen=True, slots=True)
class Progress:
    pages: int
    total: int
    keys: int
    hits: int

    @property
    def fraction(self) -> float:
        if self.pages >= self.total:
            return 1.0
        return min(self.pages / self.total, 0.99) if self.total else 0.0


class Matcher:
    """Case-insensitive text match on keys and values; ``0x..`` also matches bytes."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.needle = query.lower().encode("utf-8", "surrogateescape")
        raw = parse_name(query)
        self.raw = raw if raw != query.encode("utf-8", "surrogateescape") else None

    def find(self, data: bytes) -> int:
        """Where the query starts in ``data``, or -1."""
        if self.raw is not None:
            at = data.find(self.raw)
            if at >= 0:
                return at
        return data.lower().find(self.needle) if self.needle else -1


def snippet(data: bytes, at: int, length: int, width: int = 60) -> str:
    """The text around a match, unescaped (the caller escapes it)."""
    start = max(at - width // 3, 0)
    piece = data[start : start + width]
    text = piece.decode("utf-8", "backslashreplace")
    return ("…" if start else "") + text + ("…" if start + width < len(data) else "")


def pattern_of(query: str) -> Pattern | None:
    """The browser's query as a grep pattern: text in any case, and ``0x..`` as those bytes."""
    matcher = Matcher(query)
    if not matcher.needle:
        return None
    if matcher.raw is None:
        return Pattern(matcher.needle, fixed=True, ignore_case=True)
    return Pattern.either(matcher.needle, matcher.raw)


def search(
    db: BoltFile,
    query: str,
    cancelled: Callable[[], bool],
    progress: Callable[[Progress], None],
) -> Iterator[Hit]:
    """Every match of ``query`` in the database, in bucket order.

    The walk is :func:`boltview.bolt.grep.grep`'s: a leaf page whose bytes hold
    no match is not decoded, and a big file is first scanned for the text by
    two processes.  One budget for the whole search: a corrupt file whose
    trees share pages cannot make it visit more pages than the file holds.
    """
    total = max(db.high_water_mark, 1)
    state = {"pages": 0, "keys": 0, "hits": 0}

    def visited(pages: int, keys: int) -> None:
        state["pages"], state["keys"] = pages, keys
        progress(Progress(pages, total, keys, state["hits"]))

    pattern = pattern_of(query)
    if pattern is not None:
        for hit in grep(db, pattern, cancelled=cancelled, visited=visited):
            if hit.where == "error":
                yield Hit(hit.path, hit.key, "error", hit.data.decode("utf-8", "backslashreplace"))
                continue
            state["hits"] += 1
            assert hit.key is not None
            if hit.where == "value":
                yield Hit(hit.path, hit.key, "value", snippet(hit.data, hit.start, hit.end - hit.start))
            else:
                yield Hit(hit.path, hit.key, hit.where, show_bytes(hit.key))
    progress(Progress(total, total, state["keys"], state["hits"]))
