"""The browser application and its factory, :func:`make_app`.

``make_app(db)`` builds the app for an opened :class:`~boltview.bolt.file.BoltFile`;
the CLI runs it and the tests drive it with Pilot.  The trees share one detail
pane: the containerd view (namespaces and their objects, default for a
containerd metadata database), the store view (any other store boltview
decodes: etcd, podman ...; see :mod:`~boltview.tui.store_actions`) and the raw
view (buckets, keys and values, the default for any other bolt file).  Everything is read lazily: the trees and
the relations in workers; the detail pane reads the one key or bucket header
under the cursor at once, on the event loop, which is one short lookup.

The app never writes the database: it has no edit action at all.  Exports
write a new JSON file, never an existing one, never the database.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, Input

from boltview.bolt.file import BoltFile
from boltview.containerd.snapshotter import parse_parent_key
from boltview.render.text import escape, show_bytes
from boltview.tui.commands import BoltviewCommands
from boltview.tui.exporting import ExportActions
from boltview.tui.filtering import FilterActions
from boltview.tui.groups import GroupTableActions
from boltview.tui.live import LiveActions
from boltview.tui.live_reads import changed_read, read_error
from boltview.tui.marking import MarkActions
from boltview.tui.messages import JumpToObject, JumpToRaw, ShowError, ShowObject, ShowRaw
from boltview.tui.model import describe
from boltview.tui.navigation import NavigationActions
from boltview.tui.screens.help import HelpScreen
from boltview.tui.store_actions import StoreActions
from boltview.tui.transactions import TransactionActions
from boltview.tui.widgets.breadcrumb import Breadcrumb
from boltview.tui.widgets.containerd_tree import ContainerdTree
from boltview.tui.widgets.detail import DetailPane
from boltview.tui.widgets.footer import KeyFooter
from boltview.tui.widgets.header import DbHeader
from boltview.tui.widgets.raw_tree import RawTree
from boltview.tui.widgets.store_detail import StoreRef
from boltview.tui.widgets.store_tree import StoreTree


class BoltviewApp(
    StoreActions, NavigationActions, TransactionActions, FilterActions, ExportActions, LiveActions,
    GroupTableActions, MarkActions,
):
    """Browse one bolt file, read-only."""

    TITLE = "boltview"
    COMMANDS = App.COMMANDS | {BoltviewCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("f", "filter", "Filter"),
        Binding("v", "switch_view", "View"),
        Binding("o", "follow_link", "Link"),
        Binding("colon", "jump", "Jump", key_display=":"),  # and ctrl+g (tui/navigation.py)
        Binding("e", "export", "Export"),
        Binding("c", "copy_value", "Copy"),
        Binding("y", "copy_path", "Copy path", show=False),
        Binding("t", "toggle_txn", "Prev txn"),
        Binding("d", "toggle_marks", "Changes"),
        Binding("n", "next_hit", "Next hit", show=False),
        Binding("N", "previous_hit", "Previous hit", show=False),
        Binding("left_square_bracket", "page(-1)", "Page back", show=False, key_display="["),
        Binding("right_square_bracket", "page(1)", "Page on", show=False, key_display="]"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    #: The footer's keys by how long they stay on a narrow terminal (the rest follow).
    FOOTER_PRIORITY = ("quit", "help", "toggle_txn", "reload", "switch_view", "search",
                       "jump", "filter", "follow_link", "toggle_marks", "export", "copy_value")  # fmt: skip

    DEFAULT_CSS = """
    #main {
        height: 1fr;
    }
    #trees {
        width: 45%;
        min-width: 30;
    }
    #trees > Tree {
        height: 1fr;
    }
    #detail {
        width: 1fr;
    }
    #filter {
        dock: bottom;
        display: none;
        margin-bottom: 1;
    }
    #filter.shown {
        display: block;
    }
    """

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield DbHeader(id="header")
        yield Breadcrumb(id="breadcrumb")
        with Horizontal(id="main"):
            with ContentSwitcher(initial=self.view, id="trees"):
                if self.model is not None:
                    yield ContainerdTree(self.model, self.clock, id="containerd")
                if self.store_view is not None:
                    yield StoreTree(self.store_view, self.db, self.db_lock, id="store")
                yield RawTree(self.db, self.db_lock, id="raw")
            yield DetailPane(self.clock, self.local_tz, id="detail")
        yield Input(
            placeholder="filter keys containing… (Enter to apply, Esc to clear)", id="filter"
        )
        yield KeyFooter(self.FOOTER_PRIORITY, id="footer")

    def on_mount(self) -> None:
        self.title = f"boltview {os.path.basename(self.db.path)}"
        detail = self.detail
        detail.file_path = self.db.path
        detail.byteorder = "little" if self.db.order == "<" else "big"
        self.refresh_header()
        self.watch_file()
        self.current_tree.focus()
        if self.view == "raw":
            self.raw_tree.move_cursor(self.raw_tree.root)

    # -- the detail pane ---------------------------------------------------------------

    @on(ShowRaw)
    def show_raw(self, message: ShowRaw) -> None:
        if self.view != "raw":
            return
        self._show_raw(message.path, message.key)

    def _show_raw(self, path: tuple[bytes, ...], key: bytes | None) -> None:
        detail = self.detail
        try:
            with self.db_lock:
                if key is not None:
                    entry = self.db.bucket(*path).entry(key)
                else:
                    entry = self.db.bucket(*path[:-1]).entry(path[-1]) if path else None
            # On a direct read, a writer's newer transaction is no damage, and after
            # its second commit even a read that worked may have met its pages.
            missing = entry is None and (key is not None or bool(path))
            changed = changed_read(self, self.db, failed=missing)
            if changed is not None:
                detail.show_error(path, changed)
            elif key is None:
                header = entry.value if entry is not None else None
                detail.show_bucket(path, header, self._object_link(path))
            elif entry is None:
                detail.show_error(path, f"key {show_bytes(key)} is gone")
            elif entry.is_bucket:
                detail.show_bucket(path + (key,), entry.value, self._object_link(path + (key,)))
            else:
                extra = self._object_link(path) + self._key_meaning(path, key)
                detail.show_value(path, key, entry.value, extra)
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            detail.show_error(path, read_error(self, self.db, error))

    def _key_meaning(self, path: tuple[bytes, ...], key: bytes) -> list[RenderableType]:
        """Keys that encode something: the snapshotter's ``v1/parents`` index."""
        if self.kind != "containerd-snapshotter" or path != (b"v1", b"parents"):
            return []
        ids = parse_parent_key(key)
        if ids is None:
            return []
        parent, child = ids
        text = Text("key: ", style="bold magenta")
        text.append(f"parent snapshot id {parent}, child snapshot id {child}", style="magenta")
        text.append("  (uvarint 0x00 uvarint; the value is the child's name)", style="dim")
        return [text]

    def _object_link(self, path: tuple[bytes, ...]) -> list[RenderableType]:
        if self.model is None:
            return []
        ref = self.model.object_at(path)
        if ref is None:
            return []
        text = Text("containerd: ", style="bold magenta")
        text.append(escape(describe(ref)), style="magenta")
        text.append("  (o: open in the containerd view)", style="dim")
        return [text]

    @on(ShowObject)
    def show_object(self, message: ShowObject) -> None:
        if self.view != "containerd" or self.model is None:
            return
        tree = self.containerd_tree
        if tree is not None:
            tree.show_detail(self.detail, message.item)

    @on(ShowError)
    def show_error(self, message: ShowError) -> None:
        self.detail.show_error(message.path, message.message)

    @on(JumpToRaw)
    def jump_to_raw(self, message: JumpToRaw) -> None:
        self.set_view("raw")
        self.raw_tree.reveal(message.path, message.key)

    @on(JumpToObject)
    def jump_to_object(self, message: JumpToObject) -> None:
        store_tree = self.store_tree
        if isinstance(message.ref, StoreRef) and store_tree is not None:
            self.set_view("store")
            store_tree.reveal(message.ref.path)
            return
        if self.model is None or self.containerd_tree is None:
            return
        self.set_view("containerd")
        self.containerd_tree.reveal(message.ref)

    # -- help, search, filter ------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_page(self, delta: int) -> None:
        self.detail.turn_page(delta)


def make_app(
    db: BoltFile,
    *,
    clock: Callable[[], datetime] | None = None,
    local_tz: tzinfo | None = None,
    view: str | None = None,
) -> BoltviewApp:
    """The browser for ``db``.

    ``clock`` gives "now" for ages (tests fix it), ``local_tz`` the zone times
    are shown in besides UTC (default: the system's), ``view`` the first view
    ("containerd", "store" or "raw"; default: containerd for a containerd
    metadata database, store for a file whose store has a view, else raw).
    """
    return BoltviewApp(db, clock=clock, local_tz=local_tz, view=view)
