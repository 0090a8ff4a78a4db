"""The bucket and key names of containerd's bolt databases.

One place for every name containerd writes, spelled as in its sources
(``metadata/buckets.go`` and ``snapshots/storage/bolt.go``), so that the
model reads like the schema comment at the top of ``buckets.go``::

    v1/version                        varint, the schema's minor version
    v1/<namespace>/labels/            namespace labels
    v1/<namespace>/images/<name>/     (buckets.go's comment says "image")
    v1/<namespace>/containers/<id>/
    v1/<namespace>/snapshots/<snapshotter>/<key>/
    v1/<namespace>/content/blob/<digest>/
    v1/<namespace>/content/ingests/<ref>/
    v1/<namespace>/leases/<id>/
    v1/<namespace>/sandboxes/<id>/    containerd 2.x
    <namespace>/sandboxes/<id>/       containerd 1.7, outside v1

Names are bytes, because bolt keys are bytes.
"""

from __future__ import annotations

from typing import Final

# -- the metadata database (io.containerd.metadata.v1.bolt/meta.db) ------------------

V1: Final = b"v1"
"""The schema bucket; its other keys are namespaces."""
VERSION: Final = b"version"
"""``v1/version``: the schema's minor version as a Go varint (3 for 1.5-1.7, 4 for 2.x)."""

# Objects of a namespace.
LABELS: Final = b"labels"
IMAGES: Final = b"images"
CONTAINERS: Final = b"containers"
SNAPSHOTS: Final = b"snapshots"
CONTENT: Final = b"content"
BLOB: Final = b"blob"
INGESTS: Final = b"ingests"
LEASES: Final = b"leases"
SANDBOXES: Final = b"sandboxes"
DEPRECATED_INGEST: Final = b"ingest"
"""``content/ingest``: ingest links before containerd 1.2; still read, never written."""

NAMESPACE_OBJECTS: Final = frozenset({LABELS, IMAGES, CONTAINERS, SNAPSHOTS, CONTENT, LEASES, SANDBOXES})

# Fields.
ANNOTATIONS: Final = b"annotations"
CREATED_AT: Final = b"createdat"
UPDATED_AT: Final = b"updatedat"
EXPIRE_AT: Final = b"expireat"
TARGET: Final = b"target"
DIGEST: Final = b"digest"
MEDIA_TYPE: Final = b"mediatype"
SIZE: Final = b"size"
IMAGE: Final = b"image"
RUNTIME: Final = b"runtime"
NAME: Final = b"name"
OPTIONS: Final = b"options"
SPEC: Final = b"spec"
SNAPSHOT_KEY: Final = b"snapshotKey"
SNAPSHOTTER: Final = b"snapshotter"
SANDBOX_ID: Final = b"sandboxid"
SANDBOXER: Final = b"sandboxer"
EXTENSIONS: Final = b"extensions"
PARENT: Final = b"parent"
CHILDREN: Final = b"children"
REF: Final = b"ref"
EXPECTED: Final = b"expected"

# Lease resource types, as containerd's leases.Resource.Type spells them.
RESOURCE_CONTENT: Final = "content"
RESOURCE_INGESTS: Final = "ingests"
RESOURCE_IMAGES: Final = "images"
RESOURCE_SNAPSHOTS: Final = "snapshots"
"""Snapshots are typed ``snapshots/<snapshotter>``."""

# -- labels with a meaning to containerd's garbage collector (metadata/gc.go) -------

LABEL_GC_ROOT: Final = "containerd.io/gc.root"
LABEL_GC_REF: Final = "containerd.io/gc.ref."
LABEL_GC_REF_CONTENT: Final = "containerd.io/gc.ref.content"
LABEL_GC_REF_SNAPSHOT: Final = "containerd.io/gc.ref.snapshot."
LABEL_GC_REF_IMAGE: Final = "containerd.io/gc.ref.image"
LABEL_GC_BREF_CONTAINER: Final = "containerd.io/gc.bref.container"
LABEL_GC_BREF_CONTENT: Final = "containerd.io/gc.bref.content"
LABEL_GC_BREF_IMAGE: Final = "containerd.io/gc.bref.image"
LABEL_GC_BREF_SNAPSHOT: Final = "containerd.io/gc.bref.snapshot."
LABEL_GC_EXPIRE: Final = "containerd.io/gc.expire"
LABEL_GC_FLAT: Final = "containerd.io/gc.flat"
LABEL_UNCOMPRESSED: Final = "containerd.io/uncompressed"

# -- CRI (the k8s.io namespace) ---------------------------------------------------------

CRI_NAMESPACE: Final = "k8s.io"
LABEL_CRI_KIND: Final = "io.cri-containerd.kind"
CRI_KIND_SANDBOX: Final = "sandbox"
CRI_KIND_CONTAINER: Final = "container"
LABEL_POD_NAME: Final = "io.kubernetes.pod.name"
LABEL_POD_NAMESPACE: Final = "io.kubernetes.pod.namespace"
LABEL_POD_UID: Final = "io.kubernetes.pod.uid"
LABEL_CONTAINER_NAME: Final = "io.kubernetes.container.name"
EXTENSION_CRI_CONTAINER: Final = "io.cri-containerd.container.metadata"
EXTENSION_CRI_SANDBOX: Final = "io.cri-containerd.sandbox.metadata"

# -- the snapshotter's database (io.containerd.snapshotter.v1.<name>/metadata.db) -----

SNAPSHOTTER_V1: Final = b"v1"
SNAPSHOTTER_SNAPSHOTS: Final = b"snapshots"
SNAPSHOTTER_PARENTS: Final = b"parents"
SNAPSHOTTER_ID: Final = b"id"
SNAPSHOTTER_KIND: Final = b"kind"
SNAPSHOTTER_PARENT: Final = b"parent"
SNAPSHOTTER_INODES: Final = b"inodes"
SNAPSHOTTER_SIZE: Final = b"size"

SNAPSHOT_KINDS: Final = {0: "Unknown", 1: "View", 2: "Active", 3: "Committed"}
"""``snapshots.Kind`` and the names its ``String()`` prints."""

# -- where the files live on a node ---------------------------------------------------

METADATA_PLUGIN_DIR: Final = "io.containerd.metadata.v1.bolt"
SNAPSHOTTER_PLUGIN_PREFIX: Final = "io.containerd.snapshotter.v1."
