"""Which program wrote a bolt file, told by its top-level buckets.

Each store names its buckets in its source: containerd's metadata and
snapshotter databases (``v1`` and what is below it), etcd's backend
(``key``, ``meta``, ``lease``, ``members`` ...), podman's libpod state
(``id-registry``, ``name-registry``, ``ctr``, ``all-ctrs`` ...), docker's volume
store (``volumes``) and libnetwork's store (``libnetwork``), buildkit's cache
metadata (``_main``, ``_index``, ``_external``) and solver cache (``_links``,
``_result``, ``_byresult``, ``_backlinks``) and containers/image's blob info
cache (``uncompressedDigest``, ``digestByUncompressed``, ``knownLocations`` ...).

A recognizer claims a file only when its buckets are that store's; a file
that no recognizer claims is a plain bolt file, and one without a bucket says
nothing at all (where it lies is shown beside it, as a hint, not a claim).
"""

from __future__ import annotations

from dataclasses import dataclass

from boltview.bolt.file import BoltFile
from boltview.containerd.reader import METADATA, SNAPSHOTTER, detect_kind
from boltview.errors import BoltviewError


@dataclass(frozen=True)
class Store:
    """What a bolt file is: ``kind`` for machines, ``program`` and ``what`` for people."""

    kind: str
    program: str
    what: str


CONTAINERD_METADATA = Store("containerd-metadata", "containerd", "metadata database (meta.db)")
CONTAINERD_SNAPSHOTTER = Store("containerd-snapshotter", "containerd", "a snapshotter's metadata.db")
ETCD = Store("etcd", "etcd", "etcd's backend database (member/snap/db)")
PODMAN = Store("podman", "podman", "libpod's state (bolt_state.db)")
DOCKER_VOLUMES = Store("docker-volumes", "docker", "the volume store (volumes/metadata.db)")
LIBNETWORK = Store("docker-libnetwork", "docker", "libnetwork's store (local-kv.db)")
BUILDKIT_METADATA = Store("buildkit-metadata", "buildkit", "cache metadata (metadata_v2.db)")
BUILDKIT_CACHE = Store("buildkit-cache", "buildkit", "the solver's cache (cache.db)")
BLOB_INFO_CACHE = Store("blob-info-cache", "containers/image", "blob info cache (blob-info-cache-v1.boltdb)")
EMPTY = Store("empty", "", "a bolt file with no bucket")
PLAIN = Store("bolt", "", "a bolt file no recognizer claims")

_ETCD = frozenset({
    b"key", b"meta", b"lease", b"alarm", b"cluster", b"members", b"members_removed",
    b"auth", b"authUsers", b"authRoles", b"test",
})  # fmt: skip
_PODMAN_CORE = frozenset({b"id-registry", b"name-registry", b"ctr", b"all-ctrs"})
_BUILDKIT = frozenset({b"_main", b"_index", b"_external"})
_BUILDKIT_CACHE = frozenset({b"_backlinks", b"_byresult", b"_links", b"_result"})
_BLOB_INFO = frozenset({
    b"uncompressedDigest", b"digestByUncompressed", b"knownLocations", b"digestCompressor",
    b"digestSpecificVariantCompressor", b"uncompressedDigestByTOC",
})  # fmt: skip


def recognize(db: BoltFile) -> Store:
    """The store ``db`` is; never raises (a file too damaged to tell is plain)."""
    try:
        names = frozenset(bucket.name for bucket in db.root.buckets())
        if not names:
            return EMPTY
        if b"v1" in names:
            kind = detect_kind(db)
            if kind == METADATA:
                return CONTAINERD_METADATA
            if kind == SNAPSHOTTER:
                return CONTAINERD_SNAPSHOTTER
    except BoltviewError:
        return PLAIN
    if {b"key", b"meta"} <= names <= _ETCD:
        return ETCD
    if _PODMAN_CORE <= names:
        return PODMAN
    if names == {b"volumes"}:
        return DOCKER_VOLUMES
    if names == {b"libnetwork"}:
        return LIBNETWORK
    if b"_main" in names and names <= _BUILDKIT:
        return BUILDKIT_METADATA
    if len(names) >= 3 and names <= _BUILDKIT_CACHE:
        return BUILDKIT_CACHE
    if len(names & _BLOB_INFO) >= 2 and names <= _BLOB_INFO:
        return BLOB_INFO_CACHE
    return PLAIN
