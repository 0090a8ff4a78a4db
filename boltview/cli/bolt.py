"""The raw verbs, which read any bbolt file: info, buckets, keys, get, stats,
pages, page and check (dump and diff, which walk a whole tree, are in cli.tree).

They mirror bbolt's own CLI so that its users feel at home.  Bucket paths are
separate arguments, because bucket names contain ``/``: ``boltview keys meta.db
v1 default images``.  A name written ``0x`` + hex means those bytes, when no
bucket has the literal name.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import click

from boltview.bolt.bucket import Bucket
from boltview.bolt.check import Finding, check, free_page_ids
from boltview.bolt.file import BoltFile
from boltview.bolt.stats import BucketStats, bucket_stats
from boltview.cli.options import (
    EXIT_PROBLEMS,
    UserError,
    console,
    db_options,
    json_option,
    open_db,
    print_json,
)
from boltview.errors import BoltviewError, NotFoundError
from boltview.render.hexdump import hexdump_lines
from boltview.render.json import bytes_field
from boltview.render.text import base64_text as b64
from boltview.render.text import escape, parse_name, show_bytes, show_path


def resolve_bucket(db: BoltFile, names: tuple[str, ...]) -> Bucket:
    """The bucket a user named; a ``0x..`` name is tried as hex bytes when no bucket has it."""
    bucket = db.root
    for depth, name in enumerate(names):
        literal = name.encode("utf-8", "surrogateescape")
        entry = bucket.entry(literal)
        if (entry is None or not entry.is_bucket) and parse_name(name) != literal:
            entry = bucket.entry(parse_name(name))
        if entry is None or not entry.is_bucket:
            shown = show_path(tuple(n.encode("utf-8", "surrogateescape") for n in names[: depth + 1]))
            what = "is a key, not a bucket" if entry else "does not exist"
            raise NotFoundError(f"{db.path}: bucket {shown} {what}")
        # One level at a time, no recursion: a path as deep as bbolt allows (no limit).
        bucket = bucket.child(entry, limit_nesting=False)
    return bucket



# -- info ------------------------------------------------------------------------


INFO_HASH_LIMIT = 1 << 30


@click.command("info")
@click.argument("path")
@click.option("--sha256/--no-sha256", "hash_file", default=None,
              help="Hash the whole file.  Default: only files up to 1 GiB; a larger one "
                   "is read whole only when asked.")  # fmt: skip
@db_options
@json_option
def info(
    path: str, hash_file: bool | None, meta: int | None, snapshot: bool | None, as_json: bool
) -> None:
    """Both meta pages, which one is used and why, and the file's facts.

    The sha256 reads the whole file: over 1 GiB, only with --sha256.
    """
    with open_db(path, meta, snapshot) as db:
        if hash_file is None:
            hash_file = db.size <= INFO_HASH_LIMIT
        document = info_document(db, hash_file)
    if as_json:
        print_json(document)
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.print(Text(f"file        {escape(db.path)}"))
    if document["sha256"] is None:
        document["sha256"] = document["sha256_note"]
    for label, key in (
        ("size", "size"),
        ("sha256", "sha256"),
        ("byte order", "byte_order"),
        ("page size", "page_size"),
    ):
        out.print(Text(f"{label:<12}{document[key]}"))
    out.print(Text(f"active meta {document['active_meta']}: {document['active_reason']}"))
    table = Table(title="meta pages", title_justify="left")
    table.add_column("field")
    for m in document["metas"]:
        table.add_column(f"meta {m['index']}" + (" (active)" if m["active"] else ""))
    for field in (
        "txid", "root", "sequence", "freelist", "pgid", "page_size", "version",
        "magic", "flags", "checksum", "checksum_status", "header_id", "problem",
    ):  # fmt: skip
        table.add_row(field, *(Text(_word(m[field])) for m in document["metas"]))
    out.print(table)
    free = document["freelist"]
    out.print(
        Text(
            f"freelist    {free['form']}: {free['free_pages']} free pages"
            + (f" at page {free['pgid']}" if free["pgid"] is not None else "")
        )
    )


def _word(value: Any) -> str:
    """A field as a person reads it: no Python spellings (``None``) in a table."""
    return "none" if value is None else str(value)


def info_document(db: BoltFile, hash_file: bool = True) -> dict[str, Any]:
    """``info``'s facts; without ``hash_file`` sha256 is None and ``sha256_note`` says why."""
    metas = []
    for m in db.metas:
        metas.append(
            {
                "index": m.index,
                "active": m is db.meta,
                "valid": m.valid,
                "problem": m.problem,
                "txid": m.txid,
                "root": m.root,
                "sequence": m.sequence,
                "freelist": m.freelist,
                "pgid": m.pgid,
                "page_size": m.page_size,
                "version": m.version,
                "magic": f"{m.magic:#010x}",
                "flags": m.flags,
                "checksum": f"{m.checksum:#018x}",
                "checksum_status": m.checksum_note,
                "header_id": m.header_id,
            }
        )
    try:
        free = free_page_ids(db)
        free_count: int | str = len(free)
    except BoltviewError as error:
        free_count = f"unreadable: {error}"
    hashed = {"sha256": db.sha256()} if hash_file else {
        "sha256": None,
        "sha256_note": f"not computed ({db.size:,} bytes: --sha256 reads the whole file)",
    }  # fmt: skip
    return {
        "path": db.path,
        "size": db.size,
        **hashed,
        "byte_order": db.byte_order,
        "page_size": db.page_size,
        "active_meta": db.meta.index,
        "active_reason": db.meta_reason,
        "txid": db.txid,
        "high_water_mark": db.high_water_mark,
        "metas": metas,
        "freelist": {
            "form": "none (NoFreelistSync: rebuilt by reachability)"
            if db.meta.no_freelist_sync
            else "page",
            "pgid": None if db.meta.no_freelist_sync else db.meta.freelist,
            "free_pages": free_count,
        },
    }


# -- buckets, keys, get ----------------------------------------------------------


@click.command("buckets")
@click.argument("path")
@click.argument("bucket", nargs=-1)
@db_options
@json_option
def buckets(path: str, bucket: tuple[str, ...], meta: int | None, snapshot: bool | None, as_json: bool) -> None:
    """The sub-buckets of BUCKET (the top-level buckets without one)."""
    with open_db(path, meta, snapshot) as db:
        parent = resolve_bucket(db, bucket)
        found = list(parent.buckets(limit_nesting=False))  # a list, not a walk: any depth
    if as_json:
        print_json(
            [
                {**bytes_field(b.name, "name"), "inline": b.is_inline, "root": b.root,
                 "sequence": b.sequence}
                for b in found
            ]
        )
        return
    for child in found:
        click.echo(show_bytes(child.name))


@click.command("keys")
@click.argument("path")
@click.argument("bucket", nargs=-1, required=True)
@click.option("--prefix", help="Only keys that begin with this.")
@click.option("--start", help="Only keys at or after this.")
@click.option("--end", help="Only keys before this.")
@click.option("--limit", type=click.IntRange(min=0), help="At most this many keys.")
@click.option("-l", "--long", "long_", is_flag=True, help="Also show type and value size.")
@db_options
@json_option
def keys(
    path: str,
    bucket: tuple[str, ...],
    prefix: str | None,
    start: str | None,
    end: str | None,
    limit: int | None,
    long_: bool,
    meta: int | None,
    snapshot: bool | None,
    as_json: bool,
) -> None:
    """The keys of BUCKET, in bbolt order, streamed."""
    with open_db(path, meta, snapshot) as db:
        target = resolve_bucket(db, bucket)
        if prefix is not None:
            entries: Iterator[Any] = target.prefix(parse_name(prefix))
        else:
            entries = target.range(
                parse_name(start) if start else b"", parse_name(end) if end else None
            )
        shown = 0
        if as_json:
            click.echo("[", nl=False)
        for entry in entries:
            if limit is not None and shown >= limit:
                break
            if as_json:
                record = {
                    **bytes_field(entry.key, "key"),
                    "bucket": entry.is_bucket,
                    "size": None if entry.is_bucket else len(entry.value),
                }
                click.echo(("," if shown else "") + "\n  " + json.dumps(record), nl=False)
            elif long_:
                kind = "bucket" if entry.is_bucket else "value"
                size = "-" if entry.is_bucket else str(len(entry.value))
                click.echo(f"{kind:<7}{size:>10}  {escape(show_bytes(entry.key))}")
            else:
                click.echo(escape(show_bytes(entry.key)))
            shown += 1
        if as_json:
            click.echo("\n]" if shown else "]")


VALUE_FORMATS = ("auto", "text", "hex", "base64", "json", "raw")


@click.command("get")
@click.argument("path")
@click.argument("names", nargs=-1, required=True, metavar="BUCKET... KEY")
@click.option("--format", "fmt", type=click.Choice(VALUE_FORMATS), default="auto", show_default=True)
@db_options
def get(path: str, names: tuple[str, ...], fmt: str, meta: int | None, snapshot: bool | None) -> None:
    """The value of KEY in BUCKET.  --format raw writes the exact bytes."""
    with open_db(path, meta, snapshot) as db:
        target = resolve_bucket(db, names[:-1])
        key_name = names[-1]
        entry = target.entry(key_name.encode("utf-8", "surrogateescape"))
        if entry is None:
            entry = target.entry(parse_name(key_name))
        if entry is None:
            raise NotFoundError(f"{db.path}: key {escape(key_name)} not found in bucket {show_path(target.path)}")
        if entry.is_bucket:
            raise NotFoundError(f"{db.path}: {escape(key_name)} is a bucket, not a key (try: boltview keys)")
        value = entry.value
    write_value(value, fmt, entry.key)


def write_value(value: bytes, fmt: str, key: bytes = b"") -> None:
    """``value`` as ``--format`` asks; ``auto`` reads it as the browser does."""
    if fmt == "raw":
        sys.stdout.flush()
        sys.stdout.buffer.write(value)
        sys.stdout.buffer.flush()
    elif fmt == "auto":
        _write_reading(value, key)
    elif fmt == "json":
        from boltview.values.recognize import pretty_json  # the protobuf schemas: see below

        try:
            click.echo(pretty_json(json.loads(value)))
        except (ValueError, UnicodeDecodeError) as error:
            raise UserError(f"value is not JSON: {error}") from None
    elif fmt == "text":
        click.echo(escape(value.decode("utf-8", "backslashreplace")))
    elif fmt == "hex":
        click.echo(value.hex())
    elif fmt == "base64":
        click.echo(b64(value))
    else:
        _write_hexdump(value)


def _write_reading(value: bytes, key: bytes) -> None:
    """What the browser would copy: decoded JSON, text, a time or a number; a hex dump
    for a guess or for what nothing recognized."""
    # Imported here, as below: the other verbs need no protobuf schemas.
    from boltview.values.hints import hint_for
    from boltview.values.recognize import pretty_json, recognize

    reading = recognize(value, hint_for(key))
    if reading.kind == "any":
        # As protojson writes an Any: its type URL under "@type", then the message's fields.
        from boltview.protobuf import decode_any

        decoded = reading.decoded
        fields = decoded if isinstance(decoded, dict) else {"value": decoded}
        click.echo(pretty_json({"@type": decode_any(value).type_url, **fields}))
    elif reading.kind == "json" and reading.decoded is not None:
        click.echo(pretty_json(reading.decoded))
    elif reading.kind in ("text", "empty"):
        click.echo(escape(value.decode("utf-8", "backslashreplace")))
    elif reading.kind == "time":
        click.echo(reading.summary)
    elif reading.kind in ("varint", "uvarint") and not reading.guess:
        click.echo(str(reading.decoded))
    else:
        _write_hexdump(value)


def _write_hexdump(value: bytes) -> None:
    for line in hexdump_lines(value):
        click.echo(line)


# -- stats, pages, page ---------------------------------------------------------------


@click.command("stats")
@click.argument("path")
@click.argument("bucket", nargs=-1)
@db_options
@json_option
def stats(path: str, bucket: tuple[str, ...], meta: int | None, snapshot: bool | None, as_json: bool) -> None:
    """Page counts by type, tree depth, fill and inline buckets (bbolt's Bucket.Stats)."""
    with open_db(path, meta, snapshot) as db:
        target = resolve_bucket(db, bucket)
        if bucket:
            total = bucket_stats(target)
        else:
            # As bbolt's CLI: the sum over the top-level buckets.
            total = BucketStats()
            for child in target.buckets():
                total.add(bucket_stats(child))
        free_ids = set(free_page_ids(db))
        types = Counter(span.type for span in db.page_spans(free_ids))
        free = len(free_ids)
    document = {
        "bucket": [show_bytes(n) for n in target.path],
        "stats": total.as_dict(),
        "leaf_fill": round(total.leaf_fill, 4),
        "branch_fill": round(total.branch_fill, 4),
        "page_types": dict(sorted(types.items())),
        "free_pages": free,
        "page_size": db.page_size,
        "high_water_mark": db.high_water_mark,
    }
    if as_json:
        print_json(document)
        return
    from rich.table import Table

    out = console()
    table = Table(title=f"statistics of {show_path(target.path)}", title_justify="left")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    for name, value in total.as_dict().items():
        table.add_row(name.replace("_", " "), str(value))
    table.add_row("leaf fill", f"{total.leaf_fill:.1%}")
    table.add_row("branch fill", f"{total.branch_fill:.1%}")
    out.print(table)
    kinds = Table(title="pages below the high-water mark, by header type", title_justify="left")
    kinds.add_column("type")
    kinds.add_column("pages", justify="right")
    for name, count in sorted(types.items()):
        kinds.add_row(name, str(count))
    kinds.add_row("(free, per freelist)", str(free))
    out.print(kinds)


@click.command("pages")
@click.argument("path")
@db_options
@json_option
def pages(path: str, meta: int | None, snapshot: bool | None, as_json: bool) -> None:
    """Every page below the high-water mark: id, type, items, overflow; free ones marked."""
    with open_db(path, meta, snapshot) as db:
        free = set(free_page_ids(db))
        rows = [
            {"id": s.pgid, "type": s.type, "count": s.count, "overflow": s.overflow,
             "free": s.pgid in free}
            for s in db.page_spans(free)
        ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    click.echo(f"{'ID':>8}  {'TYPE':<12} {'ITEMS':>6} {'OVRFLW':>6}")
    click.echo(f"{'=' * 8}  {'=' * 12} {'=' * 6} {'=' * 6}")
    for row in rows:
        kind = "free" if row["free"] else row["type"]
        overflow = str(row["overflow"]) if row["overflow"] else ""
        click.echo(f"{row['id']:>8}  {kind:<12} {row['count']:>6} {overflow:>6}")


@click.command("page")
@click.argument("path")
@click.argument("pgid", type=click.IntRange(min=0))
@click.option("--no-hex", is_flag=True, help="Leave out the annotated hex dump.")
@db_options
@json_option
def page_command(
    path: str, pgid: int, no_hex: bool, meta: int | None, snapshot: bool | None, as_json: bool
) -> None:
    """Page PGID decoded: header, elements, and an annotated hex dump."""
    from boltview.render.pageview import describe_page, page_document

    with open_db(path, meta, snapshot) as db:
        page = db.raw_page(pgid)
        free = set(free_page_ids(db)) if pgid >= 2 else set()
        if as_json:
            print_json(page_document(db, page, pgid in free))
            return
        for line in describe_page(db, page, pgid in free, hex_dump=not no_hex):
            click.echo(line)


# -- check, dump -------------------------------------------------------------------


@click.command("check")
@click.argument("path")
@db_options
@json_option
def check_command(path: str, meta: int | None, snapshot: bool | None, as_json: bool) -> None:
    """Find what bbolt check finds; exit 1 if anything is wrong."""
    found: list[Finding] = []
    with open_db(path, meta, snapshot) as db:
        for finding in check(db):
            found.append(finding)
            if not as_json:
                click.echo(escape(finding.message))
    if as_json:
        print_json(
            [
                {"code": f.code, "pgid": f.pgid, "message": f.message,
                 "bucket": [show_bytes(n) for n in f.path]}
                for f in found
            ]
        )  # fmt: skip
    elif found:
        click.echo(f"{len(found)} errors found")
    else:
        click.echo("OK")
    if found:
        raise SystemExit(EXIT_PROBLEMS)


COMMANDS: list[click.Command] = [
    info, buckets, keys, get, stats, pages, page_command, check_command,
]  # fmt: skip
"""The raw verbs, for ``cli.add_command``."""
