"""Issue 15 item 10: times Python's datetime cannot hold are shown raw, with a note.

Go's ``time.Time`` reaches far beyond Python's year 9999 (and beyond what the C
library's time functions take): the file is written by the real bbolt, with
createdat/updatedat/expireat set to such times, and every verb and the browser
must show them without a traceback.
"""

from __future__ import annotations

import base64
import json
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from boltview.values.gotime import UNIX_TO_INTERNAL, GoTime, decode_go_time, go_datetime
from tests.test_hostile_containerd import spec_writer  # noqa: F401  (the fixture)

YEAR_10000 = 253402300800  # 10000-01-01T00:00:00Z, Unix seconds
HOSTILE = {
    "year 10,000": YEAR_10000,
    "year 126,754,955": 4_000_000_000_000_000,
    "2^62 seconds": 2**62 - UNIX_TO_INTERNAL,
    "before year 1": -UNIX_TO_INTERNAL - 86400 * 400,
}
from tests.conftest import run_boltview


def go_time(unix_seconds: int, offset_minutes: int = -1) -> list[str]:
    raw = struct.pack(">BqiH", 1, unix_seconds + UNIX_TO_INTERNAL, 5, offset_minutes & 0xFFFF)
    return ["base64", base64.b64encode(raw).decode()]


def hostile_spec(seconds: int) -> dict[str, Any]:
    when = go_time(seconds)
    times = {"createdat": when, "updatedat": when}
    return {
        "v1": {
            "version": "\x03",
            "default": {
                "leases": {"far": {"createdat": when, "labels": {}}},
                "images": {
                    "far": {
                        **times,
                        "target": {"digest": "sha256:" + "1" * 64, "mediatype": "x"},
                    }
                },
                "containers": {"far": {**times, "image": "far", "snapshotter": "overlayfs"}},
                "content": {
                    "blob": {"sha256:" + "1" * 64: {**times, "size": "\x00"}},
                    "ingests": {"ing": {"ref": "ing", "expireat": when}},
                },
            },
        }
    }


@pytest.fixture(params=sorted(HOSTILE))
def far_db(request: pytest.FixtureRequest, spec_writer: Path, tmp_path: Path) -> Path:  # noqa: F811
    (tmp_path / "spec.json").write_text(json.dumps(hostile_spec(HOSTILE[request.param])))
    path = tmp_path / "meta.db"
    subprocess.run([str(spec_writer), tmp_path / "spec.json", path], check=True)
    return path


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_boltview(*args, timeout=120)


def test_go_datetime_is_guarded() -> None:
    for seconds in HOSTILE.values():
        when, note = go_datetime(GoTime(seconds, 0, -1))
        assert when is None and note
    when, note = go_datetime(GoTime(0, 0, -1))
    assert when == datetime(1970, 1, 1, tzinfo=UTC) and note is None
    assert decode_go_time(bytes([1]) + struct.pack(">qiH", 2**62, 0, 0xFFFF)).rfc3339()


def test_every_verb_shows_far_times(far_db: Path) -> None:
    runs = [
        *(("ls", kind, far_db) for kind in ("leases", "images", "containers", "content", "ingests")),
        ("inspect", far_db, "lease", "far"),
        ("inspect", "--json", far_db, "lease", "far"),
        ("inspect", far_db, "image", "far"),
        ("inspect", "--json", far_db, "image", "far"),
        ("inspect", far_db, "container", "far"),
        ("export", far_db),
        ("diff", far_db, far_db),
        ("recover", far_db),
        ("recover", "--json", far_db),
    ]
    for args in runs:
        done = run_cli(*args)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        assert "out of range" not in done.stderr and "Errno" not in done.stderr, (args, done.stderr)
        assert done.returncode in (0, 1), (args, done.returncode, done.stderr)
        if "--json" in args or args[0] == "export":
            json.loads(done.stdout)
    listing = run_cli("ls", "leases", far_db)
    assert "far" in listing.stdout


def test_the_browser_shows_far_times(far_db: Path) -> None:
    from boltview.bolt.file import BoltFile
    from boltview.containerd.reader import MetadataReader
    from boltview.tui.widgets.objects import object_header, summary

    now = datetime.now(UTC)
    db = BoltFile.open(str(far_db))
    try:
        reader = MetadataReader(db)
        for obj in (reader.lease("default", "far"), reader.image("default", "far")):
            summary(obj, now)
            object_header(obj, now, UTC)
    finally:
        db.close()


def test_the_last_hour_of_year_9999_east_of_utc() -> None:
    """In range in UTC, past 9999 in a zone east of it: raw, with the note."""
    from datetime import timedelta, timezone

    from boltview.tui.widgets.objects import time_rows

    stamp = GoTime(YEAR_10000 - 60, 0, -1)
    east = timezone(timedelta(hours=5))
    rows = time_rows("CreatedAt", stamp, datetime.now(UTC), east)
    assert rows == [("CreatedAt", "9999-12-31T23:59:00Z  (out of Python's datetime range)")]
    rows = time_rows("CreatedAt", GoTime(4_000_000_000_000_000, 0, -1), datetime.now(UTC), east)
    assert "datetime range" in rows[0][1]


def test_a_raw_far_time_is_read_as_a_go_time_with_a_note() -> None:
    from boltview.values.recognize import TIME, recognize

    raw = bytes([1]) + struct.pack(">qiH", 2**62, 0, 0xFFFF)
    reading = recognize(raw, TIME)
    assert reading.kind == "time" and reading.note and "range" in reading.note
    assert reading.when is None


def test_an_impossible_rfc3339_text_is_no_time() -> None:
    from boltview.containerd.listing import local_rfc3339, parse_rfc3339

    assert parse_rfc3339("2024-13-01T00:00:00Z") is None
    assert parse_rfc3339("2024-01-01T25:00:00+99:00") is None
    assert parse_rfc3339("1970-01-01T00:00:01Z") == 1.0
    assert "datetime range" in local_rfc3339(GoTime(2**62, 0, -1))
