"""Bad input: a clear one-line error or a finding, never a traceback or a hang."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from boltview.bolt.check import check
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BRANCH_PAGE
from boltview.errors import BoltviewError, InvalidDatabaseError, PageError
from tests import corrupt
from tests.conftest import BOLT_FIXTURES, golden

BASIC = BOLT_FIXTURES / "basic.db"


def boltview(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boltview", *map(str, args)],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("boltview: error: ")
    for word in words:
        assert word in lines[0], (word, lines[0])


def tree_branch_page(path: Path) -> int:
    """A branch page that the active tree really uses."""
    return branch_page_and_bucket(path)[0]


def branch_page_and_bucket(path: Path) -> tuple[int, tuple[bytes, ...]]:
    """A branch page of the active tree, and the path of the bucket it belongs to."""
    with BoltFile.open(str(path)) as db:
        stack = [db.root]
        while stack:
            bucket = stack.pop()
            for page, _ in bucket.pages():
                if page.is_branch and page.pgid:
                    return page.pgid, bucket.path
            stack.extend(bucket.buckets())
    raise LookupError("no branch page")


# -- files that are not bolt databases at all -------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(boltview("info", tmp_path / "nope.db"), "nope.db", "no such file")


def test_directory(tmp_path: Path) -> None:
    assert_one_line_error(boltview("info", tmp_path), "directory")


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert_one_line_error(boltview("keys", empty, "x"), "empty.db", "empty")


def test_not_bolt(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_bytes(b"hello, this is not a database\n" * 500)
    assert_one_line_error(boltview("dump", text), "notes.txt", "not a bolt database")


def test_truncated_inside_meta(tmp_path: Path) -> None:
    short = tmp_path / "short.db"
    short.write_bytes(BASIC.read_bytes()[:40])
    assert_one_line_error(boltview("info", short), "short.db", "too short")


def test_truncated_before_the_tree(tmp_path: Path) -> None:
    data = BASIC.read_bytes()
    size = corrupt.page_size_of(data)
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[: 2 * size])  # both metas, no pages
    assert_one_line_error(boltview("dump", cut), "past the end of the file")


# -- meta pages ----------------------------------------------------------------------


def test_one_bad_meta_falls_back_and_says_so(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    newest = corrupt.active_meta_index(bytes(data))
    # Damage the newest meta's checksum only: bbolt falls back to the other one.
    corrupt.set_meta(data, newest, fix_checksum=False, checksum=12345)
    path = tmp_path / "onebad.db"
    path.write_bytes(bytes(data))
    with BoltFile.open(str(path)) as db:
        assert db.meta.index == 1 - newest
        assert "checksum mismatch" in db.meta_reason
        assert "fell back" in db.meta_reason
    result = boltview("info", path)
    assert result.returncode == 0
    assert "fell back" in result.stdout


def test_both_metas_bad(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    for index in (0, 1):
        corrupt.set_meta(data, index, fix_checksum=False, checksum=1)
    path = tmp_path / "bothbad.db"
    path.write_bytes(bytes(data))
    assert_one_line_error(boltview("info", path), "both meta pages are invalid")


def test_zero_checksum_is_accepted_as_bbolt_1_3_6_does(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    for index in (0, 1):
        corrupt.set_meta(data, index, fix_checksum=False, checksum=0)
    path = tmp_path / "zero.db"
    path.write_bytes(bytes(data))
    with BoltFile.open(str(path)) as db:
        assert db.meta.valid
        assert "zero" in db.meta.checksum_note


def test_root_past_the_end(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    for index in (0, 1):
        corrupt.set_meta(data, index, root=10**9)
    path = tmp_path / "farroot.db"
    path.write_bytes(bytes(data))
    assert_one_line_error(boltview("buckets", path), "page 1000000000", "past the end")
    with BoltFile.open(str(path)) as db:
        codes = {f.code for f in check(db)}
    assert "out-of-bounds" in codes


# -- broken trees ----------------------------------------------------------------------


def dump_with_a_gap(path: Path, pgid: int, *words: str) -> dict[str, object]:
    """dump of a file with one broken page: a warning naming it, exit 1, the rest intact."""
    result = boltview("dump", path, "--encoding", "base64")
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("boltview: warning: ") for line in lines)
    assert any(f"page {pgid}" in line for line in lines), lines
    for word in words:
        assert any(word in line for line in lines), (word, lines)
    tree: dict[str, object] = json.loads(result.stdout)
    return tree


def assert_rest_intact(ours: dict[str, object], whole: dict[str, object]) -> None:
    """Everything read from the damaged file is as bbolt reads the sound one."""
    for key, value in ours.items():
        assert key in whole
        if isinstance(value, dict):
            assert isinstance(whole[key], dict)
            assert_rest_intact(value, whole[key])  # type: ignore[arg-type]
        else:
            assert value == whole[key]


def test_branch_pointing_at_itself_does_not_hang(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    pgid = tree_branch_page(BASIC)
    page = corrupt.read_elements(bytes(data), pgid, leaf=False)
    assert page.header.flags & BRANCH_PAGE
    page.elements[-1].pgid = pgid
    corrupt.write_elements(data, pgid, False, page)
    path = tmp_path / "cycle.db"
    path.write_bytes(bytes(data))
    tree = dump_with_a_gap(path, pgid, "cycle")
    whole = golden("basic", "dump")
    assert_rest_intact(tree, whole)
    assert tree != whole  # the keys below the looping element are left out
    with BoltFile.open(str(path)) as db:
        findings = list(check(db))
    assert any(f.code == "multiple-references" and f.pgid == pgid for f in findings)


def test_element_count_too_big_for_the_page(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    pgid = tree_branch_page(BASIC)
    page = corrupt.read_elements(bytes(data), pgid, leaf=False)
    page.header.count = 0xFFFF
    size = corrupt.page_size_of(bytes(data))
    header = corrupt.layout("<").page_header.build(page.header)
    data[pgid * size : pgid * size + len(header)] = header
    path = tmp_path / "count.db"
    path.write_bytes(bytes(data))
    assert_rest_intact(dump_with_a_gap(path, pgid, "do not fit"), golden("basic", "dump"))
    with BoltFile.open(str(path)) as db:
        assert any(f.code == "unreadable" and f.pgid == pgid for f in check(db))


def test_key_position_past_the_page(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    pgid, bucket_path = branch_page_and_bucket(BASIC)
    page = corrupt.read_elements(bytes(data), pgid, leaf=False)
    page.elements[0].pos = 10**9
    corrupt.write_elements(data, pgid, False, page)
    path = tmp_path / "pos.db"
    path.write_bytes(bytes(data))
    with BoltFile.open(str(path)) as db, pytest.raises(PageError, match="past the end of the page"):
        list(db.bucket(*bucket_path).entries())


def test_check_never_raises_on_random_damage(tmp_path: Path) -> None:
    """Flip bytes all over a real file: check reports, it never raises."""
    import random

    original = BASIC.read_bytes()
    rng = random.Random(1234)
    for round_ in range(40):
        data = bytearray(original)
        for _ in range(20):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"flip{round_}.db"
        path.write_bytes(bytes(data))
        try:
            db = BoltFile.open(str(path))
        except InvalidDatabaseError:
            continue
        with db:
            for finding in check(db):
                assert finding.message
            try:
                for bucket in db.root.buckets():
                    for _ in bucket.entries():
                        pass
            except BoltviewError:
                pass
