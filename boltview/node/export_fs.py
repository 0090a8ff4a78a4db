"""A container's merged filesystem as a tar archive (``export-fs``).

What overlayfs would show, written with tar's PAX format: directories, files
(their exact bytes), symlinks (as links, never followed), devices and FIFOs,
each with its mode, owner, time and extended attributes (``SCHILY.xattr.*``);
whiteouts applied, so deleted names are not in it, and no whiteout marker is.
The archive goes to a temporary name beside the target and is renamed when
whole: a failed export leaves nothing that looks finished.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
import tarfile
from collections.abc import Iterator
from typing import BinaryIO

from boltview.node.root import join
from boltview.node.rootfs import Found, MergedView

#: Extended attributes carried into the archive (overlayfs's own are its workings, not data).
_KEPT_XATTRS = ("security.capability", "user.")


def write_tar(view: MergedView, out: BinaryIO) -> int:
    """Write the view to ``out`` as a PAX tar; the number of entries written."""
    count = 0
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as archive:
        for path, found in walk(view):
            info = _info(view, path, found)
            if info is None:
                continue
            if info.isreg():
                archive.addfile(info, _Reader(view, path, info.size))
            else:
                archive.addfile(info)
            count += 1
    return count


def walk(view: MergedView) -> Iterator[tuple[str, Found]]:
    """Every entry of the view below its root, parents first, names sorted (depth first)."""
    stack = [iter(sorted(view.listing("/").items()))]
    parents = ["/"]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            parents.pop()
            continue
        name, found = item
        path = join(parents[-1], name)
        yield path, found
        if found.entry.kind == "dir":
            stack.append(iter(sorted(view.listing(path).items())))
            parents.append(path)


def _info(view: MergedView, path: str, found: Found) -> tarfile.TarInfo | None:
    entry = found.entry
    info = tarfile.TarInfo(path.lstrip("/"))
    info.mode = stat.S_IMODE(entry.mode)
    info.uid, info.gid = entry.uid, entry.gid
    info.mtime = entry.mtime_ns / 1e9
    if entry.kind == "dir":
        info.type = tarfile.DIRTYPE
    elif entry.kind == "file":
        info.type, info.size = tarfile.REGTYPE, entry.size
    elif entry.kind == "link":
        info.type = tarfile.SYMTYPE
        info.linkname = view.node.readlink(found.path) or ""
    elif entry.kind == "char":
        info.type = tarfile.CHRTYPE
        info.devmajor, info.devminor = os.major(entry.rdev), os.minor(entry.rdev)
    elif stat.S_ISBLK(entry.mode):
        info.type = tarfile.BLKTYPE
        info.devmajor, info.devminor = os.major(entry.rdev), os.minor(entry.rdev)
    elif stat.S_ISFIFO(entry.mode):
        info.type = tarfile.FIFOTYPE
    else:
        return None  # a socket: nothing to archive
    xattrs = {
        f"SCHILY.xattr.{name}": value.decode("utf-8", "surrogateescape")
        for name, value in view.node.xattrs(found.path).items()
        if name.startswith(_KEPT_XATTRS)
    }
    if xattrs:
        info.pax_headers = xattrs
    return info


class _Reader(io.RawIOBase):
    """A file of the view, read in chunks as tarfile asks (never whole in memory)."""

    def __init__(self, view: MergedView, path: str, size: int) -> None:
        self.chunks = view.chunks(path)
        self.left = size
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.pending and self.left > 0:
            chunk = next(self.chunks, b"")
            if not chunk:
                # The file shrank under us: pad with zeros to the size the header promised.
                chunk = b"\0" * self.left
            self.pending = chunk[: self.left]
            self.left -= len(self.pending)
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def write_tar_file(view: MergedView, output: str) -> int:
    """Write the archive under a temporary name beside ``output``, then rename it there."""
    real = os.path.realpath(output)
    directory, name = os.path.split(real)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "wb") as out:
            count = write_tar(view, out)
        os.replace(temporary, real)
        return count
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
