"""``boltview grep``: find a pattern in keys and values, like grep over a bolt file.

One line per match, tab-separated: the bucket path, the key, what matched
("key", "value" or "bucket" for a sub-bucket's name) and a snippet around the
match, each field escaped so that a tab or a control character in the file
cannot break the line.  ``--json`` streams the same as a JSON array.

Exit codes follow grep's: 0 when something matched, 1 when nothing did, 2 for
bad input, including a file of which a part could not be read (what could be
read is still searched and printed, and each part left out is named on stderr).
"""

from __future__ import annotations

import json

import click

from boltview.bolt.grep import Hit, Pattern, grep
from boltview.cli.bolt import resolve_bucket
from boltview.cli.options import EXIT_USAGE, db_options, json_option, open_db
from boltview.render.json import bytes_field, no_del, path_field
from boltview.render.text import escape, show_bytes, show_path

SNIPPET = 60
"""Characters of context shown around a match in a value."""


@click.command("grep")
@click.argument("path")
@click.argument("pattern")
@click.argument("bucket", nargs=-1)
@click.option("-i", "--ignore-case", is_flag=True, help="Ignore case (ASCII letters).")
@click.option("-F", "--fixed-strings", "fixed", is_flag=True,
              help="PATTERN is plain text, not a regular expression.")
@click.option("--keys-only", "keys_only", is_flag=True,
              help="Search keys and bucket names only.")
@click.option("--values-only", "values_only", is_flag=True, help="Search values only.")
@click.option("-c", "--count", "count_only", is_flag=True, help="Print only how many matched.")
@db_options
@json_option
def grep_command(
    path: str,
    pattern: str,
    bucket: tuple[str, ...],
    ignore_case: bool,
    fixed: bool,
    keys_only: bool,
    values_only: bool,
    count_only: bool,
    meta: int | None,
    snapshot: bool | None,
    as_json: bool,
) -> None:
    """Keys and values matching PATTERN (a Python regular expression over bytes), below BUCKET.

    \b
    boltview grep meta.db 'nginx'                 everywhere
    boltview grep meta.db -i -F 'io.cri' v1 k8s.io  in one bucket, plain text
    """
    if keys_only and values_only:
        raise click.UsageError("--keys-only and --values-only exclude each other")
    wanted = Pattern(pattern.encode("utf-8", "surrogateescape"), fixed, ignore_case)
    found = 0
    left_out: list[Hit] = []
    with open_db(path, meta, snapshot) as db:
        under = resolve_bucket(db, bucket) if bucket else None
        hits = grep(db, wanted, under, keys=not values_only, values=not keys_only)
        if as_json and not count_only:
            click.echo("[", nl=False)
        for hit in hits:
            if hit.where == "error":
                left_out.append(hit)
                continue
            if count_only:
                pass
            elif as_json:
                click.echo(("," if found else "") + "\n  " + no_del(json.dumps(_record(hit))), nl=False)
            else:
                click.echo(_line(hit))
            found += 1
        if as_json and not count_only:
            click.echo("\n]" if found else "]")
    if count_only:
        click.echo(json.dumps({"count": found}) if as_json else str(found))
    for hit in left_out:
        message = hit.data.decode("utf-8", "backslashreplace")
        click.echo(f"boltview: grep: {escape(db.path)}: left out {escape(show_path(hit.path))}: "
                   f"{escape(message)}", err=True)  # fmt: skip
    if left_out:
        raise SystemExit(EXIT_USAGE)
    if not found:
        raise SystemExit(1)


def snippet(data: bytes, start: int, end: int, width: int = SNIPPET) -> str:
    """The text around a match, with ``…`` where it was cut; not yet escaped."""
    before = max(start - (width - (end - start)) // 2, 0)
    after = max(end, before + width)
    text = data[before:after].decode("utf-8", "backslashreplace")
    return ("…" if before else "") + text + ("…" if after < len(data) else "")


def _line(hit: Hit) -> str:
    assert hit.key is not None
    fields = (show_path(hit.path), show_bytes(hit.key), hit.where,
              snippet(hit.data, hit.start, hit.end))  # fmt: skip
    return "\t".join(escape(field) for field in fields)


def _record(hit: Hit) -> dict[str, object]:
    assert hit.key is not None
    return {
        **path_field(hit.path),
        **bytes_field(hit.key, "key"),
        "where": hit.where,
        "start": hit.start,
        "end": hit.end,
        "snippet": snippet(hit.data, hit.start, hit.end),
    }

