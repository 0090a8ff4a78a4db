"""Issue 15: hostile paths and files are refused or reported, never hung on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_boltview


def run_cli(*args: str | Path, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return run_boltview(*args, timeout=timeout)


@pytest.mark.parametrize("verb", [["info"], ["check"], ["dump"], ["ls", "images"]])
def test_a_fifo_is_refused_at_once(tmp_path: Path, verb: list[str]) -> None:
    """A FIFO would block open() until a writer came: refuse it before opening."""
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    done = run_cli(*verb, fifo)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"boltview: error: {fifo}: is a FIFO, not a bolt file"
    ]
