"""``/``: search keys and values across the whole file, in a worker.

The walk runs on a private view of the file (its own page cache) so browsing
stays responsive; progress is the share of the file's pages visited.  Esc
cancels a running search (the results so far stay), and a second Esc closes
the screen.  Enter on a result jumps to it; ``n``/``N`` in the browser go
through the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, ProgressBar
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from boltview.bolt.file import BoltFile
from boltview.render.text import escape, show_path
from boltview.tui.search import Hit, Progress, search
from boltview.tui.values import plural

#: Results kept; past this the search stops and asks for a narrower query.
MAX_RESULTS = 1000


@dataclass
class SearchResult:
    """What the screen returns: all hits, and the one chosen."""

    query: str
    hits: list[Hit]
    index: int


def hit_label(hit: Hit) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    style = {"key": "green", "bucket": "bold yellow", "value": "cyan", "error": "bold red"}
    text.append(f"{hit.where:<6} ", style=style.get(hit.where, ""))
    text.append(escape(show_path(hit.path)), style="dim")
    if hit.key is not None:
        text.append(" / ", style="dim")
        text.append(escape(show_path((hit.key,))), style="bold")
    if hit.where in ("value", "error"):
        text.append("  ")
        text.append(escape(hit.context), style="italic")
    return text


class SearchScreen(ModalScreen[SearchResult | None]):
    """A query box, a progress bar, and the results as a list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_or_close", "Cancel / close"),
        Binding("down", "to_results", "Results", show=False),
        Binding("slash", "to_query", "Query", show=False),
    ]

    DEFAULT_CSS = """
    SearchScreen {
        align: center middle;
    }
    SearchScreen > Vertical {
        width: 90%;
        height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    SearchScreen #search-status {
        height: 1;
        width: 100%;
    }
    SearchScreen ProgressBar {
        height: 1;
    }
    SearchScreen OptionList {
        height: 1fr;
    }
    """

    def __init__(self, db: BoltFile, query: str = "") -> None:
        super().__init__()
        self.db = db
        self.initial = query
        self.hits: list[Hit] = []
        self.query_text = ""
        self.worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "search keys and values (0x.. for bytes)"
            box.border_subtitle = "Enter search · ↓ results · Esc cancel/close"
            yield Input(value=self.initial, placeholder="text to find", id="search-input")
            yield ProgressBar(total=1.0, show_eta=False, id="search-progress")
            yield Label("", id="search-status")
            yield OptionList(id="search-results")

    @property
    def results(self) -> OptionList:
        return self.query_one("#search-results", OptionList)

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def status(self, message: str) -> None:
        self.query_one("#search-status", Label).update(Text(message))

    @on(Input.Submitted, "#search-input")
    def start(self, event: Input.Submitted) -> None:
        query = event.value
        if not query:
            return
        if self.worker is not None:
            self.worker.cancel()
        self.hits = []
        self.query_text = query
        self.results.clear_options()
        self.query_one(ProgressBar).update(progress=0.0)
        self.status(f"searching for {escape(query)!r}…")
        self.worker = self.run_search(query)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        worker = get_current_worker()
        # A private view of the file: its own page cache, no lock shared with the tree.
        private = self.db.with_meta(self.db.meta.index)
        batch: list[Hit] = []
        last = time.monotonic()

        def cancelled() -> bool:
            return worker.is_cancelled

        def progress(state: Progress) -> None:
            self.app.call_from_thread(self._progress, state)

        stopped = ""
        try:
            for hit in search(private, query, cancelled, progress):
                batch.append(hit)
                now = time.monotonic()
                if len(batch) >= 50 or now - last > 0.2:
                    self.app.call_from_thread(self._add, batch)
                    batch, last = [], now
                if len(self.hits) + len(batch) >= MAX_RESULTS:
                    stopped = f"stopped at {MAX_RESULTS} results: narrow the query"
                    break
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            stopped = f"search stopped: {error}"
        if worker.is_cancelled:
            stopped = "cancelled"
        self.app.call_from_thread(self._add, batch)
        self.app.call_from_thread(self._done, stopped)

    def _progress(self, state: Progress) -> None:
        self.query_one(ProgressBar).update(progress=state.fraction)
        self.status(
            f"{state.pages} of {plural(state.total, 'page')}, {plural(state.keys, 'key')} read, "
            f"{plural(len(self.hits), 'result')}"
        )

    def _add(self, hits: list[Hit]) -> None:
        if not hits:
            return
        start = len(self.hits)
        self.hits.extend(hits)
        self.results.add_options(
            Option(hit_label(hit), id=str(start + i)) for i, hit in enumerate(hits)
        )

    def _done(self, stopped: str) -> None:
        if not stopped:
            self.query_one(ProgressBar).update(progress=1.0)
        count = len(self.hits)
        message = f"{plural(count, 'result')} for {escape(self.query_text)!r}"
        self.status(message + (f" ({stopped})" if stopped else ""))
        if count:
            self.results.highlighted = 0
            if self.query_one(Input).has_focus:
                self.results.focus()

    def action_to_results(self) -> None:
        if self.query_one(Input).has_focus and self.results.option_count:
            self.results.focus()
        elif self.results.has_focus:
            self.results.action_cursor_down()

    def action_to_query(self) -> None:
        self.query_one(Input).focus()

    @on(OptionList.OptionSelected, "#search-results")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        if self.worker is not None:
            self.worker.cancel()
        self.dismiss(SearchResult(self.query_text, list(self.hits), index))

    def action_cancel_or_close(self) -> None:
        if self.running and self.worker is not None:
            self.worker.cancel()
            self.status(f"cancelled: {plural(len(self.hits), 'result')} so far")
            return
        self.dismiss(None)
