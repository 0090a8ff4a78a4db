"""What every verb shares: exit codes, the user error, the options, JSON printing.

Declared once here, so that ``--meta`` means the same to ``info``, ``ls`` and
``recover``, and every ``--json`` prints the same way: ASCII only, with DEL
escaped too, because it often lands on a terminal.

This module imports click and nothing heavy: the raw verbs must start fast.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import click

from boltview.bolt.file import BoltFile, reading
from boltview.render.json import json_text
from boltview.render.text import escape

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
"""0: answered; 1: answered, but found problems or left out pages it could not read;
2: bad input or usage (one line on stderr)."""

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class UserError(click.ClickException):
    """One line on stderr, exit 2."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"boltview: error: {escape(self.format_message())}", err=True)


def options(*decorators: Decorator) -> Decorator:
    """Several click options as one decorator, applied in the order written."""

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


read_options = options(
    click.option("--meta", type=click.IntRange(0, 1), default=None,
                 help="Read the tree of meta page 0 or 1 (the other one is the previous "
                      "transaction)."),
    click.option("--snapshot/--no-snapshot", default=None,
                 help="Copy the file into memory first and read the copy. Default: only when a "
                      "writer holds the file locked (a live database)."),
)  # fmt: skip
"""``--meta`` and ``--snapshot``: how to read the file."""

db_options = options(
    read_options,
    click.option("--install", metavar="NAME", default=None, expose_value=False,
                 callback=lambda ctx, _param, value: _remember_install(ctx, value),
                 help="Given a node's ROOT directory instead of FILE: which containerd install's "
                      "meta.db (its name in boltview scan, or its root)."),
)  # fmt: skip
"""``--meta``, ``--snapshot`` and ``--install``, accepted by every verb that reads a file."""


def _remember_install(ctx: click.Context, value: str | None) -> None:
    if value is not None:
        ctx.meta["boltview.install"] = value


def node_file(path: str) -> str:
    """FILE as given; for a node's root directory, the meta.db of its install (``--install``).

    The meta.db is read where it lies in the root, so that its snapshotter
    databases and content store are found beside it, as on the node.
    """
    if not os.path.isdir(path):
        return path
    from boltview.node.root import DirectoryRoot
    from boltview.node.target import InstallChoiceError, choose_install

    context = click.get_current_context(silent=True)
    wanted = context.meta.get("boltview.install") if context is not None else None
    try:
        target = choose_install(DirectoryRoot(path), wanted)
    except InstallChoiceError as error:
        raise UserError(str(error)) from None
    host = target.host_meta_db
    if host is None:
        raise UserError(f"{path}: the install {target.install.name} has no meta.db")
    return host

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")

namespace_option = click.option(
    "-n", "--namespace", default=None, help="Only this namespace (default: all of them)."
)

snapshotter_db_option = click.option(
    "--snapshotter-db", "snapshotter_dbs", multiple=True, metavar="[NAME=]PATH",
    help="A snapshotter's metadata.db (kinds, ids, usage, directories). Found by itself "
         "next to a node's meta.db, or as NAME.metadata.db or NAME-metadata.db beside the file.",
)  # fmt: skip

content_root_option = click.option(
    "--content-root", default=None, metavar="DIR",
    help="containerd's content store (io.containerd.content.v1.content): image platforms "
         "and sizes, ingest progress.  Found by itself next to a node's meta.db.",
)  # fmt: skip


def open_db(path: str, meta: int | None, snapshot: bool | None) -> AbstractContextManager[BoltFile]:
    """Open a file for one verb (or a node root's meta.db): see ``boltview.bolt.file.reading``."""
    return reading(node_file(path), meta=meta, snapshot=snapshot)


def print_json(document: Any) -> None:
    """``--json``: one document on stdout (see :func:`json_text`)."""
    click.echo(json_text(document))


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]], gap: str = "  ") -> None:
    """Columns as wide as their widest cell, ``gap`` between them, every cell escaped: the
    plain tables of podman's, docker's and kubectl's listings."""
    table = [[escape(str(cell)) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo(gap.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


UNLIMITED_WIDTH = 1 << 16
"""The width of a console that is not a terminal: as wide as what it prints."""


def console(**settings: Any) -> Any:
    """A rich console for tables; rich is imported only by the verbs that draw them.

    On a terminal, tables and long lines fit its width; into a pipe or a file
    nothing is squeezed or folded: each table takes its natural width.  A closed
    pipe is raised as the ``BrokenPipeError`` it is, for the one handler in
    :func:`boltview.cli.main`, not turned into rich's exit 1.
    """
    import sys

    from rich.console import Console

    if not sys.stdout.isatty():
        settings.setdefault("width", UNLIMITED_WIDTH)

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError(errno.EPIPE, "the reader of stdout went away")

    return PipeConsole(**{"highlight": False, "soft_wrap": False, **settings})
