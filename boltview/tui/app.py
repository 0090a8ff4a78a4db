"""The browser application and its factory, :func:`make_app`.

``make_app(db)`` builds the app for an opened :class:`~boltview.bolt.file.BoltFile`;
the CLI runs it and the tests drive it with Pilot.  Two trees share one detail
pane: the containerd view (namespaces and their objects, default for a
containerd metadata database) and the raw view (buckets, keys and values, the
default for any other bolt file).  Everything is read lazily: the trees and
the relations in workers; the detail pane reads the one key or bucket header
under the cursor at once, on the event loop, which is one short lookup.

The app never writes the database: it has no edit action at all.  Exports
write a new JSON file, never an existing one, never the database.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import BinaryIO, ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, Footer, Input, Tree

from boltview.bolt.file import BoltFile
from boltview.containerd.export import write_raw
from boltview.containerd.snapshotter import parse_parent_key
from boltview.errors import BoltviewError
from boltview.provenance import write_export_record
from boltview.render.text import escape, show_bytes, show_path
from boltview.tui.commands import BoltviewCommands
from boltview.tui.messages import JumpToObject, JumpToRaw, ShowError, ShowObject, ShowRaw
from boltview.tui.model import ContainerdModel, describe, detect
from boltview.tui.screens.export import ExportRequest, ExportScreen
from boltview.tui.screens.help import HelpScreen
from boltview.tui.screens.search import SearchResult, SearchScreen
from boltview.tui.values import plural, pretty_json, read_value
from boltview.tui.widgets.containerd_tree import ContainerdTree
from boltview.tui.widgets.detail import DetailPane, cli_words, escape_lines
from boltview.tui.widgets.header import DbHeader
from boltview.tui.widgets.raw_tree import BucketItem, RawTree


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BoltviewApp(App[None]):
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
        Binding("e", "export", "Export"),
        Binding("c", "copy_value", "Copy"),
        Binding("y", "copy_path", "Copy path", show=False),
        Binding("t", "toggle_txn", "Prev txn"),
        Binding("n", "next_hit", "Next hit", show=False),
        Binding("N", "previous_hit", "Previous hit", show=False),
        Binding("left_square_bracket", "page(-1)", "Page back", show=False, key_display="["),
        Binding("right_square_bracket", "page(1)", "Page on", show=False, key_display="]"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

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

    def __init__(
        self,
        db: BoltFile,
        *,
        clock: Callable[[], datetime] | None = None,
        local_tz: tzinfo | None = None,
        view: str | None = None,
    ) -> None:
        super().__init__()
        self.base_db = db
        self.db = db
        self.previous = False
        self.clock = clock or _utc_now
        self.local_tz = local_tz
        self.db_lock = threading.RLock()
        self.kind = detect(db)
        self.model: ContainerdModel | None = (
            ContainerdModel(db, self.db_lock) if self.kind == "containerd-metadata" else None
        )
        if view is None:
            view = "containerd" if self.model is not None else "raw"
        if view == "containerd" and self.model is None:
            view = "raw"
        self.view = view
        self.search_result: SearchResult | None = None
        self.last_export: str | None = None

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield DbHeader(id="header")
        with Horizontal(id="main"):
            with ContentSwitcher(initial=self.view, id="trees"):
                if self.model is not None:
                    yield ContainerdTree(self.model, self.clock, id="containerd")
                yield RawTree(self.db, self.db_lock, id="raw")
            yield DetailPane(self.clock, self.local_tz, id="detail")
        yield Input(
            placeholder="filter keys containing… (Enter to apply, Esc to clear)", id="filter"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"boltview {os.path.basename(self.db.path)}"
        detail = self.detail
        detail.file_path = self.db.path
        detail.byteorder = "little" if self.db.order == "<" else "big"
        self.refresh_header()
        self.current_tree.focus()
        if self.view == "raw":
            self.raw_tree.move_cursor(self.raw_tree.root)

    @property
    def raw_tree(self) -> RawTree:
        return self.query_one("#raw", RawTree)

    @property
    def containerd_tree(self) -> ContainerdTree | None:
        found = self.query("#containerd")
        return found.first(ContainerdTree) if found else None

    @property
    def current_tree(self) -> RawTree | ContainerdTree:
        tree = self.containerd_tree if self.view == "containerd" else None
        return tree if tree is not None else self.raw_tree

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def refresh_header(self) -> None:
        self.query_one(DbHeader).show(self.db, self.kind, self.view, self.previous)

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
                if key is None:
                    header = None
                    if path:
                        entry = self.db.bucket(*path[:-1]).entry(path[-1])
                        header = entry.value if entry is not None else None
                    detail.show_bucket(path, header, self._object_link(path))
                    return
                entry = self.db.bucket(*path).entry(key)
            if entry is None:
                detail.show_error(path, f"key {show_bytes(key)} is gone")
            elif entry.is_bucket:
                detail.show_bucket(path + (key,), entry.value, self._object_link(path + (key,)))
            else:
                extra = self._object_link(path) + self._key_meaning(path, key)
                detail.show_value(path, key, entry.value, extra)
        except BoltviewError as error:
            detail.show_error(path, str(error))
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            detail.show_error(path, f"{type(error).__name__}: {error}")

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
        if self.model is None or self.containerd_tree is None:
            return
        self.set_view("containerd")
        self.containerd_tree.reveal(message.ref)

    # -- views -------------------------------------------------------------------------

    def set_view(self, view: str) -> None:
        if view == "containerd" and self.containerd_tree is None:
            self.notify("not a containerd metadata database: only the raw view", severity="warning")
            return
        self.view = view
        self.query_one(ContentSwitcher).current = view
        self.refresh_header()
        tree = self.current_tree
        tree.focus()
        node = tree.cursor_node
        if node is not None:
            # Show what the cursor is on in this view.
            tree.post_message(Tree.NodeHighlighted(node))  # type: ignore[misc]

    def action_switch_view(self) -> None:
        self.set_view("raw" if self.view == "containerd" else "containerd")

    def action_follow_link(self) -> None:
        if self.model is None:
            self.notify("no containerd objects in a plain bolt file", severity="warning")
            return
        if self.view == "containerd":
            tree = self.containerd_tree
            raw = tree.selected_raw_path() if tree is not None else None
            if raw is None:
                self.notify("nothing under the cursor has a raw bucket", severity="warning")
                return
            self.post_message(JumpToRaw(*raw))
            return
        selected = self.raw_tree.selected_path()
        if selected is None:
            return
        bucket_path, key, _ = selected
        full = bucket_path + (key,) if key is not None else bucket_path
        ref = self.model.object_at(full)
        if ref is None:
            self.notify("this bucket belongs to no containerd object", severity="warning")
            return
        self.post_message(JumpToObject(ref))

    # -- transactions ----------------------------------------------------------------------

    def action_toggle_txn(self) -> None:
        if self.previous:
            db = self.base_db
        else:
            other = 1 - self.base_db.meta.index
            try:
                db = self.base_db.with_meta(other)
            except BoltviewError as error:
                self.notify(f"no previous transaction: {escape(str(error))}", severity="error")
                return
        self.previous = not self.previous
        self.db = db
        self.raw_tree.set_db(db)
        if self.model is not None:
            self.model.set_db(db)
            tree = self.containerd_tree
            if tree is not None:
                tree.rebuild()
        self.refresh_header()
        which = f"previous transaction: txid {db.txid} (meta {db.meta.index})"
        self.notify(which if self.previous else f"back to the active transaction: txid {db.txid}")

    # -- help, search, filter ------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_search(self) -> None:
        query = self.search_result.query if self.search_result else ""
        self.push_screen(SearchScreen(self.db, query), self._searched)

    def _searched(self, result: SearchResult | None) -> None:
        if result is None or not result.hits:
            return
        self.search_result = result
        self._go_to_hit()

    def _go_to_hit(self) -> None:
        result = self.search_result
        if result is None or not result.hits:
            self.notify("no search results: press / to search", severity="warning")
            return
        hit = result.hits[result.index]
        self.set_view("raw")
        self.raw_tree.reveal(hit.path, hit.key)
        self.notify(f"result {result.index + 1} of {len(result.hits)}", timeout=2)

    def action_next_hit(self) -> None:
        if self.search_result and self.search_result.hits:
            self.search_result.index = (self.search_result.index + 1) % len(self.search_result.hits)
        self._go_to_hit()

    def action_previous_hit(self) -> None:
        if self.search_result and self.search_result.hits:
            self.search_result.index = (self.search_result.index - 1) % len(self.search_result.hits)
        self._go_to_hit()

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

    def action_page(self, delta: int) -> None:
        self.detail.turn_page(delta)

    # -- copy ---------------------------------------------------------------------------

    def action_copy_value(self) -> None:
        shown = self.detail.shown
        if shown.kind == "value" and shown.key is not None:
            reading = read_value(shown.value, shown.key)
            if reading.decoded is not None and reading.kind in ("json", "any", "protobuf"):
                text = pretty_json(reading.decoded)
            elif reading.kind == "text":
                text = escape_lines(shown.value.decode("utf-8", "backslashreplace"))
            else:
                text = shown.value.hex()
            self.copy_to_clipboard(text)
            self.notify(f"copied {plural(len(text), 'character')} ({reading.kind})")
        elif shown.kind == "object" and self.model is not None:
            text = pretty_json(self.model.to_json(shown.obj))
            self.copy_to_clipboard(text)
            self.notify(f"copied the object as JSON ({plural(len(text), 'character')})")
        else:
            self.notify("move the cursor onto a value or an object first", severity="warning")

    def action_copy_path(self) -> None:
        path = self._selected_raw_path()
        if path is None:
            self.notify("nothing selected", severity="warning")
            return
        bucket, key = path
        words = cli_words(bucket + ((key,) if key is not None else ()))
        self.copy_to_clipboard(words)
        self.notify(f"copied: {words or '(root)'}")

    def _selected_raw_path(self) -> tuple[tuple[bytes, ...], bytes | None] | None:
        if self.view == "containerd" and self.containerd_tree is not None:
            return self.containerd_tree.selected_raw_path()
        selected = self.raw_tree.selected_path()
        if selected is None:
            return None
        return selected[0], selected[1]

    # -- export --------------------------------------------------------------------------

    def action_export(self) -> None:
        if self.view == "containerd" and self.containerd_tree is not None:
            tree = self.containerd_tree
            target = tree.export_target()
            writer = tree.export_writer()
            if target is None or writer is None:
                self.notify("move the cursor onto an object or a group first", severity="warning")
                return
            what, name = target
            screen = ExportScreen(f"export {what}", _default_name(name), raw=False)
            self.push_screen(screen, lambda request: self._export(request, writer))
            return
        selected = self.raw_tree.selected_path()
        if selected is None:
            return
        path, key, _ = selected
        full = path + ((key,) if key is not None else ())
        what = f"export {'key' if key is not None else 'bucket'} {escape(show_path(full))}"
        name = show_bytes(full[-1]) if full else "root"
        self.push_screen(
            ExportScreen(what, _default_name(name), raw=True),
            lambda request: self._export(request, self._raw_writer(request, path, key)),
        )

    def _raw_writer(
        self, request: ExportRequest | None, path: tuple[bytes, ...], key: bytes | None
    ) -> Callable[[BinaryIO], None]:
        encoding = request.encoding if request is not None else "text"
        db = self.db
        # A private view of the file: a long dump does not hold the tree's lock.
        return lambda out: write_raw(db.with_meta(db.meta.index), path, key, encoding, out)

    def _export(self, request: ExportRequest | None, writer: Callable[[BinaryIO], None]) -> None:
        if request is not None:
            self._write_export(request.path, writer)

    @work(thread=True, group="export")
    def _write_export(self, path: str, writer: Callable[[BinaryIO], None]) -> None:
        target = os.path.abspath(os.path.expanduser(path))
        try:
            if os.path.exists(target):
                if os.path.samefile(target, self.db.path):
                    raise OSError("that is the database itself")
                raise OSError(f"{target} exists; boltview never overwrites a file")
            out = open(target, "xb")  # noqa: SIM115 - "x": never overwrite
            try:
                with out:
                    writer(out)
            except BaseException:
                # Only the file we just created is removed: a half export misleads.
                with contextlib.suppress(OSError):
                    os.unlink(target)
                raise
            size = os.path.getsize(target)
            write_export_record(target, self.db)
            self.last_export = target
            self.call_from_thread(
                self.notify, f"exported to {escape(target)} ({plural(size, 'byte')})", title="export"
            )
        except Exception as error:  # noqa: BLE001 - reported, the app goes on
            self.call_from_thread(
                self.notify, f"export failed: {escape(str(error))}", severity="error"
            )



def _default_name(name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60].strip("._")
    return f"boltview-{safe or 'export'}.json"


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
    ("containerd" or "raw"; default: containerd for a containerd metadata
    database, else raw).
    """
    return BoltviewApp(db, clock=clock, local_tz=local_tz, view=view)
