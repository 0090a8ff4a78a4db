"""containerd verbs on a damaged meta.db: what can be read is answered, each gap is reported.

Every damaged file is a copy of the real v16 fixture (containerd 1.6 and ctr
wrote it) with one page header zeroed: the page's id no longer matches, as
after a torn write or a bad sector.  The pages are found through the engine,
never hard-coded.  Each test checks three things: the verb still answers
(exit 1, one ``boltview: warning:`` line per broken page, naming it), the
broken object or bucket is marked with the page id, and everything else is
exactly what the undamaged file gives.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.containerd import commands
from boltview.containerd.model import Issue, Problem
from boltview.containerd.reader import MetadataReader, UnreadableError
from boltview.errors import BoltviewError
from tests import corrupt
from tests.conftest import ROOT
from tests.test_containerd_cli import run

META = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"
K8S_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
"""The k8s.io container whose bucket is two levels: a branch over two leaves."""


def pages_of(*path: bytes) -> list[int]:
    """The pages of a bucket's own tree, root first."""
    with BoltFile.open(str(META)) as db:
        return [page.pgid for page, _ in db.bucket(*path).pages()]


def broken(tmp_path: Path, pgid: int, name: str = "meta.db") -> Path:
    """A copy of the fixture with page ``pgid``'s header zeroed."""
    data = bytearray(META.read_bytes())
    size = corrupt.page_size_of(bytes(data))
    data[pgid * size : pgid * size + 16] = bytes(16)
    target = tmp_path / "damaged"
    target.mkdir(exist_ok=True)
    return corrupt.damaged_copy(META, target / name, data)


def sound(tmp_path: Path) -> Path:
    target = tmp_path / "sound"
    target.mkdir(exist_ok=True)
    return Path(shutil.copy(META, target / "meta.db"))


def warnings(err: str) -> list[str]:
    lines = err.splitlines()
    assert all(line.startswith("boltview: warning: ") for line in lines), err
    return lines


def web1_page() -> int:
    return pages_of(b"v1", b"default", b"containers", b"web-1")[0]


# -- one broken object --------------------------------------------------------------------


def test_ls_lists_the_broken_container_and_warns_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pgid = web1_page()
    damaged = broken(tmp_path, pgid)
    code, out, err = run(capsys, "ls", "containers", damaged)
    assert code == 1
    [warning] = warnings(err)
    assert f"page {pgid}:" in warning and str(damaged) in warning
    assert warning.endswith("left out of bucket v1 / default / containers / web-1")
    _, want, _ = run(capsys, "ls", "containers", sound(tmp_path))
    rows = {line.split()[1]: line.split() for line in out.splitlines()[1:]}
    wanted = {line.split()[1]: line.split() for line in want.splitlines()[1:]}
    assert set(rows) == set(wanted)  # web-1 is still listed
    assert rows["web-1"] == ["default", "web-1", "-"]
    assert {k: v for k, v in rows.items() if k != "web-1"} == {
        k: v for k, v in wanted.items() if k != "web-1"
    }


def test_ls_json_marks_the_broken_container_with_the_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pgid = web1_page()
    code, out, err = run(capsys, "ls", "containers", broken(tmp_path, pgid), "--json")
    assert code == 1 and len(warnings(err)) == 1
    _, want, _ = run(capsys, "ls", "containers", sound(tmp_path), "--json")
    got = {c["ID"]: c for c in json.loads(out)}
    wanted = {c["ID"]: c for c in json.loads(want)}
    web1 = got.pop("web-1")
    wanted.pop("web-1")
    assert got == wanted
    [issue] = web1["boltview"]["issues"]
    assert issue["pgid"] == pgid and f"page {pgid}" in issue["reason"]
    assert issue["path"] == ["v1", "default", "containers", "web-1"]


def test_export_writes_the_whole_document_with_the_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pgid = web1_page()
    out = tmp_path / "out.json"
    code, stdout, err = run(capsys, "export", broken(tmp_path, pgid), "-o", out)
    assert code == 1 and stdout == ""
    [warning] = warnings(err)
    assert f"page {pgid}:" in warning
    doc = json.loads(out.read_text())
    want_out = tmp_path / "want.json"
    assert run(capsys, "export", sound(tmp_path), "-o", want_out)[0] == 0
    want = json.loads(want_out.read_text())
    assert want["problems"] == []
    [problem] = doc["problems"]
    assert problem["pgid"] == pgid and problem["path"] == ["v1", "default", "containers", "web-1"]
    assert problem["message"].startswith(f"page {pgid}: ")
    web1 = doc["namespaces"]["default"]["containers"].pop("web-1")
    want["namespaces"]["default"]["containers"].pop("web-1")
    assert doc["namespaces"] == want["namespaces"]
    assert doc["schema_version"] == want["schema_version"]
    assert web1["ID"] == "web-1"
    assert [i["pgid"] for i in web1["boltview"]["issues"]] == [pgid]


def test_inspect_shows_what_it_can_with_the_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pgid = web1_page()
    damaged = broken(tmp_path, pgid)
    code, out, err = run(capsys, "inspect", damaged, "container", "web-1")
    assert code == 1 and len(warnings(err)) == 1
    assert "container web-1" in out and f"page {pgid}" in out and "pgid" in out
    code, out, err = run(capsys, "inspect", damaged, "container", "web-1", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["ID"] == "web-1" and doc["relations"]["gc"]["root"] == "container"
    # An object the damage does not touch reads as from the sound file.
    code, out, err = run(capsys, "inspect", damaged, "container", "dev-shell", "--json")
    assert (code, err) == (0, "")
    assert out == run(capsys, "inspect", sound(tmp_path), "container", "dev-shell", "--json")[1]


def test_part_of_an_object_is_read_and_the_rest_marked(tmp_path: Path) -> None:
    """The container's bucket is a branch over two leaves: the second one breaks."""
    pages = pages_of(b"v1", b"k8s.io", b"containers", K8S_ID.encode())
    assert len(pages) == 3  # the branch, then its two leaves
    second = pages[-1]
    damaged = broken(tmp_path, second)
    with BoltFile.open(str(damaged)) as db, BoltFile.open(str(META)) as good:
        reader = MetadataReader(db)
        got = reader.container("k8s.io", K8S_ID)
        want = MetadataReader(good).container("k8s.io", K8S_ID)
        # The first leaf (createdat .. snapshotKey) is all there; spec, snapshotter and
        # updatedat were on the second.
        assert (got.created_at, got.image, got.labels, got.snapshot_key) == (
            want.created_at, want.image, want.labels, want.snapshot_key)  # fmt: skip
        assert got.runtime_name == want.runtime_name and got.extensions is not None
        assert (got.spec, got.snapshotter, got.updated_at) == (None, "", None)
        [issue] = got.issues
        path = (b"v1", b"k8s.io", b"containers", K8S_ID.encode())
        assert issue.problem is not None and issue.problem.message.startswith(f"page {second}: ")
        assert issue.problem == Problem(path, second, issue.problem.message)
        assert reader.problems == [issue.problem]


# -- a broken kind or namespace bucket ---------------------------------------------------------


def test_a_broken_kind_bucket_leaves_out_only_its_objects(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    [pgid] = pages_of(b"v1", b"default", b"containers")
    damaged = broken(tmp_path, pgid)
    code, out, err = run(capsys, "ls", "containers", damaged, "-q")
    assert code == 1
    [warning] = warnings(err)
    assert f"page {pgid}:" in warning and warning.endswith("bucket v1 / default / containers")
    _, want, _ = run(capsys, "ls", "containers", sound(tmp_path), "-q")
    others = [line for line in want.splitlines() if not line.startswith("default")]
    assert out.splitlines() == others
    # Asked for by name, it cannot be shown: one clear line, exit 2.
    code, out, err = run(capsys, "inspect", damaged, "container", "web-1", "-n", "default")
    assert code == 2 and err.count("\n") == 1 and out == ""
    assert err.startswith("boltview: error: ") and f"page {pgid}" in err and "web-1" in err
    # Images of that namespace are not on that page.
    code, out, err = run(capsys, "ls", "images", damaged, "-q", "-n", "default")
    assert (code, err) == (0, "") and out.count("\n") == 3


def test_a_broken_namespace_is_listed_marked_and_the_others_export_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pgid = pages_of(b"v1", b"default")[0]
    damaged = broken(tmp_path, pgid)
    code, out, err = run(capsys, "ls", "namespaces", damaged, "--json")
    assert code == 1 and len(warnings(err)) == 1
    default = next(ns for ns in json.loads(out) if ns["Name"] == "default")
    assert [i["pgid"] for i in default["boltview"]["issues"]] == [pgid]
    out_path, want_path = tmp_path / "out.json", tmp_path / "want.json"
    code, _, err = run(capsys, "export", damaged, "-o", out_path)
    # One broken page, one problem: however many kinds looked into that namespace.
    assert code == 1 and len(warnings(err)) == 1
    run(capsys, "export", sound(tmp_path), "-o", want_path)
    doc, want = json.loads(out_path.read_text()), json.loads(want_path.read_text())
    assert doc["problems"] == [{"path": ["v1", "default"], "pgid": pgid,
                                "message": doc["problems"][0]["message"]}]  # fmt: skip
    assert doc["namespaces"]["default"]["containers"] == {}
    for name in ("empty-ns", "k8s.io", "team-a"):
        assert doc["namespaces"][name] == want["namespaces"][name]


@pytest.mark.parametrize("where", ["root", "v1"])
def test_an_unreadable_root_is_still_one_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    with BoltFile.open(str(META)) as db:
        pgid = db.root.root if where == "root" else db.bucket(b"v1").root
    damaged = broken(tmp_path, pgid)
    out = tmp_path / "out.json"
    for verb in (["ls", "containers", damaged], ["inspect", damaged, "container", "web-1"],
                 ["export", damaged, "-o", out]):  # fmt: skip
        code, stdout, err = run(capsys, *verb)
        assert code == 2 and stdout == "" and err.count("\n") == 1, (verb, err)
        assert err.startswith(f"boltview: error: {damaged}: page {pgid}: "), err
    assert not out.exists()


def test_the_reader_reports_each_gap_once(tmp_path: Path) -> None:
    pgid = web1_page()
    with BoltFile.open(str(broken(tmp_path, pgid))) as db:
        reader = MetadataReader(db)
        for _ in range(2):
            containers = list(reader.containers("default"))
        reader.why_kept(containers[0].ref)  # the relation index reads them all again
        assert [p.pgid for p in reader.problems] == [pgid]
        web1 = reader.container("default", "web-1")
        assert isinstance(web1.issues[0], Issue) and web1.issues[0].field == "(bucket)"
    with BoltFile.open(str(META)) as db:
        reader = MetadataReader(db)
        list(reader.containers("default"))
        assert reader.problems == []


def test_unreachable_object_is_not_found_with_the_reason(tmp_path: Path) -> None:
    [pgid] = pages_of(b"v1", b"default", b"containers")
    with BoltFile.open(str(broken(tmp_path, pgid))) as db:
        reader = MetadataReader(db)
        with pytest.raises(UnreadableError, match=f"page {pgid}"):
            reader.container("default", "web-1")
        assert reader.problems[0].path == (b"v1", b"default", b"containers")


# -- export -o is all or nothing ------------------------------------------------------------------


def test_export_o_replaces_out_only_when_the_document_is_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "meta.json"
    out.write_text("the previous export\n")

    def fails_halfway(reader: Any, stream: Any, *args: Any, **kwargs: Any) -> None:
        stream.write('{"schema_version":3,"namespaces":{')
        raise BoltviewError("the file changed while it was read")

    with monkeypatch.context() as patched:
        patched.setattr(commands, "export", fails_halfway)
        code, _, err = run(capsys, "export", sound(tmp_path), "-o", out)
    assert code == 2 and err.count("\n") == 1 and "changed" in err
    assert out.read_text() == "the previous export\n"
    assert os.listdir(out_dir) == ["meta.json"]  # no temporary file left behind

    # Not a bolt file at all: the same.
    not_bolt = tmp_path / "notes.txt"
    not_bolt.write_bytes(b"hello" * 2000)
    code, _, err = run(capsys, "export", not_bolt, "-o", out)
    assert code == 2 and err.count("\n") == 1
    assert out.read_text() == "the previous export\n" and os.listdir(out_dir) == ["meta.json"]

    # Whole, even with a broken page: replaced, with the usual mode.
    code, _, err = run(capsys, "export", broken(tmp_path, web1_page()), "-o", out)
    assert code == 1 and json.loads(out.read_text())["problems"]
    assert os.listdir(out_dir) == ["meta.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_export_o_through_a_symlink_or_to_a_device(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A link keeps pointing at the new document; /dev/null stays /dev/null."""
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert run(capsys, "export", META, "-o", link)[0] == 0
    assert link.is_symlink() and json.loads(real.read_text())["problems"] == []
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real.json"]
    if os.access("/dev/null", os.W_OK):
        assert run(capsys, "export", META, "-o", "/dev/null")[0] == 0
        assert Path("/dev/null").is_char_device()


def test_export_o_into_a_missing_directory_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "export", META, "-o", tmp_path / "nowhere" / "meta.json")
    assert code == 2 and err.startswith("boltview: error: ") and "cannot write" in err
    assert err.count("\n") == 1


# -- the TUI -------------------------------------------------------------------------------------


def test_the_tui_marks_the_broken_container_with_its_page(tmp_path: Path) -> None:
    from boltview.tui.widgets.containerd_tree import ContainerdTree, ObjItem
    from tests.test_tui import SIZE, app_for, detail_text, settle

    def obj_id(node: Any) -> str:
        assert isinstance(node.data, ObjItem)
        return str(node.data.obj.id)

    pgid = web1_page()

    async def scenario() -> None:
        app = app_for(broken(tmp_path, pgid))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            tree = app.query_one(ContainerdTree)
            await pilot.press("j", "l")  # onto "containers", open it
            await settle(pilot)
            containers = tree.cursor_node
            assert containers is not None
            labels = {obj_id(child): str(child.label) for child in containers.children}
            assert list(labels) == ["hello-1", "legacy-1", "web-1", "worker-1"]
            assert f"⚠ page {pgid} unreadable" in labels["web-1"]
            assert "unreadable" not in labels["hello-1"]
            await pilot.press("l", "j", "j")  # onto web-1: the reason in the detail pane
            await settle(pilot)
            assert obj_id(tree.cursor_node) == "web-1"
            assert f"page {pgid}" in detail_text(app)
            await pilot.press("j")  # and the app goes on
            await settle(pilot)
            assert app.is_running and obj_id(tree.cursor_node) == "worker-1"

    asyncio.run(scenario())
