"""The containerd verbs: ``ls``, ``inspect`` and ``export``.

::

    boltview ls meta.db containers               # every namespace, NAMESPACE column first
    boltview ls meta.db images -n default        # one namespace, exactly ctr's columns
    boltview ls meta.db snapshots --snapshotter-db overlayfs=.../metadata.db
    boltview inspect meta.db container web-1     # fully decoded, with relations
    boltview export meta.db -o meta.json         # the whole model as one JSON document

``boltview.cli`` loads this module only when one of them runs (``LAZY_COMMANDS``).
The work under them that is not about a terminal is in
:mod:`boltview.containerd.commands`.

A damaged file is not an error: each verb answers with what it could read,
then prints one ``boltview: warning:`` line per page it could not read (as
``dump`` does) and exits 1.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click

from boltview.cli.options import (
    EXIT_PROBLEMS,
    console,
    content_root_option,
    db_options,
    json_option,
    namespace_option,
    node_file,
    options,
    print_json,
    snapshotter_db_option,
)
from boltview.cli.outline import render_outline
from boltview.cli.store_export import (
    export_store,
    include_secrets_option,
    inspect_store,
    store_file,
)
from boltview.containerd import commands, companions, listing
from boltview.containerd.export import object_json, relations_json
from boltview.containerd.imagedoc import image_document
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    INGEST,
    KINDS,
    LEASE,
    NAMESPACE,
    POD,
    SANDBOX,
    SNAPSHOT,
    Image,
    ObjectRef,
    Snapshot,
)
from boltview.containerd.reader import (
    PLURALS,
    AnyObject,
    MetadataReader,
    find_one,
    iter_namespaces,
)
from boltview.containerd.relations import checked_snapshot
from boltview.render.text import escape, show_path

KIND_WORDS = {
    **{kind: kind for kind in KINDS},
    **PLURALS,
    "c": CONTAINER, "i": IMAGE, "sn": SNAPSHOT, "blob": CONTENT, "blobs": CONTENT,
    "ns": NAMESPACE, "pod": POD, "sandboxes": SANDBOX, "sandbox": SANDBOX,
}  # fmt: skip
"""Every word a KIND may be spelled with: singular, plural and ctr's short forms."""

file_options = options(db_options, snapshotter_db_option)
"""``--meta``, ``--snapshot`` and ``--snapshotter-db``: what a containerd verb opens."""


# -- opening ------------------------------------------------------------------------------


@contextmanager
def open_reader(
    path: str, meta: int | None, snapshot: bool | None, snapshotter_dbs: tuple[str, ...]
) -> Iterator[MetadataReader]:
    """:func:`boltview.containerd.commands.open_reader` for a verb."""
    with snapshotter_usage(), commands.open_reader(path, meta, snapshot, snapshotter_dbs) as reader:
        yield reader


@contextmanager
def snapshotter_usage() -> Iterator[None]:
    """A ``--snapshotter-db PATH`` whose snapshotter cannot be told is a usage error."""
    try:
        yield
    except commands.SnapshotterUnknownError as error:
        raise click.UsageError(str(error)) from None


def report_problems(reader: MetadataReader) -> None:
    """One warning on stderr per page that could not be read, then exit 1; nothing if none.

    Called once the answer is out (and the read checked as one transaction).
    """
    problems = reader.problems
    for problem in problems:
        click.echo(
            escape(f"boltview: warning: {reader.db.path}: {problem.message}; left out of bucket "
                   f"{show_path(problem.path)}"),
            err=True,
        )  # fmt: skip
    if problems:
        raise SystemExit(EXIT_PROBLEMS)


def _now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    moment = listing.parse_rfc3339(value)
    if moment is None:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 time", param_hint="--now")
    return datetime.fromtimestamp(moment, UTC)


# -- FILE and KIND, in either order -------------------------------------------------------


def kind_of(word: str) -> str:
    """The kind ``word`` names, or a usage error that suggests the closest kind."""
    if word in KIND_WORDS:
        return KIND_WORDS[word]
    import difflib

    close = difflib.get_close_matches(word, sorted(KIND_WORDS), n=1)
    hint = f": did you mean {close[0]!r}?" if close else f" (one of: {', '.join(PLURALS)})"
    raise click.UsageError(f"unknown kind {escape(word)!r}{hint}")


def file_and_kind(first: str, second: str) -> tuple[str, str]:
    """``(path, kind)`` from ``FILE KIND`` or, as before, ``KIND FILE``.

    The order is told by which word is an existing file, then by which one is a kind.
    """
    if not os.path.exists(first) and (os.path.exists(second) or first in KIND_WORDS):
        first, second = second, first
    return node_file(first), kind_of(second)


# -- ls ------------------------------------------------------------------------------------


@click.command("ls")
@click.argument("path", metavar="FILE")
@click.argument("what", metavar="KIND")
@namespace_option
@click.option("--snapshotter", default=None, help="Only this snapshotter's snapshots.")
@content_root_option
@click.option("-q", "--quiet", is_flag=True, help="Only the names, like ctr -q.")
@click.option("--now", default=None, hidden=True, help="The time AGE is counted to (RFC 3339).")
@file_options
@json_option
def ls_command(
    what: str, path: str, namespace: str | None, snapshotter: str | None,
    content_root: str | None, quiet: bool, now: str | None, meta: int | None, snapshot: bool,
    snapshotter_dbs: tuple[str, ...], as_json: bool,
) -> None:  # fmt: skip
    """List KIND like ctr does: namespaces, containers, images, snapshots, content,
    ingests, leases, sandboxes or pods (or a singular, or ctr's short forms: ns, c,
    i, sn, blobs).  ls KIND FILE works too.

    All namespaces by default, with a NAMESPACE column first; -n picks one and
    prints exactly ctr's columns.  Columns that live outside meta.db (a
    snapshot's kind, an image's platforms) need --snapshotter-db and
    --content-root, or show what meta.db knows.
    """
    path, kind = file_and_kind(path, what)
    moment = _now(now)
    with open_reader(path, meta, snapshot, snapshotter_dbs) as reader:
        names = list(iter_namespaces(reader, namespace))
        if kind == NAMESPACE:
            _ls_namespaces(reader, names, quiet, as_json)
        elif as_json:
            print_json(_ls_json(reader, kind, _pod_namespaces(reader, kind, names, namespace),
                                 snapshotter))  # fmt: skip
        elif quiet:
            for name in _pod_namespaces(reader, kind, names, namespace):
                for obj in _objects(reader, kind, name, snapshotter, checked=False):
                    # Only the fields are escaped: the separator stays a real tab.
                    click.echo(escape(obj.id) if namespace else f"{escape(name)}\t{escape(obj.id)}")
        else:
            store = companions.content_store(path, content_root)
            names = _pod_namespaces(reader, kind, names, namespace)
            column: list[str] = []
            rows: listing.Listing | None = None
            for name in names:
                part = _listing(reader, kind, name, snapshotter, store, moment)
                column += [name] * len(part.rows)
                if rows is None:
                    rows = part
                else:
                    rows.rows += part.rows
            if rows is None:
                rows = _listing(reader, kind, "", snapshotter, store, moment, empty=True)
            if kind == POD and len(names) == 1:
                # A pod's NAMESPACE is Kubernetes', as crictl shows it; containerd's is k8s.io.
                namespace = names[0]
            header = "CONTAINERD NAMESPACE" if kind == POD else "NAMESPACE"
            click.echo(rows.render(None if namespace else column, header), nl=False)
    report_problems(reader)


def _ls_namespaces(reader: MetadataReader, names: list[str], quiet: bool, as_json: bool) -> None:
    namespaces = [reader.namespace(name) for name in names]
    if as_json:
        print_json([object_json(reader.db, ns) for ns in namespaces])
    elif quiet:
        for ns in namespaces:
            click.echo(escape(ns.name))
    else:
        click.echo(listing.namespace_rows(namespaces).render(), nl=False)


def _pod_namespaces(
    reader: MetadataReader, kind: str, names: list[str], namespace: str | None
) -> list[str]:
    """For pods across all namespaces, only those worth grouping (k8s.io, CRI's)."""
    if kind == POD and namespace is None:
        return list(listing.iter_cri_namespaces(reader, names))
    return names


def _objects(
    reader: MetadataReader, kind: str, namespace: str, snapshotter: str | None,
    *, checked: bool = True,
) -> Iterator[AnyObject]:  # fmt: skip
    if kind == SNAPSHOT and checked:
        # Their kind (inferred without the snapshotter's database) and their true children.
        snapshots = list(reader.snapshots(namespace, snapshotter))
        keys: dict[str, set[str]] = {}
        for s in snapshots:
            keys.setdefault(s.snapshotter, set()).add(s.key)
        return (checked_snapshot(reader, s, keys[s.snapshotter]) for s in snapshots)
    if kind == SNAPSHOT:
        return iter(reader.snapshots(namespace, snapshotter))
    return reader.objects(kind, namespace)


def _ls_json(
    reader: MetadataReader, kind: str, names: list[str], snapshotter: str | None
) -> list[dict[str, Any]]:
    out = []
    for name in names:
        for obj in _objects(reader, kind, name, snapshotter):
            out.append({"Namespace": name, **object_json(reader.db, obj)})
    return out


def _listing(
    reader: MetadataReader, kind: str, namespace: str, snapshotter: str | None,
    store: listing.ContentStore | None, now: datetime, *, empty: bool = False,
) -> listing.Listing:  # fmt: skip
    """One namespace's table (``empty``: just the header, for a file with no namespaces)."""
    def objects() -> Iterator[Any]:
        return iter(()) if empty else _objects(reader, kind, namespace, snapshotter)

    if kind == CONTAINER:
        return listing.container_rows(objects())
    if kind == IMAGE:
        return listing.image_rows(reader, objects(), store)
    if kind == SNAPSHOT:
        several = snapshotter is None and not empty and len(reader.snapshotter_names(namespace)) > 1
        return listing.snapshot_rows(objects(), several)
    if kind == CONTENT:
        if empty:
            return listing.Listing(listing.TABS, ["DIGEST", "SIZE", "AGE", "LABELS"], [], False)
        return listing.content_rows(reader, namespace, now)
    if kind == INGEST:
        return listing.ingest_rows(objects(), store, now)
    if kind == LEASE:
        return listing.lease_rows(objects())
    if kind == SANDBOX:
        return listing.sandbox_rows(objects())
    return listing.pod_rows(objects())


# -- inspect ---------------------------------------------------------------------------------


@click.command("inspect")
@click.argument("path", metavar="FILE")
@click.argument("kind", metavar="KIND")
@click.argument("id")
@namespace_option
@click.option("--snapshotter", default=None, help="The snapshotter of a snapshot (when several have the key).")
@click.option("--now", default=None, hidden=True, help="The time gc verdicts are made at (RFC 3339).")
@content_root_option
@file_options
@json_option
@include_secrets_option
def inspect_command(
    path: str, kind: str, id: str, namespace: str | None, snapshotter: str | None,
    now: str | None, content_root: str | None, meta: int | None, snapshot: bool,
    snapshotter_dbs: tuple[str, ...], as_json: bool, include_secrets: bool,
) -> None:  # fmt: skip
    """One object fully decoded, with its relations and why it is (not) garbage collected.

    KIND is container, image, snapshot, content, ingest, lease, sandbox, pod or
    namespace (or a plural, or ctr's short forms).  Without -n, the namespace
    that has ID is used.  inspect KIND FILE ID works too.  For another store
    (etcd, podman, docker ...) KIND is the object's kind in its words (key,
    lease, user, container ...) and ID its name or path.
    """
    other_store = store_file(path, kind)
    if other_store is not None:
        inspect_store(other_store, (path, kind), id, meta, snapshot, as_json, include_secrets)
        return
    path, kind = file_and_kind(path, kind)
    moment = _now(now)
    with open_reader(path, meta, snapshot, snapshotter_dbs) as reader:
        obj, name = _find(reader, kind, id, namespace, snapshotter)
        if isinstance(obj, Snapshot):
            obj = checked_snapshot(reader, obj)
        document = {"Namespace": name, "Kind": kind, **object_json(reader.db, obj)}
        document["relations"] = relations_json(reader, obj, moment)
        store = companions.content_store(path, content_root)
        if isinstance(obj, Image) and store is not None:
            # What the image is, from its blobs: platforms, layers, config, history.
            target = {"mediaType": obj.target.media_type, "digest": obj.target.digest,
                      "size": obj.target.size}  # fmt: skip
            document["content_store"] = image_document(store.blob, target)
    if as_json:
        print_json(document)
    else:
        # On a terminal long values fold at its width; into a pipe or file nothing is cut.
        note = listing.expiry_note(obj, moment)
        title = f"{kind} {id}  (namespace {name})" + (f"  ({note})" if note else "")
        if isinstance(obj, Snapshot):
            document["Kind"] = listing.snapshot_kind_words(obj)  # JSON keeps ctr's word
        console(markup=False, emoji=False).print(render_outline(title, document))
    report_problems(reader)


def _find(
    reader: MetadataReader, kind: str, id: str, namespace: str | None, snapshotter: str | None
) -> tuple[AnyObject, str]:
    if kind == NAMESPACE:
        return reader.namespace(id), id
    names = list(iter_namespaces(reader, namespace))

    def lookup(name: str) -> AnyObject:
        return reader.get(ObjectRef(kind, name, id, snapshotter or ""))

    if namespace is not None:
        return lookup(namespace), namespace
    return find_one(
        names, lookup, f"{reader.db.path}: no {kind} {id!r} in any namespace",
        lambda where: f"{reader.db.path}: {kind} {id!r} exists in namespaces {where}; "
        "pick one with -n",
    )  # fmt: skip


# -- export ------------------------------------------------------------------------------------


@click.command("export")
@click.argument("path")
@click.option("-o", "--output", default=None, metavar="OUT", help="Write to OUT instead of stdout.")
@namespace_option
@click.option("--indent", type=click.IntRange(0, 8), default=None,
              help="Indent the JSON (default: compact, one line).")  # fmt: skip
@click.option("--helper", is_flag=True,
              help="A second process writes some sections, for two free cores: the same "
                   "document, but the sections written ahead are held in memory.")  # fmt: skip
@file_options
@include_secrets_option
def export_command(
    path: str, output: str | None, namespace: str | None, indent: int | None, helper: bool,
    meta: int | None, snapshot: bool, snapshotter_dbs: tuple[str, ...], include_secrets: bool,
) -> None:  # fmt: skip
    """The whole model as one JSON document, with its provenance.

    {"schema_version", "namespaces": {NS: {"labels", "containers", "images",
    "snapshots": {SNAPSHOTTER: ...}, "content": {"blobs", "ingests"}, "leases",
    "sandboxes"}}, "problems", "provenance"}: every object as ls --json and
    inspect --json show it, keyed by its id, name or digest.  "problems" lists
    the pages that could not be read ({path, pgid, message}); the objects they
    touch carry the same under "boltview"/"issues".  Provenance (the one record
    of boltview.provenance: tool, file, size, sha256, mtime, both meta pages and
    the one read, read time, and each snapshotter database joined) comes last:
    the file is hashed while the objects are written.

    OUT is written under a temporary name beside it and renamed when the
    document is whole: a failed export leaves OUT as it was.  Another store
    (etcd, podman, docker ...) is written as its objects: see boltview.stores.document.
    """
    if store_file(path) is not None:
        export_store(path, output, indent, meta, snapshot, include_secrets)
        return
    path = node_file(path)
    if output is not None and os.path.exists(output):
        if os.path.samefile(output, path):
            raise click.BadParameter("would overwrite the database it reads", param_hint="-o")
        mode = os.stat(output).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # it would hang until a reader came
            raise click.BadParameter(f"{output} is not a regular file (a FIFO or socket)",
                                     param_hint="-o")  # fmt: skip
    with snapshotter_usage():
        reader = commands.write_export(
            path, output, namespace, indent, meta, snapshot, snapshotter_dbs, helper
        )
    report_problems(reader)


COMMANDS: list[click.Command] = [ls_command, inspect_command, export_command]
"""The containerd verbs, for ``cli.add_command``."""
