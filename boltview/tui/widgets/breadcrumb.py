"""The line under the header: where the cursor is, where back goes, which search result.

"search 'busybox' 3 of 18" while there are results to go through with
``n`` and ``N``, then "containerd › default › containers › web-1", then how
many places back and forward would go through.  Every name from the file is escaped (by
:meth:`~boltview.tui.history.Place.crumbs`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from boltview.render.text import escape
from boltview.tui.history import Place


@dataclass(frozen=True)
class SearchPosition:
    """Which search result the browser is on: ``index`` counts from 0."""

    query: str
    index: int
    total: int


def breadcrumb_text(
    place: Place | None, back: int, forward: int, search: SearchPosition | None
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" ")
    if search is not None:
        text.append(f"search {escape(search.query)!r} ", style="dim")
        text.append(f"{search.index + 1} of {search.total}", style="bold yellow")
        text.append(" (n N)  ", style="dim")
    crumbs = place.crumbs() if place is not None else []
    for i, crumb in enumerate(crumbs):
        if i:
            text.append(" › ", style="dim")
        text.append(crumb, style="bold" if i == len(crumbs) - 1 else "")
    if back or forward:
        text.append("   ◂ back ", style="bold" if back else "dim")
        text.append(f"{back} · {forward}", style="dim")
        text.append(" forward ▸", style="bold" if forward else "dim")
    return text


class Breadcrumb(Static):
    """Path of the cursor, history, search position: one line."""

    DEFAULT_CSS = """
    Breadcrumb {
        height: 1;
        background: $boost;
        color: $foreground;
    }
    """

    def show(
        self, place: Place | None, back: int, forward: int, search: SearchPosition | None
    ) -> None:
        self.update(breadcrumb_text(place, back, forward, search))
