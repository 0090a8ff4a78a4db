"""``boltview scan IMAGE``: the same answers from a disk image as from the directory.

A node root is laid out from real writers' files (as in test_node_scan), then
put into images by the real tools, none of which mounts anything:
``mkfs.ext4 -d`` (e2fsprogs), ``mkfs.xfs -p`` with a prototype file (xfsprogs),
``mkfs.btrfs --rootdir`` (btrfs-progs), a GPT and an MBR written by ``sfdisk``
with the filesystem copied into its partition, ``qemu-img convert`` to qcow2, vmdk and
vhdx (qemu-utils) and ``ewfacquire`` to E01 (ewf-tools).  LVM is not tested:
making a physical volume needs device-mapper, which this sandbox does not give.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import boltview.node.image as image_module
from boltview.node.image import ImageError, open_image
from tests.conftest import BOLT_FIXTURES, ROOT, require_real, run_boltview
from tests.test_node_scan import META, V16, V17, put

TOOLS = {
    "mkfs.ext4": "e2fsprogs", "mkfs.xfs": "xfsprogs", "mkfs.btrfs": "btrfs-progs",
    "sfdisk": "fdisk", "qemu-img": "qemu-utils", "ewfacquire": "ewf-tools",
}  # fmt: skip


def tools() -> None:
    missing = [f"{tool} ({package})" for tool, package in TOOLS.items() if not shutil.which(tool)]
    missing += [f"python {name}" for name in image_module.libraries_missing()]
    require_real(missing, "reading disk images")


def run(*command: str | Path) -> None:
    subprocess.run([str(c) for c in command], check=True, capture_output=True, timeout=120)


def sparse(path: Path, size: int) -> None:
    """A file of ``size`` zero bytes that takes no room."""
    with open(path, "wb") as out:
        out.truncate(size)


def prototype(top: Path) -> str:
    """An xfs prototype file (mkfs.xfs -p) that copies the tree below ``top``."""
    lines = ["boltview-test", "0 0", "d--755 0 0"]

    def walk(directory: Path, depth: int) -> None:
        for child in sorted(directory.iterdir()):
            info = child.lstat()
            pad, mode = " " * depth, f"{stat.S_IMODE(info.st_mode) & 0o777:03o}"
            if stat.S_ISLNK(info.st_mode):
                lines.append(f"{pad}{child.name} l--{mode} 0 0 {os.readlink(child)}")
            elif stat.S_ISDIR(info.st_mode):
                lines.append(f"{pad}{child.name} d--{mode} 0 0")
                walk(child, depth + 1)
                lines.append(f"{pad}$")
            else:
                lines.append(f"{pad}{child.name} ---{mode} 0 0 {child}")

    walk(top, 1)
    return "\n".join([*lines, "$"]) + "\n"


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One node root, and every kind of image of it."""
    tools()
    work = tmp_path_factory.mktemp("images")
    top = work / "root"
    put(top, f"/var/lib/containerd/{META}", V16 / "meta.db")
    put(top, "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db",
        V16 / "overlayfs-metadata.db")  # fmt: skip
    put(top, f"/data/ctr/{META}", V17 / "meta.db")
    put(top, "/etc/containerd/config.toml", 'version = 2\nroot = "/data/ctr"\n')
    put(top, "/var/lib/etcd/member/snap/db", BOLT_FIXTURES / "sequences.db")
    os.symlink("/var/lib/etcd/member/snap/db", top / "etc/etcd-db-link")
    made = {"directory": top, "ext4": work / "root.ext4"}
    run("mkfs.ext4", "-q", "-d", top, "-L", "node", made["ext4"], "64M")
    made["xfs"] = work / "root.xfs"
    (work / "proto.txt").write_text(prototype(top))
    sparse(made["xfs"], 320 << 20)
    run("mkfs.xfs", "-q", "-p", work / "proto.txt", made["xfs"])
    made["btrfs"] = work / "root.btrfs"
    sparse(made["btrfs"], 200 << 20)
    run("mkfs.btrfs", "-q", "--rootdir", top, made["btrfs"])
    made["gpt"] = work / "disk.img"
    sparse(made["gpt"], 80 << 20)
    subprocess.run(["sfdisk", "-q", str(made["gpt"])], check=True, capture_output=True,
                   input=b"label: gpt\nstart=2048, size=131072, type=linux\n")  # fmt: skip
    with open(made["gpt"], "r+b") as disk:
        disk.seek(2048 * 512)
        disk.write(made["ext4"].read_bytes())
    made["mbr"] = work / "mbr.img"
    sparse(made["mbr"], 80 << 20)
    subprocess.run(["sfdisk", "-q", str(made["mbr"])], check=True, capture_output=True,
                   input=b"label: dos\nstart=2048, size=131072, type=83\n")  # fmt: skip
    with open(made["mbr"], "r+b") as disk:
        disk.seek(2048 * 512)
        disk.write(made["ext4"].read_bytes())
    for kind in ("qcow2", "vmdk", "vhdx"):
        made[kind] = work / f"disk.{kind}"
        run("qemu-img", "convert", "-O", kind, made["gpt"], made[kind])
    run("ewfacquire", "-u", "-q", "-t", work / "disk", "-f", "encase6", "-c", "fast", "-S", "0",
        made["gpt"])  # fmt: skip
    made["e01"] = work / "disk.E01"
    return made


def answer(target: Path) -> dict[str, Any]:
    """What scan says, less the line naming where it read from."""
    result = run_boltview("scan", target, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    document.pop("root")
    document.pop("notes")
    return document


@pytest.mark.parametrize("kind", ["ext4", "xfs", "btrfs", "gpt", "mbr", "qcow2", "vmdk", "vhdx", "e01"])
def test_an_image_gives_the_answers_the_directory_gives(images: dict[str, Path], kind: str) -> None:
    want = answer(images["directory"])
    assert {i["name"] for i in want["installs"]} == {"containerd", "/data/ctr"}
    assert len(want["bolt_files"]) == 4 and all(f["sha256"] for f in want["bolt_files"])
    assert answer(images[kind]) == want


def test_an_image_names_the_volume_it_read(images: dict[str, Path]) -> None:
    root = open_image(str(images["gpt"]))
    assert root.notes() == [f"{images['gpt']}: partition 1: ext4, seen at /"]
    assert root.entries("/no/such/folder") == {} and root.entries("/etc/containerd/config.toml") == {}
    assert sorted(root.entries("/var/lib")) == sorted(os.listdir(images["directory"] / "var/lib"))
    assert root.resolve("/etc/etcd-db-link") == "/var/lib/etcd/member/snap/db"


def test_unknown_filesystem_names_the_partition_and_what_it_saw(tmp_path: Path) -> None:
    tools()
    disk = tmp_path / "odd.img"
    sparse(disk, 8 << 20)
    subprocess.run(["sfdisk", "-q", str(disk)], check=True, capture_output=True,
                   input=b"label: gpt\nstart=2048, size=8192, type=linux\n")  # fmt: skip
    with open(disk, "r+b") as out:
        out.seek(2048 * 512)
        out.write(b"NOTAFS" * 100)
    result = run_boltview("scan", disk)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "partition 1: unknown content, first bytes 4e 4f 54 41 46 53" in result.stderr


def test_damaged_images_give_one_line(tmp_path: Path) -> None:
    tools()
    noise = tmp_path / "noise.img"
    noise.write_bytes(os.urandom(1 << 20))
    truncated = tmp_path / "truncated.qcow2"
    truncated.write_bytes(b"QFI\xfb" + b"\0" * 100)
    for target in (noise, truncated):
        result = run_boltview("scan", target)
        assert result.returncode == 2, (target, result.stdout)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert str(target) in result.stderr


def test_without_the_libraries_an_image_gets_the_hint(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.setattr(image_module, "libraries_missing", lambda: ["dissect.extfs"])
    image = tmp_path / "some.img"
    image.write_bytes(b"\0" * 4096)
    with pytest.raises(ImageError, match=r"pip install 'boltview\[images\]' \(missing: dissect.extfs\)"):
        open_image(str(image))


def test_scan_of_a_bolt_file_points_to_the_right_verb() -> None:
    result = run_boltview("scan", BOLT_FIXTURES / "basic.db")
    assert result.returncode == 2 and "is no directory and no disk image" in result.stderr


def test_the_real_node_fixture_reads_the_same_from_an_image(tmp_path: Path) -> None:
    """fixtures/node/root (four installs, seventeen bolt files) as ext4 in qcow2."""
    tools()
    top = ROOT / "fixtures" / "node" / "root"
    ext4, qcow2 = tmp_path / "node.ext4", tmp_path / "node.qcow2"
    run("mkfs.ext4", "-q", "-d", top, ext4, "32M")
    run("qemu-img", "convert", "-O", "qcow2", ext4, qcow2)
    assert answer(qcow2) == answer(top)
    assert len(answer(qcow2)["bolt_files"]) == 17


def test_an_image_of_a_separate_var_is_seen_at_var(images: dict[str, Path], tmp_path: Path) -> None:
    """A node's /var on its own filesystem (its top holds lib/): the same installs, below /var."""
    var = tmp_path / "var.ext4"
    run("mkfs.ext4", "-q", "-d", images["directory"] / "var", var, "32M")
    document = answer(var)
    assert [i["name"] for i in document["installs"]] == ["containerd"]
    want = {f["path"] for f in answer(images["directory"])["bolt_files"] if f["path"].startswith("/var/")}
    assert {f["path"] for f in document["bolt_files"]} == want


def test_without_dissect_at_all_scan_says_how_to_get_it(tmp_path: Path) -> None:
    """No dissect package: one line with the install hint, not a traceback."""
    image = tmp_path / "disk.img"
    sparse(image, 1 << 20)
    with open(image, "r+b") as disk:
        disk.seek(510)
        disk.write(b"\x55\xaa")  # an MBR's signature: an image, not a bolt file
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "dissect.py").write_text("raise ImportError('hidden for this test')\n")
    env = {**os.environ, "PYTHONPATH": str(hide)}
    result = subprocess.run([sys.executable, "-m", "boltview", "scan", str(image)], env=env,
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "pip install 'boltview[images]'" in result.stderr
