#!/usr/bin/env python3
"""Coverage-guided fuzzing of boltview with atheris (libFuzzer for Python).

Two modes, both over the real fixtures (files bbolt wrote):

``--mode=ops`` (default)
    The input is a small program of structural mutations (``fuzz.mutate``)
    applied to one fixture: which fixture, which mutations, which pages,
    which values.  libFuzzer evolves the programs by coverage; each program
    becomes a damaged file that ``fuzz.exercise`` reads with everything.
``--mode=raw``
    The input is the file itself (after one flag byte), seeded with the
    fixtures cut at their high-water mark.  With flag bit 0 set, both meta
    checksums are recomputed before reading, so byte mutations of a meta are
    still accepted (otherwise nearly every one is just "checksum mismatch").

Anything but a ``BoltviewError`` escaping is a crash; so is an input that
runs past ``--deadline`` seconds (``Hang``) or lets a bucket yield more keys
than its file can hold (``WalkBlowup``).  libFuzzer's own options pass through
(``-max_total_time``, ``-jobs``, ``-rss_limit_mb`` ...); see fuzz/run.sh.

A crash from ``ops`` mode is a program, not a file:
``python fuzz/fuzz_boltview.py --materialize CRASH OUT.db`` writes the damaged
file it makes, for ``tests/regressions/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import atheris  # noqa: E402

with atheris.instrument_imports(include=["boltview"]):
    import boltview.bolt.bucket  # noqa: F401
    import boltview.bolt.check  # noqa: F401
    import boltview.bolt.diff  # noqa: F401
    import boltview.bolt.file  # noqa: F401
    import boltview.bolt.meta  # noqa: F401
    import boltview.bolt.page  # noqa: F401
    import boltview.bolt.stats  # noqa: F401
    import boltview.dump  # noqa: F401
    import boltview.render.hexdump  # noqa: F401
    import boltview.render.pageview  # noqa: F401
    import boltview.render.text  # noqa: F401

from fuzz import mutate  # noqa: E402
from fuzz.exercise import deadline, exercise  # noqa: E402

SCRATCH = Path(os.environ.get("BOLTVIEW_FUZZ_SCRATCH", "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"))
PATH = SCRATCH / f"boltview-fuzz-{os.getpid()}.db"
SECONDS = 10.0


class BytesChooser(mutate.Chooser):
    """Choices read from the fuzzer's input; all zeros once it runs out."""

    def __init__(self, data: bytes) -> None:
        self.provider = atheris.FuzzedDataProvider(data)

    def integer(self, lo: int, hi: int) -> int:
        return int(self.provider.ConsumeIntInRange(lo, hi))


def program_to_file(data: bytes) -> bytes:
    """The damaged file an ``ops`` input describes."""
    choose = BytesChooser(data)
    fixture = mutate.FIXTURES[choose.integer(0, len(mutate.FIXTURES) - 1)]
    damaged, _ = mutate.mutate(mutate.fixture_map(fixture), choose, choose.integer(1, 4))
    return bytes(damaged)


def raw_to_file(data: bytes) -> bytes:
    if not data:
        return b""
    content = bytearray(data[1:])
    if data[0] & 1:
        mutate.fix_all_checksums(content)
    return bytes(content)


def run(content: bytes) -> None:
    PATH.write_bytes(content)
    with deadline(SECONDS):
        exercise(str(PATH))


def test_ops(data: bytes) -> None:
    run(program_to_file(data))


def test_raw(data: bytes) -> None:
    run(raw_to_file(data))


def main() -> None:
    global SECONDS
    args = list(sys.argv)
    mode = "ops"
    for arg in list(args[1:]):
        if arg.startswith("--mode="):
            mode = arg.split("=", 1)[1]
            args.remove(arg)
        elif arg.startswith("--deadline="):
            SECONDS = float(arg.split("=", 1)[1])
            args.remove(arg)
    if len(args) == 4 and args[1] == "--materialize":
        data = Path(args[2]).read_bytes()
        content = program_to_file(data) if mode == "ops" else raw_to_file(data)
        Path(args[3]).write_bytes(content)
        return
    target = {"ops": test_ops, "raw": test_raw}[mode]
    # Warm the fixture maps (and the page caches) before libFuzzer starts timing.
    for fixture in mutate.FIXTURES:
        mutate.fixture_map(fixture)
    atheris.Setup(args, target)
    try:
        atheris.Fuzz()
    finally:
        PATH.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
