"""etcd's backend (``member/snap/db``), read the way etcdctl answers.

etcd v3 keeps its data in one bbolt file with a bucket per concern:

==================  =============================================================
``key``             every revision of every key: the bolt key is the revision
                    ``{main, sub}`` (17 bytes: 8-byte big-endian main, ``_``,
                    8-byte big-endian sub; an 18th byte ``t`` marks a tombstone,
                    a delete), the value an ``mvccpb.KeyValue``
``meta``            ``consistent_index`` (a big-endian u64), ``term`` (3.5+),
                    ``scheduledCompactRev`` and ``finishedCompactRev`` (a revision)
``lease``           ``leasepb.Lease`` by 8-byte big-endian lease ID
``members``         JSON by hex member ID; ``members_removed`` the removed ones
``alarm``           ``etcdserverpb.AlarmMember`` as the key, no value
``auth``            ``authEnabled`` (one byte) and ``authRevision`` (u64)
``authUsers``       ``authpb.User`` by name; ``authRoles`` ``authpb.Role`` by name
``cluster``         ``clusterVersion`` and, in 3.5+, ``downgrade``
==================  =============================================================

A key's value "as of revision N" (``etcdctl get --rev N``) is its newest
revision whose main is at most N, unless that revision is a tombstone.  A
compaction at revision C removes every revision below C except each key's
newest one (and that too when it is a tombstone), so etcd refuses to answer
for N < C: :class:`RevisionError`, worded as etcd words it.  Messages are
read with the schemas in :mod:`boltview.stores.etcd_schemas`.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from boltview.bolt.bucket import Bucket
from boltview.bolt.cursor import readable_leaves
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.errors import BoltviewError, DecodeError, PageError
from boltview.protobuf.wire import JsonValue
from boltview.stores import etcd_schemas as schemas
from boltview.stores.etcd_kv import (
    REVISION_SIZE,
    KeyValue,
    Record,
    Revision,
    ValueAt,
    decode_key_value,
    key_value_head,
    parse_revision,
)
from boltview.stores.etcd_scan import find_key_records

__all__ = [
    "BUCKETS",
    "EtcdStore",
    "KeyValue",
    "Lease",
    "Meta",
    "Record",
    "Revision",
    "RevisionError",
    "SnapshotHash",
    "decode_key_value",
    "is_etcd",
    "lease_hex",
    "parse_revision",
    "prefix_end",
]

BUCKETS = (
    b"key", b"meta", b"lease", b"members", b"members_removed",
    b"alarm", b"auth", b"authUsers", b"authRoles", b"cluster",
)  # fmt: skip
"""etcd's backend buckets; ``key`` and ``meta`` are always there."""

class RevisionError(BoltviewError):
    """A revision etcd would refuse: compacted away, or not written yet."""


def lease_hex(lease: int) -> str:
    """A lease ID as etcdctl prints it: 16 hex digits of the unsigned 64-bit number."""
    return f"{lease & 0xFFFFFFFFFFFFFFFF:016x}"


def prefix_end(prefix: bytes) -> bytes | None:
    """The end of the range of keys that start with ``prefix`` (etcd's ``GetPrefixRangeEnd``);
    None when every key from ``prefix`` on is in it."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


@dataclass(frozen=True)
class Meta:
    """The ``meta`` bucket; None where the key is missing."""

    consistent_index: int | None
    term: int | None
    scheduled_compact_revision: int | None
    finished_compact_revision: int | None
    other: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Lease:
    """A ``leasepb.Lease`` and the keys attached to it at the current revision."""

    id: int
    ttl: int
    remaining_ttl: int
    keys: list[bytes]

    @property
    def hex_id(self) -> str:
        return lease_hex(self.id)


@dataclass(frozen=True)
class Answer:
    """What ``etcdctl get`` answers: the store's revision and the keys' values."""

    revision: int
    kvs: list[KeyValue]


@dataclass(frozen=True)
class SnapshotHash:
    """The sha256 that ``etcdctl snapshot save`` appends to the backend it saves."""

    stored: str
    computed: str

    @property
    def ok(self) -> bool:
        return self.stored == self.computed


SNAPSHOT_HASH_SIZE = 32
_HASH_CHUNK = 1 << 22


def is_etcd(db: BoltFile) -> bool:
    """True when the file has etcd's ``key`` and ``meta`` buckets at the top."""
    names = {bucket.name for bucket in db.root.buckets()}
    return {b"key", b"meta"} <= names


class EtcdStore:
    """An etcd backend file, read-only; everything is read on first use."""

    def __init__(self, db: BoltFile) -> None:
        if not is_etcd(db):
            raise DecodeError("not an etcd database: no 'key' and 'meta' buckets at the top")
        self.db = db
        self.problems: list[str] = []

    def _bucket(self, name: bytes) -> Bucket | None:
        for bucket in self.db.root.buckets():
            if bucket.name == name:
                return bucket
        return None

    def _entries(self, name: bytes) -> Iterator[tuple[bytes, bytes]]:
        bucket = self._bucket(name)
        if bucket is None:
            return
        for entry in bucket.entries():
            if not entry.is_bucket:
                yield entry.key, entry.value

    # -- the key space ---------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        """Every revision in the file, oldest first; what cannot be read goes to ``problems``:
        a value, or a damaged page of the bucket and the revisions it holds, while those
        on the other pages are read."""
        bucket = self._bucket(b"key")
        if bucket is None:
            return
        size = self.db.page_size
        for page in readable_leaves(bucket, self._unreadable_page):
            try:
                elements = page.leaf_records()
            except PageError as error:
                self._unreadable_page(error)
                continue
            data, base = page.data, page.pgid * size
            for flags, key_start, key_end, value_start, value_end in elements:
                if flags & BUCKET_LEAF_FLAG:
                    continue
                at = base + value_start if page.pgid else None  # an inline bucket's: held whole
                record = self._record(data[key_start:key_end], data[value_start:value_end], at)
                if record is not None:
                    yield record

    def _unreadable_page(self, error: PageError) -> None:
        self.problems.append(f"key bucket: {error}; the revisions there are not read")

    def _record(self, raw_key: bytes, raw_value: bytes, at: int | None = None) -> Record | None:
        """One entry of the ``key`` bucket; None (and a problem) when it cannot be read.
        With ``at``, where the value lies in the file, the record keeps where its value
        is instead of the value."""
        try:
            revision, tombstone = parse_revision(raw_key)
            if at is None:
                return Record(revision, tombstone, decode_key_value(raw_value))
            head, start, _ = key_value_head(raw_value)
        except DecodeError as error:
            self.problems.append(f"key bucket, key {raw_key.hex()}: {error}")
            return None
        if start < 0:  # not as etcd lays it out: held whole
            return Record(revision, tombstone, head)
        load = ValueAt(self.db.source.read, at, len(raw_value), head)
        return Record(revision, tombstone, head, load)

    @cached_property
    def history_index(self) -> dict[bytes, list[Record]]:
        """Each key's revisions in the file, oldest first."""
        index: dict[bytes, list[Record]] = {}
        for record in self.records():
            index.setdefault(record.key, []).append(record)
        return index

    @cached_property
    def sorted_keys(self) -> list[bytes]:
        return sorted(self.history_index)

    @cached_property
    def meta(self) -> Meta:
        found = dict(self._entries(b"meta"))
        other = {
            name.decode("utf-8", "replace"): value.hex()
            for name, value in found.items()
            if name not in _META_KEYS
        }
        numbers: dict[bytes, int | None] = {}
        for name in _META_KEYS:
            try:
                numbers[name] = _number(found.get(name))
            except DecodeError as error:
                numbers[name] = None
                self.problems.append(f"meta bucket, key {name.decode()}: {error}")
        return Meta(
            consistent_index=numbers[b"consistent_index"],
            term=numbers[b"term"],
            scheduled_compact_revision=numbers[b"scheduledCompactRev"],
            finished_compact_revision=numbers[b"finishedCompactRev"],
            other=other,
        )

    @property
    def compacted_revision(self) -> int:
        """The revision of the last finished compaction (0: never compacted)."""
        return self.meta.finished_compact_revision or 0

    @cached_property
    def current_revision(self) -> int:
        """The store's revision, as etcd restores it: the newest in the file, or the
        compaction's when that is newer.  The ``key`` bucket is in revision order, so
        the newest is its last record that can be read."""
        newest = None
        bucket = self._bucket(b"key")
        if "history_index" not in self.__dict__ and bucket is not None:
            newest = _last_revision(bucket)
        if newest is None:
            newest = max((records[-1].revision.main for records in self.history_index.values()),
                         default=0)  # fmt: skip
        return max(newest, self.compacted_revision)

    def check_revision(self, rev: int) -> int:
        """``rev`` as etcd would take it (0: the current one), or :class:`RevisionError`."""
        if rev < 0:
            raise RevisionError(f"revision {rev} is negative")
        if rev == 0:
            return self.current_revision
        if rev > self.current_revision:
            raise RevisionError(
                f"required revision {rev} is a future revision (the store is at "
                f"{self.current_revision})"
            )
        if rev < self.compacted_revision:
            raise RevisionError(
                f"required revision {rev} has been compacted (compacted at "
                f"{self.compacted_revision})"
            )
        return rev

    def value_at(self, key: bytes, rev: int) -> KeyValue | None:
        """``key`` as of revision ``rev`` (already checked): None when absent or deleted."""
        record = self.record_at(key, rev)
        return None if record is None else record.kv

    def record_at(self, key: bytes, rev: int) -> Record | None:
        """``key``'s put in force at revision ``rev``: None when absent or deleted."""
        records = self.history_index.get(key)
        if not records:
            return None
        mains = [record.revision.main for record in records]
        at = bisect.bisect_right(mains, rev)
        if at == 0:
            return None
        record = records[at - 1]
        return None if record.tombstone else record

    def get(
        self, key: bytes, rev: int = 0, prefix: bool = False, range_end: bytes | None = None
    ) -> Answer:
        """Like ``etcdctl get KEY [--rev N] [--prefix]``: keys in order, as of ``rev``."""
        revision, records = self.get_records(key, rev, prefix, range_end)
        return Answer(revision, [record.kv for record in records])

    def get_records(
        self, key: bytes, rev: int = 0, prefix: bool = False, range_end: bytes | None = None
    ) -> tuple[int, list[Record]]:
        """:meth:`get`'s revision and the records of its keys, no value read yet (an
        answer may be as big as the file: its values can be written one at a time)."""
        at = self.check_revision(rev)
        if prefix:
            if key == b"":
                key = b"\x00"
            range_end = prefix_end(key)
            if key == b"\x00":
                range_end = None
            return self.current_revision, list(self._range_records(key, range_end, at))
        if range_end is not None:
            return self.current_revision, list(self._range_records(key, range_end, at))
        found = self.record_at(key, at)
        return self.current_revision, [found] if found is not None else []

    def _range_records(self, start: bytes, end: bytes | None, rev: int) -> Iterator[Record]:
        keys = self.sorted_keys
        for index in range(bisect.bisect_left(keys, start), len(keys)):
            key = keys[index]
            if end is not None and key >= end:
                return
            found = self.record_at(key, rev)
            if found is not None:
                yield found

    def history(self, key: bytes) -> list[Record]:
        """Every revision of ``key`` still in the file, oldest first, tombstones included.

        Without the index of every key (:attr:`history_index`, built by the first
        ``get``), only the records whose value begins with the key are read
        (:mod:`boltview.stores.etcd_scan`): a record of another key that cannot be
        read is then not looked at, so not reported in ``problems``.
        """
        bucket = self._bucket(b"key")
        if "history_index" in self.__dict__ or bucket is None or bucket.is_inline:
            return list(self.history_index.get(key, []))
        try:
            found = list(find_key_records(bucket, key))
        except (BoltviewError, struct.error):  # damaged pages: the walk reports them
            return list(self.history_index.get(key, []))
        records = []
        for raw_key, raw_value in found:
            record = self._record(raw_key, raw_value)
            if record is not None and record.key == key:
                records.append(record)
        return records

    def live_keys(self, prefix: bytes = b"", rev: int = 0) -> list[KeyValue]:
        """The keys that start with ``prefix`` and exist as of ``rev``."""
        return self.get(prefix, rev, prefix=True).kvs

    def live_records(self, prefix: bytes = b"", rev: int = 0) -> list[Record]:
        """The puts in force as of ``rev`` of the keys that start with ``prefix``: as
        :meth:`live_keys`, with no value read."""
        return self.get_records(prefix, rev, prefix=True)[1]

    def children(
        self, prefix: bytes = b"", rev: int = 0
    ) -> list[tuple[bytes, int, KeyValue | None]]:
        """One level of the key space as a tree by ``/`` under ``prefix``.

        Each child is (path, keys under it, the key's value): a path ending in
        ``/`` is a folder holding that many live keys; a key is also a folder
        when longer keys begin with it and a ``/``.
        """
        out: dict[bytes, list[Any]] = {}
        for record in self.live_records(prefix, rev):
            rest = record.key[len(prefix) :]
            slash = rest.find(b"/")
            if slash < 0:
                out.setdefault(record.key, [record.key, 0, None])[2] = record.kv
            else:
                path = prefix + rest[: slash + 1]
                out.setdefault(path, [path, 0, None])[1] += 1
        return [(path, count, kv) for path, count, kv in out.values()]

    def snapshot_hash(self) -> SnapshotHash | None:
        """The trailer of a saved snapshot, checked; None for a plain backend.

        etcd knows a snapshot by its size (``size % 512 == 32``, as
        ``etcdctl snapshot restore`` does): bbolt pages are multiples of 512 bytes.
        """
        size = self.db.size
        if size % 512 != SNAPSHOT_HASH_SIZE:
            return None
        source = self.db.source
        end = size - SNAPSHOT_HASH_SIZE
        digest = hashlib.sha256()
        offset = 0
        while offset < end:
            chunk = source.read(offset, min(_HASH_CHUNK, end - offset))
            if not chunk:
                break
            digest.update(chunk)
            offset += len(chunk)
        stored = source.read(end, SNAPSHOT_HASH_SIZE)
        return SnapshotHash(stored.hex(), digest.hexdigest())

    # -- the other buckets -----------------------------------------------------------

    def leases(self) -> list[Lease]:
        """Every lease, with the keys attached to it at the current revision."""
        attached: dict[int, list[bytes]] = {}
        for record in self.live_records():
            if record.head.lease:
                attached.setdefault(record.head.lease, []).append(record.key)
        leases = []
        for raw_key, raw_value in self._entries(b"lease"):
            try:
                decoded = schemas.decode(schemas.LEASE, raw_value)
            except DecodeError as error:
                self.problems.append(f"lease bucket, key {raw_key.hex()}: {error}")
                continue
            lease_id = _int(decoded.get("ID"))
            if lease_id == 0 and len(raw_key) == 8:
                lease_id = int.from_bytes(raw_key, "big", signed=True)
            leases.append(
                Lease(
                    lease_id,
                    _int(decoded.get("TTL")),
                    _int(decoded.get("RemainingTTL")),
                    attached.get(lease_id, []),
                )
            )
        return leases

    def members(self, removed: bool = False) -> list[dict[str, JsonValue]]:
        """The ``members`` (or ``members_removed``) bucket: each member's JSON by hex ID."""
        members: list[dict[str, JsonValue]] = []
        name = b"members_removed" if removed else b"members"
        for raw_key, raw_value in self._entries(name):
            member: dict[str, JsonValue] = {"id": raw_key.decode("utf-8", "replace")}
            if raw_value:
                try:
                    member["attributes"] = json.loads(raw_value)
                except (UnicodeDecodeError, ValueError):
                    member["attributes"] = raw_value.hex()
                    self.problems.append(f"{name.decode()} bucket, key {raw_key!r}: not JSON")
            members.append(member)
        return members

    def alarms(self) -> list[dict[str, JsonValue]]:
        """The ``alarm`` bucket: each key is an ``AlarmMember`` (member ID, alarm)."""
        alarms: list[dict[str, JsonValue]] = []
        for raw_key, _ in self._entries(b"alarm"):
            try:
                decoded = schemas.decode(schemas.ALARM_MEMBER, raw_key)
            except DecodeError as error:
                self.problems.append(f"alarm bucket, key {raw_key.hex()}: {error}")
                continue
            alarms.append(
                {
                    "memberID": f"{_int(decoded.get('MemberID')):x}",
                    "alarm": decoded.get("Alarm", "NONE"),
                }
            )
        return alarms

    def auth(self) -> dict[str, JsonValue]:
        """``auth``, ``authUsers`` and ``authRoles``: password hashes are shown as hashes."""
        flags = dict(self._entries(b"auth"))
        enabled = flags.get(b"authEnabled")
        users: list[JsonValue] = []
        for raw_key, raw_value in self._entries(b"authUsers"):
            try:
                users.append(schemas.user(raw_value))
            except DecodeError as error:
                self.problems.append(f"authUsers bucket, key {raw_key!r}: {error}")
        roles: list[JsonValue] = []
        for raw_key, raw_value in self._entries(b"authRoles"):
            try:
                roles.append(schemas.role(raw_value))
            except DecodeError as error:
                self.problems.append(f"authRoles bucket, key {raw_key!r}: {error}")
        return {
            "enabled": None if enabled is None else enabled == b"\x01",
            "revision": _number(flags.get(b"authRevision")),
            "users": users,
            "roles": roles,
        }

    def cluster(self) -> dict[str, str]:
        """The ``cluster`` bucket (``clusterVersion``), as text."""
        return {
            name.decode("utf-8", "replace"): value.decode("utf-8", "replace")
            for name, value in self._entries(b"cluster")
        }


def _last_revision(bucket: Bucket) -> int | None:
    """The main of the newest revision in the ``key`` bucket; None when it cannot be read."""
    try:
        for entry in bucket.entries_reversed():
            try:
                return parse_revision(entry.key)[0].main
            except DecodeError:
                continue
    except BoltviewError:
        return None
    return 0


_META_KEYS = {b"consistent_index", b"term", b"scheduledCompactRev", b"finishedCompactRev"}


def _number(raw: bytes | None) -> int | None:
    """A big-endian u64, or a revision's main (17 bytes, as etcd 3.4 writes compactions)."""
    if raw is None:
        return None
    if len(raw) == 8:
        return int.from_bytes(raw, "big")
    if len(raw) == REVISION_SIZE and raw[8] == ord("_"):
        return int.from_bytes(raw[:8], "big", signed=True)
    raise DecodeError(f"expected a u64 or a revision, got {len(raw)} bytes")


def _int(value: JsonValue) -> int:
    return value if isinstance(value, int) else 0
