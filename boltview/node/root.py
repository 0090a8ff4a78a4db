"""A node's filesystem, seen from the directory it is mounted or copied at.

An investigator's copy of a node is a directory (``/mnt/evidence``) that holds
the node's ``/`` (``/mnt/evidence/var/lib/containerd/...``).  Paths here are
the node's own, absolute (``/var/lib/containerd``), and are resolved the way the
node would resolve them, as if chrooted: an absolute symlink is read from the
top of the copy, ``..`` stops at it, and nothing ever leads outside it.  A
hostile link to ``/etc/shadow`` is the copy's ``/etc/shadow``, never the
investigator's own.

Nothing is written, and nothing is opened but to read.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

_MAX_LINKS = 40  # as the kernel's MAXSYMLINKS


class NodeRoot:
    """The files of one node, below ``top``, read-only and never left."""

    def __init__(self, top: str) -> None:
        self.top = os.path.abspath(top)

    def __repr__(self) -> str:
        return f"NodeRoot({self.top!r})"

    def host_path(self, path: str, *, follow: bool = True) -> str | None:
        """Where the node's ``path`` is on this machine, symlinks resolved inside the copy.

        None when it does not exist, or a link loops or leads nowhere.  With
        ``follow`` off, a link in the last place is the link itself.
        """
        if not follow:
            parent, _, name = path.rstrip("/").rpartition("/")
            where = self.host_path(parent or "/")
            if where is None or name in ("", ".", ".."):
                return where if name in ("", ".") else self.host_path(path)
            return os.path.join(where, name) if os.path.lexists(os.path.join(where, name)) else None
        parts = [p for p in path.split("/") if p not in ("", ".")]
        resolved: list[str] = []
        links = 0
        while parts:
            name = parts.pop(0)
            if name == "..":
                if resolved:
                    resolved.pop()
                continue
            here = os.path.join(self.top, *resolved, name)
            try:
                info = os.lstat(here)
            except OSError:
                return None
            if stat.S_ISLNK(info.st_mode):
                links += 1
                if links > _MAX_LINKS:
                    return None
                target = os.readlink(here)
                if target.startswith("/"):
                    resolved = []
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            resolved.append(name)
        return os.path.join(self.top, *resolved)

    def lstat(self, path: str, *, follow: bool = True) -> os.stat_result | None:
        """The file's facts (of the link itself when ``follow`` is off); None if missing."""
        found = self.host_path(path, follow=follow)
        if found is None:
            return None
        try:
            return os.lstat(found)
        except OSError:
            return None

    def is_dir(self, path: str) -> bool:
        info = self.lstat(path)
        return info is not None and stat.S_ISDIR(info.st_mode)

    def is_file(self, path: str) -> bool:
        info = self.lstat(path)
        return info is not None and stat.S_ISREG(info.st_mode)

    def listdir(self, path: str) -> list[str]:
        """The names in a directory, sorted; empty when it is none."""
        found = self.host_path(path)
        if found is None:
            return []
        try:
            return sorted(os.listdir(found))
        except OSError:
            return []

    @contextmanager
    def opened(self, path: str) -> Iterator[int | None]:
        """A read-only descriptor of a regular file (without touching its access time), or None."""
        found = self.host_path(path)
        fd = None
        if found is not None and self.is_file(path):
            flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
            try:
                fd = os.open(found, flags | getattr(os, "O_NOATIME", 0))
            except PermissionError:  # O_NOATIME needs the file's owner
                fd = _open_or_none(found, flags)
            except OSError:
                fd = None
        try:
            yield fd
        finally:
            if fd is not None:
                os.close(fd)

    def read(self, path: str, offset: int, length: int) -> bytes | None:
        """Up to ``length`` bytes of a regular file at ``offset``; None if unreadable."""
        with self.opened(path) as fd:
            if fd is None:
                return None
            try:
                return os.pread(fd, length, offset)
            except OSError:
                return None

    def read_text(self, path: str, limit: int = 1 << 20) -> str | None:
        """A small text file (a config), at most ``limit`` bytes of it; None if unreadable."""
        data = self.read(path, 0, limit)
        return None if data is None else data.decode("utf-8", "replace")

    def glob(self, pattern: str) -> list[str]:
        """Node paths matching an absolute shell pattern (``*`` within one name), sorted."""
        found = ["/"]
        for part in (p for p in pattern.split("/") if p):
            matches: list[str] = []
            for directory in found:
                if any(c in part for c in "*?["):
                    names = fnmatch.filter(self.listdir(directory), part)
                else:
                    names = [part] if self.lstat(join(directory, part)) else []
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
            for name in self.listdir(directory):
                child = join(directory, name)
                info = self.lstat(child, follow=False)
                if info is None or child in skip:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    if level + 1 < depth:
                        pending.append((child, level + 1))
                elif stat.S_ISREG(info.st_mode):
                    yield child


def _open_or_none(path: str, flags: int) -> int | None:
    try:
        return os.open(path, flags)
    except OSError:
        return None


def join(directory: str, name: str) -> str:
    """A node path below ``directory``."""
    return directory.rstrip("/") + "/" + name
