"""containerd's metadata as one JSON document, written as it is read.

The export document::

    {"schema_version": N,
     "namespaces": {NS: {"labels", "containers", "images",
                         "snapshots": {SNAPSHOTTER: {KEY: ...}},
                         "content": {"blobs", "ingests"}, "leases", "sandboxes"}},
     "unknown": {...}, "problems": [{"path", "pgid", "message"}], "provenance": {...}}

is written one object at a time, so memory stays flat however big the file
is.  A damaged file still exports: "problems" lists every page that could not
be read (empty for a sound file), and each object it touches says so in its
``boltview.issues`` (with the same ``pgid`` and ``path``).  "provenance" is
:func:`boltview.provenance.provenance`'s record of the file, plus one for each
snapshotter database joined.

Each object's JSON is :mod:`boltview.containerd.json`'s.  The browser's
smaller exports (one object, one kind, one raw key or bucket) are here too.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any, BinaryIO, TextIO

from boltview.bolt.ahead import Ahead
from boltview.bolt.file import BoltFile
from boltview.bolt.hashing import Hashes
from boltview.bolt.path import BucketPath
from boltview.bolt.processes import may_fork
from boltview.containerd import schema as S
from boltview.containerd.json import (
    Verbatim,
    blob_json,
    container_json,
    encoder,
    extras_json,
    go_time,
    image_json,
    ingest_json,
    lease_json,
    object_json,
    problem_json,
    quote,
    relations_json,
    sandbox_json,
    snapshot_json,
    unknown_json,
    value_json,
)
from boltview.containerd.model import Image, Problem, UnknownKey
from boltview.containerd.reader import AnyObject, MetadataReader, iter_namespaces
from boltview.containerd.refs import KIND_TITLES
from boltview.dump import dump
from boltview.errors import BoltviewError
from boltview.provenance import provenance
from boltview.render.json import json_text, no_del
from boltview.render.text import base64_text, show_bytes

# Names callers (and tests) have always imported from here.
__all__ = [
    "container_json", "export", "go_time", "no_del", "object_json", "relations_json",
    "snapshot_json", "value_json", "write_group", "write_namespace", "write_object", "write_raw",
]  # fmt: skip


class _Writer:
    """JSON written in pieces; the C encoder does each object."""

    def __init__(self, out: TextIO, indent: int | None) -> None:
        self.out = out
        self.indent = indent
        self.parts: list[str] = []
        self.verbatim = Verbatim()
        self.encode = encoder(indent)

    def write(self, text: str) -> None:
        self.parts.append(text)
        if len(self.parts) > 512:
            self.flush()

    def flush(self) -> None:
        self.out.write(no_del("".join(self.parts)))
        self.parts.clear()

    def members(self, items: Iterable[tuple[str, Any]]) -> None:
        """``{"key": value, ...}`` from an iterable, one member at a time."""
        self.write("{")
        newline = "" if self.indent is None else "\n"
        separator = newline
        encode, verbatim = self.encode, self.verbatim
        for key, value in items:
            text = encode(value)
            if verbatim.texts:
                text = verbatim.splice(text)
            self.write(separator + quote(key) + ":" + text)
            separator = "," + newline
        self.write(newline + "}" if separator != newline else "}")


def export(
    reader: MetadataReader,
    out: TextIO,
    namespace: str | None = None,
    *,
    indent: int | None = None,
    read_at: datetime | None = None,
    helper: bool = False,
) -> None:
    """Write the export document for one namespace or all of them to ``out``.

    ``provenance`` comes last: the files are hashed beside the writing, by
    a forked process (:class:`~boltview.bolt.hashing.Hashes`; a thread when
    this process may not fork), and the hash is known only then.  With
    ``helper`` a forked process writes some of the namespaces' sections while
    this one writes the others (only when this process may fork); the
    document is the same, but what is written ahead of its turn is held in
    memory (a whole section at a time).
    """
    read_at = read_at or datetime.now(UTC)
    collecting = gc.isenabled()
    gc.disable()  # export makes millions of short-lived objects and no cycles
    try:
        _export(reader, out, namespace, indent, read_at, helper)
    finally:
        if collecting:
            gc.enable()


def _export(
    reader: MetadataReader, out: TextIO, namespace: str | None, indent: int | None,
    read_at: datetime, helper: bool,
) -> None:  # fmt: skip
    """The document; ``helper``: with a forked helper writing some sections (``Ahead``)."""
    w = _Writer(out, indent)
    names = list(iter_namespaces(reader, namespace))
    files = [reader.db, *(sdb.db for sdb in reader.snapshotter_dbs.values())]
    sections = [(section, name) for name in names for section in _SECTIONS]
    hashes = Hashes(files)  # forked, or a thread when this process may not fork
    ahead = None
    try:
        if helper and len(sections) > 1 and may_fork():  # forked before any thread starts
            ahead = Ahead([partial(_written, reader, section, name, indent) for section, name in sections])
        w.write('{"schema_version":' + w.encode(reader.schema().version))
        w.write(',"namespaces":{')
        done = iter([None] * len(sections)) if ahead is None else ahead.results()
        for (section, name), result in zip(sections, done):
            if section is _SECTIONS[0]:
                w.write(("," if name != names[0] else "") + w.encode(name) + ":")
            if result is None:
                section(reader, w, name)
            else:  # written by the helper: what it met is recorded here, in its turn
                text, problems = result[0]
                w.write(text)
                reader.note_problems(problems)
        w.write("}")
        unknown = _root_unknown(reader)
        if unknown:
            w.write(',"unknown":' + w.encode(unknown))
        w.write(',"problems":' + w.encode([problem_json(p) for p in reader.problems]))
        sdbs = {name: (sdb.db, hashes.sha256(sdb.db)) for name, sdb in reader.snapshotter_dbs.items()}
        record = provenance(reader.db, read_at, hashes.sha256(reader.db), sdbs)
        w.write(',"provenance":' + w.encode(record) + "}\n")
    finally:
        if ahead is not None:
            ahead.close()
        hashes.close()
    w.flush()


def _written(
    reader: MetadataReader, section: Callable[[MetadataReader, _Writer, str], None], name: str,
    indent: int | None,
) -> tuple[str, list[Problem]]:  # fmt: skip
    """A section as text, and the problems met writing it, to be recorded in its turn."""
    text = io.StringIO()
    with reader.problems_apart() as met:
        w = _Writer(text, indent)
        section(reader, w, name)
        w.flush()
    return text.getvalue(), met


def _containers(reader: MetadataReader, w: _Writer, name: str) -> None:
    db = reader.db
    w.write('{"labels":' + w.encode(reader.namespace(name).labels))
    w.write(',"containers":')
    verbatim = w.verbatim if w.indent is None else None  # indented: payloads re-indented too
    w.members((c.id, container_json(db, c, verbatim)) for c in reader.containers(name))


def _images(reader: MetadataReader, w: _Writer, name: str) -> None:
    w.write(',"images":')
    w.members((i.name, image_json(reader.db, i)) for i in reader.images(name))


def _snapshots(reader: MetadataReader, w: _Writer, name: str) -> None:
    w.write(',"snapshots":{')
    for position, snapshotter in enumerate(reader.snapshotter_names(name)):
        w.write(("," if position else "") + w.encode(snapshotter) + ":")
        w.members((s.key, snapshot_json(reader.db, s)) for s in reader.snapshots(name, snapshotter))
    w.write("}")


def _content(reader: MetadataReader, w: _Writer, name: str) -> None:
    db = reader.db
    w.write(',"content":{"blobs":')
    w.members((b.digest, blob_json(db, b)) for b in reader.blobs(name))
    w.write(',"ingests":')
    w.members((i.ref_name, ingest_json(db, i)) for i in reader.ingests(name))
    w.write("}")


def _leases_and_sandboxes(reader: MetadataReader, w: _Writer, name: str) -> None:
    db = reader.db
    w.write(',"leases":')
    w.members((lease.id, lease_json(db, lease)) for lease in reader.leases(name))
    w.write(',"sandboxes":')
    verbatim = w.verbatim if w.indent is None else None
    w.members((s.id, sandbox_json(db, s, verbatim)) for s in reader.sandboxes(name))
    ns = reader.namespace(name)
    if ns.unknown or ns.issues:
        w.write(',"boltview":' + w.encode(extras_json(db, ns, {})))
    w.write("}")


#: A namespace's object, in the order written: pieces that can be written apart.
_SECTIONS = (_containers, _images, _snapshots, _content, _leases_and_sandboxes)


def _root_unknown(reader: MetadataReader) -> dict[str, Any]:
    """Top-level buckets that are not containerd's, and ``v1`` values besides ``version``."""
    unknown: list[UnknownKey] = [UnknownKey(name, None, (name,)) for name in reader.root_unknown()]
    v1 = reader.db.root.entry(S.V1)
    if v1 is not None and v1.is_bucket:
        for entry in reader.db.root.child(v1).entries():
            if not entry.is_bucket and entry.key != S.VERSION:
                unknown.append(UnknownKey(entry.key, entry.value, (S.V1, entry.key)))
    return unknown_json(reader.db, unknown) if unknown else {}


# -- the browser's exports --------------------------------------------------------------


def write_object(reader: MetadataReader, obj: AnyObject, out: BinaryIO, now: datetime) -> None:
    """What ``boltview inspect FILE KIND ID --json`` prints for the object."""
    namespace = getattr(obj, "namespace", getattr(obj, "name", ""))
    document = {"Namespace": namespace, "Kind": obj.kind, **object_json(reader.db, obj)}
    document["relations"] = relations_json(reader, obj, now)
    with _text(out) as text:
        text.write(json_text(document, default=str) + "\n")


def write_namespace(reader: MetadataReader, namespace: str, out: BinaryIO, now: datetime) -> None:
    """The CLI's export document, for one namespace."""
    with _text(out) as text:
        export(reader, text, namespace, indent=2, read_at=now)


def write_group(
    reader: MetadataReader, namespace: str, kind: str, snapshotter: str | None, out: BinaryIO
) -> None:
    """Every object of one kind (one snapshotter's snapshots), by id: ``{TITLE: {ID: ...}}``."""
    with _text(out) as text:
        text.write("{" + quote(KIND_TITLES[kind]) + ": {")
        first = True
        for obj in reader.objects(kind, namespace):
            if snapshotter is not None and getattr(obj, "snapshotter", None) != snapshotter:
                continue
            key = obj.name if isinstance(obj, Image) else str(getattr(obj, "id", ""))
            body = json_text(object_json(reader.db, obj), default=str)
            text.write(("" if first else ",") + "\n" + quote(key) + ": " + body)
            first = False
        text.write("\n}}\n")


def write_raw(db: BoltFile, path: BucketPath, key: bytes | None, encoding: str, out: BinaryIO) -> None:
    """A raw bucket as ``dump`` writes it, or one key: ``{KEY: VALUE}`` in ``encoding``."""
    if key is None:
        dump(db.bucket(*path), out, encoding)
        return
    entry = db.bucket(*path).entry(key)
    if entry is None:
        raise BoltviewError(f"key {show_bytes(key)} is gone")
    if entry.is_bucket:
        dump(db.bucket(*path, key), out, encoding)
        return
    encode = _VALUE_ENCODERS[encoding]
    document = json_text({encode(key): encode(entry.value)}, indent=None)
    out.write(document.encode("ascii") + b"\n")


_VALUE_ENCODERS: dict[str, Callable[[bytes], str]] = {
    "text": lambda data: data.decode("utf-8", "backslashreplace"),
    "hex": lambda data: data.hex(),
    "base64": base64_text,
}


class _text:
    """A text view of a binary file, detached (not closed) afterwards."""

    def __init__(self, out: BinaryIO) -> None:
        self.wrapper = io.TextIOWrapper(out, encoding="utf-8", write_through=True)  # type: ignore[arg-type]

    def __enter__(self) -> TextIO:
        return self.wrapper

    def __exit__(self, *exc: object) -> None:
        self.wrapper.flush()
        self.wrapper.detach()
