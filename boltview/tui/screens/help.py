"""``?``: every key of the browser on one screen."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Moving",
        [
            ("↑ ↓  j k", "previous / next line"),
            ("→ l", "open a bucket or object (again: go into it)"),
            ("← h", "close it (again: go to its parent)"),
            ("Enter, click", 'open or close; on "more keys": load the next window'),
            ("g G  Home End", "first / last line"),
            ("ctrl+f ctrl+b  PgDn PgUp", "page down / up"),
            ("Tab", "to the detail pane (to its relations when it has some)"),
        ],
    ),
    (
        "Views",
        [
            ("v", "switch between the decoded view (containerd, etcd, podman...) and the raw one"),
            ("o", "follow the link: object → its raw bucket, raw bucket → its object"),
            ("Enter on a relation", "in the detail pane: jump to the related object"),
            (": ctrl+g", "jump to any object by name (containers, images, keys, pods, volumes, …)"),
            ("backspace alt+←", "back to where the last link, jump or search result was taken"),
            ("alt+→", "forward again"),
            ("t", "switch to the previous transaction (the other meta page) and back"),
            ("r", "reload the file when a writer changed it (the header says so)"),
            ("d", "mark changed, deleted (not live) and recovered objects"),
            ("s S, a header click", "in a group's table: sort by a column, reverse; Enter opens"),
            ("[  ]", "previous / next page of a big value's hex dump"),
        ],
    ),
    (
        "Finding",
        [
            ("/", "search keys and values in the whole file (Esc cancels)"),
            ("n N", "next / previous search result"),
            ("f", "filter the current bucket or group as you type (Esc restores)"),
        ],
    ),
    (
        "Taking out",
        [
            ("e", "export the selected subtree or object as JSON to a file"),
            ("c", "copy the selected value (or object) to the clipboard"),
            ("y", "copy the bucket path (as boltview CLI arguments)"),
            ("ctrl+p", "command palette: every action by name"),
        ],
    ),
    ("Leaving", [("?", "this help"), ("q", "quit")]),
]


def help_table() -> Group:
    """Every key, section by section."""
    parts: list[RenderableType] = []
    for section, rows in KEYS:
        parts.append(Text(section, style="bold underline"))
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True, min_width=24)
        table.add_column()
        for keys, what in rows:
            table.add_row(keys, what)
        parts.append(table)
        parts.append(Text(""))
    parts.append(Text("boltview never writes the file: there is no edit key.", style="italic"))
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """Keys, grouped; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "boltview keys"
            scroll.border_subtitle = "Esc to close"
            yield Static(help_table(), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
