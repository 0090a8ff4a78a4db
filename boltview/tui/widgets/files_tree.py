"""The files and drift of containers and snapshots, in the containerd tree.

A container has two nodes, "files" (its filesystem: its snapshot chain
merged, :class:`~boltview.node.rootfs.MergedView`) and "drift" (what it
changed, :func:`~boltview.node.drift.drift`); a snapshot has "files".
Nothing is read before it is opened: a directory lists its entries in a
worker, then shows them in windows of :data:`FILES_WINDOW` with a "more"
node at the end, so a folder of 10,000 entries is on screen as soon as it
is listed.  A layer the disk lacks is a marked gap node; a container whose
files cannot be found says why where they would be.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual import work
from textual.widgets.tree import TreeNode

from boltview.containerd.model import Container, Snapshot
from boltview.errors import BoltviewError
from boltview.node.dirlisting import DirectoryListing
from boltview.node.drift import drift, gaps
from boltview.node.file_detail import file_detail
from boltview.node.rootfs import Found, Layer, MergedView
from boltview.node.target import layer_unknown
from boltview.render.text import escape
from boltview.tui.files_source import FilesUnavailable, whole_copy
from boltview.tui.messages import ShowObject, TreeFilled
from boltview.tui.model import ContainerdModel
from boltview.tui.widgets.browsing import BrowsingTree, attached, batched
from boltview.tui.widgets.containerd_items import ContainerdItem, Note
from boltview.tui.widgets.detail import DetailPane
from boltview.tui.widgets.files_detail import (
    change_parts,
    file_parts,
    layers_parts,
    page_count,
    preview_parts,
)
from boltview.tui.widgets.files_items import (
    FILE_ITEMS,
    FILES_WINDOW,
    ChangeItem,
    DirItem,
    DriftItem,
    FileItem,
    GapItem,
    MoreFiles,
    change_label,
    drift_label,
    entry_label,
    files_root_label,
    gap_label,
    more_label,
)


def file_nodes(owner: Container | Snapshot) -> list[DirItem | DriftItem]:
    """The nodes an object gets first: "files", and for a container "drift"."""
    if isinstance(owner, Container):
        return [DirItem(owner), DriftItem(owner)]
    return [DirItem(owner)]


class FilesTree(BrowsingTree[ContainerdItem]):
    """What the containerd tree does with the nodes of :mod:`files_items`."""

    model: ContainerdModel
    clock: Callable[[], datetime]
    generation: int
    shown_file: Any = None  # the file or change whose details the pane shows (or is reading)

    def add_file_node(self, node: TreeNode[ContainerdItem], item: DirItem | DriftItem) -> None:
        label = files_root_label(item) if isinstance(item, DirItem) else drift_label(item)
        node.add(label, item)

    # -- events (the containerd tree hands these over) ------------------------------------

    def files_expanded(self, node: TreeNode[ContainerdItem]) -> bool:
        """Start reading an opened directory or drift; say whether the node was one of ours."""
        item = node.data
        if not isinstance(item, DirItem | DriftItem):
            return False
        if not item.loaded and not item.loading:
            item.loading = True
            if not node.children:
                node.add_leaf(Text("loading…", style="italic dim"), Note("loading"))
            self._read(node, item, self.generation)
        return True

    def files_highlighted(self, node: TreeNode[ContainerdItem]) -> bool:
        item = node.data
        if isinstance(item, MoreFiles):
            self._more_files(node)
            return True
        if isinstance(item, FILE_ITEMS):
            self.post_message(ShowObject(item))
            return True
        return False

    def files_selected(self, node: TreeNode[ContainerdItem]) -> bool:
        """Enter: "more" reads the next window; a change goes to its file in the container's
        files; a file (or a deleted one's change) takes the focus to its details, to scroll
        its preview, as Enter on an object goes to its relations."""
        if isinstance(node.data, MoreFiles):
            self._more_files(node)
            return True
        if isinstance(node.data, ChangeItem) and node.data.change.now is not None and node.parent is not None:
            container = node.parent.parent  # change < drift < container
            if container is not None:
                self._reveal_file(container, node.data.change.path)
                return True
        if isinstance(node.data, FileItem | ChangeItem | GapItem):
            pane = self.app.query_one("#detail")
            if pane.can_focus:
                pane.focus()
            return True
        return False

    @work(group="files-reveal", exclusive=True)
    async def _reveal_file(self, container: TreeNode[ContainerdItem], path: str) -> None:
        """Open the container's files down to ``path``, reading windows as needed, and land on it."""
        node = next((c for c in container.children if isinstance(c.data, DirItem)), None)
        for name in (p for p in path.split("/") if p):
            if node is None or not await self._opened(node):
                return
            node = await self._child_named(node, name)
        if node is None:
            self.app.notify(f"{escape(path)}: not in the container's files", severity="warning")
            return
        self._tree_lines  # noqa: B018 - the new lines, so the cursor can land
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)

    async def _opened(self, node: TreeNode[ContainerdItem]) -> bool:
        """Expand a directory node and wait for its first window (False: it cannot be read)."""
        item = node.data
        node.expand()
        for _ in range(500):
            if isinstance(item, DirItem) and item.loaded and not item.loading:
                return item.problem is None and attached(node)
            await asyncio.sleep(0.01)
        return False

    async def _child_named(self, node: TreeNode[ContainerdItem], name: str) -> TreeNode[ContainerdItem] | None:
        """The entry ``name`` of an opened directory node, reading its next windows until it is there."""
        wanted = node.data.path.rstrip("/") + "/" + name if isinstance(node.data, DirItem) else None
        for _ in range(10_000):
            for child in node.children:
                if isinstance(child.data, DirItem | FileItem) and child.data.path == wanted:
                    return child
            more = node.children[-1] if node.children else None
            if more is None or not isinstance(more.data, MoreFiles):
                return None
            self._more_files(more)
            for _ in range(1000):  # its window replaces it (10 s at most)
                if not attached(more):
                    break
                await asyncio.sleep(0.01)
            else:
                return None
        return None

    # -- reading, in a worker ---------------------------------------------------------------

    @work(thread=True, group="files-load")
    def _read(self, node: TreeNode[ContainerdItem], item: DirItem | DriftItem, generation: int) -> None:
        """A directory's names and first window, or a container's drift; shown when read."""
        result: Any
        try:
            result = self._list_directory(item) if isinstance(item, DirItem) else self._find_drift(item)
        except Exception as error:  # noqa: BLE001 - a hostile node must not end the app
            result = error
        self.app.call_from_thread(self._read_done, node, item, result, generation)

    @batched
    def _read_done(self, node: TreeNode[ContainerdItem], item: DirItem | DriftItem, result: Any,
                   generation: int) -> None:  # fmt: skip
        if generation != self.generation or not attached(node):
            return  # the tree was read again meanwhile
        item.loading, item.loaded = False, True
        for child in list(node.children):
            if isinstance(child.data, Note):
                child.remove()
        if isinstance(result, Exception):
            item.problem = self._say(node, result)
        elif isinstance(item, DirItem):
            self._show_directory(node, item, result)
        else:
            self._show_drift(node, item, result)
        if self.cursor_node is node:
            self.post_message(ShowObject(item))  # the pane now knows the layers, the changes
        self.post_message(TreeFilled(node))

    # -- directories ------------------------------------------------------------------------

    def _list_directory(self, item: DirItem) -> Any:
        """The directory's names, and the entries of its first window (in the worker)."""
        view = item.view or self.model.files_view(item.owner)
        listing = DirectoryListing(view, item.path)
        return view, listing, listing.window(0, FILES_WINDOW)

    def _show_directory(self, node: TreeNode[ContainerdItem], item: DirItem, result: Any) -> None:
        item.view, item.listing, (rows, item.shown) = result
        assert item.view is not None
        if item.is_root:
            node.set_label(files_root_label(item))
            for layer in item.view.layers:
                if layer.missing:
                    node.add_leaf(gap_label(layer), GapItem(item.owner, layer))
        if not rows:
            gap = any(layer.missing for layer in item.view.layers)
            empty = "(nothing here in the layers on disk)" if gap else "(empty)"
            node.add_leaf(Text(empty, style="italic dim"), Note(empty))
        self._add_entries(node, item, rows)

    def _add_entries(self, node: TreeNode[ContainerdItem], item: DirItem, rows: list[tuple[str, Found]]) -> None:
        view = item.view
        assert view is not None and item.listing is not None
        for name, found in rows:
            path = item.path.rstrip("/") + "/" + name
            if found.entry.kind == "dir":
                node.add(entry_label(view, name, found), DirItem(item.owner, path, found, view))
            else:
                node.add_leaf(entry_label(view, name, found), FileItem(item.owner, view, path, found))
        left = len(item.listing) - item.shown
        if left > 0:
            node.add_leaf(more_label(left, "entries"), MoreFiles())

    @work(thread=True, group="files-load")
    def _read_window(self, more: TreeNode[ContainerdItem], item: DirItem, generation: int) -> None:
        assert item.listing is not None
        try:
            result: Any = item.listing.window(item.shown, FILES_WINDOW)
        except Exception as error:  # noqa: BLE001
            result = error
        self.app.call_from_thread(self._window_read, more, item, result, generation)

    @batched
    def _window_read(self, more: TreeNode[ContainerdItem], item: DirItem, result: Any, generation: int) -> None:
        node = more.parent
        if generation != self.generation or node is None or not attached(more):
            return
        if isinstance(result, Exception):
            more.remove()
            self._say(node, result)
            return
        rows, item.shown = result
        was_cursor = self.cursor_node is more
        first = len(node.children) - 1
        more.remove()
        self._add_entries(node, item, rows)
        self._land_after(node, first, was_cursor)

    # -- drift ------------------------------------------------------------------------------

    def _find_drift(self, item: DriftItem) -> Any:
        """The container's changes, and the layers it lacks to tell them (in the worker)."""
        view = self.model.files_view(item.owner, with_parent=True)
        whole = whole_copy(item.owner)
        return view, drift(view, whole), gaps(view, whole)

    def _show_drift(self, node: TreeNode[ContainerdItem], item: DriftItem, result: Any) -> None:
        view, item.changes, missing = result
        item.view = view
        node.set_label(drift_label(item))
        for layer in missing:
            node.add_leaf(gap_label(layer), GapItem(item.owner, layer))
        if not item.changes:
            why = _no_changes(view, missing)
            node.add_leaf(Text(why, style="italic dim" if not missing else "italic red"), Note(why))
        self._add_changes(node, item)

    # -- windows ----------------------------------------------------------------------------

    def _add_changes(self, node: TreeNode[ContainerdItem], item: DriftItem) -> None:
        """The next window of a drift's changes, and "more" if any are left."""
        view = item.view
        assert view is not None
        end = min(item.shown + FILES_WINDOW, len(item.changes))
        for change in item.changes[item.shown : end]:
            node.add_leaf(change_label(change), ChangeItem(item.owner, view, change))
        item.shown = end
        if end < len(item.changes):
            node.add_leaf(more_label(len(item.changes) - end, "changes"), MoreFiles())

    def _more_files(self, more: TreeNode[ContainerdItem]) -> None:
        node = more.parent
        if node is None or not isinstance(more.data, MoreFiles) or more.data.loading:
            return
        more.data.loading = True
        item = node.data
        if isinstance(item, DirItem):
            more.set_label(Text("  loading…", style="italic dim"))
            self._read_window(more, item, self.generation)
            return
        assert isinstance(item, DriftItem)
        was_cursor = self.cursor_node is more
        first = len(node.children) - 1
        more.remove()
        self._add_changes(node, item)
        self._land_after(node, first, was_cursor)

    def _land_after(self, node: TreeNode[ContainerdItem], first: int, was_cursor: bool) -> None:
        """The cursor was on "more": it goes to the first of the entries that replaced it."""
        if was_cursor and first < len(node.children):
            self._tree_lines  # noqa: B018 - the new lines, so the cursor can land
            self.move_cursor(node.children[first])

    def _say(self, node: TreeNode[ContainerdItem], error: Exception) -> str:
        """Why there is nothing to show: a plain note when the files are not there, red when broken."""
        if isinstance(error, FilesUnavailable):
            node.add_leaf(Text(escape(str(error)), style="italic yellow"), Note(str(error)))
            return str(error)
        message = str(error) if isinstance(error, BoltviewError | OSError) else f"{type(error).__name__}: {error}"
        node.add_leaf(Text("⚠ " + escape(message), style="bold red"), Note(message, True))
        return message

    # -- the detail pane ------------------------------------------------------------------

    def show_files_detail(self, pane: DetailPane, item: Any) -> bool:
        """Show one of our nodes in the pane; False when ``item`` is none of ours."""
        self.shown_file = None  # a file's details still being read are no longer wanted
        if isinstance(item, DirItem) and item.is_root:
            if item.problem is not None:
                pane.show_message(Text("files", style="bold cyan"), Text(escape(item.problem), style="yellow"))
            elif item.view is None:
                pane.show_message(Text("files", style="bold cyan"),
                                  Text("Open it to read the layers (in the background).", style="dim"))  # fmt: skip
            else:
                pane.show_message(*layers_parts(item.view, f"files of {item.owner.kind} {escape(_name(item))}"))
        elif isinstance(item, DirItem | FileItem):
            view = item.view
            assert view is not None and item.found is not None
            self._show_file(pane, view, item.path, item.found.layer, item, 0)
        elif isinstance(item, ChangeItem):
            self._show_change(pane, item)
        elif isinstance(item, DriftItem):
            pane.show_message(*_drift_text(item))
        elif isinstance(item, GapItem):
            pane.show_message(*_gap_text(item.layer))
        elif isinstance(item, MoreFiles):
            pane.show_message(Text("more entries: Enter, or move onto it", style="dim"))
        else:
            return False
        return True

    def _show_file(self, pane: DetailPane, view: MergedView, path: str, layer: int, item: Any, page: int) -> None:
        found = view.find(path)
        if found is None:
            pane.show_message(Text(escape(f"{path}: no longer in the view"), style="yellow"))
            return
        self.shown_file = item
        self._read_file(pane, view, path, layer, item, page)
        if page == 0:
            pane.show_message(Text(f"{found.entry.kind} ", style="bold").append(escape(path), style="bold yellow"),
                              Text("reading…", style="italic dim"))  # fmt: skip

    @work(thread=True, group="files-detail", exclusive=True)
    def _read_file(self, pane: DetailPane, view: MergedView, path: str, layer: int, item: Any, page: int) -> None:
        found = view.find(path)
        detail = file_detail(view, path, found) if found is not None else None
        self.app.call_from_thread(self._file_read, pane, view, detail, layer, item, page)

    def _file_read(self, pane: DetailPane, view: MergedView, detail: Any, layer: int, item: Any, page: int) -> None:
        if not self._still_wanted(item) or detail is None:
            return
        pages = page_count(detail)
        page = max(0, min(page, pages - 1))
        pane.show_message(*file_parts(detail, view, layer,
                                      self.clock(), pane.local_tz, page, pane.hex_width()))  # fmt: skip
        pane.scroll_home(animate=False)

        def turn(delta: int) -> bool:
            wanted = max(0, min(page + delta, pages - 1))
            if pages > 1 and wanted != page and self.shown_file is item:
                self._file_read(pane, view, detail, layer, item, wanted)
            return pages > 1

        pane.pager = turn

    def _still_wanted(self, item: Any) -> bool:
        """Whether the pane still shows ``item`` (the cursor and the view did not move on)."""
        return self.shown_file is item and getattr(self.app, "view", "containerd") == "containerd"

    def _show_change(self, pane: DetailPane, item: ChangeItem) -> None:
        self.shown_file = item
        parts: list[RenderableType] = change_parts(item.change, self.clock(), pane.local_tz)
        pane.show_message(*parts)
        found = item.view.find(item.change.path) if item.change.now is not None else None
        if found is not None and found.entry.kind == "file":
            self._read_change_preview(pane, item, parts)

    @work(thread=True, group="files-detail", exclusive=True)
    def _read_change_preview(self, pane: DetailPane, item: ChangeItem, parts: list[RenderableType]) -> None:
        found = item.view.find(item.change.path)
        detail = file_detail(item.view, item.change.path, found) if found is not None else None
        self.app.call_from_thread(self._change_preview_read, pane, item, parts, detail)

    def _change_preview_read(self, pane: DetailPane, item: ChangeItem, parts: list[RenderableType],
                             detail: Any) -> None:  # fmt: skip
        if not self._still_wanted(item) or detail is None:
            return
        pane.show_message(*parts, *preview_parts(detail, 0, pane.hex_width()))


def _name(item: DirItem) -> str:
    owner = item.owner
    return owner.id if isinstance(owner, Container) else owner.key


def _no_changes(view: MergedView, missing: list[Layer]) -> str:
    if missing and view.layers and view.layers[0].missing:
        if layer_unknown(view.layers[0]):
            return "the container's writable layer is unknown (not in the snapshotter's database)"
        return "the container's own layer is missing on disk: its changes cannot be read"
    if missing:
        return "no change can be told: a layer it is compared with is missing on disk"
    return "(no changes: the container's filesystem is its image's)"


def _drift_text(item: DriftItem) -> list[RenderableType]:
    head = Text("drift of container ", style="bold cyan")
    head.append(escape(item.owner.id), style="bold yellow")
    lines: list[RenderableType] = [head]
    if item.problem is not None:
        return [*lines, Text(escape(item.problem), style="yellow")]
    if not item.loaded:
        lines.append(Text("Open it to compare the container's layer with its image's (in the background).",
                          style="dim"))  # fmt: skip
        return lines
    counts: dict[str, int] = {}
    for change in item.changes:
        counts[change.change] = counts.get(change.change, 0) + 1
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items())) or "no changes"
    executable = sum(change.newly_executable for change in item.changes)
    lines.append(Text(summary + (f"; {executable} newly executable (+x)" if executable else "")))
    lines.append(Text("+ added  ~ modified  ✗ deleted  ± added or modified (a layer is missing)  "
                      "+x newly executable", style="dim"))  # fmt: skip
    return lines


def _gap_text(layer: Layer) -> list[RenderableType]:
    if layer_unknown(layer):
        return [Text("layer unknown", style="bold red"), Text(escape(layer.label)),
                Text("meta.db names this snapshot, but the snapshotter's database (not found, or without "
                     "it) does not say which directory holds it: what it held is not shown.",
                     style="dim")]  # fmt: skip
    return [Text("layer missing on disk", style="bold red"),
            Text(escape(layer.label)),
            Text(f"expected at {escape(layer.directory)}", style="dim"),
            Text("The snapshotter's database knows this layer, but its directory is not on the node: "
                 "what it held is not shown, and nothing below it is taken for the container's.",
                 style="dim")]  # fmt: skip
