"""The live filter's scan, shared by both trees: one node's children that contain a text.

A scan runs in a worker over everything the node holds (a bucket's keys, a
group's objects), however many: it checks for cancellation as it goes (each
key typed starts a new scan and cancels the last), keeps at most
:data:`MAX_FILTERED` matches, and counts them all, and all it saw, for "N of M".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual.message import Message

from boltview.render.text import escape
from boltview.tui.search import Matcher
from boltview.tui.values import plural

#: Most filter matches listed in the tree (all are counted).
MAX_FILTERED = 2000
#: Look for cancellation every this many items.
CHECK_EVERY = 1024

T = TypeVar("T")


@dataclass
class Filtered(Generic[T]):
    """What a scan found: the matches listed, how many matched, how many there were."""

    query: str
    shown: list[T] = field(default_factory=list)
    matched: int = 0
    total: int = 0
    error: str | None = None

    def counts(self) -> str:
        """``12 of 1200``: the matches of everything scanned."""
        return f"{self.matched} of {self.total}"

    def note(self, noun: str, many: str | None = None) -> Text:
        """The line at the top of a filtered node: "filter 'web': 1 matching container of 4"."""
        text = Text(f"filter {escape(self.query)!r}: ", style="italic yellow")
        found = plural(self.matched, f"matching {noun}", f"matching {many or noun + 's'}")
        text.append(f"{found} of {self.total}", style="bold yellow")
        if self.matched > len(self.shown):
            text.append(f", the first {len(self.shown)} listed", style="yellow")
        text.append("  (Esc restores)", style="dim")
        return text


class FilterCounted(Message):
    """A tree listed a filter's matches (the filter box shows the counts)."""

    def __init__(self, query: str, counts: str) -> None:
        super().__init__()
        self.query = query
        self.counts = counts


def scan(
    items: Iterable[T], name: Callable[[T], bytes], query: str, cancelled: Callable[[], bool]
) -> Filtered[T] | None:
    """The items whose name contains ``query`` (as search matches); None if cancelled."""
    matcher = Matcher(query)
    found: Filtered[T] = Filtered(query)
    for count, item in enumerate(items):
        if count % CHECK_EVERY == 0 and cancelled():
            return None
        found.total += 1
        if matcher.find(name(item)) >= 0:
            found.matched += 1
            if len(found.shown) < MAX_FILTERED:
                found.shown.append(item)
    return found


def filter_label(label: Text, query: str | None, found: Filtered[Any] | None = None) -> Text:
    """A filtered node's label: its own, then the filter and, once known, its counts."""
    if query is None:
        return label
    label = label.copy()
    label.append(f" filter: {escape(query)}", style="yellow")
    if found is not None and found.query == query:
        label.append(f" ({found.counts()})", style="bold yellow")
    return label
