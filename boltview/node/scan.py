"""``scan``: what a node holds, from the top of a copy of its filesystem.

Every containerd install (:mod:`boltview.node.installs`), every bolt file at the
places the other stores keep theirs (etcd, podman, docker, buildkit,
containers/image), and any other bolt file found by its magic number below
``/var/lib``, ``/etc``, ``/srv``, ``/opt``, ``/data``, ``/root`` and ``/home``
(the content blobs and snapshot trees, which hold no bolt file of the node's
own, are not entered).  For each file: where, how big, its last transaction,
which store it is; and then, because it reads every byte, its sha256.

For each content store: its blobs on disk, and against each install's
``meta.db``, the blobs that no namespace knows and those known but missing.
Hashing the blobs (``verify_blobs``) says which no longer match their names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from boltview.containerd.reader import MetadataReader
from boltview.errors import BoltviewError
from boltview.node.installs import Install, find_installs
from boltview.node.root import NodeRoot, join
from boltview.stores.recognize import PLAIN, Store, recognize

#: Where the other stores keep their bolt files (shell patterns, node paths), and whose.
KNOWN_STORES = (
    ("/var/lib/etcd/member/snap/db", "etcd's place"),
    ("/var/lib/rancher/k3s/server/db/etcd/member/snap/db", "k3s's etcd's place"),
    ("/var/lib/rancher/rke2/server/db/etcd/member/snap/db", "rke2's etcd's place"),
    ("/var/lib/k0s/etcd/member/snap/db", "k0s's etcd's place"),
    ("/var/lib/containers/storage/libpod/bolt_state.db", "podman's place"),
    ("/root/.local/share/containers/storage/libpod/bolt_state.db", "rootless podman's place"),
    ("/home/*/.local/share/containers/storage/libpod/bolt_state.db", "rootless podman's place"),
    ("/var/lib/docker/volumes/metadata.db", "docker's volume store's place"),
    ("/var/lib/docker/network/files/local-kv.db", "libnetwork's place"),
    ("/var/lib/docker/buildkit/*.db", "docker's buildkit's place"),
    ("/var/lib/docker/buildkit/*/*.db", "docker's buildkit's place"),
    ("/var/lib/buildkit/*.db", "buildkit's place"),
    ("/var/lib/buildkit/*/*.db", "buildkit's place"),
    ("/var/lib/buildkit/*/*/*.db", "buildkit's place"),
    ("/var/lib/containers/cache/blob-info-cache-v1.boltdb", "containers/image's cache place"),
    ("/root/.local/share/containers/cache/blob-info-cache-v1.boltdb",
     "containers/image's cache place"),
    ("/home/*/.local/share/containers/cache/blob-info-cache-v1.boltdb",
     "containers/image's cache place"),
)  # fmt: skip

#: Where the sweep for bolt files by their magic number looks, and how deep.
SWEEP_TOPS = ("/var/lib", "/etc", "/srv", "/opt", "/data", "/root", "/home")
SWEEP_DEPTH = 8
#: Heavy trees that hold a runtime's files, not its state: never swept.
SWEEP_SKIP = (
    "/var/lib/docker/overlay2", "/var/lib/docker/vfs", "/var/lib/docker/image",
    "/var/lib/containers/storage/overlay", "/var/lib/containers/storage/vfs",
    "/var/lib/kubelet/pods", "/proc", "/sys",
)  # fmt: skip
_BOLT_MAGIC = (0xED0CDAED).to_bytes(4, "little"), (0xED0CDAED).to_bytes(4, "big")
_MIN_BOLT_SIZE = 4 * 4096  # what bbolt writes when it creates a file


@dataclass
class BoltFileFacts:
    """One bolt file on the node."""

    path: str
    size: int
    store: Store
    txid: int | None = None
    install: str | None = None
    role: str = ""
    problem: str | None = None
    sha256: str | None = None


@dataclass
class ContentFacts:
    """One install's content store, set against its meta.db."""

    root: str
    blobs: dict[str, int] = field(default_factory=dict)  # digest -> size on disk
    known: set[str] = field(default_factory=set)  # digests some namespace knows
    ingests: int = 0
    mismatched: list[str] = field(default_factory=list)  # after verify_blobs
    verified: bool = False

    @property
    def unknown(self) -> list[str]:
        """Blobs on disk that no namespace of meta.db knows."""
        return sorted(set(self.blobs) - self.known)

    @property
    def missing(self) -> list[str]:
        """Blobs meta.db knows that are not on disk."""
        return sorted(self.known - set(self.blobs))


@dataclass
class NodeScan:
    """What one node holds."""

    top: str
    installs: list[Install]
    files: list[BoltFileFacts]
    content: dict[str, ContentFacts]  # by install name
    notes: list[str]


def scan(node: NodeRoot, *, content: bool = True) -> NodeScan:
    """Find everything, without hashing (see :func:`hash_files` and :func:`verify_blobs`).

    ``content`` off leaves the content stores out (:func:`add_content` adds them):
    a screen can show the installs and bolt files first.
    """
    installs, notes = find_installs(node)
    files: dict[str, BoltFileFacts] = {}
    for install in installs:
        if install.meta_db:
            files[install.meta_db] = _facts(node, install.meta_db, install.name, "meta.db")
        for name, db in sorted(install.snapshotters.items()):
            files[db] = _facts(node, db, install.name, f"snapshotter {name}")
    for pattern, place in KNOWN_STORES:
        for path in node.glob(pattern):
            if path not in files and node.is_file(path):
                files[path] = _facts(node, path, None, f"at {place}")
    skip = frozenset(SWEEP_SKIP) | _install_trees(node, installs)
    for top in SWEEP_TOPS:
        for path in node.walk_files(top, skip, SWEEP_DEPTH):
            if path not in files and _looks_like_bolt(node, path):
                files[path] = _facts(node, path, None, "")
    notes = [*getattr(node, "notes", list)(), *notes]
    found = NodeScan(node.top, installs, sorted(files.values(), key=lambda f: f.path), {}, notes)
    if content:
        add_content(node, found)
    return found


def add_content(node: NodeRoot, found: NodeScan) -> None:
    """Each install's content store, set against its meta.db."""
    for install in found.installs:
        if install.content_root:
            found.content[install.name] = _content(node, install, found.notes)


def _install_trees(node: NodeRoot, installs: list[Install]) -> frozenset[str]:
    """The blob and snapshot trees of each install: files, not state."""
    skip = set()
    for install in installs:
        if install.content_root:
            skip.add(join(install.content_root, "blobs"))
        for name in node.listdir(install.root):
            if name.startswith("io.containerd.snapshotter.v1."):
                skip.add(join(join(install.root, name), "snapshots"))
    return frozenset(skip)


def _looks_like_bolt(node: NodeRoot, path: str) -> bool:
    found = node.stat(path, follow=False)
    if found is None or found.kind != "file" or found.size < _MIN_BOLT_SIZE:
        return False
    head = node.read(path, 0, 20)
    return head is not None and len(head) == 20 and head[16:20] in _BOLT_MAGIC


def _facts(node: NodeRoot, path: str, install: str | None, role: str) -> BoltFileFacts:
    found = node.stat(path)
    facts = BoltFileFacts(path, found.size if found else 0, PLAIN, install=install, role=role)
    try:
        with node.open_bolt(path) as db:
            facts.txid = db.txid
            facts.store = recognize(db)
            facts.problem = None
    except BoltviewError as error:
        # The message names the file where this machine sees it: name the node's path.
        facts.problem = _without_path(str(error))
    except OSError as error:
        facts.problem = error.strerror or str(error)
    return facts


def _without_path(message: str) -> str:
    """A BoltviewError's message less the file name it starts with (``PATH: ...``)."""
    head, colon, rest = message.partition(": ")
    return rest if colon and ("/" in head or head.startswith("<")) else message


def _content(node: NodeRoot, install: Install, notes: list[str]) -> ContentFacts:
    assert install.content_root is not None
    facts = ContentFacts(install.content_root)
    blobs = join(install.content_root, "blobs")
    for algorithm in node.listdir(blobs):
        for name, found in node.entries(join(blobs, algorithm)).items():
            if found.kind == "file":
                facts.blobs[f"{algorithm}:{name}"] = found.size
    facts.ingests = len(node.listdir(join(install.content_root, "ingest")))
    if install.meta_db is not None:
        try:
            with node.open_bolt(install.meta_db) as db:
                reader = MetadataReader(db, check=False)
                for namespace in reader.namespace_names():
                    facts.known.update(blob.digest for blob in reader.blobs(namespace))
        except (BoltviewError, OSError) as error:
            notes.append(f"{install.meta_db}: its blobs could not all be read: "
                         f"{_without_path(str(error))}")  # fmt: skip
    return facts


# -- the slow part: every byte -----------------------------------------------------------


def hash_files(node: NodeRoot, files: list[BoltFileFacts]) -> Iterator[BoltFileFacts]:
    """Each file with its sha256 filled in, one at a time (for progress)."""
    for facts in files:
        facts.sha256 = node.sha256(facts.path)
        yield facts


def verify_blobs(
    node: NodeRoot, content: ContentFacts, progress: Callable[[int, int], None] = lambda d, t: None
) -> None:
    """Hash every sha256 blob and note those whose bytes no longer match their name."""
    total = sum(content.blobs.values())
    done = 0
    for digest, size in sorted(content.blobs.items()):
        algorithm, _, encoded = digest.partition(":")
        if algorithm == "sha256":

            def step(n: int, base: int = done) -> None:
                progress(base + n, total)

            blob = join(join(join(content.root, "blobs"), algorithm), encoded)
            if node.sha256(blob, step) != encoded:
                content.mismatched.append(digest)
        done += size
        progress(done, total)
    content.verified = True
