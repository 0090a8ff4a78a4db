"""etcd's backend as a :class:`~boltview.stores.view.StoreView`.

The tree, from the top::

    keys        the key space by "/" ("/", "registry/", "pods/", "default/", "web-0"),
                each key's newest value decoded (Kubernetes objects as objects) and,
                under it, every revision of it still in the file
    revisions   the ``key`` bucket in order, in ranges of revision numbers: a range is
                read with one seek when it is opened, so a million revisions cost
                what is shown
    leases      each lease with its TTL, linked to the keys attached to it
    members     the cluster's members (removed ones marked)
    alarms      raised alarms (NOSPACE, CORRUPT)
    auth        users (their password hash shown as a hash) and roles
    meta        consistent index, term, compaction, the store's revision, cluster version
    snapshot    the sha256 trailer of a saved snapshot, checked (only for such a file)

A key's path is its bytes cut after each "/", so the key is its path joined
(``"".join(path[1:])``); bytes that are not UTF-8 are kept as surrogates, so
nothing is lost.  Everything is read from :class:`~boltview.stores.etcd.EtcdStore`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import cached_property, lru_cache

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.protobuf.wire import JsonValue
from boltview.stores import recognize
from boltview.stores.etcd import EtcdStore, lease_hex, prefix_end
from boltview.stores.etcd_keys import (
    KEYS,
    key_path,
    key_segments,
    kv_fields,
    password_hashes,
    raw,
    record_fields,
    record_key,
    shown,
    text,
    value_summary,
)
from boltview.stores.etcd_kv import Record, decode_key_value, parse_revision, revision_key
from boltview.stores.view import WINDOW, Link, StoreChange, StoreNode

__all__ = ["EtcdView"]

REVISIONS, LEASES, MEMBERS, ALARMS, AUTH, META, SNAPSHOT = (
    "revisions", "leases", "members", "alarms", "auth", "meta", "snapshot",
)  # fmt: skip
USERS, ROLES = "users", "roles"
_REVISION_LABEL = re.compile(r"^\{(-?\d+), (-?\d+)\}$")
_RANGE_LABEL = re.compile(r"^(-?\d+)–(-?\d+)$")


class EtcdView:
    """An etcd backend file read in etcd's terms (one transaction of the file)."""

    store = recognize.ETCD
    #: The groups whose changes ``changes_since`` tells (diff compares the rest as objects).
    HISTORY_GROUPS = (KEYS, REVISIONS)

    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self.etcd = EtcdStore(db)
        self.span_problem = ""  # why the revisions' first or last could not be read

    # -- the tree --------------------------------------------------------------------

    def top(self) -> list[StoreNode]:
        first, last = self._revision_span
        span = "no revisions" if first is None else f"revisions {first} to {last}"
        if self.span_problem:
            span = f"unreadable: {self.span_problem}"
        nodes = [
            StoreNode((KEYS,), "group", "the key space by /", has_children=True),
            StoreNode((REVISIONS,), "group", span, has_children=first is not None),
            StoreNode((LEASES,), "group", has_children=True),
            StoreNode((MEMBERS,), "group", has_children=True),
            StoreNode((ALARMS,), "group", has_children=True),
            StoreNode((AUTH,), "group", has_children=True, fields=self._auth_flags()),
            self._meta_node(),
        ]
        snapshot = self._snapshot_node()
        if snapshot is not None:
            nodes.append(snapshot)
        return nodes

    def children(self, node: StoreNode, start: int = 0, limit: int = WINDOW) -> list[StoreNode]:
        path = node.path
        head = path[0] if path else ""
        if head == KEYS:
            if node.kind == "key":
                return self._key_revisions(raw("".join(path[1:])))[start : start + limit]
            return self._folder(raw("".join(path[1:])))[start : start + limit]
        if head == REVISIONS:
            return self._revision_children(path, start, limit)
        if path == (AUTH,):
            return [
                StoreNode((AUTH, USERS), "group", count=len(self._users), has_children=True),
                StoreNode((AUTH, ROLES), "group", count=len(self._roles), has_children=True),
            ][start : start + limit]
        whole = {
            (LEASES,): lambda: self._leases,
            (MEMBERS,): lambda: self._members,
            (ALARMS,): lambda: self._alarms,
            (AUTH, USERS): lambda: self._users,
            (AUTH, ROLES): lambda: self._roles,
        }.get(path)
        return whole()[start : start + limit] if whole is not None else []

    def find(self, path: tuple[str, ...]) -> StoreNode | None:
        if not path:
            return None
        if len(path) == 1:
            return next((node for node in self.top() if node.path == path), None)
        if path[0] == KEYS:
            return self._find_key(path)
        if path[0] == REVISIONS:
            return self._find_revision(path)
        parent = self.find(path[:-1])
        if parent is None:
            return None
        return next((node for node in self.children(parent, 0, 1 << 30) if node.path == path), None)

    def objects(self, skip: Collection[str] = ()) -> Iterator[StoreNode]:
        """Every object; those of the top groups in ``skip`` left out (diff leaves the keys
        to ``changes_since``).  A group that cannot be read (a damaged page) is one
        ``problem`` object saying why, and the others follow."""
        yield from self._guarded(META, lambda: [self._meta_node()])
        snapshot = self._snapshot_node()
        if snapshot is not None:
            yield snapshot
        if KEYS not in skip:
            yield from self._guarded(KEYS, lambda: (
                self._key_node(key, with_history=True) for key in self.etcd.sorted_keys
            ))  # fmt: skip
        yield from self._guarded(LEASES, lambda: self._leases)
        yield from self._guarded(MEMBERS, lambda: self._members)
        yield from self._guarded(ALARMS, lambda: self._alarms)
        yield from self._guarded(AUTH, lambda: self._users + self._roles)

    @staticmethod
    def _guarded(group: str, read: Callable[[], Iterable[StoreNode]]) -> Iterator[StoreNode]:
        try:
            yield from read()
        except BoltviewError as error:
            yield StoreNode((group,), "problem", f"{group} unreadable: {error}",
                            marks=("unreadable",))  # fmt: skip

    def findings(self) -> list[str]:
        found = []
        snapshot = self.etcd.snapshot_hash()
        if snapshot is not None and not snapshot.ok:
            found.append(
                f"snapshot trailer: sha256 {snapshot.stored} is stored, the file hashes to "
                f"{snapshot.computed}"
            )
        meta = self.etcd.meta
        scheduled, finished = meta.scheduled_compact_revision, meta.finished_compact_revision
        if scheduled is not None and scheduled != (finished or 0):
            found.append(
                f"meta: a compaction at revision {scheduled} was scheduled, "
                f"but the last finished is {finished or 'none'}"
            )
        leases = {lease.id for lease in self.etcd.leases()}
        for key in self.etcd.sorted_keys:
            newest = self.etcd.history_index[key][-1]
            if not newest.tombstone and newest.head.lease and newest.head.lease not in leases:
                found.append(
                    f"key {shown(key)!r} is attached to lease {lease_hex(newest.head.lease)}, "
                    "which is not in the lease bucket"
                )
        return found + list(dict.fromkeys(self.etcd.problems))

    def path_of(self, source: tuple[bytes, ...]) -> tuple[str, ...] | None:
        """The node read from a raw bucket and key (``source``), or None: the way back from
        the raw view."""
        if not source:
            return None
        bucket, name = source[:-1], source[-1]
        if bucket == (b"key",):
            try:
                revision, _ = parse_revision(name)
                value = self.db.bucket(b"key").get(name)
                key = decode_key_value(value).key if value is not None else None
            except BoltviewError:
                return None
            return None if key is None else key_path(key) + (str(revision),)
        if bucket == (b"lease",) and len(name) == 8:
            return (LEASES, lease_hex(int.from_bytes(name, "big", signed=True)))
        named = {(b"authUsers",): (AUTH, USERS), (b"authRoles",): (AUTH, ROLES),
                 (b"members",): (MEMBERS,), (b"members_removed",): (MEMBERS,)}  # fmt: skip
        if bucket in named:
            return (*named[bucket], text(name))
        tops = {b"meta": (META,), b"key": (REVISIONS,), b"lease": (LEASES,), b"alarm": (ALARMS,),
                b"auth": (AUTH,), b"authUsers": (AUTH, USERS), b"authRoles": (AUTH, ROLES),
                b"members": (MEMBERS,), b"members_removed": (MEMBERS,), b"cluster": (META,)}  # fmt: skip
        return tops.get(name) if not bucket else tops.get(bucket[0])

    # -- changes, in revisions ---------------------------------------------------------

    def changes_since(self, old: EtcdView) -> list[StoreChange]:
        """What happened from ``old`` (an earlier transaction) to this one, as etcd's events:
        each revision written since, and a compaction."""
        changes: list[StoreChange] = []
        since = old.current_revision
        bucket = self._key_bucket
        if bucket is not None:
            for entry in bucket.entries(revision_key(since + 1)):
                try:
                    revision, tombstone = parse_revision(entry.key)
                    record = Record(revision, tombstone, decode_key_value(entry.value))
                except BoltviewError as error:
                    changes.append(StoreChange("problem", (REVISIONS,), f"unreadable: {error}"))
                    continue
                op = "DELETE" if tombstone else "PUT"
                line = f"etcd {op} {shown(record.key)} @rev {revision.main}"
                if revision.sub:
                    line += f" (sub {revision.sub})"
                changes.append(StoreChange(op.lower(), key_path(record.key), line))
        old_compacted, new_compacted = old.etcd.compacted_revision, self.etcd.compacted_revision
        if new_compacted != old_compacted:
            changes.append(
                StoreChange("compacted", (META,), f"etcd compacted at rev {new_compacted}")
            )
        return changes

    # -- keys ----------------------------------------------------------------------------

    @lru_cache(maxsize=64)  # noqa: B019 - the view lives as long as its file
    def _folder(self, prefix: bytes) -> list[StoreNode]:
        """One level of the key space under ``prefix``: folders and keys, in key order."""
        keys = self.etcd.sorted_keys
        out: list[StoreNode] = []
        at = bisect.bisect_left(keys, prefix)
        end = prefix_end(prefix) if prefix else None
        while at < len(keys) and (end is None or keys[at] < end):
            key = keys[at]
            rest = key[len(prefix) :]
            slash = rest.find(b"/")
            if slash < 0:
                out.append(self._key_node(key))
                at += 1
                continue
            folder = prefix + rest[: slash + 1]
            folder_end = prefix_end(folder)
            stop = len(keys) if folder_end is None else bisect.bisect_left(keys, folder_end, at)
            out.append(self._folder_node(folder, stop - at))
            at = stop
        return out

    def _folder_node(self, folder: bytes, count: int) -> StoreNode:
        path = (KEYS, *(text(part) for part in key_segments(folder)[:-1]))
        return StoreNode(path, "folder", has_children=True, count=count)

    def _key_node(self, key: bytes, with_history: bool = False) -> StoreNode:
        records = self.etcd.history_index[key]
        newest = records[-1]
        fields: dict[str, JsonValue] = {"key": shown(key)}
        marks: tuple[str, ...] = ()
        links: tuple[Link, ...] = ()
        if newest.tombstone:
            marks = ("deleted",)
            summary = f"deleted @rev {newest.revision.main}"
            fields["deleted_at_revision"] = newest.revision.main
            live = next((r for r in reversed(records) if not r.tombstone), None)
        else:
            live = newest
        if live is not None:
            kv = live.kv  # its value read once
            if live is newest:
                summary = value_summary(key, kv.value)
            fields.update(kv_fields(kv))
            if kv.lease:
                links = (Link("lease", (LEASES, lease_hex(kv.lease))),)
        fields["revisions_in_file"] = len(records)
        if with_history:
            fields["history"] = [record_fields(record) for record in records]
        return StoreNode(
            key_path(key), "key", summary, fields, has_children=True, count=len(records),
            links=links, source=(b"key", record_key(newest)), marks=marks, name=shown(key),
        )  # fmt: skip

    def _key_revisions(self, key: bytes) -> list[StoreNode]:
        base = key_path(key)
        return [
            self._revision_node(record, base + (str(record.revision),))
            for record in self.etcd.history_index.get(key, [])
        ]

    def _find_key(self, path: tuple[str, ...]) -> StoreNode | None:
        joined = raw("".join(path[1:]))
        index = self.etcd.history_index
        if joined in index and key_path(joined) == path:
            return self._key_node(joined)
        owner = raw("".join(path[1:-1]))
        if _REVISION_LABEL.match(path[-1]) and owner in index:
            return next((n for n in self._key_revisions(owner) if n.path == path), None)
        if joined.endswith(b"/") or joined == b"":
            parent = raw("".join(path[1:-1]))
            return next((n for n in self._folder(parent) if n.path == path), None)
        return None

    # -- revisions -----------------------------------------------------------------------

    @property
    def _key_bucket(self) -> Bucket | None:
        try:
            return self.db.bucket(b"key")
        except BoltviewError:
            return None

    @cached_property
    def _revision_span(self) -> tuple[int | None, int | None]:
        """The first and last revision's main in the file: two cheap seeks (None, None when
        there is none, or one cannot be read: ``span_problem`` says why)."""
        bucket = self._key_bucket
        try:
            first = next(iter(bucket.entries()), None) if bucket is not None else None
            last = next(iter(bucket.entries_reversed()), None) if bucket is not None else None
            if first is None or last is None:
                return None, None
            return parse_revision(first.key)[0].main, parse_revision(last.key)[0].main
        except BoltviewError as error:
            self.span_problem = str(error)
            return None, None

    @property
    def current_revision(self) -> int:
        """The store's revision as etcd restores it (see EtcdStore.current_revision), from the
        newest revision in the file: one seek, not a read of every revision."""
        _, last = self._revision_span
        return max(last or 0, self.etcd.compacted_revision)

    def _bounds(self, path: tuple[str, ...]) -> tuple[int, int] | None:
        """The revisions a node of the revisions group spans (the group: all of them), checked
        to be one the view shows; None for any other path."""
        first, last = self._revision_span
        if first is None or last is None or not path or path[0] != REVISIONS:
            return None
        if len(path) == 1:
            return first, last
        found = _RANGE_LABEL.match(path[-1])
        outer = self._bounds(path[:-1])
        if found is None or outer is None:
            return None
        lo, hi = int(found[1]), int(found[2])
        size = _range_size(*outer)
        if size is None or not outer[0] <= lo <= outer[1] or (lo - outer[0]) % size:
            return None
        return (lo, hi) if hi == min(lo + size - 1, outer[1]) else None

    def _revision_children(self, path: tuple[str, ...], start: int, limit: int) -> list[StoreNode]:
        """The revisions from ``lo`` to ``hi``: themselves when they are few, else ranges of
        them, at most WINDOW ranges of equal size."""
        bounds = self._bounds(path)
        if bounds is None:
            return []
        lo, hi = bounds
        size = _range_size(lo, hi)
        if size is None:
            return self._revisions_in(path, lo, hi, start, limit)
        nodes = []
        for index in range(start, start + limit):
            low = lo + index * size
            if low > hi:
                break
            nodes.append(self._range_node(path, low, min(low + size - 1, hi)))
        return nodes

    def _range_node(self, parent: tuple[str, ...], low: int, high: int) -> StoreNode:
        """A range of revision numbers: read when opened (one compacted away is empty then),
        so that a window of ranges costs no read at all."""
        return StoreNode(parent + (f"{low}–{high}",), "range", has_children=True)

    def _revisions_in(
        self, parent: tuple[str, ...], low: int, high: int, start: int, limit: int
    ) -> list[StoreNode]:
        """The ``start``-th and following records whose main is in ``low``..``high``: one seek."""
        bucket = self._key_bucket
        if bucket is None:
            return []
        nodes: list[StoreNode] = []
        seen = 0
        for entry in bucket.entries(revision_key(low)):
            try:
                revision, tombstone = parse_revision(entry.key)
            except BoltviewError as error:
                parsed, problem = None, str(error)
            else:
                if revision.main > high:
                    break
                parsed, problem = (revision, tombstone), ""
            seen += 1
            if seen <= start:
                continue
            if len(nodes) >= limit:
                break
            if parsed is not None:
                try:
                    record = Record(*parsed, decode_key_value(entry.value))
                except BoltviewError as error:
                    problem = str(error)
                else:
                    nodes.append(self._revision_node(record, parent + (str(record.revision),)))
                    continue
            label = str(parsed[0]) if parsed is not None else entry.key.hex()
            nodes.append(StoreNode(parent + (label,), "problem", problem, marks=("unreadable",),
                                   source=(b"key", entry.key)))  # fmt: skip
        return nodes

    def _revision_node(self, record: Record, path: tuple[str, ...]) -> StoreNode:
        op = "DELETE" if record.tombstone else "PUT"
        summary = f"{op} {shown(record.key)}"
        if not record.tombstone:
            summary += f" v{record.head.version}"
        fields = record_fields(record)
        links = [Link("key", key_path(record.key))]
        if record.head.lease:
            links.append(Link("lease", (LEASES, lease_hex(record.head.lease))))
        return StoreNode(
            path, "revision", summary, fields, links=tuple(links),
            source=(b"key", record_key(record)),
            marks=("deleted",) if record.tombstone else (), name=str(record.revision),
        )  # fmt: skip

    def _find_revision(self, path: tuple[str, ...]) -> StoreNode | None:
        """A range or a revision by its path: a few seeks, whatever the number of revisions."""
        bounds = self._bounds(path)
        if bounds is not None:
            return self._range_node(path[:-1], *bounds)
        outer = self._bounds(path[:-1])
        found = _REVISION_LABEL.match(path[-1])
        if outer is None or found is None or _range_size(*outer) is not None:
            return None
        main = int(found[1])
        if not outer[0] <= main <= outer[1]:
            return None
        nodes = self._revisions_in(path[:-1], main, main, 0, 1 << 30)
        return next((node for node in nodes if node.path == path), None)

    # -- the other buckets -------------------------------------------------------------

    @cached_property
    def _leases(self) -> list[StoreNode]:
        nodes = []
        for lease in self.etcd.leases():
            hex_id = lease.hex_id
            fields: dict[str, JsonValue] = {
                "id": hex_id, "id_decimal": lease.id, "ttl": lease.ttl,
                "remaining_ttl": lease.remaining_ttl, "keys": [shown(key) for key in lease.keys],
            }  # fmt: skip
            nodes.append(StoreNode(
                (LEASES, hex_id), "lease", f"TTL {lease.ttl}s, {len(lease.keys)} keys", fields,
                links=tuple(Link("key", key_path(key)) for key in lease.keys),
                source=(b"lease", lease.id.to_bytes(8, "big", signed=True)), name=hex_id,
            ))  # fmt: skip
        return nodes

    @cached_property
    def _members(self) -> list[StoreNode]:
        nodes = []
        for removed in (False, True):
            for member in self.etcd.members(removed):
                ident = str(member.get("id", ""))
                attributes = member.get("attributes")
                name = attributes.get("name", "") if isinstance(attributes, dict) else ""
                nodes.append(StoreNode(
                    (MEMBERS, ident), "member", ("removed " if removed else "") + str(name),
                    dict(member), source=(b"members_removed" if removed else b"members", raw(ident)),
                    marks=("removed",) if removed else (), name=ident,
                ))  # fmt: skip
        return nodes

    @cached_property
    def _alarms(self) -> list[StoreNode]:
        nodes = []
        for alarm in self.etcd.alarms():
            member = str(alarm["memberID"])
            nodes.append(StoreNode(
                (ALARMS, f"{member} {alarm['alarm']}"), "alarm", str(alarm["alarm"]), dict(alarm),
                marks=("alarm",), links=(Link("member", (MEMBERS, member)),),
            ))  # fmt: skip
        return nodes

    def _auth_flags(self) -> dict[str, JsonValue]:
        auth = self.etcd.auth()
        return {"enabled": auth["enabled"], "revision": auth["revision"]}

    @cached_property
    def _users(self) -> list[StoreNode]:
        hashes = password_hashes(self.db)
        nodes = []
        for user in _listed(self.etcd.auth()["users"]):
            assert isinstance(user, dict)
            name = str(user["name"])
            roles = user.get("roles")
            role_names = [str(role) for role in roles] if isinstance(roles, list) else []
            secrets: dict[str, JsonValue] = {}
            if hashes.get(name):
                secrets["password_hash"] = hashes[name]
            nodes.append(StoreNode(
                (AUTH, USERS, name), "user", ", ".join(role_names), dict(user),
                links=tuple(Link("role", (AUTH, ROLES, role)) for role in role_names
                            if role != "root"),
                source=(b"authUsers", raw(name)), name=name, secrets=secrets,
            ))  # fmt: skip
        return nodes

    @cached_property
    def _roles(self) -> list[StoreNode]:
        holders: dict[str, list[str]] = {}
        for user in self._users:
            for link in user.links:
                holders.setdefault(link.path[-1], []).append(user.label)
        nodes = []
        for role in _listed(self.etcd.auth()["roles"]):
            assert isinstance(role, dict)
            name = str(role["name"])
            permissions = role.get("keyPermission")
            count = len(permissions) if isinstance(permissions, list) else 0
            nodes.append(StoreNode(
                (AUTH, ROLES, name), "role", f"{count} permissions", dict(role),
                links=tuple(Link("user", (AUTH, USERS, user)) for user in holders.get(name, [])),
                source=(b"authRoles", raw(name)), name=name,
            ))  # fmt: skip
        return nodes

    def _meta_node(self) -> StoreNode:
        meta = self.etcd.meta
        fields: dict[str, JsonValue] = {
            "consistent_index": meta.consistent_index,
            "term": meta.term,
            "scheduled_compact_revision": meta.scheduled_compact_revision,
            "finished_compact_revision": meta.finished_compact_revision,
            "current_revision": self.current_revision,
            "cluster": dict(self.etcd.cluster()),
        }
        if meta.other:
            fields["other"] = dict(meta.other)
        summary = (
            f"revision {self.current_revision}, compacted at {meta.finished_compact_revision or 0}"
        )
        return StoreNode((META,), "meta", summary, fields, source=(b"meta",))

    def _snapshot_node(self) -> StoreNode | None:
        snapshot = self.etcd.snapshot_hash()
        if snapshot is None:
            return None
        verdict = "sha256 trailer matches" if snapshot.ok else "sha256 trailer does NOT match"
        fields: dict[str, JsonValue] = {
            "stored_sha256": snapshot.stored, "computed_sha256": snapshot.computed,
            "ok": snapshot.ok,
        }  # fmt: skip
        return StoreNode((SNAPSHOT,), "snapshot", verdict, fields,
                         marks=() if snapshot.ok else ("inconsistent",))  # fmt: skip


def _range_size(lo: int, hi: int) -> int | None:
    """How many revision numbers each range under ``lo``..``hi`` spans (a power of WINDOW,
    so that there are at most WINDOW ranges), or None when they are few enough to list."""
    length = hi - lo + 1
    if length <= WINDOW:
        return None
    size = WINDOW
    while length > size * WINDOW:
        size *= WINDOW
    return size


def _listed(value: JsonValue) -> list[JsonValue]:
    return value if isinstance(value, list) else []
