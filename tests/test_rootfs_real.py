"""files, cat, drift and export-fs on containers that really ran (fixtures/rootfs).

Two containers of one busybox image ran under containerd 1.6 and runc, overlay-1 on
the overlayfs snapshotter and native-1 on native, and changed their filesystems
(fixtures/rootfs/in_container.sh).  The node root is committed as a tarball, because
overlayfs's whiteouts are character devices 0/0 and its opaque directories carry a
``trusted.`` attribute, neither of which git holds; it is unpacked here (as root:
mknod and trusted.* attributes need it; CI runs as root).

Every answer is checked against what was recorded when the containers ran, never
against boltview's own output: from inside each container while it ran (``find``,
``ls -la``, ``sha256sum``), and from the host right after (``find -printf`` of the
overlayfs upper directory and of the kernel's own overlay mount of the container's
layers, ``sha256sum``, ``diff -rq`` of the native copy against its parent's copy).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from boltview.cli import cli
from tests.conftest import ROOT, require_real, run_boltview

FIXTURE = ROOT / "fixtures" / "rootfs"
EXPECTED = FIXTURE / "expected"
CONTAINERS = ("overlay-1", "native-1")
ESCAPE_NAME = "/tmp/ctl-\x1b[31m-red"  # the file whose name holds an ESC
PRUNED = ("/proc", "/sys", "/dev")  # what the container's find left out (-prune)
MOUNT_POINTS = (*PRUNED, "/run")  # proc, sysfs and tmpfs were mounted there: ls saw those
KIND_BITS = {"f": stat.S_IFREG, "d": stat.S_IFDIR, "l": stat.S_IFLNK, "c": stat.S_IFCHR}


# -- the fixture, unpacked --------------------------------------------------------------------


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The node root, unpacked with its whiteouts, attributes and times."""
    require_real([] if os.geteuid() == 0 else ["root"],
                 "the real rootfs fixture (0/0 whiteout devices, trusted.* attributes)")  # fmt: skip
    root = tmp_path_factory.mktemp("rootfs") / "node"
    root.mkdir()
    with tarfile.open(FIXTURE / "node.tar.gz") as archive:
        members = archive.getmembers()
        trusted = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
        archive.extractall(root, members, numeric_owner=True, **trusted)  # type: ignore[arg-type]
    for member in members:
        # tarfile keeps GNU tar's SCHILY.xattr.* headers but sets no attribute, nor a link's time
        target = root / member.name
        for key, value in member.pax_headers.items():
            if key.startswith("SCHILY.xattr."):
                raw = value.encode("utf-8", "surrogateescape")
                os.setxattr(target, key.removeprefix("SCHILY.xattr."), raw, follow_symlinks=False)
        if member.issym():
            os.utime(target, (member.mtime, member.mtime), follow_symlinks=False)
    return root


# -- what was recorded --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of ``find -printf '%y %m %U %G %s %T@ %P\\n'``."""

    kind: str
    mode: int
    uid: int
    gid: int
    size: int
    mtime: float

    @property
    def mode_text(self) -> str:
        return stat.filemode(KIND_BITS[self.kind] | self.mode)

    @property
    def mtime_text(self) -> str:
        return datetime.fromtimestamp(int(self.mtime), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def find_rows(name: str) -> dict[str, Row]:
    rows = {}
    for line in (EXPECTED / name).read_bytes().splitlines():
        kind, mode, uid, gid, size, mtime, relative = line.split(b" ", 6)
        rows["/" + os.fsdecode(relative)] = Row(kind.decode(), int(mode, 8), int(uid), int(gid), int(size),
                                                float(mtime))  # fmt: skip
    return rows


def sha256_lines(name: str) -> dict[str, str]:
    """``sha256sum`` output: path (``./`` made ``/``) to digest."""
    sums = {}
    for line in (EXPECTED / name).read_bytes().splitlines():
        digest, path = line.split(b"  ", 1)
        sums["/" + os.fsdecode(path).removeprefix("./").lstrip("/")] = digest.decode()
    return sums


def inside(container: str) -> dict[str, list[bytes]]:
    """The container's own recording, by section (``find``, ``ls -la /etc``, ``sha256sum``)."""
    sections: dict[str, list[bytes]] = {}
    current: list[bytes] = []
    for line in (EXPECTED / container / "inside.txt").read_bytes().splitlines():
        if line.startswith(b"=== "):
            current = sections.setdefault(line[4:].decode(), [])
        else:
            current.append(line)
    assert "end" in sections, f"{container}: the recording is not whole"
    return sections


def snapshot_dirs() -> dict[str, tuple[str, str]]:
    """container -> (its snapshot id, its parent's), as make_rootfs.sh read them with bbolt."""
    dirs = {}
    for line in (EXPECTED / "snapshot_dirs.txt").read_text().splitlines():
        match = re.fullmatch(r"(\S+) \S+ snapshots/(\d+) \(parent snapshots/(\d+)\)", line)
        assert match, line
        dirs[match[1]] = (match[2], match[3])
    return dirs


# -- the expected drift, from the host's recordings --------------------------------------------


def opaque_directories(snapshot_id: str) -> set[str]:
    """The directories of an overlayfs snapshot with ``trusted.overlay.opaque=y``, as the host read them."""
    opaque = set()
    for line in (EXPECTED / "overlay-1/overlayfs_xattrs.txt").read_text().splitlines():
        where, attribute, value = line.split()
        if where.startswith(f"{snapshot_id}/fs/") and attribute == "trusted.overlay.opaque" and value == b"y".hex():
            opaque.add(where.removeprefix(f"{snapshot_id}/fs"))
    return opaque


def overlay_image_rows() -> dict[str, Row]:
    """The image's two layers as the overlayfs snapshotter unpacked them, layer 2 over layer 1.

    Layer 2's whiteout (a 0/0 device) hides a name of layer 1, its opaque directory
    hides what layer 1 has in it: the two rules, on two recorded listings.
    """
    own_id, top_id = snapshot_dirs()["overlay-1"]
    assert (own_id, top_id) == ("3", "2")  # snapshots 1 and 2: the image's layers, bottom up
    top, bottom = find_rows("overlay-1/lower_2_find.txt"), find_rows("overlay-1/lower_1_find.txt")
    hidden = [path for path, row in top.items() if row.kind == "c"]
    opaque = opaque_directories(top_id)
    assert (hidden, opaque) == (["/etc/old.conf"], {"/var/cache/app"})
    image = {path: row for path, row in top.items() if row.kind != "c"}
    for path, row in bottom.items():
        if path in top or any(path.startswith(h + "/") for h in hidden + sorted(opaque)):
            continue
        image[path] = row
    return image


@dataclass(frozen=True)
class Expected:
    """One change as the host's recordings show it: the path now, and before."""

    change: str
    now: Row | None
    before: Row | None


def expected_overlay_drift() -> dict[str, Expected]:
    """overlay-1's changes, read off its upper directory against the image's layers."""
    image, upper = overlay_image_rows(), find_rows("overlay-1/upper_find.txt")
    upper.pop("/")
    whiteouts = {"/" + line.split()[0].removeprefix("./")
                 for line in (EXPECTED / "overlay-1/upper_whiteouts.txt").read_text().splitlines()
                 if line.split()[1] == "0:0"}  # fmt: skip
    opaque = opaque_directories(snapshot_dirs()["overlay-1"][0])
    assert opaque == {"/var/lib/pkgs"}  # rm -r, then mkdir, in the container
    changes: dict[str, Expected] = {}
    for path, row in upper.items():
        below = image.get(path)
        if row.kind == "c":
            assert path in whiteouts
            if below is not None:
                changes[path] = Expected("deleted", None, below)
        elif row.kind == "d" and below is not None and below.kind == "d":
            continue  # a directory copied up to hold a change: not a change itself
        else:
            changes[path] = Expected("modified" if below is not None else "added", row, below)
    for directory in opaque:
        for path, row in image.items():
            if path.rpartition("/")[0] == directory and path not in upper:
                changes[path] = Expected("deleted", None, row)
    return changes


def expected_native_drift() -> dict[str, Expected]:
    """native-1's changes: ``diff -rq`` of its copy against its parent's, and modes changed."""
    own_id, parent_id = snapshot_dirs()["native-1"]
    copy, parent = find_rows("native-1/copy_find.txt"), find_rows("native-1/parent_find.txt")
    changes: dict[str, Expected] = {}
    for raw in (EXPECTED / "native-1/diff_rq.txt").read_bytes().splitlines():
        line = os.fsdecode(raw)
        only = re.fullmatch(r"Only in (\d+)(/.*)?: (.*)", line)
        differ = re.fullmatch(rf"Files {parent_id}(/.*) and {own_id}(/.*) differ", line)
        if only:
            path = f"{only[2] or ''}/{only[3]}"
            if only[1] == parent_id:
                changes[path] = Expected("deleted", None, parent[path])
            else:
                for below in (p for p in copy if p == path or p.startswith(path + "/")):
                    changes[below] = Expected("added", copy[below], None)
        else:
            assert differ and differ[1] == differ[2], line
            changes[differ[1]] = Expected("modified", copy[differ[1]], parent[differ[1]])
    for path, row in copy.items():  # diff -rq compares bytes only: a chmod is seen here
        before = parent.get(path)
        if before is not None and (row.kind, row.mode, row.uid, row.gid) != (
                before.kind, before.mode, before.uid, before.gid):  # fmt: skip
            changes[path] = Expected("modified", row, before)
    return changes


# -- boltview, run as a user runs it ----------------------------------------------------------------


def boltview_json(*args: str | Path) -> Any:
    result = run_boltview(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def boltview_bytes(*args: str | Path) -> bytes:
    result = subprocess.run([sys.executable, "-m", "boltview", *map(str, args)], capture_output=True,
                            check=False, timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def in_process(*args: str | Path) -> bytes:
    """The same CLI in this process, for checks that run it once per path (2 busy cores)."""
    done = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.stdout_bytes


# -- drift ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", CONTAINERS)
def test_drift_is_what_the_host_saw(node: Path, container: str) -> None:
    report = boltview_json("drift", node, container)
    assert (report["container"], report["missing_layers"]) == (container, [])
    expected = expected_overlay_drift() if container == "overlay-1" else expected_native_drift()
    got = {change["path"]: change for change in report["changes"]}
    assert {p: c["change"] for p, c in got.items()} == {p: e.change for p, e in expected.items()}
    sums = sha256_lines("overlay-1/upper_sha256.txt" if container == "overlay-1" else "native-1/copy_sha256.txt")
    for path, want in expected.items():
        for when in ("now", "before"):
            row, facts = getattr(want, when), got[path][when]
            if row is None:
                assert facts is None, (path, when)
                continue
            kind = {"f": "file", "d": "dir", "l": "link", "c": "char"}[row.kind]
            assert (facts["kind"], facts["mode"], facts["uid"], facts["gid"], facts["mtime"]) == (
                kind, row.mode_text, row.uid, row.gid, row.mtime_text), (path, when)  # fmt: skip
            if row.kind != "d":  # a directory's size is its file system's business
                assert facts["size"] == row.size, (path, when)
        if want.now is not None and want.now.kind == "f":
            assert got[path]["now"]["sha256"] == sums[path], path


def test_the_changes_made_are_all_there() -> None:
    """The script's changes, read in the host's recordings (so the comparisons above mean something)."""
    for expected in (expected_overlay_drift(), expected_native_drift()):
        changes = {path: e.change for path, e in expected.items()}
        assert {p for p, c in changes.items() if c == "deleted"} == {
            "/etc/issue", "/usr/share/doc", "/var/cache/app/fresh", "/var/lib/pkgs/list"}
        assert {p for p, c in changes.items() if c == "modified"} == {
            "/etc/motd", "/usr/local/bin/helper", "/var/lib/pkgs/status"}
        assert {"/srv/app/tool.sh", "/srv/app/shadow-link", "/srv/app/climb-link", ESCAPE_NAME,
                "/srv/app/data/hello-hardlink", "/srv/app/empty-dir"} <= {
            p for p, c in changes.items() if c == "added"}  # fmt: skip


@pytest.mark.parametrize("container", CONTAINERS)
def test_drift_marks_what_became_executable(node: Path, container: str) -> None:
    report = boltview_json("drift", node, container)
    executable = {c["path"] for c in report["changes"] if c["newly_executable"]}
    assert executable == {"/srv/app/tool.sh", "/usr/local/bin/helper"}


# -- the view against what the container saw ----------------------------------------------------------


@pytest.mark.parametrize("container", CONTAINERS)
def test_export_fs_holds_what_the_container_saw(node: Path, container: str, tmp_path: Path) -> None:
    out = tmp_path / f"{container}.tar"
    result = run_boltview("export-fs", node, container, "-o", out)
    assert result.returncode == 0, result.stderr
    with tarfile.open(out) as archive:
        members = {"/" + m.name: m for m in archive.getmembers()}
    exported = {"/"} | {p for p in members if not p.startswith(tuple(d + "/" for d in PRUNED))}
    seen = {os.fsdecode(line) for line in inside(container)["find"]}
    assert exported - set(PRUNED) == seen
    # modes and link targets as the container's ls -la showed them
    kinds = {tarfile.REGTYPE: stat.S_IFREG, tarfile.DIRTYPE: stat.S_IFDIR, tarfile.SYMTYPE: stat.S_IFLNK}
    as_ls_shows = {ls_shown(path): member for path, member in members.items()}
    for directory, entries in ls_sections(container).items():
        for name, (mode_text, _, target) in entries.items():
            path = os.path.join(directory, name)
            if path in MOUNT_POINTS:
                continue
            member = as_ls_shows[path]
            assert stat.filemode(kinds[member.type] | member.mode) == mode_text, path
            assert (member.linkname or None) == target, path
    # and the bytes of the files the container hashed
    with tarfile.open(out) as archive:
        for line in inside(container)["sha256sum"]:
            digest, path = os.fsdecode(line).split("  ", 1)
            member = members[path]
            while member.issym():  # the links it hashed through point at /etc/shadow
                member = members[os.path.normpath(os.path.join(os.path.dirname(path), member.linkname))
                                 if not member.linkname.startswith("/") else member.linkname]  # fmt: skip
            data = archive.extractfile(member.name)
            assert data is not None
            assert hashlib.sha256(data.read()).hexdigest() == digest, path


@pytest.mark.parametrize("container", CONTAINERS)
def test_export_fs_is_the_kernels_merged_view(node: Path, container: str, tmp_path: Path) -> None:
    """Every entry against the host's view after: overlayfs's own mount of the layers, or the copy."""
    out = tmp_path / f"{container}.tar"
    result = run_boltview("export-fs", node, container, "-o", out)
    assert result.returncode == 0, result.stderr
    name = "overlay-1/merged" if container == "overlay-1" else "native-1/copy"
    rows, sums = find_rows(f"{name}_find.txt"), sha256_lines(f"{name}_sha256.txt")
    links = dict(line.split(" -> ", 1) for line in (EXPECTED / f"{name}_links.txt").read_text().splitlines())
    kinds = {tarfile.REGTYPE: "f", tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l"}
    with tarfile.open(out) as archive:
        members = {"/" + m.name: m for m in archive.getmembers()}
        assert set(members) | {"/"} == set(rows)
        for path, member in members.items():
            row = rows[path]
            assert (kinds[member.type], member.mode, member.uid, member.gid, int(member.mtime)) == (
                row.kind, row.mode, row.uid, row.gid, int(row.mtime)), path  # fmt: skip
            if member.isreg():
                data = archive.extractfile(member)
                assert data is not None
                assert (member.size, hashlib.sha256(data.read()).hexdigest()) == (row.size, sums[path]), path
            if member.issym():
                assert member.linkname == links[path.lstrip("/")], path


def ls_sections(container: str) -> dict[str, dict[str, tuple[str, int, str | None]]]:
    """busybox's ``ls -la DIR`` inside: DIR -> name -> (mode text, size, link target).

    ``.`` and ``..`` are left out.
    """
    sections: dict[str, dict[str, tuple[str, int, str | None]]] = {}
    for section, lines in inside(container).items():
        if not section.startswith("ls -la "):
            continue
        entries = sections[section.removeprefix("ls -la ")] = {}
        for raw in lines[1:]:  # "total N" first
            fields = os.fsdecode(raw).split(None, 8)
            name, _, target = fields[8].partition(" -> ")
            if name not in (".", ".."):
                entries[name] = (fields[0], int(fields[4]), target or None)
    return sections


def ls_shown(name: str) -> str:
    """A name as busybox's ls prints it: a control character as ``?``."""
    return re.sub(r"[\x00-\x1f\x7f]", "?", name)


@pytest.mark.parametrize("container", CONTAINERS)
def test_files_lists_what_ls_showed_inside(node: Path, container: str) -> None:
    for directory, seen in ls_sections(container).items():
        records = json.loads(in_process("files", node, container, directory, "--json"))
        listed = {ls_shown(r["name"]): r for r in records}
        assert set(listed) == set(seen), directory
        for name, (mode_text, size, target) in seen.items():
            record = listed[name]
            if os.path.join(directory, name) in MOUNT_POINTS:
                continue
            assert record["mode_text"] == mode_text, (directory, name)
            assert record["link"] == target, (directory, name)
            if not mode_text.startswith("d"):
                assert record["size"] == size, (directory, name)


# -- cat -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", CONTAINERS)
def test_cat_gives_the_bytes_the_container_hashed(node: Path, container: str) -> None:
    for line in inside(container)["sha256sum"]:
        digest, path = os.fsdecode(line).split("  ", 1)
        assert hashlib.sha256(in_process("cat", node, container, path)).hexdigest() == digest, path


@pytest.mark.parametrize("container", CONTAINERS)
def test_links_to_etc_shadow_stay_in_the_container(node: Path, container: str) -> None:
    records = {r["name"]: r for r in boltview_json("files", node, container, "/srv/app")}
    assert (records["shadow-link"]["kind"], records["shadow-link"]["link"]) == ("link", "/etc/shadow")
    assert records["climb-link"]["link"] == "../../../../../../../../etc/shadow"
    for link, target in (("shadow-link", "/etc/shadow"), ("climb-link", "../../../../../../../../etc/shadow")):
        # named itself, the link is shown, not what it points to
        (record,) = boltview_json("files", node, container, f"/srv/app/{link}")
        assert (record["name"], record["kind"], record["link"]) == (link, "link", target)
    theirs = boltview_bytes("cat", node, container, "/etc/shadow")
    assert theirs == b"root:*:19675:0:99999:7:::\n"  # the image's own (fixtures/rootfs/build_image.py)
    host = Path("/etc/shadow").read_bytes() if Path("/etc/shadow").exists() else None
    for link in ("/srv/app/shadow-link", "/srv/app/climb-link"):
        through = boltview_bytes("cat", node, container, link)
        assert through == theirs
        assert through != host


# -- names with control characters -------------------------------------------------------------------


@pytest.mark.parametrize("container", CONTAINERS)
def test_a_control_character_is_escaped_in_text_and_exact_in_json(node: Path, container: str) -> None:
    records = boltview_json("files", node, container, "/tmp")
    assert [r["name"] for r in records] == [ESCAPE_NAME.removeprefix("/tmp/")]
    for args in (("files", node, container, "/tmp"), ("files", node, container, "/tmp", "-l"),
                 ("drift", node, container)):  # fmt: skip
        result = run_boltview(*args)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout
        assert "ctl-\\x1b[31m-red" in result.stdout
    drift = boltview_json("drift", node, container)
    assert ESCAPE_NAME in {c["path"] for c in drift["changes"]}


# -- the fixture itself ----------------------------------------------------------------------------------


def test_the_image_layers_hold_real_whiteouts(node: Path) -> None:
    """The overlayfs snapshotter turned layer 2's ``.wh.`` entries into a 0/0 device and an attribute."""
    lower = find_rows("overlay-1/lower_2_find.txt")
    assert lower["/etc/old.conf"].kind == "c"
    overlay = node / "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"
    info = os.lstat(overlay / "2/fs/etc/old.conf")
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == 0
    assert os.getxattr(overlay / "2/fs/var/cache/app", "trusted.overlay.opaque") == b"y"
    assert "2/fs/var/cache/app trusted.overlay.opaque 79" in (EXPECTED / "overlay-1/overlayfs_xattrs.txt").read_text()
    seen = {os.fsdecode(line) for line in inside("overlay-1")["find"]}
    assert "/etc/old.conf" not in seen and "/var/cache/app/stale-1" not in seen


def test_the_fixture_is_small() -> None:
    assert (FIXTURE / "node.tar.gz").stat().st_size < 5_500_000
