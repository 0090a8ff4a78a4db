"""The view of each store boltview decodes, by the store :func:`recognize` names."""

from __future__ import annotations

from collections.abc import Callable

from boltview.bolt.file import BoltFile
from boltview.stores.blobinfo import BlobInfoView
from boltview.stores.buildkit import BuildkitCacheView, BuildkitMetadataView
from boltview.stores.docker import LibnetworkView, VolumesView
from boltview.stores.etcd_view import EtcdView
from boltview.stores.podman import PodmanView
from boltview.stores.recognize import (
    BLOB_INFO_CACHE,
    BUILDKIT_CACHE,
    BUILDKIT_METADATA,
    DOCKER_VOLUMES,
    ETCD,
    LIBNETWORK,
    PODMAN,
    Store,
    recognize,
)
from boltview.stores.view import StoreView

#: Store kind -> how to read such a file as a view.
VIEWS: dict[str, Callable[[BoltFile], StoreView]] = {
    ETCD.kind: EtcdView,
    PODMAN.kind: PodmanView,
    DOCKER_VOLUMES.kind: VolumesView,
    LIBNETWORK.kind: LibnetworkView,
    BUILDKIT_METADATA.kind: BuildkitMetadataView,
    BUILDKIT_CACHE.kind: BuildkitCacheView,
    BLOB_INFO_CACHE.kind: BlobInfoView,
}


def view_of(db: BoltFile, store: Store | None = None) -> StoreView | None:
    """``db`` read in its store's terms, or None when no view knows its store."""
    make = VIEWS.get((store or recognize(db)).kind)
    return make(db) if make is not None else None
