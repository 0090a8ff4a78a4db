"""buildkit's bolt files: cache metadata (``metadata_v2.db``) and the solver's cache (``cache.db``).

``metadata_v2.db`` (buildkit's cache/metadata package) has three buckets:

=============  =====================================================
``_main``      a bucket per cache record (a ref's ID) whose keys are
               the record's fields, each value JSON
               ``{"value": ..., "index": ...}``: ``cache.createdAt``
               and ``cache.lastUsedAt`` in Unix nanoseconds,
               ``cache.description``, ``cache.recordType``,
               ``cache.parent``, ``cache.equalMutable``,
               ``snapshot.size``, ``cache.blob`` (a content digest)...
``_index``     ``<index>::<record ID>``: which record an index names
``_external``  a bucket per record for data kept outside it (the
               content hashes of a local source)
=============  =====================================================

A committed record and the mutable one it was made from
(``cache.equalMutable``) are one entry of ``docker system df -v`` and
``buildctl du``: the mutable one, with the committed one's size.

Beside it buildkit keeps ``snapshots.db`` (moby's snapshotter adapter: a
bucket per snapshot with ``parent``, ``size``, ``committed``, ``chainid``)
and ``containerdmeta.db`` (a containerd metadata database in namespace
``buildkit``: its leases hold the snapshots and content blobs).  When they
lie beside the file (the same names, with the same prefix as this file's
name), records link to their snapshots, leases and blobs.

``cache.db`` (buildkit's solver/bboltcachestorage) keeps cache keys:
``_result`` (key -> result ID ``worker::ref`` -> JSON ``{CreatedAt, ID}``),
``_links`` (key -> ``link JSON@target key``), ``_backlinks`` and
``_byresult`` (the two indexes back).
"""

from __future__ import annotations

import json
import os
from typing import Any

from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.protobuf.wire import JsonValue
from boltview.stores.recognize import BUILDKIT_CACHE, BUILDKIT_METADATA
from boltview.stores.tree import TreeView, fields, nanos_time, text
from boltview.stores.view import Link, StoreNode

__all__ = ["BuildkitCacheView", "BuildkitMetadataView", "companion"]

METADATA_NAME = "metadata_v2.db"
#: Record fields shown under their own names (the rest keep theirs, in ``other``).
_FIELDS = {
    "cache.description": "description",
    "cache.recordType": "type",
    "cache.parent": "parent",
    "cache.equalMutable": "equal_mutable",
    "cache.usageCount": "usage_count",
    "cache.cachePolicy": "cache_policy",
    "cache.snapshot": "snapshot",
    "cache.blob": "blob",
    "cache.diffID": "diff_id",
    "cache.blobsize": "blob_size",
    "cache.mediatype": "media_type",
    "cache.chainID": "chain_id",
    "cache.blobChainID": "blob_chain_id",
    "cache.layerParent": "layer_parent",
    "cache.mergeParents": "merge_parents",
    "cache.lastUsedAt": "last_used",
    "cache.createdAt": "created",
    "snapshot.size": "size",
    "snapshot.committed": "committed",
}
_TIMES = {"created", "last_used"}


def companion(path: str, name: str) -> str | None:
    """``name`` (``snapshots.db``) beside the metadata file at ``path``, with its prefix."""
    base = os.path.basename(path)
    prefix = base[: -len(METADATA_NAME)] if base.endswith(METADATA_NAME) else ""
    candidate = os.path.join(os.path.dirname(path), prefix + name)
    return candidate if os.path.isfile(candidate) else None


class BuildkitMetadataView(TreeView):
    """Cache records, linked to their snapshots, leases and blobs when those files are beside."""

    store = BUILDKIT_METADATA

    def build(self) -> None:
        self.records = self._records()
        self.snapshots = self._companion_snapshots()
        self.leases = self._companion_leases()
        self._add_records()
        if self.snapshots is not None:
            self._add_snapshots()
        if self.leases is not None:
            self._add_leases()

    # -- reading ---------------------------------------------------------------------

    def _records(self) -> dict[str, dict[str, Any]]:
        indexes: dict[str, list[str]] = {}
        for key, _ in self.values(b"_index"):
            index, sep, owner = text(key).rpartition("::")
            if sep:
                indexes.setdefault(owner, []).append(index)
        external = {
            text(b.name): [text(entry.key) for entry in b.entries()]
            for b in self.sub_buckets(b"_external")
        }
        records: dict[str, dict[str, Any]] = {}
        for bucket in self.sub_buckets(b"_main"):
            id_ = text(bucket.name)
            record: dict[str, Any] = {"id": id_, "other": {}}
            for key, raw in self.values(b"_main", bucket.name):
                name = text(key)
                if not raw:  # a field that was cleared: bbolt keeps the key
                    continue
                value = self.json(raw, f"_main/{id_}/{name}")
                value = value.get("value") if isinstance(value, dict) else value
                out = _FIELDS.get(name)
                if out in _TIMES and isinstance(value, int):
                    value = nanos_time(value)
                if out is None:
                    record["other"][name] = value
                else:
                    record[out] = value
            record["indexes"] = sorted(indexes.pop(id_, []))
            record["external"] = external.pop(id_, [])
            records[id_] = record
        for id_, names in sorted(indexes.items()):
            self.finding(f"_index: {', '.join(names)} name record {id_}, which _main lacks")
        for id_ in sorted(external):
            self.finding(f"_external: data for record {id_}, which _main lacks")
        return records

    def _open_companion(self, name: str) -> BoltFile | None:
        path = companion(self.db.path, name)
        if path is None or os.path.samefile(path, self.db.path):
            return None
        try:
            return BoltFile.open(path, snapshot=None)
        except (BoltviewError, OSError) as error:
            self.finding(f"{name} beside this file could not be read: {error}")
            return None

    def _companion_snapshots(self) -> dict[str, dict[str, str]] | None:
        db = self._open_companion("snapshots.db")
        if db is None:
            return None
        with db:
            return {
                text(bucket.name): {
                    text(entry.key): text(entry.value)
                    for entry in bucket.entries() if not entry.is_bucket
                }
                for bucket in db.root.buckets()
            }  # fmt: skip

    def _companion_leases(self) -> dict[str, dict[str, Any]] | None:
        db = self._open_companion("containerdmeta.db")
        if db is None:
            return None
        from boltview.stores.tree import go_binary_time

        leases: dict[str, dict[str, Any]] = {}
        with db:
            try:
                namespaces = list(db.bucket(b"v1").buckets())
            except BoltviewError:
                return {}
            for namespace in namespaces:
                try:
                    found = list(namespace.bucket(b"leases").buckets())
                except BoltviewError:
                    continue
                for lease in found:
                    entry: dict[str, Any] = {"namespace": text(namespace.name), "snapshots": {},
                                             "content": [], "labels": {}}  # fmt: skip
                    created = lease.get(b"createdat")
                    entry["created"] = go_binary_time(created) if created else None
                    for child in lease.buckets():
                        if child.name == b"labels":
                            entry["labels"] = {text(e.key): text(e.value) for e in child.entries()}
                        elif child.name == b"snapshots":
                            for snapshotter in child.buckets():
                                entry["snapshots"][text(snapshotter.name)] = [
                                    text(e.key) for e in snapshotter.entries()
                                ]
                        elif child.name == b"content":
                            entry["content"] = [text(e.key) for e in child.entries()]
                    leases[text(lease.name)] = entry
        return leases

    # -- the tree ----------------------------------------------------------------------

    def du_hidden(self, record: dict[str, Any]) -> bool:
        """A committed record shown through its mutable twin (``equal_mutable``) in ``du``."""
        return bool(record.get("equal_mutable")) and record["equal_mutable"] in self.records

    def du_size(self, record: dict[str, Any]) -> int | None:
        """The record's size as ``du`` counts it: its own, else its committed twin's."""
        if isinstance(record.get("size"), int):
            return int(record["size"])
        for other in self.records.values():
            if other.get("equal_mutable") == record["id"] and isinstance(other.get("size"), int):
                return int(other["size"])
        snapshot = (self.snapshots or {}).get(record["id"], {}).get("size")
        return int(snapshot) if snapshot and snapshot.isdigit() else None

    def _add_records(self) -> None:
        self.group("records")
        for id_, record in sorted(self.records.items()):
            links: list[Link] = []
            marks: list[str] = []
            for field_name in ("parent", "equal_mutable", "layer_parent"):
                target = record.get(field_name)
                if not target:
                    continue
                if target in self.records:
                    links.append(self.link(field_name.replace("_", " "), "records", target))
                else:
                    self.finding(f"record {id_}: its {field_name} {target} does not exist")
                    marks.append("inconsistent")
            snapshot_id = record.get("snapshot") or id_
            if self.snapshots is not None and snapshot_id in self.snapshots:
                links.append(self.link("snapshot", "snapshots", snapshot_id))
            if self.leases is not None and id_ in self.leases:
                links.append(self.link("lease", "leases", id_))
            blob = record.get("blob")
            if blob and self.leases is not None:
                holders = [lid for lid, lease in self.leases.items() if blob in lease["content"]]
                links += [self.link("blob's lease", "leases", lid) for lid in holders]
            node_fields: dict[str, JsonValue] = fields(
                id=id_,
                **{k: v for k, v in record.items() if k not in ("id", "other", "indexes", "external")},
                du_size=self.du_size(record),
                shown_in_du=not self.du_hidden(record),
                indexes=record["indexes"] or None,
                external=record["external"] or None,
                other=record["other"] or None,
            )
            summary = " ".join(
                str(part) for part in (record.get("type") or "regular", record.get("description"))
                if part
            )  # fmt: skip
            self.add(StoreNode(
                ("records", id_), "record", summary, node_fields, links=tuple(links),
                source=(b"_main", id_.encode()), marks=tuple(marks),
            ))  # fmt: skip

    def _add_snapshots(self) -> None:
        assert self.snapshots is not None
        self.group("snapshots", summary="snapshots.db beside")
        for id_, record in sorted(self.snapshots.items()):
            links = [self.link("record", "records", id_)] if id_ in self.records else []
            for field_name in ("parent", "committed"):
                target = record.get(field_name)
                if target and target in self.snapshots:
                    links.append(self.link(field_name, "snapshots", target))
            size = record.get("size")
            node_fields = fields(
                id=id_, parent=record.get("parent") or None, committed=record.get("committed"),
                is_committed="iscommitted" in record or None, chain_id=record.get("chainid"),
                size=int(size) if size and size.isdigit() else None,
                other={k: v for k, v in record.items()
                       if k not in ("parent", "committed", "iscommitted", "chainid", "size")} or None,
            )  # fmt: skip
            self.add(StoreNode(
                ("snapshots", id_), "snapshot", record.get("chainid", ""), node_fields,
                links=tuple(links),
            ))  # fmt: skip

    def _add_leases(self) -> None:
        assert self.leases is not None
        self.group("leases", summary="containerdmeta.db beside")
        for id_, lease in sorted(self.leases.items()):
            links = [self.link("record", "records", id_)] if id_ in self.records else []
            for keys in lease["snapshots"].values():
                links += [self.link("snapshot", "snapshots", key) for key in keys
                          if self.snapshots is not None and key in self.snapshots]  # fmt: skip
            links += [
                self.link("record with this blob", "records", rid)
                for rid, record in self.records.items() if record.get("blob") in lease["content"]
            ]  # fmt: skip
            self.add(StoreNode(
                ("leases", id_), "lease", lease["namespace"],
                fields(id=id_, **{k: v for k, v in lease.items()}), links=tuple(links),
            ))  # fmt: skip


class BuildkitCacheView(TreeView):
    """The solver's cache keys with their results and links."""

    store = BUILDKIT_CACHE

    def build(self) -> None:
        keys: dict[str, dict[str, Any]] = {}

        def key(id_: str) -> dict[str, Any]:
            return keys.setdefault(id_, {"id": id_, "results": [], "links": [], "backlinks": []})

        for bucket in self.sub_buckets(b"_result"):
            for result_id, raw in self.values(b"_result", bucket.name):
                result = self.json_object(raw, f"_result/{text(bucket.name)}/{text(result_id)}")
                worker, _, ref = text(result_id).rpartition("::")
                key(text(bucket.name))["results"].append(
                    {"id": text(result_id), "worker": worker, "ref": ref,
                     "created": result.get("CreatedAt")}
                )  # fmt: skip
        for bucket in self.sub_buckets(b"_links"):
            for raw, _ in self.values(b"_links", bucket.name):
                link_text, _, target = text(raw).rpartition("@")
                try:
                    link = json.loads(link_text)
                except ValueError:
                    self.finding(f"_links/{text(bucket.name)}: {link_text!r} is not a link")
                    continue
                key(text(bucket.name))["links"].append({"to": target, **link})
                key(target)["backlinks"].append(text(bucket.name))
        for bucket in self.sub_buckets(b"_backlinks"):  # target -> the keys that link to it
            target = text(bucket.name)
            for origin, _ in self.values(b"_backlinks", bucket.name):
                outgoing = keys.get(text(origin), {}).get("links", [])
                if not any(link["to"] == target for link in outgoing):
                    self.finding(f"_backlinks: {text(origin)} -> {target}, which _links lacks")
        self.group("keys")
        for id_, entry in sorted(keys.items()):
            links = tuple(self.link("input of", "keys", link["to"]) for link in entry["links"])
            links += tuple(self.link("from", "keys", origin) for origin in entry["backlinks"])
            summary = ", ".join(result["id"] for result in entry["results"])
            self.add(StoreNode(
                ("keys", id_), "cache key", summary, fields(**entry), links=links,
                source=(b"_result", id_.encode()),
            ))  # fmt: skip
        by_result: dict[str, list[str]] = {}
        for bucket in self.sub_buckets(b"_byresult"):
            by_result[text(bucket.name)] = [text(k) for k, _ in self.values(b"_byresult", bucket.name)]
        for result_name, key_ids in sorted(by_result.items()):
            for key_id in key_ids:
                if key_id in keys and not any(r["id"] == result_name for r in keys[key_id]["results"]):
                    self.finding(f"_byresult: {result_name} -> key {key_id}, whose _result lacks it")
