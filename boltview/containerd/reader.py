"""Reading containerd's metadata database: objects, and the links between them.

:func:`detect_kind` tells a containerd metadata database from a snapshotter's
database and from any other bolt file.  :class:`MetadataReader` lists and
loads objects lazily, one namespace and one kind at a time (or one window of
a kind, for a browser), and answers for their relations both ways
(:mod:`~boltview.containerd.relations`) and for the garbage collector's
verdict (:mod:`~boltview.containerd.gc`, :meth:`MetadataReader.why_kept`).

Relations use one index per namespace, built on first use and kept, so a
viewer can ask for them freely.

A damaged file still reads: a page that cannot be read leaves a gap, not an
error.  An object whose bucket (or part of it) is unreadable comes with what
could be read and an :class:`~boltview.containerd.model.Issue` naming the
page; a kind's or a namespace's bucket that cannot be read leaves out what is
on the broken page and no more.  Every such gap is a
:class:`~boltview.containerd.model.Problem`, collected in
:attr:`MetadataReader.problems`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, TypeAlias

from boltview.bolt.bucket import Bucket, Entry
from boltview.bolt.file import BoltFile
from boltview.bolt.path import BucketPath
from boltview.containerd import schema as S
from boltview.containerd.buckets import BucketReader, L, UnreadableError, entry_in, find_one
from boltview.containerd.gc import GcVerdict, gc_roots, why_kept
from boltview.containerd.loader import (
    load_blob,
    load_container,
    load_image,
    load_ingest,
    load_lease,
    load_namespace,
    load_sandbox,
    load_schema,
    load_snapshot,
)
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
    Container,
    ContentBlob,
    Image,
    Ingest,
    Lease,
    Namespace,
    ObjectRef,
    Pod,
    Sandbox,
    SchemaInfo,
    Snapshot,
)
from boltview.containerd.pods import group_pods
from boltview.containerd.refs import group_path, name_bytes, name_text
from boltview.containerd.relations import (
    ContentNode,
    Index,
    Reference,
    build_index,
    content_role,
    content_tree,
)
from boltview.containerd.snapshotter import SnapshotterDB
from boltview.errors import BoltviewError, InvalidDatabaseError, NotFoundError
from boltview.render.text import show_bytes

__all__ = [
    "METADATA", "PLAIN", "PLURALS", "SNAPSHOTTER", "AnyObject", "KeyWindow", "MetadataReader",
    "NotContainerdError", "ObjectWindow", "UnreadableError", "describe_plain", "detect_kind",
    "find_one", "iter_namespaces", "require_metadata",
]  # fmt: skip

METADATA: Final = "containerd-metadata"
SNAPSHOTTER: Final = "containerd-snapshotter"
PLAIN: Final = "plain"

Path: TypeAlias = BucketPath
AnyObject: TypeAlias = Namespace | Container | Image | Snapshot | ContentBlob | Ingest | Lease | Sandbox | Pod


class KeyWindow(Protocol):
    """Some consecutive keys of a bucket, and whether more lie beyond each edge."""

    @property
    def entries(self) -> list[Entry]: ...
    @property
    def more_before(self) -> bool: ...
    @property
    def more_after(self) -> bool: ...


@dataclass
class ObjectWindow:
    """The objects behind one window of a kind's keys; what could not be loaded, said."""

    objects: list[AnyObject]
    more_before: bool
    more_after: bool
    errors: list[str]


#: The plural a user types after ``ls``, and the kind it lists.
PLURALS: Final = {
    "namespaces": NAMESPACE, "containers": CONTAINER, "images": IMAGE, "snapshots": SNAPSHOT,
    "content": CONTENT, "ingests": INGEST, "leases": LEASE, "sandboxes": SANDBOX, "pods": POD,
}  # fmt: skip


class NotContainerdError(InvalidDatabaseError):
    """A containerd verb was used on a bolt file that is not containerd metadata."""


# -- what is this file? ------------------------------------------------------------------


def detect_kind(db: BoltFile) -> str:
    """``containerd-metadata``, ``containerd-snapshotter`` or ``plain``.

    A metadata database has ``v1/version`` or namespaces holding containerd's
    object buckets; a snapshotter's has only ``snapshots`` and ``parents``
    under ``v1``.  An empty ``v1`` says nothing, and counts as plain.
    """
    entry = db.root.entry(S.V1)
    if entry is None or not entry.is_bucket:
        return PLAIN
    v1 = db.root.child(entry)
    version = v1.entry(S.VERSION)
    if version is not None and not version.is_bucket:
        return METADATA  # without reading a namespace: one may be damaged
    children: set[bytes] = set()
    for item in v1.entries():
        if not item.is_bucket:
            continue
        children.add(item.key)
        if any(sub.key in S.NAMESPACE_OBJECTS for sub in v1.child(item).entries() if sub.is_bucket):
            return METADATA
    if children and children <= {S.SNAPSHOTTER_SNAPSHOTS, S.SNAPSHOTTER_PARENTS}:
        return SNAPSHOTTER
    return PLAIN


def describe_plain(db: BoltFile) -> str:
    """The one line a containerd verb prints for a file that is not containerd's."""
    names = [show_bytes(b.name) for b in db.root.buckets()]
    shown = ", ".join(names[:10]) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
    return (
        f"{db.path} is a plain bolt database, not containerd metadata "
        f"(top-level buckets: {shown or 'none'})"
    )


def require_metadata(db: BoltFile) -> None:
    """NotContainerdError unless ``db`` is containerd metadata; an unreadable root is fatal."""
    try:
        kind = detect_kind(db)
    except BoltviewError as error:  # the root or v1: nothing at all can be read
        raise InvalidDatabaseError(f"{db.path}: {error}") from None
    if kind == SNAPSHOTTER:
        raise NotContainerdError(
            f"{db.path} is a containerd snapshotter database, not containerd metadata "
            "(give it with --snapshotter-db next to meta.db)"
        )
    if kind != METADATA:
        raise NotContainerdError(describe_plain(db))


# -- the reader ----------------------------------------------------------------------


class MetadataReader(BucketReader):
    """containerd's ``meta.db`` as objects; nothing is read until asked for.

    ``snapshotters`` maps snapshotter names to their own databases, so that
    snapshots carry their kind, id, usage and directory.
    """

    def __init__(
        self,
        db: BoltFile,
        snapshotters: Mapping[str, SnapshotterDB] | None = None,
        *,
        check: bool = True,
    ) -> None:
        if check:
            require_metadata(db)
        super().__init__(db)
        self.snapshotter_dbs: dict[str, SnapshotterDB] = dict(snapshotters or {})
        self._indexes: dict[str, Index] = {}
        self._blob_buckets: dict[str, Bucket | None] = {}
        self._blob_cache: dict[tuple[str, str], ContentBlob | None] = {}

    # -- the database ----------------------------------------------------------------

    def schema(self) -> SchemaInfo:
        v1 = self._bucket(S.V1)
        return load_schema(v1) if v1 is not None else SchemaInfo(None)

    def namespace_names(self) -> list[str]:
        """Namespaces under ``v1``, plus 1.7's that only hold root-level sandboxes."""
        names = {name_text(path[-1]) for path, _ in self._each(S.V1)}
        names.update(name_text(name) for name, holds in self._root_buckets() if holds)
        return sorted(names)

    def _root_buckets(self) -> list[tuple[bytes, bool]]:
        """Top-level buckets besides ``v1``, and whether each holds 1.7's sandboxes."""
        out = []
        for bucket in self.db.root.buckets():
            if bucket.name != S.V1:
                holds = False
                with self._guard(bucket.path):
                    holds = bucket.entry(S.SANDBOXES) is not None
                out.append((bucket.name, holds))
        return out

    def namespaces(self) -> list[Namespace]:
        return [self.namespace(name) for name in self.namespace_names()]

    def namespace(self, name: str) -> Namespace:
        path = self._ns_path(name)
        header = self._header(path)
        if header is None:
            if name in self.namespace_names():  # 1.7: sandboxes only, outside v1
                return Namespace(name, None, (S.SANDBOXES.decode(),), (name_bytes(name),))
            raise NotFoundError(f"{self.db.path}: no namespace {name!r}")
        return self._load(load_namespace, path, header)

    def root_unknown(self) -> list[bytes]:
        """Top-level buckets that are neither ``v1`` nor a 1.7 sandbox holder."""
        return [name for name, holds in self._root_buckets() if not holds]

    # -- listing and loading, per kind -----------------------------------------------------

    def _listed(
        self, namespace: str, where: tuple[bytes, ...], loader: Callable[..., L]
    ) -> Iterator[L]:
        """Every object of one kind, read from the bucket ``v1/<namespace>/<where>``."""
        for path, header in self._each(*self._ns_path(namespace, *where)):
            yield self._load(loader, path, header, namespace)

    def _by_id(
        self, namespace: str, where: tuple[bytes, ...], id: str, what: str,
        loader: Callable[..., L],
    ) -> L:  # fmt: skip
        """The object of one kind named ``id``."""
        path = self._ns_path(namespace, *where, name_bytes(id))
        return self._load(loader, path, self._one(path, namespace, id, what), namespace)

    def containers(self, namespace: str) -> Iterator[Container]:
        return self._listed(namespace, (S.CONTAINERS,), load_container)

    def container(self, namespace: str, id: str) -> Container:
        return self._by_id(namespace, (S.CONTAINERS,), id, "container", load_container)

    def images(self, namespace: str) -> Iterator[Image]:
        return self._listed(namespace, (S.IMAGES,), load_image)

    def image(self, namespace: str, name: str) -> Image:
        return self._by_id(namespace, (S.IMAGES,), name, "image", load_image)

    def snapshotter_names(self, namespace: str) -> list[str]:
        return [name_text(p[-1]) for p, _ in self._each(*self._ns_path(namespace, S.SNAPSHOTS))]

    def snapshots(self, namespace: str, snapshotter: str | None = None) -> Iterator[Snapshot]:
        """Snapshots of one snapshotter, or of all of them (by snapshotter, then key)."""
        names = [snapshotter] if snapshotter else self.snapshotter_names(namespace)
        for name in names:
            for path, header in self._each(*self._ns_path(namespace, S.SNAPSHOTS, name_bytes(name))):
                yield self._join(self._load(load_snapshot, path, header, namespace, name))

    def snapshot(self, namespace: str, key: str, snapshotter: str | None = None) -> Snapshot:
        """A snapshot by key; without a snapshotter, the only one that has the key."""

        def lookup(name: str) -> Snapshot:
            path = self._ns_path(namespace, S.SNAPSHOTS, name_bytes(name), name_bytes(key))
            header = self._one(path, namespace, key, "snapshot")
            return self._join(self._load(load_snapshot, path, header, namespace, name))

        return find_one(
            [snapshotter] if snapshotter else self.snapshotter_names(namespace), lookup,
            f"{self.db.path}: no snapshot {key!r} in namespace {namespace!r}",
            lambda where: f"{self.db.path}: snapshot {key!r} exists in several snapshotters "
            f"({where}); name one with --snapshotter",
        )[0]  # fmt: skip

    def _join(self, snapshot: Snapshot) -> Snapshot:
        backend_db = self.snapshotter_dbs.get(snapshot.snapshotter)
        if backend_db is None:
            return snapshot
        backend = backend_db.get(snapshot.name)
        return dataclasses.replace(snapshot, backend=backend, backend_missing=backend is None)

    def blobs(self, namespace: str) -> Iterator[ContentBlob]:
        return self._listed(namespace, (S.CONTENT, S.BLOB), load_blob)

    def blob(self, namespace: str, digest: str) -> ContentBlob:
        return self._by_id(namespace, (S.CONTENT, S.BLOB), digest, "content blob", load_blob)

    def ingests(self, namespace: str) -> Iterator[Ingest]:
        return self._listed(namespace, (S.CONTENT, S.INGESTS), load_ingest)

    def ingest(self, namespace: str, ref: str) -> Ingest:
        return self._by_id(namespace, (S.CONTENT, S.INGESTS), ref, "ingest", load_ingest)

    def leases(self, namespace: str) -> Iterator[Lease]:
        return self._listed(namespace, (S.LEASES,), load_lease)

    def lease(self, namespace: str, id: str) -> Lease:
        return self._by_id(namespace, (S.LEASES,), id, "lease", load_lease)

    def sandboxes(self, namespace: str) -> Iterator[Sandbox]:
        """Sandboxes under ``v1`` (2.x), then 1.7's outside it."""
        for path, header in self._each(*self._ns_path(namespace, S.SANDBOXES)):
            yield self._load(load_sandbox, path, header, namespace, "v1")
        yield from self._root_sandboxes(namespace)

    def sandbox(self, namespace: str, id: str) -> Sandbox:
        for path, location in (
            (self._ns_path(namespace, S.SANDBOXES, name_bytes(id)), "v1"),
            ((name_bytes(namespace), S.SANDBOXES, name_bytes(id)), "root"),
        ):
            header = self._header(path)
            if header is not None:
                return self._load(load_sandbox, path, header, namespace, location)
        raise NotFoundError(f"{self.db.path}: no sandbox {id!r} in namespace {namespace!r}")

    # -- windows and counts, for a browser ------------------------------------------------

    def kind_bucket(self, namespace: str, kind: str, snapshotter: str | None = None) -> Bucket | None:
        """The bucket that lists one kind's objects (one snapshotter's); None if there is none.

        Unlike a listing, a page on the way that cannot be read is an error here.
        """
        path = group_path(namespace, kind, snapshotter)
        return self._existing(path) if path is not None else None

    def window(
        self, namespace: str, kind: str, keys: Callable[[Bucket], KeyWindow]
    ) -> ObjectWindow:
        """The objects of one kind whose keys ``keys`` picks from the kind's bucket.

        Not snapshots or pods.  containerd 1.7's sandboxes, outside ``v1``,
        come after the last window.  An object that cannot be loaded is named
        in ``errors``.
        """
        bucket = self.kind_bucket(namespace, kind)
        if bucket is None:
            objects: list[AnyObject] = list(self._root_sandboxes(namespace)) if kind == SANDBOX else []
            return ObjectWindow(objects, False, False, [])
        window = keys(bucket)
        loader = _LOADERS[kind]
        objects, errors = [], []
        for entry in window.entries:
            if not entry.is_bucket:
                continue
            try:
                objects.append(loader(self.db, bucket.path + (entry.key,), entry.value, namespace))
            except BoltviewError as error:
                errors.append(f"{name_text(entry.key)}: {error}")
        if kind == SANDBOX and not window.more_after:
            objects += self._root_sandboxes(namespace)
        return ObjectWindow(objects, window.more_before, window.more_after, errors)

    def count(self, namespace: str, kind: str, limit: int) -> int | None:
        """How many objects of ``kind`` there are, counting to ``limit`` at most.

        None when the kind has no bucket in the namespace (and for pods, which
        are not counted).
        """
        if kind == POD:
            return None
        if kind == SNAPSHOT:
            names = self.snapshotter_names(namespace)
            if not names:
                return None
            total = 0
            for name in names:
                bucket = self.kind_bucket(namespace, SNAPSHOT, name)
                total += _count(bucket, limit - total) if bucket is not None else 0
            return total
        bucket = self.kind_bucket(namespace, kind)
        count = _count(bucket, limit) if bucket is not None else None
        if kind == SANDBOX:
            outside = self._existing((name_bytes(namespace), S.SANDBOXES))
            if outside is not None:
                count = (count or 0) + _count(outside, limit)
        return count

    def _root_sandboxes(self, namespace: str) -> Iterator[Sandbox]:
        """containerd 1.7 kept sandboxes outside v1: ``<namespace>/sandboxes``."""
        for path, header in self._each(name_bytes(namespace), S.SANDBOXES):
            yield self._load(load_sandbox, path, header, namespace, "root")

    def pods(self, namespace: str = S.CRI_NAMESPACE) -> list[Pod]:
        """Kubernetes pods, grouped from CRI's containers and sandboxes."""
        return group_pods(namespace, self.containers(namespace), list(self.sandboxes(namespace)))

    def pod(self, namespace: str, id: str) -> Pod:
        """A pod by sandbox id, pod name or uid."""
        for pod in self.pods(namespace):
            if id in (pod.sandbox_id, pod.name, pod.uid):
                return pod
        raise NotFoundError(f"{self.db.path}: no pod {id!r} in namespace {namespace!r}")

    # -- any kind --------------------------------------------------------------------

    def objects(self, kind: str, namespace: str) -> Iterator[AnyObject]:
        """Every object of ``kind`` in ``namespace`` (``namespace`` kind: just that one)."""
        listers: dict[str, Callable[[str], Iterable[AnyObject]]] = {
            CONTAINER: self.containers, IMAGE: self.images, SNAPSHOT: self.snapshots,
            CONTENT: self.blobs, INGEST: self.ingests, LEASE: self.leases,
            SANDBOX: self.sandboxes, POD: self.pods,
        }  # fmt: skip
        if kind == NAMESPACE:
            yield self.namespace(namespace)
            return
        if kind not in listers:
            raise NotFoundError(f"unknown kind {kind!r}")
        yield from listers[kind](namespace)

    def get(self, ref: ObjectRef) -> AnyObject:
        """The object ``ref`` names; NotFoundError if it is not there."""
        ns, id = ref.namespace, ref.id
        if ref.kind == SNAPSHOT:
            return self.snapshot(ns, id, ref.snapshotter or None)
        getters: dict[str, Callable[[], AnyObject]] = {
            NAMESPACE: lambda: self.namespace(ns), CONTAINER: lambda: self.container(ns, id),
            IMAGE: lambda: self.image(ns, id), CONTENT: lambda: self.blob(ns, id),
            INGEST: lambda: self.ingest(ns, id), LEASE: lambda: self.lease(ns, id),
            SANDBOX: lambda: self.sandbox(ns, id), POD: lambda: self.pod(ns, id),
        }  # fmt: skip
        if ref.kind not in getters:
            raise NotFoundError(f"unknown kind {ref.kind!r}")
        return getters[ref.kind]()

    def find(self, ref: ObjectRef) -> AnyObject | None:
        try:
            return self.get(ref)
        except NotFoundError:
            return None

    # -- relations -------------------------------------------------------------------

    def image_tree(self, image: Image) -> ContentNode:
        """The image's blobs: target, then children by gc.ref labels, missing ones marked."""
        target = image.target
        return content_tree(image.namespace, target.digest, content_role(target.media_type),
                            "target", self._find_blob)  # fmt: skip

    def _find_blob(self, namespace: str, digest: str) -> ContentBlob | None:
        """A blob by digest, or None; cached, as image trees share their base layers."""
        if not digest:
            return None
        key = (namespace, digest)
        if key in self._blob_cache:
            return self._blob_cache[key]
        if namespace not in self._blob_buckets:
            self._blob_buckets[namespace] = self._bucket(*self._ns_path(namespace, S.CONTENT, S.BLOB))
        bucket = self._blob_buckets[namespace]
        blob = None
        if bucket is not None:
            with self._guard(bucket.path):
                entry = entry_in(bucket, name_bytes(digest))
                if entry is not None:
                    blob = self._load(load_blob, bucket.path + (entry.key,), entry.value, namespace)
        if len(self._blob_cache) > 50_000:
            self._blob_cache.clear()
        self._blob_cache[key] = blob
        return blob

    def container_image(self, container: Container) -> Image | None:
        if not container.image:
            return None
        path = self._ns_path(container.namespace, S.IMAGES, name_bytes(container.image))
        header = self._header(path)
        if header is None:
            return None
        return self._load(load_image, path, header, container.namespace)

    def container_snapshot(self, container: Container) -> Snapshot | None:
        ref = container.snapshot_ref
        if ref is None:
            return None
        try:
            return self.snapshot(ref.namespace, ref.id, ref.snapshotter)
        except NotFoundError:
            return None

    def snapshot_chain(self, snapshot: Snapshot) -> list[Snapshot]:
        """The snapshot's parents, nearest first; stops at a missing parent or a cycle."""
        chain: list[Snapshot] = []
        seen = {snapshot.key}
        current = snapshot
        while current.parent and current.parent not in seen:
            seen.add(current.parent)
            try:
                current = self.snapshot(snapshot.namespace, current.parent, snapshot.snapshotter)
            except NotFoundError:
                break
            chain.append(current)
        return chain

    def references_from(self, ref: ObjectRef) -> list[Reference]:
        """What ``ref`` keeps alive, directly."""
        return list(self._index(ref.namespace).forward.get(ref, ()))

    def referenced_by(self, ref: ObjectRef) -> list[Reference]:
        """What keeps ``ref`` alive, directly: the other end of every reference to it."""
        return list(self._index(ref.namespace).backward.get(ref, ()))

    def exists(self, ref: ObjectRef) -> bool:
        return ref in self._index(ref.namespace).exists

    def gc_roots(self, namespace: str, now: datetime | None = None) -> dict[ObjectRef, str]:
        """Objects the garbage collector starts from, with the reason, at ``now``."""
        return gc_roots(self._index(namespace), now)

    def why_kept(self, ref: ObjectRef, now: datetime | None = None) -> GcVerdict:
        """Why containerd's garbage collector would keep ``ref`` (at ``now``), or not.

        Follows containerd's mark phase: from the roots (containers, images,
        unexpired leases and their resources, gc.root labels, unexpired
        ingests) along every reference; a flat lease keeps its resources but
        not what they reference.  The shortest chain is returned.
        """
        return why_kept(self._index(ref.namespace), ref, now)

    def _index(self, namespace: str) -> Index:
        index = self._indexes.get(namespace)
        if index is None:
            index = self._indexes[namespace] = build_index(self, namespace)
        return index


#: Loaders by kind, for a window: (db, bucket path, bucket header, namespace) -> object.
_LOADERS: dict[str, Callable[[BoltFile, Path, bytes, str], AnyObject]] = {
    CONTAINER: load_container, IMAGE: load_image, CONTENT: load_blob, INGEST: load_ingest,
    LEASE: load_lease,
    SANDBOX: lambda db, path, header, ns: load_sandbox(db, path, header, ns, "v1"),
}  # fmt: skip


def _count(bucket: Bucket, limit: int) -> int:
    """Sub-buckets of ``bucket``, counted up to ``limit``."""
    count = 0
    for entry in bucket.entries():
        if entry.is_bucket:
            count += 1
            if count >= limit:
                break
    return count


def iter_namespaces(reader: MetadataReader, namespace: str | None) -> Iterable[str]:
    """One namespace (checked to exist) or all of them."""
    names = reader.namespace_names()
    if namespace is None:
        return names
    if namespace not in names:
        raise NotFoundError(
            f"{reader.db.path}: no namespace {namespace!r} (namespaces: {', '.join(names) or 'none'})"
        )
    return [namespace]
