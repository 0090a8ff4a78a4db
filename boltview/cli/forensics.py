"""``boltview recover``: deleted and older records still in a file's unused pages.

Exported as ``RECOVER_COMMAND``; the CLI group loads it when it runs (``LAZY_COMMANDS``).

JSON (``--json``), format ``boltview-recover/1``::

    {"format": "boltview-recover/1",
     "provenance": {tool, version, path, size, sha256, mtime, snapshot, page_size, txid,
                    meta: {index, txid, reason}, metas: [{index, txid, root, freelist,
                    high_water_mark, valid, problem}], read_at}  (boltview.provenance),
     "scan": {high_water_mark, pages_in_file, free: [pgid], unreachable: [pgid],
              previous_meta_only: [pgid], past_high_water_mark, empty_past_high_water_mark,
              notes: [str],
              pages: [{pgid, origins, kind, header_id, flags, count, overflow, run,
                       confidence, records, bucket, bucket_base64, attribution,
                       problems, notes} | {pgid, origins, kind: "overflow", covered_by}]},
     "counts": {deleted, older-version, live-copy, unattributed, unknown},
     "records": [{status, confidence, bucket, bucket_base64,
                  [bucket_suffix, bucket_suffix_base64: when bucket is null, the end of its
                  path that stale parents still name], attribution, attribution_via,
                  key, key_base64, is_bucket, [bucket_root, bucket_sequence, inline],
                  value, value_base64, [status_note], pages,
                  sources: [{pgid, pages, offset, inline, origins, confidence}]}],
     "containerd": {"objects": [{kind, namespace, id, id_source, status, status_note,
                                 confidence, attribution, pages, copy, name_only, fields,
                                 missing, changed, notes, [snapshotter],
                                 object: <the object as `inspect --json` shows it, recovered
                                          fields only>,
                                 records: [{key, key_base64, bucket, pages, status,
                                            confidence}]}]}
                                          (only for a containerd metadata database)
    }

``status``: deleted (the key, or its whole bucket, is not in the live tree),
older-version (the key is live with another value), live-copy (identical to the
live record), unattributed (its bucket is unknown), unknown (the live tree is
unreadable there); for containerd objects, unidentified (no id in the bytes).
``confidence``: certain (a whole, well-formed page), likely (well-formed, but a
stale copy whose header names another page), fragment (the valid elements of a
damaged or partly reused page).  ``attribution``: exact (the previous
transaction's tree), likely (stale parent pages), null (unknown).

Texts (``key``, ``value``, bucket names) are lossy UTF-8 for reading; the
``*_base64`` twins are exact.  Lists are sorted: records by bucket then key,
pages by id, objects deleted first.
"""

from __future__ import annotations

from typing import Any

import click

from boltview.cli.options import console, db_options, json_option, open_db, print_json
from boltview.forensics.recover import (
    DELETED,
    KIND_EMPTY,
    KIND_OVERFLOW,
    LIVE_COPY,
    OLDER,
    PAST_HWM,
    UNATTRIBUTED,
    UNKNOWN,
    Record,
    Recovery,
    iter_interesting,
    recover,
    recovery_document,
)
from boltview.render.text import escape, human_size, show_bytes, show_path

_VALUE_WIDTH = 48


@click.command("recover")
@click.argument("path", metavar="FILE")
@db_options
@json_option
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list records identical to live ones (old copies, nothing lost).",
)
@click.option("--raw", is_flag=True, help="Raw records only, even for a containerd database.")
@click.option("--limit", type=click.IntRange(min=0), default=200, show_default=True,
              help="At most this many rows per table (0: no limit). --json is never cut.")  # fmt: skip
def recover_command(
    path: str, meta: int | None, snapshot: bool | None, as_json: bool, show_all: bool,
    raw: bool, limit: int,
) -> None:  # fmt: skip
    """Deleted and overwritten records still in FILE's free and unused pages.

    Scans free pages (the freelist, or unreachable pages when the file keeps
    none), leaked pages, pages past the high-water mark and the previous
    transaction's own pages; rebuilds their leaf pages and inline buckets;
    says where each record came from, how sure it is (certain, likely,
    fragment), which bucket it belonged to, and whether it is deleted, an
    older version of a live record, or a copy of one.  For containerd's
    meta.db, recovered containers, images, snapshots, leases and content are
    shown as such, decoded.  Nothing is invented: every record's bytes are in
    the file.
    """
    with open_db(path, meta, snapshot) as db:
        recovery = recover(db)
        objects = None
        if not raw:
            objects = _containerd_objects(recovery)
        if as_json:
            document = recovery_document(recovery)
            if objects is not None:
                from boltview.forensics.containerd import object_document

                document["containerd"] = {"objects": [object_document(db, o) for o in objects]}
            print_json(document)
            return
        _print_report(recovery, objects, show_all, limit)


RECOVER_COMMAND = recover_command


def _containerd_objects(recovery: Recovery) -> list[Any] | None:
    from boltview.containerd.reader import METADATA, detect_kind
    from boltview.errors import BoltviewError

    try:
        if detect_kind(recovery.db) != METADATA:
            return None
    except BoltviewError:
        return None
    from boltview.forensics.containerd import recovered_objects

    return recovered_objects(recovery)


# -- the human report -----------------------------------------------------------------------------


def _print_report(
    recovery: Recovery, objects: list[Any] | None, show_all: bool, limit: int
) -> None:
    from rich.text import Text

    db = recovery.db
    out = console()
    line = lambda label, text: out.print(Text(f"{label:<10}{escape(text)}"))
    line("file", f"{db.path} ({human_size(db.size)}, {db.size} bytes)")
    line("sha256", db.sha256())
    for m in db.metas:
        active = " (active)" if m is db.meta else ""
        state = "valid" if m.valid else f"invalid: {m.problem}"
        line(
            f"meta {m.index}",
            f"txid {m.txid}, root {m.root}, high-water mark {m.pgid}, {state}{active}",
        )
    empty = recovery.empty_past_high_water_mark
    line("scanned", (
        f"{len(recovery.free)} free, {len(recovery.unreachable)} unreachable, "
        f"{recovery.past_high_water_mark} past the high-water mark ({empty} empty), "
        f"{len(recovery.previous_only)} only in the previous transaction's tree"
    ))  # fmt: skip
    line("found", _found(recovery, show_all))
    for note in recovery.notes:
        line("note", note)

    if objects is not None:
        _print_objects(out, db, objects, show_all, limit)
    _print_records(out, recovery, show_all, limit)
    _print_pages(out, recovery, limit)


def _found(recovery: Recovery, show_all: bool) -> str:
    """The records found, counted as the table below lists them; the copies of live
    records, not listed without --all, are said apart."""
    counts = recovery.counts()
    listed = sum(counts.values()) - (0 if show_all else counts[LIVE_COPY])
    parts = [f"{counts[DELETED]} deleted", f"{counts[OLDER]} older versions of live records",
             f"{counts[UNATTRIBUTED]} of unknown bucket"]  # fmt: skip
    if counts[UNKNOWN]:
        parts.append(f"{counts[UNKNOWN]} of unknown status")
    if show_all:
        parts.append(f"{counts[LIVE_COPY]} identical to live records")
    text = f"{listed} record{'' if listed == 1 else 's'}: {', '.join(parts)}"
    if not show_all and counts[LIVE_COPY]:
        text += f"; {counts[LIVE_COPY]} more identical to live records, not listed (--all lists them)"
    return text


def _table(title: str, *columns: str) -> Any:
    """A report table; a column named with a trailing ``*`` folds long cells instead of cutting."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        if column.endswith("*"):
            table.add_column(column[:-1], overflow="fold")
        else:
            table.add_column(column)
    return table


def _cut(rows: list[Any], limit: int) -> tuple[list[Any], int]:
    if limit and len(rows) > limit:
        return rows[:limit], len(rows) - limit
    return rows, 0


def _print_objects(out: Any, db: Any, objects: list[Any], show_all: bool, limit: int) -> None:
    from rich.text import Text

    from boltview.forensics.containerd import spec_summary

    shown = [o for o in objects if show_all or o.status != LIVE_COPY]
    out.print()
    if not shown:
        out.print(Text("containerd: no deleted or older objects recovered"))
        return
    rows, more = _cut(shown, limit)
    table = _table("containerd objects recovered", "status", "kind", "namespace*", "id*",
                   "id from", "fields recovered", "pages", "confidence")  # fmt: skip
    for o in rows:
        table.add_row(*(Text(escape(str(v))) for v in (
            o.status, o.kind, o.namespace or "?", o.id or "?", o.id_source,
            "(name only)" if o.name_only else f"{len(o.fields)} of {len(o.fields) + len(o.missing)}",
            _pages(o.pages), o.confidence,
        )))  # fmt: skip
    out.print(table)
    if more:
        out.print(Text(f"... {more} more objects (--limit 0 or --json shows all)"))
    for o in rows:
        if o.status not in (DELETED, OLDER) or o.obj is None:
            continue
        out.print()
        where = f" (namespace {o.namespace})" if o.namespace else ""
        out.print(Text(escape(f"{o.label}{where}: {o.status}, {o.status_note}")))
        for label, value in _object_facts(o, spec_summary(o)):
            out.print(Text(f"  {label:<15}{escape(value)}"))


def _object_facts(o: Any, spec: dict[str, Any]) -> list[tuple[str, str]]:
    obj, have = o.obj, set(o.fields)
    facts: list[tuple[str, str]] = []

    def add(field: str, label: str, value: Any) -> None:
        if field in have and value not in (None, ""):
            facts.append((label, str(value)))

    add("image", "image", getattr(obj, "image", None))
    add("snapshotter", "snapshotter", getattr(obj, "snapshotter", None))
    add("snapshotKey", "snapshot key", getattr(obj, "snapshot_key", None))
    add("runtime", "runtime", getattr(obj, "runtime_name", None))
    for field, attr in (("createdat", "created_at"), ("updatedat", "updated_at")):
        moment = getattr(obj, attr, None)
        add(field, field, moment.rfc3339() if moment is not None else None)
    labels = getattr(obj, "labels", None)
    if "labels" in have and labels is not None:
        add(
            "labels", "labels", ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "(none)"
        )
    target = getattr(obj, "target", None)
    if "target" in have and target is not None:
        add("target", "target", f"{target.media_type} {target.digest} ({target.size} bytes)")
    add("name", "backend name", getattr(obj, "name", None))
    add("parent", "parent", getattr(obj, "parent", None))
    add("size", "size", getattr(obj, "size", None))
    if "spec" in have:
        for key, value in spec.items():
            facts.append(({"cgroupsPath": "cgroups path"}.get(key, key), str(value)))
    extensions = getattr(obj, "extensions", None)
    if "extensions" in have and extensions:
        add("extensions", "extensions", ", ".join(sorted(extensions)))
    if o.changed:
        facts.append(("changed", ", ".join(o.changed)))
    if o.missing:
        facts.append(("not recovered", ", ".join(o.missing)))
    for note in o.notes:
        facts.append(("note", note))
    facts.append(
        ("pages", f"{_pages(o.pages)} ({o.confidence}; from {o.copy.id if o.copy else '-'})")
    )
    return facts


def _print_records(out: Any, recovery: Recovery, show_all: bool, limit: int) -> None:
    from rich.text import Text

    records = list(iter_interesting(recovery, show_all))
    out.print()
    if not records:
        out.print(
            Text("records: nothing recovered" + ("" if show_all else " but copies of live records"))
        )
        return
    rows, more = _cut(records, limit)
    table = _table("records", "status", "bucket*", "key*", "value", "pages", "confidence")
    for r in rows:
        table.add_row(*(Text(escape(v)) for v in (
            r.status,
            _bucket(r),
            _short(show_bytes(r.key), 200),
            _value(r),
            _pages(r.pages),
            r.confidence,
        )))  # fmt: skip
    out.print(table)
    if more:
        out.print(Text(f"... {more} more records (--limit 0 or --json shows all)"))


def _print_pages(out: Any, recovery: Recovery, limit: int) -> None:
    from rich.table import Table
    from rich.text import Text

    pages = [
        p for p in recovery.pages
        if p.kind not in (KIND_EMPTY, KIND_OVERFLOW)
        and (p.records or p.problems or p.notes or p.kind == "branch")
    ]  # fmt: skip
    if not pages:
        return
    rows, more = _cut(pages, limit)
    out.print()
    table = Table(title="pages with old data", title_justify="left")
    for column in ("page", "origin", "type", "records", "confidence", "bucket", "problems"):
        table.add_column(column)
    for p in rows:
        run = f"+{p.run - 1}" if p.run > 1 else ""
        table.add_row(*(Text(escape(v)) for v in (
            f"{p.pgid}{run}", ", ".join(p.origins), p.kind, str(p.records), p.confidence or "-",
            (show_path(p.bucket) + f" ({p.attribution})") if p.bucket is not None else "?",
            "; ".join(p.problems + p.notes) or "-",
        )))  # fmt: skip
    out.print(table)
    if more:
        out.print(Text(f"... {more} more pages (--limit 0 or --json shows all)"))
    hidden = sum(1 for p in recovery.pages if p.kind == KIND_EMPTY and PAST_HWM in p.origins)
    if hidden:
        out.print(Text(f"{hidden} zeroed pages past the high-water mark are not listed"))


def _short(text: str, width: int = _VALUE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _value(record: Record) -> str:
    if record.is_bucket:
        if record.bucket_root == 0:
            return f"inline bucket ({len(record.value) - 16} bytes)"
        return f"bucket at page {record.bucket_root}"
    shown = _short(show_bytes(record.value))
    if len(record.value) > 24:
        shown += f" ({len(record.value)} bytes)"
    return shown


def _bucket(record: Record) -> str:
    if record.bucket is not None:
        return show_path(record.bucket) + _attribution(record)
    if record.bucket_suffix:
        return "? / " + show_path(record.bucket_suffix)
    return "?"


def _attribution(record: Record) -> str:
    """How the bucket is known, when it is a guess: " (likely)"."""
    if record.bucket is None or record.attribution != "likely":
        return ""
    return " (likely)"


def _pages(pages: tuple[int, ...] | list[int]) -> str:
    if not pages:
        return "-"
    parts, start, prev = [], pages[0], pages[0]
    for p in list(pages[1:]) + [None]:  # type: ignore[list-item]
        if p is not None and p == prev + 1:
            prev = p
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if p is not None:
            start = prev = p
    return ",".join(parts)
