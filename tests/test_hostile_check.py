"""Issue 15: ``check`` on hostile files finds what bbolt's check finds, and what the readers reject.

Valid files are written by the real bbolt (the spec writer of
``test_hostile_containerd``) and judged by bbolt's own ``tx.Check`` (bboltref).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from boltview.bolt.check import check
from boltview.bolt.file import BoltFile
from tests.conftest import run_boltview, run_ref
from tests.test_hostile_containerd import spec_writer  # noqa: F401  (the fixture)

DEPTH = 1_500


def deep_spec(depth: int) -> str:
    """A bucket chain ``depth`` deep (as text: json.dumps stops near 1,000 levels)."""
    return '{"top": ' + '{"b": ' * depth + '{"k": "v"}' + "}" * depth + "}"


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_boltview(*args, timeout=300)


def test_buckets_nested_1500_deep_are_sound(
    spec_writer: Path, bboltref: Path, tmp_path: Path  # noqa: F811
) -> None:
    (tmp_path / "spec.json").write_text(deep_spec(DEPTH))
    path = tmp_path / "deep.db"
    subprocess.run([str(spec_writer), tmp_path / "spec.json", path], check=True)
    assert run_ref(bboltref, "check", path) in (None, [])
    db = BoltFile.open(str(path))
    try:
        assert list(check(db)) == []
    finally:
        db.close()
    done = run_cli("check", path)
    assert (done.returncode, done.stdout.strip()) == (0, "OK"), done.stderr


def test_check_sees_an_inline_bucket_the_readers_reject(
    spec_writer: Path, tmp_path: Path  # noqa: F811
) -> None:
    """An inline bucket whose page claims more elements than its value holds."""
    from boltview.bolt.layout import BUCKET_HEADER_SIZE, PAGE_HEADER_SIZE, layout
    from tests.corrupt import order_of

    (tmp_path / "spec.json").write_text('{"top": {"inl": {"k": "v"}, "z": "zz"}, "o": {"a": "b"}}')
    path = tmp_path / "inline.db"
    subprocess.run([str(spec_writer), tmp_path / "spec.json", path], check=True)
    data = bytearray(path.read_bytes())
    header = layout(order_of(bytes(data))).page_header
    start = data.find(b"inl") + len(b"inl") + BUCKET_HEADER_SIZE  # the value follows its key
    page = header.parse(bytes(data[start : start + PAGE_HEADER_SIZE]))
    assert (page.id, page.count) == (0, 1)
    page.count = 40
    data[start : start + PAGE_HEADER_SIZE] = header.build(page)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(data)
    assert run_cli("stats", damaged).returncode == 2
    assert run_cli("dump", damaged).returncode == 1
    done = run_cli("check", damaged)
    assert done.returncode == 1, done.stdout
    assert "inline bucket top / inl" in done.stdout and "40 elements" in done.stdout


def _bucket_roots(spec_writer: Path, tmp_path: Path, target: str) -> Path:  # noqa: F811
    """``top / beta-bucket``'s root set to the root of ``target`` (a bucket, or ``meta``)."""
    from boltview.bolt.layout import BUCKET_HEADER_SIZE, layout
    from tests.corrupt import active_meta, order_of

    spec = (
        '{"top": {"alpha-bucket": {"x": {"k": "v"}}, "beta-bucket": {"y": {"k": "v"}},'
        ' "gamma": "g"}, "zz": {"q": "r"}}'
    )
    (tmp_path / "spec.json").write_text(spec)
    path = tmp_path / "sound.db"
    subprocess.run([str(spec_writer), tmp_path / "spec.json", path], check=True)
    data = bytearray(path.read_bytes())
    header = layout(order_of(bytes(data))).bucket_header

    def at(name: bytes) -> int:
        return data.find(name) + len(name)  # a bucket's header follows its key

    victim = b"top" if target == "meta" else b"beta-bucket"
    if target == "meta":
        root = active_meta(bytes(data)).root
    else:
        root = header.parse(bytes(data[at(target.encode()) :][:BUCKET_HEADER_SIZE])).root
    start = at(victim)
    bucket = header.parse(bytes(data[start : start + BUCKET_HEADER_SIZE]))
    bucket.root = root
    data[start : start + BUCKET_HEADER_SIZE] = header.build(bucket)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(data)
    return damaged


def test_dump_leaves_out_a_bucket_sharing_a_root_whole(
    spec_writer: Path, tmp_path: Path  # noqa: F811
) -> None:
    import json

    for target, expected in (
        ("alpha-bucket", {"top": {"alpha-bucket": {"x": {"k": "v"}}, "gamma": "g"}, "zz": {"q": "r"}}),
        ("top", {"top": {"alpha-bucket": {"x": {"k": "v"}}, "gamma": "g"}, "zz": {"q": "r"}}),
        ("meta", {"zz": {"q": "r"}}),
    ):
        (tmp_path / target).mkdir()
        damaged = _bucket_roots(spec_writer, tmp_path / target, target)
        done = run_cli("dump", "--encoding", "text", damaged)
        assert done.returncode == 1, (target, done.stderr)
        assert json.loads(done.stdout) == expected, target
        assert "left out" in done.stderr
