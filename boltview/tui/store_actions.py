"""The store view's part of the browser: its detail pane, links, and the keys that
mean something else there.

For a file whose store has a view (etcd, podman, docker's stores ...), the
store view is the default one: ``v`` switches to the raw buckets and back,
``o`` on a node opens the bucket and key it was read from (and, in the raw
view, comes back), Enter on a link in the detail pane goes to its target,
``f`` filters the open node under the cursor by name (as in the other views),
``t`` reads the other transaction and ``r`` a reloaded file into the same
tree, keeping the place; ``d`` marks what the last transaction changed, as
``diff`` tells it (etcd: the revisions it wrote).  ``e`` exports the node under the cursor (on the root,
the whole store) as ``inspect``/``export`` write it; ``c`` copies it as that
JSON, ``y`` the bucket and key it was read from as CLI arguments.  ``:`` jumps
to any object of the store by name (see :mod:`~boltview.tui.store_names`), from
the raw view too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, BinaryIO

from rich.text import Text
from textual import on, work
from textual.widgets import Tree

from boltview.bolt.file import BoltFile
from boltview.provenance import provenance
from boltview.render.json import json_text
from boltview.render.text import escape
from boltview.stores.changes import store_changes
from boltview.stores.document import object_json, write_store_export
from boltview.stores.view import StoreChange, StoreNode, StoreView
from boltview.tui.base import store_view_of
from boltview.tui.exporting import ExportActions
from boltview.tui.filtering import FilterActions
from boltview.tui.groups import GroupTableActions
from boltview.tui.history import Place, cut
from boltview.tui.live import LiveActions
from boltview.tui.live import Place as LivePlace
from boltview.tui.marking import MarkActions
from boltview.tui.messages import JumpToRaw
from boltview.tui.navigation import NavigationActions
from boltview.tui.screens.export import ExportScreen
from boltview.tui.store_names import store_source
from boltview.tui.transactions import TransactionActions
from boltview.tui.widgets.detail import cli_words
from boltview.tui.widgets.store_detail import (
    findings_part,
    store_links,
    store_node_parts,
    store_root_parts,
)
from boltview.tui.widgets.store_tree import ShowStoreNode, StoreItem, StoreTree, shown


@dataclass(frozen=True, slots=True)
class StorePlace(Place):
    """A place in the store view: a node by its path (the root when empty)."""

    program: str = ""
    store_path: tuple[str, ...] = ()

    def crumbs(self) -> list[str]:
        return [escape(self.program or "store"), *(cut(shown(part)) for part in self.store_path)]


class StoreActions(
    NavigationActions, TransactionActions, FilterActions, ExportActions, LiveActions,
    GroupTableActions, MarkActions,
):  # fmt: skip
    """The store view's detail pane, and ``o``, ``v``, ``t``, ``r``, ``e``, ``d`` in it."""

    # -- the detail pane -----------------------------------------------------------------

    @on(ShowStoreNode)
    def _show_store_node(self, message: ShowStoreNode) -> None:
        tree = self.store_tree
        if self.view != "store" or tree is None:
            return
        node = message.node
        self.place = StorePlace("store", program=tree.view.store.program,
                                store_path=node.path if node is not None else ())  # fmt: skip
        self.show_place()
        detail = self.detail
        if node is None:
            detail.show_message(*store_root_parts(tree.view, self.db.path, self.db.txid))
            self._find_findings(tree.view, self.db)
            return
        parts, more = store_node_parts(node, self.clock(), self.local_tz)
        for change in tree.changes.get(node.path, []):
            parts.append(Text(f"last transaction: {escape(change.text)}", style="bold yellow"))
        detail.show_object_view(node, parts, more)
        if node.links:
            self._find_store_links(tree.view, node)
        else:
            detail.show_links(node, [])

    @work(thread=True, exclusive=True, group="store-links")
    def _find_store_links(self, view: StoreView, node: StoreNode) -> None:
        try:
            with self.db_lock:
                links = store_links(view, node)
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            self.call_from_thread(self.notify, f"links unreadable: {escape(str(error))}",
                                  severity="error", markup=False)  # fmt: skip
            return
        self.call_from_thread(self.detail.show_links, node, links)

    @work(thread=True, exclusive=True, group="store-findings")
    def _find_findings(self, view: StoreView, db: BoltFile) -> None:
        """What the store finds wrong with itself, under the root's description."""
        try:
            with self.db_lock:
                findings = view.findings()
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            findings = [f"findings unreadable: {error}"]
        self.call_from_thread(self._show_findings, view, db, findings)

    def _show_findings(self, view: StoreView, db: BoltFile, findings: list[str]) -> None:
        tree = self.store_tree
        if self.view != "store" or tree is None or tree.view is not view:
            return
        if tree.cursor_node is not tree.root:
            return  # the pane moved on
        parts = store_root_parts(view, db.path, db.txid)
        self.detail.show_message(*parts, findings_part(findings))

    # -- keys that mean something else in the store view -----------------------------------

    def action_follow_link(self) -> None:
        tree = self.store_tree
        if tree is None:
            super().action_follow_link()
            return
        if self.view != "store":
            self._back_to_store()  # from the raw bytes back to what they are
            return
        node = tree.selected_node()
        if node is None or not node.source:
            self.notify("nothing under the cursor has a raw bucket", severity="warning")
            return
        if node.origin is not None:
            self.notify(f"read from {escape(node.origin[0])}: open that file for its raw bytes",
                        severity="warning", markup=False)  # fmt: skip
            return
        self.post_message(JumpToRaw(node.source[:-1], node.source[-1]))

    def action_switch_view(self) -> None:
        tree = self.store_tree
        if tree is None:
            super().action_switch_view()
            return
        if self.view != "store":
            self._back_to_store()
            return
        node = tree.selected_node()
        self.set_view("raw")
        if node is not None and node.source and node.origin is None:
            self.raw_tree.reveal(node.source[:-1], node.source[-1])

    def _back_to_store(self) -> None:
        """The store view, on the node the raw key under the cursor was read as (when the
        view says which: ``path_of``), else where its cursor was."""
        tree = self.store_tree
        selected = self.raw_tree.selected_path()
        self.set_view("store")
        path_of = getattr(tree.view, "path_of", None) if tree is not None else None
        if tree is None or selected is None or path_of is None:
            return
        bucket, key, _ = selected
        source = bucket + (key,) if key is not None else bucket
        try:
            with self.db_lock:
                path = path_of(source)
        except Exception:  # noqa: BLE001 - a hostile file must not end the app
            path = None
        if path:
            tree.reveal(path)

    def _go_to(self, place: Place) -> None:
        tree = self.store_tree
        if not isinstance(place, StorePlace) or tree is None:
            super()._go_to(place)
            return
        self.set_view("store")
        if place.store_path:
            tree.reveal(place.store_path)
        else:
            tree.move_cursor(tree.root)
        self.place = place
        self.show_place()

    def action_filter(self) -> None:
        super().action_filter()
        box, tree = self.filter_box, self.store_tree
        node = tree.filter_scope(tree.cursor_node) if tree is not None else None
        item = node.data if node is not None else None
        if self.view == "store" and box.has_class("shown") and isinstance(item, StoreItem):
            box.border_title = f"filter {shown(item.node.title)}"

    def action_jump(self) -> None:
        tree = self.store_tree
        if tree is None or self.view == "containerd":
            super().action_jump()
            return
        view, lock = tree.view, self.db_lock
        self.open_jump("store", lambda: store_source(view, lock))

    def action_copy_value(self) -> None:
        tree = self.store_tree
        node = tree.selected_node() if tree is not None and self.view == "store" else None
        if node is None:
            super().action_copy_value()
            return
        text = json_text(object_json(node, self.db.txid))
        self.copy_to_clipboard(text)
        self.notify(f"copied the {escape(node.kind)} as JSON ({len(text)} characters)",
                    markup=False)  # fmt: skip

    def action_copy_path(self) -> None:
        tree = self.store_tree
        node = tree.selected_node() if tree is not None and self.view == "store" else None
        if node is None or not node.source or node.origin is not None:
            super().action_copy_path()
            return
        words = cli_words(node.source)
        self.copy_to_clipboard(words)
        self.notify(f"copied: {words}", markup=False)

    # -- what the last transaction changed (d) --------------------------------------------

    def action_toggle_marks(self) -> None:
        tree = self.store_tree
        if self.view != "store" or tree is None:
            super().action_toggle_marks()
            return
        if tree.changes:
            tree.set_changes([])
            self.notify("changes: hidden")
            return
        self.notify("reading what the last transaction changed…")
        self._read_store_changes(tree, self.base_db)

    @work(thread=True, exclusive=True, group="store-changes")
    def _read_store_changes(self, tree: StoreTree, db: BoltFile) -> None:
        try:
            old = db.with_meta(1 - db.meta.index)
            with self.db_lock:
                found = store_changes(old, db) if old.meta.valid else None
            told = (
                f"txid {db.txid} since txid {old.txid}" if found is not None
                else "the previous transaction is not readable as this store"
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            found, told = None, f"changes unreadable: {error}"
        self.call_from_thread(self._got_store_changes, tree, found, told)

    def _got_store_changes(
        self, tree: StoreTree, found: tuple[str, list[StoreChange]] | None, told: str
    ) -> None:
        if found is None:
            self.notify(escape(told), severity="warning", markup=False)
            return
        _, changes = found
        tree.set_changes(changes)
        lines = [escape(change.text) for change in changes[:5]]
        more = [f"… and {len(changes) - 5} more"] if len(changes) > 5 else []
        summary = f"{told}: {len(changes)} changes" if changes else f"{told}: no change"
        self.notify("\n".join([summary, *lines, *more]), markup=False)
        node = tree.cursor_node
        if node is not None:
            tree.post_message(Tree.NodeHighlighted(node))  # type: ignore[misc]

    # -- another transaction, a reloaded file ---------------------------------------------

    def action_toggle_txn(self) -> None:
        super().action_toggle_txn()
        self._read_store_again()

    def _show_reopened(self, db: BoltFile, place: LivePlace) -> None:
        super()._show_reopened(db, place)
        self._read_store_again()

    def _read_store_again(self) -> None:
        tree = self.store_tree
        if tree is None or tree.db is self.db:
            return
        view = store_view_of(self.db)
        if view is None:
            self.notify("this transaction cannot be read as the store: raw view only",
                        severity="warning")  # fmt: skip
            return
        self.store_view = view
        tree.changes = {}  # of the transaction read before
        tree.set_view(view, self.db)
        if self.view == "store":
            tree.focus()

    # -- export ------------------------------------------------------------------------------

    def action_export(self) -> None:
        tree = self.store_tree
        if self.view != "store" or tree is None:
            super().action_export()
            return
        view, db = tree.view, self.db
        node = tree.selected_node()
        if node is None:
            what, name = f"the whole {view.store.program} store", f"{view.store.kind}-store"

            def writer(out: BinaryIO) -> None:
                text = io.TextIOWrapper(out, encoding="ascii", newline="\n")
                write_store_export(view, db, text, include_secrets=False)
                text.flush()
                text.detach()
        else:
            what, name = f"{node.kind} {escape(node.title)}", f"{node.kind}-{node.title}"

            def writer(out: BinaryIO) -> None:
                document: dict[str, Any] = object_json(node, db.txid)
                document["file"] = provenance(db)
                out.write(json_text(document).encode("ascii") + b"\n")

        screen = ExportScreen(f"export {what}", self._free_name(name), raw=False)
        self.push_screen(screen, lambda request: self._export(request, writer))
