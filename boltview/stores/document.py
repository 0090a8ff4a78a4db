"""A store's objects as JSON, each tied to where it came from.

``boltview export FILE`` of a store that has a view writes::

    {"store": {"kind", "program", "what"},
     "objects": [{"path", "kind", "name", "summary", "fields", "marks", "links",
                  "provenance": {"bucket", "bucket_base64", "key", "key_base64", "txid"}}, ...],
     "findings": [...], "provenance": {the file's record: boltview.provenance}}

``inspect FILE KIND ID`` writes one object the same way, with the file's
provenance inside it.  Fields a view keeps apart as secrets (etcd's password
hashes) are left out, and named under ``secrets_omitted``, unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.provenance import provenance
from boltview.render.json import bytes_field, json_text, path_field
from boltview.stores.view import StoreNode, StoreView

__all__ = ["find_objects", "object_json", "store_document", "write_store_export"]


def object_json(node: StoreNode, txid: int, include_secrets: bool = False) -> dict[str, Any]:
    """One object: where it is in the view, what it holds, and the bytes it was read from."""
    out: dict[str, Any] = {
        "path": list(node.path),
        "kind": node.kind,
        "name": node.title,
        "summary": node.summary,
        "fields": node.fields,
        "marks": list(node.marks),
        "links": [{"label": link.label, "path": list(link.path)} for link in node.links],
    }
    if node.secrets:
        if include_secrets:
            out["secrets"] = node.secrets
        else:
            out["secrets_omitted"] = sorted(node.secrets)
    out["provenance"] = source_json(node.source, txid)
    if node.origin is not None:  # read from a companion file, not the one exported
        out["provenance"]["file"], out["provenance"]["txid"] = node.origin
    return out


def source_json(source: tuple[bytes, ...], txid: int) -> dict[str, Any]:
    """The bucket path and key (or sub-bucket) an object was decoded from, and the txid."""
    if not source:
        return {"bucket": None, "key": None, "txid": txid}
    return {
        **path_field(source[:-1]),
        **bytes_field(source[-1], "key"),
        "txid": txid,
    }


def store_header(view: StoreView) -> dict[str, str]:
    store = view.store
    return {"kind": store.kind, "program": store.program, "what": store.what}


def readable_objects(view: StoreView, stopped: list[str]) -> Iterator[StoreNode]:
    """The view's objects as far as they can be read: a read that fails (a damaged page)
    ends them, and says so in ``stopped``, so that the document is still whole."""
    objects = view.objects()
    while True:
        try:
            node = next(objects)
        except StopIteration:
            return
        except BoltviewError as error:
            stopped.append(f"objects left out from here on: {error}")
            return
        yield node


def findings_of(view: StoreView, stopped: list[str]) -> list[str]:
    try:
        return stopped + view.findings()
    except BoltviewError as error:
        return [*stopped, f"findings unreadable: {error}"]


def store_document(
    view: StoreView, db: BoltFile, include_secrets: bool = False, read_at: datetime | None = None
) -> dict[str, Any]:
    """The whole store as one document (what ``export --indent`` writes)."""
    stopped: list[str] = []
    objects = [object_json(node, db.txid, include_secrets)
               for node in readable_objects(view, stopped)]  # fmt: skip
    return {
        "store": store_header(view),
        "objects": objects,
        "findings": findings_of(view, stopped),
        "provenance": provenance(db, read_at),
    }


def write_store_export(
    view: StoreView, db: BoltFile, out: TextIO, include_secrets: bool = False,
    indent: int | None = None,
) -> list[str]:  # fmt: skip
    """The document written as it is read, one object a line; returns the findings."""
    if indent is not None:
        document = store_document(view, db, include_secrets)
        out.write(json_text(document, indent=indent) + "\n")
        return list(document["findings"])
    out.write('{"store": ' + json_text(store_header(view), indent=None) + ',\n"objects": [')
    first, stopped = True, list[str]()
    for node in readable_objects(view, stopped):
        out.write(("\n" if first else ",\n") + json_text(object_json(node, db.txid, include_secrets),
                                                         indent=None))  # fmt: skip
        first = False
    findings = findings_of(view, stopped)
    out.write('\n],\n"findings": ' + json_text(findings, indent=None))
    out.write(',\n"provenance": ' + json_text(provenance(db), indent=None) + "}\n")
    return findings


def find_objects(view: StoreView, kind: str, ident: str) -> Iterator[StoreNode]:
    """The objects ``inspect KIND ID`` names: by kind (singular or plural), and by name,
    label or path joined with "/"."""
    wanted = kind.lower()
    for node in view.objects():
        if wanted not in (node.kind, node.kind + "s", node.path[0] if node.path else ""):
            continue
        if ident in (node.title, node.label, "/".join(node.path)):
            yield node
