"""A node's filesystem, read-only, from a copy of its root or from a disk image.

Paths here are the node's own, absolute (``/var/lib/containerd``), and are
resolved the way the node would resolve them, as if chrooted: an absolute
symlink is read from the top of the node, ``..`` stops at it, and nothing ever
leads outside it.  A hostile link to ``/etc/shadow`` is the node's
``/etc/shadow``, never the investigator's own.

:class:`NodeRoot` does the resolving; a subclass reads entries by their
resolved path: :class:`DirectoryRoot` below a directory (a mounted or copied
root), :class:`~boltview.node.image.ImageRoot` inside a disk image's
filesystem.  Nothing is written, and nothing is opened but to read.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from boltview.bolt.file import BoltFile
from boltview.bolt.source import read_quietly

_MAX_LINKS = 40  # as the kernel's MAXSYMLINKS


@dataclass(frozen=True)
class Entry:
    """A directory entry: its kind ("dir", "file", "link", "char", "other"), size and owner.

    ``rdev`` is a device's number (overlayfs marks a deleted file with the
    character device 0/0); ``mode`` holds the permission bits and the type.
    """

    kind: str
    size: int
    mode: int = 0
    uid: int = 0
    gid: int = 0
    mtime_ns: int = 0
    rdev: int = 0


class NodeRoot:
    """The files of one node, read-only and never left.  Subclasses read entries."""

    #: What the node is read from, for people (a directory, an image and its partition).
    top: str = ""

    # -- what a subclass provides: resolved paths only ------------------------------

    def entry(self, resolved: str) -> Entry | None:
        """The entry at a path with no link in it but perhaps the last; None if missing."""
        raise NotImplementedError

    def readlink(self, resolved: str) -> str | None:
        raise NotImplementedError

    def xattr(self, resolved: str, name: str) -> bytes | None:
        """An extended attribute of an entry (not following a link); None if it has none."""
        return None

    def xattrs(self, resolved: str) -> dict[str, bytes]:
        """Every extended attribute of an entry (not following a link)."""
        return {}

    def names(self, resolved: str) -> list[str]:
        """The names in a directory (unsorted); empty when unreadable."""
        raise NotImplementedError

    def read_resolved(self, resolved: str, offset: int, length: int) -> bytes | None:
        raise NotImplementedError

    def open_bolt(self, path: str, *, copy_up_to: int = 0) -> BoltFile:
        """A bolt file of the node, opened read-only (BoltviewError or OSError if it cannot be).

        ``copy_up_to``: a live file up to that size is read from a copy in memory.
        """
        raise NotImplementedError

    # -- resolving -------------------------------------------------------------------

    def resolve(self, path: str, *, follow: bool = True) -> str | None:
        """The node path with every symlink resolved inside the node; None if it leads nowhere.

        With ``follow`` off, a link in the last place is the link itself.
        Directories once resolved are remembered: a scan asks for thousands of
        blobs in one folder.
        """
        parent, _, name = path.rstrip("/").rpartition("/")
        if name in ("", ".", ".."):
            return self._walk(path, follow)
        folder = self._folders.get(parent)
        if folder is None:
            folder = self._walk(parent or "/", True)
            if folder is None:
                return None
            if len(self._folders) >= 4096:
                self._folders.clear()
            self._folders[parent] = folder
        here = join(folder, name)
        found = self.entry(here)
        if found is None:
            return None
        if found.kind == "link" and follow:
            return self._walk(here, True)
        self._last = (here, found)
        return here

    @property
    def _folders(self) -> dict[str, str]:
        cache: dict[str, str] | None = self.__dict__.get("_folder_cache")
        if cache is None:
            cache = self.__dict__["_folder_cache"] = {}
        return cache

    def _walk(self, path: str, follow: bool) -> str | None:
        """Resolve ``path`` one name at a time, as the kernel does, never above the top."""
        parts = [p for p in path.split("/") if p not in ("", ".")]
        resolved: list[str] = []
        links = 0
        while parts:
            name = parts.pop(0)
            if name == "..":
                if resolved:
                    resolved.pop()
                continue
            here = "/" + "/".join([*resolved, name])
            found = self.entry(here)
            if found is None:
                return None
            if found.kind == "link" and (follow or parts):
                links += 1
                target = self.readlink(here)
                if target is None or links > _MAX_LINKS:
                    return None
                if target.startswith("/"):
                    resolved = []
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            resolved.append(name)
        return "/" + "/".join(resolved)

    def stat(self, path: str, *, follow: bool = True) -> Entry | None:
        """The entry at a node path (the link itself when ``follow`` is off); None if missing."""
        resolved = self.resolve(path, follow=follow)
        if resolved is None:
            return None
        last = self.__dict__.get("_last")
        if last is not None and last[0] == resolved:
            return last[1]  # resolving just looked at it: no second lstat
        return self.entry(resolved)

    def entries(self, path: str) -> dict[str, Entry]:
        """Every entry of a directory (links not followed), by name; empty when it is none."""
        found = {}
        for name in self.listdir(path):
            entry = self.stat(join(path, name), follow=False)
            if entry is not None:
                found[name] = entry
        return found

    def is_dir(self, path: str) -> bool:
        found = self.stat(path)
        return found is not None and found.kind == "dir"

    def is_file(self, path: str) -> bool:
        found = self.stat(path)
        return found is not None and found.kind == "file"

    def listdir(self, path: str) -> list[str]:
        """The names in a directory, sorted; empty when it is none."""
        resolved = self.resolve(path)
        if resolved is None or not self.is_dir(resolved):
            return []
        return sorted(self.names(resolved))

    def read(self, path: str, offset: int, length: int) -> bytes | None:
        """Up to ``length`` bytes of a regular file at ``offset``; None if unreadable."""
        resolved = self.resolve(path)
        found = self.entry(resolved) if resolved is not None else None
        if resolved is None or found is None or found.kind != "file":
            return None
        return self.read_resolved(resolved, offset, length)

    def read_text(self, path: str, limit: int = 1 << 20) -> str | None:
        """A small text file (a config), at most ``limit`` bytes of it; None if unreadable."""
        data = self.read(path, 0, limit)
        return None if data is None else data.decode("utf-8", "replace")

    def chunks(self, path: str, size: int = 8 << 20) -> Iterator[bytes]:
        """A regular file's bytes in chunks (for hashing); nothing if it is unreadable."""
        resolved = self.resolve(path)
        found = self.entry(resolved) if resolved is not None else None
        if resolved is None or found is None or found.kind != "file":
            return
        offset = 0
        while chunk := self.read_resolved(resolved, offset, size):
            yield chunk
            offset += len(chunk)

    def sha256(self, path: str, progress: Callable[[int], None] | None = None) -> str | None:
        """A regular file's sha256, read in chunks (``progress`` hears the bytes so far); None
        when it is no regular file."""
        if not self.is_file(path):
            return None
        digest = hashlib.sha256()
        done = 0
        for chunk in self.chunks(path):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done)
        return digest.hexdigest()

    def glob(self, pattern: str) -> list[str]:
        """Node paths matching an absolute shell pattern (``*`` within one name), sorted."""
        found = ["/"]
        for part in (p for p in pattern.split("/") if p):
            matches: list[str] = []
            for directory in found:
                if any(c in part for c in "*?["):
                    names = fnmatch.filter(self.listdir(directory), part)
                else:
                    names = [part] if self.stat(join(directory, part), follow=False) else []
                matches.extend(join(directory, name) for name in names)
            found = matches
        return sorted(found) if found != ["/"] else []

    def walk_files(self, path: str, skip: frozenset[str], depth: int) -> Iterator[str]:
        """Regular files below ``path`` (not following links), ``depth`` levels at most.

        Directories whose node path is in ``skip`` are not entered.
        """
        pending = [(path, 0)]
        while pending:
            directory, level = pending.pop()
            for name, found in self.entries(directory).items():
                child = join(directory, name)
                if child in skip:
                    continue
                if found.kind == "dir":
                    if level + 1 < depth:
                        pending.append((child, level + 1))
                elif found.kind == "file":
                    yield child


class DirectoryRoot(NodeRoot):
    """A node's root mounted or copied at a directory of this machine."""

    def __init__(self, top: str) -> None:
        self.top = top  # as the user named it: what the screens and documents show
        self.base = os.path.abspath(top)

    def __repr__(self) -> str:
        return f"DirectoryRoot({self.top!r})"

    def host_path(self, resolved: str) -> str:
        return os.path.join(self.base, resolved.lstrip("/"))

    def entry(self, resolved: str) -> Entry | None:
        try:
            info = os.lstat(self.host_path(resolved))
        except OSError:
            return None
        mode = info.st_mode
        return Entry(kind_of(mode), info.st_size, mode, info.st_uid, info.st_gid,
                     info.st_mtime_ns, info.st_rdev)  # fmt: skip

    def xattr(self, resolved: str, name: str) -> bytes | None:
        try:
            return os.getxattr(self.host_path(resolved), name, follow_symlinks=False)
        except OSError:
            return None

    def xattrs(self, resolved: str) -> dict[str, bytes]:
        where = self.host_path(resolved)
        try:
            names = os.listxattr(where, follow_symlinks=False)
        except OSError:
            return {}
        found = {}
        for name in names:
            value = self.xattr(resolved, name)
            if value is not None:
                found[name] = value
        return found

    def readlink(self, resolved: str) -> str | None:
        try:
            return os.readlink(self.host_path(resolved))
        except OSError:
            return None

    def entries(self, path: str) -> dict[str, Entry]:
        resolved = self.resolve(path)
        if resolved is None:
            return {}
        found = {}
        try:
            with os.scandir(self.host_path(resolved)) as listing:
                for item in listing:
                    try:
                        info = item.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    found[item.name] = Entry(kind_of(info.st_mode), info.st_size, info.st_mode,
                                             info.st_uid, info.st_gid, info.st_mtime_ns, info.st_rdev)  # fmt: skip
        except OSError:
            return {}
        return dict(sorted(found.items()))

    def names(self, resolved: str) -> list[str]:
        try:
            return os.listdir(self.host_path(resolved))
        except OSError:
            return []

    def read_resolved(self, resolved: str, offset: int, length: int) -> bytes | None:
        return read_quietly(self.host_path(resolved), offset, length)

    def open_bolt(self, path: str, *, copy_up_to: int = 0) -> BoltFile:
        resolved = self.resolve(path)
        if resolved is None or not self.is_file(resolved):
            raise FileNotFoundError(2, "no such file in the node", path)
        if copy_up_to:
            return BoltFile.open(self.host_path(resolved), snapshot=None, copy_up_to=copy_up_to)
        return BoltFile.open(self.host_path(resolved), snapshot=False)


def kind_of(mode: int) -> str:
    """An entry's kind from its mode bits."""
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "link"
    return "char" if stat.S_ISCHR(mode) else "other"


def join(directory: str, name: str) -> str:
    """A node path below ``directory``."""
    return directory.rstrip("/") + "/" + name
