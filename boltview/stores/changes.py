"""``diff`` in a store's own terms: what happened between two transactions (or files).

A view that knows its own history says it (etcd: every revision written
since, "etcd PUT /registry/pods/default/x @rev 1234"), through
``changes_since``; everything else is compared object by object, matched by
path: "podman container web removed", "podman container web changed: state
running -> exited".  Both are used when a view has both (etcd's leases,
members and users are compared as objects; its keys by revision).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator

from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.protobuf.wire import JsonValue
from boltview.stores.recognize import recognize
from boltview.stores.registry import VIEWS
from boltview.stores.view import StoreChange, StoreNode, StoreView

__all__ = ["compare_objects", "store_changes"]

#: Longest value shown in a "changed: a -> b" line.
BRIEF = 40


def store_changes(old: BoltFile, new: BoltFile) -> tuple[str, list[StoreChange]] | None:
    """The store's program and its changes from ``old`` to ``new``; None when the two are
    not the same store, or no view knows it."""
    store = recognize(new)
    make = VIEWS.get(store.kind)
    if make is None or recognize(old).kind != store.kind:
        return None
    try:
        before, after = make(old), make(new)
    except BoltviewError:
        return None
    own = getattr(after, "changes_since", None)
    if own is None:
        return store.program, list(compare_objects(before, after))
    changes: list[StoreChange] = own(before)
    covered = set(getattr(after, "HISTORY_GROUPS", ()))  # the groups its own account covers
    rest = (
        change for change in compare_objects(before, after, store.program, covered)
        if not change.path or change.path[0] not in covered
    )  # fmt: skip
    return store.program, changes + list(rest)


def compare_objects(
    old: StoreView, new: StoreView, program: str = "", skip: Collection[str] = ()
) -> Iterator[StoreChange]:
    """Objects added, removed and changed, matched by path; in ``new``'s order, then the
    removed ones in ``old``'s.  The top groups in ``skip`` are left out (by a view that
    can leave them unread: a view with HISTORY_GROUPS takes ``objects(skip=...)``)."""
    program = program or new.store.program
    before = {node.path: node for node in _objects(old, skip)}
    seen: set[tuple[str, ...]] = set()
    for node in _objects(new, skip):
        seen.add(node.path)
        was = before.get(node.path)
        what = _what(program, node)
        if was is None:
            yield StoreChange("added", node.path, f"{what} added")
            continue
        changed = list(changed_fields(was.fields, node.fields))
        marks = _marks_change(was, node)
        if changed or marks:
            parts = [f"{name} {_brief(a)} -> {_brief(b)}" for name, a, b in changed[:3]]
            if len(changed) > 3:
                parts.append(f"{len(changed) - 3} more fields")
            parts += marks
            yield StoreChange("changed", node.path, f"{what} changed: {', '.join(parts)}",
                              tuple(name for name, _, _ in changed))  # fmt: skip
    for path, node in before.items():
        if path not in seen:
            yield StoreChange("removed", path, f"{_what(program, node)} removed")


def _what(program: str, node: StoreNode) -> str:
    """ "podman container web", or "etcd meta" for an object named as its kind."""
    if node.title == node.kind:
        return f"{program} {node.kind}"
    return f"{program} {node.kind} {node.title}"


def _objects(view: StoreView, skip: Collection[str]) -> Iterator[StoreNode]:
    if skip and getattr(view, "HISTORY_GROUPS", None):
        objects: Iterator[StoreNode] = getattr(view, "objects")(skip=skip)  # noqa: B009
    else:
        objects = view.objects()
    return (node for node in objects if not node.path or node.path[0] not in skip)


def changed_fields(
    old: dict[str, JsonValue], new: dict[str, JsonValue], prefix: str = ""
) -> Iterator[tuple[str, JsonValue, JsonValue]]:
    """(dotted name, old, new) for each field that differs, nested objects entered."""
    for name in _union(old, new):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            yield from changed_fields(a, b, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", a, b


def _union(old: Iterable[str], new: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))


def _marks_change(old: StoreNode, new: StoreNode) -> list[str]:
    gained = [mark for mark in new.marks if mark not in old.marks]
    lost = [mark for mark in old.marks if mark not in new.marks]
    return [f"now {mark}" for mark in gained] + [f"no longer {mark}" for mark in lost]


def _brief(value: JsonValue) -> str:
    if value is None:
        return "(none)"
    shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return shown if len(shown) <= BRIEF else shown[: BRIEF - 1] + "…"
