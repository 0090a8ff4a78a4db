"""Where containerd keeps its state on a node: every install, and the files of each.

containerd's root (``root = ...`` in its config; ``/var/lib/containerd`` by
default) holds one folder per plugin: ``io.containerd.metadata.v1.bolt/meta.db``,
``io.containerd.snapshotter.v1.<name>/metadata.db`` for each snapshotter that
ran, and ``io.containerd.content.v1.content`` (blobs and ingests).  A node may
hold several: the distribution's own, docker's private one, and the one that
k3s, rke2, microk8s or k0s bring.  They are found at their known places and
wherever a containerd config (and the files it ``imports``) puts a ``root``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from boltview.node.root import NodeRoot, join

META_DB = "io.containerd.metadata.v1.bolt/meta.db"
CONTENT = "io.containerd.content.v1.content"
SNAPSHOTTER_PREFIX = "io.containerd.snapshotter.v1."

#: Where each distribution keeps containerd's root: (layout, root).
KNOWN_ROOTS = (
    ("containerd", "/var/lib/containerd"),
    ("docker", "/var/lib/docker/containerd/daemon"),
    ("k3s", "/var/lib/rancher/k3s/agent/containerd"),
    ("rke2", "/var/lib/rancher/rke2/agent/containerd"),
    ("microk8s", "/var/snap/microk8s/common/var/lib/containerd"),
    ("k0s", "/var/lib/k0s/containerd"),
)

#: containerd configs: (layout, path).
KNOWN_CONFIGS = (
    ("containerd", "/etc/containerd/config.toml"),
    ("k3s", "/var/lib/rancher/k3s/agent/etc/containerd/config.toml"),
    ("rke2", "/var/lib/rancher/rke2/agent/etc/containerd/config.toml"),
    ("microk8s", "/var/snap/microk8s/current/args/containerd.toml"),
    ("k0s", "/etc/k0s/containerd.toml"),
)


@dataclass
class Install:
    """One containerd root on the node and what it holds (node paths)."""

    root: str
    layout: str
    found_by: list[str] = field(default_factory=list)
    meta_db: str | None = None
    snapshotters: dict[str, str] = field(default_factory=dict)
    content_root: str | None = None

    @property
    def name(self) -> str:
        """How a user picks it (``--install``): its layout's name, or its root."""
        return self.layout


@dataclass
class ConfigRoot:
    """A ``root`` a containerd config names, and which file says so."""

    root: str
    config: str


def find_installs(node: NodeRoot) -> tuple[list[Install], list[str]]:
    """Every containerd install on the node, and notes on what could not be read."""
    notes: list[str] = []
    candidates: list[tuple[str, str, str]] = [
        (layout, root, f"known place for {layout}") for layout, root in KNOWN_ROOTS
    ]
    known = {root: layout for layout, root in KNOWN_ROOTS}
    for _, config in KNOWN_CONFIGS:
        for named in config_roots(node, config, notes):
            layout = known.get(named.root.rstrip("/"), named.root)
            candidates.append((layout, named.root, f"root in {named.config}"))
    installs: dict[str, Install] = {}
    for layout, root, reason in candidates:
        where = node.resolve(root)
        if where is None or not node.is_dir(where):
            continue
        install = installs.get(where)
        if install is None:
            install = _install(node, root, layout)
            if install is None:
                continue
            installs[where] = install
        if reason not in install.found_by:
            install.found_by.append(reason)
    found = sorted(installs.values(), key=lambda i: i.root)
    _name_apart(found)
    return found, notes


def _install(node: NodeRoot, root: str, layout: str) -> Install | None:
    install = Install(root, layout)
    if node.is_file(join(root, META_DB)):
        install.meta_db = join(root, META_DB)
    for name in node.listdir(root):
        if name.startswith(SNAPSHOTTER_PREFIX):
            db = join(join(root, name), "metadata.db")
            if node.is_file(db):
                install.snapshotters[name[len(SNAPSHOTTER_PREFIX) :]] = db
    if node.is_dir(join(root, CONTENT)):
        install.content_root = join(root, CONTENT)
    if install.meta_db is None and not install.snapshotters and install.content_root is None:
        return None
    return install


def _name_apart(installs: list[Install]) -> None:
    """Two installs that go by one name (one root reached by two paths) are told apart."""
    layouts = [i.layout for i in installs]
    for install in installs:
        if layouts.count(install.layout) > 1:
            install.layout = install.root


def config_roots(node: NodeRoot, path: str, notes: list[str], depth: int = 0) -> list[ConfigRoot]:
    """The ``root`` of a containerd config and of the files it imports (globs allowed)."""
    text = node.read_text(path)
    if text is None:
        return []
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        notes.append(f"{path}: not TOML ({error}): its root, if any, is not known")
        return []
    found = []
    root = config.get("root")
    if isinstance(root, str) and root.startswith("/"):
        found.append(ConfigRoot(root, path))
    imports = config.get("imports", [])
    if depth < 4 and isinstance(imports, list):
        base = path.rpartition("/")[0] or "/"
        for pattern in imports:
            if not isinstance(pattern, str):
                continue
            absolute = pattern if pattern.startswith("/") else join(base, pattern)
            for imported in node.glob(absolute):
                if imported != path:
                    found.extend(config_roots(node, imported, notes, depth + 1))
    return found
