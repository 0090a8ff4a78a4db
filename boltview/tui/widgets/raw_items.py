"""What each node of the raw tree holds, and how it is labelled.

Every name from the file goes through :func:`~boltview.tui.values.key_text` or
:func:`~boltview.render.text.escape` before it reaches a label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from rich.text import Text

from boltview.bolt.bucket import Entry
from boltview.bolt.cursor import PREVIEW
from boltview.render.text import escape, human_size
from boltview.tui.values import key_text, read_value

# -- what each node holds ----------------------------------------------------------


@dataclass
class BucketItem:
    path: tuple[bytes, ...]
    inline: bool = False
    loaded: bool = False
    loading: bool = False
    filter: str | None = None
    counts: str | None = None  # "12 of 1200", once the filter's scan is done
    error: str | None = None


@dataclass(frozen=True)
class ValueItem:
    path: tuple[bytes, ...]  # the bucket
    key: bytes
    size: int


@dataclass
class MoreItem:
    path: tuple[bytes, ...]
    key: bytes  # load the keys after this one (forward) or before it (backward)
    forward: bool
    loading: bool = False


@dataclass(frozen=True)
class NoteItem:
    path: tuple[bytes, ...]
    message: str
    error: bool = False
    pgid: int | None = None


RawItem: TypeAlias = BucketItem | ValueItem | MoreItem | NoteItem


# -- labels ----------------------------------------------------------------------


def bucket_label(item: BucketItem, name: bytes | None = None) -> Text:
    if not item.path:
        label = Text("(root)", style="bold")
    else:
        label = key_text(item.path[-1] if name is None else name)
        label.stylize("bold")
        label.append("/", style="dim")
    if item.inline:
        label.append(" inline", style="dim italic")
    if item.filter is not None:
        label.append(f" filter: {escape(item.filter)}", style="yellow")
        if item.counts is not None:
            label.append(f" ({item.counts})", style="bold yellow")
    if item.error:
        label.append(" ⚠", style="bold red")
    return label


def value_label(entry: Entry) -> Text:
    """The key, and what its value is; of a value over PREVIEW bytes (which a window's
    glimpse holds only the start of), its size."""
    label = key_text(entry.key, limit=60)
    reading = read_value(entry.value[:PREVIEW], entry.key)
    summary = reading.summary if entry.size <= PREVIEW else human_size(entry.size)
    label.append("  ")
    label.append(summary, style="dim green" if reading.kind != "binary" else "dim")
    return label


def more_label(item: MoreItem) -> Text:
    if item.loading:
        return Text("  loading…", style="italic dim")
    arrow = "▼ more keys after " if item.forward else "▲ earlier keys before "
    text = Text(arrow, style="italic yellow")
    text.append_text(key_text(item.key, limit=40))
    text.append(" (enter)", style="dim")
    return text


def note_label(item: NoteItem) -> Text:
    if item.error:
        return Text("⚠ " + escape(item.message), style="bold red")
    return Text(escape(item.message), style="italic dim")
