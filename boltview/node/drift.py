"""Drift: what a container changed in its filesystem, against the image it runs.

overlayfs keeps a container's changes in its own, upper, directory: every
name there was added or modified (a file is copied up whole when it is
written), a whiteout there deleted a name of the image, and an opaque
directory there replaced one.  The native snapshotter keeps whole copies: the
container's copy is compared with its parent's, name by name (size, mode,
owner, link target; the bytes, by sha256, when those agree but the time does
not).

Each change says what the file is now and what it was (size, mode, owner,
mtime, sha256 and the layer it comes from), and whether it became
executable: a file with an execute bit that had none, or did not exist.

A layer directory the snapshotter knows but the disk lacks is a gap
(:func:`gaps` names it), and drift claims nothing it cannot know: without
the container's own layer there are no changes to read; without the
parent's copy (native) nothing can be compared; without one of the image's
layers (overlayfs), a file of the upper layer that the others lack may have
been in the missing one, so it is ``changed`` (added or modified), never
``added``, and a whiteout whose name is in no layer left is not reported.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass

from boltview.node.root import Entry, NodeRoot, join
from boltview.node.rootfs import (
    OPAQUE_MARKER,
    OPAQUE_XATTR,
    WHITEOUT_PREFIX,
    Found,
    Layer,
    MergedView,
    is_whiteout,
)

ADDED, MODIFIED, DELETED = "added", "modified", "deleted"
#: Added or modified, which cannot be told: a layer below the container's is missing on disk.
CHANGED = "changed"
_EXEC = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


@dataclass(frozen=True)
class FileFacts:
    """A file as it is in one layer."""

    kind: str
    size: int
    mode: int
    uid: int
    gid: int
    mtime_ns: int
    sha256: str | None
    link: str | None
    layer: str


@dataclass(frozen=True)
class Change:
    """One path the container changed."""

    path: str
    change: str  # added, modified, deleted; changed when a missing layer hides which
    now: FileFacts | None  # None when deleted
    before: FileFacts | None  # None when added

    @property
    def newly_executable(self) -> bool:
        """An execute bit it had not before; unknown (False) when a missing layer held what it was."""
        if self.change == CHANGED:
            return False
        if self.now is None or self.now.kind != "file" or not self.now.mode & _EXEC:
            return False
        return self.before is None or self.before.kind != "file" or not self.before.mode & _EXEC


def drift(view: MergedView, whole_copy: bool) -> list[Change]:
    """The container's changes, in path order.

    ``view``'s top layer is the container's own; below it, the image's layers
    (overlayfs), or for a whole copy (native) the parent's copy alone.  A
    layer missing on disk (see :func:`gaps`) leaves out what it would decide.
    """
    if not view.layers or view.layers[0].missing:
        return []  # the container's own layer is not there: nothing to read
    below = view.layers[1:2] if whole_copy else view.layers[1:]
    unsure = any(layer.missing for layer in below)
    if whole_copy:
        if unsure:
            return []  # a copy against no parent: every file would look added
        own = MergedView(view.node, view.layers[:1])
        changes = list(_compare_copies(own, MergedView(view.node, below)))
    else:
        changes = list(_upper_changes(view, MergedView(view.node, below), "/", unsure=unsure))
    return sorted(changes, key=lambda change: change.path)


def gaps(view: MergedView, whole_copy: bool) -> list[Layer]:
    """The layers drift reads that are missing on disk: what its answer lacks."""
    read = view.layers[:2] if whole_copy else view.layers
    return [layer for layer in read if layer.missing]


def _facts(node: NodeRoot, path: str, entry: Entry, layer: str, digest: bool = True) -> FileFacts:
    sha = node.sha256(path) if digest and entry.kind == "file" else None
    link = node.readlink(path) if entry.kind == "link" else None
    return FileFacts(entry.kind, entry.size, entry.mode, entry.uid, entry.gid, entry.mtime_ns, sha,
                     link, layer)  # fmt: skip


def _found_facts(view: MergedView, found: Found) -> FileFacts:
    return _facts(view.node, found.path, found.entry, view.layers[found.layer].label)


# -- overlayfs: the upper directory holds the changes -------------------------------------------


def _upper_changes(view: MergedView, image: MergedView, directory: str,
                   replaced: bool = False, *, unsure: bool = False) -> Iterator[Change]:  # fmt: skip
    """The upper layer's entries below ``directory``; ``unsure``: an image layer is missing."""
    node, upper = view.node, view.layers[0]
    new = CHANGED if unsure else ADDED  # a name the image lacks, as far as what is left tells
    folder = join(upper.directory, directory.strip("/")) if directory != "/" else upper.directory
    names = node.listdir(folder)
    listed = set(names)
    if (replaced or _opaque(node, folder)) and image.layers:
        # An opaque directory replaced the image's: what the image had there is gone.
        for name, found in sorted(image.listing(directory).items()):
            if name not in listed:
                yield Change(join(directory, name), DELETED, None, _found_facts(image, found))
    for name in names:
        if name == OPAQUE_MARKER:
            continue
        path = join(directory, name)
        if name.startswith(WHITEOUT_PREFIX):
            if name[len(WHITEOUT_PREFIX) :] in listed:
                continue  # replaced in this layer: its own entry says what it is now
            gone = join(directory, name[len(WHITEOUT_PREFIX) :])
            before = image.find(gone)
            if before is not None:
                yield Change(gone, DELETED, None, _found_facts(image, before))
            continue
        here = join(folder, name)
        entry = node.stat(here, follow=False)
        if entry is None:
            continue
        if is_whiteout(entry):  # overlayfs's
            before = image.find(path)
            if before is not None:
                yield Change(path, DELETED, None, _found_facts(image, before))
            continue
        below = image.find(path)
        if entry.kind == "dir":
            # A directory the image lacks was added, unless a missing layer had it: then it may
            # only hold changes (copied up for them), and says nothing itself unless it is empty.
            if below is None and unsure and not node.listdir(here):
                yield Change(path, CHANGED, _facts(node, here, entry, upper.label), None)
            elif (below is None and not unsure) or (below is not None and below.entry.kind != "dir"):
                yield Change(path, ADDED if below is None else MODIFIED,
                             _facts(node, here, entry, upper.label),
                             None if below is None else _found_facts(image, below))  # fmt: skip
            # beside a .wh.<name> of its own layer, the directory replaced the image's (as if opaque)
            yield from _upper_changes(view, image, path, WHITEOUT_PREFIX + name in listed, unsure=unsure)
            continue
        now = _facts(node, here, entry, upper.label)
        yield Change(path, new if below is None else MODIFIED, now,
                     None if below is None else _found_facts(image, below))  # fmt: skip


def _opaque(node: NodeRoot, folder: str) -> bool:
    if node.xattr(folder, OPAQUE_XATTR) == b"y":
        return True
    marker = node.stat(join(folder, OPAQUE_MARKER), follow=False)
    return marker is not None and marker.kind == "file"


# -- native: two whole copies ------------------------------------------------------------------


def _compare_copies(view: MergedView, image: MergedView) -> Iterator[Change]:
    """The container's copy against its parent's, name by name."""
    pending = ["/"]
    while pending:
        directory = pending.pop()
        mine = view.listing(directory)
        theirs = image.listing(directory) if image.layers else {}
        for name in sorted(set(mine) | set(theirs), reverse=True):
            path = join(directory, name)
            now, before = mine.get(name), theirs.get(name)
            if now is None and before is not None:
                yield Change(path, DELETED, None, _found_facts(image, before))
                continue
            assert now is not None
            if before is None:
                yield Change(path, ADDED, _found_facts(view, now), None)
            elif _differ(view, now, image, before):
                yield Change(path, MODIFIED, _found_facts(view, now), _found_facts(image, before))
            if now.entry.kind == "dir":
                if before is not None and before.entry.kind == "dir":
                    pending.append(path)
                else:
                    yield from _all_added(view, path)


def _all_added(view: MergedView, directory: str) -> Iterator[Change]:
    for name, found in sorted(view.listing(directory).items()):
        path = join(directory, name)
        yield Change(path, ADDED, _found_facts(view, found), None)
        if found.entry.kind == "dir":
            yield from _all_added(view, path)


def _differ(view: MergedView, now: Found, image: MergedView, before: Found) -> bool:
    a, b = now.entry, before.entry
    if (a.kind, a.mode, a.uid, a.gid) != (b.kind, b.mode, b.uid, b.gid):
        return True
    if a.kind == "link":
        return view.node.readlink(now.path) != image.node.readlink(before.path)
    if a.kind != "file":
        return False
    if a.size != b.size:
        return True
    if a.mtime_ns == b.mtime_ns:
        return False  # a copy keeps the time: same size, same time, same file
    return view.node.sha256(now.path) != image.node.sha256(before.path)
