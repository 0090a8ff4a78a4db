"""Fuzzing: damaged copies of the real fixtures never crash, hang or blow up boltview.

Every file here starts as one real bbolt (or containerd) wrote; ``fuzz.mutate``
damages it the way corruption or an attacker would (bit flips, truncation,
pointers to themselves, to ancestors and out of range, counts and sizes made
huge, overlapping elements, meta fields changed *with* a recomputed checksum
so the meta is still accepted, chains of shared subtrees).  Properties:

- only ``BoltviewError`` escapes the library (anything else is a bug);
- no example takes more than a few seconds (SIGALRM), none uses more than a
  few tens of MB (tracemalloc, on a smaller sample: it is slow);
- the CLI answers every verb with exit 0, 1 or 2 and at most one line on
  stderr, never a traceback;
- the crashers found so far (``tests/regressions/``) stay fixed.

This is the short run for CI; ``fuzz/run.sh`` runs the coverage-guided fuzzer
for as long as you like.  ``BOLTVIEW_FUZZ_EXAMPLES=N`` changes the number of
hypothesis examples.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from boltview.bolt.bucket import MAX_NESTING, Bucket, open_bucket
from boltview.bolt.check import check, free_page_ids
from boltview.bolt.file import BoltFile
from boltview.bolt.stats import bucket_stats
from boltview.dump import dump
from boltview.errors import PageError
from fuzz import mutate
from fuzz.exercise import deadline, exercise, strictly
from tests.conftest import ROOT

REGRESSIONS = ROOT / "tests" / "regressions"
CONTAINERD_DB = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"
EXAMPLES = int(os.environ.get("BOLTVIEW_FUZZ_EXAMPLES", "200"))
#: Seconds one example may take; the fixtures take 0.05 to 0.2 s.
EXAMPLE_SECONDS = 8
#: Peak memory one example may allocate (the files are 128 KiB to 1 MiB).
EXAMPLE_BYTES = 48 << 20


class HypothesisChooser(mutate.Chooser):
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))


class SeededChooser(mutate.Chooser):
    def __init__(self, seed: int) -> None:
        import random

        self.random = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.random.randint(lo, hi)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="boltview-fuzz-") as directory:
        yield Path(directory)


#: The sound fixtures already read whole in this run (each is checked once).
_sound: set[Path] = set()


def damaged(data: st.DataObject) -> tuple[bytearray, list[str]]:
    fixture = data.draw(st.sampled_from(mutate.FIXTURES), label="fixture")
    if fixture not in _sound:
        # Tolerating errors proves nothing if every reader fails: the file as real
        # bbolt wrote it must go through every reader with no error at all.
        with deadline(EXAMPLE_SECONDS), strictly():
            exercise(str(fixture))
        _sound.add(fixture)
    fmap = mutate.fixture_map(fixture)
    steps = data.draw(st.integers(1, 3), label="steps")
    return mutate.mutate(fmap, HypothesisChooser(data), steps)


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_damaged_files_raise_only_boltview_errors(data: st.DataObject, scratch: Path) -> None:
    content, done = damaged(data)
    path = scratch / "damaged.db"
    path.write_bytes(bytes(content))
    note(f"mutations: {done}")
    with deadline(EXAMPLE_SECONDS):
        exercise(str(path))


@settings(FUZZ_SETTINGS, max_examples=max(EXAMPLES // 16, 3))
@given(data=st.data())
def test_damaged_files_use_bounded_memory(data: st.DataObject, scratch: Path) -> None:
    content, done = damaged(data)
    path = scratch / "memory.db"
    path.write_bytes(bytes(content))
    note(f"mutations: {done}")
    tracemalloc.start()
    try:
        with deadline(EXAMPLE_SECONDS * 6):  # tracemalloc makes everything ~8x slower
            exercise(str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < EXAMPLE_BYTES, f"{peak >> 20} MiB for a {len(content) >> 10} KiB file"


# -- the shapes that blew up before: each is a fixed regression test -----------------


def shaped(fixture: str, operation: str, seed: int) -> bytes:
    """One structural mutation of a real fixture, fixed by a seed."""
    fmap = mutate.fixture_map(ROOT / "fixtures" / "bolt" / fixture)
    data = bytearray(fmap.data)
    getattr(mutate, operation)(data, fmap, SeededChooser(seed))
    return bytes(data)


def _write(tmp_path: Path, content: bytes, name: str = "case.db") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_huge_high_water_mark_with_a_valid_checksum(tmp_path: Path) -> None:
    """meta.pgid = 2**62 (checksum recomputed): check and the free list used to count
    to it, page by page, and never finish."""
    fmap = mutate.fixture_map(ROOT / "fixtures" / "bolt" / "sequences.db")
    data = bytearray(fmap.data)
    for index in (0, 1):
        fmap.set_meta(data, index, "pgid", 1 << 62)
    path = _write(tmp_path, bytes(data))
    with deadline(10), BoltFile.open(str(path)) as db:
        findings = list(check(db))
        assert findings[0].code == "past-end-of-file"
        assert "past the end of the file" in findings[0].message
        assert len(free_page_ids(db)) < 64
    # The same with no freelist page (NoFreelistSync): the free list is rebuilt.
    for index in (0, 1):
        fmap.set_meta(data, index, "freelist", 0xFFFFFFFFFFFFFFFF)
    path = _write(tmp_path, bytes(data))
    with deadline(10), BoltFile.open(str(path)) as db:
        assert db.meta.no_freelist_sync
        assert len(free_page_ids(db)) < 64
        assert any(f.code == "past-end-of-file" for f in check(db))


def test_branch_pages_sharing_one_subtree_stop_within_the_page_budget(tmp_path: Path) -> None:
    """A chain of branch pages whose children are all the next one: fanout ** depth
    visits for a walker that only looks for cycles."""
    fmap = mutate.fixture_map(ROOT / "fixtures" / "bolt" / "basic.db")
    data = bytearray(fmap.data)
    holding_buckets = {ref.pgid for ref in fmap.buckets}
    leaf = next(pgid for pgid, count in fmap.leaf_pages if count and pgid not in holding_buckets)
    chain = [p for p in fmap.tree_pages if p != leaf][:12]
    for pgid, child in zip(chain, chain[1:] + [leaf]):
        fmap.set_page_header(data, pgid, "flags", 0x01)
        fmap.set_page_header(data, pgid, "count", 8)
        for index in range(8):
            at = mutate.branch_element_offset(fmap.page_size, pgid, index)
            fmap.put(data, at + mutate.BRANCH["pos"], 4, 0)
            fmap.put(data, at + mutate.BRANCH["ksize"], 4, 0)
            fmap.put(data, at + mutate.BRANCH["pgid"], 8, child)
    fmap.set_meta(data, fmap.meta_index, "root", chain[0])
    path = _write(tmp_path, bytes(data))
    with deadline(10), BoltFile.open(str(path)) as db:
        with pytest.raises(PageError, match="referenced more than once"):
            sum(1 for _ in db.root.entries())
        with pytest.raises(PageError, match="referenced more than once"):
            bucket_stats(db.root)
        with pytest.raises(PageError, match="referenced more than once"):
            dump(db.root, io.BytesIO())
        assert any(f.code == "multiple-references" for f in check(db))


def test_nested_buckets_sharing_one_tree_stop_within_the_page_budget(tmp_path: Path) -> None:
    """Leaf pages whose sub-buckets all have the next page as root: stats used to
    open fanout ** depth buckets."""
    content = shaped("basic.db", "bucket_chain", 5)
    path = _write(tmp_path, content)
    with deadline(10), BoltFile.open(str(path)) as db:
        try:
            bucket_stats(db.root)
        except PageError as error:
            # Each bucket's own pages are counted before its sub-buckets are walked: the
            # second bucket on one root page is refused as soon as it is opened.
            assert any(why in str(error) for why in ("referenced more than once", "cycle",
                                                     "a corrupt tree"))  # fmt: skip
        list(check(db))


def test_a_bucket_that_contains_itself_is_a_cycle(tmp_path: Path) -> None:
    """A sub-bucket whose root is its parent's root: every recursive walker (stats,
    a program walking all buckets) recursed until Python gave up."""
    fmap = mutate.fixture_map(ROOT / "fixtures" / "bolt" / "sequences.db")
    data = bytearray(fmap.data)
    parent = next(ref for ref in fmap.buckets if ref.root and any(
        child.pgid == ref.root for child in fmap.buckets))  # fmt: skip
    child = next(ref for ref in fmap.buckets if ref.pgid == parent.root)
    fmap.put(data, child.value_offset, 8, parent.root)
    path = _write(tmp_path, bytes(data))
    with deadline(10), BoltFile.open(str(path)) as db:
        with pytest.raises(PageError, match="contains itself"):
            bucket_stats(db.root)

        def walk(bucket: object) -> None:
            for sub in bucket.buckets():  # type: ignore[attr-defined]
                walk(sub)

        with pytest.raises(PageError, match="reference cycle"):
            walk(db.root)


def test_inline_buckets_cannot_hold_sub_buckets(tmp_path: Path) -> None:
    """Inline buckets nested 60 deep, each level's two sub-buckets overlapping the
    same value: the dump charged inline pages nothing and wrote 2 ** 60 objects,
    and every walker that opens sub-buckets did as much.  bbolt never writes a
    sub-bucket inside an inline bucket, so the engine refuses one."""
    fmap = mutate.fixture_map(ROOT / "fixtures" / "bolt" / "sequences.db")
    data = bytearray(fmap.data)
    mutate.build_inline_chain(data, fmap, fmap.leaf_pages[0][0], 2, 60)
    path = _write(tmp_path, bytes(data))
    with deadline(10), BoltFile.open(str(path)) as db:
        with pytest.raises(PageError, match="bbolt never writes"):
            dump(db.root, io.BytesIO())

        def walk(bucket: Bucket) -> None:
            for sub in bucket.buckets():
                walk(sub)

        with pytest.raises(PageError, match="bbolt never writes"):
            walk(db.root)


def test_buckets_nested_too_deep_are_refused(tmp_path: Path) -> None:
    """Every recursive walker (dump, stats, check, a program's own) needs a limit:
    a chain of nested buckets as long as the file has pages overflows Python's stack."""
    with BoltFile.open(str(ROOT / "fixtures" / "bolt" / "basic.db")) as db:
        header = next(e for e in db.root.entries() if e.is_bucket).value
        open_bucket(db, (b"x",) * MAX_NESTING, header)
        with pytest.raises(PageError, match=f"deeper than {MAX_NESTING}"):
            open_bucket(db, (b"x",) * (MAX_NESTING + 1), header)


# -- regression inputs: crashers found by fuzzing, kept as files ------------------------


def regression_files() -> list[Path]:
    return sorted(REGRESSIONS.glob("*.db.gz"))


@pytest.mark.parametrize("case", regression_files(), ids=lambda p: p.name.removesuffix(".db.gz"))
def test_regression_input(case: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, gzip.decompress(case.read_bytes()))
    with deadline(EXAMPLE_SECONDS * 2):
        exercise(str(path))


# -- the command line ---------------------------------------------------------------------


def cli_verbs(path: Path, bucket: str, key: str) -> list[list[str]]:
    """Every raw verb once (some with --json, --meta or --snapshot)."""
    target = str(path)
    return [
        ["info", target, "--snapshot"],
        ["buckets", target, "--json"],
        ["keys", target, bucket, "-l"],
        ["get", target, bucket, key],
        ["stats", target],
        ["pages", target],
        ["page", target, "3"],
        ["check", target],
        ["dump", target, "--meta", "0", "--encoding", "base64"],
    ]


def walker_verbs(path: Path) -> list[list[str]]:
    """The verbs that walk whole trees, for the regression inputs."""
    target = str(path)
    verbs = [["buckets", target], ["stats", target], ["check", target], ["dump", target],
             ["diff", target], ["recover", target]]  # fmt: skip
    return [verb for verb in verbs if verb[0] in _cli_commands()]


def containerd_verbs(path: Path, out: Path) -> list[list[str]]:
    target = str(path)
    verbs = [
        ["ls", "containers", target],
        ["ls", "images", target],
        ["ls", "snapshots", target],
        ["inspect", target, "container", "web-1"],
        ["export", target, "-o", str(out)],
        ["recover", target],
        ["diff", target],
    ]
    return [verb for verb in verbs if verb[0] in _cli_commands()]


def _cli_commands() -> set[str]:
    import click

    from boltview.cli import cli

    return set(cli.list_commands(click.Context(cli)))


#: Address space one CLI run may use: a damaged file of at most 1 MiB has no
#: business needing more (the interpreter and its imports take about 150 MiB).
CLI_ADDRESS_SPACE = 1 << 30


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CLI_ADDRESS_SPACE, CLI_ADDRESS_SPACE))


def run_cli(args: list[str]) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "boltview", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit_memory,  # a MemoryError shows as a traceback
    )
    return args, result


def first_bucket_and_key(fixture: Path) -> tuple[str, str]:
    with BoltFile.open(str(fixture)) as db:
        for bucket in db.root.buckets():
            for entry in bucket.entries():
                if not entry.is_bucket:
                    return "0x" + bucket.name.hex(), "0x" + entry.key.hex()
    return "x", "y"


def cli_cases(tmp_path: Path) -> list[list[str]]:
    """A handful of damaged files (fixed seeds, one per kind of damage) x every verb."""
    cases = []
    kinds = [
        ("basic.db", "meta_field", 3), ("inline.db", "inline_page", 2),
        ("deletes.db", "freelist", 1), ("sequences.db", "bucket_root", 4),
        ("nofreelistsync.db", "leaf_element", 9),
    ]  # fmt: skip
    for number, (fixture, operation, seed) in enumerate(kinds):
        path = _write(tmp_path, shaped(fixture, operation, seed), f"{number}-{operation}.db")
        bucket, key = first_bucket_and_key(ROOT / "fixtures" / "bolt" / fixture)
        cases.extend(cli_verbs(path, bucket, key))
    for number, case in enumerate(regression_files()):
        path = _write(tmp_path, gzip.decompress(case.read_bytes()), f"regression-{number}.db")
        cases.extend(walker_verbs(path))
    if CONTAINERD_DB.exists():
        fmap = mutate.fixture_map(CONTAINERD_DB)
        for seed in range(2):
            data, _ = mutate.mutate(fmap, SeededChooser(seed), 2)
            path = _write(tmp_path, bytes(data), f"containerd-{seed}.db")
            cases.extend(containerd_verbs(path, tmp_path / f"export-{seed}.json"))
    return cases


def test_cli_on_damaged_files(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(run_cli, cli_cases(tmp_path)))
    problems = []
    for args, result in results:
        lines = result.stderr.strip().splitlines()
        errors = [line for line in lines if line.startswith("boltview: error: ")]
        # dump leaves out what it cannot read, one warning per gap, and exits 1.
        warnings = [line for line in lines if line.startswith("boltview: warning: ")]
        ok = (
            result.returncode in (0, 1, 2)
            and "Traceback" not in result.stderr
            and len(errors) <= 1
            and len(errors) + len(warnings) == len(lines)
            and (result.returncode != 2 or (len(errors) == 1 and len(lines) == 1))
            and (not warnings or result.returncode == 1)
        )
        if not ok:
            problems.append({"args": args, "exit": result.returncode,
                             "stderr": result.stderr[-2000:]})  # fmt: skip
    assert not problems, json.dumps(problems, indent=2)
