"""What each node of the containerd tree holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from boltview.containerd.model import IMAGE, Namespace
from boltview.containerd.reader import AnyObject
from boltview.tui.widgets.files_items import (
    ChangeItem,
    DirItem,
    DriftItem,
    FileItem,
    GapItem,
    MoreFiles,
)


@dataclass
class NsItem:
    namespace: Namespace
    loaded: bool = False
    loading: bool = False


@dataclass
class GroupItem:
    namespace: str
    kind: str
    title: str
    count: int | None
    snapshotter: str | None = None
    loaded: bool = False
    loading: bool = False


@dataclass
class ObjItem:
    obj: AnyObject
    loaded: bool = False
    loading: bool = False


@dataclass
class MoreObjects:
    namespace: str
    kind: str
    key: bytes
    forward: bool
    loading: bool = False


@dataclass(frozen=True)
class Note:
    message: str
    error: bool = False


@dataclass(frozen=True)
class RootItem:
    pass


ContainerdItem: TypeAlias = (RootItem | NsItem | GroupItem | ObjItem | MoreObjects | Note
                             | DirItem | FileItem | MoreFiles | GapItem | DriftItem | ChangeItem)  # fmt: skip


def obj_key(obj: AnyObject) -> str:
    """The key an object's bucket has: an image's name, anything else's id."""
    if hasattr(obj, "name") and obj.kind == IMAGE:
        return str(obj.name)
    return str(getattr(obj, "id", ""))
