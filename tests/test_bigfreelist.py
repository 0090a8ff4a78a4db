"""A freelist of more than 0xFFFF ids, written and read by the real bbolt.

When the freelist holds 0xFFFF ids or more, the page header's count is 0xFFFF
and the real count is the first u64 of the page, and the list spans overflow
pages.  ``bboltref bigfreelist OUT 1024`` writes such a file (about 72 000
free ids at 1024-byte pages, ~75 MB, well under a second); boltview's
free ids, check, page table, dump and ``boltview info --json`` are compared
with bbolt's own answers.  The same file is also written by a big-endian
bbolt (s390x under qemu, see test_big_endian.py), where the real count is a
big-endian u64.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.check import check, free_page_ids
from boltview.bolt.file import BoltFile
from boltview.dump import dump
from tests.conftest import run_ref
from tests.test_big_endian import bboltref_s390x, run_be, write_be  # noqa: F401 (fixture)

PAGE_SIZE = 1024


@dataclass
class Reference:
    path: Path
    byte_order: str
    dump: Any
    info: Any
    check: Any


@pytest.fixture(scope="module", params=["little-endian", "big-endian"])
def bigfreelist(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Reference:
    """The file and bbolt's dump, info and check of it, once per byte order."""
    path = tmp_path_factory.mktemp("bigfreelist") / f"bigfreelist-{request.param}.db"
    if request.param == "little-endian":
        ref = request.getfixturevalue("bboltref")
        subprocess.run(
            [str(ref), "bigfreelist", str(path), str(PAGE_SIZE)], check=True, capture_output=True
        )
        answers = [run_ref(ref, kind, path) for kind in ("dump", "info", "check")]
    else:
        command = request.getfixturevalue("bboltref_s390x")
        write_be(command, "bigfreelist", path, PAGE_SIZE)
        answers = [run_be(command, kind, path) for kind in ("dump", "info", "check")]
    return Reference(path, request.param, *answers)


def test_the_freelist_really_is_big(bigfreelist: Reference) -> None:
    """The file exercises what it is for: a count of 0xFFFF in the header, overflow pages."""
    info = bigfreelist.info
    assert info["byte_order"] == bigfreelist.byte_order
    assert info["page_size"] == PAGE_SIZE
    assert info["free_count"] > 0xFFFF
    freelist = next(p for p in info["pages"] if p["type"] == "freelist")
    assert freelist["id"] == info["freelist"]
    assert freelist["count"] == 0xFFFF
    assert freelist["overflow"] > 0
    with BoltFile.open(str(bigfreelist.path)) as db:
        assert db.byte_order == bigfreelist.byte_order


def test_free_page_ids_match_bbolt(bigfreelist: Reference) -> None:
    with BoltFile.open(str(bigfreelist.path)) as db:
        assert free_page_ids(db) == bigfreelist.info["free_page_ids"]


def test_check_matches_bbolt(bigfreelist: Reference) -> None:
    with BoltFile.open(str(bigfreelist.path)) as db:
        assert [f.message for f in check(db)] == bigfreelist.check == bigfreelist.info["check"]


def test_page_table_matches_bbolt(bigfreelist: Reference) -> None:
    """bbolt's tx.Page walk: type (or "free"), count and overflow of every page."""
    with BoltFile.open(str(bigfreelist.path)) as db:
        free = set(free_page_ids(db))
        ours = {
            span.pgid: ("free" if span.pgid in free else span.type, span.count, span.overflow)
            for span in db.page_spans()
        }
    theirs = {p["id"]: (p["type"], p["count"], p["overflow"]) for p in bigfreelist.info["pages"]}
    assert len(ours) == len(theirs)
    assert ours == theirs


def test_dump_matches_bbolt(bigfreelist: Reference) -> None:
    with BoltFile.open(str(bigfreelist.path)) as db:
        out = io.BytesIO()
        dump(db.root, out, "base64")
    assert json.loads(out.getvalue()) == bigfreelist.dump


def test_cli_info_counts_the_free_pages(bigfreelist: Reference) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "boltview", "info", str(bigfreelist.path), "--json"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    info = json.loads(done.stdout)
    assert info["byte_order"] == bigfreelist.byte_order
    assert info["txid"] == bigfreelist.info["txid"]
    assert info["freelist"]["pgid"] == bigfreelist.info["freelist"]
    assert info["freelist"]["free_pages"] == bigfreelist.info["free_count"]
