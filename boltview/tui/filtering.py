"""The live filter (``f``): one bucket's keys, or one group's objects, as you type.

``f`` opens the box for the node the cursor is in: in the raw view its
bucket, in the containerd view its group of objects (containers, images, one
snapshotter's snapshots...).  Each key typed filters again (a worker scans
the whole bucket or group; the next key cancels the scan), and the box's
border says "N of M".  Enter keeps the filter and goes back to the tree; Esc,
in the box or later in the tree, clears it and puts back the open nodes and
the cursor exactly as they were before ``f``.

Keys typed in one burst with ``f`` (a paste of ``fweb``) were sent to the tree
before ``f`` opened the box: Textual hands each key to the widget that has the
focus when the key is read, and the focus moves only after ``f``'s action, so
``web`` would reach the tree (and ``e`` would export).  While the box is
shown, a printable key that comes back to the app from any other widget is
typed into the box instead (:meth:`FilterActions.on_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from textual import events, on
from textual.widgets import Input
from textual.widgets.tree import TreeNode

from boltview.render.text import escape, show_path
from boltview.tui.base import AppBase
from boltview.tui.widgets.containerd_items import GroupItem
from boltview.tui.widgets.keyfilter import FilterCounted
from boltview.tui.widgets.raw_tree import BucketItem
from boltview.tui.widgets.treestate import Path, TreeState, node_path


@dataclass(frozen=True)
class FilterScope:
    """The node the box filters: in which view, and its path in that view's tree."""

    view: str
    path: Path


class Filterable(Protocol):
    """What both trees offer the filter."""

    @property
    def cursor_node(self) -> TreeNode[Any] | None: ...

    def filter_scope(self, node: TreeNode[Any] | None) -> TreeNode[Any] | None: ...

    def filter_of(self, node: TreeNode[Any]) -> str | None: ...

    def set_filter(
        self, node: TreeNode[Any], query: str | None, place: TreeState | None = None
    ) -> None: ...

    def save_state(self) -> TreeState: ...

    def node_step(self, node: TreeNode[Any]) -> Any: ...

    def node_at(self, path: Path) -> TreeNode[Any] | None: ...


class FilterActions(AppBase):
    """Filter the node under the cursor live; Esc puts the tree back as it was."""

    @property
    def filter_box(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def filter_tree(self) -> Filterable:
        return self.current_tree

    def on_key(self, event: events.Key) -> None:
        """A printable key that reached the app while the box is shown was meant for it
        (typed before the focus moved to it): type it there, not into the tree's bindings.
        The box itself consumes the keys typed into it, so none of them come here."""
        box = self.filter_box
        if not box.has_class("shown") or box.screen is not self.screen:
            return  # not filtering, or a dialog over the tree has the keys
        if not event.is_printable or event.character is None:
            return
        event.stop()
        event.prevent_default()  # no binding of the app (``e`` exports) sees it
        box.insert_text_at_cursor(event.character)
        if not box.has_focus:
            box.focus()

    def action_filter(self) -> None:
        tree = self.filter_tree
        node = tree.filter_scope(tree.cursor_node)
        if node is None:
            self.notify(
                "move into a group of objects (containers, images…) to filter it",
                severity="warning",
            )
            return
        scope = FilterScope(self.view, node_path(node, tree.node_step))
        # The place to come back to is the one before the first filter of this node.
        if tree.filter_of(node) is None or scope not in self.filter_places:
            self.filter_places[scope] = tree.save_state()
        self.filter_scope = scope
        box = self.filter_box
        box.border_title = f"filter {_what(node)}"
        box.border_subtitle = "Enter keeps · Esc restores"
        box.placeholder = (
            "keys containing… (0x… for bytes)" if self.view == "raw" else "names containing…"
        )
        box.value = tree.filter_of(node) or ""
        box.add_class("shown")
        box.focus()

    def _scope_node(self) -> tuple[Filterable, TreeNode[Any]] | None:
        """The tree and node the box filters, if they are still shown."""
        scope = self.filter_scope
        if scope is None or scope.view != self.view:
            return None
        tree = self.filter_tree
        node = tree.node_at(scope.path)
        return (tree, node) if node is not None else None

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Filter again with what the box holds now."""
        found = self._scope_node()
        if found is None or not self.filter_box.has_class("shown"):
            return
        tree, node = found
        assert self.filter_scope is not None
        place = self.filter_places.get(self.filter_scope)
        if not event.value:
            self.filter_box.border_subtitle = "Enter keeps · Esc restores"
        tree.set_filter(node, event.value or None, place)

    @on(FilterCounted)
    def filter_counted(self, event: FilterCounted) -> None:
        box = self.filter_box
        if box.has_class("shown") and box.value == event.query:
            box.border_subtitle = f"{event.counts} · Enter keeps · Esc restores"

    @on(Input.Submitted, "#filter")
    def apply_filter(self, event: Input.Submitted) -> None:
        """Enter: keep the filter, back to the tree."""
        if not event.value and self.filter_scope is not None:
            self.filter_places.pop(self.filter_scope, None)
        self._close_box()

    def _close_box(self) -> None:
        box = self.filter_box
        box.remove_class("shown")
        self.filter_scope = None
        with box.prevent(Input.Changed):
            box.value = ""
        self.current_tree.focus()

    def action_clear_filter(self) -> None:
        """Esc: clear the filter being typed, or the one the cursor is in, and restore."""
        box = self.filter_box
        if box.has_class("shown"):
            found = self._scope_node()
            scope = self.filter_scope
            self._close_box()
            if found is not None and scope is not None:
                tree, node = found
                place = self.filter_places.pop(scope, None)
                tree.set_filter(node, None, place)
            return
        self._clear_filter_around(self.filter_tree.cursor_node)

    def _clear_filter_around(self, node: TreeNode[Any] | None) -> None:
        """Clear the filter of ``node`` or of the nearest filtered node above it."""
        tree = self.filter_tree
        while node is not None:
            if tree.filter_of(node) is not None:
                scope = FilterScope(self.view, node_path(node, tree.node_step))
                tree.set_filter(node, None, self.filter_places.pop(scope, None))
                return
            node = node.parent


def _what(node: TreeNode[Any]) -> str:
    """What the box filters, in words, for its title."""
    item = node.data
    if isinstance(item, BucketItem):
        return f"keys of {escape(show_path(item.path))}" if item.path else "keys of (root)"
    if isinstance(item, GroupItem):
        group = item.snapshotter or item.title
        return f"{escape(group)} of namespace {escape(item.namespace)}"
    return "namespaces"
