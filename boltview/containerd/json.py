"""containerd's objects as JSON: what ``inspect`` prints and ``export`` writes.

Each object's JSON carries, under the names ctr uses, every field ctr prints
for it (``ctr containers info``, ``ctr snapshots info``), so the two can be
diffed; what boltview adds (decoded runtime options and extensions, bucket
paths, links, unknown keys, decode issues) sits under ``"boltview"``, a name
ctr never uses.  :func:`relations_json` is an object's relations, resolved,
as ``inspect --json`` prints them; :func:`encoder` (with ``no_del`` of
:mod:`boltview.render.json` over its output) is the JSON encoding every
containerd document uses.
"""

from __future__ import annotations

import io
import json
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from time import gmtime as _gmtime
from typing import Any, TypeGuard

from boltview.bolt.file import BoltFile
from boltview.containerd import schema as S
from boltview.containerd.encoding import GoTime
from boltview.containerd.gc import GcVerdict
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    INGEST,
    LEASE,
    SANDBOX,
    SNAPSHOT,
    AnyValue,
    BackendSnapshot,
    Container,
    ContentBlob,
    Image,
    Ingest,
    Issue,
    Lease,
    Namespace,
    ObjectRef,
    Pod,
    Problem,
    Sandbox,
    Snapshot,
    UnknownKey,
)
from boltview.containerd.reader import MetadataReader
from boltview.containerd.relations import ContentNode, Reference
from boltview.dump import dump
from boltview.errors import BoltviewError
from boltview.protobuf.any import JSON
from boltview.render.json import bytes_field
from boltview.render.text import base64_text as b64
from boltview.render.text import show_bytes

GO_ZERO_TIME = "0001-01-01T00:00:00Z"
"""How Go prints a ``time.Time{}``: what ctr shows for a time that is not stored."""

_EXTRA = "boltview"
quote = json.encoder.encode_basestring_ascii
"""A str as a JSON string, ASCII only (the C encoder's own)."""


_MAX_UNIX = 253402300799  # 9999-12-31T23:59:59Z, the last second gmtime formats like Go
_SECOND = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}"
_seconds_text: dict[int, str] = {}


def go_time(value: GoTime | None) -> str:
    """RFC 3339 with nanoseconds, as Go (and ctr) print; the zero time when absent.

    UTC times (all containerd writes) take a fast path, cached per second:
    export formats two of them per object, mostly the same GoTime twice.
    """
    global _last_time
    last = _last_time
    if value is None or value is last[0]:
        return GO_ZERO_TIME if value is None else last[1]
    seconds = value.unix_seconds
    if value.offset_minutes != -1 or value.offset_seconds or not 0 <= seconds <= _MAX_UNIX:
        return value.rfc3339()
    prefix = _seconds_text.get(seconds)
    if prefix is None:
        if len(_seconds_text) > 65536:
            _seconds_text.clear()
        prefix = _seconds_text[seconds] = _SECOND.format(*_gmtime(seconds))
    nanos = value.nanos
    text = prefix + (f".{nanos:09d}".rstrip("0") if nanos else "") + "Z"
    _last_time = (value, text)
    return text


_last_time: tuple[GoTime | None, str] = (None, "")


def optional_time(value: GoTime | None) -> str | None:
    return value.rfc3339() if value is not None else None


_shown_paths: dict[tuple[bytes, ...], list[str]] = {}


def path_json(path: tuple[bytes, ...]) -> list[str]:
    """A bucket path as names; the parent's part is cached (siblings share it)."""
    if not path:
        return []
    parent = path[:-1]
    shown = _shown_paths.get(parent)
    if shown is None:
        if len(_shown_paths) > 4096:
            _shown_paths.clear()
        shown = _shown_paths[parent] = [show_bytes(name) for name in parent]
    return [*shown, show_bytes(path[-1])]


def issues_json(issues: Iterable[Issue]) -> list[dict[str, Any]]:
    """Decode issues; an unreadable bucket's also say which bucket and page."""
    out: list[dict[str, Any]] = []
    for i in issues:
        item: dict[str, Any] = {"field": i.field, "reason": i.reason, "raw_base64": b64(i.raw),
                                "raw_text": i.raw.decode("utf-8", "backslashreplace")}  # fmt: skip
        if i.problem is not None:
            item["pgid"] = i.problem.pgid
            item["path"] = path_json(i.problem.path)
        out.append(item)
    return out


def problem_json(problem: Problem) -> dict[str, Any]:
    """A page that could not be read: the bucket, the page, and why."""
    return {"path": path_json(problem.path), "pgid": problem.pgid, "message": problem.message}


def value_json(value: bytes) -> dict[str, str]:
    """A value the model does not know: as text, and losslessly."""
    return bytes_field(value, "value")


def unknown_json(db: BoltFile, unknown: Iterable[UnknownKey]) -> dict[str, Any]:
    """Keys the model does not know: values as text and base64, buckets dumped whole."""
    out: dict[str, Any] = {}
    for item in unknown:
        name = show_bytes(item.key)
        if item.value is not None:
            out[name] = value_json(item.value)
            continue
        try:
            buffer = io.BytesIO()
            dump(db.bucket(*item.path), buffer, "base64")
            out[name] = {"bucket_base64": json.loads(buffer.getvalue())}
        except BoltviewError as error:
            out[name] = {"bucket_error": str(error)}
    return out


def extras_json(db: BoltFile, obj: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """The ``boltview`` member: path first, then what the caller adds, then leftovers."""
    out: dict[str, Any] = {"path": path_json(obj.path)}
    out.update(extra)
    if obj.unknown:
        out["unknown"] = unknown_json(db, obj.unknown)
    if obj.issues:
        out["issues"] = issues_json(obj.issues)
    return out


class Verbatim:
    """JSON payloads to splice into the output as they are stored.

    A spec is kilobytes of JSON that containerd wrote; once it parses (which
    proves it is JSON), export copies its text instead of re-encoding what
    was parsed.  The document holds a placeholder string, made unguessable
    by a random token, and :meth:`splice` swaps the text in after encoding.
    """

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self.texts: list[str] = []

    @staticmethod
    def accepts(text: str | None) -> TypeGuard[str]:
        """Only ASCII text is copied: export escapes everything else (hostile specs)."""
        return text is not None and text.isascii()

    def add(self, text: str) -> str:
        self.texts.append(text)
        return f"\x00{self.token}:{len(self.texts) - 1}\x00"

    def splice(self, encoded: str) -> str:
        """``encoded`` with each placeholder (as the encoder wrote it) swapped for its text,
        in one pass; the texts are then forgotten."""
        pieces = encoded.split(f'"\\u0000{self.token}:')
        out = [pieces[0]]
        for piece in pieces[1:]:
            index, _, rest = piece.partition('\\u0000"')
            out += (self.texts[int(index)], rest)
        self.texts.clear()
        return "".join(out)


def payload(value: AnyValue, verbatim: Verbatim | None) -> Any:
    """An Any's decoded payload; JSON payloads verbatim when exporting."""
    if verbatim is not None:
        text = value.json_text()
        if verbatim.accepts(text):
            return verbatim.add(text)
    return value.decoded.decoded


def any_decoded(value: AnyValue, verbatim: Verbatim | None = None) -> dict[str, Any]:
    """An Any's payload as boltview decoded it: how, what, and what went wrong."""
    if verbatim is not None:
        text = value.json_text()
        if verbatim.accepts(text):
            return {"type_url": value.type_url, "decoded_as": JSON, "decoded": verbatim.add(text)}
    decoded = value.decoded
    out: dict[str, Any] = {"type_url": decoded.type_url, "decoded_as": decoded.decoded_as,
                           "decoded": decoded.decoded}  # fmt: skip
    if decoded.error:
        out["error"] = decoded.error
        out["value_base64"] = b64(value.raw)
    return out


def _spec(
    value: AnyValue | None, doc: dict[str, Any], extra: dict[str, Any], verbatim: Verbatim | None
) -> None:
    """``Spec`` decoded, as ctr prints it; a spec that is not JSON stays raw, with why."""
    if value is None:
        return
    text = value.json_text() if verbatim is not None else None
    if verbatim is not None and verbatim.accepts(text):
        doc["Spec"] = verbatim.add(text)
        extra["spec"] = {"type_url": value.type_url, "decoded_as": JSON}
        return
    decoded = value.decoded
    if decoded.decoded_as == JSON and decoded.error is None:
        doc["Spec"] = decoded.decoded
        extra["spec"] = {"type_url": decoded.type_url, "decoded_as": JSON}
    else:
        extra["spec"] = any_decoded(value)


def _runtime(name: str, options: AnyValue | None) -> dict[str, Any]:
    return {"Name": name, "Options": options.ctr_json() if options is not None else None}


def _extensions(extensions: Mapping[str, AnyValue] | None) -> dict[str, Any] | None:
    if extensions is None:
        return None
    return {name: value.ctr_json() for name, value in sorted(extensions.items())}


def _decoded_extensions(
    extensions: Mapping[str, AnyValue] | None, verbatim: Verbatim | None
) -> dict[str, Any]:
    return {name: any_decoded(value, verbatim) for name, value in sorted((extensions or {}).items())}


# -- one object ------------------------------------------------------------------------


def container_json(db: BoltFile, c: Container, verbatim: Verbatim | None = None) -> dict[str, Any]:
    """What ``ctr containers info`` prints, plus ``boltview``."""
    doc: dict[str, Any] = {
        "ID": c.id,
        "Labels": c.labels,
        "Image": c.image,
        "Runtime": _runtime(c.runtime_name, c.runtime_options),
        "SnapshotKey": c.snapshot_key,
        "Snapshotter": c.snapshotter,
        "CreatedAt": go_time(c.created_at),
        "UpdatedAt": go_time(c.updated_at),
        "Extensions": _extensions(c.extensions),
    }
    if c.sandbox_id is not None:
        doc["SandboxID"] = c.sandbox_id
    extra: dict[str, Any] = {}
    _spec(c.spec, doc, extra, verbatim)
    if c.runtime_options is not None:
        extra["runtime_options"] = any_decoded(c.runtime_options)
    if c.extensions:
        extra["extensions"] = _decoded_extensions(c.extensions, verbatim)
    links: dict[str, Any] = {}
    if c.image:
        links["image"] = c.image
    if c.snapshotter:
        links["snapshot"] = {"snapshotter": c.snapshotter, "key": c.snapshot_key}
    if c.sandbox_id:
        links["sandbox"] = c.sandbox_id
    extra["links"] = links
    doc[_EXTRA] = extras_json(db, c, extra)
    return doc


def image_json(db: BoltFile, image: Image) -> dict[str, Any]:
    """containerd's ``images.Image``: Name, Labels, Target (an OCI descriptor), times."""
    target: dict[str, Any] = {"mediaType": image.target.media_type,
                              "digest": image.target.digest, "size": image.target.size or 0}  # fmt: skip
    if image.target.annotations:
        target["annotations"] = image.target.annotations
    return {
        "Name": image.name,
        "Labels": image.labels,
        "Target": target,
        "CreatedAt": go_time(image.created_at),
        "UpdatedAt": go_time(image.updated_at),
        _EXTRA: extras_json(db, image, {"links": {"content": image.target.digest}}),
    }


def snapshot_json(db: BoltFile, s: Snapshot) -> dict[str, Any]:
    """What ``ctr snapshots info`` prints (Kind, Name, Parent, Labels, Created, Updated)."""
    labels = dict(s.backend.labels or {}) if s.backend is not None else {}
    labels.update(s.labels or {})
    doc: dict[str, Any] = {"Kind": s.snapshot_kind, "Name": s.key}
    if s.parent:
        doc["Parent"] = s.parent
    if labels:
        doc["Labels"] = labels
    doc["Created"] = go_time(s.created_at)
    doc["Updated"] = go_time(s.updated_at)
    extra: dict[str, Any] = {
        "snapshotter": s.snapshotter,
        "backend_name": s.name,
        "kind_source": s.kind_source,
        "children": list(s.children),
    }
    if s.gone_children:  # listed by meta.db, deleted (see relations.checked_snapshot)
        extra["gone_children"] = list(s.gone_children)
    if s.backend is not None:
        extra["backend"] = backend_json(db, s.backend)
    doc[_EXTRA] = extras_json(db, s, extra)
    return doc


def backend_json(db: BoltFile, b: BackendSnapshot) -> dict[str, Any]:
    """A snapshot as its snapshotter records it: id, kind, usage, directory."""
    out: dict[str, Any] = {
        "name": b.name, "id": b.id, "kind": b.kind, "parent": b.parent,
        "created": optional_time(b.created_at), "updated": optional_time(b.updated_at),
        "inodes": b.inodes, "size": b.size, "labels": b.labels, "directory": b.directory,
        "path": path_json(b.path),
    }  # fmt: skip
    if b.unknown:
        out["unknown"] = unknown_json(db, b.unknown)
    if b.issues:
        out["issues"] = issues_json(b.issues)
    return out


def blob_json(db: BoltFile, blob: ContentBlob) -> dict[str, Any]:
    """containerd's ``content.Info``."""
    return {
        "Digest": blob.digest,
        "Size": blob.size or 0,
        "CreatedAt": go_time(blob.created_at),
        "UpdatedAt": go_time(blob.updated_at),
        "Labels": blob.labels,
        _EXTRA: extras_json(db, blob, {}),
    }


def ingest_json(db: BoltFile, ingest: Ingest) -> dict[str, Any]:
    return {
        "Ref": ingest.ref_name,
        "BackendRef": ingest.backend_ref,
        "Expected": ingest.expected or "",
        "ExpireAt": optional_time(ingest.expire_at),
        _EXTRA: extras_json(db, ingest, {}),
    }


def lease_json(db: BoltFile, lease: Lease) -> dict[str, Any]:
    """containerd's ``leases.Lease``, with its resources as ``ListResources`` gives them."""
    return {
        "ID": lease.id,
        "CreatedAt": go_time(lease.created_at),
        "Labels": lease.labels,
        "Resources": [{"ID": r.id, "Type": r.type} for r in lease.resources],
        _EXTRA: extras_json(db, lease, {}),
    }


def sandbox_json(
    db: BoltFile, sandbox: Sandbox, verbatim: Verbatim | None = None
) -> dict[str, Any]:
    """containerd's ``sandbox.Sandbox``; Spec decoded as for containers."""
    doc: dict[str, Any] = {
        "ID": sandbox.id,
        "Labels": sandbox.labels,
        "Runtime": _runtime(sandbox.runtime_name, sandbox.runtime_options),
        "Sandboxer": sandbox.sandboxer or "",
        "CreatedAt": go_time(sandbox.created_at),
        "UpdatedAt": go_time(sandbox.updated_at),
        "Extensions": _extensions(sandbox.extensions),
    }
    extra: dict[str, Any] = {"location": sandbox.location}
    _spec(sandbox.spec, doc, extra, verbatim)
    if sandbox.runtime_options is not None:
        extra["runtime_options"] = any_decoded(sandbox.runtime_options)
    if sandbox.extensions:
        extra["extensions"] = _decoded_extensions(sandbox.extensions, verbatim)
    doc[_EXTRA] = extras_json(db, sandbox, extra)
    return doc


def namespace_json(db: BoltFile, ns: Namespace) -> dict[str, Any]:
    return {"Name": ns.name, "Labels": ns.labels, _EXTRA: extras_json(db, ns, {"objects": list(ns.objects)})}


def pod_json(pod: Pod) -> dict[str, Any]:
    return {
        "SandboxID": pod.sandbox_id,
        "Name": pod.name,
        "Namespace": pod.pod_namespace,
        "UID": pod.uid,
        "Attempt": pod.attempt,
        "LogDirectory": pod.log_directory,
        "IP": pod.ip,
        "NetNSPath": pod.netns_path,
        "SandboxContainer": pod.sandbox_container.id if pod.sandbox_container else None,
        "Sandbox": pod.sandbox.id if pod.sandbox else None,
        "Containers": [
            {"ID": c.id, "Name": c.name, "Attempt": c.attempt, "LogPath": c.log_path,
             "ImageRef": c.image_ref, "Image": c.container.image}
            for c in pod.containers
        ],
        _EXTRA: {"path": path_json(pod.path)},
    }  # fmt: skip


def object_json(db: BoltFile, obj: Any) -> dict[str, Any]:
    """The JSON of any model object."""
    for cls, fn in _BY_TYPE:
        if isinstance(obj, cls):
            return fn(db, obj)
    if isinstance(obj, Pod):
        return pod_json(obj)
    raise TypeError(f"no JSON form for {type(obj).__name__}")


_BY_TYPE: tuple[tuple[type, Any], ...] = (
    (Container, container_json), (Image, image_json), (Snapshot, snapshot_json),
    (ContentBlob, blob_json), (Ingest, ingest_json), (Lease, lease_json),
    (Sandbox, sandbox_json), (Namespace, namespace_json),
)  # fmt: skip


# -- encoding --------------------------------------------------------------------------------


def encoder(indent: int | None) -> Callable[[Any], str]:
    """A JSON encoder for export: ASCII only, compact unless indented.

    Compact output calls the C encoder directly (``JSONEncoder.encode`` builds
    a new one per call; export encodes one object at a time).  A non-finite
    float (a payload's 1e999) becomes a string, so the output stays JSON.
    """
    slow = json.JSONEncoder(ensure_ascii=True, indent=indent,
                            separators=(",", ":") if indent is None else None).encode  # fmt: skip
    make = getattr(json.encoder, "c_make_encoder", None)
    if indent is not None or make is None:
        return _finite(slow)
    fast = make(None, _no_default, quote, None, ":", ",", False, False, False)

    def encode(value: Any) -> str:
        if value.__class__ is str:
            return quote(value)
        return "".join(fast(value, 0))

    return _finite(encode)


def _no_default(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def _finite(encode: Callable[[Any], str]) -> Callable[[Any], str]:
    def safe(value: Any) -> str:
        try:
            return encode(value)
        except ValueError:
            return encode(_strings_for_non_finite(value))

    return safe


def _strings_for_non_finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _strings_for_non_finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strings_for_non_finite(v) for v in value]
    return value


# -- relations, for inspect ------------------------------------------------------------------


def ref_json(ref: ObjectRef) -> dict[str, str]:
    out: dict[str, str] = {"kind": ref.kind, "namespace": ref.namespace, "id": ref.id}
    if ref.snapshotter:
        out["snapshotter"] = ref.snapshotter
    return out


def reference_json(reader: MetadataReader, reference: Reference, end: str) -> dict[str, Any]:
    """One reference, seen from one end: the other end, how, and whether it exists."""
    other = reference.target if end == "target" else reference.source
    return {**ref_json(other), "via": reference.via, "exists": reader.exists(other)}


def tree_json(node: ContentNode) -> dict[str, Any]:
    """An image's blobs: digest, role, the label that links it, size, and children."""
    out: dict[str, Any] = {
        "digest": node.digest, "role": node.role, "via": node.via,
        "exists": node.blob is not None, "size": node.blob.size if node.blob else None,
    }  # fmt: skip
    if node.snapshots:
        out["snapshots"] = [ref_json(ref) for ref in node.snapshots]
    if node.children:
        out["children"] = [tree_json(child) for child in node.children]
    if node.repeated:
        out["repeated"] = True  # its children are shown once, earlier in the tree
    if node.more:
        out["more"] = node.more  # children left out past the tree's size or depth limit
    return out


def gc_json(verdict: GcVerdict) -> dict[str, Any]:
    chain = None
    if verdict.chain is not None:
        chain = [{"from": str(r.source), "to": str(r.target), "via": r.via} for r in verdict.chain]
    return {"kept": verdict.kept, "root": verdict.root, "chain": chain}


_GC_KINDS = (CONTAINER, IMAGE, SNAPSHOT, CONTENT, INGEST, LEASE, SANDBOX)


def relations_json(reader: MetadataReader, obj: Any, now: datetime | None = None) -> dict[str, Any]:
    """Everything ``obj`` links to and is linked from, resolved, plus the gc verdict."""
    out: dict[str, Any] = {}
    if isinstance(obj, Container):
        out.update(_container_relations(reader, obj))
    elif isinstance(obj, Image):
        out["content"] = tree_json(reader.image_tree(obj))
        out["containers"] = [c.id for c in reader.containers(obj.namespace) if c.image == obj.name]
    elif isinstance(obj, Snapshot):
        out["parents"] = [s.key for s in reader.snapshot_chain(obj)]
        out["children"] = list(obj.children)
    elif isinstance(obj, Lease):
        out["resources"] = [
            {"type": r.type, "id": r.id, "exists": reader.exists(r.target(obj.namespace))}
            for r in obj.resources
        ]
    elif isinstance(obj, Sandbox):
        out["containers"] = [
            c.id for c in reader.containers(obj.namespace) if c.sandbox_id == obj.id
        ]
    if getattr(obj, "kind", None) in _GC_KINDS:
        ref = obj.ref
        out["references"] = [reference_json(reader, r, "target") for r in reader.references_from(ref)]
        out["referenced_by"] = [reference_json(reader, r, "source") for r in reader.referenced_by(ref)]
        out["gc"] = gc_json(reader.why_kept(ref, now))
    return out


def _container_relations(reader: MetadataReader, c: Container) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if c.image:
        image = reader.container_image(c)
        entry: dict[str, Any] = {"name": c.image, "exists": image is not None}
        if image is not None:
            entry["content"] = tree_json(reader.image_tree(image))
        out["image"] = entry
    if c.snapshotter:
        snapshot = reader.container_snapshot(c)
        out["snapshot"] = {
            "snapshotter": c.snapshotter, "key": c.snapshot_key, "exists": snapshot is not None,
            "parents": [s.key for s in reader.snapshot_chain(snapshot)] if snapshot else [],
        }  # fmt: skip
    if c.sandbox_id:
        out["sandbox"] = {"id": c.sandbox_id,
                          "exists": reader.find(ObjectRef(SANDBOX, c.namespace, c.sandbox_id)) is not None}  # fmt: skip
    for pod in reader.pods(c.namespace) if S.LABEL_CRI_KIND in (c.labels or {}) else ():
        if c.id == pod.sandbox_id or any(pc.id == c.id for pc in pod.containers):
            out["pod"] = {"sandbox_id": pod.sandbox_id, "name": pod.name,
                          "namespace": pod.pod_namespace, "uid": pod.uid}  # fmt: skip
    return out
