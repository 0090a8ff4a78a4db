"""A container's filesystem as overlayfs shows it (boltview.node.rootfs), and files/cat.

The rules are checked on layer directories laid out here, with both kinds of
whiteout (overlayfs's character device 0/0, needing root, and an image tar's
``.wh.`` file) and both kinds of opaque directory; then ``files`` and ``cat``
are run on the real node fixture (fixtures/node), whose containers were made
by containerd with the overlayfs and native snapshotters.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from boltview.node.root import DirectoryRoot
from boltview.node.rootfs import Layer, MergedView
from tests.conftest import ROOT, require_real, run_boltview

NODE = ROOT / "fixtures" / "node" / "root"


def write(base: Path, relative: str, text: str = "x") -> None:
    target = base / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


@pytest.fixture
def stack(tmp_path: Path) -> MergedView:
    """upper over middle over lower, each a directory of the node at tmp_path."""
    require_real([] if os.geteuid() == 0 else ["root"], "overlayfs whiteouts (mknod 0/0, trusted.* xattrs)")
    lower, middle, upper = (tmp_path / "layers" / n for n in ("lower", "middle", "upper"))
    write(lower, "etc/passwd", "root:x:0:0\n")
    write(lower, "etc/hosts", "127.0.0.1 lower\n")
    write(lower, "etc/old.conf", "old\n")
    write(lower, "data/a", "a\n")
    write(lower, "data/b", "b\n")
    write(lower, "cache/x", "x\n")
    write(lower, "was-dir/inside", "hidden by a file above\n")
    write(middle, "etc/hosts", "127.0.0.1 middle\n")
    write(middle, "etc/.wh.old.conf", "")  # an image layer's whiteout
    write(middle, "data/.wh..wh..opq", "")  # an image layer's opaque directory
    write(middle, "data/c", "c\n")
    write(middle, "was-dir", "now a file\n")
    write(upper, "etc/motd", "hello\n")
    (upper / "cache").mkdir(parents=True)
    os.setxattr(upper / "cache", "trusted.overlay.opaque", b"y")  # overlayfs's opaque directory
    write(upper, "cache/y", "y\n")
    os.mknod(upper / "etc" / "passwd", 0o600 | 0o020000, os.makedev(0, 0))  # overlayfs's whiteout
    os.symlink("/etc/hosts", upper / "etc" / "hosts-link")
    os.symlink("../../../../../../../etc/shadow", upper / "escape")
    node = DirectoryRoot(str(tmp_path))
    layers = [Layer(f"/layers/{n}", n) for n in ("upper", "middle", "lower")]
    return MergedView(node, layers)


def test_upper_names_hide_lower_ones_and_each_knows_its_layer(stack: MergedView) -> None:
    etc = stack.listing("/etc")
    assert sorted(etc) == ["hosts", "hosts-link", "motd"]
    assert {name: stack.layers[f.layer].label for name, f in etc.items()} == {
        "hosts": "middle", "hosts-link": "upper", "motd": "upper",
    }  # fmt: skip
    assert stack.read("/etc/hosts", 0, 100) == b"127.0.0.1 middle\n"


def test_whiteouts_of_both_kinds_delete(stack: MergedView) -> None:
    assert stack.find("/etc/passwd") is None  # char 0/0 in upper
    assert stack.find("/etc/old.conf") is None  # .wh.old.conf in middle
    assert ".wh.old.conf" not in stack.listing("/etc")


def test_opaque_directories_of_both_kinds_hide_what_is_below(stack: MergedView) -> None:
    assert sorted(stack.listing("/data")) == ["c"]  # .wh..wh..opq in middle
    assert sorted(stack.listing("/cache")) == ["y"]  # trusted.overlay.opaque=y in upper
    assert stack.find("/data/a") is None and stack.find("/cache/x") is None


def test_a_file_above_hides_a_directory_below(stack: MergedView) -> None:
    found = stack.find("/was-dir")
    assert found is not None and found.entry.kind == "file"
    assert stack.find("/was-dir/inside") is None


def test_links_stay_inside_the_view(stack: MergedView) -> None:
    assert stack.resolve("/etc/hosts-link") == "/etc/hosts"
    assert stack.read("/etc/hosts-link", 0, 100) == b"127.0.0.1 middle\n"
    # A link climbing out of the container ends at the container's /etc/shadow: there is none.
    assert stack.resolve("/escape") is None
    assert stack.read("/escape", 0, 100) is None


def test_a_missing_layer_is_a_gap_not_a_failure(tmp_path: Path) -> None:
    write(tmp_path, "layers/lower/a", "a\n")
    view = MergedView(DirectoryRoot(str(tmp_path)),
                      [Layer("/layers/upper", "upper", missing=True), Layer("/layers/lower", "lower")])  # fmt: skip
    assert sorted(view.listing("/")) == ["a"]


# -- on the real node fixture -----------------------------------------------------------------


def test_files_lists_a_containers_merged_root_with_layers() -> None:
    result = run_boltview("files", NODE, "notes-overlay", "/srv/notes", "--install", "containerd", "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    lower = NODE / "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs/srv/notes"
    assert sorted(r["name"] for r in records) == sorted(os.listdir(lower))
    assert all(r["layer"].startswith("lower sha256:") and "(id 1)" in r["layer"] for r in records)
    for record in records:
        assert record["size"] == (lower / record["name"]).stat().st_size


def test_cat_gives_the_exact_bytes() -> None:
    for container, layer in (("notes-overlay", "overlayfs/snapshots/2/fs"), ("notes-native", "native/snapshots/3")):
        result = run_boltview("cat", NODE, container, "/etc/motd", "--install", "containerd")
        assert result.returncode == 0, result.stderr
        want = (NODE / f"var/lib/containerd/io.containerd.snapshotter.v1.{layer}/etc/motd").read_text()
        assert result.stdout == want


def test_files_and_cat_say_what_is_wrong_in_one_line() -> None:
    for args, why in (
        (("cat", NODE, "notes-overlay", "/etc/nothing", "--install", "containerd"), "no such file"),
        (("cat", NODE, "notes-overlay", "/etc", "--install", "containerd"), "is a dir, not a file"),
        (("files", NODE, "nobody", "--install", "containerd"), "no container 'nobody'"),
        (("files", NODE, "notes-overlay"), "pick one with --install"),
    ):
        result = run_boltview(*args)
        assert result.returncode == 2, result.stdout
        assert result.stderr.count("\n") == 1 and why in result.stderr, result.stderr


# -- drift ------------------------------------------------------------------------------------


def sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_overlay_drift_reads_the_upper_layer(stack: MergedView, tmp_path: Path) -> None:
    from boltview.node.drift import drift

    upper = tmp_path / "layers" / "upper"
    write(upper, "bin/tool", "#!/bin/sh\necho new\n")
    (upper / "bin" / "tool").chmod(0o755)
    write(upper, "etc/hosts", "127.0.0.1 changed\n")  # copied up and rewritten
    changes = {c.path: c for c in drift(stack, whole_copy=False)}
    assert {p: c.change for p, c in changes.items()} == {
        "/bin": "added", "/bin/tool": "added",
        "/cache/x": "deleted", "/cache/y": "added",  # the upper /cache is opaque: x is gone
        "/etc/hosts": "modified", "/etc/motd": "added", "/etc/passwd": "deleted",
        "/etc/hosts-link": "added", "/escape": "added",
    }  # fmt: skip
    assert changes["/bin/tool"].newly_executable and not changes["/etc/hosts"].newly_executable
    hosts = changes["/etc/hosts"]
    assert hosts.now is not None and hosts.before is not None
    assert hosts.now.sha256 == sha(upper / "etc/hosts") and hosts.now.layer == "upper"
    assert hosts.before.sha256 == sha(tmp_path / "layers/middle/etc/hosts") and hosts.before.layer == "middle"
    assert changes["/etc/passwd"].before is not None and changes["/etc/passwd"].before.layer == "lower"
    assert changes["/escape"].now is not None and changes["/escape"].now.link == "../../../../../../../etc/shadow"


def test_native_drift_compares_the_two_copies(tmp_path: Path) -> None:
    """A whole copy against its parent's: what find and sha256sum would say differs."""
    import shutil

    from boltview.node.drift import drift

    parent, own = tmp_path / "snapshots" / "1", tmp_path / "snapshots" / "2"
    write(parent, "etc/motd", "hello\n")
    write(parent, "etc/keep", "same\n")
    write(parent, "usr/bin/app", "v1\n")
    write(parent, "var/old/log", "x\n")
    shutil.copytree(parent, own, symlinks=True)  # as the native snapshotter copies: times kept
    write(own, "etc/motd", "HELLO\n")  # same size, other bytes
    (own / "usr/bin/app").chmod(0o755)
    shutil.rmtree(own / "var/old")
    write(own, "root/.history", "rm -rf /var/old\n")
    view = MergedView(DirectoryRoot(str(tmp_path)), [Layer("/snapshots/2", "own"), Layer("/snapshots/1", "parent")])
    changes = {c.path: c for c in drift(view, whole_copy=True)}
    assert {p: c.change for p, c in changes.items()} == {
        "/etc/motd": "modified", "/usr/bin/app": "modified", "/var/old": "deleted",
        "/root": "added", "/root/.history": "added",
    }  # fmt: skip
    assert changes["/usr/bin/app"].newly_executable
    motd = changes["/etc/motd"]
    assert motd.now is not None and motd.now.sha256 == sha(own / "etc/motd")


def test_drift_command_on_the_node_fixture_is_json_for_every_container() -> None:
    result = run_boltview("drift", NODE, "--all", "--install", "containerd", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {(r["namespace"], r["container"]) for r in report} == {
        ("default", "notes-native"), ("default", "notes-overlay"), ("default", "tools-1"), ("team-a", "job-1"),
    }  # fmt: skip
    # These containers never ran: nothing changed; an overlayfs upper git could not keep is a gap.
    assert all(r["changes"] == [] for r in report)
    gaps = {r["container"]: r["missing_layers"] for r in report}
    assert gaps["notes-native"] == [] and gaps["notes-overlay"] == ["upper notes-overlay (id 4)"]


# -- export-fs ----------------------------------------------------------------------------------


def test_export_fs_writes_what_the_view_shows(stack: MergedView, tmp_path: Path) -> None:
    import tarfile

    from boltview.node.export_fs import write_tar_file

    os.setxattr(tmp_path / "layers/upper/etc/motd", "user.origin", b"upper")
    out = tmp_path / "out.tar"
    write_tar_file(stack, str(out))
    with tarfile.open(out) as archive:
        members = {m.name: m for m in archive.getmembers()}
        assert sorted(members) == [
            "cache", "cache/y", "data", "data/c", "escape", "etc", "etc/hosts", "etc/hosts-link",
            "etc/motd", "was-dir",
        ]  # fmt: skip
        assert archive.extractfile("etc/hosts").read() == b"127.0.0.1 middle\n"  # type: ignore[union-attr]
        assert members["etc/hosts-link"].issym() and members["etc/hosts-link"].linkname == "/etc/hosts"
        assert members["etc/motd"].pax_headers["SCHILY.xattr.user.origin"] == "upper"
        assert members["was-dir"].isfile()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tar")]


def test_export_fs_never_writes_into_the_node_or_onto_a_fifo(tmp_path: Path) -> None:
    inside = run_boltview("export-fs", NODE, "notes-overlay", "--install", "containerd",
                          "-o", NODE / "x.tar")  # fmt: skip
    assert inside.returncode == 2 and "never writes into what it reads" in inside.stderr
    assert not (NODE / "x.tar").exists()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused = run_boltview("export-fs", NODE, "notes-overlay", "--install", "containerd", "-o", fifo)
    assert refused.returncode == 2 and "not a regular file" in refused.stderr
    good = run_boltview("export-fs", NODE, "notes-native", "--install", "containerd", "-o", tmp_path / "n.tar")
    assert good.returncode == 0, good.stderr
    import tarfile

    with tarfile.open(tmp_path / "n.tar") as archive:
        motd = archive.extractfile("etc/motd").read()  # type: ignore[union-attr]
    assert motd == (NODE / "var/lib/containerd/io.containerd.snapshotter.v1.native/snapshots/3/etc/motd").read_bytes()
