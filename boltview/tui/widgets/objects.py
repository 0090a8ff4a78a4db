"""How containerd objects look: one-line summaries for the tree, and the detail pane.

Pure functions from model objects to rich renderables; every string from the
file goes through :func:`~boltview.render.text.escape` and into ``Text``
objects (never markup), so a hostile label cannot reach the terminal.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo

from rich.console import RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from boltview.containerd.encoding import GoTime
from boltview.containerd.listing import expires_at, snapshot_kind_words
from boltview.containerd.model import (
    AnyValue,
    Container,
    ContentBlob,
    Image,
    Ingest,
    Lease,
    Namespace,
    Pod,
    Sandbox,
    Snapshot,
)
from boltview.containerd.reader import AnyObject
from boltview.containerd.refs import short_digest
from boltview.containerd.relations import content_role
from boltview.render.text import escape, human_size, show_bytes, show_path
from boltview.tui.values import age, plural, short_age, time_facts
from boltview.tui.widgets.detail import facts_table, json_view
from boltview.values.gotime import OUT_OF_RANGE, go_datetime


def short_id(text: str) -> str:
    """A digest or a long hex id cut for a table cell (12 characters of it)."""
    return short_digest(text, 12)


def _when(stamp: GoTime | None) -> datetime | None:
    if stamp is None or stamp.is_zero:
        return None
    return go_datetime(stamp)[0]


def _age(stamp: GoTime | None, now: datetime) -> str | None:
    when = _when(stamp)
    return short_age(when, now) if when is not None else None


def _expiry(obj: Ingest | Lease, now: datetime) -> str | None:
    """'expired 3 days ago' / 'expires in 2 hours' for a lease or ingest that expires."""
    stamp = expires_at(obj)
    if stamp is None:
        return None
    when = datetime.fromtimestamp(stamp, UTC)
    return ("expired " if when < now else "expires ") + age(when, now)


def expiry_rows(obj: Ingest | Lease, now: datetime, local: tzinfo | None) -> list[tuple[str, str]]:
    """The expiry in the detail pane, saying whether it is past: ('expires', '... (expired 3 days ago)')."""
    stamp = expires_at(obj)
    if stamp is None:
        return [("expires", "never" if isinstance(obj, Lease) else "(not set)")]
    when = datetime.fromtimestamp(stamp, UTC)
    facts = dict(time_facts(when, now, local))
    rows = [("expires", f"{facts['local']}  ({_expiry(obj, now)})")]
    return rows if facts["local"] == facts["UTC"] else [*rows, ("", facts["UTC"])]


def summary(obj: AnyObject, now: datetime) -> Text:
    """The object's tree label: its id or name, then a dim short summary."""
    name, parts = _summary_parts(obj, now)
    label = Text(escape(name), style="bold" if isinstance(obj, Namespace) else "")
    extra = " · ".join(escape(p) for p in parts if p)
    if extra:
        label.append("  " + extra, style="dim")
    if getattr(obj, "issues", ()):
        label.append(" ⚠", style="bold red")
    return label


def _summary_parts(obj: AnyObject, now: datetime) -> tuple[str, list[str | None]]:
    if isinstance(obj, Container):
        image = obj.image.rsplit("/", 1)[-1] if obj.image else "(no image)"
        runtime = obj.runtime_name.removeprefix("io.containerd.")
        return obj.id, [short_digest(image), runtime, _age(obj.created_at, now)]
    if isinstance(obj, Image):
        role = content_role(obj.target.media_type) if obj.target.media_type else "?"
        return obj.name, [role, short_id(obj.target.digest), _age(obj.created_at, now)]
    if isinstance(obj, Snapshot):
        kind = obj.kind_shown if obj.snapshot_kind is not None else None
        count = len(obj.children)
        children = f"{count} child" + ("ren" if count != 1 else "") if count else None
        return short_id(obj.key), [kind, children, _age(obj.created_at, now)]
    if isinstance(obj, ContentBlob):
        size = human_size(obj.size) if obj.size is not None else "size ?"
        labels = plural(len(obj.labels), "label") if obj.labels else None
        return short_id(obj.digest), [size, labels, _age(obj.created_at, now)]
    if isinstance(obj, Ingest):
        return obj.ref_name, [short_id(obj.expected or ""), _expiry(obj, now)]
    if isinstance(obj, Lease):
        count = len(obj.resources)
        return obj.id, [plural(count, "resource"), _age(obj.created_at, now), _expiry(obj, now)]
    if isinstance(obj, Sandbox):
        return short_id(obj.id), [
            obj.sandboxer,
            obj.runtime_name.removeprefix("io.containerd."),
            _age(obj.created_at, now),
        ]
    if isinstance(obj, Pod):
        name = f"{obj.pod_namespace or '?'}/{obj.name or short_id(obj.sandbox_id)}"
        count = len(obj.containers)
        return name, [plural(count, "container"), obj.ip]
    if isinstance(obj, Namespace):
        labels = plural(len(obj.labels), "label") if obj.labels else None
        return obj.name, [labels]
    return str(getattr(obj, "id", "?")), []


# -- the detail pane -------------------------------------------------------------------


def title_of(obj: AnyObject) -> Text:
    kind = getattr(type(obj), "kind", "object")
    ident = getattr(obj, "id", "")
    if isinstance(obj, Image):
        ident = obj.name
    elif isinstance(obj, Pod):
        ident = f"{obj.pod_namespace or '?'}/{obj.name or obj.sandbox_id}"
    text = Text(f"{kind} ", style="bold")
    text.append(escape(str(ident)), style="bold yellow")
    namespace = getattr(obj, "namespace", None)
    if namespace is not None and not isinstance(obj, Namespace):
        text.append(f"  namespace {escape(namespace)}", style="dim")
    return text


def time_rows(
    name: str, stamp: GoTime | None, now: datetime, local: tzinfo | None
) -> list[tuple[str, str]]:
    if stamp is None:
        return [(name, "(not set)")]
    if stamp.is_zero:
        return [(name, stamp.rfc3339())]
    when, note = go_datetime(stamp)
    try:
        facts = dict(time_facts(when, now, local)) if when is not None else None
    except (OverflowError, ValueError):  # in range in UTC, not in the local zone
        facts, note = None, OUT_OF_RANGE
    if facts is None:
        return [(name, f"{stamp.rfc3339()}  ({note})")]
    first = (name, f"{facts['local']}  ({facts['age']})")
    if facts["local"] == facts["UTC"]:
        return [first]
    return [first, ("", facts["UTC"])]


LABELS_SHOWN = 200
"""Labels drawn in the detail pane at most: an object may carry 100,000 of them."""


def labels_table(
    title: str, labels: Mapping[str, str] | None, limit: int = LABELS_SHOWN
) -> list[RenderableType]:
    """The first ``limit`` labels in key order, then how many more there are.

    Only the labels shown are sorted and drawn (``heapq.nsmallest``), so a
    container with 100,000 labels costs one pass over them, not a table of all.
    """
    if not labels:
        return []
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        show_edge=False,
        expand=True,
        header_style="dim",
    )
    table.add_column("key", style="cyan", overflow="fold", ratio=1)
    table.add_column("value", overflow="fold", ratio=1)
    items = labels.items()
    shown = heapq.nsmallest(limit, items) if len(labels) > limit else sorted(items)
    for key, value in shown:
        table.add_row(Text(escape(key)), Text(escape(value)))
    more = len(labels) - len(shown)
    if not more:
        return [table]
    marker = Text(f"... {more:,} more {title} (not shown)", style="dim italic")
    return [table, marker]


def any_rows(name: str, value: AnyValue | None) -> list[tuple[str, str]]:
    if value is None:
        return [(name, "(none)")]
    return [(name, f"{escape(value.type_url) or '(no type)'}, {human_size(len(value.value))}")]


def any_section(name: str, value: AnyValue | None) -> list[RenderableType]:
    if value is None:
        return []
    decoded = value.decoded
    parts: list[RenderableType] = [
        Rule(
            f"{escape(name)}: {escape(value.type_url) or '?'} ({escape(decoded.decoded_as)})",
            style="dim",
        )
    ]
    if decoded.error:
        parts.append(Text("decode: " + escape(decoded.error), style="yellow"))
    if decoded.decoded is not None:
        parts.append(json_view(decoded.decoded))
    elif value.value:
        parts.append(Text(f"{plural(len(value.value), 'byte')}, not decodable", style="dim"))
    else:
        parts.append(Text("(empty: all fields at their defaults)", style="dim"))
    return parts


def children_text(obj: Snapshot) -> str:
    """How many children exist, and which ones meta.db still lists though they are gone."""
    text = str(len(obj.children))
    if obj.gone_children:
        gone = ", ".join(short_id(key) for key in obj.gone_children[:5])
        more = f" and {len(obj.gone_children) - 5} more" if len(obj.gone_children) > 5 else ""
        text += (f"  (meta.db also lists {len(obj.gone_children)} deleted: {gone}{more}; "
                 "containerd's garbage collector does not unlink them)")  # fmt: skip
    return text


def object_header(obj: AnyObject, now: datetime, local: tzinfo | None) -> list[RenderableType]:
    """Title and the decoded fields."""
    rows: list[tuple[str, str]] = []
    if isinstance(obj, Container):
        rows += [("id", obj.id), ("image", obj.image or "(none)"), ("runtime", obj.runtime_name)]
        rows += any_rows("options", obj.runtime_options)
        rows += [("snapshotter", obj.snapshotter), ("snapshot key", obj.snapshot_key)]
        if obj.sandbox_id is not None:
            rows.append(("sandbox id", obj.sandbox_id))
        rows += any_rows("spec", obj.spec)
        rows += time_rows("created", obj.created_at, now, local)
        rows += time_rows("updated", obj.updated_at, now, local)
    elif isinstance(obj, Image):
        target = obj.target
        size = (
            f"{plural(target.size, 'byte')} ({human_size(target.size)})"
            if target.size is not None
            else "?"
        )
        rows += [
            ("name", obj.name),
            ("media type", target.media_type),
            ("digest", target.digest),
            ("size", size),
        ]
        rows += time_rows("created", obj.created_at, now, local)
        rows += time_rows("updated", obj.updated_at, now, local)
    elif isinstance(obj, Snapshot):
        rows += [
            ("key", obj.key),
            ("snapshotter", obj.snapshotter),
            ("backend name", obj.name),
            ("parent", obj.parent or "(none: a base layer)"),
            ("kind", snapshot_kind_words(obj)),
            ("children", children_text(obj)),
        ]
        rows += time_rows("created", obj.created_at, now, local)
        rows += time_rows("updated", obj.updated_at, now, local)
        if obj.backend is not None:
            backend = obj.backend
            rows += [
                ("backend id", str(backend.id)),
                ("directory", backend.directory or "?"),
                (
                    "usage",
                    f"{human_size(backend.size or 0)}, {plural(backend.inodes or 0, 'inode')}",
                ),
            ]
    elif isinstance(obj, ContentBlob):
        size = (
            f"{plural(obj.size, 'byte')} ({human_size(obj.size)})" if obj.size is not None else "?"
        )
        rows += [("digest", obj.digest), ("size", size)]
        rows += time_rows("created", obj.created_at, now, local)
        rows += time_rows("updated", obj.updated_at, now, local)
    elif isinstance(obj, Ingest):
        rows += [
            ("ref", obj.ref_name),
            ("backend ref", obj.backend_ref),
            ("expected", obj.expected or "(none)"),
        ]
        rows += expiry_rows(obj, now, local)
    elif isinstance(obj, Lease):
        rows += [("id", obj.id), ("resources", str(len(obj.resources)))]
        rows += time_rows("created", obj.created_at, now, local)
        rows += expiry_rows(obj, now, local)
    elif isinstance(obj, Sandbox):
        rows += [
            ("id", obj.id),
            (
                "stored",
                "v1/<ns>/sandboxes (2.x)" if obj.location == "v1" else "<ns>/sandboxes (1.7)",
            ),
            ("sandboxer", obj.sandboxer or "(none)"),
            ("runtime", obj.runtime_name),
        ]
        rows += any_rows("options", obj.runtime_options)
        rows += any_rows("spec", obj.spec)
        rows += time_rows("created", obj.created_at, now, local)
        rows += time_rows("updated", obj.updated_at, now, local)
    elif isinstance(obj, Pod):
        rows += [
            ("name", obj.name or "?"),
            ("namespace", obj.pod_namespace or "?"),
            ("uid", obj.uid or "?"),
            ("sandbox id", obj.sandbox_id),
            ("attempt", str(obj.attempt) if obj.attempt is not None else "?"),
            ("ip", obj.ip or "?"),
            ("netns", obj.netns_path or "?"),
            ("log directory", obj.log_directory or "?"),
        ]
        for member in obj.containers:
            rows.append(
                (f"container {member.name}", f"{member.id} ({member.log_path or 'no log'})")
            )
    elif isinstance(obj, Namespace):
        rows += [("name", obj.name), ("objects", ", ".join(obj.objects) or "(none)")]
    path = getattr(obj, "path", ())
    if path:
        rows.append(("bucket", show_path(path)))
    escaped = [(name, escape(value)) for name, value in rows]
    parts: list[RenderableType] = [title_of(obj), facts_table(escaped)]  # type: ignore[arg-type]
    issues = getattr(obj, "issues", ())
    for issue in issues:
        parts.append(
            Text(
                f"⚠ {escape(issue.field)}: {escape(issue.reason)} ({len(issue.raw)} raw bytes)",
                style="bold red",
            )
        )
    return parts


def object_body(obj: AnyObject) -> list[RenderableType]:
    """Labels, annotations, spec, options, extensions, unknown keys."""
    parts: list[RenderableType] = []
    parts += labels_table("labels", getattr(obj, "labels", None))
    if isinstance(obj, Image):
        parts += labels_table("annotations", obj.annotations)
    if isinstance(obj, Container | Sandbox):
        parts += any_section("runtime options", obj.runtime_options)
        for name, value in sorted((obj.extensions or {}).items()):
            parts += any_section(f"extension {name}", value)
        parts += any_section("spec", obj.spec)
    unknown = getattr(obj, "unknown", ())
    if unknown:
        parts.append(Rule("keys boltview does not know (kept as found)", style="dim"))
        for item in unknown:
            what = "bucket" if item.is_bucket else plural(len(item.value or b""), "byte")
            parts.append(Text(f"{escape(show_bytes(item.key))}: {what}"))
    return parts
