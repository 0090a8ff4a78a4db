"""Hostile files: a meta page with page size 0, and sparse, huge files (issue 15 items 12, 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from boltview.bolt.file import BoltFile
from boltview.errors import InvalidDatabaseError
from tests import corrupt
from tests.conftest import BOLT_FIXTURES, run_boltview

BASIC = BOLT_FIXTURES / "basic.db"


def boltview(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_boltview(*args, timeout=timeout)


# -- a meta with page size 0 and a valid checksum (item 12) ---------------------------


@pytest.mark.parametrize("index", [0, 1])
def test_a_meta_with_page_size_0_is_named_and_the_other_used(tmp_path: Path, index: int) -> None:
    data = bytearray(BASIC.read_bytes())
    corrupt.set_meta(data, index, page_size=0)  # checksum recomputed: only the size is wrong
    path = tmp_path / f"pagesize0-meta{index}.db"
    path.write_bytes(bytes(data))
    with BoltFile.open(str(path)) as db:
        assert db.metas[index].problem == "page size 0"
        assert db.meta.index == 1 - index
        assert db.page_size == corrupt.page_size_of(BASIC.read_bytes())
    info = boltview("info", path)
    assert info.returncode == 0, info.stderr
    assert "page size 0" in info.stdout
    dumped = boltview("dump", path, "--encoding", "base64")
    assert dumped.returncode == 0, dumped.stderr
    json.loads(dumped.stdout)


def test_both_metas_with_page_size_0_are_named(tmp_path: Path) -> None:
    data = bytearray(BASIC.read_bytes())
    corrupt.set_meta(data, 1, page_size=0)
    corrupt.set_meta(data, 0, page_size=0)
    path = tmp_path / "pagesize0-both.db"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidDatabaseError, match="meta 0: page size 0"):
        BoltFile.open(str(path))
    result = boltview("info", path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "meta 0: page size 0" in result.stderr


# -- sparse and huge files (item 3) ----------------------------------------------------

GIB = 1 << 30


def peak_rss_mib(*args: str | Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run boltview in a fresh child of a fresh interpreter: its own peak RSS, in MiB."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(done.stderr)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = boltview_probe(probe, *args)
    code, rss = done.stdout.split()[-2:]
    done.returncode = int(code)
    return int(rss) / 1024, done


def boltview_probe(probe: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "boltview", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


def a_bucket_leaf(path: Path) -> int:
    """The root leaf page of one of basic.db's top-level buckets (not inline)."""
    with BoltFile.open(str(path)) as db:
        for bucket in db.root.buckets():
            if bucket.root and bucket.root_page().is_leaf and bucket.root_page().count:
                return bucket.root
    raise LookupError("no bucket with a leaf root page")


def sparse_with_a_long_run(tmp_path: Path, size: int, **element: int) -> tuple[Path, int]:
    """basic.db, one leaf page's overflow running to the end of a sparse ``size``-byte file."""
    data = bytearray(BASIC.read_bytes())
    pgid = a_bucket_leaf(BASIC)
    page_size = corrupt.page_size_of(bytes(data))
    page = corrupt.read_elements(bytes(data), pgid, leaf=True)
    page.header.overflow = size // page_size - pgid - 1
    for field, value in element.items():
        page.elements[0][field] = value
    corrupt.write_elements(data, pgid, True, page)
    path = tmp_path / "sparse.db"
    path.write_bytes(bytes(data))
    os.truncate(path, size)  # a hole: no disk used
    return path, pgid


def test_an_overflow_run_to_the_end_of_a_2gb_file_is_not_read_whole(tmp_path: Path) -> None:
    path, _ = sparse_with_a_long_run(tmp_path, 2 * GIB)
    rss, done = peak_rss_mib("dump", path, "--encoding", "base64")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert rss < 400, f"dump held {rss:.0f} MiB for a 2 GiB run of a few small values"


def test_a_value_claiming_more_than_the_file_is_reported(tmp_path: Path) -> None:
    path, pgid = sparse_with_a_long_run(tmp_path, 2 * GIB, vsize=3 * GIB)
    rss, done = peak_rss_mib("dump", path, "--encoding", "base64")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"page {pgid}" in done.stderr and "runs past the end" in done.stderr
    assert rss < 400


def sparse_copy(tmp_path: Path, size: int) -> Path:
    """basic.db grown to ``size`` bytes by a hole: still valid, no disk used."""
    path = tmp_path / "big.db"
    path.write_bytes(BASIC.read_bytes())
    os.truncate(path, size)
    return path


def test_info_of_a_huge_sparse_file_does_not_hash_it_unless_asked(tmp_path: Path) -> None:
    path = sparse_copy(tmp_path, 8 * GIB)
    done = boltview("info", path, "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["sha256"] is None
    assert "--sha256" in document["sha256_note"]
    assert "not computed" in boltview("info", path).stdout
    small = json.loads(boltview("info", BASIC, "--json").stdout)
    assert small["sha256"] is not None and "sha256_note" not in small


def test_snapshot_larger_than_memory_allows_is_refused_in_one_line(tmp_path: Path) -> None:
    path = sparse_copy(tmp_path, 3 * GIB)
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
    probe = limit + (
        "import subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(done.stderr)\n"
        "print(done.returncode)\n"
    )
    done = boltview_probe(probe, "info", "--snapshot", path)
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert done.stdout.split()[-1] == "2", done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--snapshot refused" in lines[0], done.stderr


def test_snapshot_refusal_follows_memavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from boltview.bolt import file

    monkeypatch.setattr(file, "memory_available", lambda: 3 * BASIC.stat().st_size)
    with BoltFile.open(str(BASIC), snapshot=True) as db:
        assert db.is_snapshot
    monkeypatch.setattr(file, "memory_available", lambda: 2 * BASIC.stat().st_size)
    with pytest.raises(InvalidDatabaseError, match="--snapshot refused"):
        BoltFile.open(str(BASIC), snapshot=True)
