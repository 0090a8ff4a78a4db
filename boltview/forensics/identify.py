"""Which containerd object a recovered bucket copy was.

A copy's bucket path names its object when attribution found the path
(``v1/<ns>/containers/<id>``...).  Without a path, the copy's keys tell the
kind (:func:`kind_from_keys`), and its own bytes may tell the id
(:func:`identify`): the CRI metadata extension, the OCI spec's
``linux.cgroupsPath``, a snapshot's backend name.  Each way is named by one of
the ``ID_FROM_*`` constants, which the output shows as ``id_source``.
"""

from __future__ import annotations

import re
from typing import Any, Final

from boltview.bolt.path import BucketPath
from boltview.containerd import schema as S
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    INGEST,
    LEASE,
    SANDBOX,
    SNAPSHOT,
    AnyValue,
)

UNIDENTIFIED: Final = "unidentified"

ID_FROM_PATH: Final = "bucket path"
ID_FROM_CRI: Final = "CRI metadata extension (ID)"
ID_FROM_CGROUPS: Final = "spec linux.cgroupsPath"
ID_FROM_SNAPSHOT_NAME: Final = "snapshot backend name"
ID_FROM_PARENT_KEY: Final = "key in an old parent page"

_CGROUPS_CTR = re.compile(r"^/([^/]+)/([^/]+)$")
_CGROUPS_CRI = re.compile(r":cri-containerd:([0-9a-f]{64})$")
_SNAPSHOT_NAME = re.compile(r"^([^/]+)/\d+/(.+)$")


def kind_from_path(path: BucketPath) -> tuple[str, str, str, str | None] | None:
    """(kind, namespace, id, snapshotter) when ``path`` is an object's bucket."""
    text = [p.decode("utf-8", "replace") for p in path]
    if len(path) == 4 and path[0] == S.V1:
        kinds = {S.CONTAINERS: CONTAINER, S.IMAGES: IMAGE, S.LEASES: LEASE, S.SANDBOXES: SANDBOX}
        if path[2] in kinds:
            return kinds[path[2]], text[1], text[3], None
    if len(path) == 5 and path[0] == S.V1:
        if path[2] == S.SNAPSHOTS:
            return SNAPSHOT, text[1], text[4], text[3]
        if path[2] == S.CONTENT and path[3] == S.BLOB:
            return CONTENT, text[1], text[4], None
        if path[2] == S.CONTENT and path[3] == S.INGESTS:
            return INGEST, text[1], text[4], None
    if len(path) == 3 and path[0] != S.V1 and path[1] == S.SANDBOXES:
        return SANDBOX, text[0], text[2], None
    return None


def parent_kind(path: BucketPath) -> tuple[str, str, str | None] | None:
    """(kind, namespace, snapshotter) when ``path`` is a bucket that lists objects."""
    found = kind_from_path(path + (b"x",))
    if found is None:
        return None
    return found[0], found[1], found[3]


def kind_from_keys(keys: set[bytes]) -> str | None:
    """Which object a bucket of these keys was, when nothing else tells."""
    if S.SANDBOXER in keys:
        return SANDBOX
    if S.TARGET in keys:
        return IMAGE
    if keys & {S.SPEC, S.SNAPSHOT_KEY, S.SNAPSHOTTER, S.IMAGE}:
        return CONTAINER
    if S.NAME in keys and keys & {S.PARENT, S.CHILDREN, S.CREATED_AT, S.UPDATED_AT}:
        return SNAPSHOT
    if S.REF in keys and keys & {S.EXPIRE_AT, S.EXPECTED}:
        return INGEST
    if S.SIZE in keys and keys & {S.CREATED_AT, S.UPDATED_AT} and not keys & {S.NAME, S.TARGET}:
        return CONTENT
    lease = {S.CREATED_AT, S.LABELS, S.SNAPSHOTS, S.CONTENT, S.INGESTS, S.IMAGES}
    if S.CREATED_AT in keys and keys <= lease:
        # Nothing else in containerd's schema is createdat and labels alone.
        return LEASE
    return None



def identify(kind: str, contents: dict[bytes, Any]) -> tuple[str | None, str | None, str]:
    """(namespace, id, how) from the recovered bytes of an unattributed object."""
    if kind in (CONTAINER, SANDBOX):
        extensions = contents.get(S.EXTENSIONS)
        if isinstance(extensions, dict):
            for name in (S.EXTENSION_CRI_CONTAINER, S.EXTENSION_CRI_SANDBOX):
                raw = extensions.get(name.encode())
                if isinstance(raw, bytes):
                    decoded = AnyValue(raw).decoded.decoded
                    meta = decoded.get("Metadata") if isinstance(decoded, dict) else None
                    found = meta.get("ID") if isinstance(meta, dict) else None
                    if isinstance(found, str) and found:
                        return None, found, ID_FROM_CRI
        spec = contents.get(S.SPEC)
        if isinstance(spec, bytes):
            decoded = AnyValue(spec).decoded.decoded
            linux = decoded.get("linux") if isinstance(decoded, dict) else None
            cgroups = linux.get("cgroupsPath") if isinstance(linux, dict) else None
            if isinstance(cgroups, str):
                match = _CGROUPS_CTR.match(cgroups)
                if match:
                    return match.group(1), match.group(2), ID_FROM_CGROUPS
                match = _CGROUPS_CRI.search(cgroups)
                if match:
                    return None, match.group(1), ID_FROM_CGROUPS
    if kind == SNAPSHOT:
        backend = contents.get(S.NAME)
        if isinstance(backend, bytes):
            match = _SNAPSHOT_NAME.match(backend.decode("utf-8", "replace"))
            if match:
                return match.group(1), match.group(2), ID_FROM_SNAPSHOT_NAME
    return None, None, UNIDENTIFIED



def object_path(kind: str, namespace: str, id: str, snapshotter: str | None) -> BucketPath:
    """The bucket where containerd keeps this object."""
    ns, key = namespace.encode("utf-8", "surrogateescape"), id.encode("utf-8", "surrogateescape")
    where = {CONTAINER: (S.CONTAINERS,), IMAGE: (S.IMAGES,), LEASE: (S.LEASES,),
             SANDBOX: (S.SANDBOXES,), CONTENT: (S.CONTENT, S.BLOB),
             INGEST: (S.CONTENT, S.INGESTS)}  # fmt: skip
    if kind == SNAPSHOT:
        return (S.V1, ns, S.SNAPSHOTS, (snapshotter or "").encode(), key)
    return (S.V1, ns, *where[kind], key)
