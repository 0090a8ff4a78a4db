"""A snapshotter's own database: ``io.containerd.snapshotter.v1.<name>/metadata.db``.

containerd's metadata database knows a snapshot by namespace and key; the
snapshotter (overlayfs, native, ...) knows it by a backend name
(``<namespace>/<n>/<key>``, the ``name`` field on the metadata side), an id
that names its directory on disk, its kind, and for committed snapshots its
disk usage::

    v1/snapshots/<name>/   id (uvarint), kind (1 byte), parent (a name),
                           createdat, updatedat, inodes, size (varints), labels/
    v1/parents/            uvarint(parent id) 0x00 uvarint(child id) = child name

:class:`SnapshotterDB` reads it and joins it with the metadata side by name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.containerd import schema as S
from boltview.containerd.encoding import decode_uvarint, read_uvarint
from boltview.containerd.loader import Fields, child_headers
from boltview.containerd.model import BackendSnapshot, Issue
from boltview.errors import BoltviewError, InvalidDatabaseError, NotFoundError


@dataclass(frozen=True, slots=True)
class ParentLink:
    """One key of ``v1/parents``: a child id under its parent's id."""

    parent_id: int
    child_id: int
    child_name: str
    key: bytes


class SnapshotterDB:
    """One snapshotter's database, indexed by backend name on first use."""

    def __init__(self, db: BoltFile, name: str | None = None) -> None:
        self.db = db
        self.name = name or snapshotter_name_from_path(db.path) or "overlayfs"
        self.root = _plugin_root(db.path)
        self._by_name: dict[str, BackendSnapshot] | None = None

    @classmethod
    def open(
        cls, path: str, name: str | None = None, *, meta: int | None = None,
        snapshot: bool | None = False,
    ) -> SnapshotterDB:  # fmt: skip
        db = BoltFile.open(path, meta=meta, snapshot=snapshot)
        try:
            db.bucket(S.SNAPSHOTTER_V1)
        except NotFoundError:
            db.close()
            raise InvalidDatabaseError(
                f"{path}: not a snapshotter database (no v1 bucket)"
            ) from None
        return cls(db, name)

    def close(self) -> None:
        self.db.close()

    @property
    def last_id(self) -> int:
        """The sequence of ``v1/snapshots``: the last id handed out."""
        bucket = self._bucket(S.SNAPSHOTTER_SNAPSHOTS)
        return bucket.sequence if bucket is not None else 0

    def _bucket(self, name: bytes) -> Bucket | None:
        """``v1/<name>``, or ``v1`` itself for an empty name."""
        try:
            return self.db.bucket(S.SNAPSHOTTER_V1, *((name,) if name else ()))
        except NotFoundError:
            return None

    def snapshots(self) -> Iterator[BackendSnapshot]:
        """Every snapshot, in backend-name order."""
        v1 = self._bucket(b"")
        entry = v1.entry(S.SNAPSHOTTER_SNAPSHOTS) if v1 is not None else None
        if entry is None or not entry.is_bucket:
            return
        path = (S.SNAPSHOTTER_V1, S.SNAPSHOTTER_SNAPSHOTS)
        for key, header in child_headers(self.db, path, entry.value):
            yield self._load(path + (key,), header)

    def get(self, name: str) -> BackendSnapshot | None:
        """The snapshot with backend name ``name``, or None."""
        if self._by_name is None:
            self._by_name = {s.name: s for s in self.snapshots()}
        return self._by_name.get(name)

    def parent_links(self) -> Iterator[ParentLink]:
        """``v1/parents``, decoded; an undecodable key is skipped and reported by ``check``."""
        bucket = self._bucket(S.SNAPSHOTTER_PARENTS)
        if bucket is None:
            return
        for entry in bucket.entries():
            ids = None if entry.is_bucket else parse_parent_key(entry.key)
            if ids is not None:
                yield ParentLink(*ids, entry.value.decode("utf-8", "replace"), entry.key)

    def directory(self, snapshot_id: int) -> str:
        """Where a snapshot's files live, as the snapshotter lays them out."""
        relative = os.path.join("snapshots", str(snapshot_id))
        if self.name not in ("native", "btrfs", "devmapper", "zfs"):
            relative = os.path.join(relative, "fs")  # overlayfs and its kin
        return os.path.join(self.root, relative) if self.root else relative

    def _load(self, path: tuple[bytes, ...], header: bytes) -> BackendSnapshot:
        f = Fields(self.db, path, header)
        raw_id = f.value(S.SNAPSHOTTER_ID)
        snapshot_id = None
        if raw_id is not None:
            try:
                snapshot_id = decode_uvarint(raw_id)
            except BoltviewError as error:
                f.issues.append(Issue("id", raw_id, str(error)))
        raw_kind = f.value(S.SNAPSHOTTER_KIND)
        kind = S.SNAPSHOT_KINDS[0]
        if raw_kind is not None:
            if len(raw_kind) == 1:
                kind = S.SNAPSHOT_KINDS.get(raw_kind[0], f"Unknown({raw_kind[0]})")
            else:
                f.issues.append(Issue("kind", raw_kind, "kind is one byte"))
        created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
        return BackendSnapshot(
            name=path[-1].decode("utf-8", "replace"),
            id=snapshot_id,
            kind=kind,
            parent=f.text(S.SNAPSHOTTER_PARENT) or "",
            created_at=created,
            updated_at=updated,
            inodes=f.varint(S.SNAPSHOTTER_INODES),
            size=f.varint(S.SNAPSHOTTER_SIZE),
            labels=f.labels(),
            path=path,
            directory=self.directory(snapshot_id) if snapshot_id is not None else None,
            unknown=f.unknown(),
            issues=tuple(f.issues),
        )


def snapshotter_name_from_path(path: str) -> str | None:
    """``.../io.containerd.snapshotter.v1.overlayfs/metadata.db`` -> ``overlayfs``."""
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if parent.startswith(S.SNAPSHOTTER_PLUGIN_PREFIX):
        return parent[len(S.SNAPSHOTTER_PLUGIN_PREFIX) :] or None
    return None


def _plugin_root(path: str) -> str | None:
    """The snapshotter's root directory, when the file sits where containerd puts it."""
    if snapshotter_name_from_path(path) is None:
        return None
    return os.path.dirname(os.path.abspath(path))


def parse_parent_key(key: bytes) -> tuple[int, int] | None:
    """(parent id, child id) of a ``v1/parents`` key: uvarint, 0x00, uvarint; else None.

    Strict: the child's uvarint must end the key.
    """
    try:
        parent_id, end = read_uvarint(key)
        if key[end : end + 1] != b"\x00":
            return None
        return parent_id, decode_uvarint(key[end + 1 :])
    except BoltviewError:
        return None
