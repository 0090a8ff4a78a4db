"""A JSON document as a YAML-like outline a person reads top to bottom.

Keys end in ``:`` and their nested values are indented under them; list items
are ``- item`` lines (a mapping in a list starts on the dash's line, as YAML
writes it); long strings stay whole on their line.  Every key and string goes
through :func:`boltview.render.text.escape`, so nothing from the file reaches a
terminal raw.  The walk keeps its own stack: a deep document cannot exhaust
Python's recursion limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from boltview.render.text import escape

__all__ = ["OutlineLine", "outline", "outline_text", "scalar_text"]

INDENT = "  "


class OutlineLine(NamedTuple):
    """One line: ``prefix`` (indentation and list dashes), then ``key: value``.

    ``key`` is None on a list item; ``value`` is None on a key whose nested
    value follows on the next lines.
    """

    prefix: str
    key: str | None
    value: str | None

    def __str__(self) -> str:
        if self.key is None:
            return f"{self.prefix}{self.value}"
        if self.value is None:
            return f"{self.prefix}{self.key}:"
        return f"{self.prefix}{self.key}: {self.value}"


def scalar_text(value: Any) -> str:
    """A leaf as it is shown: strings as they are (escaped), the rest as JSON writes it."""
    if isinstance(value, str):
        return escape(value) if value else '""'
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return escape(json.dumps(value, default=str))


def _nested(value: Any) -> bool:
    return isinstance(value, dict | list | tuple) and bool(value)


def _entries(value: Any, first: str, rest: str) -> Iterator[tuple[str, str | None, Any]]:
    """The children of a mapping or list: (prefix, key or None, value)."""
    if isinstance(value, dict):
        for index, (key, item) in enumerate(value.items()):
            text = escape(str(key)) or '""'
            yield (first if index == 0 else rest), text, item
    else:
        for index, item in enumerate(value):
            yield (first if index == 0 else rest) + "- ", None, item


def outline(document: Any) -> Iterator[OutlineLine]:
    """The lines of ``document`` (JSON-shaped: dicts, lists, scalars), top to bottom."""
    if not _nested(document):
        yield OutlineLine("", None, scalar_text(document))
        return
    stack = [_entries(document, "", "")]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        prefix, key, item = entry
        pad = " " * len(prefix)
        if not _nested(item):
            yield OutlineLine(prefix, key, scalar_text(item))
        elif key is not None:
            yield OutlineLine(prefix, key, None)
            stack.append(_entries(item, pad + INDENT, pad + INDENT))
        else:
            # A mapping or list inside a list starts on the dash's own line.
            stack.append(_entries(item, prefix, pad))


def outline_text(document: Any) -> str:
    """The outline as one string, a line per line, ending in a newline."""
    return "".join(f"{line}\n" for line in outline(document))
