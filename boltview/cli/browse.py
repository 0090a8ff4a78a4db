"""The browser, started from the command line: a file with what completes it.

``open`` and ``demo`` start it on a file, ``scan``'s node overview on a file
of a node.  A small file is read from a snapshot by default; the browser
itself notices a writer that moves the file on (see ``boltview.tui.live``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from boltview.bolt.file import BROWSE_SNAPSHOT_LIMIT, BoltFile
from boltview.cli.options import UserError

if TYPE_CHECKING:
    from boltview.node.target import NodeTarget


def browse(
    path: str, meta: int | None, snapshot: bool | None, snapshotter_dbs: tuple[str, ...],
    content_root: str | None,
) -> None:  # fmt: skip
    """Run the browser on ``path``, with what completes it when it is containerd's metadata.

    A small file is read from a snapshot by default.  Not ``open_db``: the
    browser itself notices a writer that moves the file on (see
    ``boltview.tui.live``), and reloads it.
    """
    db = BoltFile.open(path, meta=meta, snapshot=snapshot, copy_up_to=BROWSE_SNAPSHOT_LIMIT)
    try:
        browse_db(db, path, db.is_snapshot, snapshotter_dbs, content_root)
    finally:
        db.close()


def browse_db(
    db: BoltFile, path: str, snapshot: bool | None, snapshotter_dbs: tuple[str, ...],
    content_root: str | None, files: NodeTarget | None = None,
) -> None:  # fmt: skip
    """The browser on an opened ``db``, its snapshotters and content store found or given
    (and ``files``, the install the node overview opened it from)."""
    from boltview.tui import run  # imported here: the raw verbs never load Textual
    from boltview.tui.model import detect

    if detect(db) != "containerd-metadata":
        if snapshotter_dbs or content_root:
            raise UserError(f"{path} is not containerd metadata: --snapshotter-db and "
                            "--content-root go with a meta.db")  # fmt: skip
        run(db)
        return
    from boltview.cli.containerd import snapshotter_usage
    from boltview.containerd import companions
    from boltview.containerd.reader import MetadataReader

    store = companions.content_store(path, content_root)
    reader = MetadataReader(db, check=False)
    with snapshotter_usage(), companions.snapshotter_dbs(reader, path, snapshot,
                                                         snapshotter_dbs) as found:  # fmt: skip
        run(db, found, store, files)
