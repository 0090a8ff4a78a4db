"""The detail pane for a container's files: a file's facts and preview, a change, the layers.

A file shows what ``ls -l`` and ``stat`` say of it (mode, owner, size,
times), the layer it comes from and its path on the node, a link's target
(and where it leads inside the container), its extended attributes, and a
preview of its first bytes: text when they read as text, else an annotated
hex dump, paged with ``[`` and ``]``.  Every name and byte from the node is
escaped before it reaches a renderable.
"""

from __future__ import annotations

import stat
from datetime import UTC, datetime, tzinfo

from rich.console import RenderableType
from rich.rule import Rule
from rich.text import Text

from boltview.node.drift import CHANGED, DELETED, Change, FileFacts
from boltview.node.file_detail import PREVIEW_BYTES, FileDetail, looks_like_text, magic_regions
from boltview.node.rootfs import MergedView
from boltview.render.hexdump import annotated_hexdump, hexdump_lines
from boltview.render.text import escape, human_size, show_text
from boltview.tui.values import escaped, plural, time_facts
from boltview.tui.widgets.detail import HEX_PAGE, TEXT_LIMIT, escape_lines, facts_table
from boltview.tui.widgets.files_items import CHANGE_MARKS, EXEC_MARK, layer_tag

Rows = list[tuple[str, "RenderableType | str"]]

#: What a file's facts say when the node's reader does not give them (a disk image's gives type and size).
NOT_GIVEN = "not known (the disk image's reader does not give it)"


def ns_time_rows(name: str, ns: int | None, now: datetime, local: tzinfo | None) -> list[tuple[str, str]]:
    """A file's time as the browser shows times: local with its age, and UTC when they differ."""
    if ns is None:
        return [(name, NOT_GIVEN)]
    if ns == 0:
        return [(name, "0 (not set)")]
    try:
        facts = dict(time_facts(datetime.fromtimestamp(ns / 1e9, UTC), now, local))
    except (OverflowError, ValueError, OSError):
        return [(name, f"{ns} ns since 1970 (out of range)")]
    rows = [(name, f"{facts['local']}  ({facts['age']})")]
    return rows if facts["local"] == facts["UTC"] else [*rows, ("", facts["UTC"])]


def size_text(size: int) -> str:
    return plural(size, "byte") + (f" ({human_size(size)})" if size >= 1024 else "")


def file_parts(detail: FileDetail, view: MergedView, layer_index: int, now: datetime,
               local: tzinfo | None, page: int, width: int) -> list[RenderableType]:  # fmt: skip
    """Everything the pane shows of one file of a view."""
    entry = detail.entry
    head = Text(f"{entry.kind} ", style="bold")
    head.append_text(escaped(detail.path, "bold yellow"))
    if detail.full_stat:
        rows: Rows = [
            ("mode", f"{detail.mode_text}  ({entry.mode & 0o7777:04o})"),
            ("owner", f"uid {entry.uid}, gid {entry.gid}"),
            ("size", size_text(entry.size)),
        ]
    else:  # a disk image's reader gives the type and size, no permissions, owner or times
        rows = [("mode", f"{entry.kind}; permissions {NOT_GIVEN}"), ("owner", NOT_GIVEN),
                ("size", size_text(entry.size))]  # fmt: skip
    rows += ns_time_rows("mtime", entry.mtime_ns if detail.full_stat else None, now, local)
    rows += ns_time_rows("ctime", detail.ctime_ns, now, local)
    rows += ns_time_rows("atime", detail.atime_ns, now, local)
    rows += [
        ("layer", f"{escape(detail.layer.label)}  [{layer_tag(view, layer_index)}]"),
        ("on the node", escaped(detail.node_path)),
    ]
    if detail.link is not None:
        rows.append(("link to", escaped(detail.link)))
        if detail.leads_to is not None:
            rows.append(("inside the view", escaped(f"{detail.leads_to} ({detail.leads_to_kind})")))
        else:
            rows.append(("inside the view", "leads nowhere in this filesystem"))
    parts: list[RenderableType] = [head, facts_table(rows)]
    if detail.xattrs:
        parts.append(Rule("extended attributes", style="dim"))
        parts.append(facts_table([(escape(name), show_text(value) if value.isascii() else "0x" + value.hex())
                                  for name, value in sorted(detail.xattrs.items())]))  # fmt: skip
    if entry.kind == "link":
        parts.append(Text("A link is shown, never followed on this machine; its target is "
                          "resolved inside the container's own filesystem.", style="dim"))  # fmt: skip
    if entry.kind == "file":
        parts += preview_parts(detail, page, width)
    return parts


def preview_parts(detail: FileDetail, page: int, width: int) -> list[RenderableType]:
    """The file's first bytes: text, or a hex dump paged with [ and ]."""
    data, size = detail.head, detail.entry.size
    if not data:
        return [Rule("preview", style="dim"), Text("(empty file)" if size == 0 else "(unreadable)", style="dim")]
    cut = "" if detail.whole else f" (the first {human_size(len(data))} of {human_size(size)})"
    if looks_like_text(data[:TEXT_LIMIT]):
        parts: list[RenderableType] = [Rule(f"text{cut}", style="dim")]
        parts.append(Text(escape_lines(data[:TEXT_LIMIT].decode("utf-8", "backslashreplace"))))
        if len(data) > TEXT_LIMIT:
            parts.append(Text(f"… {plural(len(data) - TEXT_LIMIT, 'more byte')} read", style="yellow"))
    else:
        parts = hex_parts(data, page, width, cut)
    if not detail.whole:
        parts.append(Text(f"preview bounded to {human_size(PREVIEW_BYTES)}: boltview cat ROOT "
                          "CONTAINER PATH gives the whole file", style="dim"))  # fmt: skip
    return parts


def hex_parts(data: bytes, page: int, width: int, cut: str) -> list[RenderableType]:
    pages = (len(data) + HEX_PAGE - 1) // HEX_PAGE
    page = max(0, min(page, pages - 1))
    start = page * HEX_PAGE
    chunk = data[start : start + HEX_PAGE]
    heading = f"hex dump{cut}" + (f", page {page + 1}/{pages} ([ previous, ] next)" if pages > 1 else "")
    if page == 0:
        lines = annotated_hexdump(chunk, magic_regions(data), width=width)
    else:
        lines = hexdump_lines(chunk, base=start, width=width)
    return [Rule(heading, style="dim"), Text("\n".join(lines), style="dim", no_wrap=True)]


def page_count(detail: FileDetail) -> int:
    """Pages of the hex dump (1 for text)."""
    if detail.entry.kind != "file" or looks_like_text(detail.head[:TEXT_LIMIT]):
        return 1
    return max(1, (len(detail.head) + HEX_PAGE - 1) // HEX_PAGE)


def facts_rows(facts: FileFacts, now: datetime, local: tzinfo | None) -> Rows:
    rows: Rows = [("kind", facts.kind), ("mode", stat.filemode(facts.mode) if facts.mode else "?"),
                  ("owner", f"uid {facts.uid}, gid {facts.gid}"), ("size", size_text(facts.size))]  # fmt: skip
    rows += ns_time_rows("mtime", facts.mtime_ns, now, local)
    if facts.sha256:
        rows.append(("sha256", facts.sha256))
    if facts.link is not None:
        rows.append(("link to", escaped(facts.link)))
    rows.append(("layer", escape(facts.layer)))
    return rows


def change_parts(change: Change, now: datetime, local: tzinfo | None) -> list[RenderableType]:
    """A change of the drift: what the file is now and what it was."""
    mark, style = CHANGE_MARKS.get(change.change, ("?", "yellow"))
    head = Text(f"{mark} {change.change} ", style=f"bold {style}")
    head.append_text(escaped(change.path, "bold yellow"))
    if change.newly_executable:
        head.append(f"  {EXEC_MARK} newly executable", style="bold green")
    parts: list[RenderableType] = [head]
    if change.change == CHANGED:
        parts.append(Text("added or modified: a layer below the container's is missing on disk, "
                          "so what was there before cannot be told", style="magenta"))  # fmt: skip
    for title, facts in (("now", change.now), ("before", change.before)):
        if facts is not None:
            parts += [Rule(title, style="dim"), facts_table(facts_rows(facts, now, local))]
    if change.change == DELETED:
        parts.append(Text("Deleted in the container: what it was comes from the image's layer.", style="dim"))
    return parts


def layers_parts(view: MergedView, title: str) -> list[RenderableType]:
    """A view's layers, top first, with where each is on the node and which are missing."""
    head = Text(title, style="bold cyan")
    rows: Rows = []
    for index, layer in enumerate(view.layers):
        where = escaped(layer.directory)
        if layer.missing:
            where = Text("missing on disk: ", style="bold red") + where
        rows.append((layer_tag(view, index), Text(escape(layer.label) + "\n") + where))
    return [head, Text(f"read from {escape(view.node.top)}", style="dim"), facts_table(rows),
            Text("Layers stacked as overlayfs would (upper over lower, whiteouts and opaque "
                 "directories applied), read-only, without mounting.", style="dim")]  # fmt: skip

