"""``boltview timeline``: every time boltview knows, sorted, for Timesketch or mactime."""

from __future__ import annotations

import os
from collections.abc import Iterator

import click

from boltview.bolt.file import reading
from boltview.cli.files import container_view, install_option
from boltview.cli.node import open_node
from boltview.containerd.reader import MetadataReader, require_metadata
from boltview.node.drift import drift
from boltview.node.installs import find_installs
from boltview.node.target import WHOLE_COPY_SNAPSHOTTERS, NodeTarget, install_reader
from boltview.node.timeline import (
    FORMATS,
    WRITERS,
    Event,
    drift_events,
    metadata_events,
    object_events,
    recovered_events,
)


@click.command("timeline")
@click.argument("target", metavar="FILE|ROOT")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True,
              help="Timesketch's JSONL, CSV, or the Sleuth Kit's bodyfile (for mactime).")
@click.option("--recover/--no-recover", "with_recovered", default=True, show_default=True,
              help="Also the deleted objects recover finds in free pages.")
@install_option
def timeline_command(target: str, fmt: str, with_recovered: bool, install: str | None) -> None:
    """Every time in a metadata database, or on a node, in time order.

    Objects' created and updated times, ingests' expiry, deleted objects
    rebuilt from free pages (with their pages); on a node, every install, its
    snapshotters, and the mtimes of the files each container changed.
    """
    if os.path.isdir(target) or _is_image(target):
        events = list(_node_events(target, install, with_recovered))
    else:
        events = list(_file_events(target, with_recovered))
    events.sort()
    for line in WRITERS[fmt](events):
        click.echo(line)


def _is_image(path: str) -> bool:
    from boltview.node.image import is_disk_image

    return is_disk_image(path)


def _file_events(path: str, with_recovered: bool) -> Iterator[Event]:
    with reading(path, snapshot=None) as db:
        require_metadata(db)
        yield from metadata_events(MetadataReader(db, check=False), path)
        if with_recovered:
            yield from recovered_events(db, path)


def _node_events(root: str, wanted: str | None, with_recovered: bool) -> Iterator[Event]:
    node = open_node(root)
    installs, _ = find_installs(node)
    for install in installs:
        if install.meta_db is None or wanted not in (None, install.name, install.root):
            continue
        target = NodeTarget(node, install)
        with install_reader(target) as reader:
            source = install.meta_db
            yield from metadata_events(reader, source)
            for name, sdb in sorted(reader.snapshotter_dbs.items()):
                for backend in sdb.snapshots():
                    yield from object_events(backend, f"{name} snapshot", None,
                                             install.snapshotters[name], "the snapshotter's record")  # fmt: skip
            if with_recovered:
                yield from recovered_events(reader.db, source)
            for namespace in reader.namespace_names():
                for container in reader.containers(namespace):
                    if reader.container_snapshot(container) is None:
                        continue
                    view = container_view(target, reader, container, True)
                    changes = drift(view, container.snapshotter in WHOLE_COPY_SNAPSHOTTERS)
                    yield from drift_events(changes, container.id, namespace, view.layers[0].directory)
