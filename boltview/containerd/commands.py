"""What the containerd verbs do, without their command line.

``boltview.cli.containerd`` holds the verbs (``ls``, ``inspect``, ``export``:
options, tables, trees); this module holds the work under them that is not
about a terminal:

- :func:`open_reader`: a meta.db as containerd metadata, with the snapshotter
  databases named by ``--snapshotter-db`` or found beside it;
- :func:`write_export`: the whole model as one JSON document, to stdout or to a
  file that is replaced only when the document is whole.

Errors are :class:`~boltview.errors.BoltviewError`; the CLI turns them into one
line on stderr (an unknown snapshotter into a usage error).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from boltview.bolt.file import BoltFile, reading
from boltview.containerd.export import export
from boltview.containerd.reader import SNAPSHOTTER as SNAPSHOTTER_KIND
from boltview.containerd.reader import (
    MetadataReader,
    NotContainerdError,
    detect_kind,
    require_metadata,
)
from boltview.containerd.snapshotter import (
    SnapshotterDB,
    sibling_snapshotter_db,
    snapshotter_name_from_path,
)
from boltview.errors import BoltviewError


class SnapshotterUnknownError(BoltviewError):
    """A bare ``--snapshotter-db PATH`` whose snapshotter cannot be told: a usage error."""


# -- opening ------------------------------------------------------------------------------


@contextmanager
def open_reader(
    path: str, meta: int | None, snapshot: bool | None, snapshotter_dbs: tuple[str, ...]
) -> Iterator[MetadataReader]:
    """The file as containerd metadata, with its snapshotter databases; all closed after.

    The read is checked as one transaction (``boltview.bolt.file.reading``).
    """
    with reading(path, meta=meta, snapshot=snapshot) as db:
        yield from _with_snapshotters(db, path, snapshot, snapshotter_dbs)


def _with_snapshotters(
    db: BoltFile, path: str, snapshot: bool | None, snapshotter_dbs: tuple[str, ...]
) -> Iterator[MetadataReader]:
    opened: list[SnapshotterDB] = []
    try:
        require_metadata(db)
        reader = MetadataReader(db, check=False)
        for spec in snapshotter_dbs:
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
            sibling = sibling_snapshotter_db(path, name)
            if name not in reader.snapshotter_dbs and sibling is not None:
                sdb = SnapshotterDB.open(sibling, name, snapshot=snapshot)
                opened.append(sdb)
                reader.snapshotter_dbs[name] = sdb
        yield reader
    finally:
        for sdb in opened:
            sdb.close()


def _all_snapshotters(reader: MetadataReader) -> list[str]:
    return sorted({s for ns in reader.namespace_names() for s in reader.snapshotter_names(ns)})


def _guess_snapshotter(reader: MetadataReader, path: str) -> str:
    """A bare PATH: the name in its directory, else the one snapshotter meta.db uses."""
    named = snapshotter_name_from_path(path)
    if named:
        return named
    used = _all_snapshotters(reader)
    if len(used) == 1:
        return used[0]
    if "overlayfs" in used or not used:
        return "overlayfs"
    raise SnapshotterUnknownError(
        f"say which snapshotter {path} belongs to: --snapshotter-db NAME={path} "
        f"(meta.db uses {', '.join(used)})"
    )


# -- export ----------------------------------------------------------------------------------


def write_export(
    path: str, output: str | None, namespace: str | None, indent: int | None,
    meta: int | None, snapshot: bool | None, snapshotter_dbs: tuple[str, ...],
) -> MetadataReader:  # fmt: skip
    """Export the file at ``path`` to ``output`` (stdout if None); the reader, for its problems.

    The document is written by this module's :func:`export` (tests replace it
    to fail halfway).
    """
    with _destination(output) as out, open_reader(path, meta, snapshot, snapshotter_dbs) as reader:
        export(reader, out, namespace, indent=indent)
    return reader


@contextmanager
def _destination(output: str | None) -> Iterator[TextIO]:
    """Where export writes: stdout, or ``output``, replaced only if all went well.

    A file is written under a temporary name in its directory and renamed over
    it at the end (through a symlink, the file it points to).  What is not a
    file (``/dev/null``, a pipe) cannot be replaced, and is written to as it is.
    """
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    real = os.path.realpath(output)
    try:
        if os.path.exists(real) and not os.path.isfile(real):
            with open(real, "w", encoding="utf-8") as out:
                yield out
            return
        directory, name = os.path.split(real)
        temporary = os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        # O_EXCL: never follow or reuse what is there; the mode is what open() would give.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with open(fd, "w", encoding="utf-8") as out:
                yield out
            os.replace(temporary, real)
        finally:
            if os.path.lexists(temporary):
                os.unlink(temporary)
    except OSError as error:
        raise BoltviewError(f"{output}: cannot write: {error.strerror}") from None
