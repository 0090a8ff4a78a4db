"""The containerd view's model: what the tree lists, what the detail pane links.

A thin layer over :class:`~boltview.containerd.reader.MetadataReader` that
knows nothing of Textual.  It lists objects of one namespace and kind in
windows (a node with 10,000 containers reads 200 of them), lays snapshots out
as parent/child chains per snapshotter, maps a raw bucket path to the object
it belongs to (and back: every object knows its ``path``), and gathers an
object's relations as followable links.

Every read takes the app's reader lock: the engine's page cache is shared by
the tree workers and the detail pane.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, TextIO

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.containerd import schema as S
from boltview.containerd.encoding import GoTime
from boltview.containerd.export import export, object_json, relations_json
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    INGEST,
    LEASE,
    NAMESPACE,
    POD,
    SANDBOX,
    SNAPSHOT,
    AnyValue,
    Container,
    ContentBlob,
    Image,
    Ingest,
    Lease,
    Namespace,
    ObjectRef,
    Pod,
    Sandbox,
    Snapshot,
    load_blob,
    load_container,
    load_image,
    load_ingest,
    load_lease,
    load_sandbox,
)
from boltview.containerd.reader import AnyObject, ContentNode, MetadataReader, detect_kind
from boltview.errors import BoltviewError, NotFoundError
from boltview.tui.paging import WINDOW, window_after, window_at, window_before

#: The groups of a namespace, in the order the tree shows them:
#: (title, kind, bucket path under v1/<ns>, loader).
GROUPS: list[tuple[str, str, tuple[bytes, ...]]] = [
    ("containers", CONTAINER, (S.CONTAINERS,)),
    ("images", IMAGE, (S.IMAGES,)),
    ("snapshots", SNAPSHOT, (S.SNAPSHOTS,)),
    ("content", CONTENT, (S.CONTENT, S.BLOB)),
    ("ingests", INGEST, (S.CONTENT, S.INGESTS)),
    ("leases", LEASE, (S.LEASES,)),
    ("sandboxes", SANDBOX, (S.SANDBOXES,)),
    ("pods", POD, ()),
]

#: Loaders by kind: (db, bucket path, bucket header, namespace) -> object.
_LOADERS: dict[str, Callable[[BoltFile, tuple[bytes, ...], bytes, str], AnyObject]] = {
    CONTAINER: load_container,
    IMAGE: load_image,
    CONTENT: load_blob,
    INGEST: load_ingest,
    LEASE: load_lease,
    SANDBOX: lambda db, path, header, ns: load_sandbox(db, path, header, ns, "v1"),
}

#: Largest count shown exactly in a group's label.
COUNT_LIMIT = 10_000


def detect(db: BoltFile) -> str:
    """containerd-metadata, containerd-snapshotter or plain; never raises."""
    try:
        return detect_kind(db)
    except Exception:  # noqa: BLE001 - a corrupt root still opens, as a plain file
        return "plain"


@dataclass(frozen=True)
class Link:
    """One relation in the detail pane: to an object, or a note when it is missing."""

    label: str  # what the relation is, e.g. "image", "parent", "kept by"
    text: str  # what it points at, for people (unescaped)
    ref: ObjectRef | None = None
    missing: bool = False
    depth: int = 0


@dataclass
class ObjectWindow:
    objects: list[AnyObject]
    more_before: bool
    more_after: bool
    errors: list[str]


def namespace_bytes(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


class CtrModel:
    """Objects, windows and relations for the containerd tree."""

    def __init__(self, db: BoltFile, lock: threading.RLock | None = None) -> None:
        self.lock = lock or threading.RLock()
        self.set_db(db)

    def set_db(self, db: BoltFile) -> None:
        self.db = db
        self.reader = MetadataReader(db, check=False)

    # -- listing ---------------------------------------------------------------------

    def namespaces(self) -> list[Namespace]:
        with self.lock:
            out = []
            for name in self.reader.namespace_names():
                try:
                    out.append(self.reader.namespace(name))
                except BoltviewError:
                    out.append(Namespace(name, None, (), (S.V1, namespace_bytes(name))))
            return out

    def schema_version(self) -> int | None:
        with self.lock:
            return self.reader.schema().version

    def group_bucket(self, namespace: str, kind: str) -> Bucket | None:
        for _, group_kind, path in GROUPS:
            if group_kind == kind and path:
                try:
                    return self.db.bucket(S.V1, namespace_bytes(namespace), *path)
                except NotFoundError:
                    return None
        return None

    def count(self, namespace: str, kind: str) -> int | None:
        """How many objects of ``kind`` (None: no such bucket; capped at COUNT_LIMIT+1)."""
        with self.lock:
            if kind == POD:
                return None
            if kind == SNAPSHOT:
                names = self.reader.snapshotter_names(namespace)
                if not names:
                    return None
                total = 0
                for name in names:
                    bucket = self.db.bucket(
                        S.V1, namespace_bytes(namespace), S.SNAPSHOTS, namespace_bytes(name)
                    )
                    total += _count(bucket, COUNT_LIMIT + 1 - total)
                return total
            group = self.group_bucket(namespace, kind)
            count = _count(group, COUNT_LIMIT + 1) if group is not None else None
            if kind == SANDBOX:
                outside = self._root_sandboxes_bucket(namespace)
                if outside is not None:
                    count = (count or 0) + _count(outside, COUNT_LIMIT + 1)
            return count

    def _root_sandboxes_bucket(self, namespace: str) -> Bucket | None:
        """containerd 1.7 kept sandboxes outside v1: ``<namespace>/sandboxes``."""
        try:
            return self.db.bucket(namespace_bytes(namespace), S.SANDBOXES)
        except NotFoundError:
            return None

    def _root_sandboxes(self, namespace: str) -> list[AnyObject]:
        bucket = self._root_sandboxes_bucket(namespace)
        if bucket is None:
            return []
        return [
            load_sandbox(self.db, bucket.path + (entry.key,), entry.value, namespace, "root")
            for entry in bucket.entries()
            if entry.is_bucket
        ]

    def window(
        self, namespace: str, kind: str, mode: str = "first", key: bytes | None = None
    ) -> ObjectWindow:
        """A window of objects of one kind: ``mode`` first/after/before/at ``key``."""
        with self.lock:
            bucket = self.group_bucket(namespace, kind)
            if bucket is None:
                objects: list[AnyObject] = []
                if kind == SANDBOX:
                    objects = self._root_sandboxes(namespace)
                return ObjectWindow(objects, False, False, [])
            if mode == "before":
                window = window_before(bucket, key)
            elif mode == "at" and key is not None:
                before = window_before(bucket, key, WINDOW // 4)
                at = window_at(bucket, key, WINDOW - len(before.entries))
                window = type(at)(before.entries + at.entries, before.more_before, at.more_after)
            else:
                window = window_after(bucket, key if mode == "after" else None)
            loader = _LOADERS[kind]
            objects, errors = [], []
            for entry in window.entries:
                if not entry.is_bucket:
                    continue
                try:
                    objects.append(
                        loader(self.db, bucket.path + (entry.key,), entry.value, namespace)
                    )
                except BoltviewError as error:
                    errors.append(f"{entry.key.decode('utf-8', 'replace')}: {error}")
            if kind == SANDBOX and not window.more_after:
                objects += self._root_sandboxes(namespace)
            return ObjectWindow(objects, window.more_before, window.more_after, errors)

    def snapshotters(self, namespace: str) -> list[str]:
        with self.lock:
            return self.reader.snapshotter_names(namespace)

    def snapshot_roots(
        self, namespace: str, snapshotter: str
    ) -> tuple[list[Snapshot], dict[str, int]]:
        """Snapshots that start a chain (no parent, or a parent that is gone), and the
        number of snapshots below each key (for labels)."""
        with self.lock:
            snapshots = list(self.reader.snapshots(namespace, snapshotter))
        keys = {s.key for s in snapshots}
        roots = [s for s in snapshots if not s.parent or s.parent not in keys]
        return roots, {s.key: len(s.children) for s in snapshots}

    def snapshot_children(self, snapshot: Snapshot) -> list[Snapshot]:
        out = []
        with self.lock:
            for key in snapshot.children:
                try:
                    out.append(self.reader.snapshot(snapshot.namespace, key, snapshot.snapshotter))
                except BoltviewError:
                    continue
        return out

    def pods(self, namespace: str) -> list[Pod]:
        with self.lock:
            return self.reader.pods(namespace)

    def get(self, ref: ObjectRef) -> AnyObject | None:
        with self.lock:
            try:
                return self.reader.get(ref)
            except BoltviewError:
                return None

    def snapshot_chain(self, snapshot: Snapshot) -> list[Snapshot]:
        with self.lock:
            return self.reader.snapshot_chain(snapshot)

    # -- raw <-> object ------------------------------------------------------------------

    def object_at(self, path: tuple[bytes, ...]) -> ObjectRef | None:
        """The object a raw bucket (or anything below it) belongs to."""
        return object_at(path)

    # -- relations --------------------------------------------------------------------

    def relations(self, obj: AnyObject, now: datetime) -> list[Link]:
        """Links from ``obj`` to the objects it names and to those that name it."""
        links: list[Link] = []
        with self.lock:
            try:
                # extend() appends one by one: what was found before a corrupt page stays.
                links.extend(self._relations(obj, now))
            except BoltviewError as error:
                links.append(Link("error", f"more relations unreadable: {error}", missing=True))
        return links

    def _relations(self, obj: AnyObject, now: datetime) -> Iterator[Link]:
        reader = self.reader
        if isinstance(obj, Container):
            if obj.image:
                image = reader.container_image(obj)
                yield Link(
                    "image",
                    obj.image,
                    ObjectRef(IMAGE, obj.namespace, obj.image),
                    missing=image is None,
                )
                if image is not None:
                    yield from self._content_links(reader.image_tree(image), 1)
            snapshot = reader.container_snapshot(obj)
            if obj.snapshot_ref is not None:
                yield Link(
                    "snapshot",
                    f"{obj.snapshotter}/{obj.snapshot_key}",
                    obj.snapshot_ref,
                    missing=snapshot is None,
                )
            if snapshot is not None:
                for depth, parent in enumerate(reader.snapshot_chain(snapshot), 1):
                    yield Link("parent", short_digest(parent.key), parent.ref, depth=depth)
            if obj.sandbox_id:
                yield Link(
                    "sandbox", obj.sandbox_id, ObjectRef(SANDBOX, obj.namespace, obj.sandbox_id)
                )
        elif isinstance(obj, Image):
            yield from self._content_links(reader.image_tree(obj), 0)
            for container in reader.containers(obj.namespace):
                if container.image == obj.name:
                    yield Link("used by", f"container {short_digest(container.id)}", container.ref)
        elif isinstance(obj, Snapshot):
            chain = reader.snapshot_chain(obj)
            for depth, parent in enumerate(chain):
                yield Link("parent", short_digest(parent.key), parent.ref, depth=depth)
            last = chain[-1] if chain else obj
            if last.parent:
                gone = ObjectRef(SNAPSHOT, obj.namespace, last.parent, obj.snapshotter)
                yield Link("parent", last.parent, gone, missing=True, depth=len(chain))
            for child in obj.children:
                yield Link(
                    "child",
                    short_digest(child),
                    ObjectRef(SNAPSHOT, obj.namespace, child, obj.snapshotter),
                )
        elif isinstance(obj, ContentBlob):
            for reference in reader.references_from(obj.ref):
                yield Link(
                    _via(reference.via),
                    _describe(reference.target),
                    reference.target,
                    missing=not reader.exists(reference.target),
                )
        elif isinstance(obj, Lease):
            for resource in obj.resources:
                target = resource.target(obj.namespace)
                yield Link(
                    f"holds {resource.type}",
                    short_digest(resource.id),
                    target,
                    missing=not reader.exists(target),
                )
        elif isinstance(obj, Ingest):
            if obj.expected:
                target = ObjectRef(CONTENT, obj.namespace, obj.expected)
                yield Link(
                    "expected",
                    short_digest(obj.expected),
                    target,
                    missing=not reader.exists(target),
                )
        elif isinstance(obj, Sandbox):
            for container in reader.containers(obj.namespace):
                if container.sandbox_id == obj.id:
                    yield Link("container", short_digest(container.id), container.ref)
        elif isinstance(obj, Pod):
            if obj.sandbox_container is not None:
                yield Link(
                    "sandbox container",
                    short_digest(obj.sandbox_container.id),
                    obj.sandbox_container.ref,
                )
            if obj.sandbox is not None:
                yield Link("sandbox", short_digest(obj.sandbox.id), obj.sandbox.ref)
            for member in obj.containers:
                yield Link(
                    f"container {member.name}", short_digest(member.id), member.container.ref
                )
        if isinstance(obj, Namespace | Pod):
            return
        for reference in reader.referenced_by(obj.ref):
            yield Link(
                f"referenced by ({_via(reference.via)})",
                _describe(reference.source),
                reference.source,
            )
        if isinstance(obj, ContentBlob | Snapshot | Ingest | Lease | Image):
            verdict = reader.why_kept(obj.ref, now)
            if verdict.root is not None:
                yield Link("gc", f"kept: a root ({verdict.root})")
            elif verdict.chain:
                first = verdict.chain[0].source
                yield Link(
                    "gc",
                    f"kept via {len(verdict.chain)} reference(s) from {_describe(first)}",
                    first,
                )
            else:
                yield Link(
                    "gc", "nothing keeps it: the garbage collector would remove it", missing=True
                )

    def _content_links(self, node: ContentNode, depth: int) -> Iterator[Link]:
        label = f"target ({node.role})" if node.via == "target" else node.role
        ref = ObjectRef(CONTENT, node.blob.namespace, node.digest) if node.blob else None
        yield Link(label, short_digest(node.digest), ref, missing=node.blob is None, depth=depth)
        for snapshot in node.snapshots:
            yield Link(
                "unpacked",
                f"{snapshot.snapshotter}/{short_digest(snapshot.id)}",
                snapshot,
                depth=depth + 1,
            )
        for child in node.children:
            yield from self._content_links(child, depth + 1)

    # -- export ------------------------------------------------------------------------

    def to_json(self, obj: Any) -> Any:
        """An object as the CLI's ``inspect`` prints it (ctr's fields, plus boltview's)."""
        with self.lock:
            try:
                return object_json(self.db, obj)
            except (TypeError, BoltviewError):
                return to_json(obj)

    def private_reader(self) -> MetadataReader:
        """A reader on its own view of the file, for long exports that must not hold the lock."""
        return MetadataReader(self.db.with_meta(self.db.meta.index), check=False)

    def write_object(self, obj: Any, out: BinaryIO, now: datetime) -> None:
        with _text(out) as text:
            self._write_object(obj, text, now)

    def write_namespace(self, namespace: str, out: BinaryIO, now: datetime) -> None:
        """The CLI's export document, for one namespace."""
        with _text(out) as text:
            export(self.private_reader(), text, namespace, indent=2, read_at=now)

    def write_group(
        self, namespace: str, kind: str, snapshotter: str | None, out: BinaryIO
    ) -> None:
        with _text(out) as text:
            self._write_group(namespace, kind, snapshotter, text)

    def _write_object(self, obj: Any, out: TextIO, now: datetime) -> None:
        """What ``boltview inspect FILE KIND ID --json`` prints for the object."""
        reader = self.private_reader()
        kind = getattr(type(obj), "kind", "object")
        namespace = getattr(obj, "namespace", getattr(obj, "name", ""))
        try:
            body = object_json(reader.db, obj)
        except TypeError:
            body = to_json(obj)
        document = {"Namespace": namespace, "Kind": kind, **body}
        document["relations"] = relations_json(reader, obj, now)
        json.dump(document, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")

    def _write_group(self, namespace: str, kind: str, snapshotter: str | None, out: TextIO) -> None:
        reader = self.private_reader()
        title = next(t for t, k, _ in GROUPS if k == kind)
        out.write("{" + json.dumps(title) + ": {")
        first = True
        for obj in reader.objects(kind, namespace):
            if snapshotter is not None and getattr(obj, "snapshotter", None) != snapshotter:
                continue
            key = obj.name if isinstance(obj, Image) else str(getattr(obj, "id", ""))
            body = json.dumps(
                object_json(reader.db, obj) if not isinstance(obj, Pod) else to_json(obj),
                indent=2,
                ensure_ascii=False,
                default=str,
            )
            out.write(("" if first else ",") + "\n" + json.dumps(key) + ": " + body)
            first = False
        out.write("\n}}\n")


class _text:
    """A text view of a binary file, detached (not closed) afterwards."""

    def __init__(self, out: BinaryIO) -> None:
        self.wrapper = io.TextIOWrapper(out, encoding="utf-8", write_through=True)  # type: ignore[arg-type]

    def __enter__(self) -> TextIO:
        return self.wrapper

    def __exit__(self, *exc: object) -> None:
        self.wrapper.flush()
        self.wrapper.detach()


def _count(bucket: Bucket, limit: int) -> int:
    count = 0
    for entry in bucket.entries():
        if entry.is_bucket:
            count += 1
            if count >= limit:
                break
    return count


def short_digest(text: str, keep: int = 16) -> str:
    """A digest cut for a link ('sha256:0123456789abcdef…'); other ids as they are."""
    if text.startswith("sha256:") and len(text) > 7 + keep:
        return text[: 7 + keep] + "…"
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:keep] + "…"
    return text


def _via(via: str) -> str:
    return via.replace("back-reference label ", "bref ").replace("label ", "")


def _describe(ref: ObjectRef) -> str:
    ident = short_digest(ref.id)
    where = f"{ref.snapshotter}/{ident}" if ref.snapshotter else ident
    return f"{ref.kind} {where}"


def describe(ref: ObjectRef) -> str:
    """'container web-1 (namespace default)'."""
    if ref.kind == NAMESPACE:
        return f"namespace {ref.namespace}"
    return f"{_describe(ref)} (namespace {ref.namespace})"


def object_at(path: tuple[bytes, ...]) -> ObjectRef | None:
    """The object a raw bucket path belongs to, from containerd's schema alone."""

    def text(raw: bytes) -> str:
        return raw.decode("utf-8", "replace")

    if len(path) >= 4 and path[0] == S.V1 and path[2] == S.SANDBOXES:
        return ObjectRef(SANDBOX, text(path[1]), text(path[3]))
    if len(path) >= 3 and path[0] != S.V1 and path[1] == S.SANDBOXES:
        return ObjectRef(SANDBOX, text(path[0]), text(path[2]))
    if len(path) < 2 or path[0] != S.V1:
        return None
    namespace = text(path[1])
    rest = path[2:]
    simple = {S.CONTAINERS: CONTAINER, S.IMAGES: IMAGE, S.LEASES: LEASE}
    if len(rest) >= 2 and rest[0] in simple:
        return ObjectRef(simple[rest[0]], namespace, text(rest[1]))
    if len(rest) >= 3 and rest[0] == S.SNAPSHOTS:
        return ObjectRef(SNAPSHOT, namespace, text(rest[2]), text(rest[1]))
    if len(rest) >= 3 and rest[0] == S.CONTENT and rest[1] in (S.BLOB, S.INGESTS):
        return ObjectRef(CONTENT if rest[1] == S.BLOB else INGEST, namespace, text(rest[2]))
    if len(rest) <= 1 or rest[0] == S.LABELS:
        return ObjectRef(NAMESPACE, namespace, namespace)
    return None


def to_json(obj: Any) -> Any:
    """Dataclasses, GoTime, AnyValue and bytes as JSON-friendly data."""
    if isinstance(obj, GoTime):
        return obj.rfc3339()
    if isinstance(obj, AnyValue):
        decoded = obj.decoded
        return {
            "type_url": obj.type_url,
            "value": base64.b64encode(obj.value).decode("ascii"),
            "decoded_as": decoded.decoded_as,
            "decoded": decoded.decoded,
            "error": decoded.error,
        }
    if isinstance(obj, bytes):
        try:
            return obj.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(obj).decode("ascii")}
    if isinstance(obj, ObjectRef):
        return {
            "kind": obj.kind,
            "namespace": obj.namespace,
            "id": obj.id,
            **({"snapshotter": obj.snapshotter} if obj.snapshotter else {}),
        }
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        kind = getattr(type(obj), "kind", None)
        if isinstance(kind, str):
            out["kind"] = kind
        for field in dataclasses.fields(obj):
            value = getattr(obj, field.name)
            if field.name == "path":
                out["path"] = [to_json(part) for part in value]
            else:
                out[field.name] = to_json(value)
        return out
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    return obj
