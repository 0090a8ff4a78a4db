"""Moving through the file: links between the views, jumps by name, search, back and forward.

Every move that follows a link goes through :class:`~boltview.tui.messages.JumpToObject`
or :class:`~boltview.tui.messages.JumpToRaw`: ``o``, Enter on a relation in
the detail pane, a jump by name (``:``), a search result.  Handling them
here, the browser leaves the place the cursor was on in its history, so
``backspace`` (or ``alt+left``) comes back to it and ``alt+right`` goes forward
again, as in a web browser.  The place is what the detail pane was last
asked to show, kept up to date from :class:`~boltview.tui.messages.ShowObject`
and :class:`~boltview.tui.messages.ShowRaw`; the line under the header shows
it as a path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, ClassVar

from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.widgets import Input
from textual.worker import get_current_worker

from boltview.containerd.model import ObjectRef
from boltview.tui.base import AppBase
from boltview.tui.history import History, Place
from boltview.tui.messages import JumpToObject, JumpToRaw, ShowObject, ShowRaw
from boltview.tui.names import NAME_LIMIT, NameIndex, NameSource, containerd_source, object_names
from boltview.tui.screens.jump import JumpScreen
from boltview.tui.screens.search import SearchResult, SearchScreen
from boltview.tui.widgets.breadcrumb import Breadcrumb, SearchPosition
from boltview.tui.widgets.containerd_items import GroupItem


def place_of(item: Any) -> Place:
    """The place of what the containerd tree shows: an object, a group, or its root."""
    if isinstance(item, GroupItem):
        return Place.in_group(item.namespace, item.kind, item.snapshotter)
    ref = getattr(item, "ref", None)
    return Place.object(ref) if isinstance(ref, ObjectRef) else Place.containerd_root()


class NavigationActions(AppBase):
    """``o``, ``:``, ``/``, ``n``, ``N``, and back and forward through them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "jump", "Jump", show=False),  # ":" is bound in tui/app.py, in the footer
        Binding("backspace,alt+left", "go_back", "Back", show=False),
        Binding("alt+right", "go_forward", "Forward", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.history = History()
        self.place: Place | None = None
        self.names: dict[str, NameIndex] = {}  # by view: the names read for the jump box

    # -- where the cursor is -------------------------------------------------------------

    @on(ShowObject)
    def _place_object(self, message: ShowObject) -> None:
        if self.view == "containerd":
            self.place = place_of(message.item)
            self.show_place()

    @on(ShowRaw)
    def _place_raw(self, message: ShowRaw) -> None:
        if self.view == "raw":
            self.place = Place.raw(message.path, message.key)
            self.show_place()

    def show_place(self) -> None:
        """The line under the header: the place, the history, the search result."""
        result = self.search_result
        position = None
        if result is not None and result.hits:
            position = SearchPosition(result.query, result.index, len(result.hits))
        found = self.query(Breadcrumb)
        if found:
            history = self.history
            found.first().show(self.place, len(history.behind), len(history.ahead), position)

    # -- following links, and coming back ------------------------------------------------------

    @on(JumpToObject)
    @on(JumpToRaw)
    def _left_behind(self) -> None:
        # The app's own handlers move the cursor; the place is still the one left.
        self.history.follow(self.place)
        self.show_place()

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

    def action_go_back(self) -> None:
        target = self.history.back(self.place)
        if target is None:
            self.notify("nothing to go back to", timeout=2)
            return
        self._go_to(target)

    def action_go_forward(self) -> None:
        target = self.history.forward(self.place)
        if target is None:
            self.notify("nothing to go forward to", timeout=2)
            return
        self._go_to(target)

    def _go_to(self, place: Place) -> None:
        """Show ``place`` again, in its view, without adding to the history."""
        tree = self.containerd_tree
        if place.view == "containerd" and tree is not None:
            self.set_view("containerd")
            if place.ref is not None:
                tree.reveal(place.ref)
            elif place.group is not None:
                tree.reveal_group(*place.group)
            else:
                tree.move_cursor(tree.root)
                tree.scroll_home(animate=False)
        elif place.view == "raw":
            self.set_view("raw")
            self.raw_tree.reveal(place.path, place.key)
        self.place = place
        self.show_place()

    # -- jump by name ----------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """A printable key that reached the app while the jump box is open was typed before
        the box took the focus (``:web`` in one burst, as a paste or tmux sends it): Textual
        sent it to the tree, and it goes into the box instead (see tui/filtering.py)."""
        screen = self.screen
        if isinstance(screen, JumpScreen) and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            screen.query_one(Input).insert_text_at_cursor(event.character)

    def action_jump(self) -> None:
        model = self.model
        if model is None:
            self.notify("no containerd objects in a plain bolt file: nothing to jump to",
                        severity="warning")  # fmt: skip
            return

        def source() -> NameSource:
            reader = model.private_reader()  # the worker's own: the tree reads meanwhile
            return containerd_source(
                lambda cancelled, limit, problems: object_names(reader, cancelled, limit, problems)
            )

        self.open_jump("containerd", source)

    def open_jump(self, view: str, source: Callable[[], NameSource]) -> None:
        """The jump box over ``view``'s names: read once per transaction, by ``source()``."""
        index = self.names.get(view)
        if index is None or index.db is not self.db:
            index = self.names[view] = NameIndex(self.db, source())
            self._read_names(index)
        self.push_screen(JumpScreen(index), self._jumped)

    def _jumped(self, ref: Hashable | None) -> None:
        if ref is not None:
            self.post_message(JumpToObject(ref))

    @work(thread=True, exclusive=True, group="jump-names")
    def _read_names(self, index: NameIndex) -> None:
        worker = get_current_worker()
        problems: list[str] = []
        batch: list[Any] = []
        count, last = 0, time.monotonic()
        try:
            for name in index.source.read(lambda: worker.is_cancelled, NAME_LIMIT, problems):
                batch.append(name)
                count += 1
                if time.monotonic() - last > 0.1:
                    self.call_from_thread(self._names_read, index, batch, None)
                    batch, last = [], time.monotonic()
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            problems.append(f"stopped: {error}")
        if count >= NAME_LIMIT:
            problems.insert(0, f"only the first {NAME_LIMIT:,} names")
        if not worker.is_cancelled:
            self.call_from_thread(self._names_read, index, batch, problems)

    def _names_read(self, index: NameIndex, names: list[Any], problems: list[str] | None) -> None:
        """More names for ``index``; ``problems`` (a list, maybe empty) when it is complete."""
        index.names.extend(names)
        if problems is not None:
            index.done = True
            index.note = "; ".join(problems[:3])
        if isinstance(self.screen, JumpScreen) and self.screen.index is index:
            self.screen.more_names()

    # -- search ----------------------------------------------------------------------------

    def action_search(self) -> None:
        query = self.search_result.query if self.search_result else ""
        locate = self.model.object_at if self.model is not None else None
        self.push_screen(SearchScreen(self.db, query, locate), self._searched)

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
        ref = result.refs[result.index] if result.refs else None
        if ref is not None and self.containerd_tree is not None:
            self.post_message(JumpToObject(ref))
        else:
            self.post_message(JumpToRaw(hit.path, hit.key))
        self.show_place()

    def action_next_hit(self) -> None:
        if self.search_result and self.search_result.hits:
            self.search_result.index = (self.search_result.index + 1) % len(self.search_result.hits)
        self._go_to_hit()

    def action_previous_hit(self) -> None:
        if self.search_result and self.search_result.hits:
            self.search_result.index = (self.search_result.index - 1) % len(self.search_result.hits)
        self._go_to_hit()
