"""The containerd view's model: the reader, shared safely by the tree and the detail pane.

A thin layer over :class:`~boltview.containerd.reader.MetadataReader` that
knows nothing of Textual.  Every read takes the app's reader lock, because
the engine's page cache is shared by the tree's workers and the detail pane;
what the tree lists, how a raw bucket maps to an object and what an object's
relations are all come from :mod:`boltview.containerd`.  Exports read on a
private view of the file, so a long one does not hold the lock.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any, BinaryIO

from boltview.bolt.cursor import window
from boltview.bolt.file import BoltFile
from boltview.bolt.path import BucketPath
from boltview.containerd import export
from boltview.containerd import schema as S
from boltview.containerd.imagedoc import summary
from boltview.containerd.json import object_json
from boltview.containerd.listing import ContentStore, default_platform, go_bytes, image_facts
from boltview.containerd.model import Container, Image, Ingest, Namespace, ObjectRef, Pod, Snapshot
from boltview.containerd.reader import AnyObject, MetadataReader, ObjectWindow, detect_kind
from boltview.containerd.refs import KIND_BUCKETS, describe, name_bytes, object_at
from boltview.containerd.relations import Relation, checked_snapshot, relations
from boltview.containerd.snapshotter import SnapshotterDB
from boltview.errors import BoltviewError
from boltview.forensics.containerd import recovered_objects
from boltview.forensics.records import DELETED
from boltview.forensics.recover import recover
from boltview.node.rootfs import MergedView
from boltview.tui.files_source import FilesSource

# The names the tree, the app and the tests import from here.
__all__ = [
    "COUNT_LIMIT", "GROUPS", "ContainerdModel", "Link", "ObjectWindow", "describe", "detect",
    "namespace_bytes", "object_at",
]  # fmt: skip

#: The groups of a namespace, in the order the tree shows them: (title, kind, bucket path).
GROUPS = KIND_BUCKETS

#: One relation in the detail pane (its label, text, target, missing flag, depth).
Link = Relation

namespace_bytes = name_bytes

#: Largest count shown exactly in a group's label.
COUNT_LIMIT = 10_000


def detect(db: BoltFile) -> str:
    """containerd-metadata, containerd-snapshotter or plain; never raises."""
    try:
        return detect_kind(db)
    except Exception:  # noqa: BLE001 - a corrupt root still opens, as a plain file
        return "plain"


class ContainerdModel:
    """Objects, windows and relations for the containerd tree.

    ``snapshotter_dbs`` (by snapshotter name) give snapshots their real kind,
    id and usage; ``content`` is the content store, when it was found or given
    (see :mod:`boltview.containerd.companions`).
    """

    def __init__(
        self,
        db: BoltFile,
        lock: threading.RLock | None = None,
        snapshotter_dbs: Mapping[str, SnapshotterDB] | None = None,
        content: ContentStore | None = None,
    ) -> None:
        self.lock = lock or threading.RLock()
        self.snapshotter_dbs = dict(snapshotter_dbs or {})
        self.content = content
        self._deleted: dict[int, frozenset[ObjectRef]] = {}
        self._recovering = threading.Lock()
        self.files: FilesSource | None = None
        """Where containers' files are read (None: looked for beside the file when first asked)."""
        self.set_db(db)

    def set_db(self, db: BoltFile) -> None:
        """Read ``db`` (one transaction of the file); the snapshotter databases stay."""
        self.db = db
        self.reader = MetadataReader(db, self.snapshotter_dbs, check=False)
        self._keys: dict[tuple[str, str], frozenset[str]] = {}
        """Each snapshotter's snapshot keys, per namespace, once listed."""

    def attach(
        self, snapshotter_dbs: Mapping[str, SnapshotterDB], content: ContentStore | None
    ) -> None:
        """Join the snapshotter databases and the content store found or given."""
        with self.lock:
            self.snapshotter_dbs = dict(snapshotter_dbs)
            self.content = content
            self.set_db(self.db)

    # -- listing ---------------------------------------------------------------------

    def namespaces(self) -> list[Namespace]:
        with self.lock:
            out = []
            for name in self.reader.namespace_names():
                try:
                    out.append(self.reader.namespace(name))
                except BoltviewError:
                    out.append(Namespace(name, None, (), (S.V1, name_bytes(name))))
            return out

    def schema_version(self) -> int | None:
        with self.lock:
            return self.reader.schema().version

    def count(self, namespace: str, kind: str) -> int | None:
        """How many objects of ``kind`` (None: no such bucket; capped at COUNT_LIMIT+1)."""
        with self.lock:
            return self.reader.count(namespace, kind, COUNT_LIMIT + 1)

    def window(
        self, namespace: str, kind: str, mode: str = "first", key: bytes | None = None
    ) -> ObjectWindow:
        """A window of objects of one kind: ``mode`` first/after/before/at ``key``."""
        with self.lock:
            return self.reader.window(namespace, kind, lambda b: window(b, mode, key))

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
            keys = frozenset(s.key for s in snapshots)
            self._keys[namespace, snapshotter] = keys
            snapshots = [self._checked(s) for s in snapshots]
        roots = [s for s in snapshots if not s.parent or s.parent not in keys]
        return roots, {s.key: len(s.children) for s in snapshots}

    def snapshot_children(self, snapshot: Snapshot) -> list[Snapshot]:
        """The children that exist (a parent may list some the garbage collector deleted)."""
        out = []
        with self.lock:
            for key in snapshot.children:
                try:
                    child = self.reader.snapshot(snapshot.namespace, key, snapshot.snapshotter)
                except BoltviewError:
                    continue
                out.append(self._checked(child))
        return out

    def _checked(self, snapshot: Snapshot) -> Snapshot:
        """Its true children, and its kind as meta.db implies it when the snapshotter's
        database is not there (see :func:`~boltview.containerd.relations.checked_snapshot`)."""
        keys = self._keys.get((snapshot.namespace, snapshot.snapshotter))
        try:
            return checked_snapshot(self.reader, snapshot, keys)
        except BoltviewError:  # a damaged namespace: as it was read
            return snapshot

    def pods(self, namespace: str) -> list[Pod]:
        with self.lock:
            return self.reader.pods(namespace)

    def get(self, ref: ObjectRef) -> AnyObject | None:
        with self.lock:
            try:
                obj = self.reader.get(ref)
            except BoltviewError:
                return None
            return self._checked(obj) if isinstance(obj, Snapshot) else obj

    def snapshot_chain(self, snapshot: Snapshot) -> list[Snapshot]:
        with self.lock:
            return self.reader.snapshot_chain(snapshot)

    def object_at(self, path: BucketPath) -> ObjectRef | None:
        """The object a raw bucket (or anything below it) belongs to."""
        return object_at(path)

    def relations(self, obj: AnyObject, now: datetime) -> list[Relation]:
        """Links from ``obj`` to the objects it names and to those that name it.

        A link to an object that is not there is marked missing; whether
        ``recover`` finds it deleted is :meth:`mark_deleted`'s to tell, after.
        """
        with self.lock:
            try:
                facts = self.store_facts(obj)
            except (BoltviewError, OSError, ValueError):  # only facts: the relations go on
                facts = []
            return facts + relations(self.reader, obj, now)

    def mark_deleted(self, links: list[Relation]) -> list[Relation] | None:
        """``links`` with the missing ones that ``recover`` finds marked deleted; None when
        no link is missing.  The first call reads the file's unused pages: call it in a
        worker, never on the event loop."""
        if not any(link.missing and link.ref is not None for link in links):
            return None
        deleted = self.deleted_refs()
        return [dataclasses.replace(link, deleted=True)
                if link.missing and link.ref in deleted else link
                for link in links]  # fmt: skip

    def store_facts(self, obj: AnyObject) -> list[Relation]:
        """What ctr shows beyond meta.db: an image's size and platforms, an ingest's
        progress, from the content store when there is one (else from what meta.db
        records), as lines above the relations."""
        if isinstance(obj, Image):
            facts = image_facts(self.reader, obj, self.content)
            where = {"content-store": "content store",
                     "labels": "the blob sizes meta.db records"}.get(facts.how)  # fmt: skip
            if facts.size is None or where is None:
                return [Relation("size", f"unknown: {facts.how}")]
            lines = [Relation("size", f"{go_bytes(facts.size)}  ({where})")]
            if facts.platforms:
                lines.append(Relation("platforms", f"{', '.join(facts.platforms)}  ({where})"))
            if self.content is not None:
                target = {"mediaType": obj.target.media_type, "digest": obj.target.digest,
                          "size": obj.target.size}  # fmt: skip
                os_name, arch, _ = default_platform()
                for label, text in summary(self.content.blob, target, (os_name, arch),
                                           self.content.matches):  # fmt: skip
                    lines.append(Relation(label, text))
            return lines
        if isinstance(obj, Ingest) and self.content is not None:
            status = self.content.ingest_status(obj.backend_ref)
            if status is None:
                return [Relation("written", "not in the content store")]
            written, started, total = status
            since = f", started {started}" if started else ""
            of = f" of {go_bytes(total)}" if total else ""
            return [Relation("written", f"{go_bytes(written)}{of} so far{since}  (content store)")]
        return []

    def deleted_refs(self) -> frozenset[ObjectRef]:
        """The objects ``recover`` finds deleted in this transaction's unused pages.

        Read on a private view of the file, so the tree's workers are not held
        up; kept per transaction.  A file too damaged to scan finds nothing.
        """
        db = self.db
        with self._recovering:
            found = self._deleted.get(db.txid)
            if found is None:
                try:
                    recovered = recovered_objects(recover(db.with_meta(db.meta.index)))
                except Exception:  # noqa: BLE001 - a hostile file must not end the app
                    recovered = []
                found = frozenset(
                    ObjectRef(o.kind, o.namespace, o.id, o.snapshotter or "")
                    for o in recovered
                    if o.status == DELETED and o.namespace is not None and o.id is not None
                )
                self._deleted[db.txid] = found
            return found

    # -- files -----------------------------------------------------------------------

    def files_view(self, owner: Container | Snapshot, *, with_parent: bool = False) -> MergedView:
        """A container's or snapshot's merged filesystem (FilesUnavailable: why there is none).

        Call it in a worker: the first call looks for the snapshot directories.
        """
        if self.files is None:
            self.files = FilesSource.beside(self.db.path)
        return self.files.view(self.reader, self.lock, owner, with_parent=with_parent)

    # -- export ------------------------------------------------------------------------

    def to_json(self, obj: AnyObject) -> Any:
        """An object as the CLI's ``inspect`` prints it (ctr's fields, plus boltview's)."""
        with self.lock:
            try:
                return object_json(self.db, obj)
            except (TypeError, BoltviewError) as error:
                return {"error": f"no JSON for this object: {error}"}

    def private_reader(self) -> MetadataReader:
        """A reader on its own view of the file, for long exports that must not hold the lock."""
        return MetadataReader(self.db.with_meta(self.db.meta.index), check=False)

    def write_object(self, obj: AnyObject, out: BinaryIO, now: datetime) -> None:
        export.write_object(self.private_reader(), obj, out, now)

    def write_namespace(self, namespace: str, out: BinaryIO, now: datetime) -> None:
        export.write_namespace(self.private_reader(), namespace, out, now)

    def write_group(
        self, namespace: str, kind: str, snapshotter: str | None, out: BinaryIO
    ) -> None:
        export.write_group(self.private_reader(), namespace, kind, snapshotter, out)
