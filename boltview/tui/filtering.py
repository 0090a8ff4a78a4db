"""The filter box (``f``, Enter, Esc) for both trees."""

from __future__ import annotations

from textual import on
from textual.widgets import Input

from boltview.render.text import escape, show_path
from boltview.tui.base import AppBase
from boltview.tui.widgets.raw_tree import BucketItem


class FilterActions(AppBase):
    """Filter the containerd tree's objects or one raw bucket's keys."""

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.view == "containerd" and self.containerd_tree is not None:
            box.placeholder = "filter objects containing… (Enter to apply, Esc to clear)"
        else:
            node = self.raw_tree.current_bucket_node()
            item = node.data
            where = escape(show_path(item.path)) if isinstance(item, BucketItem) else "(root)"
            box.placeholder = f"filter keys of {where} containing… (Enter to apply, Esc to clear)"
        box.add_class("shown")
        box.focus()

    @on(Input.Submitted, "#filter")
    def apply_filter(self, event: Input.Submitted) -> None:
        self._set_filter(event.value)

    def _set_filter(self, query: str | None) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("shown")
        box.value = ""
        if self.view == "containerd" and self.containerd_tree is not None:
            self.containerd_tree.set_filter(query or None)
            self.containerd_tree.focus()
            return
        tree = self.raw_tree
        node = tree.current_bucket_node()
        tree.set_filter(node, query or None)
        tree.move_cursor(node)
        tree.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("shown"):
            self._set_filter(None)
            return
        if self.view == "containerd" and self.containerd_tree is not None:
            if self.containerd_tree.filter_text:
                self.containerd_tree.set_filter(None)
            return
        tree = self.raw_tree
        node = tree.cursor_node
        while node is not None:
            if isinstance(node.data, BucketItem) and node.data.filter is not None:
                tree.set_filter(node, None)
                tree.move_cursor(node)
                return
            node = node.parent
