"""The one-line header: which file, what kind, which transaction, READ-ONLY, live or not.

It says whether what is shown is a snapshot (a copy in memory, one whole
transaction) or the live file, and, once noticed, that a writer moved the file
on ("file changed: txid 1120 -> 1940, r to reload").  On a narrow terminal the
parts that matter least go first: each part has shorter forms and is shortened,
then dropped, whole; READ-ONLY and a change of the file stay longest.
"""

from __future__ import annotations

import os

from rich.text import Text
from textual.widget import Widget

from boltview.bolt.file import BoltFile, FileChange
from boltview.render.text import escape, human_size
from boltview.tui.widgets.fitting import Part, fit

KIND_NAMES = {
    "containerd-metadata": "containerd metadata",
    "containerd-snapshotter": "containerd snapshotter",
    "plain": "plain bolt",
}

#: A file name longer than this gets a shorter form, elided in the middle.
_LONG_NAME = 24


def _text(*pieces: tuple[str, str]) -> Text:
    text = Text()
    for piece, style in pieces:
        text.append(piece, style=style)
    return text


def header_parts(
    db: BoltFile, kind: str, view: str, previous: bool, change: FileChange | None = None
) -> list[Part]:
    """The header's parts in the order shown; every part from the file is escaped."""
    name = escape(os.path.basename(db.path) or db.path)
    names = [_text((name, "bold"))]
    if len(name) > _LONG_NAME:
        half = _LONG_NAME // 2 - 1
        names.append(_text((f"{name[:half]}…{name[-half:]}", "bold")))
    parts = [
        Part((_text((" boltview ", "bold reverse")),), 90, gap=""),
        Part((_text((" READ-ONLY ", "bold white on dark_red")),), 0, gap=""),
        Part(tuple(names), 20, gap=" "),
        Part((_text((KIND_NAMES.get(kind, escape(kind)), "cyan")),), 60),
        Part((_text(("txid ", "dim"), (str(db.txid), "bold")),), 30),
        Part((_text((f"(meta {db.meta.index})", "dim")),), 80, gap=" "),
    ]
    if previous:
        badge = "bold black on yellow"
        parts.append(
            Part((_text((" PREVIOUS TRANSACTION ", badge)), _text((" PREVIOUS ", badge))), 10, " ")
        )
    parts.extend(_liveness(db, change))
    parts += [
        Part((_text(("page ", "dim"), (str(db.page_size), "")),), 70),
        Part((_text((human_size(db.size), "")),), 70),
        Part((_text(("view ", "dim"), (view, "bold magenta")),), 40),
    ]
    return parts


def _liveness(db: BoltFile, change: FileChange | None) -> list[Part]:
    """Snapshot or live file, who holds the lock, and whether the file moved on."""
    if db.is_snapshot:
        state = Part(
            (_text((f"snapshot of txid {db.newest_txid}", "green")), _text(("snapshot", "green"))),
            15,
            shorten=(25,),
        )
    else:
        state = Part(
            (_text(("live file", "bold yellow")), _text(("live", "bold yellow"))), 15, shorten=(25,)
        )
    parts = [state]  # it stays longer than the file's name: live or not matters more
    if db.lock_holders:
        pids = ", ".join(str(holder.pid) for holder in db.lock_holders)
        parts.append(
            Part(
                (
                    _text((f"locked by a writer (pid {pids})", "yellow")),
                    _text(("locked", "yellow")),
                ),
                50,
            )
        )
    if change is not None:
        style = "bold black on yellow"
        what = "file replaced on disk" if change.replaced else f"file changed: {change}"
        short = "replaced" if change.replaced else f"changed: {change}"
        parts.append(
            Part(
                (
                    _text((f" {what}, r to reload ", style)),
                    _text((f" {short}, r reloads ", style)),
                    _text((" changed, r reloads ", style)),
                ),
                0,
                shorten=(45, 25),
            )
        )
    return parts


def header_text(
    db: BoltFile,
    kind: str,
    view: str,
    previous: bool,
    change: FileChange | None = None,
    width: int = 1 << 16,
) -> Text:
    """The header as it fits ``width`` cells (all of it by default)."""
    return fit(header_parts(db, kind, view, previous, change), width)


class DbHeader(Widget):
    """File, kind, active txid, snapshot or live, page size, size, view, READ-ONLY."""

    DEFAULT_CSS = """
    DbHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: list[Part] = []

    def show(
        self,
        db: BoltFile,
        kind: str,
        view: str,
        previous: bool,
        change: FileChange | None = None,
    ) -> None:
        self._parts = header_parts(db, kind, view, previous, change)
        self.tooltip = escape(db.path)
        self.refresh()

    def render(self) -> Text:
        return fit(self._parts, self.size.width or 1 << 16)
