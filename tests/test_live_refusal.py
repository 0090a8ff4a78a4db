"""Issue 15, item 14: a direct read overtaken by a writer leaves no whole-looking JSON.

``dump --no-snapshot`` streams its document while it reads.  When the writer
commits meanwhile, what was written may mix transactions; the read is refused
(exit 2, one line on stderr), and stdout must then not parse as JSON either.

The writer is simulated in-process: the file is first a database written by the
real bbolt in one transaction, and at dump's first write it becomes, in place,
the same database after a second transaction (also written by the real bbolt).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import boltview.cli.tree as cli_bolt
from boltview.cli import main
from tests.test_hostile_containerd import spec_writer  # noqa: F401  (a fixture)

FIRST = {"things": {f"key-{n:04d}": f"value {n}" for n in range(2_000)}}
SECOND = {"things": {f"key-{n:04d}": f"changed {n}" for n in range(0, 2_000, 2)}}


@pytest.fixture(scope="module")
def before_after(spec_writer: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:  # noqa: F811
    """The bytes of one database after its first transaction, and after its second."""
    where = tmp_path_factory.mktemp("live")
    (where / "first.json").write_text(json.dumps(FIRST))
    (where / "second.json").write_text(json.dumps(SECOND))
    subprocess.run([str(spec_writer), where / "first.json", where / "before.db"], check=True)
    specs = [where / "first.json", where / "after.db", where / "second.json"]
    subprocess.run([str(spec_writer), *specs], check=True)
    return (where / "before.db").read_bytes(), (where / "after.db").read_bytes()


def run(argv: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, str]:
    try:
        main(argv)
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsysbinary.readouterr()
    return code, captured.out, captured.err.decode()


def test_dump_overtaken_by_a_writer_does_not_parse(
    before_after: tuple[bytes, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    before, after = before_after
    path = tmp_path / "meta.db"
    path.write_bytes(before)
    real_dump = cli_bolt.dump

    class CommitOnFirstWrite:
        """stdout, but the writer commits its next transaction at the first write."""

        def __init__(self, out: Any) -> None:
            self.out, self.committed = out, False

        def write(self, data: bytes) -> int:
            if not self.committed:
                self.committed = True
                with path.open("r+b") as file:  # in place, as bbolt writes
                    file.write(after)
            return int(self.out.write(data))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.out, name)

    def dump_while_writing(target: Any, out: Any, *args: Any, **kwargs: Any) -> None:
        real_dump(target, CommitOnFirstWrite(out), *args, **kwargs)

    monkeypatch.setattr(cli_bolt, "dump", dump_while_writing)
    code, out, err = run(["dump", str(path), "--no-snapshot", "--encoding", "text"], capsysbinary)
    assert code == 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("boltview: error: ")
    assert "changed while it was read" in lines[0] and "does not parse" in lines[0]

    # Without a writer, the same read is one whole document, exit 0.
    monkeypatch.setattr(cli_bolt, "dump", real_dump)
    path.write_bytes(before)
    code, out, err = run(["dump", str(path), "--no-snapshot", "--encoding", "text"], capsysbinary)
    assert (code, err) == (0, "")
    assert json.loads(out)["things"]["key-0000"] == "value 0"
