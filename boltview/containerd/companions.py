"""The files that complete a ``meta.db``: each snapshotter's own database, and the content store.

``meta.db`` does not know a snapshot's kind, id or disk usage (the
snapshotter's ``metadata.db`` does), nor an image's platforms or an ingest's
progress (the content store's files do).  Both the command line and the
browser take them as ``--snapshotter-db [NAME=]PATH`` and ``--content-root
DIR``, and find them by themselves, with the same functions here:

- on a node, beside ``meta.db``'s plugin directory::

      <root>/io.containerd.metadata.v1.bolt/meta.db
      <root>/io.containerd.snapshotter.v1.<name>/metadata.db   for each snapshotter meta.db uses
      <root>/io.containerd.content.v1.content/                 (with its blobs/ directory)

- in a copy, next to the file: ``<name>.metadata.db`` or ``<name>-metadata.db``.

A file found by itself that is not a snapshotter's database is left alone; one
given by name must be one.  Every file is opened read-only, like meta.db.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from boltview.containerd import schema as S
from boltview.containerd.listing import ContentStore
from boltview.containerd.reader import SNAPSHOTTER as SNAPSHOTTER_KIND
from boltview.containerd.reader import MetadataReader, NotContainerdError, detect_kind
from boltview.containerd.snapshotter import SnapshotterDB, snapshotter_name_from_path
from boltview.errors import BoltviewError

__all__ = [
    "CONTENT_PLUGIN_DIR", "SnapshotterUnknownError", "content_root_beside", "content_store",
    "snapshotter_db_beside", "snapshotter_dbs",
]  # fmt: skip

CONTENT_PLUGIN_DIR = "io.containerd.content.v1.content"

COPY_SUFFIXES = (".metadata.db", "-metadata.db")
"""How a copy of a snapshotter's database is named next to a copy of meta.db."""


class SnapshotterUnknownError(BoltviewError):
    """A bare ``--snapshotter-db PATH`` whose snapshotter cannot be told: a usage error."""


# -- finding them --------------------------------------------------------------------------


def snapshotter_db_beside(meta_path: str, snapshotter: str) -> str | None:
    """The database of snapshotter ``snapshotter`` beside ``meta_path``, if there is one.

    ``/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db`` has its
    overlayfs database at ``/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db``;
    a copy ``backup/meta.db`` at ``backup/overlayfs.metadata.db`` (or ``-metadata.db``).
    """
    if not snapshotter or "/" in snapshotter or snapshotter.startswith("."):
        return None
    plugin_dir = os.path.dirname(os.path.abspath(meta_path))
    candidates = [os.path.join(plugin_dir, snapshotter + suffix) for suffix in COPY_SUFFIXES]
    if os.path.basename(plugin_dir) == S.METADATA_PLUGIN_DIR:
        node = os.path.join(os.path.dirname(plugin_dir), S.SNAPSHOTTER_PLUGIN_PREFIX + snapshotter)
        candidates.insert(0, os.path.join(node, "metadata.db"))
    return next((path for path in candidates if os.path.isfile(path)), None)


def content_root_beside(meta_path: str) -> str | None:
    """The content store beside a node's ``meta.db`` (a directory holding ``blobs/``), if there."""
    plugin_dir = os.path.dirname(os.path.abspath(meta_path))
    root = os.path.join(os.path.dirname(plugin_dir), CONTENT_PLUGIN_DIR)
    return root if os.path.isdir(os.path.join(root, "blobs")) else None


def content_store(meta_path: str, content_root: str | None) -> ContentStore | None:
    """The content store given (it must be a directory), else the one found beside meta.db."""
    if content_root:
        if not os.path.isdir(content_root):
            raise BoltviewError(f"--content-root {content_root}: not a directory")
        return ContentStore(content_root)
    found = content_root_beside(meta_path)
    return ContentStore(found) if found is not None else None


# -- opening them --------------------------------------------------------------------------


@contextmanager
def snapshotter_dbs(
    reader: MetadataReader, path: str, snapshot: bool | None, given: tuple[str, ...] = ()
) -> Iterator[dict[str, SnapshotterDB]]:
    """The snapshotter databases of ``reader``'s meta.db by name, joined to it; closed after.

    ``given`` are ``--snapshotter-db [NAME=]PATH`` values; each snapshotter
    meta.db uses that none of them names is looked for beside ``path``.
    """
    opened: list[SnapshotterDB] = []
    try:
        for spec in given:
            name, _, sdb_path = spec.rpartition("=")
            sdb = SnapshotterDB.open(sdb_path, name or _guess_snapshotter(reader, sdb_path),
                                     snapshot=snapshot)  # fmt: skip
            opened.append(sdb)
            if detect_kind(sdb.db) != SNAPSHOTTER_KIND:
                raise NotContainerdError(
                    f"{sdb_path} is not a snapshotter database ({detect_kind(sdb.db)}); "
                    "--snapshotter-db wants io.containerd.snapshotter.v1.<name>/metadata.db"
                )
            reader.snapshotter_dbs[sdb.name] = sdb
        for name in _all_snapshotters(reader):
            found = snapshotter_db_beside(path, name) if name not in reader.snapshotter_dbs else None
            beside = _open_found(found, name, snapshot) if found is not None else None
            if beside is not None:
                opened.append(beside)
                reader.snapshotter_dbs[name] = beside
        yield dict(reader.snapshotter_dbs)
    finally:
        for sdb in opened:
            sdb.close()


def _open_found(path: str, name: str, snapshot: bool | None) -> SnapshotterDB | None:
    """A database found by itself, if it is a snapshotter's; anything else is left alone."""
    try:
        sdb = SnapshotterDB.open(path, name, snapshot=snapshot)
    except (BoltviewError, OSError):
        return None
    try:
        if detect_kind(sdb.db) == SNAPSHOTTER_KIND:
            return sdb
    except BoltviewError:
        pass
    sdb.close()
    return None


def _all_snapshotters(reader: MetadataReader) -> list[str]:
    names: set[str] = set()
    for namespace in reader.namespace_names():
        try:
            names.update(reader.snapshotter_names(namespace))
        except BoltviewError:  # a damaged namespace: its snapshotters stay unknown
            continue
    return sorted(names)


def _guess_snapshotter(reader: MetadataReader, path: str) -> str:
    """A bare PATH: the name in its directory or file name, else the one snapshotter meta.db uses."""
    named = snapshotter_name_from_path(path)
    if named:
        return named
    base = os.path.basename(path)
    for suffix in COPY_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    used = _all_snapshotters(reader)
    if len(used) == 1:
        return used[0]
    if "overlayfs" in used or not used:
        return "overlayfs"
    raise SnapshotterUnknownError(
        f"say which snapshotter {path} belongs to: --snapshotter-db NAME={path} "
        f"(meta.db uses {', '.join(used)})"
    )
