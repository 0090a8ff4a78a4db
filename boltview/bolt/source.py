"""Read-only access to the bytes of a file, and nothing more.

boltview's first promise is that it never changes the file it reads: it never
creates it, never writes it, never locks it (no flock, no fcntl), never even
updates its access time when the kernel lets us say so (``O_NOATIME``).  All of
that is kept here, in one small class, so it can be read and checked at once.

Pages are read with ``pread`` rather than ``mmap``: a live database that its
writer truncates or regrows under a mapping kills the reader with SIGBUS, while
``pread`` just returns fewer bytes.  It also keeps the reader's resident memory
small, because the page cache is not counted against the process.
"""

from __future__ import annotations

import errno
import os
import resource
import stat
import weakref
from collections.abc import Iterator

from boltview.errors import InvalidDatabaseError

# O_NONBLOCK only matters for what is refused anyway (a FIFO swapped in after
# the stat); for regular files and block devices reads are unchanged.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_NOATIME = getattr(os, "O_NOATIME", 0)


class Source:
    """The bytes of a bolt file: a read-only descriptor, or an in-memory copy."""

    def __init__(self, path: str, *, snapshot: bool = False) -> None:
        self.path = path
        # A FIFO would block open() until a writer comes: look before opening, and
        # open without blocking in case the path changed between the two.
        _refuse_unreadable_kind(path, _stat(path))
        self._fd = _open_read_only(path)
        # Closed by ``close``, or when nothing refers to the source any more: a
        # browser that reloads drops old views that a worker may still be reading.
        self._closer = weakref.finalize(self, os.close, self._fd)
        self._data: bytes | None = None
        try:
            info = os.fstat(self._fd)
            _refuse_unreadable_kind(path, info)
            self.stat = info
            self._size = info.st_size
            if snapshot:
                self.take_snapshot()
        except BaseException:
            self.close()
            raise

    @property
    def size(self) -> int:
        """The file's size when last looked at; ``refresh_size`` looks again."""
        if self._data is not None:
            return len(self._data)
        return self._size

    def refresh_size(self) -> int:
        """A live file grows while we read it: look at its size again."""
        if self._data is None and self._fd >= 0:
            self._size = os.fstat(self._fd).st_size
        return self.size

    @property
    def is_snapshot(self) -> bool:
        return self._data is not None

    @property
    def snapshot(self) -> bytes | None:
        """The copy in memory that reads come from, or None when they come from the file."""
        return self._data

    def fileno(self) -> int:
        """The read-only descriptor, for a hot loop of ``os.pread`` calls of its own (only
        when not :attr:`reads_its_own_way`)."""
        return self._fd

    @property
    def reads_its_own_way(self) -> bool:
        """Whether the file is read otherwise than by ``pread`` on a descriptor of its own
        (a file inside a disk image, through a stream shared with other files)."""
        return type(self).read_live is not Source.read_live

    def take_snapshot(self) -> None:
        """Copy the whole file into memory; reads then come from the copy."""
        self._data = None
        self._data = self._read_all()

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset``; fewer only at the end of the file."""
        if self._data is not None:
            return self._data[offset : offset + length]
        return self.read_live(offset, length)

    def read_live(self, offset: int, length: int) -> bytes:
        """Read the file itself, even when working from a snapshot."""
        first = os.pread(self._fd, length, offset) if length > 0 else b""
        if len(first) == length or not first:  # nearly always: the whole of it at once
            return first
        chunks = [first]
        offset += len(first)
        length -= len(first)
        while length > 0:
            chunk = os.pread(self._fd, length, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
            length -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def chunks(self, size: int, end: int) -> Iterator[bytes | memoryview]:
        """The bytes up to ``end`` (fewer if the file is shorter), in order, ``size`` at a time.

        Each chunk is good until the next is asked for: the file is read into
        one buffer over and over (a snapshot is given as views of the copy).
        """
        offset = 0
        if self._data is not None:
            view = memoryview(self._data)[:end]
            while offset < len(view):
                yield view[offset : offset + size]
                offset += size
            return
        if self.reads_its_own_way:
            while offset < end and (chunk := self.read(offset, min(size, end - offset))):
                yield chunk
                offset += len(chunk)
            return
        buffer = bytearray(size)
        view = memoryview(buffer)
        while offset < end:
            if end - offset < size:
                view = view[: end - offset]
            got = os.preadv(self._fd, [view], offset)
            if got <= 0:
                return
            yield view[:got]
            offset += got

    def _read_all(self) -> bytes:
        size = os.fstat(self._fd).st_size
        data = self.read_live(0, size)
        # A writer may have grown the file meanwhile: take what is there now.
        while True:
            more = os.pread(self._fd, 1 << 20, len(data))
            if not more:
                return data
            data += more

    def replaced(self) -> bool:
        """Whether the path now names another file than the one we read (or none).

        A writer that compacts its database writes a new file and renames it
        over the old one; the descriptor we hold still reads the old one.
        """
        now = _stat(self.path)
        return now is None or (now.st_dev, now.st_ino) != (self.stat.st_dev, self.stat.st_ino)

    def close(self) -> None:
        if self._fd >= 0:
            self._fd = -1
            self._closer()


def _refuse_unreadable_kind(path: str, info: os.stat_result | None) -> None:
    """Only regular files and block devices hold a bolt file; say so of anything else."""
    if info is None:
        return
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise InvalidDatabaseError(f"{path}: is a directory, not a bolt file")
    if stat.S_ISFIFO(mode):
        raise InvalidDatabaseError(f"{path}: is a FIFO, not a bolt file")
    if stat.S_ISSOCK(mode):
        raise InvalidDatabaseError(f"{path}: is a socket, not a bolt file")
    if stat.S_ISCHR(mode):
        raise InvalidDatabaseError(f"{path}: is a character device, not a bolt file")
    if not stat.S_ISREG(mode) and not stat.S_ISBLK(mode):
        raise InvalidDatabaseError(f"{path}: not a regular file")


def _stat(path: str) -> os.stat_result | None:
    """The path's kind before opening it; None leaves the error to ``open``."""
    try:
        return os.stat(path)
    except OSError:
        return None


def open_quietly(path: str) -> int:
    """A read-only descriptor of ``path`` that does not touch its access time where the kernel
    allows (``O_NOATIME`` is refused on files we do not own: then without it); OSError else."""
    try:
        return os.open(path, _READ_FLAGS | _NOATIME)
    except PermissionError:
        if not _NOATIME:
            raise
        return os.open(path, _READ_FLAGS)


def _open_read_only(path: str) -> int:
    try:
        return open_quietly(path)
    except FileNotFoundError:
        raise InvalidDatabaseError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidDatabaseError(f"{path}: is a directory, not a bolt file") from None
    except PermissionError:
        raise InvalidDatabaseError(f"{path}: permission denied") from None
    except OSError as error:
        if error.errno == errno.ENOTDIR:
            raise InvalidDatabaseError(f"{path}: no such file") from None
        raise InvalidDatabaseError(f"{path}: cannot open: {error.strerror}") from None


def chunks_quietly(path: str, size: int = 8 << 20, offset: int = 0) -> Iterator[bytes] | None:
    """A file's bytes from ``offset``, in chunks, read-only and without touching its access
    time where the kernel allows; None when it cannot be opened.  (Any file beside a bolt
    file: a content store's blobs, a node's configs.)"""
    try:
        fd = open_quietly(path)
    except OSError:
        return None
    return _chunks(fd, size, offset)


def _chunks(fd: int, size: int, offset: int) -> Iterator[bytes]:
    try:
        while chunk := os.pread(fd, size, offset):
            yield chunk
            offset += len(chunk)
    except OSError:
        return
    finally:
        os.close(fd)


def read_quietly(path: str, offset: int = 0, length: int | None = None) -> bytes | None:
    """Up to ``length`` bytes (all, by default) of a file at ``offset``, as ``chunks_quietly``."""
    size = length if length is not None else 8 << 20
    pieces = chunks_quietly(path, size, offset)
    if pieces is None:
        return None
    if length is not None:
        first = next(pieces, b"")
        pieces.close()  # type: ignore[attr-defined]
        return first
    return b"".join(pieces)


#: A snapshot may take at most this share of the memory available to us: reading
#: joins chunks, so a copy briefly needs twice the file, and the reader needs room too.
SNAPSHOT_MEMORY_SHARE = 1 / 3


def memory_available() -> int | None:
    """Bytes this process may still allocate, as far as we can tell, or None.

    The least of the kernel's ``MemAvailable``, the address-space limit
    (``ulimit -v``) less what is mapped now, and the cgroup's ``memory.max``
    less its ``memory.current``.
    """
    limits = []
    meminfo = _read_text("/proc/meminfo")
    for line in meminfo.splitlines():
        if line.startswith("MemAvailable:"):
            limits.append(int(line.split()[1]) * 1024)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        statm = _read_text("/proc/self/statm").split()
        mapped = int(statm[0]) * os.sysconf("SC_PAGE_SIZE") if statm else 0
        limits.append(max(soft - mapped, 0))
    cap, used = _read_text("/sys/fs/cgroup/memory.max"), _read_text("/sys/fs/cgroup/memory.current")
    if cap.strip().isdigit() and used.strip().isdigit():
        limits.append(max(int(cap) - int(used), 0))
    return min(limits) if limits else None


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="ascii") as file:
            return file.read()
    except (OSError, ValueError):
        return ""
