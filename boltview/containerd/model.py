"""containerd's metadata as typed, read-only objects.

Each class here is one kind of object containerd keeps in ``meta.db``
(:mod:`~boltview.containerd.loader` reads them from their buckets,
:mod:`~boltview.containerd.pods` groups Kubernetes pods).  Three promises
hold for every object:

- it knows its bucket ``path`` (names from the root down), so a view can jump
  to the raw bytes behind it;
- keys the model does not know are kept in ``unknown``, never dropped, so a
  newer containerd's data is still all there;
- a value that does not decode becomes an :class:`Issue` (field, raw bytes,
  reason) and the rest of the object still decodes.

The model follows containerd's own reading code (``metadata/*.go``) where Go's
zero values matter: ``labels`` is None when the object has no labels bucket
(Go's nil map, ``null`` in ctr's JSON), and a missing time is None (Go's zero
time).  Big values (an OCI spec is kilobytes of JSON) stay as bytes in an
:class:`AnyValue` until something asks for them.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, ClassVar, Final, overload

from boltview.bolt.path import BucketPath
from boltview.containerd import schema as S
from boltview.containerd.encoding import GoTime, split_any
from boltview.errors import BoltviewError
from boltview.protobuf.any import (
    JSON,
    DecodedAny,
    decode_any,
    decode_any_value,
    is_json_type_url,
)
from boltview.protobuf.wire import WireType, decode_raw

Path = BucketPath

# Kinds of objects, as the CLI and references name them.
NAMESPACE: Final = "namespace"
CONTAINER: Final = "container"
IMAGE: Final = "image"
SNAPSHOT: Final = "snapshot"
CONTENT: Final = "content"
INGEST: Final = "ingest"
LEASE: Final = "lease"
SANDBOX: Final = "sandbox"
POD: Final = "pod"
KINDS: Final = (NAMESPACE, CONTAINER, IMAGE, SNAPSHOT, CONTENT, INGEST, LEASE, SANDBOX, POD)


# -- building blocks -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """A bucket, or part of one, that could not be read: a corrupt or missing page.

    ``path`` is the bucket being read; ``pgid`` the page that failed (0 for an
    inline page or a bucket header, None when the error names no page).  What
    could be read around it still is: a problem leaves a gap, not an error.
    """

    path: Path
    pgid: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Issue:
    """A value that did not decode, or a bucket that could not be read: where, its bytes, and why.

    ``problem`` is set for an unreadable bucket (the object's own, or one of
    its sub-buckets): which bucket and which page.
    """

    field: str
    raw: bytes
    reason: str
    problem: Problem | None = None


@dataclass(frozen=True, slots=True)
class UnknownKey:
    """A key the model does not know, kept as found.

    ``value`` is None for a bucket; ``path`` is the path of the key itself (for
    a bucket, the bucket's path), so its contents can be read from the file.
    """

    key: bytes
    value: bytes | None
    path: Path

    @property
    def is_bucket(self) -> bool:
        return self.value is None


@dataclass(frozen=True, slots=True, order=True)
class ObjectRef:
    """Names one object: enough to find it again, and hashable for indexes."""

    kind: str
    namespace: str
    id: str
    snapshotter: str = ""

    def __str__(self) -> str:
        where = f"{self.snapshotter}/{self.id}" if self.snapshotter else self.id
        return f"{self.kind} {where} (namespace {self.namespace})"


class _Alias:
    """An attribute read under another name: an image's ``id`` is its ``name``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _Alias: ...
    @overload
    def __get__(self, obj: object, owner: type) -> str: ...
    def __get__(self, obj: object | None, owner: type) -> Any:
        return self if obj is None else getattr(obj, self.name)


class _Object:
    """What every kind of object answers: its ``kind``, ``id`` and ``ref``.

    A kind whose id has a name of its own declares ``id = _Alias("name")``.
    """

    __slots__ = ()
    kind: ClassVar[str]
    namespace: str
    id: str

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.namespace, self.id)


class AnyValue:
    """A ``google.protobuf.Any`` as stored, decoded on first use.

    ``raw`` is the marshaled Any.  ``type_url`` and ``value`` cost a split of
    two fields; ``decoded`` (the payload as JSON-ish data) is computed once.
    """

    __slots__ = ("_decoded", "_parts", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._parts: tuple[str, bytes, str | None] | None = None
        self._decoded: DecodedAny | None = None

    def __repr__(self) -> str:
        return f"<AnyValue {self.type_url!r} {len(self.value)} bytes>"

    def _split(self) -> tuple[str, bytes, str | None]:
        if self._parts is None:
            self._parts = _split_any(self.raw)
        return self._parts

    @property
    def type_url(self) -> str:
        return self._split()[0]

    @property
    def value(self) -> bytes:
        return self._split()[1]

    @property
    def split_error(self) -> str | None:
        """Why the bytes are not an Any at all, or None."""
        return self._split()[2]

    @property
    def decoded(self) -> DecodedAny:
        """The payload decoded (JSON, a known protobuf, schemaless, or raw + error)."""
        if self._decoded is None:
            type_url, value, error = self._split()
            if error is not None:
                self._decoded = decode_any(self.raw)  # says why, as it says it
            elif len(self.raw) <= _SMALL_ANY:
                self._decoded = _decode_small(self.raw, type_url, value)
            else:
                self._decoded = decode_any_value(type_url, value)
        return self._decoded

    def json_text(self) -> str | None:
        """The payload as text, when it is JSON the way :attr:`decoded` would read it.

        Checked without building the parsed value (a spec has hundreds of
        small objects), so an exporter can copy the text as it is.  None when
        the type is not a JSON one or the payload does not parse; then
        :attr:`decoded` says what it is and why.
        """
        if self._decoded is not None:
            ok = self._decoded.decoded_as == JSON and self._decoded.error is None
            return self._decoded.value.decode("utf-8") if ok else None
        type_url, value, error = self._split()
        if error is not None or not is_json_type_url(type_url):
            return None
        try:
            text = value.decode("utf-8")
            _JSON_CHECK.decode(text)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            return None
        return text

    def ctr_json(self) -> dict[str, str]:
        """The Any as ctr prints it: ``type_url`` and base64 ``value``, both omitempty."""
        type_url, value, _ = self._split()
        out: dict[str, str] = {}
        if type_url:
            out["type_url"] = type_url
        if value:
            out["value"] = base64.b64encode(value).decode("ascii")
        return out


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_JSON_CHECK = json.JSONDecoder(object_hook=lambda _: None, parse_constant=_reject_constant)
"""Parses as ``decode_any`` does (strict JSON) but keeps nothing: a validator."""

_SMALL_ANY = 512
_small_decoded: dict[bytes, DecodedAny] = {}


def _decode_small(raw: bytes, type_url: str, value: bytes) -> DecodedAny:
    """Small Anys (runtime options) repeat across containers: decode each once."""
    decoded = _small_decoded.get(raw)
    if decoded is None:
        if len(_small_decoded) > 4096:
            _small_decoded.clear()
        decoded = _small_decoded[raw] = decode_any_value(type_url, value)
    return decoded


def _split_any(raw: bytes) -> tuple[str, bytes, str | None]:
    """An Any's type URL and value; like Go, the last occurrence of a field wins."""
    fields = split_any(raw)  # the layout Go writes, read without the general decoder
    type_url, value = fields if fields is not None else (b"", b"")
    try:
        for wire_field in decode_raw(raw) if fields is None else ():
            if wire_field.wire_type != WireType.LEN or not isinstance(wire_field.value, bytes):
                continue
            if wire_field.number == 1:
                type_url = wire_field.value
            elif wire_field.number == 2:
                value = wire_field.value
    except BoltviewError as error:
        return "", raw, f"not a google.protobuf.Any: {error}"
    try:
        return type_url.decode("utf-8"), value, None
    except UnicodeDecodeError:
        return "", raw, "not a google.protobuf.Any: type_url is not valid UTF-8"


# -- the objects ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    """``v1/version``: the schema's minor version (3 for containerd 1.5-1.7, 4 for 2.x)."""

    version: int | None
    path: Path = (S.V1, S.VERSION)
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True)
class Namespace(_Object):
    """A namespace: its labels, and which object buckets it has."""

    kind: ClassVar[str] = NAMESPACE
    id = _Alias("name")
    namespace = _Alias("name")
    """A namespace is its own: its ref is ``namespace <name> (namespace <name>)``."""
    name: str
    labels: dict[str, str] | None
    objects: tuple[str, ...]
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI descriptor, as an image's ``target`` stores it."""

    media_type: str
    digest: str
    size: int | None
    annotations: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Image(_Object):
    """An image: a name pointing at a manifest or index blob."""

    kind: ClassVar[str] = IMAGE
    id = _Alias("name")
    namespace: str
    name: str
    target: Descriptor
    labels: dict[str, str] | None
    created_at: GoTime | None
    updated_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def annotations(self) -> dict[str, str] | None:
        """The target's annotations (containerd stores them beside the target)."""
        return self.target.annotations


@dataclass(frozen=True, slots=True)
class Container(_Object):
    """A container record (not a running task: tasks live in the shims)."""

    kind: ClassVar[str] = CONTAINER
    namespace: str
    id: str
    labels: dict[str, str] | None
    image: str
    runtime_name: str
    runtime_options: AnyValue | None
    spec: AnyValue | None
    snapshotter: str
    snapshot_key: str
    sandbox_id: str | None
    """None when the key is absent (containerd before 1.7 never writes it)."""
    extensions: dict[str, AnyValue] | None
    created_at: GoTime | None
    updated_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def snapshot_ref(self) -> ObjectRef | None:
        if not self.snapshotter:
            return None
        return ObjectRef(SNAPSHOT, self.namespace, self.snapshot_key, self.snapshotter)


@dataclass(frozen=True, slots=True)
class BackendSnapshot:
    """A snapshot as the snapshotter itself records it (its own ``metadata.db``)."""

    name: str
    """The backend key, ``<namespace>/<n>/<key>`` for snapshots made through containerd."""
    id: int | None
    kind: str
    """View, Active, Committed or Unknown, as ``snapshots.Kind`` prints."""
    parent: str
    created_at: GoTime | None
    updated_at: GoTime | None
    inodes: int | None
    size: int | None
    labels: dict[str, str] | None
    path: Path
    directory: str | None
    """Where the files are: ``<snapshotter root>/snapshots/<id>/fs``."""
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True)
class Snapshot(_Object):
    """A snapshot as the metadata database knows it, per snapshotter.

    ``backend`` is set when the snapshotter's own database was read too: the
    kind is only known there (else see ``inferred_kind``).
    """

    kind: ClassVar[str] = SNAPSHOT
    id = _Alias("key")
    namespace: str
    snapshotter: str
    key: str
    name: str
    """The backend key in the snapshotter's own database."""
    parent: str
    children: tuple[str, ...]
    """The keys of its ``children`` bucket (once checked: those whose snapshot exists)."""
    labels: dict[str, str] | None
    created_at: GoTime | None
    updated_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()
    backend: BackendSnapshot | None = None
    backend_missing: bool = False
    """The snapshotter's database was read and has no snapshot of this name."""
    gone_children: tuple[str, ...] = ()
    """Listed in ``children``, but gone: containerd's gc does not unlink what it deletes."""
    inferred_kind: str | None = None
    """Without the snapshotter's database, the kind meta.db implies, and why:"""
    kind_evidence: str = ""

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(SNAPSHOT, self.namespace, self.key, self.snapshotter)

    @property
    def snapshot_kind(self) -> str | None:
        """The kind ctr would print, when it can be known (None when nothing tells).

        From the snapshotter's database; else what meta.db implies (see
        :func:`~boltview.containerd.relations.checked_snapshot`).
        """
        if self.backend is not None:
            return self.backend.kind
        if self.inferred_kind is not None:
            return self.inferred_kind
        if self.children or self.gone_children:
            return S.SNAPSHOT_KINDS[3]
        return None

    @property
    def kind_source(self) -> str:
        """Where :attr:`snapshot_kind` comes from: snapshotter, inferred or unknown."""
        if self.backend is not None:
            return "snapshotter"
        if self.backend_missing:
            return "missing from the snapshotter"
        return "inferred" if self.snapshot_kind is not None else "unknown"

    @property
    def kind_shown(self) -> str:
        """For people, in the CLI and the browser: ``Active``, ``Committed?`` (inferred), ``-``."""
        kind = self.snapshot_kind
        if kind is None:
            return "-"
        return kind if self.backend is not None else kind + "?"


@dataclass(frozen=True, slots=True)
class ContentBlob(_Object):
    """A blob the namespace owns in the content store (the bytes live on disk)."""

    kind: ClassVar[str] = CONTENT
    id = _Alias("digest")
    namespace: str
    digest: str
    size: int | None
    labels: dict[str, str] | None
    created_at: GoTime | None
    updated_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True)
class Ingest(_Object):
    """An upload in progress: the client's ref, the backend's, and when it expires."""

    kind: ClassVar[str] = INGEST
    id = _Alias("ref_name")
    namespace: str
    ref_name: str
    backend_ref: str
    expected: str | None
    expire_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True)
class LeaseResource:
    """One resource a lease holds, typed as containerd's ``leases.Resource``."""

    type: str
    """content, ingests, images, or snapshots/<snapshotter>."""
    id: str

    def target(self, namespace: str) -> ObjectRef:
        if self.type.startswith(S.RESOURCE_SNAPSHOTS + "/"):
            snapshotter = self.type.split("/", 1)[1]
            return ObjectRef(SNAPSHOT, namespace, self.id, snapshotter)
        kind = {S.RESOURCE_CONTENT: CONTENT, S.RESOURCE_INGESTS: INGEST,
                S.RESOURCE_IMAGES: IMAGE}.get(self.type, self.type)  # fmt: skip
        return ObjectRef(kind, namespace, self.id)


@dataclass(frozen=True, slots=True)
class Lease(_Object):
    """A lease: what it protects from the garbage collector, and until when."""

    kind: ClassVar[str] = LEASE
    namespace: str
    id: str
    labels: dict[str, str] | None
    created_at: GoTime | None
    snapshots: dict[str, tuple[str, ...]]
    content: tuple[str, ...]
    ingests: tuple[str, ...]
    images: tuple[str, ...]
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def resources(self) -> list[LeaseResource]:
        """Every resource, in the order containerd's ListResources gives them."""
        out = [LeaseResource(S.RESOURCE_CONTENT, d) for d in self.content]
        out += [LeaseResource(S.RESOURCE_INGESTS, r) for r in self.ingests]
        for snapshotter, keys in self.snapshots.items():
            out += [LeaseResource(f"{S.RESOURCE_SNAPSHOTS}/{snapshotter}", k) for k in keys]
        out += [LeaseResource(S.RESOURCE_IMAGES, n) for n in self.images]
        return out


@dataclass(frozen=True, slots=True)
class Sandbox(_Object):
    """A sandbox record: under ``v1`` (containerd 2.x) or beside it (1.7)."""

    kind: ClassVar[str] = SANDBOX
    namespace: str
    id: str
    location: str
    """"v1" for ``v1/<ns>/sandboxes`` (2.x), "root" for ``<ns>/sandboxes`` (1.7)."""
    labels: dict[str, str] | None
    runtime_name: str
    runtime_options: AnyValue | None
    spec: AnyValue | None
    sandboxer: str | None
    extensions: dict[str, AnyValue] | None
    created_at: GoTime | None
    updated_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True, slots=True)
class PodContainer:
    """A Kubernetes container of a pod, from CRI's labels and metadata extension."""

    id: str
    name: str
    attempt: int | None
    log_path: str | None
    image_ref: str | None
    container: Container


@dataclass(frozen=True, slots=True)
class Pod(_Object):
    """A Kubernetes pod as CRI left it in the ``k8s.io`` namespace.

    Grouped by sandbox id: the sandbox (pause) container, or the 2.x sandbox
    record, plus every container whose CRI metadata or labels name the pod.
    """

    kind: ClassVar[str] = POD
    id = _Alias("sandbox_id")
    namespace: str
    sandbox_id: str
    name: str | None
    pod_namespace: str | None
    uid: str | None
    attempt: int | None
    log_directory: str | None
    ip: str | None
    netns_path: str | None
    sandbox_container: Container | None
    sandbox: Sandbox | None
    containers: tuple[PodContainer, ...]

    @property
    def path(self) -> Path:
        if self.sandbox is not None:
            return self.sandbox.path
        if self.sandbox_container is not None:
            return self.sandbox_container.path
        return ()
