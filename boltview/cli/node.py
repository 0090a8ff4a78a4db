"""``boltview scan ROOT``: a node's containerd installs and bolt stores, from a copy of its root.

The overview comes first and at once; then, because they read every byte, the
sha256 of each bolt file and the check of every content blob against its name
(``--no-sha256`` leaves both out), with progress on stderr.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from boltview.bolt.file import BROWSE_SNAPSHOT_LIMIT
from boltview.cli.options import UserError, console, json_option, print_json
from boltview.node.root import DirectoryRoot, NodeRoot
from boltview.node.scan import ContentFacts, NodeScan, hash_files, scan, verify_blobs
from boltview.render.text import escape, human_size


@click.command("scan")
@click.argument("root")
@click.option("--sha256/--no-sha256", "hashing", default=True, show_default=True,
              help="Hash every bolt file and check every content blob against its name.")
@json_option
def scan_command(root: str, hashing: bool, as_json: bool) -> None:
    """Every containerd install and bolt store under ROOT, a copy of a node's /.

    Installs are found at the places containerd, docker, k3s, rke2, microk8s
    and k0s keep them and wherever a containerd config.toml (and what it
    imports) sets a root; other bolt files at etcd's, podman's, docker's,
    buildkit's and containers/image's places, and by their magic number.
    Nothing is mounted, written or followed outside ROOT.
    """
    node = open_node(root)
    found = scan(node)
    if as_json:
        if hashing:
            _hash_all(node, found, quiet=True)
        print_json(scan_document(found))
        return
    _print_overview(found)
    if hashing:
        sys.stdout.flush()
        _hash_all(node, found, quiet=False)


def open_node(root: str) -> NodeRoot:
    """A node from a directory (a mounted or copied root) or a disk image."""
    if os.path.isdir(root):
        return DirectoryRoot(root)
    if not os.path.lexists(root):
        raise UserError(f"{root}: does not exist: give a node's root directory or a disk image")
    from boltview.node.image import is_disk_image, open_image

    if not is_disk_image(root):
        raise UserError(f"{root}: is no directory and no disk image (a bolt file? try: "
                        "boltview info FILE): give a node's root directory or a disk image")  # fmt: skip
    return open_image(root)


def browse_node(root: str) -> None:
    """The node overview; Enter opens a bolt file in the browser, quitting it comes back.

    An install's meta.db opens with its snapshotters' databases and content
    store, from a directory or from inside an image alike.
    """
    from boltview.cli.browse import browse_db
    from boltview.errors import BoltviewError
    from boltview.node.target import companions, install_of
    from boltview.tui import run
    from boltview.tui.node_view import NodeApp

    node = open_node(root)
    found = None
    while True:
        app = NodeApp(node, found)
        chosen = app.run()
        found = app.found
        if chosen is None:
            return
        try:
            target = install_of(node, chosen)
            if isinstance(node, DirectoryRoot):
                resolved = node.resolve(chosen) or chosen
                with node.open_bolt(chosen, copy_up_to=BROWSE_SNAPSHOT_LIMIT) as db:
                    browse_db(db, node.host_path(resolved), db.is_snapshot, (), None, target)
            elif target is not None:
                snapshotters, store = companions(target)
                try:
                    with node.open_bolt(chosen) as db:
                        run(db, snapshotters, store, target)
                finally:
                    for sdb in snapshotters.values():
                        sdb.close()
            else:
                with node.open_bolt(chosen) as db:
                    run(db)
        except (BoltviewError, OSError) as error:
            click.echo(f"boltview: {escape(chosen)}: {escape(str(error))}", err=True)


def _hash_all(node: NodeRoot, found: NodeScan, quiet: bool) -> None:
    out = None if quiet else console()
    for facts in hash_files(node, found.files):
        if out is not None:
            click.echo(f"{facts.sha256 or 'unreadable':<64}  {escape(facts.path)}")
    for name, content in found.content.items():
        progress = _Progress(f"checking the blobs of {name}") if not quiet else None
        verify_blobs(node, content, progress or (lambda done, total: None))
        if progress is not None:
            progress.end()
        if out is not None:
            click.echo(_verdict(name, content))


def _verdict(name: str, content: ContentFacts) -> str:
    if not content.mismatched:
        return f"content of {name}: all {len(content.blobs)} blobs match their names"
    shown = ", ".join(content.mismatched)
    return (f"content of {name}: {len(content.mismatched)} of {len(content.blobs)} blobs do NOT "
            f"match their names (tampered or damaged): {shown}")  # fmt: skip


class _Progress:
    """A line on stderr that counts bytes hashed, when stderr is a terminal."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.shown = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        if self.shown and percent != self.last:
            self.last = percent
            sys.stderr.write(f"\r{self.what}: {percent}% of {human_size(total)}")
            sys.stderr.flush()

    def end(self) -> None:
        if self.shown and self.last >= 0:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _print_overview(found: NodeScan) -> None:
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.print(Text(f"node {escape(found.top)}"))
    if not found.installs:
        out.print(Text("no containerd install found (looked at the known places and every "
                       "containerd config.toml)"))  # fmt: skip
    for install in found.installs:
        out.print(Text(f"\ncontainerd install {escape(install.name)} at {escape(install.root)}"
                       f" ({escape('; '.join(install.found_by))})"))  # fmt: skip
        out.print(Text(f"  meta.db       {escape(install.meta_db or 'none')}"))
        snapshotters = ", ".join(sorted(install.snapshotters)) or "none"
        out.print(Text(f"  snapshotters  {escape(snapshotters)}"))
        content = found.content.get(install.name)
        out.print(Text(f"  content       {_content_line(install.content_root, content)}"))
    out.print()
    table = Table(title=f"bolt files: {len(found.files)}", title_justify="left")
    for column in ("PATH", "SIZE", "TXID", "STORE", "WHAT"):
        table.add_column(column, justify="right" if column in ("SIZE", "TXID") else "left")
    for facts in found.files:
        what = f"{facts.install} {facts.role}" if facts.install else facts.store.what
        if not facts.install and facts.role and facts.store.kind in ("bolt", "empty"):
            what += f" ({facts.role})"
        if facts.problem:
            what = f"unreadable: {facts.problem}"
        table.add_row(Text(escape(facts.path)), human_size(facts.size),
                      "-" if facts.txid is None else str(facts.txid), facts.store.kind,
                      Text(escape(what)))  # fmt: skip
    out.print(table)
    for note in found.notes:
        out.print(Text(f"note: {escape(note)}"))


def _content_line(root: str | None, content: ContentFacts | None) -> str:
    if root is None or content is None:
        return "none"
    size = sum(content.blobs.values())
    line = f"{escape(root)}: {len(content.blobs)} blobs ({human_size(size)}), {content.ingests} ingests"
    line += f"; {len(content.unknown)} unknown to meta.db, {len(content.missing)} missing"
    return line




def scan_document(found: NodeScan) -> dict[str, Any]:
    """The scan as JSON: node paths, sizes, txids, stores, and the content stores' findings."""
    return {
        "root": found.top,
        "installs": [
            {
                "name": i.name,
                "root": i.root,
                "found_by": i.found_by,
                "meta_db": i.meta_db,
                "snapshotters": dict(sorted(i.snapshotters.items())),
                "content_root": i.content_root,
            }
            for i in found.installs
        ],
        "bolt_files": [
            {
                "path": f.path,
                "size": f.size,
                "txid": f.txid,
                "store": f.store.kind,
                "program": f.store.program or None,
                "install": f.install,
                "role": f.role or None,
                "problem": f.problem,
                "sha256": f.sha256,
            }
            for f in found.files
        ],
        "content": {
            name: {
                "root": c.root,
                "blobs": len(c.blobs),
                "bytes": sum(c.blobs.values()),
                "ingests": c.ingests,
                "unknown_to_meta_db": c.unknown,
                "missing": c.missing,
                "verified": c.verified,
                "mismatched": c.mismatched if c.verified else None,
            }
            for name, c in found.content.items()
        },
        "notes": found.notes,
    }
