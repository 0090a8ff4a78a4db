"""``inspect``, ``export`` and ``diff`` of a store that has a view (etcd, podman, docker ...).

The containerd verbs hand a file over here when its store has a
:class:`~boltview.stores.view.StoreView`::

    boltview inspect member/snap/db key /registry/pods/default/web-0 --json
    boltview inspect member/snap/db lease 7da9a22b618d0512
    boltview export member/snap/db -o etcd.json [--include-secrets]
    boltview diff member/snap/db            # etcd PUT /registry/... @rev 1234

KIND is an object's kind in the store's words (``key``, ``revision``,
``lease``, ``user``, ``container`` ...) or its group (``leases``); ID its name,
its label, or its path in the view joined with "/".
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Any

import click

from boltview.bolt.file import BoltFile
from boltview.cli.options import EXIT_PROBLEMS, UserError, console, open_db, print_json
from boltview.cli.outline import render_outline
from boltview.errors import BoltviewError
from boltview.provenance import provenance
from boltview.render.text import escape
from boltview.stores.document import find_objects, object_json, write_store_export
from boltview.stores.recognize import recognize
from boltview.stores.registry import VIEWS, view_of
from boltview.stores.view import StoreView

__all__ = ["export_store", "include_secrets_option", "inspect_store", "store_file"]

include_secrets_option = click.option(
    "--include-secrets", is_flag=True,
    help="For a store with secrets (etcd's password hashes): write them too.",
)  # fmt: skip


def store_file(*words: str) -> str | None:
    """The first of ``words`` that is a bolt file whose store has a view, or None."""
    for word in words:
        if not os.path.isfile(word):
            continue
        try:
            with BoltFile.open(word) as db:
                if recognize(db).kind in VIEWS:
                    return word
        except (BoltviewError, OSError):
            continue
    return None


def _view(db: BoltFile) -> StoreView:
    try:
        view = view_of(db)
    except BoltviewError as error:
        raise UserError(f"{db.path}: {error}") from None
    if view is None:  # the file changed between the look and the read
        raise UserError(f"{db.path}: no store boltview decodes")
    return view


def _warn(path: str, findings: list[str]) -> None:
    for finding in findings:
        click.echo(escape(f"boltview: warning: {path}: {finding}"), err=True)


def inspect_store(
    path: str, words: tuple[str, str], ident: str, meta: int | None, snapshot: bool | None,
    as_json: bool, include_secrets: bool,
) -> None:  # fmt: skip
    """One object of the store: KIND is whichever of ``words`` is not the file."""
    kind = words[1] if words[0] == path else words[0]
    with open_db(path, meta, snapshot) as db:
        view = _view(db)
        found = list(find_objects(view, kind, ident))
        if not found:
            raise UserError(f"{path}: no {kind} {ident!r} in this {view.store.program} store")
        if len(found) > 1:
            paths = ", ".join("/".join(node.path) for node in found[:5])
            raise UserError(f"{path}: {len(found)} objects are {kind} {ident!r} ({paths}); "
                            "give the path")  # fmt: skip
        document = object_json(found[0], db.txid, include_secrets)
        document["store"] = view.store.kind
        document["file"] = provenance(db)
    if as_json:
        print_json(document)
        return
    node = found[0]
    title = f"{view.store.program} {node.kind} {node.title}"
    console(markup=False, emoji=False).print(render_outline(title, _outline(document)))


def _outline(document: dict[str, Any]) -> dict[str, Any]:
    """The document as inspect prints it: summary and marks, the fields, the links, where
    the bytes came from, and the file in brief (``--json`` has the whole record)."""
    out: dict[str, Any] = {name: document[name] for name in ("summary", "marks") if document[name]}
    out.update(document["fields"])
    if document["links"]:
        out["links"] = [f"{link['label']}: {' / '.join(link['path'])}" for link in document["links"]]
    for name in ("secrets", "secrets_omitted", "provenance"):
        if name in document:
            out[name] = document[name]
    record = document["file"]
    out["file"] = {name: record[name] for name in ("path", "size", "sha256", "txid")}
    return out


def export_store(
    path: str, output: str | None, indent: int | None, meta: int | None,
    snapshot: bool | None, include_secrets: bool,
) -> None:  # fmt: skip
    """The store's objects as one JSON document (see :mod:`boltview.stores.document`)."""
    if output is not None and os.path.exists(output):
        if os.path.samefile(output, path):
            raise click.BadParameter("would overwrite the database it reads", param_hint="-o")
        if not stat.S_ISREG(os.stat(output).st_mode):
            raise click.BadParameter(f"{output} is not a regular file", param_hint="-o")
    with open_db(path, meta, snapshot) as db:
        view = _view(db)
        if output is None:
            findings = write_store_export(view, db, sys.stdout, include_secrets, indent)
        else:
            partial = f"{output}.partial-{os.getpid()}"
            try:
                with open(partial, "x", encoding="ascii") as out:
                    findings = write_store_export(view, db, out, include_secrets, indent)
                os.replace(partial, output)
            finally:
                if os.path.exists(partial):
                    os.unlink(partial)
    _warn(path, findings)
    if findings:
        raise SystemExit(EXIT_PROBLEMS)
