"""A node given where a verb wants a file: which install's meta.db it means.

``boltview ls ROOT containers`` reads the one containerd install under ROOT;
with several, ``--install NAME`` (its name in ``scan``: ``containerd``, ``k3s``,
``docker``..., or its root) picks one, and without it the verb says which
there are.  A directory's meta.db is read where it lies, so that its
snapshotter databases and content store are found beside it as on a node.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from boltview.bolt.file import BoltFile
from boltview.containerd.listing import ContentStore
from boltview.containerd.model import Snapshot
from boltview.containerd.reader import MetadataReader, require_metadata
from boltview.containerd.snapshotter import SnapshotterDB
from boltview.errors import BoltviewError
from boltview.node.installs import CONTENT, META_DB, SNAPSHOTTER_PREFIX, Install, find_installs
from boltview.node.root import DirectoryRoot, NodeRoot, join
from boltview.node.rootfs import Layer


class InstallChoiceError(BoltviewError):
    """No install, or several and none chosen: one line that names them."""


@dataclass(frozen=True)
class NodeTarget:
    """One install of a node, as a verb reads it."""

    node: NodeRoot
    install: Install

    @property
    def host_meta_db(self) -> str | None:
        """Where the install's meta.db is on this machine (a directory root), else None."""
        if isinstance(self.node, DirectoryRoot) and self.install.meta_db:
            resolved = self.node.resolve(self.install.meta_db)
            return self.node.host_path(resolved) if resolved else None
        return None


def choose_install(node: NodeRoot, wanted: str | None) -> NodeTarget:
    """The install ``wanted`` names (by name or root), or the only one; else InstallChoiceError."""
    installs, _ = find_installs(node)
    with_meta = [i for i in installs if i.meta_db]
    if not with_meta:
        raise InstallChoiceError(f"{node.top}: no containerd install with a meta.db found "
                                 "(see: boltview scan)")  # fmt: skip
    names = ", ".join(f"{i.name} ({i.root})" if i.name != i.root else i.name for i in with_meta)
    if wanted is None:
        if len(with_meta) > 1:
            raise InstallChoiceError(f"{node.top}: {len(with_meta)} containerd installs: {names}; "
                                     "pick one with --install NAME")  # fmt: skip
        return NodeTarget(node, with_meta[0])
    for install in with_meta:
        if wanted in (install.name, install.root, install.root.rstrip("/")):
            return NodeTarget(node, install)
    raise InstallChoiceError(f"{node.top}: no containerd install {wanted!r}; there are: {names}")


@contextmanager
def install_reader(target: NodeTarget) -> Iterator[MetadataReader]:
    """The install's meta.db as containerd metadata, joined with each snapshotter's database."""
    if target.install.meta_db is None:
        raise InstallChoiceError(f"{target.node.top}: {target.install.name} has no meta.db")
    opened: list[BoltFile] = []
    try:
        db = target.node.open_bolt(target.install.meta_db)
        opened.append(db)
        require_metadata(db)
        reader = MetadataReader(db, check=False)
        for name, path in sorted(target.install.snapshotters.items()):
            sdb = target.node.open_bolt(path)
            opened.append(sdb)
            reader.snapshotter_dbs[name] = SnapshotterDB(sdb, name)
        yield reader
    finally:
        for db in opened:
            db.close()


WHOLE_COPY_SNAPSHOTTERS = ("native", "btrfs", "devmapper", "zfs")

#: The directory id of a layer the snapshotter's database does not know (or is not there).
UNKNOWN_ID = "?"


def layer_unknown(layer: Layer) -> bool:
    """Whether ``layer``'s directory is unknown (not in the snapshotter), not merely missing on disk."""
    return layer.directory.endswith(f"/snapshots/{UNKNOWN_ID}")


def snapshot_layers(
    target: NodeTarget, reader: MetadataReader, snapshot: Snapshot, *, with_parent: bool = False
) -> list[Layer]:
    """The directories a snapshot's filesystem is made of, top first.

    overlayfs (and its kin) stack the snapshot's own ``snapshots/<id>/fs`` over
    its parents'; the native snapshotter (and btrfs, devmapper, zfs) keep a
    whole copy in ``snapshots/<id>``: one layer (and ``with_parent``, the
    parent's copy under it, to compare the two).
    """
    whole_copy = snapshot.snapshotter in WHOLE_COPY_SNAPSHOTTERS
    chain = [snapshot, *reader.snapshot_chain(snapshot)]
    if whole_copy:
        chain = chain[:2] if with_parent else chain[:1]
    plugin = f"{target.install.root.rstrip('/')}/{SNAPSHOTTER_PREFIX}{snapshot.snapshotter}"
    layers = []
    for position, item in enumerate(chain):
        backend = item.backend
        label = f"{'upper' if position == 0 else 'lower'} {item.key}"
        if backend is None or backend.id is None:
            layers.append(Layer(f"{plugin}/snapshots/{UNKNOWN_ID}", f"{label} (not in the snapshotter)", True))
            continue
        directory = f"{plugin}/snapshots/{backend.id}" + ("" if whole_copy else "/fs")
        resolved = target.node.resolve(directory)
        present = resolved is not None and target.node.is_dir(resolved)
        layers.append(Layer(resolved or directory, f"{label} (id {backend.id})", not present))
    return layers


class NodeContentStore(ContentStore):
    """An install's content store read through the node (a directory or a disk image)."""

    def __init__(self, node: NodeRoot, root: str) -> None:
        super().__init__(root)
        self.node = node

    def blob(self, digest: str) -> bytes | None:
        algorithm, _, encoded = digest.partition(":")
        if not encoded or "/" in encoded or "/" in algorithm or algorithm.startswith("."):
            return None
        path = join(join(join(self.root, "blobs"), algorithm), encoded)
        found = self.node.stat(path)
        if found is None or found.kind != "file":
            return None
        return self.node.read(path, 0, found.size)

    def matches(self, digest: str) -> bool | None:
        algorithm, _, encoded = digest.partition(":")
        if algorithm != "sha256" or not encoded or "/" in encoded:
            return None
        hashed = self.node.sha256(join(join(join(self.root, "blobs"), algorithm), encoded))
        return None if hashed is None else hashed == encoded

    def ingest_status(self, backend_ref: str) -> tuple[int, str | None, int | None] | None:
        folder = join(join(self.root, "ingest"), hashlib.sha256(backend_ref.encode()).hexdigest())
        data = self.node.stat(join(folder, "data"))
        if data is None:
            return None
        started = self.node.read_text(join(folder, "startedat"), 256)
        total = (self.node.read_text(join(folder, "total"), 64) or "").strip()
        return (data.size, started.strip() if started is not None else None,
                int(total) if total.isdigit() else None)  # fmt: skip


def install_of(node: NodeRoot, path: str) -> NodeTarget | None:
    """The install whose meta.db ``path`` (a node path) is, if any."""
    installs, _ = find_installs(node)
    for install in installs:
        if install.meta_db == path:
            return NodeTarget(node, install)
    return None


NO_SNAPSHOT_DIRECTORIES = "no snapshot directories beside this file"


def install_beside(meta_path: str) -> tuple[NodeTarget | None, str | None]:
    """The install a meta.db on this machine belongs to, read as a directory; else why not.

    ``ROOT/io.containerd.metadata.v1.bolt/meta.db`` has its snapshot
    directories in ``ROOT/io.containerd.snapshotter.v1.NAME/snapshots`` (as
    :mod:`boltview.containerd.companions` finds the snapshotters' databases).
    The install's root is the top of the node read here: nothing below it
    leads out of it.
    """
    plugin_dir = os.path.dirname(os.path.abspath(meta_path))
    if os.path.basename(plugin_dir) + "/" + os.path.basename(meta_path) != META_DB:
        return None, f"{NO_SNAPSHOT_DIRECTORIES} (it is not a containerd root's {META_DB})"
    node = DirectoryRoot(os.path.dirname(plugin_dir))
    install = Install("/", "containerd", [f"beside {meta_path}"], meta_db="/" + META_DB)
    for name in node.listdir("/"):
        if name.startswith(SNAPSHOTTER_PREFIX) and node.is_dir(join(join("/", name), "snapshots")):
            install.snapshotters[name[len(SNAPSHOTTER_PREFIX) :]] = join(join("/", name), "metadata.db")
    if node.is_dir("/" + CONTENT):
        install.content_root = "/" + CONTENT
    if not install.snapshotters:
        return None, f"{NO_SNAPSHOT_DIRECTORIES} (no {SNAPSHOTTER_PREFIX}NAME/snapshots in {node.top})"
    return NodeTarget(node, install), None


def companions(target: NodeTarget) -> tuple[dict[str, SnapshotterDB], NodeContentStore | None]:
    """The install's snapshotter databases (opened; the caller closes them) and content store."""
    opened = {name: SnapshotterDB(target.node.open_bolt(path), name)
              for name, path in sorted(target.install.snapshotters.items())}  # fmt: skip
    root = target.install.content_root
    return opened, NodeContentStore(target.node, root) if root else None
