"""Search the whole database for a string, in keys and in values.

Runs in a worker thread: the walk is a generator that the caller drives,
checks ``cancelled()`` between pages, and reports progress as the share of the
file's pages visited so far.  A page that cannot be read is reported as a hit
of kind "error" and the walk goes on with the next bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from boltview.bolt.bucket import Bucket
from boltview.bolt.cursor import Budget, leaf_entries
from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
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


def search(
    db: BoltFile,
    query: str,
    cancelled: Callable[[], bool],
    progress: Callable[[Progress], None],
    every: int = 64,
) -> Iterator[Hit]:
    """Every match of ``query`` in the database, in bucket order."""
    matcher = Matcher(query)
    total = max(db.high_water_mark, 1)
    state = {"pages": 0, "keys": 0, "hits": 0}
    # One budget for the whole search: a corrupt file whose trees share pages
    # cannot make it visit more pages than the file holds.
    budget = Budget(db)

    def walk(bucket: Bucket, trail: frozenset[int]) -> Iterator[Hit]:
        try:
            for page, entries in leaf_entries(bucket, budget):
                if cancelled():
                    return
                if page.pgid:
                    if page.pgid in trail:
                        raise BoltviewError(f"page {page.pgid}: visited twice (corrupt tree)")
                    state["pages"] += 1
                    if state["pages"] % every == 0:
                        progress(Progress(state["pages"], total, state["keys"], state["hits"]))
                for entry in entries:
                    state["keys"] += 1
                    key = entry.key
                    if entry.is_bucket:
                        if matcher.find(key) >= 0:
                            state["hits"] += 1
                            yield Hit(bucket.path, key, "bucket", show_bytes(key))
                        try:
                            # child() refuses nesting cycles and shared roots.
                            child = bucket.child(entry)
                        except BoltviewError as error:
                            yield Hit(bucket.path, key, "error", str(error))
                            continue
                        yield from walk(child, trail | {page.pgid})
                        if cancelled():
                            return
                        continue
                    at = matcher.find(key)
                    if at >= 0:
                        state["hits"] += 1
                        yield Hit(bucket.path, key, "key", show_bytes(key))
                        continue
                    at = matcher.find(entry.value)
                    if at >= 0:
                        state["hits"] += 1
                        yield Hit(bucket.path, key, "value", snippet(entry.value, at, len(query)))
        except BoltviewError as error:
            yield Hit(bucket.path, None, "error", str(error))

    yield from walk(db.root, frozenset())
    progress(Progress(total, total, state["keys"], state["hits"]))
