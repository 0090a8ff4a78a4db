"""A tree's place, kept across a reload: which nodes are open and where the cursor is.

Both trees read lazily, so after a reload (another transaction, a filter
cleared) their nodes are new objects that arrive a window at a time.  A
:class:`TreeState` therefore names nodes by what they show, not by the node
objects: each node has a *step* (a bucket's or key's name, a namespace, a
group, an object), and a node's *path* is the steps from the root down to it.

A :class:`Restorer` puts a saved state back as the tree loads: each time a
node's children arrive it opens those that were open, and it lands the cursor
on the saved node, or on its nearest ancestor that still exists once that
ancestor is fully read.  While it works, :meth:`Restorer.next_step` tells the
tree which child to read the window around (a key deep in a big bucket is
not in the first window).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from textual.widgets import Tree
from textual.widgets.tree import TreeNode

Path = tuple[Hashable, ...]
StepOf = Callable[[TreeNode[Any]], Hashable | None]


@dataclass(frozen=True)
class TreeState:
    """Open nodes and the cursor, by path; ``row`` is the cursor's line on the screen."""

    expanded: frozenset[Path]
    cursor: Path
    row: int = 0


def node_path(node: TreeNode[Any], step: StepOf) -> Path:
    """The steps from the root down to ``node`` (a node without a step: its parent's path)."""
    steps: list[Hashable] = []
    current: TreeNode[Any] | None = node
    while current is not None and current.parent is not None:
        here = step(current)
        if here is None:
            steps.clear()  # a "more" or note node: stand for its parent
        else:
            steps.append(here)
        current = current.parent
    return tuple(reversed(steps))


def capture(tree: Tree[Any], step: StepOf) -> TreeState:
    """The state of ``tree`` now."""
    expanded: set[Path] = set()
    pending = [tree.root]
    while pending:
        node = pending.pop()
        if node.is_expanded:
            expanded.add(node_path(node, step) if node.parent is not None else ())
            pending.extend(node.children)
    cursor = tree.cursor_node
    path = node_path(cursor, step) if cursor is not None else ()
    row = max(0, tree.cursor_line - round(tree.scroll_offset.y))
    return TreeState(frozenset(expanded), path, row)


def child_by_step(node: TreeNode[Any], wanted: Hashable, step: StepOf) -> TreeNode[Any] | None:
    for child in node.children:
        if step(child) == wanted:
            return child
    return None


def find(
    tree: Tree[Any], path: Path, step: StepOf, loaded: Callable[[TreeNode[Any]], bool]
) -> tuple[TreeNode[Any], int, bool]:
    """The deepest node on ``path`` the tree holds, its depth, and whether that is final.

    Not final when a node on the way is still loading: its children may be
    replaced yet (a live filter, a reload), and may bring the next step.
    """
    node = tree.root
    for depth, wanted in enumerate(path):
        if not loaded(node):
            return node, depth, False
        child = child_by_step(node, wanted, step)
        if child is None:
            return node, depth, True
        node = child
    return node, len(path), True


class Restorer:
    """Puts a :class:`TreeState` back into a tree as its nodes load.

    ``loaded(node)`` says whether a node's children are all read (a node still
    loading may yet bring the cursor's node).  The tree calls :meth:`progress`
    after each load it applies; :attr:`done` turns true once the cursor has
    landed and every node it opened has loaded.
    """

    def __init__(
        self,
        tree: Tree[Any],
        state: TreeState,
        step: StepOf,
        loaded: Callable[[TreeNode[Any]], bool],
        *,
        focus: bool = False,
    ) -> None:
        self.tree = tree
        self.state = state
        self.step = step
        self.loaded = loaded
        self.focus = focus
        # Everything on the way to the cursor is opened, whether or not it was.
        way = {state.cursor[:depth] for depth in range(len(state.cursor))}
        self.expanded = state.expanded | way
        self.landed = False
        self.opened: set[int] = set()  # ids of the nodes it opened, not loaded yet

    @property
    def done(self) -> bool:
        """Landed, and nothing it opened is still loading (nodes dropped since do not count)."""
        if self.landed and self.opened:
            self.opened = {id for id in self.opened if self._held(id)}
        return self.landed and not self.opened

    def _held(self, id: int) -> bool:
        try:
            self.tree.get_node_by_id(id)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - UnknownNodeID: removed meanwhile
            return False
        return True

    def next_step(self, node: TreeNode[Any]) -> Hashable | None:
        """The cursor's step just below ``node``, if ``node`` is on the way to it."""
        if self.landed:
            return None
        path = node_path(node, self.step) if node.parent is not None else ()
        cursor = self.state.cursor
        if len(path) < len(cursor) and cursor[: len(path)] == path:
            return cursor[len(path)]
        return None

    def start(self) -> None:
        """Open what is already there, then wait for the rest."""
        self._open_below(self.tree.root)
        self._try_to_land()

    def progress(self, node: TreeNode[Any]) -> None:
        """``node``'s children arrived: open those that were open, and try to land."""
        self.opened.discard(node.id)
        self._open_below(node)
        self._try_to_land()

    def _open_below(self, node: TreeNode[Any]) -> None:
        if not self.loaded(node):
            self.opened.add(node.id)
            return
        self.opened.discard(node.id)
        for child in node.children:
            if child.allow_expand and node_path(child, self.step) in self.expanded:
                if not child.is_expanded:
                    child.expand()
                self._open_below(child)

    def _try_to_land(self) -> None:
        if self.landed:
            return
        node, depth, final = find(self.tree, self.state.cursor, self.step, self.loaded)
        if not final:
            return  # children on the way are still being read
        self.landed = True
        self.land(node, exact=depth == len(self.state.cursor))

    def land(self, node: TreeNode[Any], exact: bool) -> None:
        tree = self.tree
        tree._tree_lines  # noqa: B018 - rebuild the lines so node.line is current
        if node.line < 0:
            return
        tree.move_cursor(node)
        if exact:
            # The cursor's line on the screen, as it was when the state was saved.
            tree.scroll_to(y=max(0, node.line - self.state.row), animate=False, immediate=True)
        if self.focus:
            tree.focus()
