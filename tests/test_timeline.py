"""``boltview timeline``: every time, sorted, checked against what ctr said at the time.

The containers' CreatedAt and UpdatedAt come from ``ctr containers info``,
recorded while containerd ran (fixtures/node/expected and
fixtures/containerd/v16/expected); deleted containers' times from the info
recorded before they were deleted.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, run_boltview

NODE = ROOT / "fixtures" / "node"
V16 = ROOT / "fixtures" / "containerd" / "v16"


def timeline(*args: str | Path) -> str:
    result = run_boltview("timeline", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def jsonl(*args: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in timeline(*args).splitlines()]


def test_every_event_is_timesketch_jsonl_in_time_order() -> None:
    events = jsonl(V16 / "meta.db")
    assert events
    for event in events:
        assert {"message", "datetime", "timestamp", "timestamp_desc"} <= set(event)
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_containers_times_are_ctrs() -> None:
    events = jsonl(NODE / "root", "--install", "containerd")
    seen = {(e["id"], e["timestamp_desc"]): e["datetime"] for e in events if e["kind"] == "container"}
    infos = sorted((NODE / "expected" / "A").glob("*/containers/*.json"))
    assert infos
    for info_file in infos:
        info = json.loads(info_file.read_text())
        assert seen[(info["ID"], "created")] == info["CreatedAt"]
        assert seen[(info["ID"], "updated")] == info["UpdatedAt"]


def test_deleted_containers_are_on_the_timeline_with_their_pages() -> None:
    deleted = json.loads((V16 / "expected" / "deleted_containers.json").read_text())
    events = [e for e in jsonl(V16 / "meta.db") if e["kind"] == "container" and "deleted" in e["note"]]
    found = {(e["id"], e["timestamp_desc"]): e for e in events}
    recovered = [d for d in deleted if (d["id"], "created") in found]
    assert recovered, "recover finds at least one deleted container in v16"
    for container in recovered:
        event = found[(container["id"], "created")]
        assert event["datetime"] == container["info"]["CreatedAt"]
        assert event["pages"] and "recovered from pages" in event["note"]
    without = jsonl(V16 / "meta.db", "--no-recover")
    assert not [e for e in without if "deleted" in e["note"]]


def test_csv_and_bodyfile_say_the_same() -> None:
    events = jsonl(V16 / "meta.db")
    rows = list(csv.DictReader(io.StringIO(timeline(V16 / "meta.db", "--format", "csv"))))
    assert [r["datetime"] for r in rows] == [e["datetime"] for e in events]
    lines = timeline(V16 / "meta.db", "--format", "bodyfile").splitlines()
    assert len(lines) == len(events)
    for line, event in zip(lines, events, strict=True):
        fields = line.split("|")
        assert len(fields) == 11
        moment = int(fields[10]) or int(fields[8])  # crtime for "created", else mtime
        assert moment == event["timestamp"] // 1_000_000


def test_a_node_timeline_holds_every_install_and_its_snapshotters() -> None:
    events = jsonl(NODE / "root")
    sources = {e["source"] for e in events}
    manifest = json.loads((NODE / "expected" / "manifest.json").read_text())
    for install in manifest["installs"]:
        assert "/" + install["meta_db"] in sources
        for snapshotter in install["snapshotters"].values():
            assert "/" + snapshotter["metadata_db"] in sources
