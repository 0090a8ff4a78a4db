"""The store view: any store that has a :class:`~boltview.stores.view.StoreView`
(etcd, podman, docker's stores, buildkit, the blob info cache) as its tree.

Like the containerd tree, nothing is read before it is shown: the top when the
tree is mounted, a node's children a window at a time when it is opened (a
"more" node at the end reads the next window), all in workers.  The node under
the cursor is posted as :class:`ShowStoreNode` for the detail pane; ``reveal``
opens the way to a node by its path (a link's target) and puts the cursor on it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from boltview.bolt.file import BoltFile
from boltview.render.text import escape
from boltview.stores.view import WINDOW, StoreChange, StoreNode, StoreView
from boltview.tui.live_reads import read_error
from boltview.tui.widgets.browsing import BrowsingTree, attached, batched
from boltview.tui.widgets.keyfilter import FilterCounted, Filtered, filter_label, scan
from boltview.tui.widgets.treestate import TreeState

#: How many windows ``reveal`` reads at most to find a node among its siblings.
REVEAL_WINDOWS = 50


@dataclass
class StoreItem:
    """A node of the view, whether its children are read, and the filter on them."""

    node: StoreNode
    loaded: bool = False
    loading: bool = False
    filter: str | None = None
    found: Filtered[StoreNode] | None = None


@dataclass
class StoreRoot:
    """The root: the store, said in words."""


@dataclass
class MoreNodes:
    """Where the next window of a node's children starts."""

    start: int
    loading: bool = False


@dataclass
class StoreNote:
    """A note in the tree: "loading…", "(none)", or a read that failed."""

    message: str
    error: bool = False


@dataclass
class ShowStoreNode(Message):
    """Show this node of the store (None: the store itself) in the detail pane."""

    node: StoreNode | None


def shown(label: str) -> str:
    """A label for the terminal: bytes kept as surrogates (not UTF-8) as ``\\xNN``, escaped."""
    if label.isprintable():
        return label
    data = label.encode("utf-8", "surrogateescape")
    return escape(data.decode("utf-8", "backslashreplace"))


#: How ``d`` marks a node the last transaction changed (by StoreChange.op), and one with
#: changes below it.
CHANGE_SIGNS = {"added": "+", "put": "~", "changed": "~", "compacted": "~", "removed": "✗",
                "delete": "✗"}  # fmt: skip
INSIDE = "·"


def node_label(node: StoreNode, change: str | None = None) -> Text:
    """A node's line in the tree: label, count, summary, marks, and ``d``'s sign for what
    the last transaction did to it (``change``); all escaped."""
    group = node.kind in ("group", "folder", "range")
    deleted = "deleted" in node.marks or "removed" in node.marks
    style = "bold cyan" if group else ("strike red" if deleted else "")
    text = Text()
    if change is not None:
        text.append(f"{CHANGE_SIGNS.get(change, change)} ", style="bold yellow")
    text.append(shown(node.label) if node.label else '""', style=style)
    if node.count is not None and group:
        text.append(f" ({node.count})", style="dim")
    if node.summary:
        text.append("  " + escape(node.summary), style="dim")
    for mark in node.marks:
        text.append(f"  ✗ {mark}" if mark in ("deleted", "removed") else f"  ⚠ {mark}",
                    style="bold red")  # fmt: skip
    return text


class StoreTree(BrowsingTree[Any]):
    """A store's objects as its view arranges them."""

    def __init__(
        self, view: StoreView, db: BoltFile, lock: AbstractContextManager[Any], *,
        id: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(self._root_label(view), StoreRoot(), id=id)
        self.view = view
        self.db = db  # the file the view reads (for what a failed read means)
        self.db_lock = lock  # the app's: one read of the file at a time
        #: What ``d`` marks: the last transaction's changes by path (empty: not shown).
        self.changes: dict[tuple[str, ...], list[StoreChange]] = {}
        self.guide_depth = 2
        self.auto_expand = False
        self.generation = 0

    @staticmethod
    def _root_label(view: StoreView) -> Text:
        store = view.store
        text = Text(store.program or store.kind, style="bold")
        text.append(f"  {store.what}", style="dim")
        return text

    def on_mount(self) -> None:
        self.rebuild()

    def set_view(self, view: StoreView, db: BoltFile) -> None:
        """Read another transaction (or a reloaded file): the tree anew, keeping the place."""
        place = self.save_state()
        self.view, self.db = view, db
        self.rebuild()
        self.restore_state(place)

    def rebuild(self) -> None:
        self.generation += 1
        self.reset(self._root_label(self.view), StoreRoot())
        self.root.expand()
        self.root.add_leaf(Text("loading…", style="italic dim"), StoreNote("loading"))
        self._load(self.root, 0, self.generation)

    # -- the place, by name (see treestate) --------------------------------------------

    def node_step(self, node: TreeNode[Any]) -> Hashable | None:
        return node.data.node.label if isinstance(node.data, StoreItem) else None

    def node_loaded(self, node: TreeNode[Any]) -> bool:
        data = node.data
        if isinstance(data, StoreRoot):
            return not any(isinstance(c.data, StoreNote) for c in node.children)
        return isinstance(data, StoreItem) and data.loaded

    def load_more_node(self, node: TreeNode[Any]) -> bool:
        if isinstance(node.data, MoreNodes):
            self._load_more(node)
            return True
        return False

    # -- events ------------------------------------------------------------------------

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[Any]) -> None:
        event.stop()
        node, item = event.node, event.node.data
        if isinstance(item, StoreItem) and not item.loaded and not item.loading:
            item.loading = True
            if not node.children:
                node.add_leaf(Text("loading…", style="italic dim"), StoreNote("loading"))
            self._load(node, 0, self.generation)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[Any]) -> None:
        event.stop()
        item = event.node.data
        if isinstance(item, MoreNodes):
            self._load_more(event.node)
        elif isinstance(item, StoreItem):
            self.post_message(ShowStoreNode(item.node))
        elif isinstance(item, StoreRoot):
            self.post_message(ShowStoreNode(None))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[Any]) -> None:
        event.stop()
        node = event.node
        if isinstance(node.data, MoreNodes):
            self._load_more(node)
        elif node.allow_expand:
            node.toggle()

    # -- loading -------------------------------------------------------------------------

    def _load_more(self, node: TreeNode[Any]) -> None:
        more = node.data
        if not isinstance(more, MoreNodes) or more.loading or node.parent is None:
            return
        more.loading = True
        node.set_label(Text("  loading…", style="italic dim"))
        self._load(node.parent, more.start, self.generation)

    @work(thread=True, group="store-load")
    def _load(self, node: TreeNode[Any], start: int, generation: int) -> None:
        result: list[StoreNode] | str
        try:
            item = node.data
            with self.db_lock:
                if isinstance(item, StoreItem):  # one more than shown: whether there are more
                    result = self.view.children(item.node, start, WINDOW + 1)
                else:
                    result = self.view.top() if start == 0 else []
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            result = read_error(self, self.db, error)
        self.app.call_from_thread(self._loaded, node, start, result, generation)

    @batched
    def _loaded(
        self, node: TreeNode[Any], start: int, result: list[StoreNode] | str, generation: int
    ) -> None:
        if generation != self.generation or not attached(node):
            return
        if start == 0 and self._store_children(node):
            return  # a reveal filled it meanwhile
        self.fill(node, start, result)
        self.restore_progress(node)

    def fill(
        self, node: TreeNode[Any], start: int, result: list[StoreNode] | str,
        more: bool | None = None,
    ) -> None:  # fmt: skip
        """Put children under ``node``, where its "more" node was: a window and one more
        (which says there are more), or as many as given when ``more`` says it."""
        item = node.data
        if isinstance(item, StoreItem):
            item.loading, item.loaded = False, True
        cursor = self.cursor_node
        was_more = (
            cursor is not None and isinstance(cursor.data, MoreNodes) and cursor.parent is node
        )
        for child in list(node.children):
            if isinstance(child.data, MoreNodes) or (
                isinstance(child.data, StoreNote) and not child.data.message.startswith("filter ")
            ):
                child.remove()
        if isinstance(result, str):
            node.add_leaf(Text("⚠ " + escape(result), style="bold red"), StoreNote(result, True))
            return
        if more is None:
            more, result = len(result) > WINDOW, result[:WINDOW]
        first_new = None
        for shown in result:
            label = node_label(shown, self.change_at(shown.path))
            added = node.add(label, StoreItem(shown), allow_expand=shown.has_children)
            first_new = first_new or added
        if more:
            text = Text("▼ more (enter)", style="italic yellow")
            node.add_leaf(text, MoreNodes(start + len(result)))
        if start == 0 and not result:
            node.add_leaf(Text("(none)", style="italic dim"), StoreNote("none"))
        whole = start == 0 and not more
        if whole and isinstance(item, StoreItem) and item.node.count is None and not item.filter:
            item.node = replace(item.node, count=len(result))  # now known: in the label
            node.set_label(self._label(item))
        self._tree_lines  # noqa: B018 - the lines again, so that cursor lines are current
        if was_more and first_new is not None:
            self.move_cursor(first_new)
        elif cursor is not None and attached(cursor) and cursor.line >= 0:
            self.move_cursor(cursor)

    # -- the live filter (f; see tui/filtering) -------------------------------------------

    def filter_scope(self, node: TreeNode[Any] | None) -> TreeNode[Any] | None:
        """The node ``f`` filters: ``node`` when it is open, else the node it is in."""
        while node is not None and not (
            isinstance(node.data, StoreItem) and node.allow_expand and node.is_expanded
        ):
            node = node.parent
        return node

    def filter_of(self, node: TreeNode[Any]) -> str | None:
        return node.data.filter if isinstance(node.data, StoreItem) else None

    def set_filter(
        self, node: TreeNode[Any], query: str | None, place: TreeState | None = None
    ) -> None:
        """Show only ``node``'s children whose name contains ``query`` (None: all of them),
        and put the tree back in ``place`` as far as it is shown."""
        item = node.data
        assert isinstance(item, StoreItem)
        item.filter, item.found = query or None, None
        node.set_label(self._label(item))
        if item.filter is None:
            node.remove_children()
            item.loaded, item.loading = False, True
            node.add_leaf(Text("loading…", style="italic dim"), StoreNote("loading"))
            self._load(node, 0, self.generation)
        else:
            self._filter(node, item.filter, self.generation)
        if place is not None:
            self.restore_state(place)
        node.expand()

    def _label(self, item: StoreItem) -> Text:
        label = node_label(item.node, self.change_at(item.node.path))
        return filter_label(label, item.filter, item.found)

    @work(thread=True, exclusive=True, group="store-filter")
    def _filter(self, node: TreeNode[Any], query: str, generation: int) -> None:
        worker = get_current_worker()
        item = node.data
        assert isinstance(item, StoreItem)
        owner = item.node

        def children() -> Iterator[StoreNode]:
            start = 0
            while not worker.is_cancelled:
                with self.db_lock:
                    window = self.view.children(owner, start, WINDOW)
                yield from window
                if len(window) < WINDOW:
                    return
                start += len(window)

        def name(found: StoreNode) -> bytes:
            return found.title.encode("utf-8", "surrogateescape")

        try:
            found = scan(children(), name, query, lambda: worker.is_cancelled)
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            found = Filtered(query, error=read_error(self, self.db, error))
        if found is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._show_filtered, node, found, generation)

    @batched
    def _show_filtered(
        self, node: TreeNode[Any], found: Filtered[StoreNode], generation: int
    ) -> None:
        item = node.data
        if generation != self.generation or not attached(node) or not isinstance(item, StoreItem):
            return
        if item.filter != found.query:
            return  # typed on since
        item.found, item.loaded, item.loading = found, True, False
        node.remove_children()
        if found.error is not None:
            node.add_leaf(Text("⚠ " + escape(found.error), style="bold red"),
                          StoreNote(found.error, True))  # fmt: skip
        else:
            note = found.note("object")
            node.add_leaf(note, StoreNote(note.plain))
            self.fill(node, 0, found.shown, more=False)
        node.set_label(self._label(item))
        self.post_message(FilterCounted(found.query, found.counts()))
        self.restore_progress(node)

    # -- what the last transaction changed (d) -------------------------------------------

    def change_at(self, path: tuple[str, ...]) -> str | None:
        """The op of a change of the node at ``path``; INSIDE for one with changes below."""
        found = self.changes.get(path)
        if found:
            return found[-1].op
        if path and any(other[: len(path)] == path for other in self.changes):
            return INSIDE
        return None

    def set_changes(self, changes: list[StoreChange]) -> None:
        """Mark these changes (none: unmark), on every node read so far."""
        self.changes = {}
        for change in changes:
            self.changes.setdefault(change.path, []).append(change)

        def relabel(node: TreeNode[Any]) -> None:
            for below in node.children:
                if isinstance(below.data, StoreItem):
                    below.set_label(self._label(below.data))
                    relabel(below)

        relabel(self.root)

    # -- going to a node ---------------------------------------------------------------

    def reveal(self, path: tuple[str, ...]) -> None:
        """Open the way to the node at ``path`` and put the cursor on it (in a worker)."""
        self._reveal(path, self.generation)

    @work(thread=True, exclusive=True, group="store-reveal")
    def _reveal(self, path: tuple[str, ...], generation: int) -> None:
        """Each level's children, read until the step is among them."""
        levels: list[tuple[list[StoreNode], bool]] = []
        far: StoreNode | None = None
        try:
            with self.db_lock:
                levels, far = self._levels(path)
        except Exception as error:  # noqa: BLE001
            message = read_error(self, self.db, error)
            self.app.call_from_thread(self.app.notify, message, severity="error", markup=False)
            return
        self.app.call_from_thread(self._show_revealed, path, levels, far, generation)

    def _levels(
        self, path: tuple[str, ...]
    ) -> tuple[list[tuple[list[StoreNode], bool]], StoreNode | None]:
        """The children of each node on the way to ``path``, as far as the next step
        (windows read one after another, up to REVEAL_WINDOWS of them); and the step that
        is past those windows (found by its path), if one is."""
        levels: list[tuple[list[StoreNode], bool]] = []
        owner: StoreNode | None = None
        for depth in range(1, len(path) + 1):
            step = path[:depth]
            window = self.view.top() if owner is None else self.view.children(owner, 0, WINDOW)
            siblings = list(window)
            found = next((node for node in window if node.path == step), None)
            while (
                found is None and owner is not None and len(window) >= WINDOW
                and len(siblings) < WINDOW * REVEAL_WINDOWS
            ):  # fmt: skip
                window = self.view.children(owner, len(siblings), WINDOW)
                siblings += window
                found = next((node for node in window if node.path == step), None)
            more = owner is not None and len(window) >= WINDOW
            levels.append((siblings, more))
            if found is None:
                return levels, self.view.find(step) if more else None
            if not found.has_children:
                break
            owner = found
        return levels, None

    @batched
    def _show_revealed(
        self, path: tuple[str, ...], levels: list[tuple[list[StoreNode], bool]],
        far: StoreNode | None, generation: int,
    ) -> None:  # fmt: skip
        if generation != self.generation:
            return
        node: TreeNode[Any] = self.root
        for depth, (siblings, more) in enumerate(levels, start=1):
            if len(self._store_children(node)) < len(siblings):
                node.remove_children()  # read again, as far as the node we go to
                self.fill(node, 0, siblings, more)
            node.expand()
            child = next((c for c in self._store_children(node)
                          if c.data is not None and c.data.node.path == path[:depth]), None)  # fmt: skip
            if child is None and far is not None and isinstance(node.data, StoreItem):
                self._reveal_filtered(node, far, path)
                return
            if child is None:
                self.app.notify(f"{shown(' / '.join(path))} is not in this transaction",
                                severity="warning", markup=False)  # fmt: skip
                break
            node = child
        self._tree_lines  # noqa: B018
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)
        self.focus()

    def _reveal_filtered(self, node: TreeNode[Any], far: StoreNode, path: tuple[str, ...]) -> None:
        """``far`` is among ``node``'s children, past the windows a reveal reads: filter them
        by its name (Esc restores them all), and land on ``path`` once the filter lists it."""
        item = node.data
        assert isinstance(item, StoreItem)
        item.loaded = False  # until the filter's list arrives: where the cursor lands then
        self.set_filter(node, far.title, TreeState(self.save_state().expanded, path))
        self.focus()
        self.app.notify(f"{shown(far.title)} is far down its group: filtered to it (Esc restores)",
                        markup=False)  # fmt: skip

    @staticmethod
    def _store_children(node: TreeNode[Any]) -> list[TreeNode[Any]]:
        return [child for child in node.children if isinstance(child.data, StoreItem)]

    # -- questions the app asks ------------------------------------------------------------

    def selected_node(self) -> StoreNode | None:
        node = self.cursor_node
        return node.data.node if node is not None and isinstance(node.data, StoreItem) else None
