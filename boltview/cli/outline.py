"""A document as ``inspect`` prints it: a YAML-like outline, keys in colour."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from boltview.render.outline import outline
from boltview.render.text import escape

__all__ = ["render_outline"]


def render_outline(title: str, document: dict[str, Any]) -> Text:
    """The inspected object as a YAML-like outline under its title, keys in colour.

    Top-level sections that nest (labels, spec, relations ...) are set apart by
    a blank line; every key and string is escaped by the outline.
    """
    text = Text(escape(title), style="bold", overflow="fold", end="\n")
    for line in outline(document):
        if not line.prefix and line.value is None:
            text.append("\n")
        text.append("\n" + line.prefix)
        if line.key is not None:
            text.append(line.key, style="bold cyan")
            text.append(":" if line.value is None else ": ")
        if line.value is not None:
            text.append(line.value)
    return text
