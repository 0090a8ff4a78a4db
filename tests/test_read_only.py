"""Read-only is sacred: boltview never changes, locks or creates the file it reads."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BOLT_FIXTURES

VERBS = [
    ["info"],
    ["buckets"],
    ["stats"],
    ["pages"],
    ["page", "3"],
    ["check"],
    ["dump", "--encoding", "base64"],
    ["info", "--snapshot"],
    ["dump", "--meta", "1"],
    ["grep", "-i", "value"],
]


def fingerprint(path: Path) -> tuple[str, int, int, int]:
    """Contents, mtime, atime and mode; read with O_NOATIME so looking changes nothing."""
    info = path.stat()
    fd = os.open(path, os.O_RDONLY | os.O_NOATIME)
    try:
        digest = hashlib.sha256(os.read(fd, info.st_size + 1)).hexdigest()
    finally:
        os.close(fd)
    return digest, info.st_mtime_ns, info.st_atime_ns, info.st_mode


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    """A copy of a real fixture whose access time is older than its mtime."""
    path = tmp_path / "evidence.db"
    shutil.copyfile(BOLT_FIXTURES / "deletes.db", path)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_500_000_000_000_000_000))
    return path


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_verbs_leave_the_file_untouched(verb: list[str], evidence: Path) -> None:
    before = fingerprint(evidence)
    listing_before = sorted(os.listdir(evidence.parent))
    result = subprocess.run(
        [sys.executable, "-m", "boltview", verb[0], str(evidence), *verb[1:]],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    # Same bytes, same mtime, same access time (O_NOATIME), same mode ...
    assert fingerprint(evidence) == before
    # ... and no lock file, journal or anything else created beside it.
    assert sorted(os.listdir(evidence.parent)) == listing_before


def test_reads_while_a_writer_holds_the_lock(evidence: Path) -> None:
    """bbolt writers hold an exclusive flock for their whole life; we must not wait on it."""
    with open(evidence, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = subprocess.run(
            [sys.executable, "-m", "boltview", "buckets", str(evidence)],
            capture_output=True,
            check=False,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip()
        # The lock is still ours alone: boltview took none, shared or exclusive.
        probe = os.open(evidence, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        finally:
            os.close(probe)


def test_read_only_file_and_directory(evidence: Path) -> None:
    """A file on read-only media (no write bit anywhere) reads as well."""
    evidence.chmod(0o444)
    evidence.parent.chmod(0o555)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "boltview", "check", str(evidence)],
            capture_output=True,
            check=False,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "OK"
    finally:
        evidence.parent.chmod(0o755)
