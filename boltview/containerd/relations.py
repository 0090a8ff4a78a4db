"""The links between containerd's objects, as containerd's garbage collector sees them.

- container -> image -> index/manifest blob -> config and layers, following
  the ``containerd.io/gc.ref.content.*`` labels containerd puts on content;
- container -> snapshot -> parent chain; content -> snapshot (gc.ref labels);
- lease -> resources; ingest -> the blob it expects;
- and backwards, through ``containerd.io/gc.bref.*`` labels.

:func:`build_index` gathers every reference of one namespace, both ways,
with the garbage collector's roots; :func:`relations` lays out one object's
links as a list of :class:`Relation`, the way a person follows them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from boltview.containerd import schema as S
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    SANDBOX,
    SNAPSHOT,
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
)
from boltview.containerd.refs import ref_label, short_digest
from boltview.errors import BoltviewError

if TYPE_CHECKING:
    from boltview.containerd.reader import AnyObject, MetadataReader


@dataclass(frozen=True, slots=True)
class Reference:
    """``source`` keeps ``target`` alive, in containerd's garbage collector's eyes."""

    source: ObjectRef
    target: ObjectRef
    via: str
    """target, parent, snapshot, expected, lease, label <key>, or back-reference label <key>."""


@dataclass(slots=True)
class ContentNode:
    """A blob in an image's tree, found or missing."""

    digest: str
    role: str
    """index, manifest, config, layer or other."""
    via: str
    """The label (or "target") that links it to its parent."""
    blob: ContentBlob | None
    children: list[ContentNode] = field(default_factory=list)
    snapshots: list[ObjectRef] = field(default_factory=list)
    """Snapshots a config blob keeps alive (``gc.ref.snapshot.<snapshotter>``)."""
    repeated: bool = False
    """The blob's links were followed once already, higher in the tree: not again."""
    more: int = 0
    """Links below this blob left out, past the tree's size or depth limit."""

    def walk(self) -> Iterator[ContentNode]:
        yield self
        for child in self.children:
            yield from child.walk()


class Index:
    """Every reference in one namespace, both ways, plus the roots."""

    def __init__(self) -> None:
        self.forward: dict[ObjectRef, list[Reference]] = {}
        self.backward: dict[ObjectRef, list[Reference]] = {}
        self.roots: dict[ObjectRef, tuple[str, float | None]] = {}
        """Root candidates: the reason, and when they stop being roots (Unix time)."""
        self.exists: set[ObjectRef] = set()
        self.flat_leases: set[ObjectRef] = set()

    def add(self, source: ObjectRef, target: ObjectRef, via: str) -> None:
        reference = Reference(source, target, via)
        self.forward.setdefault(source, []).append(reference)
        self.backward.setdefault(target, []).append(reference)

    def labels(self, source: ObjectRef, labels: Mapping[str, str] | None) -> None:
        """The edges containerd's gc reads from an object's labels (metadata/gc.go)."""
        for key, value in sorted((labels or {}).items()):
            target = label_target(source.namespace, key, value)
            if target is not None:
                self.add(source, target, f"label {key}")
                continue
            back = back_reference(source.namespace, key, value)
            if back is not None:
                self.add(back, source, f"back-reference label {key}")


def label_target(namespace: str, key: str, value: str) -> ObjectRef | None:
    """What a ``containerd.io/gc.ref.*`` label points at, or None."""
    if not key.startswith(S.LABEL_GC_REF):
        return None
    if key.startswith(S.LABEL_GC_REF_SNAPSHOT):
        snapshotter = key[len(S.LABEL_GC_REF_SNAPSHOT) :].split("/", 1)[0]
        return ObjectRef(SNAPSHOT, namespace, value, snapshotter)
    for prefix, kind in ((S.LABEL_GC_REF_CONTENT, CONTENT), (S.LABEL_GC_REF_IMAGE, IMAGE)):
        if _named(key, prefix):
            return ObjectRef(kind, namespace, value)
    return None


def back_reference(namespace: str, key: str, value: str) -> ObjectRef | None:
    """The object a ``containerd.io/gc.bref.*`` label attaches its owner to, or None."""
    if key.startswith(S.LABEL_GC_BREF_SNAPSHOT):
        snapshotter = key[len(S.LABEL_GC_BREF_SNAPSHOT) :].split("/", 1)[0]
        return ObjectRef(SNAPSHOT, namespace, value, snapshotter)
    for prefix, kind in (
        (S.LABEL_GC_BREF_CONTAINER, CONTAINER),
        (S.LABEL_GC_BREF_CONTENT, CONTENT),
        (S.LABEL_GC_BREF_IMAGE, IMAGE),
    ):
        if _named(key, prefix):
            return ObjectRef(kind, namespace, value)
    return None


def _named(key: str, prefix: str) -> bool:
    """``prefix`` itself, or ``prefix`` + ``.name`` / ``/name`` (gc.go's rule)."""
    return key == prefix or (key.startswith(prefix) and key[len(prefix)] in "./")


def _is_gc_root(labels: Mapping[str, str] | None) -> bool:
    return any(key.startswith(S.LABEL_GC_ROOT) for key in labels or {})


def label_expiry(labels: Mapping[str, str] | None) -> float | None:
    """A valid RFC 3339 ``containerd.io/gc.expire`` label as a Unix time; else None."""
    value = (labels or {}).get(S.LABEL_GC_EXPIRE)
    if value is None:
        return None
    try:
        expire = datetime.fromisoformat(value)
    except ValueError:
        return None  # containerd logs and ignores an invalid value
    return expire.timestamp() if expire.tzinfo is not None else None


def content_role(media_type: str) -> str:
    if "index" in media_type or "manifest.list" in media_type:
        return "index"
    if "manifest" in media_type:
        return "manifest"
    if "config" in media_type or media_type.endswith("container.image.v1+json"):
        return "config"
    if "layer" in media_type or "rootfs" in media_type:
        return "layer"
    return "other"


def _role_from_label(key: str) -> tuple[str, int]:
    """(role, order) of a content gc.ref label: ``m.N``, ``config``, ``l.N``..."""
    suffix = key[len(S.LABEL_GC_REF_CONTENT) :].lstrip("./")
    head, _, number = suffix.partition(".")
    order = int(number) if number.isdigit() else 0
    role = {"m": "manifest", "config": "config", "l": "layer"}.get(head, "other")
    rank = {"manifest": 0, "config": 1, "layer": 2, "other": 3}[role]
    return role, rank * 1_000_000 + order


MAX_TREE_NODES = 1_000
"""Blobs shown in one image's tree; a real one has an index, a few manifests and layers."""
MAX_TREE_DEPTH = 32
"""Levels shown in one image's tree; a real one has three (index, manifest, layer)."""


def content_tree(
    namespace: str, digest: str, role: str, via: str,
    find_blob: Callable[[str, str], ContentBlob | None],
) -> ContentNode:  # fmt: skip
    """A blob and, by its gc.ref labels, the blobs and snapshots below it; missing ones marked.

    The labels form a graph, not a tree: a hostile one can share a blob between
    many parents (a diamond doubles the paths at each level) or chain thousands
    deep.  Each blob's links are followed once, without recursion, and the tree
    stops at :data:`MAX_TREE_NODES` blobs and :data:`MAX_TREE_DEPTH` levels; a
    node says how many links it leaves out.
    """
    root = ContentNode(digest, role, via, find_blob(namespace, digest))
    followed: set[str] = set()
    shown = 1
    pending = [(root, 0)]
    while pending:
        node, depth = pending.pop()
        if node.blob is None:
            continue
        links = _content_links(namespace, node)
        if node.digest in followed:
            node.repeated = bool(links)
            continue
        followed.add(node.digest)
        room = 0 if depth >= MAX_TREE_DEPTH else max(0, MAX_TREE_NODES - shown)
        node.more = max(0, len(links) - room)
        for key, value, child_role in links[:room]:
            node.children.append(ContentNode(value, child_role, key, find_blob(namespace, value)))
        shown += len(node.children)
        pending.extend((child, depth + 1) for child in reversed(node.children))
    return root


def _content_links(namespace: str, node: ContentNode) -> list[tuple[str, str, str]]:
    """The blob's content gc.ref labels (key, digest, role), in order; its snapshots noted."""
    links = []
    snapshots = []
    for key, value in ((node.blob.labels if node.blob else None) or {}).items():
        if _named(key, S.LABEL_GC_REF_CONTENT):
            child_role, order = _role_from_label(key)
            links.append((order, key, value, child_role))
        elif key.startswith(S.LABEL_GC_REF_SNAPSHOT):
            target = label_target(namespace, key, value)
            if target is not None:
                snapshots.append(target)
    node.snapshots = snapshots
    return [(key, value, child_role) for _, key, value, child_role in sorted(links)]


def build_index(reader: MetadataReader, namespace: str) -> Index:
    """Every reference in ``namespace`` and every root, read once."""
    index = Index()
    for image in reader.images(namespace):
        index.exists.add(image.ref)
        index.roots[image.ref] = ("image", label_expiry(image.labels))
        if image.target.digest:
            index.add(image.ref, ObjectRef(CONTENT, namespace, image.target.digest), "target")
        index.labels(image.ref, image.labels)
    for blob in reader.blobs(namespace):
        index.exists.add(blob.ref)
        if _is_gc_root(blob.labels):
            index.roots[blob.ref] = (f"label {S.LABEL_GC_ROOT}", None)
        index.labels(blob.ref, blob.labels)
    for container in reader.containers(namespace):
        index.exists.add(container.ref)
        index.roots[container.ref] = ("container", None)
        if container.snapshot_ref is not None:
            index.add(container.ref, container.snapshot_ref, "snapshot")
        index.labels(container.ref, container.labels)
    for snapshot in reader.snapshots(namespace):
        index.exists.add(snapshot.ref)
        if _is_gc_root(snapshot.labels):
            index.roots[snapshot.ref] = (f"label {S.LABEL_GC_ROOT}", None)
        if snapshot.parent:
            parent = ObjectRef(SNAPSHOT, namespace, snapshot.parent, snapshot.snapshotter)
            index.add(snapshot.ref, parent, "parent")
        index.labels(snapshot.ref, snapshot.labels)
    for ingest in reader.ingests(namespace):
        index.exists.add(ingest.ref)
        if ingest.expire_at is not None:
            expires = ingest.expire_at.unix_seconds + ingest.expire_at.nanos / 1e9
            index.roots[ingest.ref] = ("ingest", expires)
        if ingest.expected:
            index.add(ingest.ref, ObjectRef(CONTENT, namespace, ingest.expected), "expected")
    for lease in reader.leases(namespace):
        index.exists.add(lease.ref)
        index.roots[lease.ref] = ("lease", label_expiry(lease.labels))
        if S.LABEL_GC_FLAT in (lease.labels or {}):
            index.flat_leases.add(lease.ref)
        for resource in lease.resources:
            index.add(lease.ref, resource.target(namespace), "lease")
    for sandbox in reader.sandboxes(namespace):
        index.exists.add(sandbox.ref)
        index.roots[sandbox.ref] = ("sandbox", None)
        index.labels(sandbox.ref, sandbox.labels)
    return index


# -- what meta.db alone tells of a snapshot ------------------------------------------------


def checked_snapshot(
    reader: MetadataReader, snapshot: Snapshot, existing: Collection[str] | None = None
) -> Snapshot:
    """The snapshot with only the children that exist, and, without the snapshotter's
    database, the kind meta.db implies.

    Children: containerd's garbage collector deletes a snapshot's bucket without
    unlinking it from its parent's ``children``, so a parent may list children
    that are gone (``gone_children``).

    Kind: only a committed snapshot can be a parent or an image's unpacked
    layer (a ``gc.ref.snapshot`` label on its content); one that a container
    names as its snapshot key is mounted read-write, Active, unless it was made
    read-only (a View).  Anything else only the snapshotter knows.

    ``existing``: the keys of the snapshotter's snapshots, when the caller has
    them (else each child is looked up in the namespace's index).
    """
    listed = (*snapshot.children, *snapshot.gone_children)
    if existing is not None:
        live = tuple(key for key in listed if key in existing)
    else:
        live = tuple(key for key in listed if reader.exists(_child(snapshot, key)))
    gone = tuple(key for key in listed if key not in live)
    kind, evidence = (None, "") if snapshot.backend is not None else infer_kind(reader, snapshot)
    return dataclasses.replace(snapshot, children=live, gone_children=gone, inferred_kind=kind,
                               kind_evidence=evidence)  # fmt: skip


def infer_kind(reader: MetadataReader, snapshot: Snapshot) -> tuple[str | None, str]:
    """(kind, why) that meta.db implies for ``snapshot``; (None, "") when it tells nothing."""
    committed, active = S.SNAPSHOT_KINDS[3], S.SNAPSHOT_KINDS[2]
    if snapshot.children or snapshot.gone_children:
        return committed, "it is another snapshot's parent"
    container = None
    for reference in reader.referenced_by(snapshot.ref):
        if reference.via == "parent":
            return committed, "it is another snapshot's parent"
        if reference.source.kind in (CONTENT, IMAGE) and reference.via.startswith(
            "label " + S.LABEL_GC_REF_SNAPSHOT
        ):
            return committed, "an image's layer, unpacked (a gc.ref.snapshot label names it)"
        if reference.source.kind == CONTAINER and reference.via == "snapshot":
            container = reference.source.id
    if container is not None:
        return active, f"container {container} runs on it; a read-only one would use a View"
    return None, ""


def _child(snapshot: Snapshot, key: str) -> ObjectRef:
    return ObjectRef(SNAPSHOT, snapshot.namespace, key, snapshot.snapshotter)


# -- one object's relations, as a person follows them ----------------------------------------


@dataclass(frozen=True)
class Relation:
    """One relation of an object: to another object, or a note when it is missing."""

    label: str  # what the relation is, e.g. "image", "parent", "kept by"
    text: str  # what it points at, for people (unescaped)
    ref: ObjectRef | None = None
    missing: bool = False
    depth: int = 0
    deleted: bool = False
    """Missing, and ``recover`` finds it in the pages the file no longer uses."""

    @property
    def note(self) -> str:
        """What a missing target is, in words (empty when it is there)."""
        if not self.missing or self.label in ("gc", "error", "..."):
            return ""
        if self.deleted:
            return "deleted: not in the live tree; recover finds it in free pages"
        return "missing: no such object in this database"


def relations(reader: MetadataReader, obj: AnyObject, now: datetime) -> list[Relation]:
    """What ``obj`` names and what names it, nearest first, then the gc verdict.

    A page that cannot be read ends the list with an "error" relation; what
    was found before it stays.
    """
    found: list[Relation] = []
    try:
        found.extend(_relations(reader, obj, now))  # one by one: a gap keeps what came before
    except BoltviewError as error:
        found.append(Relation("error", f"more relations unreadable: {error}", missing=True))
    return found


def _relations(reader: MetadataReader, obj: AnyObject, now: datetime) -> Iterator[Relation]:
    if isinstance(obj, Container):
        yield from _container(reader, obj)
    elif isinstance(obj, Image):
        yield from _content(reader, obj.namespace, reader.image_tree(obj), 0)
        for container in reader.containers(obj.namespace):
            if container.image == obj.name:
                yield Relation("used by", f"container {short_digest(container.id)}", container.ref)
    elif isinstance(obj, Snapshot):
        yield from _snapshot(reader, obj)
    elif isinstance(obj, ContentBlob):
        for reference in reader.references_from(obj.ref):
            yield Relation(_via(reference.via), ref_label(reference.target), reference.target,
                           missing=not reader.exists(reference.target))  # fmt: skip
    elif isinstance(obj, Lease):
        for resource in obj.resources:
            target = resource.target(obj.namespace)
            yield Relation(f"holds {resource.type}", short_digest(resource.id), target,
                           missing=not reader.exists(target))  # fmt: skip
    elif isinstance(obj, Ingest):
        if obj.expected:
            target = ObjectRef(CONTENT, obj.namespace, obj.expected)
            yield Relation("expected", short_digest(obj.expected), target,
                           missing=not reader.exists(target))  # fmt: skip
    elif isinstance(obj, Sandbox):
        for container in reader.containers(obj.namespace):
            if container.sandbox_id == obj.id:
                yield Relation("container", short_digest(container.id), container.ref)
    elif isinstance(obj, Pod):
        yield from _pod(obj)
    if isinstance(obj, Namespace | Pod):
        return
    for reference in reader.referenced_by(obj.ref):
        yield Relation(f"referenced by ({_via(reference.via)})", ref_label(reference.source),
                       reference.source, missing=not reader.exists(reference.source))  # fmt: skip
    if isinstance(obj, ContentBlob | Snapshot | Ingest | Lease | Image):
        yield _gc(reader, obj.ref, now)


def _container(reader: MetadataReader, obj: Container) -> Iterator[Relation]:
    if obj.image:
        image = reader.container_image(obj)
        yield Relation("image", obj.image, ObjectRef(IMAGE, obj.namespace, obj.image),
                       missing=image is None)  # fmt: skip
        if image is not None:
            yield from _content(reader, obj.namespace, reader.image_tree(image), 1)
    snapshot = reader.container_snapshot(obj)
    if obj.snapshot_ref is not None:
        yield Relation("snapshot", f"{obj.snapshotter}/{obj.snapshot_key}", obj.snapshot_ref,
                       missing=snapshot is None)  # fmt: skip
    if snapshot is not None:
        for depth, parent in enumerate(reader.snapshot_chain(snapshot), 1):
            yield Relation("parent", short_digest(parent.key), parent.ref, depth=depth)
    if obj.sandbox_id:
        ref = ObjectRef(SANDBOX, obj.namespace, obj.sandbox_id)
        yield Relation("sandbox", obj.sandbox_id, ref, missing=not reader.exists(ref))


def _snapshot(reader: MetadataReader, obj: Snapshot) -> Iterator[Relation]:
    chain = reader.snapshot_chain(obj)
    for depth, parent in enumerate(chain):
        yield Relation("parent", short_digest(parent.key), parent.ref, depth=depth)
    last = chain[-1] if chain else obj
    if last.parent:
        gone = ObjectRef(SNAPSHOT, obj.namespace, last.parent, obj.snapshotter)
        yield Relation("parent", last.parent, gone, missing=True, depth=len(chain))
    for child in (*obj.children, *obj.gone_children):
        ref = ObjectRef(SNAPSHOT, obj.namespace, child, obj.snapshotter)
        yield Relation("child", short_digest(child), ref, missing=not reader.exists(ref))


def _pod(obj: Pod) -> Iterator[Relation]:
    if obj.sandbox_container is not None:
        yield Relation("sandbox container", short_digest(obj.sandbox_container.id),
                       obj.sandbox_container.ref)  # fmt: skip
    if obj.sandbox is not None:
        yield Relation("sandbox", short_digest(obj.sandbox.id), obj.sandbox.ref)
    for member in obj.containers:
        yield Relation(f"container {member.name}", short_digest(member.id), member.container.ref)


def _content(
    reader: MetadataReader, namespace: str, node: ContentNode, depth: int
) -> Iterator[Relation]:
    label = f"target ({node.role})" if node.via == "target" else node.role
    ref = ObjectRef(CONTENT, namespace, node.digest) if node.digest else None
    yield Relation(label, short_digest(node.digest), ref, missing=node.blob is None, depth=depth)
    for snapshot in node.snapshots:
        yield Relation("unpacked", f"{snapshot.snapshotter}/{short_digest(snapshot.id)}",
                       snapshot, missing=not reader.exists(snapshot), depth=depth + 1)  # fmt: skip
    if node.repeated:
        yield Relation("...", "its links are shown above", depth=depth + 1)
    for child in node.children:
        yield from _content(reader, namespace, child, depth + 1)
    if node.more:
        yield Relation("...", f"... {node.more} more", depth=depth + 1)


def _gc(reader: MetadataReader, ref: ObjectRef, now: datetime) -> Relation:
    verdict = reader.why_kept(ref, now)
    if verdict.root is not None:
        return Relation("gc", f"kept: a root ({verdict.root})")
    if verdict.chain:
        first = verdict.chain[0].source
        return Relation("gc", f"kept via {len(verdict.chain)} reference(s) from {ref_label(first)}",
                        first)  # fmt: skip
    return Relation("gc", "nothing keeps it: the garbage collector would remove it", missing=True)


def _via(via: str) -> str:
    return via.replace("back-reference label ", "bref ").replace("label ", "")
