"""Revealing an object in the containerd tree: open the way down to it, then land on it.

The object may sit in a group that has not been read, past the first window
of a big group, or deep in a snapshot chain.  A worker reads what is needed
(the object, its chain, the window around it); the tree then opens each node
on the way, waiting for its children to load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.widgets.tree import TreeNode

from boltview.containerd.model import NAMESPACE, POD, SNAPSHOT, ObjectRef, Snapshot
from boltview.containerd.reader import AnyObject, ObjectWindow
from boltview.containerd.refs import KIND_TITLES, name_bytes
from boltview.errors import BoltviewError
from boltview.render.text import escape
from boltview.tui.model import ContainerdModel
from boltview.tui.widgets.browsing import BrowsingTree, batched
from boltview.tui.widgets.containerd_items import (
    ContainerdItem,
    GroupItem,
    NsItem,
    ObjItem,
    obj_key,
)


class RevealingTree(BrowsingTree[ContainerdItem]):
    """The reveal half of :class:`~boltview.tui.widgets.containerd_tree.ContainerdTree`."""

    model: ContainerdModel
    generation: int
    filter_text: str | None

    def rebuild(self) -> None:
        """Read the tree again from the root (the tree itself says how)."""
        raise NotImplementedError

    def _apply(
        self, node: TreeNode[ContainerdItem], mode: str, result: Any, generation: int
    ) -> None:
        """Show a worker's result under ``node`` (the tree itself says how)."""
        raise NotImplementedError

    def reveal(self, ref: ObjectRef) -> None:
        """Open the tree down to the object ``ref`` names and put the cursor on it."""
        self._reveal(ref, self.generation)

    @work(thread=True, group="containerd-reveal", exclusive=True)
    def _reveal(self, ref: ObjectRef, generation: int) -> None:
        obj = self.model.get(ref)
        chain: list[Snapshot] = []
        if isinstance(obj, Snapshot):
            chain = list(reversed(self.model.snapshot_chain(obj)))
        window = None
        if obj is not None and ref.kind not in (SNAPSHOT, POD, NAMESPACE):
            try:
                window = self.model.window(ref.namespace, ref.kind, "at", name_bytes(obj_key(obj)))
            except BoltviewError:
                window = None
        self.app.call_from_thread(self._show_revealed, ref, obj, chain, window, generation)

    @batched
    def _show_revealed(
        self,
        ref: ObjectRef,
        obj: AnyObject | None,
        chain: list[Snapshot],
        window: ObjectWindow | None,
        generation: int,
    ) -> None:
        if generation != self.generation:
            return
        if obj is None:
            self.notify(f"{escape(str(ref))} is not in this file", severity="warning")
            return
        if self.filter_text:
            self.filter_text = None
            self.notify("filter cleared to show the object")
            self.rebuild()
            self.call_later(self.reveal, ref)
            return
        ns_node = self._ns_node(ref, generation)
        if ns_node is None:
            self.notify(f"no namespace {escape(ref.namespace)} in the tree", severity="warning")
            return
        self.root.expand()
        if ref.kind == NAMESPACE:
            self._land(ns_node)
            return
        self._ensure(ns_node, lambda: self._continue_reveal(ref, obj, chain, window, generation))

    def _ensure(self, node: TreeNode[ContainerdItem], then: Callable[[], None]) -> None:
        """Expand ``node``, wait for its children, then go on."""
        item = node.data
        node.expand()
        if isinstance(item, NsItem | GroupItem | ObjItem) and item.loaded and not item.loading:
            then()
            return

        def wait(tries: int = 0) -> None:
            if isinstance(item, NsItem | GroupItem | ObjItem) and item.loaded and not item.loading:
                then()
            elif tries < 200:
                self.set_timer(0.02, lambda: wait(tries + 1))

        wait()

    def _continue_reveal(
        self,
        ref: ObjectRef,
        obj: AnyObject,
        chain: list[Snapshot],
        window: ObjectWindow | None,
        generation: int,
    ) -> None:
        ns_node = self._ns_node(ref, generation)
        if ns_node is None:
            return
        group = self._find(ns_node, lambda i: isinstance(i, GroupItem) and i.kind == ref.kind)
        if group is None:
            self.notify(
                f"no {KIND_TITLES.get(ref.kind, ref.kind)} in namespace {escape(ref.namespace)}"
            )
            return
        if ref.kind == SNAPSHOT:
            self._ensure(group, lambda: self._reveal_snapshot(group, ref, chain))
            return

        def in_group() -> None:
            target = self._find(group, lambda i: isinstance(i, ObjItem) and i.obj.ref == ref)
            if target is None and window is not None:
                assert isinstance(group.data, GroupItem)
                self._apply(group, "at", window, self.generation)
                target = self._find(group, lambda i: isinstance(i, ObjItem) and i.obj.ref == ref)
            if target is not None:
                self._land(target)

        self._ensure(group, in_group)

    def _reveal_snapshot(
        self, group: TreeNode[ContainerdItem], ref: ObjectRef, chain: list[Snapshot]
    ) -> None:
        sn = self._find(
            group, lambda i: isinstance(i, GroupItem) and i.snapshotter == ref.snapshotter
        )
        if sn is None:
            return
        keys = [s.key for s in chain] + [ref.id]

        def step(node: TreeNode[ContainerdItem], remaining: list[str]) -> None:
            key = remaining[0]
            found = self._find(
                node, lambda i: isinstance(i, ObjItem) and getattr(i.obj, "key", None) == key
            )
            if found is None:
                # The chain may start lower (a missing parent): try the rest.
                if len(remaining) > 1:
                    step(node, remaining[1:])
                return
            if len(remaining) == 1:
                self._land(found)
                return
            self._ensure(found, lambda: step(found, remaining[1:]))

        self._ensure(sn, lambda: step(sn, keys))

    def reveal_group(self, namespace: str, kind: str, snapshotter: str | None = None) -> None:
        """Open the namespace and put the cursor on its group of ``kind`` (one snapshotter's)."""
        generation = self.generation
        ns_node = self._ns_node(ObjectRef(NAMESPACE, namespace, namespace), generation)
        if ns_node is None:
            self.notify(f"no namespace {escape(namespace)} in the tree", severity="warning")
            return
        self.root.expand()

        def in_namespace() -> None:
            group = self._find(ns_node, lambda i: isinstance(i, GroupItem) and i.kind == kind)
            if group is None or generation != self.generation:
                return
            if not snapshotter:
                self._land(group)
                return

            def in_group() -> None:
                found = self._find(
                    group, lambda i: isinstance(i, GroupItem) and i.snapshotter == snapshotter
                )
                self._land(found or group)

            self._ensure(group, in_group)

        self._ensure(ns_node, in_namespace)

    def _ns_node(self, ref: ObjectRef, generation: int) -> TreeNode[ContainerdItem] | None:
        """The node of ``ref``'s namespace, if the tree is still the one ``generation`` read."""
        if generation != self.generation:
            return None
        return self._find(
            self.root, lambda i: isinstance(i, NsItem) and i.namespace.name == ref.namespace
        )

    def _land(self, node: TreeNode[ContainerdItem]) -> None:
        self._tree_lines  # noqa: B018
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)
        self.focus()

    @staticmethod
    def _find(
        node: TreeNode[ContainerdItem], test: Callable[[Any], bool]
    ) -> TreeNode[ContainerdItem] | None:
        for child in node.children:
            if test(child.data):
                return child
        return None
