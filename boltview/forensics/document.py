"""The recovery as one JSON document: what the ``recover`` command prints with ``--json``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from boltview.forensics.records import (
    KIND_EMPTY,
    KIND_OVERFLOW,
    PAST_HWM,
    Record,
    Recovery,
    ScannedPage,
)
from boltview.provenance import provenance
from boltview.render.json import bytes_field, path_field

DOCUMENT_FORMAT: Final = "boltview-recover/1"


def record_document(record: Record) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "status": record.status,
        "confidence": record.confidence,
        **path_field(record.bucket),
        **({} if record.bucket is not None else path_field(record.bucket_suffix, "bucket_suffix")),
        "attribution": record.attribution,
        "attribution_via": list(record.attribution_via),
        **bytes_field(record.key, "key"),
        "is_bucket": record.is_bucket,
    }
    if record.is_bucket:
        doc["bucket_root"] = record.bucket_root
        doc["bucket_sequence"] = record.bucket_sequence
        doc["inline"] = record.bucket_root == 0
    doc.update(bytes_field(record.value, "value"))
    if record.status_note:
        doc["status_note"] = record.status_note
    doc["pages"] = list(record.pages)
    doc["sources"] = [
        {"pgid": s.pgid, "pages": list(s.pages), "offset": s.offset,
         "inline": [k.decode("utf-8", "backslashreplace") for k in s.inline],
         "origins": list(s.origins), "confidence": s.confidence}
        for s in record.sources
    ]  # fmt: skip
    return doc


def page_document(page: ScannedPage) -> dict[str, Any]:
    doc: dict[str, Any] = {"pgid": page.pgid, "origins": list(page.origins), "kind": page.kind}
    if page.kind == KIND_OVERFLOW:
        doc["covered_by"] = page.covered_by
        return doc
    if page.kind == KIND_EMPTY:
        return doc
    doc.update({
        "header_id": page.header_id, "flags": page.flags, "count": page.count,
        "overflow": page.overflow, "run": page.run, "confidence": page.confidence,
        "records": page.records, **path_field(page.bucket), "attribution": page.attribution,
        "problems": list(page.problems), "notes": list(page.notes),
    })  # fmt: skip
    return doc


def recovery_document(recovery: Recovery, read_at: datetime | None = None) -> dict[str, Any]:
    """The whole recovery as one JSON-ready dict (see the ``recover`` command's help)."""
    db = recovery.db
    pages = [p for p in recovery.pages if not (p.kind == KIND_EMPTY and PAST_HWM in p.origins)]
    return {
        "format": DOCUMENT_FORMAT,
        "provenance": provenance(db, read_at),
        "scan": {
            "high_water_mark": db.high_water_mark,
            "pages_in_file": db.size // db.page_size,
            "free": recovery.free,
            "unreachable": recovery.unreachable,
            "previous_meta_only": recovery.previous_only,
            "past_high_water_mark": recovery.past_high_water_mark,
            "empty_past_high_water_mark": recovery.empty_past_high_water_mark,
            "notes": list(recovery.notes),
            "pages": [page_document(p) for p in pages],
        },
        "counts": recovery.counts(),
        "records": [record_document(r) for r in recovery.records],
    }
