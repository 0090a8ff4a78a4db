"""A raw diff of two metadata databases, told in containerd's terms.

"v1/default/containers/web-12 removed (bucket)" becomes "container web-12
deleted"; a change of ``images/<name>/target/digest`` becomes "image <name>
retagged from A to B".  Every raw change belongs to at most one object, found
from its bucket path alone, so the summary costs nothing beyond the diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from boltview.bolt.diff import Change, diff
from boltview.bolt.file import BoltFile
from boltview.containerd import schema
from boltview.containerd.model import SNAPSHOT, ObjectRef
from boltview.errors import BoltviewError
from boltview.render.text import show_bytes

#: Kinds of object, by the bucket that holds them, as containerd names them singly.
_KINDS = {
    schema.CONTAINERS: "container",
    schema.IMAGES: "image",
    schema.LEASES: "lease",
    schema.SANDBOXES: "sandbox",
}


@dataclass
class Event:
    """What happened to one containerd object between the two states."""

    kind: str  #: container, image, snapshot, content, ingest, lease, sandbox, namespace
    namespace: str
    id: str
    action: str  #: created, deleted, updated, retagged
    fields: list[str] = field(default_factory=list)  #: what changed, for "updated"
    detail: str = ""

    def __str__(self) -> str:
        where = f" (namespace {self.namespace})" if self.namespace and self.kind != "namespace" else ""
        text = f"{self.kind} {self.id} {self.action}{where}"
        if self.detail:
            text += f": {self.detail}"
        elif self.fields:
            text += f": {', '.join(self.fields)}"
        return text

    @property
    def ref(self) -> ObjectRef:
        """The object this event is about (a snapshot's id is ``snapshotter/key``)."""
        if self.kind == SNAPSHOT:
            snapshotter, _, key = self.id.partition("/")
            return ObjectRef(SNAPSHOT, self.namespace, key, snapshotter)
        return ObjectRef(self.kind, self.namespace, self.id)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "namespace": self.namespace,
            "id": self.id,
            "action": self.action,
            "fields": self.fields,
            "detail": self.detail,
        }


def summarize(changes: Iterable[Change], old: BoltFile, new: BoltFile) -> list[Event]:
    """One event per object that changed, in the order the diff met them."""
    events: dict[tuple[str, str, str], Event] = {}
    # The fields already named, per object: a set, so that 100,000 labels changed
    # on one container cost 100,000 look-ups, not 100,000 scans of a growing list.
    named: dict[tuple[str, str, str], set[str]] = {}
    for change in changes:
        located = _locate(change.full_path)
        if located is None:
            continue
        kind, namespace, ident, rest = located
        whole = not rest and change.is_bucket and change.op != "changed"
        if kind == "group":
            if whole:
                # A whole bucket of objects came or went (a namespace's first lease):
                # each object in it came or went.
                action = "created" if change.op == "added" else "deleted"
                for found in _objects_in(new if change.op == "added" else old, change.full_path):
                    events[found] = Event(*found, action)
            continue
        key = (kind, namespace, ident)
        if whole:
            action = "created" if change.op == "added" else "deleted"
            events[key] = Event(kind, namespace, ident, action)
            continue
        event = events.setdefault(key, Event(kind, namespace, ident, "updated"))
        if event.action != "updated":
            continue
        name = "/".join(show_bytes(part) for part in rest)
        seen = named.setdefault(key, set())
        if name and name not in seen:
            seen.add(name)
            event.fields.append(name)
        if kind == "image" and rest == (schema.TARGET, schema.DIGEST):
            event.action = "retagged"
            event.detail = f"{_text(change.old)} -> {_text(change.new)}"
    for event in events.values():
        if event.kind == "image" and event.action == "created":
            event.detail = _image_digest(new, event)
        elif event.kind == "image" and event.action == "deleted":
            event.detail = "was " + _image_digest(old, event)
    return list(events.values())


def since_previous(db: BoltFile) -> tuple[BoltFile, list[Event]]:
    """The previous transaction of ``db`` (its other meta page) and what changed since.

    Raises BoltviewError when the other meta page is not a valid one.
    """
    old = db.with_meta(1 - db.meta.index)
    if old.meta.problem is not None:
        raise BoltviewError(f"the previous transaction's meta page is invalid: {old.meta.problem}")
    return old, summarize(diff(old.root, db.root, same_file=True), old, db)


def _locate(
    path: tuple[bytes, ...],
) -> tuple[str, str, str, tuple[bytes, ...]] | None:
    """(kind, namespace, id, the rest of the path) of the object a path lies in."""
    if len(path) >= 2 and path[0] != schema.V1 and path[1] == schema.SANDBOXES:
        # containerd 1.7 keeps sandboxes outside v1, at <namespace>/sandboxes/<id>.
        if len(path) >= 3:
            return "sandbox", show_bytes(path[0]), show_bytes(path[2]), path[3:]
        return None
    if len(path) < 2 or path[0] != schema.V1:
        return None
    namespace = show_bytes(path[1])
    if len(path) == 2:
        return "namespace", namespace, namespace, ()
    bucket, rest = path[2], path[3:]
    if _holds_objects(bucket, rest):
        return "group", namespace, "", rest
    if bucket in _KINDS:
        return _KINDS[bucket], namespace, show_bytes(rest[0]), rest[1:]
    if bucket == schema.SNAPSHOTS and len(rest) >= 2:
        return "snapshot", namespace, f"{show_bytes(rest[0])}/{show_bytes(rest[1])}", rest[2:]
    if bucket == schema.CONTENT and len(rest) >= 2:
        kind = {schema.BLOB: "content", schema.INGESTS: "ingest"}.get(rest[0])
        if kind:
            return kind, namespace, show_bytes(rest[1]), rest[2:]
    if bucket == schema.LABELS:
        return "namespace", namespace, namespace, path[2:]
    return None


def _holds_objects(bucket: bytes, rest: tuple[bytes, ...]) -> bool:
    """Whether ``v1/<ns>/<bucket>/<rest>`` holds objects, or buckets of them:
    ``containers``, ``snapshots``, ``snapshots/<snapshotter>``, ``content/blob``..."""
    if bucket in _KINDS:
        return not rest
    if bucket == schema.SNAPSHOTS:
        return len(rest) <= 1
    if bucket == schema.CONTENT:
        return not rest or (len(rest) == 1 and rest[0] in (schema.BLOB, schema.INGESTS))
    return False


def _objects_in(db: BoltFile, path: tuple[bytes, ...]) -> list[tuple[str, str, str]]:
    """(kind, namespace, id) of every object in a bucket of objects (or of groups of them)."""
    try:
        bucket = db.bucket(*path)
        names = [entry.key for entry in bucket.entries() if entry.is_bucket]
    except BoltviewError:
        return []
    found: list[tuple[str, str, str]] = []
    for name in names:
        located = _locate(path + (name,))
        if located is None:
            continue
        kind, namespace, ident, _ = located
        if kind == "group":
            found.extend(_objects_in(db, path + (name,)))
        else:
            found.append((kind, namespace, ident))
    return found


def _image_digest(db: BoltFile, event: Event) -> str:
    try:
        target = db.bucket(
            schema.V1, event.namespace.encode(), schema.IMAGES, event.id.encode(), schema.TARGET
        )
        return _text(target.get(schema.DIGEST))
    except BoltviewError:
        return "digest unknown"


def _text(value: bytes | None) -> str:
    return "(none)" if value is None else show_bytes(value)
