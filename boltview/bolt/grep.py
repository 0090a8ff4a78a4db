"""Find a pattern in the keys and values of a bolt file, testing whole pages first.

A key or value lies whole inside its leaf page (with the page's overflow), so a
page whose bytes hold no match holds no matching record: the walk tests each
leaf page's bytes at once, in C, and decodes records only on pages that match.
That is exact for a literal and for any regular expression without zero-width
assertions (``^``, ``$``, ``\\b``, lookarounds), whose matches do not depend on
what stands around them; a pattern with one is tested record by record.

Before the walk, the whole file is scanned for a literal in large reads (by two
processes on a big file, each stopping at its first match): a pattern that
occurs nowhere in the file occurs in no record, and the walk is skipped.

What counts as a match is the same as for a walk that tests every key and value
(the tests compare the two): a bucket's name, a key, or a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from boltview.bolt.bucket import Bucket, Budget
from boltview.bolt.cursor import Entry
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.bolt.page import Page
from boltview.bolt.path import BucketPath
from boltview.bolt.processes import process_context, usable_cores
from boltview.bolt.source import Source
from boltview.errors import BoltviewError

#: A file at least this big is scanned by two processes (when it is not a snapshot).
PARALLEL_SCAN_SIZE = 64 << 20
_SCAN_CHUNK = 8 << 20
_REGEX_SYNTAX = frozenset(b".^$*+?{}[]\\|()")
# Anchors, word boundaries and lookarounds: a match that depends on its neighbours.
_ASSERTION = re.compile(rb"\^|\$|\\[AZbB]|\(\?<?[=!]")


@dataclass(frozen=True)
class Pattern:
    """What to look for: a regular expression (or a literal, ``fixed``) over bytes."""

    text: bytes
    fixed: bool = False
    ignore_case: bool = False

    regex: re.Pattern[bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        source = re.escape(self.text) if self.fixed else self.text
        try:
            compiled = re.compile(source, re.IGNORECASE if self.ignore_case else 0)
        except re.error as error:
            shown = self.text.decode("utf-8", "backslashreplace")
            raise BoltviewError(f"not a regular expression: {shown!r}: {error}") from None
        object.__setattr__(self, "regex", compiled)

    @classmethod
    def either(cls, text: bytes, exact: bytes) -> Pattern:
        """``text`` in any case, or the bytes ``exact`` as they are (the browser's search)."""
        source = b"(?i:" + re.escape(text) + b")|" + re.escape(exact)
        return cls(source)

    @property
    def literal(self) -> bytes | None:
        """The bytes to look for when the pattern is plain text, else None."""
        if self.fixed or not (_REGEX_SYNTAX & set(self.text)):
            return self.text.lower() if self.ignore_case else self.text
        return None

    @property
    def pages_can_tell(self) -> bool:
        """Whether a page without a match surely holds no matching record."""
        return self.fixed or _ASSERTION.search(self.text) is None

    def search(self, data: bytes) -> re.Match[bytes] | None:
        return self.regex.search(data)

    def in_bytes(self, data: bytes) -> bool:
        """Whether ``data`` holds a match, the fastest way for this pattern."""
        literal = self.literal
        if literal is None:
            return self.regex.search(data) is not None
        if self.ignore_case:
            data = data.lower()
        return literal in data


@dataclass(frozen=True, slots=True)
class Hit:
    """A match: in bucket ``path``, key ``key`` (None for an unreadable subtree).

    ``where`` is "bucket" (a sub-bucket's name), "key", "value" or "error";
    ``data`` is the name, key or value matched (for "error", the message in
    UTF-8), ``start``/``end`` where the match is in it.
    """

    path: BucketPath
    key: bytes | None
    where: str
    data: bytes
    start: int
    end: int


def grep(
    db: BoltFile,
    pattern: Pattern,
    under: Bucket | None = None,
    *,
    keys: bool = True,
    values: bool = True,
    cancelled: Callable[[], bool] = lambda: False,
    visited: Callable[[int, int], None] = lambda pages, keys: None,
) -> Iterator[Hit]:
    """Every match below ``under`` (default the whole file), in bbolt's order.

    A record is reported once: by its key when the key matches, else by its
    value.  ``visited`` hears the number of leaf pages and of records read so far, now and then;
    ``cancelled`` is asked between pages.  A subtree that cannot be read is one
    "error" hit, and the walk goes on with the next.
    """
    bucket = under if under is not None else db.root
    literal = pattern.literal
    if literal is not None and literal and not scan_file_for(db, literal, pattern.ignore_case):
        return
    state = _Walk(pattern, keys, values, cancelled, visited, Budget(db))
    yield from state.bucket(bucket)


@dataclass
class _Walk:
    pattern: Pattern
    keys: bool
    values: bool
    cancelled: Callable[[], bool]
    visited: Callable[[int, int], None]
    budget: Budget
    pages: int = 0
    records: int = 0

    def bucket(self, bucket: Bucket) -> Iterator[Hit]:
        try:
            for page, _ in bucket.leaves(budget=self.budget):
                if self.cancelled():
                    return
                self.pages += 1
                if self.pages % 64 == 0:
                    self.visited(self.pages, self.records)
                yield from self.page(bucket, page)
        except BoltviewError as error:
            message = str(error).encode("utf-8", "backslashreplace")
            yield Hit(bucket.path, None, "error", message, 0, len(message))

    def page(self, bucket: Bucket, page: Page) -> Iterator[Hit]:
        data = page.data
        whole = not self.pattern.pages_can_tell or self.pattern.in_bytes(data)
        flags, key_starts, value_starts, value_ends = page.leaf_spans()
        self.records += len(flags)
        if not whole and (not flags or not max(flags) & BUCKET_LEAF_FLAG):
            return
        search = self.pattern.search
        for index, flag in enumerate(flags):
            is_bucket = flag & BUCKET_LEAF_FLAG
            if not whole and not is_bucket:
                continue
            key = data[key_starts[index] : value_starts[index]]
            if whole and self.keys:
                found = search(key)
                if found:
                    where = "bucket" if is_bucket else "key"
                    yield Hit(bucket.path, key, where, key, found.start(), found.end())
                    if not is_bucket:
                        continue
            if is_bucket:
                yield from self.sub_bucket(bucket, key, data[value_starts[index] : value_ends[index]])
                if self.cancelled():
                    return
            elif whole and self.values:
                value = data[value_starts[index] : value_ends[index]]
                found = search(value)
                if found:
                    yield Hit(bucket.path, key, "value", value, found.start(), found.end())

    def sub_bucket(self, parent: Bucket, key: bytes, header: bytes) -> Iterator[Hit]:
        try:
            # child() refuses nesting cycles and shared roots.
            child = parent.child(Entry(key, header, True))
        except BoltviewError as error:
            message = str(error).encode("utf-8", "backslashreplace")
            yield Hit(parent.path, key, "error", message, 0, len(message))
            return
        yield from self.bucket(child)


# -- the whole-file scan -----------------------------------------------------------------


def scan_file_for(db: BoltFile, literal: bytes, ignore_case: bool) -> bool:
    """Whether ``literal`` occurs anywhere in the file's bytes (lower-cased if asked).

    A snapshot is scanned in memory; a big file on disk by two processes, each
    opening it read-only through :class:`~boltview.bolt.source.Source`.
    """
    size = db.size
    if db.is_snapshot or size < PARALLEL_SCAN_SIZE or usable_cores() < 2:
        return _scan(db.source.read, 0, size, literal, ignore_case)
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    half = size // 2
    with ProcessPoolExecutor(2, mp_context=process_context()) as pool:
        futures = {
            pool.submit(_scan_path, db.path, start, end, literal, ignore_case)
            for start, end in ((0, half), (max(half - len(literal) + 1, 0), size))
        }
        while futures:
            done, futures = wait(futures, return_when=FIRST_COMPLETED)
            if any(future.result() for future in done):
                for future in futures:
                    future.cancel()
                return True
    return False


def _scan_path(path: str, start: int, end: int, literal: bytes, ignore_case: bool) -> bool:
    source = Source(path)
    try:
        return _scan(source.read, start, end, literal, ignore_case)
    finally:
        source.close()


def _scan(
    read: Callable[[int, int], bytes], start: int, end: int, literal: bytes, ignore_case: bool
) -> bool:
    """Whether ``literal`` starts in [start, end): chunks overlap by its length less one."""
    overlap = len(literal) - 1
    offset = start
    while offset < end:
        chunk = read(offset, min(_SCAN_CHUNK, end - offset) + overlap)
        if not chunk:
            return False
        if ignore_case:
            chunk = chunk.lower()
        if literal in chunk:
            return True
        offset += _SCAN_CHUNK
    return False
