"""The one-line header: which file, what kind, which transaction, READ-ONLY."""

from __future__ import annotations

import os

from rich.text import Text
from textual.widgets import Static

from boltview.bolt.file import BoltFile
from boltview.render.text import escape, human_size

KIND_NAMES = {
    "containerd-metadata": "containerd metadata",
    "containerd-snapshotter": "containerd snapshotter",
    "plain": "plain bolt",
}


def header_text(db: BoltFile, kind: str, view: str, previous: bool) -> Text:
    """The header's text; every part from the file is escaped."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" boltview ", style="bold reverse")
    # First, so that no terminal is too narrow to show it.
    text.append(" READ-ONLY ", style="bold white on dark_red")
    text.append(" ")
    text.append(escape(os.path.basename(db.path) or db.path), style="bold")
    text.append("  ")
    text.append(KIND_NAMES.get(kind, escape(kind)), style="cyan")
    text.append("  txid ", style="dim")
    text.append(str(db.txid), style="bold")
    text.append(f" (meta {db.meta.index})", style="dim")
    if previous:
        text.append(" ")
        text.append(" PREVIOUS TRANSACTION ", style="bold black on yellow")
    text.append("  page ", style="dim")
    text.append(str(db.page_size))
    text.append("  ", style="dim")
    text.append(human_size(db.size))
    text.append("  view ", style="dim")
    text.append(view, style="bold magenta")
    return text


class DbHeader(Static):
    """File, kind, active txid, page size, size, current view and a READ-ONLY marker."""

    DEFAULT_CSS = """
    DbHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def show(self, db: BoltFile, kind: str, view: str, previous: bool) -> None:
        self.update(header_text(db, kind, view, previous))
        self.tooltip = escape(db.path)
