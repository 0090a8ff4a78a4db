"""``e``: where to write the JSON export of the selected subtree or object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from boltview.dump import ENCODINGS


@dataclass
class ExportRequest:
    path: str
    encoding: str


class ExportScreen(ModalScreen[ExportRequest | None]):
    """A file name and, for raw subtrees, how to encode keys and values."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    ExportScreen {
        align: center middle;
    }
    ExportScreen > Vertical {
        width: 80;
        max-width: 100%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    ExportScreen Horizontal {
        height: auto;
    }
    ExportScreen Label {
        width: 100%;
    }
    ExportScreen Select {
        width: 24;
    }
    """

    def __init__(self, what: str, default_path: str, raw: bool) -> None:
        super().__init__()
        self.what = what
        self.default_path = default_path
        self.raw = raw

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "export as JSON"
            box.border_subtitle = "Enter export · Esc cancel"
            yield Label(self.what, id="export-what")
            yield Input(value=self.default_path, id="export-path")
            with Horizontal():
                if self.raw:
                    yield Select(
                        [(f"{name} keys and values", name) for name in ENCODINGS],
                        value="text",
                        allow_blank=False,
                        id="export-encoding",
                    )
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")
            yield Label(
                "An existing file is never overwritten; the database is never written.",
                classes="dim",
            )

    def _request(self) -> ExportRequest | None:
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            return None
        encoding = "text"
        if self.raw:
            value = self.query_one("#export-encoding", Select).value
            encoding = value if isinstance(value, str) else "text"
        return ExportRequest(path, encoding)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def go(self) -> None:
        request = self._request()
        if request is not None:
            self.dismiss(request)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
