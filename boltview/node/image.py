"""Disk images, read without mounting and without root, through fox-it's dissect libraries.

An image is opened read-only and peeled layer by layer: the container (raw,
qcow2, vmdk, vhdx, or EWF/E01, told by its magic number), the partition table
(GPT or MBR; none at all is fine: a bare filesystem), LVM's logical volumes,
and the filesystems (ext2/3/4, xfs, btrfs).  The node's root is the
filesystem that holds ``/etc`` and ``/var``; a separate ``/var`` filesystem
(one whose top holds ``lib/``) is seen at ``/var`` beneath it.  Every other
volume is named in the notes, with what it was found to be.

The dissect libraries are an optional extra (``pip install 'boltview[images]'``):
without them, an image gets one line saying so.
"""

from __future__ import annotations

import importlib.util
import io
import os
import stat
import threading
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from boltview.bolt.file import BoltFile
from boltview.bolt.source import Source, open_quietly
from boltview.errors import BoltviewError
from boltview.node.root import Entry, NodeRoot, join, kind_of

EXTRA_HINT = "reading a disk image needs the optional dissect libraries: pip install 'boltview[images]'"
_LIBRARIES = ("dissect.volume", "dissect.extfs", "dissect.xfs", "dissect.btrfs",
              "dissect.hypervisor", "dissect.evidence")  # fmt: skip
_BOLT_MAGIC = (0xED0CDAED).to_bytes(4, "little"), (0xED0CDAED).to_bytes(4, "big")


class ImageError(BoltviewError):
    """A disk image that cannot be read: what was seen, in one line."""


def libraries_missing() -> list[str]:
    """The dissect libraries that are not installed."""
    return [name for name in _LIBRARIES if not _installed(name)]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # "dissect" itself is not there
        return False


def is_disk_image(path: str) -> bool:
    """Whether ``path`` starts like a disk image: a container, a partition table or a filesystem.

    Only what says so by a magic number: a bolt file with damaged meta pages
    must still be read as the bolt file it is.
    """
    try:
        info = os.stat(path)
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISBLK(info.st_mode)):
            return False
        with open(path, "rb", buffering=0) as probe:
            head = probe.read(0x10048)
    except OSError:
        return False
    if head[16:20] in _BOLT_MAGIC:
        return False
    containers = (b"QFI\xfb", b"KDMV", b"# Disk DescriptorFile", b"vhdxfile", b"EVF\x09\x0d\x0a\xff\x00",
                  b"XFSB")  # fmt: skip
    return (
        head.startswith(containers)
        or head[510:512] == b"\x55\xaa"  # an MBR (or GPT's protective one)
        or head[512:520] == b"EFI PART"
        or head[1024 + 56 : 1024 + 58] == b"\x53\xef"  # ext2/3/4
        or head[0x10040:0x10048] == b"_BHRfS_M"
        or any(head[s * 512 : s * 512 + 8] == b"LABELONE" for s in range(4))
    )


@dataclass
class Volume:
    """A volume of the image and what was found on it."""

    name: str  # "partition 2", "lvm vg0/root", "whole image"
    offset: int
    size: int
    filesystem: str | None = None  # "ext4", "xfs", "btrfs", None: unknown
    seen: str = ""  # what the first bytes looked like, when no filesystem was found
    fs: Any = field(default=None, repr=False)


def open_image(path: str) -> ImageRoot:
    """The node inside a disk image (ImageError when there is none to be found)."""
    missing = libraries_missing()
    if missing:
        raise ImageError(f"{path}: {EXTRA_HINT} (missing: {', '.join(missing)})")
    raw = _reader(path)
    try:
        disk, container = _container(raw, path)
        volumes = list(_volumes(disk))
        for volume in volumes:
            _filesystem(volume)
        return ImageRoot(path, container, volumes)
    except ImageError:
        raw.close()
        raise
    except Exception as error:  # noqa: BLE001 - a hostile image must give one line, not a trace
        raw.close()
        raise ImageError(f"{path}: cannot read the image: {type(error).__name__}: {error}") from None


def _reader(path: str) -> BinaryIO:
    """A buffered read-only file named by its path (vmdk and vhdx look for siblings by name)."""
    raw = io.FileIO(_open_read_only(path), "rb", closefd=True)
    raw.name = path
    return io.BufferedReader(raw)


def _open_read_only(path: str) -> int:
    try:
        return open_quietly(path)
    except OSError as error:
        raise ImageError(f"{path}: cannot open: {error.strerror}") from None


def _container(raw: BinaryIO, path: str) -> tuple[BinaryIO, str]:
    """The disk inside its container format, and the format's name."""
    head = raw.read(512)
    raw.seek(0)
    if head.startswith(b"QFI\xfb"):
        from dissect.hypervisor.disk.qcow2 import QCow2

        return QCow2(raw).open(), "qcow2"
    if head.startswith((b"KDMV", b"# Disk DescriptorFile")):
        from dissect.hypervisor.disk.vmdk import VMDK

        return VMDK(raw), "vmdk"
    if head.startswith(b"vhdxfile"):
        from dissect.hypervisor.disk.vhdx import VHDX

        return VHDX(raw), "vhdx"
    if head.startswith(b"EVF\x09\x0d\x0a\xff\x00"):
        from dissect.evidence.ewf import EWF

        return EWF(_ewf_segments(raw, path)).open(), "ewf"
    return raw, "raw"


def _ewf_segments(first: BinaryIO, path: str) -> list[BinaryIO]:
    """E01, E02 ... beside each other: every segment, in order."""
    segments = [first]
    stem, _ = os.path.splitext(path)
    for number in range(2, 1000):
        following = f"{stem}.E{number:02d}"
        if not os.path.exists(following):
            break
        segments.append(_reader(following))
    return segments


def _volumes(disk: BinaryIO) -> list[Volume]:
    from dissect.volume.disk import Disk
    from dissect.volume.exceptions import DiskError

    size = _stream_size(disk)
    try:
        table = Disk(disk)
    except (DiskError, Exception):  # noqa: BLE001 - no table: the image is one volume
        return [Volume("whole image", 0, size, fs=disk)]
    found = []
    for partition in table.partitions:
        if partition.size == 0 or partition.type in (0x05, 0x0F, 0x85):  # extended containers
            continue
        stream = partition.open()
        name = f"partition {partition.number}"
        if _is_lvm(stream):
            found.extend(_logical_volumes(stream, name))
        else:
            found.append(Volume(name, partition.offset, partition.size, fs=stream))
    return found or [Volume("whole image", 0, size, fs=disk)]


def _is_lvm(stream: BinaryIO) -> bool:
    stream.seek(0)
    head = stream.read(2048)
    return any(head[s * 512 : s * 512 + 8] == b"LABELONE" for s in range(4))


def _logical_volumes(stream: BinaryIO, where: str) -> list[Volume]:
    from dissect.volume.lvm import LVM2

    lvm = LVM2(stream)
    volumes = []
    for lv in lvm.volume_group.logical_volumes:
        try:
            opened = lv.open()
        except Exception as error:  # noqa: BLE001 - a thin or cached volume we cannot read
            volumes.append(Volume(f"lvm {lvm.vg.name}/{lv.name} (on {where})", 0, 0,
                                  seen=f"unreadable: {error}"))  # fmt: skip
            continue
        volumes.append(Volume(f"lvm {lvm.vg.name}/{lv.name} (on {where})", 0,
                              _stream_size(opened), fs=opened))  # fmt: skip
    return volumes


def _stream_size(stream: BinaryIO) -> int:
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    position = stream.tell()
    end = stream.seek(0, os.SEEK_END)
    stream.seek(position)
    return end


def _filesystem(volume: Volume) -> None:
    """Open the filesystem on ``volume`` (in place), or say what its first bytes were."""
    stream = volume.fs
    if stream is None:
        return
    volume.fs = None
    stream.seek(0)
    head = stream.read(0x10048)
    try:
        if head[1024 + 56 : 1024 + 58] == b"\x53\xef":
            from dissect.extfs import ExtFS

            volume.fs, volume.filesystem = ExtFS(stream), "ext4"
        elif head[:4] == b"XFSB":
            from dissect.xfs import XFS

            volume.fs, volume.filesystem = XFS(stream), "xfs"
        elif head[0x10040:0x10048] == b"_BHRfS_M":
            from dissect.btrfs import Btrfs

            volume.fs, volume.filesystem = Btrfs(stream), "btrfs"
        else:
            volume.seen = _first_bytes(head)
    except Exception as error:  # noqa: BLE001 - a damaged filesystem is a finding
        volume.fs, volume.filesystem = None, None
        volume.seen = f"a damaged filesystem: {type(error).__name__}: {error}"


def _first_bytes(head: bytes) -> str:
    if not head.strip(b"\0"):
        return "only zeros"
    return "unknown content, first bytes " + head[:16].hex(" ")


class ImageRoot(NodeRoot):
    """The node inside a disk image: its root filesystem, and a separate ``/var`` if any."""

    def __init__(self, path: str, container: str, volumes: list[Volume]) -> None:
        self.path = path
        self.container = container
        self.volumes = volumes
        self.lock = threading.Lock()  # dissect's streams seek: one reader at a time
        readable = [v for v in volumes if v.fs is not None]
        root = next((v for v in readable if _has(v.fs, "/etc") and _has(v.fs, "/var")), None)
        for wanted in ("/etc", "/var"):
            if root is None:
                root = next((v for v in readable if _has(v.fs, wanted)), None)
        # A separate /var: a filesystem whose top holds lib/ (lib/containerd, lib/docker ...).
        var = next((v for v in readable if v is not root and _has(v.fs, "/lib")
                    and not _has(v.fs, "/etc")), None)  # fmt: skip
        if root is None and var is None:
            raise ImageError(f"{path}: no node root in the image ({self.describe_volumes()})")
        self.root_volume = root  # None: only a /var filesystem, seen below an empty root
        self.var_volume = var if var is not None and (root is None or not _has(root.fs, "/var/lib")) else None
        shown = root or var
        assert shown is not None
        self.top = f"{path} ({container}, {shown.name}, {shown.filesystem})"

    def __repr__(self) -> str:
        return f"ImageRoot({self.path!r})"

    def describe_volumes(self) -> str:
        return "; ".join(
            f"{v.name}: {v.filesystem}" if v.filesystem else f"{v.name}: {v.seen or 'unread'}"
            for v in self.volumes
        ) or "no volume"

    def notes(self) -> list[str]:
        """What each volume held, for the scan's notes."""
        used = {id(self.root_volume): "/", id(self.var_volume): "/var"}
        return [
            f"{self.path}: {v.name}: {v.filesystem or v.seen or 'unread'}"
            + (f", seen at {used[id(v)]}" if id(v) in used else "")
            for v in self.volumes
        ]

    def _inode(self, resolved: str) -> Any | None:
        cached = self._inodes.get(resolved)
        if cached is not None:
            return cached
        if self.var_volume is not None and (resolved == "/var" or resolved.startswith("/var/")):
            fs, inner = self.var_volume.fs, resolved[4:] or "/"
        elif self.root_volume is not None:
            fs, inner = self.root_volume.fs, resolved
        else:
            return _EMPTY_ROOT if resolved == "/" else None
        try:
            with self.lock:
                found = fs.get(inner)
        except Exception:  # noqa: BLE001 - dissect raises many kinds for "not there"
            return None
        self._remember(resolved, found)
        return found

    @property
    def _inodes(self) -> dict[str, Any]:
        """Inodes by resolved path: finding one walks each folder's entries from the top,
        and a content store has 10,000 blobs in one folder."""
        cache: dict[str, Any] | None = self.__dict__.get("_inode_cache")
        if cache is None:
            cache = self.__dict__["_inode_cache"] = {}
        return cache

    def _remember(self, resolved: str, inode: Any) -> None:
        if len(self._inodes) >= 200_000:
            self._inodes.clear()
        self._inodes[resolved] = inode

    def entries(self, path: str) -> dict[str, Entry]:
        """A folder's entries from one read of it (and every child's inode remembered)."""
        resolved = self.resolve(path)
        inode = self._inode(resolved) if resolved is not None else None
        if resolved is None or inode is None:
            return {}
        if inode is _EMPTY_ROOT:
            return {name: entry for name in self.names(resolved)
                    if (entry := self.stat(join(resolved, name), follow=False))}  # fmt: skip
        try:
            with self.lock:
                children = dict(inode.listdir())
        except Exception:  # noqa: BLE001
            return {}
        found = {}
        for name, child in sorted(children.items()):
            if name in (".", ".."):
                continue
            self._remember(join(resolved, name), child)
            entry = self._entry_of(child)
            if entry is not None:
                found[name] = entry
        return found

    def entry(self, resolved: str) -> Entry | None:
        return self._entry_of(self._inode(resolved))

    def _entry_of(self, inode: Any) -> Entry | None:
        if inode is None:
            return None
        if inode is _EMPTY_ROOT:
            return Entry("dir", 0, stat.S_IFDIR | 0o755)
        try:
            with self.lock:
                mode = _mode(inode)
                size = inode.size if stat.S_ISREG(mode) else 0
        except Exception:  # noqa: BLE001
            return None
        return Entry(kind_of(mode), size, mode)

    def readlink(self, resolved: str) -> str | None:
        inode = self._inode(resolved)
        try:
            with self.lock:
                return None if inode is None else str(inode.link)
        except Exception:  # noqa: BLE001
            return None

    def names(self, resolved: str) -> list[str]:
        inode = self._inode(resolved)
        if inode is _EMPTY_ROOT:
            return ["var"]
        try:
            with self.lock:
                listed = [] if inode is None else list(inode.listdir())
        except Exception:  # noqa: BLE001
            return []
        return [name for name in listed if name not in (".", "..")]

    def read_resolved(self, resolved: str, offset: int, length: int) -> bytes | None:
        inode = self._inode(resolved)
        if inode is None:
            return None
        try:
            with self.lock:
                stream = inode.open()
                stream.seek(offset)
                return bytes(stream.read(length))
        except Exception:  # noqa: BLE001
            return None

    def open_bolt(self, path: str, *, copy_up_to: int = 0) -> BoltFile:
        resolved = self.resolve(path)
        found = self.entry(resolved) if resolved else None
        inode = self._inode(resolved) if resolved and found and found.kind == "file" else None
        if inode is None or found is None:
            raise FileNotFoundError(2, "no such file in the image", path)
        with self.lock:
            stream = inode.open()
        return BoltFile.from_source(StreamSource(f"{self.path}:{path}", stream, found.size, self.lock))


_EMPTY_ROOT = object()
"""The root of a node whose image holds only its /var filesystem."""


def _has(fs: Any, path: str) -> bool:
    try:
        inode = fs.get(path)
        return stat.S_ISDIR(_mode(inode))
    except Exception:  # noqa: BLE001
        return False


def _mode(inode: Any) -> int:
    """The file type bits of an ext, xfs or btrfs inode."""
    filetype = getattr(inode, "filetype", None)
    if isinstance(filetype, int):
        return stat.S_IFMT(filetype) or filetype
    return stat.S_IFMT(inode.mode)


class StreamSource(Source):
    """The bytes of a file inside a disk image, read through a dissect stream."""

    def __init__(self, name: str, stream: BinaryIO, size: int, lock: threading.Lock) -> None:
        # Not Source.__init__: there is no descriptor to open, nothing to lock-check.
        self.path = name
        self._fd = -1
        self._data = None
        self._size = size
        self._stream = stream
        self._lock = lock
        self.stat = None  # type: ignore[assignment]

    def refresh_size(self) -> int:
        return self.size

    def replaced(self) -> bool:
        return False  # a file inside an image: nothing writes it

    def read_live(self, offset: int, length: int) -> bytes:
        with self._lock:
            self._stream.seek(offset)
            return bytes(self._stream.read(max(min(length, self._size - offset), 0)))

    def _read_all(self) -> bytes:
        return self.read_live(0, self._size)
