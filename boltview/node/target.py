"""A node given where a verb wants a file: which install's meta.db it means.

``boltview ls ROOT containers`` reads the one containerd install under ROOT;
with several, ``--install NAME`` (its name in ``scan``: ``containerd``, ``k3s``,
``docker``..., or its root) picks one, and without it the verb says which
there are.  A directory's meta.db is read where it lies, so that its
snapshotter databases and content store are found beside it as on a node.
"""

from __future__ import annotations

from dataclasses import dataclass

from boltview.errors import BoltviewError
from boltview.node.installs import Install, find_installs
from boltview.node.root import DirectoryRoot, NodeRoot


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
