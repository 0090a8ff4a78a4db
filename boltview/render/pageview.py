"""One page explained: its header, its elements, and its bytes annotated.

What the bytes are is the engine's to say (``Page.regions``); this module only
renders it, as lines for a person or as data for ``page --json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boltview.bolt.file import BoltFile
from boltview.bolt.meta import decode_meta
from boltview.bolt.page import Page, bucket_header
from boltview.errors import BoltviewError
from boltview.render.hexdump import annotated_hexdump
from boltview.render.text import base64_text, escape, show_bytes

#: Elements listed in full; a page rarely has more, and the JSON has them all.
_SHOWN_ELEMENTS = 200


def page_document(db: BoltFile, page: Page, free: bool) -> dict[str, Any]:
    """The page as data, for ``page --json``."""
    document: dict[str, Any] = {
        "pgid": page.pgid,
        "header": {
            "id": page.header_id,
            "flags": page.flags,
            "count": page.count,
            "overflow": page.overflow,
        },
        "type": page.type,
        "free": free,
        "problem": None,
    }
    try:
        if page.is_meta:
            meta = decode_meta(page.pgid, page.data, db.layout)
            document["meta"] = {
                k: getattr(meta, k)
                for k in ("magic", "version", "page_size", "flags", "root", "sequence",
                          "freelist", "pgid", "txid", "checksum")
            }  # fmt: skip
            document["meta"]["problem"] = meta.problem
        elif page.is_branch:
            document["elements"] = [
                {"key_base64": base64_text(e.key), "key": show_bytes(e.key), "pgid": e.pgid}
                for e in page.branch_elements()
            ]
        elif page.is_leaf:
            document["elements"] = [
                {
                    "key_base64": base64_text(e.key),
                    "key": show_bytes(e.key),
                    "bucket": e.is_bucket,
                    "value_base64": base64_text(e.value),
                    **(_bucket_header(db, e.value) if e.is_bucket else {}),
                }
                for e in page.leaf_elements()
            ]
        elif page.is_freelist:
            document["ids"] = page.freelist_ids()
    except BoltviewError as error:
        document["problem"] = str(error)
    return document


def _bucket_header(db: BoltFile, value: bytes) -> dict[str, Any]:
    header = bucket_header(db.layout, value)
    if header is None:
        return {"bucket_header": None}
    root, sequence = header
    return {"bucket_root": root, "bucket_sequence": sequence, "inline": root == 0}


def describe_page(db: BoltFile, page: Page, free: bool, hex_dump: bool = True) -> Iterator[str]:
    """Lines for a person: header, elements, then the annotated hex dump."""
    yield f"page {page.pgid}: {page.type}{' (free)' if free else ''}"
    yield (
        f"header: id={page.header_id} flags={page.flags:#06x} count={page.count} "
        f"overflow={page.overflow}  ({len(page.data)} bytes)"
    )
    if page.header_id != page.pgid:
        yield f"warning: the header names page {page.header_id}, not {page.pgid}"
    try:
        yield from _elements(db, page)
    except BoltviewError as error:
        yield f"error: {escape(str(error))}"
    if hex_dump:
        yield ""
        yield from annotated_hexdump(page.data, page.regions())


def _elements(db: BoltFile, page: Page) -> Iterator[str]:
    if page.is_meta:
        meta = decode_meta(page.pgid, page.data, db.layout)
        yield (
            f"meta: txid={meta.txid} root={meta.root} freelist={meta.freelist} "
            f"pgid={meta.pgid} page_size={meta.page_size} checksum {meta.checksum_note}"
        )
        if meta.problem:
            yield f"meta problem: {meta.problem}"
    elif page.is_branch:
        for index, branch in enumerate(page.branch_elements()[:_SHOWN_ELEMENTS]):
            yield f"  [{index}] {escape(show_bytes(branch.key))} -> page {branch.pgid}"
    elif page.is_leaf:
        for index, element in enumerate(page.leaf_elements()[:_SHOWN_ELEMENTS]):
            if element.is_bucket:
                header = _bucket_header(db, element.value)
                what = (
                    "inline bucket" if header.get("inline")
                    else f"bucket root={header.get('bucket_root')}"
                )  # fmt: skip
                yield f"  [{index}] {escape(show_bytes(element.key))}: {what}"
            else:
                yield (
                    f"  [{index}] {escape(show_bytes(element.key))} = "
                    f"{len(element.value)} bytes"
                )
        if page.count > _SHOWN_ELEMENTS:
            yield f"  ... {page.count - _SHOWN_ELEMENTS} more (see --json)"
    elif page.is_freelist:
        ids = page.freelist_ids()
        shown = ", ".join(str(i) for i in ids[:50])
        yield f"freelist: {len(ids)} ids: {shown}{' ...' if len(ids) > 50 else ''}"
