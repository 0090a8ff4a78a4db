"""A store's view built whole, once: what the small stores share.

podman's state, docker's volume and network stores, buildkit's databases and
containers/image's blob info cache hold tens to thousands of records, not
millions: their views decode every record once, on first use, into a tree of
:class:`~boltview.stores.view.StoreNode` kept in memory.  :class:`TreeView`
answers the :class:`~boltview.stores.view.StoreView` protocol from that tree;
a store module only says how to build it (:meth:`TreeView.build`), adding
groups and objects with :meth:`TreeView.add` and what is inconsistent with
:meth:`TreeView.finding`.

The helpers below read what these stores write: JSON values and times (Go's
RFC 3339 text, Unix nanoseconds, ``time.MarshalBinary``), always answering
with a finding rather than an exception when a value is not what it should be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from boltview.bolt.bucket import Bucket
from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.protobuf.wire import JsonValue
from boltview.stores.recognize import Store
from boltview.stores.view import WINDOW, Link, StoreNode
from boltview.values.gotime import GoTime, decode_go_time

__all__ = ["ZERO_TIME", "TreeView", "dicts", "fields", "go_binary_time", "nanos_time", "text"]

ZERO_TIME = "0001-01-01T00:00:00Z"
"""Go's zero ``time.Time`` as it prints it: "never" in every store here."""


class TreeView:
    """A :class:`StoreView` whose whole tree is decoded on first use.

    Subclasses set ``store`` and implement :meth:`build`.  Objects are
    returned by :meth:`objects` in the order they were added.
    """

    store: Store

    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self._nodes: dict[tuple[str, ...], StoreNode] = {}
        self._children: dict[tuple[str, ...], list[StoreNode]] = {(): []}
        self._findings: list[str] = []
        self._built = False

    # -- building ----------------------------------------------------------------

    def build(self) -> None:
        """Decode the file into nodes (:meth:`add`) and findings (:meth:`finding`)."""
        raise NotImplementedError

    def add(self, node: StoreNode) -> StoreNode:
        """``node`` under its parent (its path less the last label), which must exist."""
        parent = node.path[:-1]
        if node.path in self._nodes:  # two records that claim one name: keep both, visibly
            node.path = (*parent, f"{node.path[-1]} ({len(self._children[parent])})")
        self._nodes[node.path] = node
        self._children[parent].append(node)
        self._children.setdefault(node.path, [])
        holder = self._nodes.get(parent)
        if holder is not None:
            holder.has_children = True
            holder.count = len(self._children[parent])
        return node

    def group(self, *path: str, summary: str = "") -> StoreNode:
        """A group node (``containers``, ``pods``): counted as its children are added."""
        return self.add(StoreNode(path, "group", summary, has_children=True, count=0))

    def finding(self, message: str) -> None:
        self._findings.append(message)

    def _ensure(self) -> None:
        if not self._built:
            self._built = True
            try:
                self.build()
            except BoltviewError as error:  # a damaged file: what was read, and why not more
                self.finding(f"the file could not be read whole: {error}")
            except (TypeError, AttributeError, KeyError, ValueError) as error:
                # a record of a shape its program never writes, past the checks of build()
                self.finding(f"a record is not shaped as {self.store.program} writes it "
                             f"({type(error).__name__}: {error}); what came before it is shown")  # fmt: skip

    # -- the StoreView protocol ----------------------------------------------------

    def top(self) -> list[StoreNode]:
        self._ensure()
        return list(self._children[()])

    def children(self, node: StoreNode, start: int = 0, limit: int = WINDOW) -> list[StoreNode]:
        self._ensure()
        return self._children.get(node.path, [])[start : start + limit]

    def find(self, path: tuple[str, ...]) -> StoreNode | None:
        self._ensure()
        return self._nodes.get(tuple(path))

    def objects(self) -> Iterator[StoreNode]:
        self._ensure()
        return (node for node in self._nodes.values() if node.kind != "group")

    def findings(self) -> list[str]:
        self._ensure()
        return list(self._findings)

    # -- reading the file ------------------------------------------------------------

    def bucket(self, *path: bytes) -> Bucket | None:
        """The bucket at ``path``, or None when the file has none there."""
        try:
            return self.db.bucket(*path)
        except BoltviewError:
            return None

    def values(self, *path: bytes) -> Iterator[tuple[bytes, bytes]]:
        """The plain keys of the bucket at ``path`` (none when it is missing), with values."""
        bucket = self.bucket(*path)
        if bucket is None:
            return
        for entry in bucket.entries():
            if not entry.is_bucket:
                yield bytes(entry.key), bytes(entry.value)

    def sub_buckets(self, *path: bytes) -> Iterator[Bucket]:
        bucket = self.bucket(*path)
        if bucket is not None:
            yield from bucket.buckets()

    def json(self, raw: bytes | None, where: str) -> Any:
        """``raw`` as JSON, or None with a finding naming ``where`` when it is not."""
        if raw is None:
            return None
        try:
            return json.loads(bytes(raw))
        except (ValueError, UnicodeDecodeError) as error:
            self.finding(f"{where}: not JSON ({error})")
            return None

    def json_object(self, raw: bytes | None, where: str) -> dict[str, Any]:
        """``raw`` as a JSON object; anything else is a finding and an empty object."""
        value = self.json(raw, where)
        if value is None or isinstance(value, dict):
            return value or {}
        self.finding(f"{where}: a JSON {type(value).__name__}, not an object")
        return {}

    @staticmethod
    def source(*path: bytes) -> tuple[bytes, ...]:
        return tuple(path)

    @staticmethod
    def link(label: str, *path: str) -> Link:
        return Link(label, tuple(path))


def text(raw: bytes) -> str:
    """A key or value that a store writes as text; other bytes kept visible as ``\\xNN``."""
    return bytes(raw).decode("utf-8", "backslashreplace")


def nanos_time(nanos: int) -> str:
    """Unix nanoseconds as Go's ``time.RFC3339Nano`` prints them in UTC."""
    seconds, rest = divmod(nanos, 1_000_000_000)
    return GoTime(seconds, rest, -1).rfc3339()


def go_binary_time(raw: bytes) -> str | None:
    """A ``time.MarshalBinary`` value as Go prints it (RFC 3339), or None when it is not one."""
    try:
        return decode_go_time(raw).rfc3339()
    except BoltviewError:
        return None


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (none when it is no list): what a record's lists should hold."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def fields(**values: Any) -> dict[str, JsonValue]:
    """The fields of a node (decoded JSON, JSON-shaped), those without a value (None) left out."""
    return {name: value for name, value in values.items() if value is not None}
