"""What the nodes of a container's or snapshot's files, and of its drift, hold; and their labels.

Under each container, "files" (its filesystem: its snapshot chain merged)
and "drift" (what it changed); under each snapshot, "files".  A directory
reads its entries in a worker when opened and shows them in windows; each
entry's label says its name (escaped), its type as ``ls -F`` marks it, a
link's target (never followed here) and the layer it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.text import Text

from boltview.containerd.model import Container, ObjectRef, Snapshot
from boltview.node.dirlisting import DirectoryListing
from boltview.node.drift import ADDED, CHANGED, DELETED, MODIFIED, Change
from boltview.node.file_detail import type_marker
from boltview.node.rootfs import Found, Layer, MergedView
from boltview.node.target import layer_unknown
from boltview.render.text import escape
from boltview.tui.values import escaped

#: Entries of a directory (or changes of a drift) added to the tree at a time.
FILES_WINDOW = 200

#: How each change is marked: added, modified, deleted, added-or-modified (a layer is missing).
CHANGE_MARKS = {ADDED: ("+", "green"), MODIFIED: ("~", "yellow"), DELETED: ("✗", "red"),
                CHANGED: ("±", "magenta")}  # fmt: skip
#: The mark of a file that became executable.
EXEC_MARK = "+x"


class Owned:
    """A node that belongs to a container or snapshot: the breadcrumb and history name that."""

    owner: Container | Snapshot

    @property
    def ref(self) -> ObjectRef:
        return self.owner.ref


@dataclass
class DirItem(Owned):
    """A directory of a view; without ``found``, the "files" node (the view's root).

    ``view`` is read in the worker that lists the root; ``listing`` (its
    names) when the directory is first opened; ``shown`` counts the names
    gone through so far (the tree has their entries).
    """

    owner: Container | Snapshot
    path: str = "/"
    found: Found | None = None
    view: MergedView | None = None
    listing: DirectoryListing | None = None
    shown: int = 0
    problem: str | None = None  # why it could not be read
    loaded: bool = False
    loading: bool = False

    @property
    def is_root(self) -> bool:
        return self.found is None


@dataclass(frozen=True)
class FileItem(Owned):
    """A name of a view that is no directory: a file, a link, a device..."""

    owner: Container | Snapshot
    view: MergedView
    path: str
    found: Found


@dataclass
class MoreFiles:
    """The "more" node at the end of a directory's or drift's window."""

    forward: bool = True
    loading: bool = False


@dataclass(frozen=True)
class GapItem(Owned):
    """A layer of the view the snapshotter knows but the disk lacks."""

    owner: Container | Snapshot
    layer: Layer


@dataclass
class DriftItem(Owned):
    """A container's "drift" group: its changes, found in a worker when opened."""

    owner: Container
    changes: list[Change] = field(default_factory=list)
    view: MergedView | None = None
    shown: int = 0
    problem: str | None = None  # why it could not be found
    loaded: bool = False
    loading: bool = False


@dataclass(frozen=True)
class ChangeItem(Owned):
    """One change of a container's drift."""

    owner: Container
    view: MergedView
    change: Change


FILE_ITEMS = (DirItem, FileItem, MoreFiles, GapItem, DriftItem, ChangeItem)


# -- labels ------------------------------------------------------------------------------


def layer_tag(view: MergedView, index: int) -> str:
    """A layer in a few characters: ``upper 3`` (the snapshot's own, id 3), ``lower 1``."""
    layer = view.layers[index]
    match = re.search(r"/snapshots/([^/]+)(?:/fs)?$", layer.directory)
    number = f" {match[1]}" if match else ""
    return ("upper" if index == 0 else "lower") + number


def files_root_label(item: DirItem) -> Text:
    text = Text("files", style="bold cyan")
    view = item.view
    if view is not None:
        count = len(view.layers)
        text.append(f" ({count} layer{'s' if count != 1 else ''})", style="dim")
        missing = sum(layer.missing for layer in view.layers)
        if missing:
            text.append(f" {missing} missing", style="bold red")
    return text


def entry_label(view: MergedView, name: str, found: Found) -> Text:
    """``name`` with its ``ls -F`` mark, a link's target, and the layer it comes from."""
    entry = found.entry
    style = {"dir": "bold blue", "link": "cyan", "file": ""}.get(entry.kind, "yellow")
    marker = type_marker(entry)
    if marker == "*":
        style = "green"
    text = escaped(name, style)
    text.append(marker, style="dim" if marker != "*" else "green")
    if entry.kind == "link":
        target = view.node.readlink(found.path)
        text.append(" → ", style="dim")
        text.append_text(escaped(target if target is not None else "?", "cyan"))
    text.append(f"  {layer_tag(view, found.layer)}", style="dim")
    return text


def gap_label(layer: Layer) -> Text:
    text = Text("⚠ layer unknown: " if layer_unknown(layer) else "⚠ layer missing on disk: ", style="bold red")
    text.append(escape(layer.label), style="red")
    return text


def drift_label(item: DriftItem) -> Text:
    text = Text("drift", style="bold cyan")
    if item.loaded:
        count = len(item.changes)
        text.append(f" ({count:,} change{'s' if count != 1 else ''})", style="dim")
    return text


def change_label(change: Change) -> Text:
    mark, style = CHANGE_MARKS.get(change.change, ("?", "yellow"))
    text = Text(f"{mark} ", style=f"bold {style}")
    text.append_text(escaped(change.path, style))
    if change.newly_executable:
        text.append(f"  {EXEC_MARK}", style="bold green")
    facts = change.now or change.before
    if facts is not None:
        text.append(f"  {short_layer(facts.layer)}", style="dim")
    return text


def short_layer(label: str) -> str:
    """A layer's label (``lower sha256:… (id 2)``) in a few characters: ``lower 2``."""
    match = re.search(r"\(id ([^)]*)\)", label)
    return label.split(" ", 1)[0] + (f" {escape(match[1])}" if match else "")


def more_label(left: int, what: str) -> Text:
    text = Text(f"▼ more {what} ", style="italic yellow")
    text.append(f"({left:,} {'names' if what == 'entries' else what} left, enter)", style="dim")
    return text
