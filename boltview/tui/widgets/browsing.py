"""What the two trees share: boltbrowser's keys, and walking in and out of nodes."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from boltview.tui.widgets.treestate import Path, Restorer, TreeState, capture, find

ItemT = TypeVar("ItemT")
TreeT = TypeVar("TreeT", bound="BrowsingTree[Any]")
P = ParamSpec("P")
R = TypeVar("R")


def batched(method: Callable[Concatenate[TreeT, P], R]) -> Callable[Concatenate[TreeT, P], R]:
    """A tree's method that adds or removes many nodes, run in one :meth:`BrowsingTree.node_batch`."""

    @wraps(method)
    def run(tree: TreeT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with tree.node_batch():
            return method(tree, *args, **kwargs)

    return run


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
        overflow-y: scroll;
    }
    """

    restorer: Restorer | None = None
    #: Inside :meth:`node_batch`: whether nodes changed, the tree to be laid out again once.
    _batched: bool | None = None

    # -- many nodes at once ----------------------------------------------------------------

    @contextmanager
    def node_batch(self) -> Iterator[None]:
        """Add or remove many nodes, the tree's lines rebuilt and laid out once at the end.

        Textual's Tree does that after every node added (``_invalidate``), which is most
        of the cost of a window of 200 keys; meanwhile only its cache of lines is dropped.
        """
        if self._batched is not None:  # already in one
            yield
            return
        self._batched = False
        try:
            yield
        finally:
            changed, self._batched = self._batched, None
            if changed:
                self._invalidate()

    def _invalidate(self) -> None:
        if self._batched is None:
            super()._invalidate()
            return
        self._clear_line_cache()  # a node's line asked for meanwhile is counted anew
        self._batched = True

    def get_label_width(self, node: TreeNode[ItemT]) -> int:
        """A label's width as :meth:`render_label` would make it, without making it: Textual
        measures every line's label each time it lays the tree out (a window of 200 keys)."""
        icon = ""
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
        label = node.label
        return cell_len(icon) + (label.cell_len if isinstance(label, Text) else cell_len(label))

    # -- keeping the place across a reload (see treestate) ------------------------------

    def node_step(self, node: TreeNode[ItemT]) -> Hashable | None:
        """What names ``node`` among its siblings (None: a "more" or note node)."""
        return None

    def node_loaded(self, node: TreeNode[ItemT]) -> bool:
        """Whether all of ``node``'s children are read (none are on their way)."""
        return True

    def save_state(self) -> TreeState:
        """Which nodes are open and where the cursor is, by name."""
        return capture(self, self.node_step)

    def restore_state(self, state: TreeState, *, focus: bool = False) -> None:
        """Open those nodes again and put the cursor back, as they load."""
        self.restorer = Restorer(self, state, self.node_step, self.node_loaded, focus=focus)
        self.restorer.start()
        if self.restorer.done:
            self.restorer = None

    def node_at(self, path: Path) -> TreeNode[ItemT] | None:
        """The node at ``path``, if the tree holds it."""
        node, depth, _ = find(self, path, self.node_step, lambda _: True)
        return node if depth == len(path) else None

    def restore_hint(self, node: TreeNode[ItemT]) -> Hashable | None:
        """The child of ``node`` a restore is heading for (read the window around it)."""
        return self.restorer.next_step(node) if self.restorer is not None else None

    def restore_progress(self, node: TreeNode[ItemT]) -> None:
        """``node``'s children arrived: a restore under way goes on."""
        restorer = self.restorer
        if restorer is not None and attached(node):
            restorer.progress(node)
            if restorer.done and self.restorer is restorer:
                self.restorer = None

    # -- keys ----------------------------------------------------------------------------

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

    def action_scroll_home(self) -> None:
        """g: the top line, at once (boltbrowser jumps; no scrolling animation to wait for)."""
        self.cursor_line = 0
        self.scroll_to_line(self.cursor_line, animate=False)

    def action_scroll_end(self) -> None:
        """G: the bottom line, at once."""
        self.cursor_line = self.last_line
        self.scroll_to_line(self.cursor_line, animate=False)

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
