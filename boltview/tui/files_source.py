"""Where the browser reads containers' and snapshots' files from.

From the node overview, the install chosen there (its :class:`NodeTarget`:
a directory or a disk image alike).  On a plain file, the install the file
lies in, when it is a containerd root's ``io.containerd.metadata.v1.bolt/meta.db``
(:func:`~boltview.node.target.install_beside`); otherwise there are no
snapshot directories, and the browser says so where the files would be.
Nothing here knows Textual.
"""

from __future__ import annotations

import threading

from boltview.containerd.model import Container, Snapshot
from boltview.containerd.reader import MetadataReader
from boltview.errors import BoltviewError
from boltview.node.rootfs import MergedView
from boltview.node.target import (
    WHOLE_COPY_SNAPSHOTTERS,
    NodeTarget,
    install_beside,
    snapshot_layers,
)


class FilesUnavailable(BoltviewError):
    """No files to show for an object, and why (one line)."""


class FilesSource:
    """An install's snapshot directories, or why there are none."""

    def __init__(self, target: NodeTarget | None, why: str | None = None) -> None:
        self.target = target
        self.why = why or "no snapshot directories known for this file"

    @classmethod
    def beside(cls, meta_path: str) -> FilesSource:
        """The install ``meta_path`` (a file on this machine) lies in."""
        target, why = install_beside(meta_path)
        return cls(target, why)

    def view(self, reader: MetadataReader, lock: threading.RLock, owner: Container | Snapshot,
             *, with_parent: bool = False) -> MergedView:  # fmt: skip
        """``owner``'s filesystem: its snapshot chain's directories, merged.

        ``with_parent``: a whole copy's parent copy under it (for drift).
        FilesUnavailable when there is nothing to read.
        """
        if self.target is None:
            raise FilesUnavailable(self.why)
        with lock:  # the snapshot chain is read from meta.db and the snapshotter's database
            if isinstance(owner, Container):
                snapshot = reader.container_snapshot(owner)
                if snapshot is None:
                    raise FilesUnavailable(f"its snapshot {owner.snapshot_key!r} ({owner.snapshotter}) "
                                           "is not in meta.db: its writable layer is unknown")  # fmt: skip
            else:
                snapshot = owner
            layers = snapshot_layers(self.target, reader, snapshot, with_parent=with_parent)
        return MergedView(self.target.node, layers)


def whole_copy(owner: Container | Snapshot) -> bool:
    """Whether ``owner``'s snapshotter keeps whole copies (native), not layers (overlayfs)."""
    return owner.snapshotter in WHOLE_COPY_SNAPSHOTTERS
