"""Where a report came from, so that it can be tied to the evidence.

Every document boltview writes for people to keep (export, recover, inspect,
the browser's exports) records the tool, the file (path, size, sha256,
mtime), the transaction that was read and when.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from boltview import __version__
from boltview.bolt.file import BoltFile
from boltview.render.json import utc_text


def provenance(
    db: BoltFile, read_at: datetime | None = None, sha256: str | None = None
) -> dict[str, Any]:
    """Tool, file facts, both meta pages and which one was read, and the time of reading.

    ``sha256`` may be given when the caller already hashed the file.
    """
    path = os.path.abspath(db.path)
    try:
        mtime: str | None = utc_text(datetime.fromtimestamp(os.stat(path).st_mtime, UTC))
    except OSError:
        mtime = None
    return {
        "tool": "boltview",
        "version": __version__,
        "path": path,
        "size": db.size,
        "sha256": sha256 or db.sha256(),
        "mtime": mtime,
        "page_size": db.page_size,
        "active_meta": db.meta.index,
        "txid": db.txid,
        "meta_reason": db.meta_reason,
        "snapshot": db.is_snapshot,
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
        "read_at": utc_text(read_at or datetime.now(UTC)),
    }
