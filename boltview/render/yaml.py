"""A JSON document written as YAML: block style, every string double-quoted.

boltview's JSON documents (dicts, lists, strings, integers, floats, booleans,
None) are written as YAML 1.2 that any parser reads back to the same document:

- a mapping as ``key: value`` lines, a sequence as ``- item`` lines, nested
  ones indented by two spaces; empty ones as ``{}`` and ``[]``;
- a key bare when it is a plain word that YAML reads as that string (not
  ``true``, ``null``, ``yes``, a number...), else double-quoted;
- every string value double-quoted, escaped as JSON escapes it (JSON's
  escapes are YAML's, and the text is ASCII: see :mod:`boltview.render.json`),
  so no value is ever read as a number, a date, a boolean or an alias;
- integers and floats as JSON writes them, ``true``/``false``, ``null``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["yaml_text"]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Words a YAML 1.1 or 1.2 parser reads as something else than a string.
_RESERVED = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "nan", "inf"]
)  # fmt: skip


def yaml_text(document: Any) -> str:
    """``document`` (JSON-shaped) as YAML, ending in a newline."""
    lines: list[str] = []
    if isinstance(document, dict | list) and document:
        _block(document, 0, lines)
    else:
        lines.append(_scalar(document))
    return "\n".join(lines) + "\n"


def _block(value: dict[str, Any] | list[Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
    for key, item in items:
        lead = f"{pad}{_key(key)}:" if key is not None else f"{pad}-"
        if isinstance(item, dict | list) and item:
            if key is None:  # a sequence's item that is a collection: its first line follows "- "
                nested: list[str] = []
                _block(item, indent + 2, nested)
                lines.append(f"{lead} {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(lead)
                _block(item, indent + 2, lines)
        else:
            lines.append(f"{lead} {_scalar(item)}")


def _key(key: Any) -> str:
    text = str(key)
    if _PLAIN_KEY.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return _quoted(text)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _quoted(str(value))


def _quoted(text: str) -> str:
    """JSON's escapes, then every character outside printable ASCII as ``\\uXXXX`` (or
    ``\\UXXXXXXXX`` beyond the BMP: YAML has no surrogate pairs)."""
    return "".join(
        char if " " <= char < "\x7f" else
        f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
        for char in json.dumps(text, ensure_ascii=False)
    )  # fmt: skip
