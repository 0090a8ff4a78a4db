"""``:`` or ``ctrl+g``: jump to any object of the view by name, from anywhere.

A box and the objects whose kind, place or name hold every word typed,
updated as one types (matched in a worker).  The names are read by a worker (the app's; see
:mod:`~boltview.tui.names`) and arrive while the box is open: until the last
one has, the box says "loading…".  Enter opens the highlighted object (the
best match, as one types) in its view; ↓ goes to the list, Tab back to the
box, Esc closes.  What the objects are, how their names are read and how a
match is drawn is the view's :class:`~boltview.tui.names.NameSource`
(containerd's, or the store view's: :mod:`~boltview.tui.store_names`).
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from boltview.render.text import escape
from boltview.tui.names import NameIndex, matching

#: Matches shown in the list; the status line says how many there are in all.
SHOWN = 200


class JumpScreen(ModalScreen[Hashable | None]):
    """A name box over the list of the objects it matches."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("down", "to_list", "Matches", show=False),
    ]

    DEFAULT_CSS = """
    JumpScreen {
        align: center middle;
    }
    JumpScreen > Vertical {
        width: 90%;
        height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    JumpScreen #jump-status {
        height: 1;
        width: 100%;
    }
    JumpScreen OptionList {
        height: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, index: NameIndex) -> None:
        super().__init__()
        self.index = index
        self.shown: list[Any] = []
        self.shown_for: str | None = None  # the query ``shown`` answers
        self.busy = False  # a match is running: the next waits for it
        self.again = False  # something changed while it ran: match again after it
        self.open_first = False  # Enter came before the match for the box's text
        self.names_seen = 0.0  # when names that arrived last were matched

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.index.source.title
            box.border_subtitle = "Enter open · ↓ matches · Esc close"
            yield Input(placeholder=self.index.source.placeholder, id="jump-input")
            yield Label("", id="jump-status")
            yield OptionList(id="jump-matches")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.refilter()

    @property
    def matches(self) -> OptionList:
        return self.query_one("#jump-matches", OptionList)

    @property
    def query_text(self) -> str:
        return self.query_one(Input).value

    def more_names(self) -> None:
        """The worker read more names: match them too (at most twice a second while it reads)."""
        now = time.monotonic()
        if self.index.done or now - self.names_seen > 0.5:
            self.names_seen = now
            self.refilter()

    def refilter(self) -> None:
        """Match the box against the names read so far; one match at a time."""
        if self.busy:
            self.again = True
            return
        self.busy = True
        self._match(self.query_text, list(self.index.names))

    @work(thread=True, group="jump-match")
    def _match(self, query: str, names: list[Any]) -> None:
        # A worker: matching a hundred thousand names takes a tenth of a second.
        found, total = matching(names, query, SHOWN)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._matched, query, found, total)

    def _matched(self, query: str, found: list[Any], total: int) -> None:
        self.busy = False
        if not self.is_attached:
            return  # closed meanwhile
        if self.again:
            self.again = False
            self.refilter()
        if query != self.query_text:
            return  # typed on meanwhile: the match for the new text is running
        if found != self.shown:
            matches = self.matches
            was = self.shown[matches.highlighted] if matches.highlighted is not None else None
            self.shown = found
            matches.clear_options()
            label = self.index.source.label
            matches.add_options(Option(label(name), id=str(i)) for i, name in enumerate(found))
            if found:
                matches.highlighted = found.index(was) if was in found else 0
        self.shown_for = query
        self._status(total)
        if self.open_first and found:
            self.dismiss(found[0].ref)
        elif self.open_first and self.index.done and not self.busy:
            self.open_first = False
            self.notify("no object by that name", severity="warning")

    def _status(self, total: int) -> None:
        index = self.index
        known = f"{len(index.names):,} object" + ("" if len(index.names) == 1 else "s")
        text = f"{total:,} of {known} match" if self.query_text.strip() else known
        if total > len(self.shown):
            text += f" (the first {len(self.shown)} shown: type more)"
        status = Text(text)
        if not index.done:
            status.append("  loading…", style="italic yellow")
        if index.note:
            status.append(f"  {escape(index.note)}", style="dim")
        self.query_one("#jump-status", Label).update(status)

    @on(Input.Changed, "#jump-input")
    def _typed(self) -> None:
        self.open_first = False
        self.refilter()

    @on(Input.Submitted, "#jump-input")
    def _submitted(self) -> None:
        if self.shown_for == self.query_text and self.shown:
            self.dismiss(self.shown[self.matches.highlighted or 0].ref)
        elif self.shown_for != self.query_text or not self.index.done:
            # The first match for what was typed, once it is known (or once its name is read).
            self.open_first = True
        else:
            self.notify("no object by that name", severity="warning")

    @on(OptionList.OptionSelected, "#jump-matches")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[int(event.option.id or 0)].ref)

    def action_to_list(self) -> None:
        matches = self.matches
        if self.query_one(Input).has_focus and matches.option_count:
            matches.highlighted = 0
            matches.focus()
        elif matches.has_focus:
            matches.action_cursor_down()

    def action_close(self) -> None:
        self.dismiss(None)
