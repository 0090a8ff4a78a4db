"""The verbs that walk a whole tree: dump (bbolt's reading, as one JSON document) and diff
(what changed between two files or two transactions of one).

Split from :mod:`boltview.cli.bolt`, which keeps the verbs that look at one thing.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

import click

from boltview.cli.bolt import resolve_bucket
from boltview.cli.options import (
    EXIT_PROBLEMS,
    db_options,
    json_option,
    open_db,
    print_json,
)
from boltview.dump import ENCODINGS, default_workers, dump
from boltview.errors import BoltviewError, PageError
from boltview.render.json import bytes_field
from boltview.render.text import base64_text as b64
from boltview.render.text import escape, printable_utf8, show_bytes, show_path


@click.command("dump")
@click.argument("path")
@click.argument("bucket", nargs=-1)
@click.option("--encoding", type=click.Choice(ENCODINGS), default="text", show_default=True,
              help="base64 is lossless; text and hex are for reading.")  # fmt: skip
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Processes that encode leaf pages beside the walk, which encodes too while "
                   "it waits (default: one per core but one, up to 4, for a file over 64 MiB; "
                   "0: none). The output is the same.")  # fmt: skip
@db_options
def dump_command(path: str, bucket: tuple[str, ...], encoding: str, workers: int | None,
                 meta: int | None, snapshot: bool | None) -> None:  # fmt: skip
    """The tree below BUCKET as one JSON object, streamed.

    A page that cannot be read is left out with a warning on stderr, the rest
    is still written, and the exit code is then 1.

    \b
    text: a backslash becomes two backslashes, then each byte that is not
    valid UTF-8 becomes \\xNN, so byte 0xa2 and the characters "\\xa2"
    differ (JSON escapes the backslashes once more); reversible.
    """
    gaps: list[str] = []
    try:
        with open_db(path, meta, snapshot) as db:
            target = resolve_bucket(db, bucket)

            def report(error: PageError, where: tuple[bytes, ...]) -> None:
                gaps.append(f"{db.path}: {error}; left out of bucket {show_path(where)}")

            sys.stdout.flush()
            try:
                if workers is None:
                    workers = default_workers(db)
                dump(target, sys.stdout.buffer, encoding, on_error=report, workers=workers)
            finally:
                sys.stdout.buffer.flush()
    except BoltviewError as error:
        # reading() looks at the file once, last: a failure, a gap or a whole document
        # of a live file that moved on may mix transactions, so stdout must not parse.
        if "changed while it was read" in str(error):
            sys.stdout.buffer.write(SPOILED)
            sys.stdout.buffer.flush()
            raise BoltviewError(f"{error}; {SPOILED_NOTE}") from None
        raise
    for gap in gaps:
        click.echo(escape(f"boltview: warning: {gap}"), err=True)
    if gaps:
        # The JSON is whole, but parts of the tree could not be read: say so.
        raise SystemExit(EXIT_PROBLEMS)


SPOILED = b"\n!boltview: the database changed while it was read; this output is not one transaction\n"
"""What ``dump`` writes after the JSON when a direct read was overtaken by a writer."""
SPOILED_NOTE = "the output on stdout was ended with a line that is not JSON, so that it does not parse"


@click.command("diff")
@click.argument("path")
@click.argument("other", required=False)
@click.option("--raw", "raw_only", is_flag=True, help="Only the raw key changes, no containerd summary.")
@click.option("--snapshot/--no-snapshot", default=None, help="Read from in-memory copies.")
@json_option
def diff_command(
    path: str, other: str | None, raw_only: bool, snapshot: bool | None, as_json: bool
) -> None:
    """Changes from PATH to OTHER, or from PATH's previous transaction to its current one.

    Bucket by bucket: keys added, removed and changed; for containerd metadata
    also a summary in containerd's terms ("container web-12 deleted"), and for
    another store boltview decodes in its own ("etcd PUT /registry/pods/default/x
    @rev 1234", "podman container web removed").
    """
    from boltview.bolt.diff import diff
    from boltview.containerd.changes import summarize
    from boltview.stores.changes import store_changes

    with ExitStack() as stack:
        new = stack.enter_context(open_db(other or path, None, snapshot))
        if other is None:
            old = new.with_meta(1 - new.meta.index)
            if not old.meta.valid:
                raise BoltviewError(
                    f"{path}: the previous transaction's meta page is invalid: {old.meta.problem}"
                )
            labels = (f"{path} txid {old.txid}", f"{path} txid {new.txid}")
        else:
            old = stack.enter_context(open_db(path, None, snapshot))
            labels = (f"{path} txid {old.txid}", f"{other} txid {new.txid}")
        changes = list(diff(old.root, new.root, same_file=other is None))
        events = [] if raw_only else summarize(changes, old, new)
        # Another store with a view (etcd, podman ...): its changes in its own words.
        program, stored = (store_changes(old, new) if changes and not raw_only else None) or ("", [])
    if as_json:
        print_json(
            {
                "old": labels[0],
                "new": labels[1],
                "changes": [change_json(c) for c in changes],
                "containerd": [e.to_json() for e in events],
                "store": {"program": program, "changes": [c.to_json() for c in stored]},
            }
        )
        return
    click.echo(escape(f"--- {labels[0]}"))
    click.echo(escape(f"+++ {labels[1]}"))
    if not changes:
        click.echo("no changes")
        return
    if events:
        click.echo("\ncontainerd:")
        for event in events:
            click.echo(escape(f"  {event}"))
        click.echo("\nraw:")
    if stored:
        click.echo("\n" + escape(f"{program}:"))
        for told in stored:
            click.echo(escape(f"  {told}"))
        click.echo("\nraw:")
    for change in changes:
        click.echo(escape(change_line(change)))


def change_json(change: Any) -> dict[str, Any]:
    return {
        "op": change.op,
        "bucket": [b64(p) for p in change.path],
        "bucket_text": [show_bytes(p) for p in change.path],
        **bytes_field(change.key, "key"),
        "is_bucket": change.is_bucket,
        "old_base64": None if change.old is None else b64(change.old),
        "new_base64": None if change.new is None else b64(change.new),
        "keys": change.keys if change.is_bucket else None,
    }


def change_line(change: Any) -> str:
    sign = {"added": "+", "removed": "-", "changed": "~"}[change.op]
    where = " / ".join(show_bytes(p) for p in change.full_path)
    if change.is_bucket:
        return f"{sign} {where}/ (bucket, {change.keys} keys)"
    if change.op == "changed":
        return f"{sign} {where}: {_brief(change.old)} -> {_brief(change.new)}"
    return f"{sign} {where} = {_brief(change.new if change.op == 'added' else change.old)}"


def _brief(value: bytes | None, limit: int = 60) -> str:
    if value is None:
        return ""
    shown = show_bytes(value) if printable_utf8(value) else "0x" + value.hex()
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(value)} bytes)"


COMMANDS: list[click.Command] = [dump_command, diff_command]
"""The tree verbs, for ``cli.add_command``."""
