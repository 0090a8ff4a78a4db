"""A container's filesystem as overlayfs shows it, read from the snapshot directories.

containerd's snapshotters keep one directory per snapshot: overlayfs in
``snapshots/<id>/fs``, a layer's changes only, stacked at mount time (the
container's own, Active, snapshot on top of its image's Committed ones); the
native snapshotter in ``snapshots/<id>``, a whole copy.  :class:`MergedView`
stacks such directories as overlayfs would, without mounting anything:

- the upper layer hides what lies below it, name by name;
- a whiteout hides a name in every lower layer: a character device 0/0 (what
  overlayfs writes) or, as in an image layer's tar, a ``.wh.<name>`` file;
- an opaque directory (the ``trusted.overlay.opaque`` attribute set to ``y``,
  or a ``.wh..wh..opq`` file in it) hides everything below it;
- a name that is no directory in an upper layer hides a directory below.

The view is itself a :class:`~boltview.node.root.NodeRoot`: its symlinks are
resolved inside the view (a link to ``/etc/shadow`` is the container's, never
this machine's), and each entry knows the layer it comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from boltview.bolt.file import BoltFile
from boltview.node.root import Entry, NodeRoot, join

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
OPAQUE_XATTR = "trusted.overlay.opaque"


@dataclass(frozen=True)
class Layer:
    """One directory of the stack: where it is on the node, and what it is."""

    directory: str  # a node path
    label: str  # "upper (web-1)", "snapshot 3", ...
    missing: bool = False  # the snapshotter knows it, the disk has no such directory


@dataclass(frozen=True)
class Found:
    """A name of the view: its entry, the layer it comes from, and its node path there."""

    entry: Entry
    layer: int
    path: str


class MergedView(NodeRoot):
    """Layers (top first) seen as one filesystem, read-only."""

    def __init__(self, node: NodeRoot, layers: list[Layer]) -> None:
        self.node = node
        self.layers = layers
        self.top = f"{node.top}: " + " over ".join(layer.label for layer in layers)

    # -- the stack ------------------------------------------------------------------

    def find(self, path: str) -> Found | None:
        """What the view shows at ``path`` (no link resolved), or None."""
        names = [p for p in path.split("/") if p]
        # Directories holding the current level, top first, as (layer, node path).
        folders = [(i, layer.directory) for i, layer in enumerate(self.layers) if not layer.missing]
        found: Found | None = None
        for depth, name in enumerate(names):
            found, below = self._level(folders, name)
            if found is None:
                return None
            if depth < len(names) - 1:
                if found.entry.kind != "dir":
                    return None
                folders = below
        if found is None:  # the root itself
            return Found(Entry("dir", 0, 0o40755), 0, self.layers[0].directory) if folders else None
        return found

    def _level(self, folders: list[tuple[int, str]], name: str) -> tuple[Found | None, list[tuple[int, str]]]:
        """The topmost ``name`` in ``folders``, and the directories it merges, top first."""
        top: Found | None = None
        merged: list[tuple[int, str]] = []
        for layer, folder in folders:
            here = join(folder, name)
            entry = self.node.stat(here, follow=False)
            if entry is not None:
                if is_whiteout(entry):
                    break
                if top is None:
                    top = Found(entry, layer, here)
                    if entry.kind != "dir":
                        break
                elif entry.kind != "dir":
                    break  # a lower non-directory is hidden by the directory above
                merged.append((layer, here))
                if self._opaque(here):
                    break
            if self._whited_out(folder, name):
                break  # a layer's .wh.<name> hides the name in the layers below it, not its own
        return top, merged

    def _whited_out(self, folder: str, name: str) -> bool:
        marker = self.node.stat(join(folder, WHITEOUT_PREFIX + name), follow=False)
        return marker is not None and marker.kind == "file"

    def _opaque(self, directory: str) -> bool:
        if self.node.xattr(directory, OPAQUE_XATTR) == b"y":
            return True
        marker = self.node.stat(join(directory, OPAQUE_MARKER), follow=False)
        return marker is not None and marker.kind == "file"

    def folders(self, path: str) -> list[tuple[int, str]]:
        """The layers' directories that make up directory ``path``, top first."""
        folders = [(i, layer.directory) for i, layer in enumerate(self.layers) if not layer.missing]
        for name in (p for p in path.split("/") if p):
            found, folders = self._level(folders, name)
            if found is None or found.entry.kind != "dir":
                return []
        return folders

    def topmost(self, path: str, names: Callable[[str], Iterable[str]]) -> dict[str, tuple[int, str]]:
        """Each name of directory ``path``, with the layer and folder of its topmost entry.

        ``names`` lists a layer's folder.  A name an upper folder has hides the
        same name below; a ``.wh.<name>`` hides it in the layers below its own
        (an opaque directory hides the layers below it: :meth:`folders` stops
        there).  An overlayfs whiteout, a character device 0/0, is a topmost
        entry too, hiding the names below it: only its entry tells it apart,
        so the caller leaves it out (:func:`is_whiteout`).
        """
        where: dict[str, tuple[int, str]] = {}
        hidden: set[str] = set()
        for layer, folder in self.folders(path):
            whited_out = set()  # .wh.<name>: hidden in the layers below this one
            for name in names(folder):
                if name == OPAQUE_MARKER:
                    continue
                if name.startswith(WHITEOUT_PREFIX):
                    whited_out.add(name[len(WHITEOUT_PREFIX) :])
                elif name not in where and name not in hidden:
                    where[name] = (layer, folder)
            hidden |= whited_out
        return where

    def listing(self, path: str) -> dict[str, Found]:
        """Every name of directory ``path`` in the view, with where it comes from; each
        layer's folder is read in one go (``NodeRoot.entries``)."""
        read: dict[str, dict[str, Entry]] = {}

        def names(folder: str) -> Iterable[str]:
            read[folder] = self.node.entries(folder)
            return read[folder]

        shown: dict[str, Found] = {}
        for name, (layer, folder) in self.topmost(path, names).items():
            entry = read[folder][name]
            if not is_whiteout(entry):
                shown[name] = Found(entry, layer, join(folder, name))
        return shown

    # -- NodeRoot -------------------------------------------------------------------

    def entry(self, resolved: str) -> Entry | None:
        found = self.find(resolved)
        return found.entry if found is not None else None

    def readlink(self, resolved: str) -> str | None:
        found = self.find(resolved)
        return self.node.readlink(found.path) if found is not None else None

    def xattr(self, resolved: str, name: str) -> bytes | None:
        found = self.find(resolved)
        return self.node.xattr(found.path, name) if found is not None else None

    def names(self, resolved: str) -> list[str]:
        return list(self.listing(resolved))

    def read_resolved(self, resolved: str, offset: int, length: int) -> bytes | None:
        found = self.find(resolved)
        if found is None or found.entry.kind != "file":
            return None
        return self.node.read_resolved(found.path, offset, length)

    def open_bolt(self, path: str, *, copy_up_to: int = 0) -> BoltFile:
        raise FileNotFoundError(2, "a container's files are not opened as bolt files here", path)


def is_whiteout(entry: Entry) -> bool:
    """overlayfs's mark of a deleted name: a character device numbered 0/0."""
    return entry.kind == "char" and entry.rdev == 0
