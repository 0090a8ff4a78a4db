"""``boltview grep`` and its engine, against bbolt's own reading of the fixtures.

The expected hits are computed from each fixture's golden dump (every key and
value as bbolt's ForEach walk gave them, ``fixtures/README.md``) by testing each
record with the same regular expression: the engine tests whole pages first
and skips most records, and must find exactly what the record-by-record walk
finds, in the same order.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import boltview.bolt.grep as grep_module
from boltview.bolt.file import BoltFile
from boltview.bolt.grep import Pattern, grep, scan_file_for
from tests.conftest import BOLT_FIXTURES, bolt_fixture_names, golden, run_boltview

Found = tuple[tuple[bytes, ...], bytes, str, int, int]


def expected(
    tree: dict[str, Any], regex: re.Pattern[bytes], keys: bool, values: bool, path: tuple[bytes, ...] = ()
) -> Iterator[Found]:
    """The hits of a record-by-record walk over bbolt's dump of a file."""
    for encoded, value in tree.items():
        key = base64.b64decode(encoded)
        found = regex.search(key) if keys else None
        if isinstance(value, dict):
            if found:
                yield path, key, "bucket", found.start(), found.end()
            yield from expected(value, regex, keys, values, path + (key,))
            continue
        if found:
            yield path, key, "key", found.start(), found.end()
            continue
        data = base64.b64decode(value)
        found = regex.search(data) if values else None
        if found:
            yield path, key, "value", found.start(), found.end()


def actual(name: str, pattern: Pattern, keys: bool = True, values: bool = True) -> list[Found]:
    with BoltFile.open(str(BOLT_FIXTURES / f"{name}.db")) as db:
        hits = list(grep(db, pattern, keys=keys, values=values))
    assert all(hit.where != "error" for hit in hits), hits
    return [(h.path, h.key or b"", h.where, h.start, h.end) for h in hits]


def records(name: str) -> list[bytes]:
    """Every key and value of a fixture, from bbolt's dump."""
    found: list[bytes] = []

    def walk(tree: dict[str, Any]) -> None:
        for key, value in tree.items():
            found.append(base64.b64decode(key))
            if isinstance(value, dict):
                walk(value)
            else:
                found.append(base64.b64decode(value))

    walk(golden(name, "dump"))
    return found


PATTERNS = [
    (b"value", False, False),  # a literal
    (b"VALUE", False, True),  # a literal, any case
    (b"a0[0-4]", False, False),  # a regular expression
    (b"^a", False, False),  # an anchor: tested record by record
    (b"\\bvalue\\b", False, True),  # word boundaries
    (b"a.c", True, False),  # -F: the dot is a dot
    (b"\x00", True, False),  # a byte that is everywhere
    (b"nothing-like-this", True, True),  # no match anywhere
]


@pytest.mark.parametrize("name", bolt_fixture_names())
@pytest.mark.parametrize(("text", "fixed", "ignore_case"), PATTERNS)
def test_grep_finds_what_a_walk_over_bbolts_dump_finds(
    name: str, text: bytes, fixed: bool, ignore_case: bool
) -> None:
    pattern = Pattern(text, fixed, ignore_case)
    tree = golden(name, "dump")
    for keys, values in ((True, True), (True, False), (False, True)):
        want = list(expected(tree, pattern.regex, keys, values))
        assert actual(name, pattern, keys, values) == want, (keys, values)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_grep_agrees_on_random_pieces_of_the_files(data: st.DataObject) -> None:
    """Patterns cut from the files' own records (so that they match), and random bytes."""
    name = data.draw(st.sampled_from(bolt_fixture_names()))
    pieces = [r for r in records(name) if r]
    source = data.draw(st.sampled_from(pieces))
    start = data.draw(st.integers(0, len(source) - 1))
    piece = source[start : start + data.draw(st.integers(1, 6))]
    text = data.draw(st.one_of(st.just(piece), st.binary(min_size=1, max_size=3)))
    pattern = Pattern(text, fixed=True, ignore_case=data.draw(st.booleans()))
    want = list(expected(golden(name, "dump"), pattern.regex, True, True))
    assert actual(name, pattern) == want


def test_a_literal_across_a_chunk_boundary_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole-file scan reads in chunks that overlap by the pattern's length less one."""
    path = BOLT_FIXTURES / "overflow.db"
    data = path.read_bytes()
    monkeypatch.setattr(grep_module, "_SCAN_CHUNK", 4096)
    with BoltFile.open(str(path)) as db:
        # Every 11-byte piece straddling a 4096-byte boundary, and one at the very end.
        for boundary in range(4096, len(data), 4096 * 7):
            piece = data[boundary - 5 : boundary + 6]
            assert scan_file_for(db, piece, False), boundary
        assert scan_file_for(db, data[-7:], False)
        assert not scan_file_for(db, b"\xff\xfe no such bytes \xfd", False)


def test_two_processes_find_what_one_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parallel scan (for big files) gives the same answers as the scan in one process."""
    path = BOLT_FIXTURES / "overflow.db"
    data = path.read_bytes()
    monkeypatch.setattr(grep_module, "PARALLEL_SCAN_SIZE", 0)
    monkeypatch.setattr(grep_module, "_SCAN_CHUNK", 4096)
    with BoltFile.open(str(path)) as db:
        assert not db.is_snapshot
        middle = len(data) // 2
        for where in (100, middle - 3, middle, len(data) - 20):
            assert scan_file_for(db, data[where : where + 9], False), where
        assert not scan_file_for(db, b"\xff\xfe no such bytes \xfd", False)
        assert actual("overflow", Pattern(b"value", True)) == list(
            expected(golden("overflow", "dump"), Pattern(b"value", True).regex, True, True)
        )


# -- the command ------------------------------------------------------------------------


def test_grep_prints_path_key_where_and_a_snippet() -> None:
    result = run_boltview("grep", BOLT_FIXTURES / "basic.db", "alpha value 13")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == ["alpha\ta13\tvalue\talpha value 13"]


def test_grep_json_is_an_array_of_exact_records() -> None:
    result = run_boltview("grep", BOLT_FIXTURES / "basic.db", "-i", "ALPHA VALUE", "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    want = list(expected(golden("basic", "dump"), re.compile(b"alpha value", re.IGNORECASE), True, True))
    assert [(tuple(base64.b64decode(p) for p in r["bucket_base64"]), base64.b64decode(r["key_base64"]))
            for r in records] == [(w[0], w[1]) for w in want]  # fmt: skip
    assert all(r["where"] == "value" for r in records)


def test_grep_exit_codes_follow_grep(tmp_path: Path) -> None:
    db = BOLT_FIXTURES / "basic.db"
    none = run_boltview("grep", db, "no such thing anywhere")
    assert (none.returncode, none.stdout, none.stderr) == (1, "", "")
    count = run_boltview("grep", db, "-c", "alpha")
    assert count.returncode == 0 and int(count.stdout) > 0
    bad = run_boltview("grep", db, "(unclosed")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "not a regular expression" in bad.stderr
    both = run_boltview("grep", db, "x", "--keys-only", "--values-only")
    assert both.returncode == 2 and both.stderr.count("\n") <= 2
    missing = run_boltview("grep", db, "x", "no-such-bucket")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_grep_below_a_bucket_searches_only_there() -> None:
    result = run_boltview("grep", BOLT_FIXTURES / "basic.db", "value", "alpha", "--json")
    records = json.loads(result.stdout)
    assert records and all(r["bucket"][0] == "alpha" for r in records)


def test_grep_escapes_what_a_hostile_file_holds() -> None:
    """hostile.db's keys hold escape sequences: none reaches the output raw."""
    result = run_boltview("grep", BOLT_FIXTURES / "hostile.db", "\x1b", "-F")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and result.stdout.count("\n") >= 1
    assert all(line.count("\t") == 3 for line in result.stdout.splitlines())


# -- the browser's search runs on the same engine ---------------------------------------------


def matcher_expected(tree: dict[str, Any], query: str, path: tuple[bytes, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The browser's old record-by-record search (tui.search.Matcher) over bbolt's dump."""
    from boltview.tui.search import Matcher

    matcher = Matcher(query)
    for encoded, value in tree.items():
        key = base64.b64decode(encoded)
        if isinstance(value, dict):
            if matcher.find(key) >= 0:
                yield path, key, "bucket"
            yield from matcher_expected(value, query, path + (key,))
        elif matcher.find(key) >= 0:
            yield path, key, "key"
        elif matcher.find(base64.b64decode(value)) >= 0:
            yield path, key, "value"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_browsers_search_finds_what_a_record_walk_finds(data: st.DataObject) -> None:
    """Text in any case, and ``0x..`` as bytes: the same hits, in the same order."""
    from boltview.tui.search import search

    name = data.draw(st.sampled_from(bolt_fixture_names()))
    pieces = [r for r in records(name) if r]
    source = data.draw(st.sampled_from(pieces))
    start = data.draw(st.integers(0, len(source) - 1))
    piece = source[start : start + data.draw(st.integers(1, 5))]
    query = data.draw(st.sampled_from([
        piece.decode("utf-8", "replace").upper(), "0x" + piece.hex(), piece.decode("latin-1"),
    ]))  # fmt: skip
    want = list(matcher_expected(golden(name, "dump"), query))
    with BoltFile.open(str(BOLT_FIXTURES / f"{name}.db")) as db:
        got = [(h.path, h.key, h.where) for h in search(db, query, lambda: False, lambda p: None)]
    assert got == want
