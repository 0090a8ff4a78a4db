"""The raw view: bolt's bucket tree with keys and values, read lazily.

Nothing is read before it is shown.  Expanding a bucket shows "loading…" at
once and a worker reads one window of keys (:data:`~boltview.bolt.cursor.WINDOW`),
as a glimpse: of a value in a long overflow run only its start, for the label;
a "more keys" node at the bottom (and "earlier keys" at the top) loads the
next window when the cursor reaches it, so a bucket of a million keys opens
at once and scrolls as far as one likes.  At most :data:`MAX_LOADED` keys of a
bucket are in the tree at a time: windows that scroll far out of sight are
dropped again, so memory does not grow with the bucket.

A page that cannot be read shows as a marked node with the reason.  What each
node holds, and its label, is in :mod:`~boltview.tui.widgets.raw_items`.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from boltview.bolt.bucket import Entry
from boltview.bolt.cursor import WINDOW, Window, entries_after, window
from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.render.text import escape, show_bytes
from boltview.tui.live_reads import changed_read, read_error
from boltview.tui.messages import ShowError, ShowRaw
from boltview.tui.values import key_text
from boltview.tui.widgets.browsing import BrowsingTree, attached, batched
from boltview.tui.widgets.keyfilter import FilterCounted, Filtered, scan
from boltview.tui.widgets.raw_items import (
    BucketItem,
    MoreItem,
    NoteItem,
    RawItem,
    ValueItem,
    bucket_label,
    more_label,
    note_label,
    value_label,
)
from boltview.tui.widgets.treestate import TreeState

#: Most keys of one bucket held in the tree at once.
MAX_LOADED = 5 * WINDOW


# -- what a worker reads ---------------------------------------------------------


@dataclass
class Loaded:
    """What a worker read for one bucket node."""

    window: Window | None = None
    error: str | None = None


# -- the tree --------------------------------------------------------------------


class RawTree(BrowsingTree[RawItem]):
    """Buckets, keys and values of one bolt file at one transaction."""

    def __init__(
        self, db: BoltFile, lock: threading.RLock | None = None, *, id: str | None = None
    ) -> None:
        super().__init__(Text("(root)", style="bold"), BucketItem(()), id=id)
        self.db = db
        self.db_lock = lock or threading.RLock()
        self.guide_depth = 2
        self.generation = 0
        self.auto_expand = False

    def on_mount(self) -> None:
        self.root.expand()

    # -- switching transaction ---------------------------------------------------------

    def set_db(self, db: BoltFile) -> None:
        """Show another transaction of the file: everything is read again."""
        self.db = db
        self.generation += 1
        self.reset(Text("(root)", style="bold"), BucketItem(()))
        self.root.expand()

    # -- keeping the place -------------------------------------------------------------

    def node_step(self, node: TreeNode[RawItem]) -> Hashable | None:
        item = node.data
        if isinstance(item, BucketItem):
            return item.path[-1] if item.path else None
        if isinstance(item, ValueItem):
            return item.key
        return None

    def node_loaded(self, node: TreeNode[RawItem]) -> bool:
        item = node.data
        return not isinstance(item, BucketItem) or (item.loaded and not item.loading)

    # -- keys --------------------------------------------------------------------------

    def action_scroll_end(self) -> None:
        """G: the bottom line; and when that is "more keys", the bucket's last keys.

        Those are read at once, seeking down the right edge of the bucket's
        tree (:func:`~boltview.bolt.cursor.window_before`), never by paging
        through it: the "more keys" node is marked loading first, so that the
        cursor landing on it does not also ask for the next window.
        """
        bottom = self.get_node_at_line(self.last_line)
        if bottom is not None and bottom.parent is not None:
            more = bottom.data
            if isinstance(more, MoreItem) and more.forward and not more.loading:
                more.loading = True
                bottom.set_label(more_label(more))
                self.load(bottom.parent, "last", None)
        super().action_scroll_end()

    def load_more_node(self, node: TreeNode[Any]) -> bool:
        if isinstance(node.data, MoreItem):
            self.load_more(node)
            return True
        return False

    # -- events ------------------------------------------------------------------------

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[RawItem]) -> None:
        event.stop()
        item = event.node.data
        if isinstance(item, BucketItem) and not item.loaded and not item.loading:
            self._load_for_place(event.node)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[RawItem]) -> None:
        event.stop()
        node = event.node
        item = node.data
        if isinstance(item, MoreItem):
            self.load_more(node)
        elif isinstance(item, BucketItem):
            self.post_message(ShowRaw(item.path, None, is_bucket=True))
        elif isinstance(item, ValueItem):
            self.post_message(ShowRaw(item.path, item.key))
        elif isinstance(item, NoteItem) and item.error:
            self.post_message(ShowError(item.path, item.message))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[RawItem]) -> None:
        event.stop()
        node = event.node
        if isinstance(node.data, MoreItem):
            self.load_more(node)
        elif node.allow_expand:
            node.toggle()

    # -- loading -----------------------------------------------------------------------

    def bucket_node(self, node: TreeNode[RawItem]) -> TreeNode[RawItem]:
        """The bucket node a node belongs to (itself for a bucket)."""
        while not isinstance(node.data, BucketItem) and node.parent is not None:
            node = node.parent
        return node

    def load_more(self, node: TreeNode[RawItem]) -> None:
        item = node.data
        if not isinstance(item, MoreItem) or item.loading or node.parent is None:
            return
        item.loading = True
        node.set_label(more_label(item))
        self.load(node.parent, "after" if item.forward else "before", item.key)

    def _load_for_place(self, node: TreeNode[RawItem]) -> None:
        """Read ``node``'s first window, or, restoring a place, the one around its key."""
        hint = self.restore_hint(node)
        if isinstance(hint, bytes):
            self.load(node, "at", hint)
        else:
            self.load(node, "first", None)

    def load(self, node: TreeNode[RawItem], mode: str, key: bytes | None) -> None:
        """Read a window of ``node``'s bucket in a worker; ``mode`` first/after/before/at/last."""
        item = node.data
        assert isinstance(item, BucketItem)
        item.loading = True
        if item.filter is not None:
            self._scan(node, item.filter, self.generation)
            return
        if not node.children:
            node.add_leaf(Text("loading…", style="italic dim"), NoteItem(item.path, "loading…"))
        self._read(node, mode, key, self.generation)

    @work(thread=True, group="raw-load")
    def _read(self, node: TreeNode[RawItem], mode: str, key: bytes | None, generation: int) -> None:
        item = node.data
        assert isinstance(item, BucketItem)
        loaded = Loaded()
        try:
            with self.db_lock:
                loaded.window = window(self.db.bucket(*item.path), mode, key, glimpse=True)
        except BoltviewError as error:
            loaded.error = str(error)
        except Exception as error:  # noqa: BLE001 - hostile input must not kill the app
            loaded.error = f"cannot read: {type(error).__name__}: {error}"
        changed = changed_read(self, self.db, failed=loaded.error is not None)
        if changed is not None:  # a writer's newer transaction, not damage (tui.live_reads)
            loaded = Loaded(error=changed)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, node, mode, loaded, generation)

    @batched
    def _loaded(self, node: TreeNode[RawItem], mode: str, loaded: Loaded, generation: int) -> None:
        self._apply(node, mode, loaded, generation)
        if generation == self.generation:
            self.restore_progress(node)

    def _apply(self, node: TreeNode[RawItem], mode: str, loaded: Loaded, generation: int) -> None:
        if generation != self.generation or not attached(node):
            return  # another transaction is shown now, or the node scrolled out
        item = node.data
        assert isinstance(item, BucketItem)
        item.loading = False
        item.loaded = True
        cursor = self.cursor_node
        for child in list(node.children):
            if isinstance(child.data, NoteItem) and not child.data.error:
                child.remove()  # "loading…"
        if loaded.error is not None:
            item.error = loaded.error
            node.set_label(bucket_label(item))
            for child in list(node.children):
                if isinstance(child.data, MoreItem):
                    child.remove()
            node.add_leaf(
                note_label(NoteItem(item.path, loaded.error, True)),
                NoteItem(item.path, loaded.error, True),
            )
            self._restore(cursor)
            return
        window = loaded.window
        assert window is not None
        if mode in ("first", "at", "last"):
            node.remove_children()
            self._add_entries(node, item, window.entries, None)
            if window.more_before and window.entries:
                self._add_more(node, window.entries[0].key, forward=False, before=0)
            if window.more_after and window.entries:
                self._add_more(node, window.entries[-1].key, forward=True)
            if not window.entries and not window.more_after:
                node.add_leaf(
                    Text("(empty bucket)", style="italic dim"), NoteItem(item.path, "empty")
                )
            if mode == "last":
                # G on a bucket too big to hold: its very last key, as boltbrowser's G.
                self._restore(node.children[-1] if node.children else None)
            else:
                self._restore(cursor if mode == "first" else None)
            return
        # Replace the "more" node that asked with the new window.
        forward = mode == "after"
        more = self.more_node(node, MoreItem, forward)
        index = self.take_more_node(node, MoreItem, forward)
        if index is None:
            return
        moved_cursor = cursor is more
        entries = window.entries
        first_new = self._add_entries(node, item, entries, index)
        if forward:
            if window.more_after and entries:
                self._add_more(node, entries[-1].key, forward=True)
            target = first_new
        else:
            if window.more_before and entries:
                self._add_more(node, entries[0].key, forward=False, before=0)
            target = self._child_for(node, entries[-1].key) if entries else None
        self._trim(node, item, keep_end=forward)
        self._restore(target if moved_cursor else cursor)

    def _add_entries(
        self, node: TreeNode[RawItem], item: BucketItem, entries: list[Entry], index: int | None
    ) -> TreeNode[RawItem] | None:
        first: TreeNode[RawItem] | None = None
        for offset, entry in enumerate(entries):
            before = None if index is None else index + offset
            if entry.is_bucket:
                child_item = BucketItem(item.path + (entry.key,), inline=entry.is_inline_bucket)
                added = node.add(bucket_label(child_item), child_item, before=before)
            else:
                added = node.add_leaf(
                    value_label(entry),
                    ValueItem(item.path, entry.key, entry.size),
                    before=before,
                )
            if first is None:
                first = added
        return first

    def _add_more(
        self, node: TreeNode[RawItem], key: bytes, forward: bool, before: int | None = None
    ) -> None:
        item = node.data
        assert isinstance(item, BucketItem)
        more = MoreItem(item.path, key, forward)
        node.add_leaf(more_label(more), more, before=before)

    def _trim(self, node: TreeNode[RawItem], item: BucketItem, keep_end: bool) -> None:
        """Drop the windows farthest from the one just loaded (bounded memory)."""
        keys = [c for c in node.children if isinstance(c.data, BucketItem | ValueItem)]
        excess = len(keys) - MAX_LOADED
        if excess <= 0:
            return
        for child in list(node.children):
            if isinstance(child.data, MoreItem) and child.data.forward != keep_end:
                child.remove()
        if keep_end:
            dropped, kept = keys[:excess], keys[excess]
            for child in dropped:
                child.remove()
            self._add_more(node, _node_key(kept), forward=False, before=0)
        else:
            dropped, kept = keys[-excess:], keys[-excess - 1]
            for child in dropped:
                child.remove()
            self._add_more(node, _node_key(kept), forward=True)

    def _child_for(self, node: TreeNode[RawItem], key: bytes) -> TreeNode[RawItem] | None:
        for child in node.children:
            if isinstance(child.data, BucketItem | ValueItem) and _node_key(child) == key:
                return child
        return None

    def _restore(self, node: TreeNode[RawItem] | None) -> None:
        """Put the cursor back on ``node`` after lines above it changed."""
        if node is None or node.tree is not self or not attached(node):
            return
        before = self.cursor_node
        self._tree_lines  # noqa: B018 - rebuild the lines so node.line is current
        if node.line < 0:
            return
        if node.line != self.cursor_line:
            self.move_cursor(node)
        elif node is not before:
            # The cursor's line now holds another node (G: the last key where "more keys"
            # was): the Tree says nothing of it, so the detail pane is told here.
            self.move_cursor(node)
            self.post_message(Tree.NodeHighlighted(node))
        else:
            return
        # Once more when the new lines are laid out: a horizontal scrollbar that they
        # bring would otherwise hide the bottom line (G's last key).
        self.call_after_refresh(self._keep_in_view, node)

    def _keep_in_view(self, node: TreeNode[RawItem]) -> None:
        if attached(node) and self.cursor_node is node:
            self.scroll_to_node(node, animate=False)

    # -- filter ---------------------------------------------------------------------------

    def set_filter(
        self, node: TreeNode[RawItem], query: str | None, place: TreeState | None = None
    ) -> None:
        """Show only the keys containing ``query`` in ``node``'s bucket (None: all keys),
        and put the tree back in ``place`` (open nodes, cursor) as far as they are shown.

        The keys shown stay until the scan is done, so typing does not flicker.
        """
        item = node.data
        assert isinstance(item, BucketItem)
        item.filter = query or None
        item.counts = None
        node.set_label(bucket_label(item))
        item.loaded = False
        if item.filter is None:
            node.remove_children()
        if place is not None:
            self.restore_state(place)
        if node.is_expanded:
            self._load_for_place(node)
        else:
            node.expand()

    @work(thread=True, exclusive=True, group="raw-filter")
    def _scan(self, node: TreeNode[RawItem], query: str, generation: int) -> None:
        item = node.data
        assert isinstance(item, BucketItem)
        worker = get_current_worker()
        found: Filtered[Entry] | None
        try:
            # A long scan: on a private view of the file, so the lock stays free.
            private = self.db.with_meta(self.db.meta.index)
            # Keys are what is filtered: of large values, only their starts are read.
            entries = entries_after(private.bucket(*item.path), None, glimpse=True)
            found = scan(entries, lambda entry: entry.key, query, lambda: worker.is_cancelled)
        except Exception as error:  # noqa: BLE001 - BoltviewError, or worse from a hostile file
            found = Filtered(query, error=str(error))
        if found is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._show_filtered, node, found, generation)

    @batched
    def _show_filtered(
        self, node: TreeNode[RawItem], found: Filtered[Entry], generation: int
    ) -> None:
        item = node.data
        if generation != self.generation or not attached(node) or not isinstance(item, BucketItem):
            return
        if item.filter != found.query:
            return  # typed on since
        item.loading = False
        item.loaded = True
        item.counts = found.counts()
        node.remove_children()
        if found.error is not None:
            note = NoteItem(item.path, found.error, True)
            node.add_leaf(note_label(note), note)
        else:
            message = found.note("key")
            node.add_leaf(message, NoteItem(item.path, message.plain))
            self._add_entries(node, item, found.shown, None)
        node.set_label(bucket_label(item))
        node.expand()
        self.post_message(FilterCounted(found.query, found.counts()))
        self.restore_progress(node)

    # -- reveal ---------------------------------------------------------------------------

    def reveal(self, path: tuple[bytes, ...], key: bytes | None = None) -> None:
        """Expand the buckets down to ``path`` and put the cursor on ``key`` (or the bucket)."""
        self._reveal(path, key, self.generation)

    @work(thread=True, exclusive=True, group="raw-reveal")
    def _reveal(self, path: tuple[bytes, ...], key: bytes | None, generation: int) -> None:
        # Read the windows around each name on the way down, then show them at once.
        steps: list[tuple[tuple[bytes, ...], bytes, Window | None, str | None]] = []
        targets = [(path[:i], path[i]) for i in range(len(path))]
        if key is not None:
            targets.append((path, key))
        for bucket_path, name in targets:
            try:
                with self.db_lock:
                    around = window(self.db.bucket(*bucket_path), "at", name, glimpse=True)
                steps.append((bucket_path, name, around, None))
            except Exception as error:  # noqa: BLE001 - BoltviewError, or worse from a hostile file
                steps.append((bucket_path, name, None, read_error(self, self.db, error)))
                break
        self.app.call_from_thread(self._show_revealed, steps, generation)

    @batched
    def _show_revealed(
        self,
        steps: list[tuple[tuple[bytes, ...], bytes, Window | None, str | None]],
        generation: int,
    ) -> None:
        if generation != self.generation:
            return
        node = self.root
        for bucket_path, name, around, error in steps:
            item = node.data
            assert isinstance(item, BucketItem)
            if error is not None or around is None:
                self.notify(escape(error or "cannot read"), severity="error")
                break
            child = self._child_for(node, name) if item.loaded and item.filter is None else None
            if child is None:
                item.filter = None
                node.set_label(bucket_label(item))
                item.loaded = False
                self._apply(node, "at", Loaded(around), self.generation)
                child = self._child_for(node, name)
            item.loaded = True
            node.expand()
            if child is None:
                self.notify(f"{escape(show_bytes(name))} not found", severity="warning")
                break
            node = child
        self._tree_lines  # noqa: B018 - rebuild the lines so node.line is current
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)
        self.focus()

    # -- questions the app asks -----------------------------------------------------------

    def selected_path(self) -> tuple[tuple[bytes, ...], bytes | None, bool] | None:
        """(bucket path, key, is_bucket) of the node under the cursor."""
        node = self.cursor_node
        if node is None:
            return None
        item = node.data
        if isinstance(item, BucketItem):
            return item.path, None, True
        if isinstance(item, ValueItem):
            return item.path, item.key, False
        if isinstance(item, MoreItem | NoteItem):
            return item.path, None, True
        return None

    def current_bucket_node(self) -> TreeNode[RawItem]:
        """The bucket the cursor is in: the bucket itself when it is open, else its parent."""
        return self.filter_scope(self.cursor_node)

    def filter_scope(self, node: TreeNode[RawItem] | None) -> TreeNode[RawItem]:
        """The bucket ``node`` is in: itself when it is an open bucket, else its parent."""
        node = node or self.root
        if isinstance(node.data, BucketItem) and node.is_expanded:
            return node
        return self.bucket_node(node.parent or self.root)

    def filter_of(self, node: TreeNode[RawItem]) -> str | None:
        item = node.data
        return item.filter if isinstance(item, BucketItem) else None


def _node_key(node: TreeNode[RawItem]) -> bytes:
    item = node.data
    if isinstance(item, BucketItem):
        return item.path[-1]
    if isinstance(item, ValueItem):
        return item.key
    raise TypeError(item)


__all__: list[str] = [
    "BucketItem",
    "MoreItem",
    "NoteItem",
    "RawItem",
    "RawTree",
    "ValueItem",
    "key_text",
]
