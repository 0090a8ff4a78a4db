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
``buildkit``: its leases hold the snapshots and content blobs, its content
bucket each blob's size, labels and times; the bytes are in ``content/``).
When they lie beside the file (the same names, with the same prefix as this
file's name), records link to their snapshots, leases and blobs: a record
to the snapshots named by its ``cache.snapshot`` and by its ID, to its lease,
to the blobs that lease holds and to its ``cache.blob``, and a pulled record
("pulled from REF@DIGEST") to the manifest it was pulled by.

dockerd 20.10's buildkit keeps a pulled layer in docker's layer store, not
in its content store: the record has a diff ID and chain ID but no
``cache.blob``, and its lease holds only the manifest and the image config.

``cache.db`` (buildkit's solver/bboltcachestorage) keeps cache keys:
``_result`` (key -> result ID ``worker::ref`` -> JSON ``{CreatedAt, ID}``),
``_links`` (key -> ``link JSON@target key``), ``_backlinks`` and
``_byresult`` (the two indexes back).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from boltview.bolt.file import BoltFile
from boltview.containerd.model import Issue
from boltview.containerd.reader import MetadataReader
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
#: A pulled record's description: ``pulled from REF@DIGEST``, DIGEST its manifest's.
_PULLED = re.compile(r"pulled from \S+@(sha256:[0-9a-f]{64})")


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
        self.leases, self.blobs = self._companion_containerd()
        self._index_holders()
        self._add_records()
        if self.snapshots is not None:
            self._add_snapshots()
        if self.leases is not None:
            self._add_leases()
        if self.blobs is not None:
            self._add_content()

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
            self.snapshots_origin = (db.path, db.txid)
            return {
                text(bucket.name): {
                    text(entry.key): text(entry.value)
                    for entry in bucket.entries() if not entry.is_bucket
                }
                for bucket in db.root.buckets()
            }  # fmt: skip

    def _companion_containerd(
        self,
    ) -> tuple[dict[str, dict[str, Any]] | None, dict[str, dict[str, Any]] | None]:
        """The leases and content blobs of ``containerdmeta.db``, read as containerd's own."""
        db = self._open_companion("containerdmeta.db")
        if db is None:
            return None, None
        leases: dict[str, dict[str, Any]] = {}
        blobs: dict[str, dict[str, Any]] = {}
        self.containerd_origin = (db.path, db.txid)
        self.bucket_of: dict[tuple[str, str], tuple[bytes, ...]] = {}  # (kind, id) -> bucket
        with db:
            try:  # a fresh buildkit's file holds no bucket yet: nothing to read, nothing wrong
                reader = MetadataReader(db, check=any(True for _ in db.root.buckets()))
            except BoltviewError as error:
                self.finding(f"containerdmeta.db beside this file: {error}")
                return None, None
            for namespace in reader.namespace_names():
                for lease in reader.leases(namespace):
                    self._issues(f"lease {lease.id}", lease.issues)
                    self.bucket_of["lease", lease.id] = lease.path
                    leases[lease.id] = {
                        "namespace": namespace,
                        "snapshots": {name: list(keys) for name, keys in lease.snapshots.items()},
                        "content": list(lease.content), "labels": lease.labels or {},
                        "created": lease.created_at.rfc3339() if lease.created_at else None,
                    }  # fmt: skip
                for blob in reader.blobs(namespace):
                    self._issues(f"content blob {blob.digest}", blob.issues)
                    self.bucket_of["blob", blob.digest] = blob.path
                    blobs[blob.digest] = fields(
                        digest=blob.digest, namespace=namespace, size=blob.size,
                        labels=blob.labels or None,
                        created=blob.created_at.rfc3339() if blob.created_at else None,
                        updated=blob.updated_at.rfc3339() if blob.updated_at else None,
                    )  # fmt: skip
            for problem in reader.problems:
                self.finding(f"containerdmeta.db beside this file: {problem.message}")
        return leases, blobs

    def _index_holders(self) -> None:
        """Who names what, both ways: records by snapshot, blob and manifest; leases by blob."""
        self.by_snapshot: dict[str, list[str]] = {}
        self.by_blob: dict[str, list[str]] = {}
        self.by_manifest: dict[str, list[str]] = {}
        self.leases_of: dict[str, list[str]] = {}
        for id_, record in sorted(self.records.items()):
            for snapshot_id in dict.fromkeys((record.get("snapshot") or id_, id_)):
                self.by_snapshot.setdefault(snapshot_id, []).append(id_)
            if record.get("blob"):
                self.by_blob.setdefault(record["blob"], []).append(id_)
            manifest = self.pulled_manifest(record)
            if manifest:
                self.by_manifest.setdefault(manifest, []).append(id_)
        for lease_id, lease in sorted((self.leases or {}).items()):
            for digest in lease["content"]:
                self.leases_of.setdefault(digest, []).append(lease_id)

    def _issues(self, what: str, issues: tuple[Issue, ...]) -> None:
        for issue in issues:
            self.finding(f"containerdmeta.db beside this file: {what}: {issue.field}: {issue.reason}")

    def record_content(self, record: dict[str, Any]) -> list[str]:
        """The blobs of the content store a record holds: by its lease and its ``cache.blob``."""
        held = list((self.leases or {}).get(record["id"], {}).get("content", []))
        if record.get("blob") and record["blob"] not in held:
            held.append(record["blob"])
        return [digest for digest in held if digest in (self.blobs or {})]

    @staticmethod
    def pulled_manifest(record: dict[str, Any]) -> str | None:
        """The manifest digest a pulled record names in its description, if it is one."""
        found = _PULLED.fullmatch(str(record.get("description") or ""))
        return found.group(1) if found else None

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
            for snapshot_id in dict.fromkeys((record.get("snapshot") or id_, id_)):
                if self.snapshots is not None and snapshot_id in self.snapshots:
                    links.append(self.link("snapshot", "snapshots", snapshot_id))
            if self.leases is not None and id_ in self.leases:
                links.append(self.link("lease", "leases", id_))
            blob = record.get("blob")
            if blob:
                links += [self.link("blob's lease", "leases", lid) for lid in self.leases_of.get(blob, [])]
            content = self.record_content(record)
            links += [self.link("content", "content", digest) for digest in content]
            manifest = self.pulled_manifest(record)
            if manifest in (self.blobs or {}):
                links.append(self.link("manifest", "content", manifest))
            sizes = [{"digest": digest, "size": (self.blobs or {})[digest].get("size")} for digest in content]
            node_fields: dict[str, JsonValue] = fields(
                id=id_,
                **{k: v for k, v in record.items() if k not in ("id", "other", "indexes", "external")},
                du_size=self.du_size(record),
                shown_in_du=not self.du_hidden(record),
                blob_held=blob in self.blobs if blob and self.blobs is not None else None,
                content=sizes or None,
                manifest=manifest,
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
            links = [self.link("record", "records", rid) for rid in self.by_snapshot.get(id_, [])]
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
                links=tuple(links), source=(id_.encode(),), origin=self.snapshots_origin,
            ))  # fmt: skip

    def _add_leases(self) -> None:
        assert self.leases is not None
        self.group("leases", summary="containerdmeta.db beside")
        for id_, lease in sorted(self.leases.items()):
            links = [self.link("record", "records", id_)] if id_ in self.records else []
            for keys in lease["snapshots"].values():
                links += [self.link("snapshot", "snapshots", key) for key in keys
                          if self.snapshots is not None and key in self.snapshots]  # fmt: skip
            links += [self.link("record with this blob", "records", rid)
                      for digest in lease["content"] for rid in self.by_blob.get(digest, [])]  # fmt: skip
            links += [self.link("content", "content", digest) for digest in lease["content"]
                      if digest in (self.blobs or {})]  # fmt: skip
            self.add(StoreNode(
                ("leases", id_), "lease", lease["namespace"],
                fields(id=id_, **{k: v for k, v in lease.items()}), links=tuple(links),
                source=self.bucket_of.get(("lease", id_), ()), origin=self.containerd_origin,
            ))  # fmt: skip

    def _add_content(self) -> None:
        """The content store's blobs, with the leases and records that hold them."""
        assert self.blobs is not None
        self.group("content", summary="containerdmeta.db beside")
        for digest, blob in sorted(self.blobs.items()):
            holders = self.leases_of.get(digest, [])
            with_blob, pulled_by = self.by_blob.get(digest, []), self.by_manifest.get(digest, [])
            links = [self.link("lease", "leases", lid) for lid in holders]
            links += [self.link("record with this blob", "records", rid) for rid in with_blob]
            links += [self.link("manifest of", "records", rid) for rid in pulled_by]
            media_types = {self.records[rid].get("media_type") for rid in with_blob}
            media_type = media_types.pop() if len(media_types) == 1 else None
            role = ", a pulled image's manifest" if pulled_by else ""
            self.add(StoreNode(
                ("content", digest), "blob", f"{blob.get('size')} bytes{role}",
                fields(**blob, media_type=media_type, leases=holders or None), links=tuple(links),
                source=self.bucket_of.get(("blob", digest), ()), origin=self.containerd_origin,
            ))  # fmt: skip


class BuildkitCacheView(TreeView):
    """The solver's cache keys with their results and links."""

    store = BUILDKIT_CACHE

    def build(self) -> None:
        keys: dict[str, dict[str, Any]] = {}
        buckets: dict[str, bytes] = {}  # a key's own bucket: in _result, else in _links

        def key(id_: str) -> dict[str, Any]:
            return keys.setdefault(id_, {"id": id_, "results": [], "links": [], "backlinks": []})

        for bucket in self.sub_buckets(b"_result"):
            buckets.setdefault(text(bucket.name), b"_result")
            for result_id, raw in self.values(b"_result", bucket.name):
                result = self.json_object(raw, f"_result/{text(bucket.name)}/{text(result_id)}")
                worker, _, ref = text(result_id).rpartition("::")
                key(text(bucket.name))["results"].append(
                    {"id": text(result_id), "worker": worker, "ref": ref,
                     "created": result.get("CreatedAt")}
                )  # fmt: skip
        for bucket in self.sub_buckets(b"_links"):
            buckets.setdefault(text(bucket.name), b"_links")
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
                # a key only linked to (the last step) has no bucket of its own
                source=(buckets[id_], id_.encode()) if id_ in buckets else (),
            ))  # fmt: skip
        by_result: dict[str, list[str]] = {}
        for bucket in self.sub_buckets(b"_byresult"):
            by_result[text(bucket.name)] = [text(k) for k, _ in self.values(b"_byresult", bucket.name)]
        for result_name, key_ids in sorted(by_result.items()):
            for key_id in key_ids:
                if key_id in keys and not any(r["id"] == result_name for r in keys[key_id]["results"]):
                    self.finding(f"_byresult: {result_name} -> key {key_id}, whose _result lacks it")
