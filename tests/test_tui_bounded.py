"""The browser's own walks (search, backward paging) stay bounded on hostile trees.

The regression inputs in tests/regressions/ are real fixtures damaged into
shapes that once made walks explode (trees and buckets sharing pages, deep
inline nesting).  Search must finish, reporting unreadable parts as hits of
kind "error"; backward paging must end or raise a BoltviewError.
"""

from __future__ import annotations

import gzip
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from boltview.bolt.cursor import entries_before
from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.tui.search import search

REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.db.gz"))


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail, rather than hang, if a walk takes more than 20 seconds."""

    def expire(*_: object) -> None:
        raise TimeoutError("the walk did not finish in 20 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_there_are_regression_inputs() -> None:
    assert len(REGRESSIONS) >= 5


@pytest.mark.parametrize("case", REGRESSIONS, ids=lambda p: p.name)
def test_search_and_paging_finish(case: Path, tmp_path: Path, deadline: None) -> None:
    path = tmp_path / "case.db"
    path.write_bytes(gzip.decompress(case.read_bytes()))
    try:
        db = BoltFile.open(str(path))
    except BoltviewError:
        return  # refused at the door: nothing to walk
    with db:
        hits = list(search(db, "a", lambda: False, lambda progress: None))
        assert all(hit.where in ("key", "bucket", "value", "error") for hit in hits)
        try:
            for bucket in db.root.buckets():
                for _ in entries_before(bucket, None):
                    pass
        except BoltviewError:
            pass
