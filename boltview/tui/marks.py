"""What changed, what was deleted and what can be recovered, as marks on the containerd tree.

Two answers, each computed once in a worker on a private view of the file:

- :func:`read_changes`: what the last transaction did, as ``boltview diff FILE``
  prints it (:func:`boltview.containerd.changes.since_previous`): objects
  created, changed (which fields) and deleted; a deleted object is read back
  from the previous transaction's tree, so it can be shown;
- :func:`read_recovered`: what ``boltview recover FILE`` finds in the pages
  the file no longer uses (:func:`boltview.forensics.containerd.recovered_objects`):
  deleted objects and older versions, with the pages their bytes lie in.

The labels and the detail pane's text for both are here; the mixin that puts
them on the tree is :mod:`boltview.tui.marking`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from rich.console import RenderableType
from rich.text import Text

from boltview.bolt.file import BoltFile
from boltview.containerd.changes import Event, since_previous
from boltview.containerd.model import NAMESPACE, SNAPSHOT, ObjectRef
from boltview.containerd.reader import AnyObject, MetadataReader
from boltview.containerd.refs import KIND_TITLES
from boltview.errors import BoltviewError
from boltview.forensics.containerd import RecoveredObject, recovered_objects
from boltview.forensics.records import DELETED, LIVE_COPY, OLDER
from boltview.forensics.recover import recover
from boltview.render.text import escape
from boltview.tui.widgets.detail import facts_table
from boltview.tui.widgets.objects import object_body, object_header, summary

#: A group of the tree, as (namespace, kind, snapshotter or "").
GroupKey = tuple[str, str, str]


@dataclass(frozen=True)
class Ghost:
    """An object the last transaction deleted, as the previous transaction held it."""

    event: Event
    obj: AnyObject | None
    """Read from the previous transaction's tree (None: not readable there)."""


@dataclass
class Changes:
    """What the last transaction (``old_txid`` to ``new_txid``) did to containerd's objects."""

    old_txid: int
    new_txid: int
    old_meta: int
    events: dict[ObjectRef, Event] = field(default_factory=dict)
    ghosts: dict[GroupKey, list[Ghost]] = field(default_factory=lambda: defaultdict(list))
    """Deleted objects, by the group they were in (namespaces: (name, "namespace", ""))."""

    def __len__(self) -> int:
        return len(self.events)


@dataclass
class Recovered:
    """What ``recover`` found, by namespace (None: the namespace is not known)."""

    by_namespace: dict[str | None, list[RecoveredObject]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(objects) for objects in self.by_namespace.values())


def read_changes(db: BoltFile) -> Changes:
    """What the last transaction of ``db`` did; BoltviewError when there is no previous one."""
    private = db.with_meta(db.meta.index)
    old, events = since_previous(private)
    changes = Changes(old.txid, private.txid, old.meta.index)
    reader = MetadataReader(old, check=False)
    for event in events:
        ref = event.ref
        changes.events[ref] = event
        if event.action != "deleted":
            continue
        try:
            obj: AnyObject | None = reader.get(ref)
        except BoltviewError:
            obj = None
        changes.ghosts[group_of(ref)].append(Ghost(event, obj))
    return changes


def group_of(ref: ObjectRef) -> GroupKey:
    """The group an object is listed in: (namespace, kind, snapshotter or "")."""
    return ref.namespace, ref.kind, ref.snapshotter if ref.kind == SNAPSHOT else ""


def read_recovered(db: BoltFile) -> Recovered:
    """Deleted and older objects in the pages ``db`` no longer uses (live copies left out)."""
    found = recovered_objects(recover(db.with_meta(db.meta.index)))
    out = Recovered()
    for obj in found:
        if obj.status != LIVE_COPY:
            out.by_namespace.setdefault(obj.namespace, []).append(obj)
    return out


# -- labels ----------------------------------------------------------------------------------


def change_mark(event: Event) -> tuple[Text, Text]:
    """The prefix and the suffix of a live object's label that the last transaction touched;
    the words come first, so that a narrow tree still shows them."""
    if event.action == "created":
        return Text("+ new ", style="bold green"), Text("")
    if event.action == "deleted":
        return Text("− deleted next ", style="bold red"), Text("")
    what = event.detail or ", ".join(event.fields[:3]) + (", …" if len(event.fields) > 3 else "")
    suffix = Text(f"  {escape(what)}", style="yellow") if what else Text("")
    return Text(f"~ {event.action} ", style="bold yellow"), suffix


def marked(label: Text, event: Event) -> Text:
    prefix, suffix = change_mark(event)
    return Text.assemble(prefix, label, suffix)


def ghost_label(ghost: Ghost, now: datetime) -> Text:
    """``✗ deleted, not live`` and the object's label (struck out), or its id."""
    event = ghost.event
    text = Text("✗ deleted, not live ", style="bold red")
    if event.kind == NAMESPACE:
        text.append("namespace ", style="red")
    if ghost.obj is not None:
        name = summary(ghost.obj, now)
        name.stylize("red strike")
        text.append_text(name)
    else:
        ident = event.id if event.kind != SNAPSHOT else event.ref.id
        text.append(escape(ident), style="red strike")
    return text


def recovered_group_label(
    objects: list[RecoveredObject], namespace: str | None, live: bool
) -> Text:
    text = Text("recovered", style="bold red")
    text.append(f" ({len(objects)})", style="dim")
    if namespace is None:
        text.append("  namespace unknown", style="dim red")
    elif not live:
        text.append(f"  from namespace {escape(namespace)} (not live)", style="dim red")
    text.append("  not live: from unused pages", style="dim")
    return text


def recovered_label(obj: RecoveredObject) -> Text:
    colour = "red" if obj.status == DELETED else "magenta"
    text = Text("⟲ ", style=f"bold {colour}")
    text.append(escape(obj.kind) + " ", style="dim")
    who = obj.id if obj.id is not None else "?"
    if obj.snapshotter:
        who = f"{obj.snapshotter}/{who}"
    text.append(escape(who), style=colour)
    text.append(f"  {obj.status} · pages {_pages(obj.pages)} · {obj.confidence}", style="dim")
    return text


def _pages(pages: tuple[int, ...]) -> str:
    if not pages:
        return "-"
    runs: list[str] = []
    start = prev = pages[0]
    for page in [*pages[1:], None]:
        if page is not None and page == prev + 1:
            prev = page
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if page is not None:
            start = prev = page
    return ",".join(runs)


# -- the detail pane ---------------------------------------------------------------------------


def change_note(event: Event, changes: Changes) -> Text:
    """The line above a live object's fields that says what the last transaction did to it."""
    txid = changes.new_txid
    if event.action == "created":
        return Text(f"+ new in txid {txid}: not in txid {changes.old_txid}", style="bold green")
    if event.action == "deleted":
        return Text(f"− deleted in txid {txid}: shown from the previous transaction's tree",
                    style="bold red")  # fmt: skip
    text = Text(f"~ {event.action} in txid {txid}", style="bold yellow")
    what = event.detail or ", ".join(event.fields[:20])
    if len(event.fields) > 20 and not event.detail:
        what += f", and {len(event.fields) - 20} more"
    if what:
        text.append(f": {escape(what)}", style="yellow")
    return text


def ghost_detail(
    ghost: Ghost, changes: Changes, now: datetime, local: tzinfo | None
) -> list[RenderableType]:
    event = ghost.event
    head = Text(f"{event.kind} {escape(event.id)}", style="bold red")
    head.append("  DELETED · not live", style="bold red reverse")
    rows: list[tuple[str, RenderableType | str]] = [
        ("deleted in", f"txid {changes.new_txid} (the active transaction)"),
        (
            "read from",
            f"the previous transaction: txid {changes.old_txid}, meta {changes.old_meta}",
        ),
    ]
    if event.kind != NAMESPACE:
        what = KIND_TITLES.get(event.kind, event.kind)
        rows.append(("group", f"{what} of namespace {escape(event.namespace)}"))
    parts: list[RenderableType] = [
        head,
        facts_table(rows),
        Text(
            "As `boltview diff FILE` reports it; t shows the previous transaction's tree.",
            style="dim",
        ),
    ]
    if ghost.obj is None:
        parts.append(
            Text("\nIts buckets are not readable in the previous transaction.", style="dim")
        )
        return parts
    parts.append(Text(""))
    return parts + _object_parts(ghost.obj, now, local)


def recovered_detail(
    obj: RecoveredObject, now: datetime, local: tzinfo | None
) -> list[RenderableType]:
    head = Text(escape(obj.label), style="bold red" if obj.status == DELETED else "bold magenta")
    head.append(f"  RECOVERED · {obj.status} · not live", style="bold red reverse")
    rows: list[tuple[str, RenderableType | str]] = [
        ("status", f"{obj.status}: {escape(obj.status_note)}"),
        ("namespace", escape(obj.namespace or "? (not known)")),
        ("id", f"{escape(obj.id or '?')} (from {escape(obj.id_source)})"),
        ("pages", f"{_pages(obj.pages)}: pages the live tree does not use"),
        (
            "read from",
            f"an old copy of its bucket, at {escape(obj.copy.id)}"
            if obj.copy is not None
            else "only its name, in an old copy of its parent",
        ),
        ("confidence", obj.confidence),
    ]
    if obj.attribution:
        rows.append(("bucket via", escape(obj.attribution)))
    if obj.fields:
        rows.append(("recovered", escape(", ".join(obj.fields))))
    if obj.missing:
        rows.append(("not recovered", escape(", ".join(obj.missing))))
    if obj.status == OLDER and obj.changed:
        rows.append(("differs", escape(", ".join(obj.changed))))
    rows.extend(("note", escape(note)) for note in obj.notes)
    parts: list[RenderableType] = [
        head,
        facts_table(rows),
        Text(
            "As `boltview recover FILE` reports it: these bytes are not in the live tree.",
            style="dim",
        ),
    ]
    if obj.obj is not None:
        parts.append(Text("\nthe fields as recovered:", style="bold"))
        parts.extend(_object_parts(obj.obj, now, local))
    return parts


def _object_parts(obj: AnyObject, now: datetime, local: tzinfo | None) -> list[RenderableType]:
    try:
        return [*object_header(obj, now, local), *object_body(obj)]
    except Exception as error:  # noqa: BLE001 - old or partial bytes must not end the app
        return [Text(f"fields not shown: {type(error).__name__}: {error}", style="red")]
