"""Everything the library offers, run over one (possibly hostile) file.

Shared by the hypothesis tests (``tests/test_fuzz.py``) and the coverage-guided
harness (``fuzz/fuzz_boltview.py``).  The property is simple: whatever the
bytes, only a ``BoltviewError`` may escape.  Each call also has a deadline
(``deadline``) so that a hang shows up as an exception, not a stuck run.
"""

from __future__ import annotations

import io
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from boltview.bolt.bucket import Bucket
from boltview.bolt.check import check, free_page_ids
from boltview.bolt.diff import diff
from boltview.bolt.file import BoltFile
from boltview.bolt.stats import bucket_stats
from boltview.dump import dump
from boltview.errors import BoltviewError
from boltview.render.pageview import describe_page, page_document

#: Buckets one walk visits at most.  The engine refuses cycles of nested
#: buckets, but cannot know that two sub-buckets share a tree (a DAG): as any
#: program that walks every bucket should, this one walks a root page once and
#: bounds its own walk (inline buckets sharing a value can nest fanout ** depth).
MAX_BUCKETS = 3000


class Hang(Exception):
    """An exercise ran past its deadline: a hang, or near enough."""


class WalkBlowup(Exception):
    """The engine let one bucket yield more keys than the file has room for."""


class _Enough(Exception):
    """The walk met as many buckets as it is willing to visit."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``Hang`` in the main thread if the block runs longer than ``seconds``."""

    def expired(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: Set while exercising a sound file, where no step may fail at all.
_strict: ContextVar[bool] = ContextVar("strict", default=False)


def tolerate(step: Callable[[], object]) -> object:
    """Run one step; a BoltviewError is an answer (the file is damaged), not a failure.

    Under :func:`strictly` it is a failure: a sound file must read whole.
    """
    try:
        return step()
    except BoltviewError:
        if _strict.get():
            raise
        return None


@contextmanager
def strictly() -> Iterator[None]:
    """Within the block, every reader must succeed (for files real bbolt wrote)."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


@contextmanager
def _lenient() -> Iterator[None]:
    token = _strict.set(False)
    try:
        yield
    finally:
        _strict.reset(token)


def exercise(path: str) -> None:
    """Open ``path`` and use every reader on it: both metas, snapshots, all walkers."""
    try:
        db = BoltFile.open(path)
    except BoltviewError:
        if _strict.get():
            raise
        return
    with db:
        exercise_db(db)
        tolerate(lambda: exercise_diff(db))
        for index in (0, 1):
            other = tolerate(lambda index=index: db.with_meta(index))  # type: ignore[misc]
            if isinstance(other, BoltFile):
                walk_all(other)
                tolerate(lambda other=other: list(check(other)))  # type: ignore[misc]
    tolerate(lambda: exercise_snapshot(path))


def exercise_diff(db: BoltFile) -> None:
    """The previous transaction against the current one, as ``boltview diff`` does."""
    previous = db.with_meta(1 - db.meta.index)
    for _ in diff(previous.root, db.root, same_file=True):
        pass


def exercise_snapshot(path: str) -> None:
    with BoltFile.open(path, snapshot=True) as db:
        tolerate(lambda: free_page_ids(db))
        walk_all(db)


def exercise_db(db: BoltFile) -> None:
    tolerate(db.sha256)
    tolerate(lambda: free_page_ids(db))
    findings = tolerate(lambda: list(check(db)))
    assert not isinstance(findings, list) or all(f.message for f in findings)
    walk_all(db)
    tolerate(lambda: simple_walk(db.root))
    tolerate(lambda: bucket_stats(db.root))
    for encoding in ("base64", "text"):
        tolerate(lambda encoding=encoding: dump(db.root, _Sink(), encoding))  # type: ignore[misc, arg-type]
    spans = tolerate(lambda: list(db.page_spans()))
    pgids = {span.pgid for span in spans} if isinstance(spans, list) else set()
    pgids.update((0, 1, db.meta.root, db.meta.freelist, db.high_water_mark))
    free = tolerate(lambda: set(free_page_ids(db)))
    for number, pgid in enumerate(sorted(pgids)[:200]):
        # A page past the end or a free one has a stale header: an error is the
        # right answer there even in a sound file.
        stale = pgid >= db.high_water_mark or (isinstance(free, set) and pgid in free)
        # The hex dump does not look at the page's structure: a few are enough.
        hex_dump = number < 8
        with _lenient() if stale else nullcontext():
            tolerate(lambda pgid=pgid, hex_dump=hex_dump: render_page(db, pgid, hex_dump))  # type: ignore[misc]


class _Sink(io.RawIOBase):
    """Where the dump goes: counted, not kept (a damaged file may repeat a big value
    many times over, as bbolt's own dump would; that is output, not memory)."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


def render_page(db: BoltFile, pgid: int, hex_dump: bool = True) -> None:
    page = db.raw_page(pgid)
    document = page_document(db, page, False)
    assert document["pgid"] == pgid
    for line in describe_page(db, page, True, hex_dump=hex_dump):
        assert isinstance(line, str)


def simple_walk(bucket: Bucket) -> int:
    """Every bucket and key, with no precaution of its own: the engine must stop it."""
    return sum(simple_walk(child) for child in bucket.buckets()) + sum(1 for _ in bucket.entries())


def walk_all(db: BoltFile) -> None:
    # A sound bucket has at most one key per 16 bytes of its pages, whatever its shape.
    most_keys = db.size // 16 + 1
    try:
        tolerate(lambda: walk(db.root, [0], most_keys, set()))
    except _Enough:
        pass


def walk(bucket: Bucket, visited: list[int], most_keys: int, roots: set[int]) -> None:
    """Every bucket below ``bucket``, as a program built on the library would walk it."""
    visited[0] += 1
    if visited[0] > MAX_BUCKETS:
        raise _Enough
    if bucket.root in roots:
        return
    if bucket.root:
        roots.add(bucket.root)
    keys = []
    for count, entry in enumerate(bucket.entries()):
        if count >= most_keys:
            raise WalkBlowup(f"more than {most_keys} keys in bucket {bucket.path!r}")
        keys.append(entry.key)
    if keys:
        for key in (keys[0], keys[len(keys) // 2], keys[-1], keys[-1] + b"\x00", b""):
            tolerate(lambda key=key: bucket.get(key))  # type: ignore[misc]
            tolerate(lambda key=key: next(bucket.seek(key), None))  # type: ignore[misc]
            tolerate(lambda key=key: list(bucket.prefix(key[:4])))  # type: ignore[misc]
    tolerate(lambda: list(bucket.pages()))
    for child in bucket.buckets():
        tolerate(lambda child=child: walk(child, visited, most_keys, roots))  # type: ignore[misc]
