"""Big-endian files, written and read by a real big-endian bbolt.

bbolt writes in the machine's native byte order.  Here bboltref is
cross-compiled for s390x (GOARCH=s390x) and run under qemu-s390x-static
(Debian's qemu-user-static; binfmt need not be registered, qemu is called
directly): a real big-endian bbolt writes random databases, and the same
s390x bboltref reads them back (dump, info, check) as the reference that
boltview must match.

Each run draws new seeds (printed on failure; replay with
BOLTVIEW_BE_SEEDS=1,2,3; BOLTVIEW_BE_RANDOM_DBS sets how many, default 4).
Without Go or qemu these tests are skipped, except under
BOLTVIEW_REQUIRE_GO=1 (CI), where that is a failure.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.check import check, free_page_ids
from boltview.bolt.file import BoltFile
from boltview.bolt.stats import BucketStats, bucket_stats
from boltview.dump import dump
from tests.conftest import BOLT_FIXTURES, GO_SOURCE, build_go, go_available, golden, require_real
from tests.test_against_bbolt import STATS_FIELDS

QEMU = os.environ.get("QEMU_S390X", "qemu-s390x-static")
MAGIC_BIG_ENDIAN = bytes.fromhex("ed0cdaed")
MAGIC_LITTLE_ENDIAN = bytes.fromhex("edda0ced")


_built: list[Path] = []


def qemu_path() -> str | None:
    return shutil.which(QEMU)


@pytest.fixture(scope="session")
def bboltref_s390x(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that runs bboltref built for s390x (big-endian) under qemu."""
    missing = []
    if not go_available():
        missing.append("Go and Debian's bbolt source")
    qemu = qemu_path()
    if qemu is None:
        missing.append(f"{QEMU} (Debian: qemu-user-static)")
    require_real(missing, "a big-endian bbolt")
    assert qemu is not None
    if not _built:  # test_bigfreelist imports this fixture: build once per session
        _built.append(
            build_go(GO_SOURCE, tmp_path_factory.mktemp("go-s390x") / "bboltref-s390x", "s390x")
        )
    return [qemu, str(_built[0])]


def run_be(command: list[str], *args: str | Path | int) -> Any:
    """Run the s390x bboltref under qemu and parse its JSON answer."""
    done = subprocess.run([*command, *map(str, args)], capture_output=True, check=True)
    return json.loads(done.stdout)


def write_be(command: list[str], *args: str | Path | int) -> None:
    subprocess.run([*command, *map(str, args)], capture_output=True, check=True)


def magic(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.seek(16)
        return f.read(4)


def seeds() -> list[int]:
    fixed = os.environ.get("BOLTVIEW_BE_SEEDS")
    if fixed:
        return [int(s) for s in fixed.split(",")]
    rng = random.SystemRandom()
    count = int(os.environ.get("BOLTVIEW_BE_RANDOM_DBS", "4"))
    return [rng.randrange(1, 2**62) for _ in range(count)]


def assert_reads_as_bbolt(db: BoltFile, expected_dump: Any, info: Any, expected_check: Any) -> None:
    """Everything test_against_bbolt compares for a fixture, for one file."""
    assert db.byte_order == "big-endian"
    assert info["byte_order"] == "big-endian"

    out = io.BytesIO()
    dump(db.root, out, "base64")
    assert json.loads(out.getvalue()) == expected_dump

    assert db.page_size == info["page_size"]
    assert db.txid == info["txid"]
    assert db.meta.root == info["root"]
    assert db.meta.freelist == info["freelist"]
    assert db.high_water_mark == info["pgid"]
    assert db.meta.index == info["meta_page"]
    for meta, theirs in zip(db.metas, info["metas"], strict=True):
        assert (meta.txid, meta.checksum, meta.valid) == (
            theirs["txid"], theirs["checksum"], theirs["valid"]
        )  # fmt: skip

    free = free_page_ids(db)
    assert free == info["free_page_ids"]

    for record in info["buckets"]:
        bucket = db.bucket(*(base64.b64decode(part) for part in record["path"]))
        assert (bucket.is_inline, bucket.root, bucket.sequence) == (
            record["inline"], record["root"], record["sequence"]
        )  # fmt: skip

    total = BucketStats()
    for child in db.root.buckets():
        total.add(bucket_stats(child))
    ours = total.as_dict()
    assert {theirs: ours[mine] for theirs, mine in STATS_FIELDS.items()} == info["stats"]

    assert [f.message for f in check(db)] == expected_check

    # bbolt's tx.Page walk (like `bbolt pages`): type (or "free"), count, overflow.
    marked = set(free)
    ours_pages = {
        s.pgid: ("free" if s.pgid in marked else s.type, s.count, s.overflow)
        for s in db.page_spans()
    }
    theirs_pages = {p["id"]: (p["type"], p["count"], p["overflow"]) for p in info["pages"]}
    assert ours_pages == theirs_pages


def test_committed_fixture_is_big_endian() -> None:
    """fixtures/bolt/bigendian.db really is big-endian (test_against_bbolt reads it)."""
    path = BOLT_FIXTURES / "bigendian.db"
    assert magic(path) == MAGIC_BIG_ENDIAN
    assert golden("bigendian", "info")["byte_order"] == "big-endian"
    with BoltFile.open(str(path)) as db:
        assert db.byte_order == "big-endian"
    with BoltFile.open(str(BOLT_FIXTURES / "basic.db")) as db:
        assert db.byte_order == "little-endian"
    assert magic(BOLT_FIXTURES / "basic.db") == MAGIC_LITTLE_ENDIAN


@pytest.mark.parametrize("seed", seeds())
def test_random_big_endian_database_reads_as_bbolt_reads_it(
    seed: int, bboltref_s390x: list[str], tmp_path: Path
) -> None:
    path = tmp_path / f"random-be-{seed}.db"
    write_be(bboltref_s390x, "random", seed, path)
    assert magic(path) == MAGIC_BIG_ENDIAN, f"seed {seed}"
    expected_dump = run_be(bboltref_s390x, "dump", path)
    info = run_be(bboltref_s390x, "info", path)
    expected_check = run_be(bboltref_s390x, "check", path)
    with BoltFile.open(str(path)) as db:
        try:
            assert_reads_as_bbolt(db, expected_dump, info, expected_check)
        except AssertionError as error:
            raise AssertionError(
                f"seed {seed} (replay: BOLTVIEW_BE_SEEDS={seed}): {error}"
            ) from error
