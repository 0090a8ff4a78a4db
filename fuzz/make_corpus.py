"""Seed corpora for fuzz/fuzz_boltview.py, from the real fixtures.

``raw``: each fixture cut at its high-water mark (the pages past it are only
pre-grown zeros), behind the flag byte 0x01 (recompute meta checksums).
``ops``: a few short programs, one per mutation, for each fixture.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from boltview.bolt.file import BoltFile  # noqa: E402
from fuzz import mutate  # noqa: E402


def raw_corpus(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sources = list(mutate.FIXTURES)
    containerd = mutate.ROOT / "fixtures" / "containerd"
    sources += sorted(containerd.glob("*/*.db"))
    for source in sources:
        with BoltFile.open(str(source)) as db:
            end = min(db.high_water_mark, db.size // db.page_size) * db.page_size
        name = f"{source.parent.name}-{source.stem}" if source.parent != mutate.FIXTURES[0].parent else source.stem
        (out / name).write_bytes(b"\x01" + source.read_bytes()[:end])


def ops_corpus(out: Path) -> None:
    """Programs as BytesChooser reads them: a big-endian integer per choice."""
    out.mkdir(parents=True, exist_ok=True)
    for index in range(len(mutate.FIXTURES)):
        for operation in range(len(mutate.MUTATIONS)):
            # fixture, steps (1), operation, then a few bytes for its choices
            program = bytes([index, 0, operation]) + bytes(range(operation, operation + 24))
            (out / f"f{index}-op{operation}").write_bytes(program)


def main() -> None:
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else mutate.ROOT / "fuzz" / "corpus"
    raw_corpus(base / "raw")
    ops_corpus(base / "ops")


if __name__ == "__main__":
    main()
