"""Issue 14 item 3: ``export`` with a helper process writes what one process writes.

The helper (forked, ``boltview.bolt.ahead``) writes some of the namespaces'
sections while the exporting process writes the others, out of order when
one waits for the other; the sections are joined in order and the problems
each met are recorded in its turn.  So the document -- problems and their
order included -- is the same bytes, on containerd's own files, on hundreds
of damaged copies, and when the helper dies.
"""

from __future__ import annotations

import io
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import boltview.containerd.export as export_module
from boltview.bolt.ahead import Ahead
from boltview.bolt.file import BoltFile
from boltview.containerd.export import export
from boltview.containerd.reader import MetadataReader
from boltview.errors import BoltviewError
from fuzz import mutate
from tests.conftest import ROOT, build_go, missing_go_source, require_real, run_boltview
from tests.test_dump_workers import RandomChooser

READ_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FIXTURES = ROOT / "fixtures" / "containerd"


def exported(path: Path, helper: bool, indent: int | None = None) -> tuple[str, list[Any]]:
    """The document and the reader's problems, in order."""
    out = io.StringIO()
    with BoltFile.open(str(path)) as db:
        reader = MetadataReader(db, check=False)
        export(reader, out, indent=indent, read_at=READ_AT, helper=helper)
        return out.getvalue(), reader.problems


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 containers and images in three namespaces, written by containerd's own Go stores."""
    missing = missing_go_source("go.etcd.io/bbolt", "github.com/containerd/containerd")
    require_real(missing, "bench/gencontainerd")
    work = tmp_path_factory.mktemp("helper")
    binary = build_go(ROOT / "bench" / "gencontainerd", work / "gencontainerd")
    meta = work / "meta.db"
    subprocess.run([str(binary), "-o", str(meta), "-containers", "300", "-images", "300",
                    "-seed", "7"], check=True, capture_output=True)  # fmt: skip
    return meta


@pytest.fixture
def helped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many sections each export's helper wrote (it is used, not just started)."""
    counts: list[int] = []
    original = Ahead._wait

    def counting(self: Ahead[Any], index: int) -> Any:
        result = original(self, index)
        if result is not None:
            counts[-1] += 1
        return result

    made = Ahead.__init__

    def init(self: Ahead[Any], *args: Any, **kwargs: Any) -> None:
        counts.append(0)
        made(self, *args, **kwargs)

    monkeypatch.setattr(Ahead, "_wait", counting)
    monkeypatch.setattr(Ahead, "__init__", init)
    return counts


@pytest.mark.parametrize("indent", [None, 2])
def test_containerd_s_own_file_is_exported_the_same_with_a_helper(
    generated: Path, indent: int | None, helped: list[int]
) -> None:
    alone = exported(generated, False, indent)
    assert exported(generated, True, indent) == alone
    assert helped and all(helped), helped


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/meta.db")), ids=lambda p: p.parent.name)
def test_every_containerd_fixture_is_exported_the_same_with_a_helper(path: Path) -> None:
    assert exported(path, True) == exported(path, False)


def test_damaged_copies_are_exported_the_same_with_a_helper(generated: Path, tmp_path: Path) -> None:
    """The problems each section meets, recorded in the section's turn: the same list in the
    same order, and the same issues on the same objects."""
    fmap = mutate.fixture_map(generated)
    copy = tmp_path / "damaged.db"
    with_problems = 0
    for seed in range(60):
        data, done = mutate.mutate(fmap, RandomChooser(seed), 1 + seed % 3)
        copy.write_bytes(bytes(data))
        try:
            alone = exported(copy, False)
        except BoltviewError:
            continue  # refused as a whole (not a bolt file, not containerd's): nothing to compare
        assert exported(copy, True) == alone, f"seed {seed}: {done}"
        with_problems += bool(alone[1])
    assert with_problems >= 10


def test_a_helper_that_dies_leaves_its_sections_to_the_exporter(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = exported(generated, False)
    real = export_module._written
    exporter = os.getpid()
    calls = 0

    def dying(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if os.getpid() != exporter and calls == 2:  # the helper, in its second section
            os._exit(3)
        return real(*args)

    monkeypatch.setattr(export_module, "_written", dying)
    assert exported(generated, True) == alone


def test_the_cli_exports_the_same_with_and_without_a_helper(generated: Path) -> None:
    runs = [run_boltview("export", generated, *flag) for flag in (["--helper"], [])]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    documents = [r.stdout.split(',"provenance":')[0] for r in runs]
    assert documents[0] == documents[1]
