"""The node overview: what ``boltview ROOT`` shows first for a node's root or disk image.

Every containerd install and every bolt file the scan found, one row each;
Enter opens the file under the cursor in the browser (the CLI does that, and
brings the overview back when the browser is quit).  The scan runs in a
worker: the screen is there at once, the rows as soon as they are found.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from boltview.node.root import NodeRoot
from boltview.node.scan import NodeScan, add_content, scan
from boltview.render.text import escape, human_size


class NodeApp(App[str | None]):
    """A node's installs and bolt files; exits with the node path chosen, or None."""

    TITLE = "boltview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("enter", "open", "Open", show=True),
    ]
    DEFAULT_CSS = """
    #node-header { height: 1; }
    #installs { height: auto; max-height: 12; padding: 0 1; }
    #files { height: 1fr; }
    #notes { height: auto; max-height: 6; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, node: NodeRoot, found: NodeScan | None = None) -> None:
        super().__init__()
        self.node = node
        self.found = found
        self.paths: list[str] = []

    def compose(self) -> ComposeResult:
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(" boltview ", style="bold reverse")
        header.append(" READ-ONLY ", style="bold white on dark_red")
        header.append(f" node {escape(self.node.top)}", style="bold")
        yield Static(header, id="node-header")
        yield Static("scanning…", id="installs")
        table: DataTable[Text | str] = DataTable(id="files", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="notes")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#files", DataTable)
        for column in ("PATH", "SIZE", "TXID", "STORE", "WHAT"):
            table.add_column(column, key=column)
        table.focus()
        if self.found is not None:
            self.show(self.found)
        else:
            self.run_scan()

    @work(thread=True, exclusive=True)
    def run_scan(self) -> None:
        # The installs and bolt files first; the content stores (10,000 blobs) after.
        found = scan(self.node, content=False)
        self.call_from_thread(self.show, found)
        add_content(self.node, found)
        self.call_from_thread(self.show, found)

    def show(self, found: NodeScan) -> None:
        self.found = found
        lines = Text()
        if not found.installs:
            lines.append("no containerd install found", style="yellow")
        for install in found.installs:
            if lines:
                lines.append("\n")
            lines.append(f"containerd install {escape(install.name)}", style="bold cyan")
            lines.append(f"  {escape(install.root)}", style="cyan")
            snapshotters = ", ".join(sorted(install.snapshotters)) or "no snapshotter"
            content = found.content.get(install.name)
            if content is not None:
                blobs = f", {len(content.blobs)} blobs"
            else:
                blobs = ", content store: reading…" if install.content_root else ", no content store"
            lines.append(f"  ({escape(snapshotters)}{blobs})", style="dim")
        self.query_one("#installs", Static).update(lines)
        table = self.query_one("#files", DataTable)
        if self.paths == [facts.path for facts in found.files]:
            self._show_notes(found)
            return  # the rows are there (the content stores came in after): keep the cursor
        table.clear()
        self.paths = []
        for facts in found.files:
            what = f"{facts.install} {facts.role}" if facts.install else facts.store.what
            if facts.problem:
                what = f"unreadable: {facts.problem}"
            table.add_row(
                Text(escape(facts.path)), human_size(facts.size),
                "-" if facts.txid is None else str(facts.txid), facts.store.kind,
                Text(escape(what), style="red" if facts.problem else ""),
            )  # fmt: skip
            self.paths.append(facts.path)
        self._show_notes(found)

    def _show_notes(self, found: NodeScan) -> None:
        notes = "\n".join(escape(note) for note in found.notes)
        self.query_one("#notes", Static).update(notes)

    def action_open(self) -> None:
        table = self.query_one("#files", DataTable)
        if not self.paths or table.cursor_row is None or not 0 <= table.cursor_row < len(self.paths):
            self.notify("no bolt file under the cursor", severity="warning")
            return
        self.exit(self.paths[table.cursor_row])

    @on(DataTable.RowSelected, "#files")
    def selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()
