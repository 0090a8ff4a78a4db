"""The ``boltview`` command line: the group, its default verb and the entry point.

The verbs live beside this module: the raw ones, for any bbolt file, in
:mod:`boltview.cli.bolt`; containerd's in :mod:`boltview.cli.containerd`; and
``recover`` in :mod:`boltview.cli.forensics`.  Those two are imported only when
used, so that the raw verbs start fast.

Exit codes: 0 ok, 1 ``check`` found problems (or a verb left out pages it could
not read), 2 bad input or usage.  A user error is one line on stderr; a
traceback is a bug.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

from boltview import __version__
from boltview.cli import bolt, tree
from boltview.cli.browse import browse
from boltview.cli.options import (
    EXIT_OK,
    EXIT_USAGE,
    UserError,
    content_root_option,
    db_options,
    snapshotter_db_option,
)
from boltview.errors import BoltviewError
from boltview.render.text import escape

__all__ = ["DEFAULT_DB", "LAZY_COMMANDS", "cli", "demo_database", "main"]

#: Where containerd keeps its metadata database on a node.
DEFAULT_DB = "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db"

# -- the group -------------------------------------------------------------------


#: Verbs that live in other modules, imported only when used, so that the raw
#: verbs start fast: name -> (module, attribute).
LAZY_COMMANDS = {
    "ls": ("boltview.cli.containerd", "ls_command"),
    "inspect": ("boltview.cli.containerd", "inspect_command"),
    "export": ("boltview.cli.containerd", "export_command"),
    "recover": ("boltview.cli.forensics", "RECOVER_COMMAND"),
    "grep": ("boltview.cli.grep", "grep_command"),
    "scan": ("boltview.cli.node", "scan_command"),
    "files": ("boltview.cli.files", "files_command"),
    "cat": ("boltview.cli.files", "cat_command"),
    "drift": ("boltview.cli.files", "drift_command"),
    "export-fs": ("boltview.cli.files", "export_fs_command"),
    "timeline": ("boltview.cli.timeline", "timeline_command"),
    "etcd": ("boltview.cli.etcd", "etcd_group"),
    "k8s": ("boltview.cli.etcd", "k8s_group"),
    "podman": ("boltview.cli.stores", "podman_group"),
    "docker": ("boltview.cli.stores", "docker_group"),
    "buildkit": ("boltview.cli.stores", "buildkit_group"),
    "blobinfo": ("boltview.cli.stores", "blobinfo_command"),
}


class ReaderGone(Exception):
    """Whoever read our stdout closed it (``| head``): not an error, for any verb."""


class BoltviewGroup(click.Group):
    """``boltview FILE`` means ``boltview open FILE``; plain ``boltview`` opens the node's DB."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            import importlib

            module, attribute = LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as error:
            if error.errno == errno.EPIPE:  # click would exit 1 on it: see main
                raise ReaderGone from None
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            args = ["open"]
        elif (
            args[0] not in self.commands
            and args[0] not in LAZY_COMMANDS
            and not args[0].startswith("-")
        ):
            self.refuse_typo(ctx, args[0])
            args = ["open", *args]
        return super().parse_args(ctx, args)

    def refuse_typo(self, ctx: click.Context, word: str) -> None:
        """A word that is no file but nearly a verb is a mistyped verb, not a file to open."""
        if os.path.exists(word):
            return
        import difflib

        close = difflib.get_close_matches(word, self.list_commands(ctx), n=1)
        if close:
            raise click.UsageError(f"no such command {escape(word)!r}: did you mean {close[0]!r}?")


@click.group(cls=BoltviewGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="boltview")
def cli() -> None:
    """A read-only inspector for bbolt files, above all containerd's meta.db.

    boltview never writes, locks or creates the file it reads.
    """


for command in bolt.COMMANDS + tree.COMMANDS:  # the raw verbs are always loaded; see LAZY_COMMANDS
    cli.add_command(command)


@cli.command("open")
@click.argument("path", required=False)
@db_options
@snapshotter_db_option
@content_root_option
def open_command(
    path: str | None, meta: int | None, snapshot: bool | None,
    snapshotter_dbs: tuple[str, ...], content_root: str | None,
) -> None:  # fmt: skip
    """Open FILE in the browser (the default command), or a node's ROOT or disk image.

    A file up to 64 MiB is read from a snapshot (a copy in memory) unless
    --no-snapshot; a bigger one only when a writer holds it locked.  For a
    containerd metadata database, the snapshotters' databases and the content
    store are found beside it, as for ls and inspect, or given.
    """
    if path is None:
        if not os.path.exists(DEFAULT_DB):
            raise UserError(
                f"no file given and {DEFAULT_DB} does not exist; "
                "try: boltview FILE, or boltview demo for the bundled demo database"
            )
        path = DEFAULT_DB
    if os.path.isdir(path) or _is_disk_image(path):
        from boltview.cli.node import browse_node

        browse_node(path)
        return
    browse(path, meta, snapshot, snapshotter_dbs, content_root)


@cli.command()
@click.option("--path", "print_path", is_flag=True, help="Print the demo database's path and exit.")
def demo(print_path: bool) -> None:
    """Open the bundled demo: a real containerd 1.6 metadata database (and its
    overlayfs snapshotter's database, beside it)."""
    path = demo_database()
    if print_path:
        click.echo(path)
        return
    browse(path, None, None, (), None)


def _is_disk_image(path: str) -> bool:
    from boltview.node.image import is_disk_image

    return is_disk_image(path)


def demo_database() -> str:
    """Where the package keeps its demo meta.db (written by a real containerd)."""
    from importlib.resources import files

    return str(files("boltview") / "demo" / "meta.db")


# -- entry point ---------------------------------------------------------------------


def usage_line(error: click.UsageError) -> str:
    """A usage error as one line, not click's usage text: what is wrong, and where help is."""
    line = f"boltview: {escape(error.format_message())}"
    if line.endswith("?"):  # it already says what was meant
        return line
    command = error.ctx.command_path if error.ctx is not None else "boltview"
    return f"{line} (see '{command} --help')"



def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every BoltviewError becomes one line on stderr and exit 2."""
    try:
        cli.main(args=argv, prog_name="boltview", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("boltview: aborted", err=True)
        sys.exit(130)
    except click.UsageError as error:
        click.echo(usage_line(error), err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE if error.exit_code not in (0, 1) else error.exit_code)
    except BoltviewError as error:
        click.echo(f"boltview: error: {escape(str(error))}", err=True)
        sys.exit(EXIT_USAGE)
    except (ReaderGone, BrokenPipeError):
        # The reader went away (| head): not an error of ours.  What is still
        # buffered goes to devnull, so that the shutdown's flush fails on nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_OK)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except OSError as error:
        click.echo(f"boltview: error: {escape(str(error))}", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_OK)
