"""``/``: search keys and values across the whole file, in a worker.

The walk runs on a private view of the file (its own page cache) so browsing
stays responsive; progress is the share of the file's pages visited.  Esc
cancels a running search (the results so far stay), and a second Esc closes
the screen.  In a containerd database a hit inside an object is shown as that
object (container web-1 in default, and where in it), and opens it in the
containerd view.  ↓ from the box lands on the first result; Enter on a result
jumps to it; ``n``/``N`` in the browser go through the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
from boltview.bolt.path import BucketPath
from boltview.containerd import schema as S
from boltview.containerd.model import NAMESPACE, ObjectRef
from boltview.containerd.refs import group_path, short_digest
from boltview.render.text import escape, show_path
from boltview.tui.search import Hit, Progress, search
from boltview.tui.values import plural

#: Results kept; past this the search stops and asks for a narrower query.
MAX_RESULTS = 1000


#: Which containerd object a raw path is inside (``ContainerdModel.object_at``).
Locate = Callable[[BucketPath], ObjectRef | None]


@dataclass
class SearchResult:
    """What the screen returns: all hits, the one chosen, and the object each is in."""

    query: str
    hits: list[Hit]
    index: int
    refs: list[ObjectRef | None] = field(default_factory=list)


def hit_path(hit: Hit) -> BucketPath:
    """The full path of what matched: its bucket and key."""
    return hit.path + (hit.key,) if hit.key is not None else hit.path


def inside(path: BucketPath, ref: ObjectRef) -> BucketPath:
    """The part of ``path`` below the bucket of ``ref`` (the object it is in)."""
    if ref.kind == NAMESPACE:
        depth = 2  # v1/<namespace>
    elif path and path[0] != S.V1:
        depth = 3  # containerd 1.7's <namespace>/sandboxes/<id>
    else:
        depth = len(group_path(ref.namespace, ref.kind, ref.snapshotter or None) or ()) + 1
    return path[depth:]


def hit_label(hit: Hit, ref: ObjectRef | None = None) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    style = {"key": "green", "bucket": "bold yellow", "value": "cyan", "error": "bold red"}
    text.append(f"{hit.where:<6} ", style=style.get(hit.where, ""))
    if ref is not None:
        text.append(f"{ref.kind} ", style="magenta")
        where = f"{ref.snapshotter}/" if ref.snapshotter else ""
        text.append(escape(where + short_digest(ref.id)), style="bold")
        if ref.kind != NAMESPACE:
            text.append(f" in {escape(ref.namespace)}", style="dim")
        rest = inside(hit_path(hit), ref)
        if rest:
            text.append("  › ", style="dim")
            text.append(escape(" › ".join(show_path((part,)) for part in rest)), style="dim")
    else:
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
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, db: BoltFile, query: str = "", locate: Locate | None = None) -> None:
        super().__init__()
        self.db = db
        self.initial = query
        self.locate = locate
        self.hits: list[Hit] = []
        self.refs: list[ObjectRef | None] = []
        self.query_text = ""
        self.worker: Worker[None] | None = None
        self.to_first = False  # ↓ was pressed before there was a result to land on

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
    def _submitted(self, event: Input.Submitted) -> None:
        self.start(event.value)

    def start(self, query: str) -> None:
        if not query:
            return
        if self.worker is not None:
            self.worker.cancel()
        self.hits = []
        self.refs = []
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
        refs = [self._object_of(hit) for hit in hits]
        self.refs.extend(refs)
        self.results.add_options(
            Option(hit_label(hit, ref), id=str(start + i))
            for i, (hit, ref) in enumerate(zip(hits, refs, strict=True))
        )
        if self.to_first:
            self.to_first = False
            self.action_to_results()

    def _object_of(self, hit: Hit) -> ObjectRef | None:
        """The object the hit is inside: a bucket's own, or the one of a key's bucket."""
        if self.locate is None or hit.where == "error":
            return None
        return self.locate(hit_path(hit) if hit.where == "bucket" else hit.path)

    def _done(self, stopped: str) -> None:
        if not stopped:
            self.query_one(ProgressBar).update(progress=1.0)
        count = len(self.hits)
        message = f"{plural(count, 'result')} for {escape(self.query_text)!r}"
        self.status(message + (f" ({stopped})" if stopped else ""))
        if count and not self.results.has_focus:
            self.results.highlighted = 0
            if self.query_one(Input).has_focus:
                self.results.focus()

    def action_to_results(self) -> None:
        """↓ from the box: to the first result (searching first, if the box was not)."""
        box = self.query_one(Input)
        if self.results.has_focus:
            self.results.action_cursor_down()
        elif not box.has_focus:
            return
        elif box.value and box.value != self.query_text:
            self.to_first = True
            self.start(box.value)
        elif self.results.option_count:
            self.results.highlighted = 0
            self.results.focus()

    def action_to_query(self) -> None:
        self.query_one(Input).focus()

    @on(OptionList.OptionSelected, "#search-results")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        if self.worker is not None:
            self.worker.cancel()
        self.dismiss(SearchResult(self.query_text, list(self.hits), index, list(self.refs)))

    def action_cancel_or_close(self) -> None:
        if self.running and self.worker is not None:
            self.worker.cancel()
            self.status(f"cancelled: {plural(len(self.hits), 'result')} so far")
            return
        self.dismiss(None)
