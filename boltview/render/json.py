"""The small pieces every JSON document of boltview's is made of.

Bytes from the file go into JSON twice: as text a person can read (lossy: what is
not UTF-8 becomes ``\\xNN``) and as standard base64 (exact).  Times are RFC 3339
in UTC with a ``Z``.  Export, recover, inspect, the raw verbs and the browser's
exports all use these, so that one document reads like another.
"""

from __future__ import annotations

from collections.abc import Sequence
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
