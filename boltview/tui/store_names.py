"""Every object of a store view by name, for the jump box (``:``) in the store view.

The names are read from the tree the view already offers: each group's
objects, a window at a time (:meth:`~boltview.stores.view.StoreView.children`),
and what is below them (groups within groups, a docker network's endpoints).  An object is known by its label, its name and its id
(a podman container by its name and its id, so an id's first characters find
it), and by its place (``auth/users``).

etcd is the store whose objects can be counted in millions: its keys are
named from the key index alone, never by decoding a value, and neither the
revisions group nor a key's revisions (numbers, found from their key) are
listed.  The file is read
under the app's lock, one window at a time, so the tree reads between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from boltview.render.text import escape
from boltview.stores.etcd_keys import KEYS, key_path, shown
from boltview.stores.etcd_view import REVISIONS, EtcdView
from boltview.stores.view import WINDOW, StoreNode, StoreView
from boltview.tui.names import NameSource
from boltview.tui.widgets.store_detail import StoreRef
from boltview.tui.widgets.store_tree import shown as label_text

#: Nodes that hold objects rather than being one: walked down, not listed.
GROUP_KINDS = ("group", "folder", "range")

#: Fields that say an object's id, when its label is its name (podman's containers, pods).
ID_FIELDS = ("id", "ID", "Id")

KIND_STYLES = {"container": "green", "pod": "bold green", "volume": "cyan", "network": "blue",
               "key": "yellow", "lease": "magenta", "user": "bold", "role": "bold",
               "blob": "blue", "record": "cyan"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoreName:
    """One object of the store as the jump box lists it."""

    ref: StoreRef  # Enter opens it: the tree is opened down to its path
    kind: str
    title: str  # what people call it: a name, a whole etcd key
    where: str = ""  # the groups it is in: "containers", "auth/users"
    ident: str = ""  # an id besides the name (a podman container's)
    # Lowercased once, for matching as one types (see names.Named).
    text: str = field(default="", compare=False)
    names: tuple[str, ...] = field(default=(), compare=False)
    order: int = field(default=0, compare=False)

    @classmethod
    def of(
        cls, path: tuple[str, ...], kind: str, title: str, ident: str = "", order: int = 0,
        where: str | None = None,
    ) -> StoreName:  # fmt: skip
        """The name of the node at ``path``; ``where`` is said from its path unless given."""
        if where is None:
            where = "/".join(label_text(part) for part in path[:-1])
        label = path[-1] if path else ""
        bare = label.partition(":")[2]  # a digest without its algorithm
        names = tuple(dict.fromkeys(n.lower() for n in (title, label, ident, bare) if n))
        text = " ".join((kind, where, *names)).lower()
        return cls(StoreRef(path), kind, title, where, ident, text, names, order)


def store_name_label(name: StoreName) -> Text:
    """'container  containers   pm-web  3f2a…' (all escaped)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{escape(name.kind):<10} ", style=KIND_STYLES.get(name.kind, ""))
    text.append(f"{escape(name.where):<12} ", style="dim")
    text.append(label_text(name.title), style="bold")
    if name.ident and name.ident != name.title:
        text.append(f"  {escape(name.ident)}", style="dim")
    return text


def store_source(view: StoreView, lock: AbstractContextManager[Any]) -> NameSource:
    """The store view's names: :func:`store_names` of ``view``, read under ``lock``."""
    program = view.store.program or view.store.kind

    def read(cancelled: Callable[[], bool], limit: int, problems: list[str]) -> Iterator[StoreName]:
        return store_names(view, lock, cancelled, limit, problems)

    return NameSource(
        f"jump to an object of the {program} store: {what_is_listed(view)}",
        "name, id, key or part of it (more words narrow it)",
        read,
        store_name_label,
    )


def what_is_listed(view: StoreView) -> str:
    """The box's hint of what it finds (said without reading the file)."""
    if isinstance(view, EtcdView):
        return "any part of a key, a lease, a member, a user, a role"
    return "a name, an id or the start of one"


def store_names(
    view: StoreView,
    lock: AbstractContextManager[Any],
    cancelled: Callable[[], bool],
    limit: int,
    problems: list[str],
) -> Iterator[StoreName]:
    """Every object of ``view`` by name, group after group, at most ``limit`` of them.

    A group that cannot be read is passed over and said in ``problems``.
    """
    count = 0
    with lock:
        tops = view.top()
    for order, top in enumerate(tops):
        for name in _group_names(view, lock, top, order, cancelled, problems):
            if cancelled() or count >= limit:
                return
            count += 1
            yield name


def _group_names(
    view: StoreView,
    lock: AbstractContextManager[Any],
    top: StoreNode,
    order: int,
    cancelled: Callable[[], bool],
    problems: list[str],
) -> Iterator[StoreName]:
    try:
        if isinstance(view, EtcdView) and top.path == (KEYS,):
            yield from _etcd_keys(view, lock, order)
        elif isinstance(view, EtcdView) and top.path == (REVISIONS,):
            return  # numbers: a revision is found from its key
        elif top.kind in GROUP_KINDS:
            yield from _walk(view, lock, top, order, cancelled)
        else:
            yield _name_of(top, order)
    except Exception as error:  # noqa: BLE001 - a hostile file must not end the listing
        problems.append(f"{label_text(top.label)}: {error}")


def _walk(
    view: StoreView,
    lock: AbstractContextManager[Any],
    group: StoreNode,
    order: int,
    cancelled: Callable[[], bool],
) -> Iterator[StoreName]:
    """The objects in ``group`` and in the groups within it, a window at a time."""
    start = 0
    while not cancelled():
        with lock:
            window = view.children(group, start, WINDOW)
        for node in window:
            if node.kind not in GROUP_KINDS:
                yield _name_of(node, order)
            if node.has_children:  # a group, or an object with its own (a network's endpoints)
                yield from _walk(view, lock, node, order, cancelled)
        if len(window) < WINDOW:
            return
        start += len(window)


def _name_of(node: StoreNode, order: int) -> StoreName:
    ident = next((str(node.fields[f]) for f in ID_FIELDS if isinstance(node.fields.get(f), str)),
                 "")  # fmt: skip
    return StoreName.of(node.path, node.kind, node.title, ident, order)


def _etcd_keys(
    view: EtcdView, lock: AbstractContextManager[Any], order: int
) -> Iterator[StoreName]:
    """Every key in the file, from the key index: its path and its text, no value decoded."""
    with lock:
        keys = list(view.etcd.sorted_keys)
    for key in keys:
        yield StoreName.of(key_path(key), "key", shown(key), order=order, where=KEYS)
