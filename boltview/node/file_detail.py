"""One file of a container's view, as the browser's detail pane shows it.

What ``ls -l`` and ``stat`` would say (mode, owner, size, times), which
layer the file comes from and where that is on the node, a link's target
(and where it leads inside the view, never on this machine), its extended
attributes, and its first bytes for a preview: a bounded read, whatever the
file's size.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from boltview.node.root import DirectoryRoot, Entry
from boltview.node.rootfs import Found, Layer, MergedView

#: The most of a file read for its preview.
PREVIEW_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileDetail:
    """A name of the view with everything the detail pane says of it."""

    path: str  # in the view
    entry: Entry
    layer: Layer
    node_path: str  # where the entry is on the node
    atime_ns: int | None  # None: the node's reader does not give it (a disk image)
    ctime_ns: int | None
    link: str | None
    leads_to: str | None  # a link's target resolved inside the view; None: nowhere in it
    leads_to_kind: str | None
    xattrs: dict[str, bytes]
    head: bytes  # the first bytes of a regular file, at most PREVIEW_BYTES
    full_stat: bool = True  # False: the node's reader gives the type and size only (a disk image)

    @property
    def mode_text(self) -> str:
        """The mode as ``ls -l`` shows it (``-rwxr-xr-x``)."""
        return stat.filemode(self.entry.mode) if self.entry.mode else "?" * 10

    @property
    def whole(self) -> bool:
        """Whether ``head`` is the whole file."""
        return len(self.head) >= self.entry.size


def file_detail(view: MergedView, path: str, found: Found, limit: int = PREVIEW_BYTES) -> FileDetail:
    """Read what the detail pane shows of ``path`` (``found`` in ``view``), bounded by ``limit``."""
    node, entry = view.node, found.entry
    atime = ctime = None
    if isinstance(node, DirectoryRoot):
        try:
            info = os.lstat(node.host_path(found.path))
            atime, ctime = info.st_atime_ns, info.st_ctime_ns
        except OSError:
            pass
    link = leads_to = leads_to_kind = None
    if entry.kind == "link":
        link = node.readlink(found.path)
        leads_to = view.resolve(path)  # inside the view: its / is the container's
        target = view.find(leads_to) if leads_to is not None else None
        leads_to_kind = target.entry.kind if target is not None else None
        if target is None:
            leads_to = None
    head = b""
    if entry.kind == "file" and limit > 0:
        head = node.read_resolved(found.path, 0, min(limit, max(entry.size, 1))) or b""
    return FileDetail(path, entry, view.layers[found.layer], found.path, atime, ctime, link,
                      leads_to, leads_to_kind, node.xattrs(found.path), head,
                      isinstance(node, DirectoryRoot))  # fmt: skip


def type_marker(entry: Entry) -> str:
    """``ls -F``'s mark of an entry's type: ``/`` directory, ``@`` link, ``*`` executable,
    ``|`` fifo, ``=`` socket, ``%`` device; nothing for a plain file."""
    mode = entry.mode
    if entry.kind == "dir":
        return "/"
    if entry.kind == "link":
        return "@"
    if entry.kind == "file":
        return "*" if mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) else ""
    if stat.S_ISFIFO(mode):
        return "|"
    if stat.S_ISSOCK(mode):
        return "="
    return "%"


def looks_like_text(data: bytes) -> bool:
    """Whether bytes read as UTF-8 text (a character cut at the end allowed), without NULs,
    and mostly printable."""
    if not data:
        return True
    if b"\x00" in data:
        return False
    for cut in range(4):  # a multi-byte character cut by the bounded read
        try:
            text = data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        control = sum(1 for char in text if not char.isprintable() and char not in "\n\t\r\f")
        return control * 20 <= len(text)
    return False


#: The first bytes of formats worth naming in the hex dump of a file.
MAGIC = (
    (b"\x7fELF", "ELF executable or library"),
    (b"#!", "script (interpreter line)"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"(\xb5/\xfd", "zstd"),
    (b"BZh", "bzip2"),
    (b"\xed\xab\xee\xdb", "RPM package"),
    (b"!<arch>\n", "ar archive (a .deb, a static library)"),
)


def magic_regions(data: bytes) -> list[tuple[int, int, str]]:
    """What the file's first bytes say it is, as a region of the hex dump (or nothing)."""
    for magic, what in MAGIC:
        if data.startswith(magic):
            return [(0, len(magic), what)]
    return []
