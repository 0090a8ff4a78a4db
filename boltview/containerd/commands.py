"""What the containerd verbs do, without their command line.

``boltview.cli.containerd`` holds the verbs (``ls``, ``inspect``, ``export``:
options, tables, trees); this module holds the work under them that is not
about a terminal:

- :func:`open_reader`: a meta.db as containerd metadata, with the snapshotter
  databases named by ``--snapshotter-db`` or found beside it
  (:mod:`~boltview.containerd.companions`, which the browser uses too);
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
from boltview.containerd import companions
from boltview.containerd.companions import SnapshotterUnknownError
from boltview.containerd.export import export
from boltview.containerd.reader import MetadataReader, require_metadata
from boltview.errors import BoltviewError

__all__ = ["SnapshotterUnknownError", "open_reader", "write_export"]


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
    require_metadata(db)
    reader = MetadataReader(db, check=False)
    with companions.snapshotter_dbs(reader, path, snapshot, snapshotter_dbs):
        yield reader


# -- export ----------------------------------------------------------------------------------


def write_export(
    path: str, output: str | None, namespace: str | None, indent: int | None,
    meta: int | None, snapshot: bool | None, snapshotter_dbs: tuple[str, ...],
    helper: bool = False,
) -> MetadataReader:  # fmt: skip
    """Export the file at ``path`` to ``output`` (stdout if None); the reader, for its problems.

    The document is written by this module's :func:`export` (tests replace it
    to fail halfway).
    """
    with _destination(output) as out, open_reader(path, meta, snapshot, snapshotter_dbs) as reader:
        export(reader, out, namespace, indent=indent, helper=helper)
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
