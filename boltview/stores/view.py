"""What a store shows: a tree of decoded objects, one shape for every store.

containerd has its own model and browser view; each other store boltview
reads (etcd, podman, docker's volume and network stores, buildkit,
containers/image's blob info cache) describes its file as a tree of
:class:`StoreNode` through a :class:`StoreView`.  The browser draws any view
the same way (labels, a detail pane of decoded fields, links to follow, the
raw bytes one key away), ``inspect``/``export`` write its objects as JSON with
where each came from, and ``diff`` compares two views object by object.

A node is named by its path of labels from the view's top, which is how links
point and how two transactions' objects are matched.  Children are read on
demand, a window at a time, so a view of a million etcd keys costs what is
shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from boltview.protobuf.wire import JsonValue
from boltview.stores.recognize import Store

#: How many children a view hands out at a time, unless asked for another window.
WINDOW = 200


@dataclass(frozen=True)
class Link:
    """A relation to follow: what it is (``pod``, ``network``), and where it leads."""

    label: str
    path: tuple[str, ...]  # the target's StoreNode.path


@dataclass
class StoreNode:
    """One object of a store, or a group of them, decoded."""

    path: tuple[str, ...]  # labels from the view's top: the node's identity
    kind: str  # in the store's words: "container", "pod", "key", "revision", "group"
    summary: str = ""  # one line shown beside the label (state, size, time)
    fields: dict[str, JsonValue] = field(default_factory=dict)  # decoded, JSON-shaped
    has_children: bool = False
    count: int | None = None  # how many children, when known without reading them
    links: tuple[Link, ...] = ()
    source: tuple[bytes, ...] = ()  # the bucket path and key it was decoded from
    # When ``source`` is in a companion file beside the view's own (buildkit's
    # snapshots.db beside metadata_v2.db): that file's path and the txid read.
    origin: tuple[str, int] | None = None
    marks: tuple[str, ...] = ()  # "deleted", "tombstone", "inconsistent", "encrypted"
    name: str = ""  # what people call it when the label is not all of it (an etcd key)
    # Fields the browser shows but exports leave out unless asked (password hashes).
    secrets: dict[str, JsonValue] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def title(self) -> str:
        """The name to say: ``name``, else the label."""
        return self.name or self.label


@dataclass(frozen=True)
class StoreChange:
    """One change between two transactions (or files), in the store's words.

    ``op`` is ``added``, ``removed`` or ``changed`` for an object, or the store's
    own event (etcd's ``put``, ``delete``, ``compacted``); ``path`` is the
    object's; ``text`` the line people read ("podman container web removed").
    """

    op: str
    path: tuple[str, ...]
    text: str
    fields: tuple[str, ...] = ()  # the fields that changed

    def __str__(self) -> str:
        return self.text

    def to_json(self) -> dict[str, JsonValue]:
        return {"op": self.op, "path": list(self.path), "text": self.text,
                "fields": list(self.fields)}  # fmt: skip


class StoreView(Protocol):
    """A store's file read in its own terms; every read is of one transaction."""

    store: Store

    def top(self) -> list[StoreNode]:
        """The first level of the tree (groups such as containers, pods, volumes)."""
        ...

    def children(self, node: StoreNode, start: int = 0, limit: int = WINDOW) -> list[StoreNode]:
        """``node``'s children from the ``start``-th, at most ``limit`` of them."""
        ...

    def find(self, path: tuple[str, ...]) -> StoreNode | None:
        """The node at ``path`` (a link's target), or None when there is none."""
        ...

    def objects(self) -> Iterator[StoreNode]:
        """Every object (no groups), in a stable order: what export and diff walk."""
        ...

    def findings(self) -> list[str]:
        """What is inconsistent in the store's own terms (a name no id has ...)."""
        ...


# A view may also have:
# - ``changes_since(old_view) -> list[StoreChange]``, its own account of what happened
#   between two transactions (etcd: the revisions written since); without it, ``diff``
#   compares ``objects()`` path by path (see boltview.stores.changes);
# - ``path_of(source) -> tuple[str, ...] | None``, the node read from a raw bucket path and
#   key (a StoreNode's ``source``): the browser's way back from the raw view (``v``, ``o``).
