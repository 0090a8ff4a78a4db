"""How a store's node looks in the detail pane: its kind and name, summary and marks,
its fields (plain values as a table, nested ones as highlighted JSON), its
secrets (shown here, left out of exports unless asked), where its bytes are,
and its links to follow.

Every string from the file goes through :func:`~boltview.render.text.escape`
into ``Text``, or through the escaping JSON view, never markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.console import RenderableType
from rich.text import Text

from boltview.protobuf.wire import JsonValue
from boltview.render.text import escape, show_bytes
from boltview.stores.view import Link, StoreNode, StoreView
from boltview.tui.values import rfc3339_time, when_words
from boltview.tui.widgets.detail import facts_table, json_view
from boltview.tui.widgets.store_tree import shown


@dataclass(frozen=True)
class StoreRef:
    """A node of the store view, by path: what a link leads to (see ``JumpToObject``)."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class StoreLink:
    """A link as the detail pane's relation list shows it."""

    label: str
    text: str
    ref: StoreRef | None
    missing: bool = False
    note: str = ""
    depth: int = 0


def store_links(view: StoreView, node: StoreNode) -> list[StoreLink]:
    """``node``'s links, each looked up: one whose target is not there is marked missing."""
    links = []
    for link in node.links:
        target = view.find(link.path)
        links.append(_link(link, target))
    return links


def _link(link: Link, target: StoreNode | None) -> StoreLink:
    said = target.title if target is not None else (link.path[-1] if link.path else "")
    said = shown(said)
    if target is not None and target.summary:
        said += f"  {target.summary}"
    if target is None:
        return StoreLink(link.label, said, None, missing=True, note="not in this transaction")
    return StoreLink(link.label, said, StoreRef(link.path))


def store_root_parts(view: StoreView, path: str, txid: int) -> list[RenderableType]:
    store = view.store
    return [
        Text(f"{store.program or store.kind}: {store.what}", style="bold"),
        Text(f"{escape(path)}\ntxid {txid}", style="dim"),
        Text(
            "\nOpen a group to see its objects; v switches to the raw buckets, "
            "o on an object opens its raw key.",
            style="dim",
        ),
    ]


def findings_part(findings: list[str]) -> Text:
    """What the store finds wrong with itself, or that it finds nothing."""
    if not findings:
        return Text("\nfindings: none (the store is consistent in its own terms)", style="green")
    text = Text(f"\nfindings ({len(findings)})", style="bold red")
    for finding in findings:
        text.append("\n  ⚠ " + escape(finding), style="red")
    return text


def store_node_parts(
    node: StoreNode, now: datetime, local: tzinfo | None
) -> tuple[list[RenderableType], list[RenderableType]]:
    """The pane's body for ``node``, and what goes below its links.  A field that is an
    RFC 3339 time is shown as written, with the local time and its age beside it; those
    inside nested fields are listed under "times"."""
    header = Text(node.kind, style="bold cyan")
    if node.title != node.kind:  # "meta", not "meta meta"
        header.append(" " + (shown(node.title) if node.title else '""'), style="bold")
    for mark in node.marks:
        header.append(f"  {'✗' if mark in ('deleted', 'removed') else '⚠'} {mark}",
                      style="bold red")  # fmt: skip
    parts: list[RenderableType] = [header]
    if node.summary:
        parts.append(Text(escape(node.summary), style="dim"))
    plain = [(name, value) for name, value in node.fields.items() if not _nested(value)]
    nested = [(name, value) for name, value in node.fields.items() if _nested(value)]
    rows: list[tuple[str, RenderableType | str]] = [
        (escape(name), _plain(value, now, local)) for name, value in plain
    ]
    if node.count is not None:
        rows.append(("children", str(node.count)))
    if node.source:
        rows.append(("bytes from", _source(node.source, node.origin)))
    if rows:
        parts.append(Text(""))
        parts.append(facts_table(rows))
    more: list[RenderableType] = []
    for name, value in nested:
        more.append(Text(f"\n{escape(name)}", style="bold cyan"))
        more.append(json_view(value))
    times: list[tuple[str, RenderableType | str]] = [
        (escape(path), when_words(when, now, local))
        for name, value in nested
        for path, when in _times(name, value)
    ]
    if times:
        more.append(Text("\ntimes", style="bold cyan"))
        more.append(facts_table(times[:_TIMES]))
    if node.secrets:
        more.append(Text("\nsecrets (left out of exports unless --include-secrets)",
                         style="bold yellow"))  # fmt: skip
        more.append(facts_table([(escape(k), _plain(v, now, local))
                                 for k, v in node.secrets.items()]))  # fmt: skip
    return parts, more


def _nested(value: JsonValue) -> bool:
    return isinstance(value, dict | list) and bool(value)


#: Times listed from nested fields, at the most (an object with a long list of events).
_TIMES = 50


def _times(path: str, value: JsonValue) -> Iterator[tuple[str, datetime]]:
    """Every RFC 3339 time in a nested value, with where it is (``metadata.creationTimestamp``)."""
    if isinstance(value, str):
        when = rfc3339_time(value)
        if when is not None:
            yield path, when
    elif isinstance(value, dict):
        for name, inner in value.items():
            yield from _times(f"{path}.{name}", inner)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _times(f"{path}[{index}]", inner)


def _plain(value: JsonValue, now: datetime, local: tzinfo | None) -> Text:
    if value is None:
        return Text("(none)", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, dict | list):
        return Text("(empty)", style="dim")
    text = Text(escape(str(value)))
    when = rfc3339_time(value) if isinstance(value, str) else None
    if when is not None:
        text.append(f"  ({when_words(when, now, local)})", style="dim")
    return text


def _source(source: tuple[bytes, ...], origin: tuple[str, int] | None) -> Text:
    text = Text(" / ".join(escape(show_bytes(part)) for part in source))
    if origin is None:
        text.append("  (o: the raw bucket and key)", style="dim")
    else:
        text.append(f"  in {escape(origin[0])}, txid {origin[1]}", style="dim")
    return text
