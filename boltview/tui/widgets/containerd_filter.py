"""The containerd tree's live filter and its place: one group's objects containing a text.

``f`` filters the group the cursor is in (containers, images, one
snapshotter's snapshots, ...), not the whole tree: a worker reads every
object of the group, window by window on a private view of the file, keeps
those whose id (an image's name) contains the text, and the group lists them
under a line that says "N of M".  Clearing the filter reads the group again
and puts back the open nodes and the cursor (see
:mod:`~boltview.tui.widgets.treestate`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import work
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from boltview.bolt.bucket import Bucket
from boltview.bolt.cursor import Window, window
from boltview.containerd.model import CONTENT, POD, SANDBOX, SNAPSHOT, Namespace
from boltview.containerd.reader import AnyObject, MetadataReader
from boltview.containerd.refs import name_bytes
from boltview.render.text import escape
from boltview.tui.widgets.browsing import attached, batched
from boltview.tui.widgets.containerd_items import (
    ContainerdItem,
    GroupItem,
    Note,
    NsItem,
    ObjItem,
    RootItem,
    obj_key,
)
from boltview.tui.widgets.keyfilter import FilterCounted, Filtered, filter_label, scan
from boltview.tui.widgets.reveal import RevealingTree
from boltview.tui.widgets.treestate import Path, TreeState, node_path

#: How a filter's count names the objects of a kind, one and many (else the kind and its title).
NOUNS = {CONTENT: ("blob", "blobs"), SANDBOX: ("sandbox", "sandboxes")}


def objects_of(reader: MetadataReader, group: GroupItem) -> Iterator[AnyObject]:
    """Every object of a group, read a window at a time."""
    if group.kind == SNAPSHOT:
        if group.snapshotter is not None:
            yield from reader.snapshots(group.namespace, group.snapshotter)
        return
    if group.kind == POD:
        yield from reader.pods(group.namespace)
        return
    mode, key = "first", None
    while True:
        part = reader.window(group.namespace, group.kind, _keys(mode, key))
        yield from part.objects
        if not part.more_after or not part.objects:
            return
        mode, key = "after", name_bytes(obj_key(part.objects[-1]))


def _keys(mode: str, key: bytes | None) -> Callable[[Bucket], Window]:
    return lambda bucket: window(bucket, mode, key)


class FilteringTree(RevealingTree):
    """The filter and the place-keeping half of the containerd tree."""

    clock: Callable[[], datetime]
    filters: dict[Path, str]
    namespaces_loaded: bool

    def _add_object(
        self,
        node: TreeNode[ContainerdItem],
        obj: AnyObject,
        now: datetime,
        before: int | None = None,
    ) -> TreeNode[ContainerdItem] | None:
        raise NotImplementedError

    def _load(
        self, node: TreeNode[ContainerdItem], mode: str, key: bytes | None, generation: int
    ) -> Any:
        """Read a window of ``node``'s children in a worker (the tree itself says how)."""
        raise NotImplementedError

    def group_text(self, item: GroupItem) -> Text:
        """A group's label without a filter (the tree itself says how)."""
        raise NotImplementedError

    def namespace_text(self, namespace: Namespace) -> Text:
        """A namespace's label (the tree itself says how)."""
        raise NotImplementedError

    def root_text(self) -> Text:
        """The root's label without a filter (the tree itself says how)."""
        raise NotImplementedError

    # -- the place ---------------------------------------------------------------------

    def node_step(self, node: TreeNode[ContainerdItem]) -> Hashable | None:
        item = node.data
        if isinstance(item, NsItem):
            return ("ns", item.namespace.name)
        if isinstance(item, GroupItem):
            return ("group", item.kind, item.snapshotter)
        if isinstance(item, ObjItem):
            return ("obj", item.obj.kind, obj_key(item.obj))
        return None

    def node_loaded(self, node: TreeNode[ContainerdItem]) -> bool:
        item = node.data
        if isinstance(item, RootItem):
            return self.namespaces_loaded
        if isinstance(item, NsItem | GroupItem | ObjItem) and node.allow_expand:
            return item.loaded and not item.loading
        return True

    def place_key(self, node: TreeNode[ContainerdItem]) -> bytes | None:
        """The key of the object a restore heads for in ``node``'s group (to read around it)."""
        hint = self.restore_hint(node)
        item = node.data
        if isinstance(item, GroupItem) and isinstance(hint, tuple) and hint[0] == "obj":
            return name_bytes(str(hint[2]))
        return None

    # -- the filter --------------------------------------------------------------------

    @property
    def filter_text(self) -> str | None:  # type: ignore[override]
        """The filters shown, or None (setting None clears them: reveal does)."""
        return ", ".join(self.filters.values()) or None

    @filter_text.setter
    def filter_text(self, value: str | None) -> None:
        if value is None:
            self.filters.clear()

    def filter_scope(
        self, node: TreeNode[ContainerdItem] | None
    ) -> TreeNode[ContainerdItem] | None:
        """The group of objects ``node`` is in (itself for such a group); above the
        groups, the root (its namespaces)."""
        while node is not None:
            item = node.data
            if isinstance(item, GroupItem) and (item.kind != SNAPSHOT or item.snapshotter):
                return node
            node = node.parent
        return self.root

    def filter_of(self, node: TreeNode[ContainerdItem]) -> str | None:
        return self.filters.get(node_path(node, self.node_step))

    def set_filter(
        self, node: TreeNode[ContainerdItem], query: str | None, place: TreeState | None = None
    ) -> None:
        """Only the objects of ``node``'s group whose id contains ``query`` (None: all),
        or at the root the namespaces whose name does, and the tree back in ``place``
        as far as it is shown."""
        item = node.data
        if isinstance(item, RootItem):
            self._filter_namespaces(query, place)
            return
        assert isinstance(item, GroupItem)
        path = node_path(node, self.node_step)
        if query:
            self.filters[path] = query
        else:
            self.filters.pop(path, None)
            node.remove_children()
        node.set_label(filter_label(self.group_text(item), query or None))
        item.loaded = False
        item.loading = True
        if place is not None:
            self.restore_state(place)
        node.expand()
        if query:
            self._scan_group(node, query, self.generation)
        else:
            node.add_leaf(Text("loading…", style="italic dim"), Note("loading"))
            key = self.place_key(node)
            self._load(node, "at" if key is not None else "first", key, self.generation)

    def _filter_namespaces(self, query: str | None, place: TreeState | None) -> None:
        if not query:
            self.rebuild()  # all namespaces, no filter anywhere
        else:
            self.filters[()] = query
            self.root.set_label(filter_label(self.root_text(), query))
            self.namespaces_loaded = False
            self._scan_namespaces(query, self.generation)
        if place is not None:
            self.restore_state(place)

    @work(thread=True, exclusive=True, group="containerd-filter")
    def _scan_namespaces(self, query: str, generation: int) -> None:
        worker = get_current_worker()
        found: Filtered[Namespace] | None
        try:
            namespaces = self.model.namespaces()
            found = scan(
                namespaces, lambda n: name_bytes(n.name), query, lambda: worker.is_cancelled
            )
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            found = Filtered(query, error=str(error))
        if found is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._show_namespaces_found, found, generation)

    @batched
    def _show_namespaces_found(self, found: Filtered[Namespace], generation: int) -> None:
        root = self.root
        if generation != self.generation or self.filters.get(()) != found.query:
            return  # read again, or typed on since
        root.remove_children()
        if found.error is not None:
            message = escape(found.error)
            root.add_leaf(Text("⚠ " + message, style="bold red"), Note(message, True))
        else:
            root.add_leaf(found.note("namespace"), Note("filter"))
            for namespace in found.shown:
                root.add(self.namespace_text(namespace), NsItem(namespace))
        root.set_label(filter_label(self.root_text(), found.query, found))
        self.namespaces_loaded = True
        self.post_message(FilterCounted(found.query, found.counts()))
        self.restore_progress(root)

    @work(thread=True, exclusive=True, group="containerd-filter")
    def _scan_group(self, node: TreeNode[ContainerdItem], query: str, generation: int) -> None:
        item = node.data
        assert isinstance(item, GroupItem)
        worker = get_current_worker()
        found: Filtered[AnyObject] | None
        try:
            objects = objects_of(self.model.private_reader(), item)
            found = scan(
                objects, lambda o: name_bytes(obj_key(o)), query, lambda: worker.is_cancelled
            )
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            found = Filtered(query, error=str(error))
        if found is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._show_filtered, node, found, generation)

    @batched
    def _show_filtered(
        self, node: TreeNode[ContainerdItem], found: Filtered[AnyObject], generation: int
    ) -> None:
        item = node.data
        if generation != self.generation or not attached(node) or not isinstance(item, GroupItem):
            return
        path = node_path(node, self.node_step)
        if self.filters.get(path) != found.query:
            return  # typed on since
        item.loading = False
        item.loaded = True
        node.remove_children()
        if found.error is not None:
            message = escape(found.error)
            node.add_leaf(Text("⚠ " + message, style="bold red"), Note(message, True))
        else:
            noun, many = NOUNS.get(item.kind, (item.kind, item.title))
            node.add_leaf(found.note(noun, many), Note("filter"))
            now = self.clock()
            for obj in found.shown:
                self._add_object(node, obj, now)
        node.set_label(filter_label(self.group_text(item), found.query, found))
        self.post_message(FilterCounted(found.query, found.counts()))
        self.restore_progress(node)
