"""Every containerd object by name, for the jump box (``:``), and matching them as one types.

The box is the same for every view: a view gives it a :class:`NameSource`
(what to call the objects, how to read their names in a worker, how to draw
one) and the box matches what it reads (:func:`matching`, on anything
:class:`Named`).  This module is containerd's source; the store view's is
:mod:`~boltview.tui.store_names`.

:func:`object_names` walks the kinds' buckets of every namespace and reads
only their keys (an object's name is its bucket's key), never an object; one
page budget for the whole walk bounds it on a corrupt file.  It runs in a
worker, on a private view of the file, and stops at ``limit`` names.  Pods have
no bucket: they are grouped from CRI's containers, so they are listed only
where those are few enough to read.

:func:`matching` ranks the names against what was typed: every word must
appear; a name equal to the query comes first, then one that starts with it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from rich.text import Text

from boltview.bolt.bucket import Bucket
from boltview.bolt.cursor import Budget
from boltview.bolt.file import BoltFile
from boltview.containerd import schema as S
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    INGEST,
    LEASE,
    NAMESPACE,
    POD,
    SANDBOX,
    SNAPSHOT,
    ObjectRef,
)
from boltview.containerd.reader import MetadataReader
from boltview.containerd.refs import KIND_TITLES, name_bytes, name_text
from boltview.errors import BoltviewError
from boltview.render.text import escape

#: Names listed at most; past this the box says the list was cut.
NAME_LIMIT = 100_000

#: Pods are grouped from every container of the namespace: read them only below this many.
POD_CONTAINER_LIMIT = 2_000

#: The kinds whose objects are the keys of one bucket of a namespace, in the tree's order.
KEYED_KINDS = (CONTAINER, IMAGE, CONTENT, INGEST, LEASE, SANDBOX)

#: The order kinds are shown in when they rank the same.
KIND_ORDER = {kind: i for i, kind in enumerate(
    (NAMESPACE, CONTAINER, IMAGE, SNAPSHOT, CONTENT, INGEST, LEASE, SANDBOX, POD)
)}  # fmt: skip


class Named(Protocol):
    """What the box lists: what Enter opens (``ref``), and what it is matched by, lowercased:
    everything said about it (``text``), its names alone (``names``: equal to the query, or
    starting with it, ranks first), and its kind's place in the view (``order``)."""

    @property
    def ref(self) -> Hashable: ...

    @property
    def text(self) -> str: ...

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def order(self) -> int: ...


N = TypeVar("N", bound=Named)

#: How a source reads its names (in a worker): stop when ``cancelled()``, after ``limit``
#: names, and say in ``problems`` what could not be read.
ReadNames = Callable[[Callable[[], bool], int, list[str]], Iterator[Any]]


@dataclass(frozen=True)
class NameSource:
    """What a view gives the jump box: what its objects are, their names, how one is drawn."""

    title: str  # the box's title: "jump to an object: container, image…"
    placeholder: str
    read: ReadNames
    label: Callable[[Any], Text]  # a name's line in the list


@dataclass(frozen=True, slots=True)
class Name:
    """One object as the jump box lists it: its reference and what it is known by."""

    ref: ObjectRef
    also: str = ""  # a second name: a pod's name for its sandbox id
    # Lowercased once, for matching as one types: everything, and the names alone.
    text: str = field(default="", compare=False)
    names: tuple[str, ...] = field(default=(), compare=False)
    order: int = field(default=0, compare=False)

    @classmethod
    def of(cls, ref: ObjectRef, also: str = "") -> Name:
        ident = ref.id.lower()
        bare = ident.partition(":")[2]  # a digest without its algorithm
        names = tuple(n for n in (ident, also.lower(), bare) if n)
        text = f"{ref.kind} {ref.namespace} {ref.snapshotter} {ref.id} {also}".lower()
        return cls(ref, also, text, names, KIND_ORDER.get(ref.kind, len(KIND_ORDER)))


@dataclass
class NameIndex:
    """The names of one view of the file, filled by a worker as it reads them."""

    db: BoltFile
    source: NameSource
    names: list[Any] = field(default_factory=list)
    done: bool = False
    note: str = ""  # what was left out, and why


def object_names(
    reader: MetadataReader,
    cancelled: Callable[[], bool],
    limit: int = NAME_LIMIT,
    problems: list[str] | None = None,
) -> Iterator[Name]:
    """Every object's name, namespace by namespace, at most ``limit`` of them.

    A bucket that cannot be read is passed over and said in ``problems``.
    """
    budget = Budget(reader.db)
    said = problems if problems is not None else []
    for count, name in enumerate(_walk(reader, budget, cancelled, said)):
        if cancelled() or count >= limit:
            return
        yield name


def _walk(
    reader: MetadataReader, budget: Budget, cancelled: Callable[[], bool], problems: list[str]
) -> Iterator[Name]:
    def listing(what: str, names: Iterator[Name]) -> Iterator[Name]:
        """``names``, until a page cannot be read: then what could not be listed, said."""
        try:
            yield from names
        except BoltviewError as error:
            problems.append(f"{what}: {error}")

    def keyed(namespace: str, kind: str, snapshotter: str = "") -> Iterator[Name]:
        bucket = reader.kind_bucket(namespace, kind, snapshotter or None)
        if kind == SANDBOX:  # containerd 1.7 kept them outside v1 too
            outside = _bucket(reader.db, name_bytes(namespace), S.SANDBOXES)
            yield from _keys(outside, budget, cancelled, namespace, kind)
        yield from _keys(bucket, budget, cancelled, namespace, kind, snapshotter)

    def pods(namespace: str) -> Iterator[Name]:
        containers = reader.count(namespace, CONTAINER, POD_CONTAINER_LIMIT + 1) or 0
        if containers > POD_CONTAINER_LIMIT:
            problems.append(
                f"pods of {namespace}: over {POD_CONTAINER_LIMIT} containers, not listed"
            )
            return
        for pod in reader.pods(namespace):
            yield Name.of(pod.ref, pod.name or "")

    def snapshots(namespace: str) -> Iterator[Name]:
        for snapshotter in reader.snapshotter_names(namespace):
            yield from listing(f"{snapshotter} snapshots of {namespace}",
                               keyed(namespace, SNAPSHOT, snapshotter))  # fmt: skip

    namespaces: list[str] = []
    try:
        namespaces = reader.namespace_names()
    except BoltviewError as error:
        problems.append(f"namespaces: {error}")
    for namespace in namespaces:
        yield Name.of(ObjectRef(NAMESPACE, namespace, namespace))
        for kind in KEYED_KINDS:
            yield from listing(f"{KIND_TITLES[kind]} of {namespace}", keyed(namespace, kind))
        yield from listing(f"snapshots of {namespace}", snapshots(namespace))
        if namespace == S.CRI_NAMESPACE and not cancelled():
            yield from listing(f"pods of {namespace}", pods(namespace))


def _keys(
    bucket: Bucket | None,
    budget: Budget,
    cancelled: Callable[[], bool],
    namespace: str,
    kind: str,
    snapshotter: str = "",
) -> Iterator[Name]:
    """The sub-bucket names of ``bucket``: objects of ``kind``."""
    if bucket is None:
        return
    for i, entry in enumerate(bucket.entries(budget=budget)):
        if i % 256 == 0 and cancelled():
            return
        if entry.is_bucket:
            yield Name.of(ObjectRef(kind, namespace, name_text(entry.key), snapshotter))


def _bucket(db: BoltFile, *path: bytes) -> Bucket | None:
    bucket = db.root
    for part in path:
        entry = bucket.entry(part)
        if entry is None or not entry.is_bucket:
            return None
        bucket = bucket.child(entry)
    return bucket


def matching(names: list[N], query: str, limit: int = 200) -> tuple[list[N], int]:
    """The best ``limit`` names for ``query``, and how many match in all.

    A name equal to the query comes first, then one that starts with it, then
    the rest; kinds in the tree's order, and each in the order it was read.
    """
    words = query.lower().split()
    if not words:
        return names[:limit], len(names)
    found = names
    for word in words:  # each word narrows what the one before found
        found = [name for name in found if word in name.text]
    whole = " ".join(words)

    def rank(name: N) -> tuple[int, int]:
        if whole in name.names:
            return 0, name.order
        if any(known.startswith(whole) for known in name.names):
            return 1, name.order
        return 2, name.order

    return heapq.nsmallest(limit, found, key=rank), len(found)


# -- containerd's source ------------------------------------------------------------------

KIND_STYLES = {
    "namespace": "bold magenta", "container": "green", "image": "cyan", "snapshot": "yellow",
    "content": "blue", "ingest": "blue", "lease": "magenta", "sandbox": "green", "pod": "bold green",
}  # fmt: skip


def name_label(name: Name) -> Text:
    """'container  default   web-1' (a pod also by its name, a snapshot with its snapshotter)."""
    ref = name.ref
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{ref.kind:<10}", style=KIND_STYLES.get(ref.kind, ""))
    text.append(f"{escape(ref.namespace):<12} ", style="dim")
    if ref.snapshotter:
        text.append(f"{escape(ref.snapshotter)}/", style="dim")
    if name.also:
        text.append(escape(name.also), style="bold")
        text.append(f"  {escape(ref.id)}", style="dim")
    else:
        text.append(escape(ref.id), style="bold")
    return text


def containerd_source(read: ReadNames) -> NameSource:
    """The containerd view's names (``read``: :func:`object_names` on a private reader)."""
    return NameSource(
        "jump to an object: container, image, snapshot, digest, lease, pod…",
        "name, id or digest (more words narrow it)",
        read,
        name_label,
    )
