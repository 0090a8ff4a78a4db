"""Issue 14 item 2: ``dump`` with worker processes writes what one process writes.

The workers (forked, see ``boltview.bolt.fanout``) only encode plain leaf
pages; the walk keeps every decision.  So on every file -- the committed
fixtures, a big one bbolt writes here, and hundreds of damaged copies of it --
the output bytes, the gaps reported and the error raised are the same with
workers as without, and equal to bbolt's own reading where bbolt can read it.
The walk encodes batches itself while a worker's answer has not come, and
writes the same bytes.  A worker that dies is taken over by the walk; workers read the transaction the
walk opened (a snapshot stays a snapshot), and a writer that moves the file on
under them is caught, not mixed in.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import boltview.dump as dump_module
from boltview.bolt import fanout
from boltview.bolt.fanout import PagePool, Run, Stream
from boltview.bolt.file import BoltFile, reading
from boltview.bolt.layout import PAGE_HEADER_SIZE
from boltview.dump import ENCODINGS, dump
from boltview.errors import BoltviewError
from fuzz import mutate
from tests import corrupt
from tests.conftest import (
    BOLT_FIXTURES,
    ROOT,
    bolt_fixture_names,
    build_go,
    missing_go_source,
    require_real,
    run_boltview,
    run_ref,
)

Result = tuple[bytes, list[str], str | None]


def dumped(path: Path, encoding: str = "base64", workers: int = 0, **how: Any) -> Result:
    """The output, the gaps and the error (if any) of one library dump of ``path``."""
    gaps: list[str] = []
    out = io.BytesIO()
    error = None
    with BoltFile.open(str(path), **how) as db:
        try:
            dump(db.root, out, encoding, workers=workers,
                 on_error=lambda e, where: gaps.append(f"{e} in {where!r}"))  # fmt: skip
        except BoltviewError as raised:
            error = f"{type(raised).__name__}: {raised}"
    return out.getvalue(), gaps, error


@pytest.fixture(scope="module")
def big(bboltref: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30,000 keys in eight buckets, some nested, written by bbolt: branch pages over
    hundreds of plain leaves, and leaves that hold sub-buckets among them."""
    path = tmp_path_factory.mktemp("workers") / "big.db"
    subprocess.run([str(bboltref), "big", "30000", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PagePool]]:
    """Every pool dump makes, and how many pages its workers answered."""
    made: list[PagePool] = []

    class Counted(PagePool):
        answered = bounced = helped = 0

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)  # the workers forked with the encode given
            made.append(self)
            encode = self.encode

            def helping(pgids: list[int]) -> list[bytes | None]:
                self.helped += len(pgids)
                return encode(pgids)

            self.encode = helping  # what the walk encodes itself

    original = Stream.next

    def counting(stream: Stream) -> Run:
        count, body = original(stream)
        if body is not None:
            stream.pool.answered += count  # type: ignore[attr-defined]
        else:
            stream.pool.bounced += count  # type: ignore[attr-defined]
        return count, body

    monkeypatch.setattr(dump_module, "PagePool", Counted)
    monkeypatch.setattr(Stream, "next", counting)
    yield made


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_big_file_is_written_the_same_by_workers(
    big: Path, bboltref: Path, encoding: str, pools: list[PagePool]
) -> None:
    alone = dumped(big, encoding)
    assert alone[1:] == ([], None)
    for workers in (1, 2, 3):
        assert dumped(big, encoding, workers) == alone
    # The workers did the work, with the walk's help: nearly every leaf page came from them.
    with BoltFile.open(str(big)) as db:
        leaves = db.high_water_mark // 2
    assert all(pool.answered > leaves // 2 for pool in pools), [p.answered for p in pools]  # type: ignore[attr-defined]
    if encoding == "base64":
        assert json.loads(alone[0]) == run_ref(bboltref, "dump", big)


def test_pairs_not_laid_end_to_end_are_dumped_as_bbolt_reads_them(
    big: Path, bboltref: Path, tmp_path: Path
) -> None:
    """bbolt lays a leaf's keys and values end to end in element order, and the dump's
    fast path counts on it; bbolt reads each element where its pos points.  Here the
    first two pairs of every tenth plain leaf trade places in the page and their pos
    follow them: the same tree for bbolt, read the slow way by boltview."""
    data = bytearray(big.read_bytes())
    moved = 0
    with BoltFile.open(str(big)) as db:
        leaves = [page for bucket in db.root.buckets() for page, _ in bucket.pages()
                  if page.is_leaf and page.count >= 2 and not any(page.leaf_spans()[0])]  # fmt: skip
    for page in leaves[::10]:
        base = page.pgid * db.page_size
        elements = corrupt.read_elements(bytes(data), page.pgid, leaf=True)
        first, second = elements.elements[0], elements.elements[1]
        start = base + PAGE_HEADER_SIZE + first.pos  # first key, laid out at the first element
        one = first.ksize + first.vsize
        two = second.ksize + second.vsize
        pairs = bytes(data[start : start + one + two])
        data[start : start + one + two] = pairs[one:] + pairs[:one]
        first.pos += two
        second.pos -= one
        corrupt.write_elements(data, page.pgid, True, elements)
        moved += 1
    assert moved > 20
    swapped = corrupt.damaged_copy(big, tmp_path / "swapped.db", data)
    expected = run_ref(bboltref, "dump", big)
    assert run_ref(bboltref, "dump", swapped) == expected  # bbolt reads the same tree
    for workers in (0, 2):
        output, gaps, error = dumped(swapped, "base64", workers)
        assert (gaps, error) == ([], None)
        assert json.loads(output) == expected
        assert output == dumped(big, "base64", workers)[0]


@pytest.mark.parametrize("name", bolt_fixture_names())
def test_every_fixture_is_written_the_same_by_workers(name: str) -> None:
    path = BOLT_FIXTURES / f"{name}.db"
    for encoding in ENCODINGS:
        assert dumped(path, encoding, workers=2) == dumped(path, encoding)


def test_containerd_s_nested_buckets_are_written_the_same_by_workers(
    tmp_path: Path, pools: list[PagePool]
) -> None:
    """containerd's metadata, written by its own Go stores: buckets of sub-buckets, where
    a branch page's first leaf may be plain and the next ones all hold sub-buckets (the
    walk then stops asking the workers for that bucket's leaves)."""
    missing = missing_go_source("go.etcd.io/bbolt", "github.com/containerd/containerd")
    require_real(missing, "bench/gencontainerd")
    binary = build_go(ROOT / "bench" / "gencontainerd", tmp_path / "gencontainerd")
    meta = tmp_path / "meta.db"
    subprocess.run([str(binary), "-o", str(meta), "-containers", "300", "-images", "300",
                    "-seed", "7"], check=True, capture_output=True)  # fmt: skip
    for encoding in ENCODINGS:
        assert dumped(meta, encoding, workers=2) == dumped(meta, encoding)
    assert all(pool.bounced and not pool.answered for pool in pools)  # type: ignore[attr-defined]


class RandomChooser(mutate.Chooser):
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def test_damaged_copies_are_written_the_same_by_workers(big: Path, tmp_path: Path) -> None:
    """Pointers, headers, elements and pages damaged at random: the same bytes, the same
    gaps in the same order, the same error, page budget and cycles included."""
    fmap = mutate.fixture_map(big)
    copy = tmp_path / "damaged.db"
    outcomes: set[str] = set()
    for seed in range(120):
        data, done = mutate.mutate(fmap, RandomChooser(seed), 1 + seed % 3)
        copy.write_bytes(bytes(data))
        try:
            alone = dumped(copy)
        except BoltviewError as error:  # not a bolt file any more: nothing to compare
            outcomes.add(f"unopenable: {type(error).__name__}")
            continue
        assert dumped(copy, workers=2) == alone, f"seed {seed}: {done}"
        outcomes.add("error" if alone[2] else "gaps" if alone[1] else "whole")
    assert {"error", "gaps", "whole"} <= outcomes, outcomes


def test_the_walk_helps_while_a_worker_s_answer_has_not_come(
    big: Path, monkeypatch: pytest.MonkeyPatch, pools: list[PagePool]
) -> None:
    """One worker and the walk share the leaves: the walk encodes a batch whenever the
    oldest answer it waits for is a worker's that has not come, and takes it in after
    the worker's answers before it.  With the worker quick or made slow, both encode
    a fair share and the bytes are the same."""
    alone = dumped(big)
    assert dumped(big, workers=1) == alone

    parent = os.getpid()
    real = dump_module._worker_bodies

    def slow(*args: Any) -> list[bytes | None]:
        if os.getpid() != parent:
            time.sleep(0.01)
        return real(*args)

    monkeypatch.setattr(dump_module, "_worker_bodies", slow)
    assert dumped(big, workers=1) == alone
    for pool in pools:  # pages encoded by the walk, and by either (walk or worker)
        helped, answered = pool.helped, pool.answered  # type: ignore[attr-defined]
        assert answered // 10 < helped < answered * 9 // 10, (helped, answered)


def test_a_worker_that_dies_is_taken_over(
    big: Path, monkeypatch: pytest.MonkeyPatch, pools: list[PagePool]
) -> None:
    """A worker dies at its fifth batch: the walk reads the pages it owed, keeps the
    batches it encoded itself, and writes the same bytes."""
    alone = dumped(big)
    calls = 0
    real = dump_module._worker_bodies
    parent = os.getpid()

    def dying(*args: Any) -> list[bytes | None]:
        nonlocal calls
        if os.getpid() != parent:
            calls += 1
            if calls == 5:
                os._exit(3)
        return real(*args)

    losses = []
    kept = []  # the runs the walk had encoded itself when the worker was lost
    lose = PagePool.lose

    def losing(pool: PagePool) -> None:
        losses.append(pool)
        stream = pool.active
        assert stream is not None
        own = [run for owed, _ in stream.in_flight if isinstance(owed, list) for run in owed]
        lose(pool)
        assert all(any(run is ready for ready in stream.ready) for run in own)
        kept.extend(own)

    monkeypatch.setattr(dump_module, "_worker_bodies", dying)
    monkeypatch.setattr(PagePool, "lose", losing)
    for workers in (1, 2):
        assert dumped(big, workers=workers) == alone
    assert losses == pools  # each pool lost its workers, all stopped and reaped
    assert not any(pool.workers for pool in pools)
    assert kept  # some of the walk's own batches were waiting behind a lost answer


def _write_in_pieces(fd: int, data: bytes) -> None:
    try:
        for start in range(0, len(data), 70_001):
            os.write(fd, data[start : start + 70_001])
            time.sleep(0.01)
    except BrokenPipeError:
        pass  # the reader gave up (a failing test): end, do not hang
    finally:
        os.close(fd)


@pytest.mark.parametrize("cut_short", [False, True])
def test_an_answer_that_comes_in_pieces_is_read_whole(cut_short: bool) -> None:
    """A pipe gives what it holds: an answer written in pieces is read whole, and one
    cut short by the worker's end is a lost worker, never a short body."""
    body = bytes(range(256)) * 1000
    answer = fanout._answer([(3, body), (2, None)])
    read_end, write_end = os.pipe()
    worker = fanout._Worker(0, -1, read_end)
    assert not worker.has_answered()
    sent = answer[:-1] if cut_short else answer
    writer = threading.Thread(target=_write_in_pieces, args=(write_end, sent))
    writer.start()
    try:
        if cut_short:
            with pytest.raises(fanout._Lost):
                worker.receive()
        else:
            assert worker.receive() == [(3, body), (2, None)]
    finally:
        os.close(read_end)
        writer.join()


def test_workers_read_the_snapshot_the_walk_opened(
    bboltref: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is rewritten by a later transaction as the workers start: a snapshot's
    dump is still the snapshot's, and a direct read is refused, never mixed."""
    states = [tmp_path / f"{name}.db" for name in ("before", "big", "touched", "after")]
    subprocess.run([str(bboltref), "grown", *map(str, states)], check=True, capture_output=True)
    path = tmp_path / "live.db"
    shutil.copyfile(states[1], path)
    expected = dumped(path)
    assert expected[1:] == ([], None)

    original = PagePool.stream
    writes = 0

    def commit_then_stream(pool: PagePool, pgids: list[int]) -> Stream:
        nonlocal writes
        if writes == 0:  # what the writer's next transactions leave, written in place
            with open(path, "r+b") as file:
                file.write(states[3].read_bytes())
        writes += 1
        return original(pool, pgids)

    monkeypatch.setattr(PagePool, "stream", commit_then_stream)
    assert dumped(path, workers=2, snapshot=True) == expected
    assert writes == 1

    shutil.copyfile(states[1], path)
    writes = 0
    with (
        pytest.raises(BoltviewError, match="changed while it was read"),
        reading(str(path), snapshot=False) as db,
    ):
        dump(db.root, io.BytesIO(), "base64", workers=2)
    assert writes == 1


def test_the_cli_writes_bboltref_s_reading_with_workers(big: Path, bboltref: Path) -> None:
    done = run_boltview("dump", big, "--encoding", "base64", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == run_ref(bboltref, "dump", big)
    assert done.stdout == run_boltview("dump", big, "--encoding", "base64", "--workers", "0").stdout


def test_the_cli_reports_the_same_gaps_with_workers(big: Path, tmp_path: Path) -> None:
    """A leaf page pointing past the end: left out with one warning, exit 1, either way."""
    fmap = mutate.fixture_map(big)
    data = bytearray(fmap.data)
    pgid = fmap.leaf_pages[len(fmap.leaf_pages) // 2][0]
    fmap.set_page_header(data, pgid, "overflow", 1 << 30)
    copy = tmp_path / "gap.db"
    copy.write_bytes(bytes(data))
    runs = [run_boltview("dump", copy, "--workers", workers) for workers in ("0", "2")]
    assert [r.returncode for r in runs] == [1, 1]
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stderr == runs[1].stderr
    assert runs[0].stderr.count("\n") == 1 and "left out of bucket" in runs[0].stderr
