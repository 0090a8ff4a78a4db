"""Where a report came from, so that it can be tied to the evidence.

Every document boltview writes for people to keep (export, recover, inspect,
the browser's exports) carries the same record: the tool, the file (path,
size, sha256, mtime, page size), both meta pages and the one whose
transaction was read, and when.  An export also records the snapshotter
databases it joined, each with the same file facts.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from boltview import __version__
from boltview.bolt.file import BoltFile
from boltview.render.json import utc_text


def provenance(
    db: BoltFile,
    read_at: datetime | None = None,
    sha256: str | Future[str] | None = None,
    snapshotter_dbs: Mapping[str, tuple[BoltFile, str | Future[str] | None]] | None = None,
) -> dict[str, Any]:
    """The tool, the file's record, the time of reading, and any snapshotter databases.

    ``sha256`` may be given when the caller already hashed the file, or is
    hashing it (a Future).  ``snapshotter_dbs`` maps a snapshotter's name to
    its database and that database's hash, given the same way.
    """
    doc: dict[str, Any] = {"tool": "boltview", "version": __version__}
    doc.update(file_record(db, sha256))
    doc["read_at"] = utc_text(read_at or datetime.now(UTC))
    if snapshotter_dbs:
        doc["snapshotter_dbs"] = {
            name: file_record(sdb, digest) for name, (sdb, digest) in sorted(snapshotter_dbs.items())
        }
    return doc


def file_record(db: BoltFile, sha256: str | Future[str] | None = None) -> dict[str, Any]:
    """A file's path, size, sha256 and mtime, both meta pages, and which one was read."""
    path = os.path.abspath(db.path)
    try:
        mtime: str | None = utc_text(datetime.fromtimestamp(os.stat(path).st_mtime, UTC))
    except OSError:
        mtime = None
    if isinstance(sha256, Future):
        sha256 = sha256.result()
    return {
        "path": path,
        "size": db.size,
        "sha256": sha256 or db.sha256(),
        "mtime": mtime,
        "snapshot": db.is_snapshot,
        "page_size": db.page_size,
        "txid": db.txid,
        "meta": {"index": db.meta.index, "txid": db.txid, "reason": db.meta_reason},
        "metas": [
            {
                "index": m.index,
                "txid": m.txid,
                "root": m.root,
                "freelist": m.freelist,
                "high_water_mark": m.pgid,
                "valid": m.valid,
                "problem": m.problem,
            }
            for m in db.metas
        ],
    }


def write_export_record(target: str, db: BoltFile) -> str:
    """Beside an export file, where it came from: ``TARGET.provenance.json``.

    The export keeps its own format; this file ties it to the evidence (the
    database's record) and to itself (the export's own sha256).  Returns the
    record's path; an existing file is never overwritten.
    """
    with open(target, "rb") as exported:
        digest = hashlib.sha256(exported.read()).hexdigest()
    document = {"export": {"path": target, "sha256": digest}, "source": provenance(db)}
    record = target + ".provenance.json"
    with open(record, "x", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
    return record
