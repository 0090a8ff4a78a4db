"""containerd's metadata as typed, read-only objects.

Each class here is one kind of object containerd keeps in ``meta.db``; each
``load_*`` function reads one object from its bucket in a single pass.  Three
promises hold for every object:

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
import re
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import methodcaller
from typing import Any, ClassVar, Final

from boltview.bolt.bucket import Bucket, open_bucket
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import (
    BUCKET_HEADER_SIZE,
    BUCKET_LEAF_FLAG,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    PAGE_HEADER_SIZE,
    Layout,
)
from boltview.bolt.page import Page
from boltview.containerd import schema as S
from boltview.containerd.encoding import (
    UNIX_TO_INTERNAL,
    GoTime,
    decode_go_time,
    decode_varint,
    is_digest,
)
from boltview.errors import BoltviewError
from boltview.protobuf.any import (
    JSON,
    DecodedAny,
    decode_any,
    decode_any_value,
    is_json_type_url,
)
from boltview.protobuf.wire import WireType, decode_raw

Path = tuple[bytes, ...]

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
class Issue:
    """A value that did not decode: where, its bytes, and why."""

    field: str
    raw: bytes
    reason: str


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
    type_url, value = b"", b""
    try:
        for wire_field in decode_raw(raw):
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
class Namespace:
    """A namespace: its labels, and which object buckets it has."""

    kind: ClassVar[str] = NAMESPACE
    name: str
    labels: dict[str, str] | None
    objects: tuple[str, ...]
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def id(self) -> str:
        return self.name

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(NAMESPACE, self.name, self.name)


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI descriptor, as an image's ``target`` stores it."""

    media_type: str
    digest: str
    size: int | None
    annotations: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """An image: a name pointing at a manifest or index blob."""

    kind: ClassVar[str] = IMAGE
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
    def id(self) -> str:
        return self.name

    @property
    def annotations(self) -> dict[str, str] | None:
        """The target's annotations (containerd stores them beside the target)."""
        return self.target.annotations

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(IMAGE, self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class Container:
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
    def ref(self) -> ObjectRef:
        return ObjectRef(CONTAINER, self.namespace, self.id)

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
class Snapshot:
    """A snapshot as the metadata database knows it, per snapshotter.

    ``backend`` is set when the snapshotter's own database was read too; the
    kind of a snapshot is only known there.
    """

    kind: ClassVar[str] = SNAPSHOT
    namespace: str
    snapshotter: str
    key: str
    name: str
    """The backend key in the snapshotter's own database."""
    parent: str
    children: tuple[str, ...]
    labels: dict[str, str] | None
    created_at: GoTime | None
    updated_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()
    backend: BackendSnapshot | None = None
    backend_missing: bool = False
    """The snapshotter's database was read and has no snapshot of this name."""

    @property
    def id(self) -> str:
        return self.key

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(SNAPSHOT, self.namespace, self.key, self.snapshotter)

    @property
    def snapshot_kind(self) -> str | None:
        """The kind ctr would print, when it can be known.

        From the snapshotter's database when it was given; without it, a
        snapshot with children is certainly Committed, and anything else is
        unknown (None).
        """
        if self.backend is not None:
            return self.backend.kind
        if self.children:
            return S.SNAPSHOT_KINDS[3]
        return None

    @property
    def kind_source(self) -> str:
        """Where :attr:`snapshot_kind` comes from: snapshotter, inferred or unknown."""
        if self.backend is not None:
            return "snapshotter"
        if self.backend_missing:
            return "missing from the snapshotter"
        return "inferred" if self.children else "unknown"


@dataclass(frozen=True, slots=True)
class ContentBlob:
    """A blob the namespace owns in the content store (the bytes live on disk)."""

    kind: ClassVar[str] = CONTENT
    namespace: str
    digest: str
    size: int | None
    labels: dict[str, str] | None
    created_at: GoTime | None
    updated_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def id(self) -> str:
        return self.digest

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(CONTENT, self.namespace, self.digest)


@dataclass(frozen=True, slots=True)
class Ingest:
    """An upload in progress: the client's ref, the backend's, and when it expires."""

    kind: ClassVar[str] = INGEST
    namespace: str
    ref_name: str
    backend_ref: str
    expected: str | None
    expire_at: GoTime | None
    path: Path
    unknown: tuple[UnknownKey, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def id(self) -> str:
        return self.ref_name

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(INGEST, self.namespace, self.ref_name)


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
class Lease:
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
    def ref(self) -> ObjectRef:
        return ObjectRef(LEASE, self.namespace, self.id)

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
class Sandbox:
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

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(SANDBOX, self.namespace, self.id)


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
class Pod:
    """A Kubernetes pod as CRI left it in the ``k8s.io`` namespace.

    Grouped by sandbox id: the sandbox (pause) container, or the 2.x sandbox
    record, plus every container whose CRI metadata or labels name the pod.
    """

    kind: ClassVar[str] = POD
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
    def id(self) -> str:
        return self.sandbox_id

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(POD, self.namespace, self.sandbox_id)

    @property
    def path(self) -> Path:
        if self.sandbox is not None:
            return self.sandbox.path
        if self.sandbox_container is not None:
            return self.sandbox_container.path
        return ()


# -- reading a bucket ------------------------------------------------------------------


class Fields:
    """An object's bucket read in one pass: values and sub-buckets by key.

    A bucket is given as its parent stores it: its path and its header (the
    ``root | sequence`` value, plus the page of an inline bucket).  Loaders
    take what they know; whatever is left over is unknown.  This is the hot
    path of ``export``, so it reads pages directly: no Bucket objects, and
    the slicing of keys and values is done in C.
    """

    __slots__ = ("buckets", "db", "issues", "path", "values")

    def __init__(self, db: BoltFile, path: Path, header: bytes) -> None:
        self.db = db
        self.path = path
        self.values: dict[bytes, bytes] = {}
        self.buckets: dict[bytes, bytes] = {}
        self.issues: list[Issue] = []
        values, buckets = self.values, self.buckets
        for flags, keys, vals in columns(db, path, header):
            if any(flags):
                for flag, key, value in zip(flags, keys, vals):
                    (buckets if flag & BUCKET_LEAF_FLAG else values)[key] = value
            else:
                values.update(zip(keys, vals))

    @property
    def key(self) -> bytes:
        return self.path[-1]

    def value(self, key: bytes) -> bytes | None:
        return self.values.pop(key, None)

    def sub(self, key: bytes) -> Fields | None:
        """A sub-bucket read the same way (runtime, target...), or None."""
        header = self.buckets.pop(key, None)
        if header is None:
            return None
        try:
            return Fields(self.db, self.path + (key,), header)
        except BoltviewError as error:
            self.issues.append(Issue(_show(key), header, f"bucket unreadable: {error}"))
            return None

    def _sub_columns(self, key: bytes) -> list[Columns] | None:
        header = self.buckets.pop(key, None)
        if header is None:
            return None
        try:
            return columns(self.db, self.path + (key,), header)
        except BoltviewError as error:
            self.issues.append(Issue(_show(key), header, f"bucket unreadable: {error}"))
            return []

    def text(self, key: bytes, name: str | None = None) -> str | None:
        raw = self.values.pop(key, None)
        if raw is None:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.decode_text(raw, name or _show(key))

    def decode_text(self, raw: bytes, name: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self.issues.append(Issue(name, raw, f"not valid UTF-8 (byte {error.start})"))
            return raw.decode("utf-8", "replace")

    def time(self, key: bytes) -> GoTime | None:
        raw = self.values.pop(key, None)
        if raw is None:
            return None
        if len(raw) == 15 and raw[0] == 1:  # version 1, as Go writes: the fast path
            _, seconds, nanos, offset = _GO_TIME_V1.unpack(raw)
            if 0 <= nanos < 1_000_000_000:
                return GoTime(seconds - UNIX_TO_INTERNAL, nanos, offset)
        try:
            return decode_go_time(raw)
        except BoltviewError as error:
            self.issues.append(Issue(_show(key), raw, str(error)))
            return None

    def varint(self, key: bytes) -> int | None:
        raw = self.values.pop(key, None)
        if not raw:  # absent, or empty: Go's binary.Varint reads 0
            return None
        try:
            return decode_varint(raw)
        except BoltviewError as error:
            self.issues.append(Issue(_show(key), raw, str(error)))
            return None

    def digest(self, key: bytes) -> str | None:
        raw = self.values.pop(key, None)
        if raw is None:
            return None
        text = self.decode_text(raw, _show(key))
        if raw and not valid_digest(raw):
            self.issues.append(Issue(_show(key), raw, "not a valid digest"))
        return text

    def labels(self, key: bytes = S.LABELS) -> dict[str, str] | None:
        """A bucket of string keys and values (labels, annotations), or None."""
        found = self._sub_columns(key)
        if found is None:
            return None
        out: dict[str, str] = {}
        for flags, keys, vals in found:
            try:
                if not any(flags):  # the usual case: all text, no sub-buckets
                    out.update(zip(map(_utf8, keys), map(_utf8, vals)))
                    continue
            except UnicodeDecodeError:
                pass
            name = _show(key)
            for flag, raw_key, raw_value in zip(flags, keys, vals):
                text = self.decode_text(raw_key, f"{name}/{_show(raw_key)} (key)")
                if flag & BUCKET_LEAF_FLAG:
                    self.issues.append(
                        Issue(f"{name}/{text}", raw_value, "a bucket where a value belongs")
                    )
                else:
                    out[text] = self.decode_text(raw_value, f"{name}/{text}")
        return out

    def keys(self, key: bytes) -> tuple[str, ...] | None:
        """The keys of a set-like sub-bucket (children, lease resources), or None."""
        found = self._sub_columns(key)
        if found is None:
            return None
        out: list[str] = []
        for _, keys, _ in found:
            try:
                out.extend(map(_utf8, keys))
            except UnicodeDecodeError:
                out.extend(self.decode_text(raw, f"{_show(key)}/{_show(raw)}") for raw in keys)
        return tuple(out)

    def anys(self, key: bytes) -> dict[str, AnyValue] | None:
        """A sub-bucket of named Any values (extensions), or None."""
        found = self._sub_columns(key)
        if found is None:
            return None
        out: dict[str, AnyValue] = {}
        for flags, keys, vals in found:
            for flag, raw_key, raw_value in zip(flags, keys, vals):
                name = raw_key.decode("utf-8", "replace")
                if flag & BUCKET_LEAF_FLAG:
                    self.issues.append(
                        Issue(f"{_show(key)}/{name}", raw_value, "a bucket where an Any belongs")
                    )
                else:
                    out[name] = AnyValue(raw_value)
        return out

    def unknown(self) -> tuple[UnknownKey, ...]:
        """Whatever no loader took, in key order."""
        if not self.values and not self.buckets:
            return ()
        path = self.path
        found = [UnknownKey(k, v, path + (k,)) for k, v in self.values.items()]
        found += [UnknownKey(k, None, path + (k,)) for k in self.buckets]
        found.sort(key=lambda u: u.key)
        return tuple(found)


Columns = tuple[Sequence[int], list[bytes], list[bytes]]
"""One leaf page: the flags, keys and values of its elements."""

_utf8 = methodcaller("decode", "utf-8")


def columns(db: BoltFile, path: Path, header: bytes) -> list[Columns]:
    """Each leaf page of a bucket, given as its parent stores it, in key order.

    An inline bucket or a one-page bucket (nearly every object containerd
    writes) is read in place; a bigger tree goes through the engine's walk.
    """
    if len(header) >= BUCKET_HEADER_SIZE:
        root = db.layout.fast_bucket_header.unpack_from(header)[0]
        if root == 0:
            inline = _inline(header, db.layout)
            if inline is not None:
                return [inline]
        page = Page(0, header[BUCKET_HEADER_SIZE:], db.layout) if root == 0 else db.page(root)
        if page.is_leaf:
            return [_slice(page)]
        if root and page.is_branch:  # two levels: a container with a big spec
            leaves = [db.page(child) for _, _, child in page.branch_records()]
            if all(leaf.is_leaf for leaf in leaves):
                return [_slice(leaf) for leaf in leaves]
    return [_slice(page, first) for page, first in open_bucket(db, path, header).leaves()]


_INLINE_ELEMENTS = BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE


def _inline(header: bytes, layout: Layout) -> Columns | None:
    """An inline bucket's leaf, read straight from its parent's value.

    Most sub-buckets containerd writes (labels, runtime, target, children)
    are inline pages of a few keys; reading them without a Page object halves
    their cost.  Same layout and checks as ``Page.leaf_spans``; anything else
    (not a leaf, elements past the end) returns None and takes the engine's
    path, which reports the problem.
    """
    if len(header) < _INLINE_ELEMENTS:
        return None
    _, flags, count, _ = layout.fast_page_header.unpack_from(header, BUCKET_HEADER_SIZE)
    end = len(header)
    if not flags & LEAF_PAGE or _INLINE_ELEMENTS + count * LEAF_ELEMENT_SIZE > end:
        return None
    raw = layout.fast_elements(count).unpack_from(header, _INLINE_ELEMENTS) if count else ()
    keys: list[bytes] = []
    values: list[bytes] = []
    element = _INLINE_ELEMENTS
    for i in range(0, 4 * count, 4):
        key_start = element + raw[i + 1]  # pos counts from the element's own address
        value_start = key_start + raw[i + 2]
        value_end = value_start + raw[i + 3]
        if value_end > end:
            return None
        keys.append(header[key_start:value_start])
        values.append(header[value_start:value_end])
        element += LEAF_ELEMENT_SIZE
    return raw[0::4], keys, values


def _slice(page: Page, first: int = 0) -> Columns:
    flags, key_starts, value_starts, value_ends = page.leaf_spans()
    if first:
        flags, key_starts = flags[first:], key_starts[first:]
        value_starts, value_ends = value_starts[first:], value_ends[first:]
    data = page.data
    keys = [data[start:end] for start, end in zip(key_starts, value_starts)]
    return flags, keys, [data[start:end] for start, end in zip(value_starts, value_ends)]


def child_headers(db: BoltFile, path: Path, header: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(name, header) of every sub-bucket of a bucket: the objects of a kind."""
    for flags, keys, vals in columns(db, path, header):
        for flag, key, value in zip(flags, keys, vals):
            if flag & BUCKET_LEAF_FLAG:
                yield key, value


_SHA256 = re.compile(rb"sha256:[0-9a-f]{64}")
_GO_TIME_V1 = struct.Struct(">bqih")
"""``time.MarshalBinary`` version 1; anything else goes to ``decode_go_time``."""


def valid_digest(raw: bytes) -> bool:
    """A go-digest: the common sha256 case by one regex, the rest by the full rules."""
    return _SHA256.fullmatch(raw) is not None or is_digest(raw)


def _show(key: bytes) -> str:
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + key.hex()


def _name(raw: bytes) -> str:
    """A bucket name (an id, a digest, a namespace) as text."""
    return raw.decode("utf-8", "replace")


# -- loaders ----------------------------------------------------------------------------
#
# Each takes a bucket as its parent stores it (path, header) and the namespace.


def load_schema(v1: Bucket) -> SchemaInfo:
    raw = v1.get(S.VERSION)
    if raw is None:
        return SchemaInfo(None)
    try:
        return SchemaInfo(decode_varint(raw))
    except BoltviewError as error:
        return SchemaInfo(None, issues=(Issue("version", raw, str(error)),))


def load_namespace(db: BoltFile, path: Path, header: bytes) -> Namespace:
    f = Fields(db, path, header)
    labels = f.labels()
    objects = tuple(sorted(_name(k) for k in f.buckets if k in S.NAMESPACE_OBJECTS))
    for known in S.NAMESPACE_OBJECTS:
        f.buckets.pop(known, None)
    return Namespace(_name(f.key), labels, objects, path, f.unknown(), tuple(f.issues))


def load_image(db: BoltFile, path: Path, header: bytes, namespace: str) -> Image:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    annotations = f.labels(S.ANNOTATIONS)
    media_type, digest, size = "", "", None
    target_unknown: tuple[UnknownKey, ...] = ()
    t = f.sub(S.TARGET)
    if t is None:
        f.issues.append(Issue("target", b"", "no target bucket (containerd cannot read this image)"))
    else:
        media_type = t.text(S.MEDIA_TYPE, "target/mediatype") or ""
        digest = t.digest(S.DIGEST) or ""
        size = t.varint(S.SIZE)
        target_unknown = t.unknown()
        f.issues.extend(t.issues)
    return Image(
        namespace, _name(f.key), Descriptor(media_type, digest, size, annotations),
        labels, created, updated, path, f.unknown() + target_unknown, tuple(f.issues),
    )  # fmt: skip


def load_container(db: BoltFile, path: Path, header: bytes, namespace: str) -> Container:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    spec_raw = f.value(S.SPEC)
    runtime_name, options, runtime_unknown = _runtime(f)
    return Container(
        namespace=namespace,
        id=_name(f.key),
        labels=labels,
        image=f.text(S.IMAGE) or "",
        runtime_name=runtime_name,
        runtime_options=options,
        spec=AnyValue(spec_raw) if spec_raw is not None else None,
        snapshotter=f.text(S.SNAPSHOTTER) or "",
        snapshot_key=f.text(S.SNAPSHOT_KEY) or "",
        sandbox_id=f.text(S.SANDBOX_ID),
        extensions=f.anys(S.EXTENSIONS),
        created_at=created,
        updated_at=updated,
        path=path,
        unknown=f.unknown() + runtime_unknown,
        issues=tuple(f.issues),
    )


def _runtime(f: Fields) -> tuple[str, AnyValue | None, tuple[UnknownKey, ...]]:
    r = f.sub(S.RUNTIME)
    if r is None:
        return "", None, ()
    name = r.text(S.NAME, "runtime/name") or ""
    raw = r.value(S.OPTIONS)
    f.issues.extend(r.issues)
    return name, AnyValue(raw) if raw is not None else None, r.unknown()


def load_snapshot(db: BoltFile, path: Path, header: bytes, namespace: str, snapshotter: str) -> Snapshot:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    return Snapshot(
        namespace=namespace,
        snapshotter=snapshotter,
        key=_name(f.key),
        name=f.text(S.NAME) or "",
        parent=f.text(S.PARENT) or "",
        children=f.keys(S.CHILDREN) or (),
        labels=labels,
        created_at=created,
        updated_at=updated,
        path=path,
        unknown=f.unknown(),
        issues=tuple(f.issues),
    )


def load_blob(db: BoltFile, path: Path, header: bytes, namespace: str) -> ContentBlob:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    size = f.varint(S.SIZE)
    if not valid_digest(f.key):
        f.issues.append(Issue("(key)", f.key, "the key is not a valid digest"))
    return ContentBlob(namespace, _name(f.key), size, labels, created, updated, path,
                       f.unknown(), tuple(f.issues))  # fmt: skip


def load_ingest(db: BoltFile, path: Path, header: bytes, namespace: str) -> Ingest:
    f = Fields(db, path, header)
    return Ingest(
        namespace=namespace,
        ref_name=_name(f.key),
        backend_ref=f.text(S.REF) or "",
        expected=f.digest(S.EXPECTED),
        expire_at=f.time(S.EXPIRE_AT),
        path=path,
        unknown=f.unknown(),
        issues=tuple(f.issues),
    )


def load_lease(db: BoltFile, path: Path, header: bytes, namespace: str) -> Lease:
    f = Fields(db, path, header)
    created = f.time(S.CREATED_AT)
    labels = f.labels()
    snapshots: dict[str, tuple[str, ...]] = {}
    per_snapshotter = f.sub(S.SNAPSHOTS)
    if per_snapshotter is not None:
        for name in list(per_snapshotter.buckets):
            snapshots[_name(name)] = per_snapshotter.keys(name) or ()
        f.issues.extend(per_snapshotter.issues)
    return Lease(
        namespace, _name(f.key), labels, created, snapshots, f.keys(S.CONTENT) or (),
        f.keys(S.INGESTS) or (), f.keys(S.IMAGES) or (), path, f.unknown(), tuple(f.issues),
    )  # fmt: skip


def load_sandbox(db: BoltFile, path: Path, header: bytes, namespace: str, location: str) -> Sandbox:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    spec_raw = f.value(S.SPEC)
    runtime_name, options, runtime_unknown = _runtime(f)
    return Sandbox(
        namespace=namespace,
        id=_name(f.key),
        location=location,
        labels=labels,
        runtime_name=runtime_name,
        runtime_options=options,
        spec=AnyValue(spec_raw) if spec_raw is not None else None,
        sandboxer=f.text(S.SANDBOXER),
        extensions=f.anys(S.EXTENSIONS),
        created_at=created,
        updated_at=updated,
        path=path,
        unknown=f.unknown() + runtime_unknown,
        issues=tuple(f.issues),
    )


# -- Kubernetes pods --------------------------------------------------------------------


@dataclass(slots=True)
class _PodDraft:
    sandbox_id: str
    meta: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    sandbox_container: Container | None = None
    sandbox: Sandbox | None = None
    containers: list[PodContainer] = field(default_factory=list)


def cri_metadata(extensions: Mapping[str, AnyValue] | None, name: str) -> dict[str, Any]:
    """The ``Metadata`` object of a CRI extension (``{"Version":"v1","Metadata":{...}}``)."""
    if not extensions or name not in extensions:
        return {}
    decoded = extensions[name].decoded.decoded
    if isinstance(decoded, dict):
        inner = decoded.get("Metadata")
        if isinstance(inner, dict):
            return inner
    return {}


def group_pods(
    namespace: str, containers: Iterator[Container] | list[Container], sandboxes: list[Sandbox]
) -> list[Pod]:
    """Kubernetes pods from CRI's containers and sandboxes, sorted by pod name."""
    drafts: dict[str, _PodDraft] = {}

    def draft(sandbox_id: str) -> _PodDraft:
        if sandbox_id not in drafts:
            drafts[sandbox_id] = _PodDraft(sandbox_id)
        return drafts[sandbox_id]

    for sandbox in sandboxes:
        d = draft(sandbox.id)
        d.sandbox = sandbox
        d.labels.update(sandbox.labels or {})
        d.meta.update(cri_metadata(sandbox.extensions, S.EXTENSION_CRI_SANDBOX))
    loose: list[Container] = []
    for container in containers:
        labels = container.labels or {}
        kind = labels.get(S.LABEL_CRI_KIND)
        if kind == S.CRI_KIND_SANDBOX or S.EXTENSION_CRI_SANDBOX in (container.extensions or {}):
            d = draft(container.id)
            d.sandbox_container = container
            d.labels.update(labels)
            d.meta.update(cri_metadata(container.extensions, S.EXTENSION_CRI_SANDBOX))
        elif kind == S.CRI_KIND_CONTAINER or S.EXTENSION_CRI_CONTAINER in (
            container.extensions or {}
        ):
            loose.append(container)
    for container in loose:
        meta = cri_metadata(container.extensions, S.EXTENSION_CRI_CONTAINER)
        labels = container.labels or {}
        sandbox_id = str(meta.get("SandboxID") or container.sandbox_id or "")
        if not sandbox_id:
            sandbox_id = _sandbox_by_labels(drafts, labels) or f"(pod {labels.get(S.LABEL_POD_UID, '?')})"
        config = _dict(meta.get("Config"))
        cmeta = _dict(config.get("metadata"))
        d = draft(sandbox_id)
        if not d.labels:
            d.labels.update({k: v for k, v in labels.items() if k.startswith("io.kubernetes.pod.")})
        d.containers.append(
            PodContainer(
                id=container.id,
                name=str(labels.get(S.LABEL_CONTAINER_NAME) or cmeta.get("name") or ""),
                attempt=_int(cmeta.get("attempt")),
                log_path=_str(meta.get("LogPath")),
                image_ref=_str(meta.get("ImageRef")),
                container=container,
            )
        )
    pods = [_finish_pod(namespace, d) for d in drafts.values()]
    pods.sort(key=lambda p: (p.pod_namespace or "", p.name or "", p.sandbox_id))
    return pods


def _sandbox_by_labels(drafts: Mapping[str, _PodDraft], labels: Mapping[str, str]) -> str | None:
    uid = labels.get(S.LABEL_POD_UID)
    if not uid:
        return None
    for sandbox_id, d in drafts.items():
        if d.labels.get(S.LABEL_POD_UID) == uid:
            return sandbox_id
    return None


def _finish_pod(namespace: str, d: _PodDraft) -> Pod:
    config = _dict(d.meta.get("Config"))
    meta = _dict(config.get("metadata"))
    return Pod(
        namespace=namespace,
        sandbox_id=d.sandbox_id,
        name=_str(meta.get("name")) or d.labels.get(S.LABEL_POD_NAME),
        pod_namespace=_str(meta.get("namespace")) or d.labels.get(S.LABEL_POD_NAMESPACE),
        uid=_str(meta.get("uid")) or d.labels.get(S.LABEL_POD_UID),
        attempt=_int(meta.get("attempt")),
        log_directory=_str(config.get("log_directory")),
        ip=_str(d.meta.get("IP")),
        netns_path=_str(d.meta.get("NetNSPath")),
        sandbox_container=d.sandbox_container,
        sandbox=d.sandbox,
        containers=tuple(sorted(d.containers, key=lambda c: (c.name, c.id))),
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
