"""The terminal browser (Textual): ``run(db)`` opens it on an opened BoltFile.

Textual is imported only when the browser runs, so the CLI's raw verbs stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile
    from boltview.containerd.listing import ContentStore
    from boltview.containerd.snapshotter import SnapshotterDB
    from boltview.node.target import NodeTarget
    from boltview.tui.app import BoltviewApp


def make_app(
    db: BoltFile,
    *,
    snapshotter_dbs: Mapping[str, SnapshotterDB] | None = None,
    content: ContentStore | None = None,
    files: NodeTarget | None = None,
    **options: object,
) -> BoltviewApp:
    """The browser app for ``db`` (see :func:`boltview.tui.app.make_app`).

    ``snapshotter_dbs`` and ``content`` are what
    :mod:`boltview.containerd.companions` found or was given for a containerd
    metadata database: the snapshotters' own databases and the content store.
    ``files`` is the install whose snapshot directories hold the containers'
    files (from the node overview); without it they are looked for beside the file.
    """
    from boltview.tui.app import make_app as factory
    from boltview.tui.files_source import FilesSource

    app = factory(db, **options)  # type: ignore[arg-type]
    if app.model is not None and (snapshotter_dbs or content is not None):
        app.model.attach(snapshotter_dbs or {}, content)
    if app.model is not None and files is not None:
        app.model.files = FilesSource(files)
    return app


def run(
    db: BoltFile,
    snapshotter_dbs: Mapping[str, SnapshotterDB] | None = None,
    content: ContentStore | None = None,
    files: NodeTarget | None = None,
) -> None:
    """Browse ``db`` in the terminal until the user quits."""
    make_app(db, snapshotter_dbs=snapshotter_dbs, content=content, files=files).run()


__all__ = ["make_app", "run"]
