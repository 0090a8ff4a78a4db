"""Messages the browser's widgets send each other (handled with ``@on``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class ShowRaw(Message):
    """Show this bucket (``key`` None) or this key of it in the detail pane."""

    path: tuple[bytes, ...]
    key: bytes | None
    is_bucket: bool = False


@dataclass
class ShowObject(Message):
    """Show a containerd object (or a group of them) in the detail pane."""

    item: Any


@dataclass
class ShowError(Message):
    """Show why a node could not be read."""

    path: tuple[bytes, ...]
    message: str


@dataclass
class JumpToRaw(Message):
    """Reveal a bucket, or a key in it, in the raw tree."""

    path: tuple[bytes, ...]
    key: bytes | None = None


@dataclass
class JumpToObject(Message):
    """Reveal a containerd object in the containerd tree."""

    ref: Any


@dataclass
class TreeFilled(Message):
    """The containerd tree put children under ``node`` (namespaces, groups, objects)."""

    node: Any
