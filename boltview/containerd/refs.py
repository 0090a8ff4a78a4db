"""Where containerd keeps each kind of object, and back: a bucket path's object.

containerd names its buckets with the names people use (a namespace, an
image name, a snapshot key), stored as bytes.  :func:`name_bytes` and
:func:`name_text` turn one into the other; :data:`KIND_BUCKETS` says under
which bucket of ``v1/<namespace>`` each kind lives; :func:`object_at` reads
a raw bucket path as the object it belongs to, from the schema alone.
"""

from __future__ import annotations

from typing import Final

from boltview.bolt.path import BucketPath
from boltview.containerd import schema as S
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
    ObjectRef,
)


def name_bytes(name: str) -> bytes:
    """A name as containerd stores it (undecodable bytes survive a round trip)."""
    return name.encode("utf-8", "surrogateescape")


def name_text(raw: bytes) -> str:
    """A stored name as text; bytes that are not UTF-8 become U+FFFD."""
    return raw.decode("utf-8", "replace")


#: The groups of a namespace, in the order a listing shows them:
#: (title, kind, bucket path under ``v1/<namespace>``).  Pods have no bucket:
#: they are grouped from CRI's containers and sandboxes.
KIND_BUCKETS: Final[list[tuple[str, str, BucketPath]]] = [
    ("containers", CONTAINER, (S.CONTAINERS,)),
    ("images", IMAGE, (S.IMAGES,)),
    ("snapshots", SNAPSHOT, (S.SNAPSHOTS,)),
    ("content", CONTENT, (S.CONTENT, S.BLOB)),
    ("ingests", INGEST, (S.CONTENT, S.INGESTS)),
    ("leases", LEASE, (S.LEASES,)),
    ("sandboxes", SANDBOX, (S.SANDBOXES,)),
    ("pods", POD, ()),
]

#: A kind's title ("containers"), by kind.
KIND_TITLES: Final = {kind: title for title, kind, _ in KIND_BUCKETS}


def kind_bucket(kind: str) -> BucketPath:
    """The bucket a kind lives in, under ``v1/<namespace>``; () when it has none."""
    for _, group_kind, path in KIND_BUCKETS:
        if group_kind == kind:
            return path
    return ()


def group_path(namespace: str, kind: str, snapshotter: str | None = None) -> BucketPath | None:
    """The full bucket path of one kind's objects (one snapshotter's); None for pods."""
    parts = kind_bucket(kind)
    if not parts:
        return None
    path = (S.V1, name_bytes(namespace), *parts)
    return path + (name_bytes(snapshotter),) if snapshotter else path


def object_at(path: BucketPath) -> ObjectRef | None:
    """The object a raw bucket path (or anything below it) belongs to, from the schema alone."""
    text = name_text
    if len(path) >= 4 and path[0] == S.V1 and path[2] == S.SANDBOXES:
        return ObjectRef(SANDBOX, text(path[1]), text(path[3]))
    if len(path) >= 3 and path[0] != S.V1 and path[1] == S.SANDBOXES:
        return ObjectRef(SANDBOX, text(path[0]), text(path[2]))
    if len(path) < 2 or path[0] != S.V1:
        return None
    namespace = text(path[1])
    rest = path[2:]
    simple = {S.CONTAINERS: CONTAINER, S.IMAGES: IMAGE, S.LEASES: LEASE}
    if len(rest) >= 2 and rest[0] in simple:
        return ObjectRef(simple[rest[0]], namespace, text(rest[1]))
    if len(rest) >= 3 and rest[0] == S.SNAPSHOTS:
        return ObjectRef(SNAPSHOT, namespace, text(rest[2]), text(rest[1]))
    if len(rest) >= 3 and rest[0] == S.CONTENT and rest[1] in (S.BLOB, S.INGESTS):
        return ObjectRef(CONTENT if rest[1] == S.BLOB else INGEST, namespace, text(rest[2]))
    if len(rest) <= 1 or rest[0] == S.LABELS:
        return ObjectRef(NAMESPACE, namespace, namespace)
    return None


def short_digest(text: str, keep: int = 16) -> str:
    """A digest cut for a label ('sha256:0123456789abcdef…'); other ids as they are."""
    if text.startswith("sha256:") and len(text) > 7 + keep:
        return text[: 7 + keep] + "…"
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:keep] + "…"
    return text


def ref_label(ref: ObjectRef) -> str:
    """'container 0123456789abcdef…', 'snapshot overlayfs/sha256:…'."""
    ident = short_digest(ref.id)
    where = f"{ref.snapshotter}/{ident}" if ref.snapshotter else ident
    return f"{ref.kind} {where}"


def describe(ref: ObjectRef) -> str:
    """'container web-1 (namespace default)'."""
    if ref.kind == NAMESPACE:
        return f"namespace {ref.namespace}"
    return f"{ref_label(ref)} (namespace {ref.namespace})"
