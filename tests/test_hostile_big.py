"""Hostile files: a meta page with page size 0, and sparse, huge files (issue 15 items 12, 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from boltview.bolt.file import BoltFile
from boltview.errors import InvalidDatabaseError
from tests import corrupt
from tests.conftest import BOLT_FIXTURES

BASIC = BOLT_FIXTURES / "basic.db"


def boltview(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boltview", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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
