"""What the two trees share: boltbrowser's keys, and walking in and out of nodes."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

ItemT = TypeVar("ItemT")


class BrowsingTree(Tree[ItemT]):
    """A tree with boltbrowser's keys: j/k, h/l (out/in), g/G, ctrl+f/ctrl+b."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("l,right", "expand_or_in", "Expand", show=False),
        Binding("h,left", "collapse_or_out", "Collapse", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
        Binding("ctrl+f,pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+b,pageup", "page_up", "Page up", show=False),
    ]

    DEFAULT_CSS = """
    BrowsingTree {
        scrollbar-size-vertical: 1;
    }
    """

    def load_more_node(self, node: TreeNode[ItemT]) -> bool:
        """Load the next window if ``node`` is a "more" node; say whether it was."""
        return False

    @staticmethod
    def more_node(node: TreeNode[ItemT], kind: type, forward: bool) -> TreeNode[ItemT] | None:
        """The "more" child (data of type ``kind``) at the end of ``node`` that ``forward`` says."""
        for child in node.children:
            data = child.data
            if isinstance(data, kind) and getattr(data, "forward", None) == forward:
                return child
        return None

    def take_more_node(self, node: TreeNode[ItemT], kind: type, forward: bool) -> int | None:
        """Remove that "more" child, and say where it stood (for the window that replaces it)."""
        more = self.more_node(node, kind, forward)
        if more is None:
            return None
        index = list(node.children).index(more)
        more.remove()
        return index

    def action_expand_or_in(self) -> None:
        node = self.cursor_node
        if node is None or self.load_more_node(node):
            return
        if node.allow_expand and not node.is_expanded:
            node.expand()
        elif node.is_expanded and node.children:
            self.move_cursor(node.children[0])

    def action_collapse_or_out(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded and node is not self.root:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)


def attached(node: TreeNode[Any]) -> bool:
    """Whether ``node`` is still in its tree (a worker's answer may come after a reload)."""
    try:
        node.tree.get_node_by_id(node.id)
    except Exception:  # noqa: BLE001 - UnknownNodeID: removed meanwhile
        return False
    return True
