"""The small pieces every JSON document of boltview's is made of.

Bytes from the file go into JSON twice: as text a person can read (lossy: what is
not UTF-8 becomes ``\\xNN``) and as standard base64 (exact).  Times are RFC 3339
in UTC with a ``Z``.  Export, recover, inspect, the raw verbs and the browser's
exports all use these, so that one document reads like another.

Every JSON document boltview writes is printable ASCII: what a hostile file
puts in a name (C0 and C1 controls, DEL, bidi overrides, zero-width and other
invisible characters) is written as ``\\uXXXX``, never raw, so a terminal or
an editor shows the document as it is.  :func:`json_text` and :func:`quote`
are the one way to get there; :func:`no_del` finishes what an ASCII-only
encoder wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from boltview.render.text import base64_text


def bytes_field(data: bytes, name: str) -> dict[str, str]:
    """``{name: text, name_base64: exact}`` for one byte string."""
    return {name: data.decode("utf-8", "backslashreplace"), f"{name}_base64": base64_text(data)}


def path_field(path: Sequence[bytes] | None, name: str = "bucket") -> dict[str, Any]:
    """A bucket path the same way: a list of texts and a list of base64 names."""
    if path is None:
        return {name: None, f"{name}_base64": None}
    return {
        name: [part.decode("utf-8", "backslashreplace") for part in path],
        f"{name}_base64": [base64_text(part) for part in path],
    }


def utc_text(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


_quote_ascii = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def no_del(text: str) -> str:
    """ASCII-only JSON with DEL escaped too: ``ensure_ascii`` leaves DEL raw.

    Everything else outside printable ASCII is already ``\\uXXXX`` (C0 as
    JSON requires, C1, bidi and invisible characters as non-ASCII).  A raw DEL
    can only be inside a JSON string, where ``\\u007f`` means the same.
    """
    return text.replace("\x7f", "\\u007f") if "\x7f" in text else text


def quote(text: str) -> str:
    """One str as a JSON string, printable ASCII only."""
    return no_del(_quote_ascii(text))


def json_text(
    document: Any, indent: int | None = 2, default: Callable[[Any], Any] | None = None
) -> str:
    """A whole document as JSON, printable ASCII only."""
    return no_del(json.dumps(document, indent=indent, ensure_ascii=True, default=default))
