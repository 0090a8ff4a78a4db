"""``files`` and ``cat``: a container's filesystem, read from a node without mounting it.

The container's snapshot and its parents are found through the install's
meta.db and snapshotter database; their directories are stacked as overlayfs
would stack them (:mod:`boltview.node.rootfs`).  Every name is escaped; links
are shown, and followed only inside the container's own view.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click

from boltview.cli.node import open_node
from boltview.cli.options import UserError, json_option, print_json
from boltview.containerd.model import Container
from boltview.containerd.reader import MetadataReader
from boltview.node.drift import Change, FileFacts, drift
from boltview.node.root import Entry, join
from boltview.node.rootfs import Found, MergedView
from boltview.node.target import (
    WHOLE_COPY_SNAPSHOTTERS,
    NodeTarget,
    choose_install,
    install_reader,
    snapshot_layers,
)
from boltview.render.text import escape

install_option = click.option(
    "--install", default=None, metavar="NAME",
    help="Which containerd install of the node (its name in boltview scan, or its root).",
)  # fmt: skip
namespace_option = click.option("-n", "--namespace", default=None, help="The container's namespace.")


@click.command("files")
@click.argument("root")
@click.argument("container")
@click.argument("path", default="/")
@click.option("-l", "long_", is_flag=True, help="Mode, owner, size, time and layer too.")
@namespace_option
@install_option
@json_option
def files_command(root: str, container: str, path: str, long_: bool, namespace: str | None,
                  install: str | None, as_json: bool) -> None:  # fmt: skip
    """What is in PATH of CONTAINER's filesystem on the node at ROOT (a directory or an image).

    A link named as PATH is shown itself, as ls -l shows it; PATH ending in
    a slash follows it (inside the container, never out of it).
    """
    with _view(root, install, container, namespace) as view:
        # As ls: a link named last is shown itself, never its target (unless PATH ends in /).
        resolved = view.resolve(path, follow=path.endswith("/"))
        found = view.find(resolved) if resolved is not None else None
        if resolved is None or found is None:
            raise UserError(f"{container}: {path}: no such file or directory in the container")
        if found.entry.kind == "dir":
            items = sorted(view.listing(resolved).items())
        else:
            items = [(resolved.rpartition("/")[2], found)]
        records = [_record(view, join(resolved, name) if found.entry.kind == "dir" else resolved,
                           name, item) for name, item in items]  # fmt: skip
    if as_json:
        print_json(records)
        return
    for record in records:
        if not long_:
            click.echo(escape(record["name"]))
            continue
        link = f" -> {escape(record['link'])}" if record["link"] is not None else ""
        click.echo(f"{record['mode_text']} {record['uid']:>5} {record['gid']:>5} {record['size']:>10} "
                   f"{record['mtime'] or '-':<20} {escape(record['name'])}{link}  "
                   f"[{escape(record['layer'])}]")  # fmt: skip


@click.command("cat")
@click.argument("root")
@click.argument("container")
@click.argument("path")
@namespace_option
@install_option
def cat_command(root: str, container: str, path: str, namespace: str | None, install: str | None) -> None:
    """The exact bytes of PATH in CONTAINER's filesystem (links followed inside the container)."""
    with _view(root, install, container, namespace) as view:
        resolved = view.resolve(path)
        found = view.find(resolved) if resolved is not None else None
        if resolved is None or found is None:
            raise UserError(f"{container}: {path}: no such file in the container")
        if found.entry.kind != "file":
            raise UserError(f"{container}: {path}: is a {found.entry.kind}, not a file")
        out = sys.stdout.buffer
        for chunk in view.chunks(resolved):
            out.write(chunk)
        out.flush()


@contextmanager
def _view(root: str, install: str | None, container: str, namespace: str | None,
          *, with_parent: bool = False) -> Iterator[MergedView]:  # fmt: skip
    """The merged view of a container's filesystem, with its install's databases open."""
    node = open_node(root)
    target = choose_install(node, install)
    with install_reader(target) as reader:
        found = _container(reader, container, namespace)
        yield container_view(target, reader, found, with_parent)


def container_view(target: NodeTarget, reader: MetadataReader, container: Container,
                    with_parent: bool) -> MergedView:  # fmt: skip
    snapshot = reader.container_snapshot(container)
    if snapshot is None:
        raise UserError(f"{container.id}: its snapshot {container.snapshot_key!r} "
                        f"({container.snapshotter}) is not in meta.db")  # fmt: skip
    layers = snapshot_layers(target, reader, snapshot, with_parent=with_parent)
    return MergedView(target.node, layers)


def _container(reader: MetadataReader, wanted: str, namespace: str | None) -> Container:
    spaces = [namespace] if namespace else reader.namespace_names()
    matches = [c for ns in spaces for c in reader.containers(ns) if c.id == wanted]
    if not matches:
        where = f"namespace {namespace}" if namespace else "any namespace"
        raise UserError(f"no container {wanted!r} in {where}")
    if len(matches) > 1:
        raise UserError(f"container {wanted!r} is in namespaces "
                        f"{', '.join(c.namespace for c in matches)}: pick one with -n")  # fmt: skip
    return matches[0]


def _record(view: MergedView, path: str, name: str, found: Found) -> dict[str, Any]:
    entry: Entry = found.entry
    return {
        "name": name,
        "path": path,
        "kind": entry.kind,
        "mode": entry.mode,
        "mode_text": stat.filemode(entry.mode) if entry.mode else "?" * 10,
        "uid": entry.uid,
        "gid": entry.gid,
        "size": entry.size,
        "mtime": _time(entry.mtime_ns),
        "link": view.readlink(path) if entry.kind == "link" else None,
        "layer": view.layers[found.layer].label,
    }


def _time(ns: int) -> str | None:
    if not ns:
        return None
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command("drift")
@click.argument("root")
@click.argument("container", required=False)
@click.option("--all", "every", is_flag=True, help="Every container of the install.")
@namespace_option
@install_option
@json_option
def drift_command(root: str, container: str | None, every: bool, namespace: str | None,
                  install: str | None, as_json: bool) -> None:  # fmt: skip
    """What CONTAINER changed in its filesystem against its image: added, modified, deleted.

    Each change with size, mode, owner, time, sha256 and the layer it comes
    from; "+x" marks a file that became executable.
    """
    if (container is None) == (not every):
        raise click.UsageError("give a CONTAINER or --all")
    node = open_node(root)
    target = choose_install(node, install)
    report: list[dict[str, Any]] = []
    with install_reader(target) as reader:
        if every:
            spaces = [namespace] if namespace else reader.namespace_names()
            chosen = [c for ns in spaces for c in reader.containers(ns)]
        else:
            assert container is not None
            chosen = [_container(reader, container, namespace)]
        for item in chosen:
            view = container_view(target, reader, item, True)
            gaps = [layer.label for layer in view.layers if layer.missing]
            changes = drift(view, item.snapshotter in WHOLE_COPY_SNAPSHOTTERS)
            report.append({"namespace": item.namespace, "container": item.id,
                           "snapshotter": item.snapshotter, "missing_layers": gaps,
                           "changes": [_change_json(c) for c in changes]})  # fmt: skip
    if as_json:
        print_json(report if every else report[0])
        return
    for entry in report:
        if every or entry["missing_layers"]:
            head = f"{entry['namespace']}/{entry['container']} ({entry['snapshotter']})"
            gaps = entry["missing_layers"]
            click.echo(escape(head + (f": layers missing on disk: {', '.join(gaps)}" if gaps else "")))
        for change in entry["changes"]:
            click.echo(_change_line(change))


def _facts_json(facts: FileFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    return {"kind": facts.kind, "size": facts.size, "mode": stat.filemode(facts.mode) if facts.mode else None,
            "uid": facts.uid, "gid": facts.gid, "mtime": _time(facts.mtime_ns), "sha256": facts.sha256,
            "link": facts.link, "layer": facts.layer}  # fmt: skip


def _change_json(change: Change) -> dict[str, Any]:
    return {"path": change.path, "change": change.change, "newly_executable": change.newly_executable,
            "now": _facts_json(change.now), "before": _facts_json(change.before)}  # fmt: skip


def _change_line(change: dict[str, Any]) -> str:
    facts = change["now"] or change["before"]
    mark = "+x" if change["newly_executable"] else "  "
    sha = (facts.get("sha256") or "-")[:12]
    return (f"{change['change']:<8} {mark} {facts['mode'] or '?':<10} {facts['size']:>10} {sha:<12} "
            f"{escape(change['path'])}  [{escape(facts['layer'])}]")  # fmt: skip


@click.command("export-fs")
@click.argument("root")
@click.argument("container")
@click.option("-o", "--output", required=True, metavar="OUT.tar", help="The tar archive to write.")
@namespace_option
@install_option
def export_fs_command(root: str, container: str, output: str, namespace: str | None,
                      install: str | None) -> None:  # fmt: skip
    """CONTAINER's filesystem as overlayfs shows it, as a tar archive (modes, owners, times, xattrs).

    Whiteouts are applied; links are archived as links.  The archive is
    written under a temporary name and renamed when whole, never into ROOT.
    """
    import os

    from boltview.node.export_fs import write_tar_file

    target = os.path.realpath(output)
    if os.path.isdir(root) and (target + os.sep).startswith(os.path.realpath(root) + os.sep):
        raise UserError(f"{output}: is inside {root}: boltview never writes into what it reads")
    if os.path.lexists(target) and not os.path.isfile(target):
        raise UserError(f"{output}: exists and is not a regular file: not replaced")
    if not os.path.isdir(os.path.dirname(target) or "."):
        raise UserError(f"{output}: its directory does not exist")
    with _view(root, install, container, namespace) as view:
        count = write_tar_file(view, target)
    click.echo(f"wrote {count} entries to {escape(output)}", err=True)
