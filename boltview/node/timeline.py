"""Every time boltview knows, as one sorted timeline (``timeline``).

From each metadata database: the created and updated times of every
container, image, snapshot, content blob, lease and sandbox, when each ingest
expires, and the same for deleted objects that ``recover`` rebuilds from free
pages (marked as such, with the pages they came from).  From each snapshotter
database: its snapshots' times.  From a node: every install, and the mtime of
each file the containers changed (``drift``).

Events carry their time as Go wrote it (nanoseconds, any year Go allows): they
sort by it, and print in UTC as RFC 3339.  Three formats: Timesketch's JSONL
(``message``, ``datetime``, ``timestamp`` in microseconds, ``timestamp_desc``,
and the fields), CSV with the same columns, and the Sleuth Kit's bodyfile for
``mactime``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from boltview.bolt.file import BoltFile
from boltview.containerd.model import CONTAINER, CONTENT, IMAGE, LEASE, SANDBOX, SNAPSHOT
from boltview.containerd.reader import MetadataReader
from boltview.forensics.containerd import recovered_objects
from boltview.forensics.recover import recover
from boltview.node.drift import Change
from boltview.values.gotime import GoTime

FORMATS = ("jsonl", "csv", "bodyfile")
CSV_FIELDS = ("datetime", "timestamp_desc", "message", "source", "kind", "namespace", "id", "note")

_KINDS = (CONTAINER, IMAGE, SNAPSHOT, CONTENT, LEASE, SANDBOX)


@dataclass(frozen=True, order=True)
class Event:
    """One moment: what happened, to what, and where boltview read it."""

    nanoseconds: int  # since the Unix epoch, UTC
    description: str  # Timesketch's timestamp_desc: "created", "updated", "expires", ...
    message: str
    fields: dict[str, Any] = field(compare=False, default_factory=dict)

    @property
    def datetime(self) -> str:
        seconds, nanos = divmod(self.nanoseconds, 1_000_000_000)
        return GoTime(seconds, nanos, -1).rfc3339()


def _ns(moment: GoTime | None) -> int | None:
    if moment is None or moment.is_zero:
        return None
    return moment.unix_seconds * 1_000_000_000 + moment.nanos


def metadata_events(reader: MetadataReader, source: str, note: str = "") -> Iterator[Event]:
    """The times of every object of a metadata database."""
    for namespace in reader.namespace_names():
        for kind in _KINDS:
            for obj in reader.objects(kind, namespace):
                yield from object_events(obj, kind, namespace, source, note)
        for ingest in reader.ingests(namespace):
            at = _ns(ingest.expire_at)
            if at is not None:
                yield Event(at, "expires", f"ingest {ingest.ref_name} expires",
                            _fields(source, "ingest", namespace, ingest.ref_name, note))  # fmt: skip


def object_events(obj: Any, kind: str, namespace: str | None, source: str, note: str) -> Iterator[Event]:
    ident = str(getattr(obj, "id", "") or getattr(obj, "key", ""))
    for attribute, word in (("created_at", "created"), ("updated_at", "updated")):
        at = _ns(getattr(obj, attribute, None))
        if at is not None:
            what = f"{kind} {ident} {word}" + (f" ({note})" if note else "")
            yield Event(at, word, what, _fields(source, kind, namespace, ident, note))


def recovered_events(db: BoltFile, source: str) -> Iterator[Event]:
    """The times of deleted objects rebuilt from free pages, with the pages they came from."""
    for found in recovered_objects(recover(db)):
        if found.status != "deleted" or found.obj is None:
            continue
        note = f"deleted, recovered from pages {', '.join(map(str, found.pages))} ({found.confidence})"
        for event in object_events(found.obj, found.kind, found.namespace, source, note):
            event.fields["pages"] = list(found.pages)
            yield event


def drift_events(changes: Iterable[Change], container: str, namespace: str, source: str) -> Iterator[Event]:
    """The mtimes of the files a container added or modified."""
    for change in changes:
        if change.now is None or not change.now.mtime_ns:
            continue
        what = f"file {change.path} {change.change} in container {container}"
        fields = _fields(source, "file", namespace, change.path, change.change)
        fields.update(container=container, sha256=change.now.sha256, size=change.now.size,
                      mode=change.now.mode, uid=change.now.uid, gid=change.now.gid)  # fmt: skip
        yield Event(change.now.mtime_ns, "file modified", what, fields)


def _fields(source: str, kind: str, namespace: str | None, ident: str, note: str) -> dict[str, Any]:
    return {"source": source, "kind": kind, "namespace": namespace, "id": ident, "note": note}


# -- writing --------------------------------------------------------------------------------


def jsonl_lines(events: Iterable[Event]) -> Iterator[str]:
    for event in events:
        record = {"message": event.message, "datetime": event.datetime,
                  "timestamp": event.nanoseconds // 1000, "timestamp_desc": event.description,
                  **event.fields}  # fmt: skip
        yield json.dumps(record, ensure_ascii=True).replace("\x7f", "\\u007f")


def csv_lines(events: Iterable[Event]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="")
    writer.writerow(CSV_FIELDS)
    yield _take(buffer)
    for event in events:
        writer.writerow([event.datetime, event.description, event.message,
                         *(event.fields.get(name) or "" for name in CSV_FIELDS[3:])])  # fmt: skip
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def bodyfile_lines(events: Iterable[Event]) -> Iterator[str]:
    """``MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime``, one time per line.

    A created time goes to crtime, every other to mtime, in whole seconds
    (mactime's unit); a name never holds the ``|`` separator.
    """
    for event in events:
        seconds = event.nanoseconds // 1_000_000_000
        name = f"{event.message} [{event.fields.get('source', '')}]".replace("|", "%7C")
        size = event.fields.get("size") or 0
        mode = event.fields.get("mode")
        mode_text = f"{mode:o}" if isinstance(mode, int) else "0"
        uid, gid = event.fields.get("uid") or 0, event.fields.get("gid") or 0
        created = seconds if event.description == "created" else 0
        modified = 0 if created else seconds
        yield f"0|{name}|0|{mode_text}|{uid}|{gid}|{size}|0|{modified}|0|{created}"


WRITERS = {"jsonl": jsonl_lines, "csv": csv_lines, "bodyfile": bodyfile_lines}
