"""The verbs of podman's, docker's, buildkit's and containers/image's bolt files.

::

    boltview podman ps bolt_state.db -a            # CONTAINER ID IMAGE COMMAND CREATED STATUS PORTS NAMES
    boltview podman pods ROOT                      # a node's root: its podman state is found
    boltview podman volumes bolt_state.db
    boltview podman inspect bolt_state.db web      # a container, pod or volume, decoded, as JSON
    boltview docker volumes volumes/metadata.db    # DRIVER VOLUME NAME, like docker volume ls
    boltview docker networks network/files/local-kv.db   # with their endpoints
    boltview buildkit du buildkit/metadata_v2.db   # like docker system df -v's build cache
    boltview blobinfo blob-info-cache-v1.boltdb    # digests, compressors, where each was seen

FILE may be a node's root directory instead: the store's file is looked for
where its program keeps it (the places ``boltview scan`` knows).  ``--json``
prints the view's objects (path, kind, fields, links, marks), the same
documents the browser and ``export`` show.  What a store holds that its own
program would call inconsistent (podman's registries disagreeing ...) is said
after the listing, one ``boltview: warning:`` line each, and exits 1.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from boltview.cli.options import EXIT_PROBLEMS, UserError, print_json, print_table, read_options
from boltview.render.text import escape
from boltview.stores.recognize import (
    BLOB_INFO_CACHE,
    BUILDKIT_METADATA,
    DOCKER_VOLUMES,
    LIBNETWORK,
    PODMAN,
    Store,
    recognize,
)
from boltview.stores.view import StoreNode, StoreView

__all__ = ["blobinfo_command", "buildkit_group", "docker_group", "podman_group"]

path_argument = click.argument("path", metavar="FILE|ROOT")
json_flag = click.option("--json", "as_json", is_flag=True, help="Print the objects as JSON.")


# -- opening a store ----------------------------------------------------------------------


def store_file(path: str, store: Store) -> str:
    """FILE as given; for a node's root, the one file of ``store`` where its program keeps it."""
    import os

    if not os.path.isdir(path):
        return path
    from boltview.bolt.file import BoltFile
    from boltview.errors import BoltviewError
    from boltview.node.root import DirectoryRoot
    from boltview.node.scan import KNOWN_STORES

    node = DirectoryRoot(path)
    found: list[str] = []
    for pattern, _ in KNOWN_STORES:
        for place in node.glob(pattern):
            resolved = node.resolve(place)
            if resolved is None or not node.is_file(place):
                continue
            try:
                with BoltFile.open(node.host_path(resolved)) as db:
                    if recognize(db) == store and place not in found:
                        found.append(place)
            except (BoltviewError, OSError):
                continue
    if not found:
        raise UserError(f"{path}: no {store.what} where {store.program} keeps it")
    if len(found) > 1:
        raise UserError(f"{path}: {len(found)} files of {store.what} ({', '.join(found)}): give one")
    resolved = node.resolve(found[0])
    assert resolved is not None
    return node.host_path(resolved)


@contextmanager
def store_view(path: str, store: Store, meta: int | None, snapshot: bool | None) -> Iterator[StoreView]:
    """The view of ``store`` at ``path``, or one line saying the file is no such store.

    After the verb's output, each finding is a warning on stderr, and exit 1.
    """
    from boltview.bolt.file import reading
    from boltview.stores.registry import VIEWS

    with reading(store_file(path, store), meta=meta, snapshot=snapshot) as db:
        found = recognize(db)
        if found != store:
            what = f"{found.what}, written by {found.program}" if found.program else found.what
            raise UserError(f"{path}: not {store.what}: it is {what}")
        view = VIEWS[store.kind](db)
        yield view
        findings = view.findings()
    for finding in findings:
        click.echo(f"boltview: warning: {escape(finding)}", err=True)
    if findings:
        sys.exit(EXIT_PROBLEMS)


def group_of(view: StoreView, name: str) -> list[StoreNode]:
    """Every child of the top-level group ``name`` (none when the file has no such group)."""
    group = view.find((name,))
    if group is None:
        return []
    children: list[StoreNode] = []
    while batch := view.children(group, len(children)):
        children += batch
    return children


def node_json(node: StoreNode) -> dict[str, Any]:
    """One object as ``--json`` prints it."""
    document: dict[str, Any] = {"path": list(node.path), "kind": node.kind, "fields": node.fields}
    if node.links:
        document["links"] = [{"label": link.label, "path": list(link.path)} for link in node.links]
    if node.marks:
        document["marks"] = list(node.marks)
    return document


Rows = Callable[[dict[str, Any], StoreNode, float], list[Sequence[str]]]
"""A listing's rows for one object: from its fields, the node and the time now."""


def list_group(
    path: str, store: Store, group: str, options: dict[str, Any], header: Sequence[str],
    rows: Rows, *, gap: str = "  ", keep: Callable[[dict[str, Any]], bool] | None = None,
    order: Callable[[dict[str, Any]], str] | None = None,
) -> None:  # fmt: skip
    """The listing verbs' one shape: the objects of one group, as a table or (``--json``) JSON.

    ``options`` are the verb's ``as_json``, ``meta`` and ``snapshot``.
    """
    with store_view(path, store, options["meta"], options["snapshot"]) as view:
        nodes = [n for n in group_of(view, group) if keep is None or keep(_f(n))]
        if order is not None:
            nodes.sort(key=lambda n: order(_f(n)))
        if options["as_json"]:
            print_json([node_json(n) for n in nodes])
            return
        now = time.time()
        print_table(header, [row for n in nodes for row in rows(_f(n), n, now)], gap)


def _f(node: StoreNode) -> dict[str, Any]:
    """A node's fields, as the listings read them (decoded JSON: any shape)."""
    return node.fields


def ago(rfc3339: Any, now: float) -> str:
    """How long ago a Go RFC 3339 time was, as podman and docker print it ("2 hours")."""
    from datetime import datetime

    from boltview.containerd.listing import go_human_duration

    if not isinstance(rfc3339, str) or rfc3339.startswith("0001-"):
        return ""
    whole, _, rest = rfc3339.partition(".")
    zone = rest.lstrip("0123456789") if rest else whole[19:]
    try:
        when = datetime.fromisoformat(whole[:19] + (zone.replace("Z", "+00:00") or "+00:00"))
    except ValueError:
        return ""
    return go_human_duration(now - when.timestamp())


# -- podman -----------------------------------------------------------------------------------


@click.group("podman")
def podman_group() -> None:
    """Read podman's state (storage/libpod/bolt_state.db) as podman would list it."""


@podman_group.command("ps")
@path_argument
@click.option("-a", "--all", "show_all", is_flag=True, help="Every container, not only running ones.")
@click.option("--no-trunc", is_flag=True, help="Whole container IDs.")
@json_flag
@read_options
def podman_ps(path: str, show_all: bool, no_trunc: bool, **options: Any) -> None:
    """Containers, like podman ps [-a], oldest first."""
    from boltview.stores.podman import ps_status

    def rows(f: dict[str, Any], node: StoreNode, now: float) -> list[Sequence[str]]:
        since = f.get("finished") if f.get("state") in ("exited", "stopped") else f.get("started")
        created = ago(f.get("created"), now)
        return [(
            str(f["id"]) if no_trunc else str(f["id"])[:12], str(f.get("image", "")),
            " ".join(f.get("command") or []), f"{created} ago" if created else "",
            ps_status(str(f.get("state")), int(f.get("exit_code") or 0), ago(since, now) or None),
            ", ".join(f.get("ports_text") or []), node.label,
        )]  # fmt: skip

    list_group(
        path, PODMAN, "containers", options,
        ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"), rows,
        keep=None if show_all else lambda f: f.get("state") == "running",
        order=lambda f: str(f.get("created")),
    )  # fmt: skip


@podman_group.command("pods")
@path_argument
@json_flag
@read_options
def podman_pods(path: str, **options: Any) -> None:
    """Pods, like podman pod ps: POD ID, NAME, STATUS, CREATED, INFRA ID, # OF CONTAINERS."""
    list_group(
        path, PODMAN, "pods", options,
        ("POD ID", "NAME", "STATUS", "CREATED", "INFRA ID", "# OF CONTAINERS"),
        lambda f, node, now: [(
            str(f["id"])[:12], node.label, str(f.get("status", "")), f"{ago(f.get('created'), now)} ago",
            str(f.get("infra_container_id", ""))[:12], str(len(f.get("containers") or [])),
        )],
    )  # fmt: skip


@podman_group.command("volumes")
@path_argument
@json_flag
@read_options
def podman_volumes(path: str, **options: Any) -> None:
    """Volumes, like podman volume ls, with the containers that use each."""
    list_group(
        path, PODMAN, "volumes", options, ("DRIVER", "VOLUME NAME", "USED BY"),
        lambda f, node, _: [(str(f.get("driver", "")), node.label, ", ".join(f.get("users") or []))],
        gap="      ",
    )  # fmt: skip


@podman_group.command("inspect")
@path_argument
@click.argument("name")
@read_options
def podman_inspect(path: str, name: str, meta: int | None, snapshot: bool | None) -> None:
    """A container, pod or volume (by name, or ID or its prefix), decoded, as JSON."""
    with store_view(path, PODMAN, meta, snapshot) as view:
        found = [
            node for group in ("containers", "pods", "volumes") for node in group_of(view, group)
            if name in (node.label, _f(node).get("id"))
            or (len(name) >= 3 and str(_f(node).get("id", "")).startswith(name))
        ]  # fmt: skip
        if not found:
            raise UserError(f"{path}: no container, pod or volume named {name}")
        if len(found) > 1:
            raise UserError(f"{path}: {name} names {len(found)} objects: give more of the ID")
        print_json(node_json(found[0]))


# -- docker -----------------------------------------------------------------------------------


@click.group("docker")
def docker_group() -> None:
    """Read docker's volume store (volumes/metadata.db) and libnetwork's (network/files/local-kv.db)."""


@docker_group.command("volumes")
@path_argument
@json_flag
@read_options
def docker_volumes(path: str, **options: Any) -> None:
    """Volumes, like docker volume ls (DRIVER, VOLUME NAME), with labels and options."""
    list_group(
        path, DOCKER_VOLUMES, "volumes", options, ("DRIVER", "VOLUME NAME", "LABELS", "OPTIONS"),
        lambda f, node, _: [(str(f.get("driver", "")), node.label, _pairs(f.get("labels")),
                             _pairs(f.get("options")))],
        gap="    ",
    )  # fmt: skip


@docker_group.command("networks")
@path_argument
@json_flag
@read_options
def docker_networks(path: str, as_json: bool, meta: int | None, snapshot: bool | None) -> None:
    """Networks, like docker network ls, then each one's endpoints (container, address)."""
    with store_view(path, LIBNETWORK, meta, snapshot) as view:
        networks = group_of(view, "networks")
        if as_json:
            print_json([
                {**node_json(n), "endpoints": [node_json(e) for e in view.children(n, 0, 10_000)]}
                for n in networks
            ])  # fmt: skip
            return
        rows = []
        for network in networks:
            f = _f(network)
            subnets = ", ".join(str(pool.get("Subnet", "")) for pool in (f.get("ipam") or {}).get("config") or [])
            rows.append((str(f.get("id", ""))[:12], network.label, str(f.get("driver", "")),
                         str(f.get("scope", "")), subnets))  # fmt: skip
        print_table(("NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET"), rows, gap="   ")
        endpoints = [
            (n.label, e.label, str(_f(e).get("container_id") or "")[:12],
             str(_f(e).get("ipv4_address", "")), str(_f(e).get("mac_address", "")),
             str(_f(e).get("id", ""))[:12])
            for n in networks for e in view.children(n, 0, 10_000)
        ]  # fmt: skip
        if endpoints:
            click.echo()
            print_table(("NETWORK", "CONTAINER", "CONTAINER ID", "IPV4 ADDRESS", "MAC ADDRESS",
                         "ENDPOINT ID"), endpoints, gap="   ")  # fmt: skip


def _pairs(mapping: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((mapping or {}).items()))


# -- buildkit and containers/image -------------------------------------------------------------


@click.group("buildkit")
def buildkit_group() -> None:
    """Read buildkit's cache metadata (metadata_v2.db), with snapshots.db and containerdmeta.db beside."""


@buildkit_group.command("du")
@path_argument
@click.option("-a", "--all", "show_all", is_flag=True,
              help="Also the committed twins docker folds into their mutable records.")
@json_flag
@read_options
def buildkit_du(path: str, show_all: bool, **options: Any) -> None:
    """Build cache records, like docker system df -v: CACHE ID, CACHE TYPE, SIZE, CREATED,
    LAST USED, USAGE, and what each is."""
    list_group(
        path, BUILDKIT_METADATA, "records", options,
        ("CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "DESCRIPTION"),
        lambda f, node, now: [(
            node.label, str(f.get("type", "regular")), _size(f.get("du_size")),
            f"{ago(f.get('created'), now)} ago", f"{ago(f.get('last_used'), now)} ago",
            str(f.get("usage_count", 0)), str(f.get("description", "")),
        )],
        keep=None if show_all else lambda f: bool(f.get("shown_in_du")),
        order=lambda f: str(f.get("created")),
    )  # fmt: skip


def _size(size: Any) -> str:
    """A size as docker prints it (go-units HumanSize: 3 significant digits, decimal units)."""
    if not isinstance(size, int):
        return "-"
    value, units = float(size), ["B", "kB", "MB", "GB", "TB", "PB"]
    unit = 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    return f"{value:.4g}{units[unit]}"


@click.command("blobinfo")
@path_argument
@json_flag
@read_options
def blobinfo_command(path: str, **options: Any) -> None:
    """containers/image's blob info cache: each blob's compressor, uncompressed digest, and where
    it was seen (registry/repository, last seen)."""
    list_group(
        path, BLOB_INFO_CACHE, "blobs", options,
        ("DIGEST", "COMPRESSOR", "UNCOMPRESSED", "SEEN IN", "LAST SEEN"),
        lambda f, node, _: [
            (node.label, str(f.get("compressor", "")), str(f.get("uncompressed_digest", "")),
             str(where.get("location", "")), str(where.get("last_seen", "")))
            for where in f.get("locations") or [{}]
        ],
    )  # fmt: skip
