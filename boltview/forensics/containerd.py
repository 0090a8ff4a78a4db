"""Recovered bolt records put back in containerd's terms.

:func:`boltview.forensics.recover.recover` finds old copies of buckets in the
pages a file no longer uses.  Here each copy that is a containerd object
(``v1/<ns>/containers/<id>/``, an image, a snapshot, a blob, an ingest, a
lease, a sandbox) becomes a :class:`RecoveredObject`: its fields decoded by
the same model loaders as live objects (times, spec Any, labels, runtime
options), the fields that were *not* recovered listed, and a verdict against
the live database: ``deleted``, ``older-version`` of a live object (with the
fields that differ), or ``live-copy`` (identical in everything recovered).

Which object a copy was is known in one of three ways, always said
(``id_source``; see :mod:`boltview.forensics.identify`):

- ``bucket path``: the copy's bucket was attributed through parent pages;
- from the recovered bytes themselves, when the parent pages are gone:
  the CRI metadata extension (``ID``), the OCI spec's ``linux.cgroupsPath``
  (``/<namespace>/<id>``, as ctr and the Go client write it; ``...:cri-containerd:<id>``
  for CRI with systemd cgroups), a snapshot's backend name ``<ns>/<n>/<key>``;
- not at all (``unidentified``): the fields are still reported.

A key found only in an old copy of a parent bucket (``containers/<id>`` with
the container's own pages gone) is reported as a ``name_only`` object: the
object existed, its contents are not recoverable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BUCKET_HEADER_SIZE, BUCKET_LEAF_FLAG
from boltview.bolt.lenient import build_leaf
from boltview.bolt.path import BucketPath
from boltview.containerd import schema as S
from boltview.containerd.loader import load_object
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    INGEST,
    LEASE,
    SANDBOX,
    SNAPSHOT,
    AnyValue,
)
from boltview.errors import BoltviewError, NotFoundError
from boltview.forensics.identify import (
    ID_FROM_PARENT_KEY,
    ID_FROM_PATH,
    UNIDENTIFIED,
    identify,
    kind_from_keys,
    kind_from_path,
    object_path,
    parent_kind,
)
from boltview.forensics.records import (
    CERTAIN,
    DELETED,
    LIVE_COPY,
    OLDER,
    BucketCopy,
    Record,
    Recovery,
    worse,
)
from boltview.render.json import bytes_field

#: The keys each kind's bucket holds when containerd writes it whole.
EXPECTED_FIELDS: Final[dict[str, tuple[bytes, ...]]] = {
    CONTAINER: (S.CREATED_AT, S.IMAGE, S.LABELS, S.RUNTIME, S.SNAPSHOT_KEY, S.SNAPSHOTTER,
                S.SPEC, S.UPDATED_AT),
    IMAGE: (S.CREATED_AT, S.TARGET, S.UPDATED_AT),
    SNAPSHOT: (S.CREATED_AT, S.NAME, S.UPDATED_AT),
    CONTENT: (S.CREATED_AT, S.SIZE, S.UPDATED_AT),
    INGEST: (S.REF,),
    LEASE: (S.CREATED_AT,),
    SANDBOX: (S.CREATED_AT, S.RUNTIME, S.SPEC, S.UPDATED_AT),
}  # fmt: skip

#: ctr's JSON name of each field, to drop from an object's JSON what was not recovered.
_JSON_FIELDS: Final[dict[str, dict[str, bytes]]] = {
    CONTAINER: {"Labels": S.LABELS, "Image": S.IMAGE, "Runtime": S.RUNTIME,
                "SnapshotKey": S.SNAPSHOT_KEY, "Snapshotter": S.SNAPSHOTTER,
                "CreatedAt": S.CREATED_AT, "UpdatedAt": S.UPDATED_AT,
                "Extensions": S.EXTENSIONS, "Spec": S.SPEC, "SandboxID": S.SANDBOX_ID},
    IMAGE: {"Labels": S.LABELS, "Target": S.TARGET, "CreatedAt": S.CREATED_AT,
            "UpdatedAt": S.UPDATED_AT},
    SNAPSHOT: {"Parent": S.PARENT, "Labels": S.LABELS, "Created": S.CREATED_AT,
               "Updated": S.UPDATED_AT},
    CONTENT: {"Size": S.SIZE, "CreatedAt": S.CREATED_AT, "UpdatedAt": S.UPDATED_AT,
              "Labels": S.LABELS},
    INGEST: {"BackendRef": S.REF, "Expected": S.EXPECTED, "ExpireAt": S.EXPIRE_AT},
    LEASE: {"CreatedAt": S.CREATED_AT, "Labels": S.LABELS},
    SANDBOX: {"Labels": S.LABELS, "Runtime": S.RUNTIME, "Sandboxer": S.SANDBOXER,
              "CreatedAt": S.CREATED_AT, "UpdatedAt": S.UPDATED_AT,
              "Extensions": S.EXTENSIONS, "Spec": S.SPEC},
}  # fmt: skip

#: The fields a link in an object's JSON is made of: without them, no link.
_LINK_FIELDS: Final[dict[str, set[str]]] = {
    "image": {"image"}, "snapshot": {"snapshotter", "snapshotKey"}, "sandbox": {"sandboxid"},
    "content": {"target"},
}  # fmt: skip


@dataclass(slots=True)
class RecoveredObject:
    """A containerd object rebuilt from recovered records."""

    kind: str
    namespace: str | None
    id: str | None
    id_source: str
    status: str
    """deleted, older-version, live-copy or unidentified."""
    confidence: str
    """The worst confidence of the records it is made of."""
    attribution: str | None
    pages: tuple[int, ...]
    copy: BucketCopy | None
    """The bucket copy it was read from (None for a name-only object)."""
    snapshotter: str | None = None
    fields: tuple[str, ...] = ()
    """Keys of the object's bucket that were recovered."""
    missing: tuple[str, ...] = ()
    """Keys containerd writes for this kind that were not recovered."""
    changed: tuple[str, ...] = ()
    """For an older version: the recovered fields whose live value differs."""
    status_note: str = ""
    name_only: bool = False
    obj: Any = None
    """The model object (Container, Image...) decoded from the recovered bytes."""
    notes: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    @property
    def label(self) -> str:
        who = self.id if self.id is not None else "?"
        if self.snapshotter:
            who = f"{self.snapshotter}/{who}"
        return f"{self.kind} {who}"


# -- rebuilding a bucket from recovered records ----------------------------------------------


class _Builder:
    """Turns a bucket copy (and the copies of its sub-buckets) into an in-memory bucket.

    The bucket is only a vehicle, so that the model's loaders can read recovered
    records as they read live ones: every byte of every key and value in it is a
    recovered one.
    """

    def __init__(self, recovery: Recovery) -> None:
        self.recovery = recovery
        self.db = recovery.db

    def items(
        self, copy: BucketCopy, depth: int, missing: list[str], where: str
    ) -> list[tuple[int, bytes, bytes]]:
        out = []
        for record in copy.records:
            if not record.is_bucket:
                out.append((0, record.key, record.value))
                continue
            name = where + record.key.decode("utf-8", "backslashreplace")
            child = self.recovery.child_copy(copy, record) if depth < 8 else None
            if child is None:
                missing.append(f"{name}/ (bucket at page {record.bucket_root}: not recovered)")
                continue
            inner = self.items(child, depth + 1, missing, name + "/")
            value = bytes(BUCKET_HEADER_SIZE) + build_leaf(self.db.layout, inner)
            out.append((BUCKET_LEAF_FLAG, record.key, value))
        return out

    def header(self, copy: BucketCopy) -> tuple[bytes, list[str]]:
        """The copy as its parent would store an inline bucket: header, then its page."""
        missing: list[str] = []
        page = build_leaf(self.db.layout, self.items(copy, 0, missing, ""))
        return bytes(BUCKET_HEADER_SIZE) + page, missing


def _claim(recovery: Recovery, copy: BucketCopy, claimed: set[int], depth: int) -> None:
    """Mark the copies of ``copy``'s sub-buckets, all the way down, as part of it."""
    if depth > 8:
        return
    for record in copy.records:
        child = recovery.child_copy(copy, record)
        if child is not None and id(child) not in claimed:
            claimed.add(id(child))
            _claim(recovery, child, claimed, depth + 1)


def _records_of(recovery: Recovery, copy: BucketCopy, depth: int = 0) -> list[Record]:
    out = list(copy.records)
    if depth < 8:
        for record in copy.records:
            child = recovery.child_copy(copy, record)
            if child is not None:
                out.extend(_records_of(recovery, child, depth + 1))
    return out


def _contents(recovery: Recovery, copy: BucketCopy, depth: int = 0) -> dict[bytes, Any]:
    """A copy as nested dicts: values as bytes, sub-buckets as dicts (None: not recovered)."""
    out: dict[bytes, Any] = {}
    for record in copy.records:
        if not record.is_bucket:
            out[record.key] = record.value
            continue
        child = recovery.child_copy(copy, record) if depth < 8 else None
        out[record.key] = _contents(recovery, child, depth + 1) if child is not None else None
    return out


def _live_contents(bucket: Bucket, depth: int = 0) -> dict[bytes, Any]:
    out: dict[bytes, Any] = {}
    for entry in bucket.entries():
        if entry.is_bucket:
            out[entry.key] = _live_contents(bucket.child(entry), depth + 1) if depth < 8 else {}
        else:
            out[entry.key] = entry.value
    return out


def _name(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


# -- against the live database ------------------------------------------------------------------


def _live_bucket(db: BoltFile, path: BucketPath) -> Bucket | None:
    try:
        return db.bucket(*path)
    except NotFoundError:
        return None


def _candidates(db: BoltFile, kind: str, namespace: str | None, id: str,
                snapshotter: str | None) -> list[tuple[str, str | None, BucketPath]]:  # fmt: skip
    """Where a live object of this identity could be: (namespace, snapshotter, path)."""
    if namespace is not None:
        namespaces = [namespace]
    else:
        v1 = _live_bucket(db, (S.V1,))
        namespaces = [b.name.decode("utf-8", "replace") for b in v1.buckets()] if v1 else []
    out: list[tuple[str, str | None, BucketPath]] = []
    for ns in namespaces:
        if kind == SNAPSHOT and not snapshotter:
            per = _live_bucket(db, (S.V1, ns.encode(), S.SNAPSHOTS))
            for sub in per.buckets() if per is not None else ():
                name = sub.name.decode("utf-8", "replace")
                out.append((ns, name, object_path(kind, ns, id, name)))
        else:
            out.append((ns, snapshotter, object_path(kind, ns, id, snapshotter)))
    return out


def _compare(recovered: dict[bytes, Any], live: dict[bytes, Any]) -> tuple[list[str], list[str]]:
    """(changed, same): recovered fields against the live object's."""
    changed: list[str] = []
    same: list[str] = []
    for key, value in sorted(recovered.items()):
        name = key.decode("utf-8", "backslashreplace")
        if value is None:
            continue
        other = live.get(key)
        if isinstance(value, dict) and isinstance(other, dict):
            inner_changed, _ = _compare(value, other)
            if inner_changed:
                changed.extend(f"{name}/{n}" for n in inner_changed)
            elif value == {k: v for k, v in other.items() if k in value} and set(value) == set(
                other
            ):
                same.append(name)
            else:
                changed.append(name)
        elif value == other:
            same.append(name)
        else:
            changed.append(name)
    return changed, same


# -- the whole job -----------------------------------------------------------------------------


def recovered_objects(recovery: Recovery) -> list[RecoveredObject]:
    """Every containerd object found in ``recovery``'s copies, deleted ones first."""
    db = recovery.db
    builder = _Builder(recovery)
    objects: list[RecoveredObject] = []
    # What each copy is: an object by its path, or, without one, by its keys.
    kinds: dict[int, str | None] = {}
    for copy in recovery.copies:
        if copy.bucket is not None:
            by_path = kind_from_path(copy.bucket)
            kinds[id(copy)] = by_path[0] if by_path is not None else None
        else:
            kinds[id(copy)] = kind_from_keys({r.key for r in copy.records})
    # The sub-buckets of an object (labels, runtime...) are read as part of it.
    claimed: set[int] = set()
    for copy in recovery.copies:
        if kinds[id(copy)] is not None:
            _claim(recovery, copy, claimed, 0)

    for copy in recovery.copies:
        if id(copy) in claimed or kinds[id(copy)] is None:
            continue
        found = kind_from_path(copy.bucket) if copy.bucket is not None else None
        contents = _contents(recovery, copy)
        keys = set(contents)
        conflict = ""
        if found is not None:
            kind, namespace, ident, snapshotter = found
            how: str = ID_FROM_PATH
            ns: str | None = namespace
            inner_ns, inner_id, inner_how = identify(kind, contents)
            if inner_id is not None and (
                inner_id != ident or (inner_ns is not None and inner_ns != namespace)
            ):
                # The parent pages name it one object, its own bytes another: the page
                # was reused after that parent was written. Its bytes are the better witness.
                conflict = (
                    f"old parent pages name it {namespace}/{ident}, its own bytes "
                    f"{inner_ns or '?'}/{inner_id} ({inner_how})"
                )
                ns, ident, how, snapshotter = inner_ns, inner_id, inner_how, None
        else:
            guessed = kind_from_keys(keys)
            if guessed is None:
                continue
            kind, snapshotter = guessed, None
            ns, ident_or_none, how = identify(kind, contents)
            if ident_or_none is None and copy.suffix:
                # Its own name, from an old parent page whose place is unknown.
                ident_or_none, how = _name(copy.suffix[-1]), ID_FROM_PARENT_KEY
            ident = ident_or_none  # type: ignore[assignment]
        built = _build(db, builder, recovery, copy, kind, ns, ident, snapshotter, how, contents)
        if conflict:
            built.notes.append(conflict)
        objects.append(built)

    # Keys of object-listing buckets whose object was not itself recovered.
    have = {(o.kind, o.namespace, o.id) for o in objects}
    for record in recovery.records:
        if not record.is_bucket or record.bucket is None or record.status != DELETED:
            continue
        parent = parent_kind(record.bucket)
        if parent is None:
            continue
        kind, namespace, snapshotter = parent
        ident = record.key.decode("utf-8", "replace")
        if (kind, namespace, ident) in have:
            continue
        have.add((kind, namespace, ident))
        objects.append(RecoveredObject(
            kind=kind, namespace=namespace, id=ident, id_source=ID_FROM_PATH, status=DELETED,
            confidence=record.confidence, attribution=record.attribution, pages=record.pages,
            copy=None, snapshotter=snapshotter, name_only=True, records=[record],
            missing=tuple(k.decode() for k in EXPECTED_FIELDS.get(kind, ())),
            status_note="only its name, in an old copy of "
            + "/".join(p.decode("utf-8", "replace") for p in record.bucket),
        ))  # fmt: skip

    order = {DELETED: 0, OLDER: 1, UNIDENTIFIED: 2, LIVE_COPY: 3}
    objects.sort(key=lambda o: (order.get(o.status, 9), o.kind, o.namespace or "", o.id or "",
                                o.pages))  # fmt: skip
    return objects


def _build(
    db: BoltFile, builder: _Builder, recovery: Recovery, copy: BucketCopy, kind: str,
    namespace: str | None, ident: str | None, snapshotter: str | None, how: str,
    contents: dict[bytes, Any],
) -> RecoveredObject:  # fmt: skip
    records = _records_of(recovery, copy)
    confidence = CERTAIN
    for record in records:
        confidence = worse(confidence, record.confidence)
    expected = EXPECTED_FIELDS.get(kind, ())
    obj = RecoveredObject(
        kind=kind, namespace=namespace, id=ident, id_source=how, status=UNIDENTIFIED,
        confidence=confidence, attribution=copy.attribution if how == ID_FROM_PATH else None,
        pages=tuple(sorted({p for r in records for p in r.pages})), copy=copy,
        snapshotter=snapshotter, records=records,
        fields=tuple(sorted(k.decode("utf-8", "backslashreplace") for k in contents)),
        # A key a complete copy lacks was never written (labels of a container without
        # labels): only an incomplete copy can miss what containerd wrote.
        missing=() if copy.complete else tuple(k.decode() for k in expected if k not in contents),
    )  # fmt: skip
    # Decode with the model, from an in-memory bucket of exactly the recovered records.
    path = (
        copy.bucket
        if copy.bucket is not None
        else object_path(kind, namespace or "?", ident or "?", snapshotter)
    )
    try:
        header, missing = builder.header(copy)
        obj.notes.extend(missing)
        obj.obj = load_object(kind, db, path, header, namespace or "", snapshotter or "")
    except BoltviewError as error:
        obj.notes.append(f"fields could not be decoded: {error}")
    if ident is None:
        obj.status_note = "no id in the recovered bytes: cannot be compared with the live database"
        return obj

    # Against the live database.
    try:
        for ns, sn, live_path in _candidates(db, kind, namespace, ident, snapshotter):
            live = _live_bucket(db, live_path)
            if live is None:
                continue
            changed, _ = _compare(contents, _live_contents(live))
            obj.namespace = obj.namespace or ns
            obj.snapshotter = obj.snapshotter or sn
            if changed:
                obj.status, obj.changed = OLDER, tuple(changed)
                obj.status_note = "an older version of a live object"
            else:
                obj.status = LIVE_COPY
                obj.status_note = "identical to the live object in every recovered field"
            return obj
    except BoltviewError as error:
        obj.status_note = f"live database unreadable here: {error}"
        return obj
    obj.status = DELETED
    where = f"namespace {namespace}" if namespace else "any namespace"
    obj.status_note = f"no such {kind} in {where} of the live database"
    return obj


# -- JSON -------------------------------------------------------------------------------------------


def object_document(db: BoltFile, obj: RecoveredObject) -> dict[str, Any]:
    """One recovered object as stable JSON; ``object`` holds only recovered fields."""
    from boltview.containerd.export import object_json, value_json

    doc: dict[str, Any] = {
        "kind": obj.kind,
        "namespace": obj.namespace,
        "id": obj.id,
        "id_source": obj.id_source,
        "status": obj.status,
        "status_note": obj.status_note,
        "confidence": obj.confidence,
        "attribution": obj.attribution,
        "pages": list(obj.pages),
        "copy": obj.copy.id if obj.copy is not None else None,
        "name_only": obj.name_only,
        "fields": list(obj.fields),
        "missing": list(obj.missing),
        "changed": list(obj.changed),
        "notes": list(obj.notes),
    }
    if obj.snapshotter is not None:
        doc["snapshotter"] = obj.snapshotter
    if obj.obj is not None:
        try:
            rendered = object_json(db, obj.obj)
        except (BoltviewError, TypeError, ValueError) as error:
            rendered = {"error": str(error)}
        recovered = set(obj.fields)
        for name, key in _JSON_FIELDS.get(obj.kind, {}).items():
            if key.decode() not in recovered:
                rendered.pop(name, None)
        extra = rendered.get("boltview")
        if isinstance(extra, dict):
            links = extra.get("links")
            if isinstance(links, dict):
                for link, needs in _LINK_FIELDS.items():
                    if not needs <= recovered:
                        links.pop(link, None)
            # The model names unknown sub-buckets by path, to be read from the live
            # tree; for a recovered object that would show live data: show ours.
            extra.pop("unknown", None)
            unknown = [u for u in getattr(obj.obj, "unknown", ())]
            if unknown:
                extra["unknown"] = {
                    u.key.decode("utf-8", "backslashreplace"):
                        value_json(u.value) if u.value is not None else {"bucket": True}
                    for u in unknown
                }  # fmt: skip
        doc["object"] = rendered
    doc["records"] = [
        {**bytes_field(r.key, "key"), "bucket": r.bucket is not None and [
            p.decode("utf-8", "backslashreplace") for p in r.bucket] or None,
         "pages": list(r.pages), "status": r.status, "confidence": r.confidence}
        for r in obj.records
    ]  # fmt: skip
    return doc


def spec_summary(obj: RecoveredObject) -> dict[str, Any]:
    """A few facts of a recovered container's spec for people: args, cgroups path, hostname."""
    spec = getattr(obj.obj, "spec", None)
    if not isinstance(spec, AnyValue):
        return {}
    decoded = spec.decoded.decoded
    if not isinstance(decoded, dict):
        return {}
    out: dict[str, Any] = {}
    process = decoded.get("process")
    args = process.get("args") if isinstance(process, dict) else None
    if isinstance(args, list):
        out["args"] = " ".join(json.dumps(a) if " " in str(a) else str(a) for a in args)
    linux = decoded.get("linux")
    if isinstance(linux, dict) and isinstance(linux.get("cgroupsPath"), str):
        out["cgroupsPath"] = linux["cgroupsPath"]
    if isinstance(decoded.get("hostname"), str):
        out["hostname"] = decoded["hostname"]
    return out

