"""The detail pane: what the node under the cursor holds, decoded.

For a raw value: its reading (JSON, protobuf Any, Go time, varint, text...),
then an annotated hex dump.  Big values are paged (``[`` and ``]``), never cut
off without saying so.  For a bucket: where it lives and its header.  For a
containerd object: its fields, labels, spec and relations (see
:mod:`boltview.tui.widgets.objects`).

Every string from the file is escaped before it is put in a renderable, and
renderables are rich ``Text``/``Syntax`` (never markup strings), so neither
control characters nor ``[markup]`` in a key can reach the terminal.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from boltview.bolt.layout import Layout, layout
from boltview.bolt.page import bucket_header, bucket_header_regions
from boltview.render.hexdump import annotated_hexdump, hexdump_lines
from boltview.render.text import escape, human_size, show_bytes, show_path
from boltview.tui.messages import JumpToObject
from boltview.tui.values import Reading, key_text, plural, pretty_json, read_value, time_facts
from boltview.values.gotime import OUT_OF_RANGE
from boltview.values.recognize import sequence_key
from boltview.values.regions import value_regions

#: Bytes of hex dump per page of a big value (256 lines).
HEX_PAGE = 4096
#: Longest text or JSON shown in full; longer ones say what is left out.
TEXT_LIMIT = 64 * 1024


@dataclass
class Shown:
    """What the pane shows, so it can be paged and exported."""

    kind: str  # bucket, value, error, object, empty
    path: tuple[bytes, ...] = ()
    key: bytes | None = None
    value: bytes = b""
    page: int = 0
    obj: Any = None


def facts_table(rows: list[tuple[str, RenderableType | str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, Text(value) if isinstance(value, str) else value)
    return table


def title(text: str | Text, style: str = "bold") -> Text:
    if isinstance(text, Text):
        return text
    return Text(text, style=style)


def json_view(decoded: Any, theme: str = "ansi_dark") -> Syntax:
    return Syntax(
        pretty_json(decoded), "json", theme=theme, word_wrap=True, background_color="default"
    )


def cli_words(path: tuple[bytes, ...]) -> str:
    """A bucket path as ``boltview`` CLI arguments."""
    return " ".join(shlex.quote(_cli_name(name)) for name in path)


def _cli_name(name: bytes) -> str:
    shown = show_bytes(name)
    return "0x" + name.hex() if shown == '""' else escape(shown)


class DetailPane(VerticalScroll):
    """Shows one bucket, value, object or error; scrolls."""

    DEFAULT_CSS = """
    DetailPane {
        padding: 0 1;
        border-left: vkey $panel;
        scrollbar-size-vertical: 1;
    }
    DetailPane:focus, DetailPane:focus-within {
        border-left: thick $accent;
        background: $boost;
    }
    DetailPane > #detail-body {
        width: 100%;
    }
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        local_tz: tzinfo | None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.local_tz = local_tz
        self.shown = Shown("empty")
        self.file_path = ""
        self.byteorder: str = "little"
        self.pager: Callable[[int], bool] | None = None
        """What ``[`` and ``]`` turn when something else than a value is shown (set after it)."""

    @property
    def file_layout(self) -> Layout:
        """The file's layout, by the byte order the app sets (``byteorder``)."""
        return layout("<" if self.byteorder == "little" else ">")

    def compose(self) -> ComposeResult:
        yield Static(Text("Move the cursor onto a bucket or a key.", style="dim"), id="detail-body")
        yield RelationList(id="relations")
        yield Static("", id="detail-more")

    @property
    def body(self) -> Static:
        return self.query_one("#detail-body", Static)

    @property
    def relations(self) -> RelationList:
        return self.query_one("#relations", RelationList)

    def set_body(self, *parts: RenderableType, more: list[RenderableType] | None = None) -> None:
        self.pager = None
        self.body.update(Group(*parts))
        self.query_one("#detail-more", Static).update(Group(*(more or [])))
        if self.shown.kind != "object":
            self.relations.show_links([])
            self._tab_to_relations()
        self.scroll_home(animate=False)

    def _tab_to_relations(self) -> None:
        """One Tab from the tree: to the relations when there are some, else to the pane."""
        self.can_focus = not self.relations.links

    # -- raw -------------------------------------------------------------------------------

    def show_bucket(
        self,
        path: tuple[bytes, ...],
        header: bytes | None,
        extra: list[RenderableType] | None = None,
    ) -> None:
        self.shown = Shown("bucket", path)
        rows: list[tuple[str, RenderableType | str]] = [("path", escape(show_path(path)))]
        parts: list[RenderableType] = [
            title(Text.assemble(("bucket ", "bold"), (escape(show_path(path)), "bold yellow")))
        ]
        fields = None if header is None else bucket_header(self.file_layout, header)
        if header is not None and fields is not None:
            root, sequence = fields
            rows.append(
                ("root", "inline (stored in its parent's value)" if root == 0 else f"page {root}")
            )
            rows.append(("sequence", str(sequence)))
            rows.append(("header", plural(len(header), "byte")))
        elif not path:
            rows.append(("root", "the meta page's root bucket"))
        rows.append(
            ("CLI", f"boltview keys {shlex.quote(self.file_path)} {cli_words(path)}".rstrip())
        )
        parts.append(facts_table(rows))
        if extra:
            parts.extend(extra)
        if header is not None and fields is not None:
            parts.append(Rule("bucket header", style="dim"))
            regions = bucket_header_regions(self.file_layout, header)
            dump = "\n".join(annotated_hexdump(header, regions, width=self.hex_width()))
            parts.append(Text(dump, style="dim", no_wrap=True, overflow="ellipsis"))
        self.set_body(*parts)

    def show_value(
        self,
        path: tuple[bytes, ...],
        key: bytes,
        value: bytes,
        extra: list[RenderableType] | None = None,
        page: int = 0,
    ) -> None:
        self.shown = Shown("value", path, key, value, page)
        reading = read_value(value if len(value) <= TEXT_LIMIT else value[:TEXT_LIMIT], key)
        if len(value) > TEXT_LIMIT and reading.kind in ("json", "any", "protobuf"):
            reading = Reading("binary", "", "too big to decode whole", note=None)
        head = Text("key ", style="bold")
        shown_key = key_text(key, limit=200)
        shown_key.style = "bold yellow"  # the base: highlighted escapes keep their colour
        head.append_text(shown_key)
        rows: list[tuple[str, RenderableType | str]] = [
            ("bucket", escape(show_path(path))),
            ("size", _bytes(len(value))),
            ("reading", reading.title),
        ]
        if len(key) == 8 or not key or show_bytes(key).startswith("0x"):
            rows.insert(0, ("key bytes", f"{len(key)}: 0x{key.hex()}"))
            number = sequence_key(key)
            if number is not None:
                rows.insert(1, ("key as u64", f"{number} (big-endian)"))
        rows.extend(reading.facts)
        if reading.when is not None:
            try:
                rows.extend(time_facts(reading.when, self.clock(), self.local_tz))
            except (OverflowError, ValueError):  # in range in UTC, not in the local zone
                rows.append(("local", OUT_OF_RANGE))
        rows.append(
            ("CLI", f"boltview get {shlex.quote(self.file_path)} {cli_words(path + (key,))}")
        )
        parts: list[RenderableType] = [head, facts_table(rows)]
        if reading.note:
            parts.append(Text("note: " + escape(reading.note), style="yellow"))
        if extra:
            parts.extend(extra)
        if reading.decoded is not None and reading.kind in ("json", "any", "protobuf"):
            parts.append(Rule(reading.title, style="dim"))
            parts.append(json_view(reading.decoded))
        elif reading.kind == "text":
            parts.append(Rule("text", style="dim"))
            parts.append(Text(escape_lines(value[:TEXT_LIMIT].decode("utf-8", "backslashreplace"))))
            if len(value) > TEXT_LIMIT:
                parts.append(
                    Text(
                        f"… {plural(len(value) - TEXT_LIMIT, 'more byte')}: page the hex dump with [ and ]",
                        style="yellow",
                    )
                )
        parts.extend(self._hex_pages(value, page))
        self.set_body(*parts)

    def _hex_pages(self, value: bytes, page: int) -> list[RenderableType]:
        if not value:
            return [Rule("hex dump", style="dim"), Text("(empty value)", style="dim")]
        pages = (len(value) + HEX_PAGE - 1) // HEX_PAGE
        page = max(0, min(page, pages - 1))
        start = page * HEX_PAGE
        heading = (
            "hex dump" if pages == 1 else f"hex dump, page {page + 1}/{pages} ([ previous, ] next)"
        )
        width = self.hex_width()
        regions = value_regions(value) if pages == 1 else []
        dump = "\n".join(hexdump_lines(value[start : start + HEX_PAGE], base=start, width=width))
        parts: list[RenderableType] = [
            Rule(heading, style="dim"),
            Text(dump, style="dim", no_wrap=True),
        ]
        if regions:
            legend = Table.grid(padding=(0, 2))
            legend.add_column(style="dim cyan", no_wrap=True)
            legend.add_column(style="dim")
            for first, end, label in regions:
                legend.add_row(f"{first:#06x}-{end - 1:#06x}", label)
            parts.append(legend)
        if pages > 1:
            parts.append(
                Text(
                    f"bytes {start}-{min(start + HEX_PAGE, len(value)) - 1} of {len(value)}",
                    style="yellow",
                )
            )
        return parts

    def hex_width(self) -> int:
        """Bytes per hex dump line that fit the pane: 16, 8 or 4."""
        room = self.size.width - 4
        for width in (16, 8):
            if room >= 10 + 4 * width:
                return width
        return 4

    def turn_page(self, delta: int) -> bool:
        """Page a big value's hex dump; False when there is nothing to page."""
        if self.pager is not None:
            return self.pager(delta)
        shown = self.shown
        if shown.kind != "value" or shown.key is None or len(shown.value) <= HEX_PAGE:
            return False
        pages = (len(shown.value) + HEX_PAGE - 1) // HEX_PAGE
        page = max(0, min(shown.page + delta, pages - 1))
        if page == shown.page:
            return True
        self.show_value(shown.path, shown.key, shown.value, page=page)
        return True

    def show_error(self, path: tuple[bytes, ...], message: str) -> None:
        self.shown = Shown("error", path)
        self.set_body(
            Text("cannot read", style="bold red"),
            facts_table([("bucket", escape(show_path(path))), ("reason", escape(message))]),
            Text(
                "The rest of the file is still readable; `boltview check FILE` lists every problem.",
                style="dim",
            ),
        )

    def show_message(self, *parts: RenderableType) -> None:
        self.shown = Shown("empty")
        self.set_body(*parts)

    def show_object_view(
        self, obj: Any, parts: list[RenderableType], more: list[RenderableType]
    ) -> None:
        self.shown = Shown("object", obj=obj)
        self.relations.show_links(None)
        self._tab_to_relations()
        self.set_body(*parts, more=more)

    def show_links(self, obj: Any, links: list[Any]) -> None:
        """The relations of ``obj``, once a worker found them (ignored if the pane moved on)."""
        if self.shown.kind == "object" and self.shown.obj is obj:
            self.relations.show_links(links)
            self._tab_to_relations()


class RelationList(OptionList):
    """An object's relations; Enter follows one (posts :class:`JumpToObject`)."""

    DEFAULT_CSS = """
    RelationList {
        height: auto;
        border: none;
        padding: 0;
        margin: 1 0 0 0;
        background: transparent;
    }
    RelationList.-empty {
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.links: list[Any] = []
        self.add_class("-empty")

    def show_links(self, links: list[Any] | None) -> None:
        """Links to show; None means "being found"."""
        self.clear_options()
        self.links = list(links or [])
        if links is None:
            self.remove_class("-empty")
            self.add_option(Option(Text("relations: reading…", style="italic dim"), disabled=True))
            return
        self.set_class(not self.links, "-empty")
        for index, link in enumerate(self.links):
            followable = link.ref is not None and not link.missing  # nothing to land on
            self.add_option(Option(link_label(link), id=str(index), disabled=not followable))
        self.border_title = "relations (Tab here, Enter to follow)"

    def on_focus(self) -> None:
        """Entering the list highlights its first link, so Enter follows something."""
        if self.highlighted is not None:
            return
        for index in range(self.option_count):
            if not self.get_option_at_index(index).disabled:
                self.highlighted = index
                return

    @on(OptionList.OptionSelected)
    def _follow(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        link = self.links[int(event.option.id or 0)]
        if link.ref is not None:
            self.post_message(JumpToObject(link.ref))


def link_label(link: Any) -> Text:
    if link.label == "error":
        return Text("⚠ " + escape(link.text), style="bold red")
    text = Text("  " * link.depth)
    followable = link.ref is not None and not link.missing
    text.append(f"{escape(link.label)}: ", style="bold magenta" if followable else "bold")
    text.append(escape(link.text), style="red" if link.missing else "")
    note = getattr(link, "note", "")  # missing or deleted, in words (a gc verdict says its own)
    if note:
        text.append(f"  ({escape(note)})", style="dim red")
    elif followable:
        text.append("  ↵", style="dim")
    return text


def _bytes(count: int) -> str:
    text = plural(count, "byte")
    return text + (f" ({human_size(count)})" if count >= 1024 else "")


def escape_lines(text: str) -> str:
    """Escape every line but keep the newlines."""
    return "\n".join(escape(line) for line in text.split("\n"))
