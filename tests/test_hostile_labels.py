"""Issue 15, item 2: 100,000 labels on one container.

The file is written by the real bbolt (the spec writer of
``tests.test_hostile_containerd``) in two transactions: the first puts 100,000
labels on container ``big``, the second changes a third of them, deletes some
and adds some.  ``diff`` must summarise that exactly (the quadratic summary it
replaced took minutes here: ``--durations`` in CI shows this test's time; speed
goals belong in benchmarks, not in assertions), and the browser must draw a
window of the labels, not all of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from boltview.cli import cli
from boltview.tui.widgets.containerd_tree import ContainerdTree
from boltview.tui.widgets.objects import LABELS_SHOWN
from tests.test_hostile_containerd import spec_writer  # noqa: F401  (a fixture)
from tests.test_tui import app_for, detail_text, pilot_test, settle

LABELS = 100_000
CHANGED = range(0, LABELS, 3)  # 33,334 values changed
DELETED = range(1, 2_000, 3)  # 667 deleted
ADDED = 500


def label(n: int) -> str:
    return f"example.com/label-{n:06d}"


def container(labels: dict[str, Any]) -> dict[str, Any]:
    body = {
        "labels": labels,
        "image": "example.com/big:1",
        "runtime": {"name": "io.containerd.runc.v2"},
    }
    return {"v1": {"version": "\x03", "default": {"containers": {"big": body}}}}


@pytest.fixture(scope="module")
def big_db(spec_writer: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    import subprocess

    where = tmp_path_factory.mktemp("labels")
    first = {label(n): f"value {n}" for n in range(LABELS)}
    second: dict[str, Any] = {label(n): f"changed {n}" for n in CHANGED}
    second.update({label(n): None for n in DELETED})
    second.update({label(LABELS + n): "new" for n in range(ADDED)})
    (where / "first.json").write_text(json.dumps(container(first)))
    (where / "second.json").write_text(json.dumps(container(second)))
    path = where / "meta.db"
    specs = [where / "first.json", path, where / "second.json"]
    subprocess.run([str(spec_writer), *specs], check=True)
    return path


def test_diff_of_100000_labels_is_right(big_db: Path) -> None:
    done = CliRunner().invoke(cli, ["diff", "--json", str(big_db)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    ops: dict[str, int] = {}
    for change in doc["changes"]:
        assert change["bucket_text"] == ["v1", "default", "containers", "big", "labels"]
        ops[change["op"]] = ops.get(change["op"], 0) + 1
    changed = len([n for n in CHANGED if n not in DELETED])
    assert ops == {"changed": changed, "removed": len(DELETED), "added": ADDED}
    [event] = doc["containerd"]
    assert (event["kind"], event["id"], event["action"]) == ("container", "big", "updated")
    assert len(event["fields"]) == changed + len(DELETED) + ADDED
    assert len(set(event["fields"])) == len(event["fields"])


@pilot_test
async def test_the_browser_draws_a_window_of_100000_labels(big_db: Path) -> None:
    app = app_for(big_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tree = app.query_one(ContainerdTree)
        await pilot.press("j", "l")  # onto "containers", open it
        await settle(pilot)
        await pilot.press("l")  # onto container big
        await settle(pilot)
        assert tree.cursor_node.data.obj.id == "big"
        text = detail_text(app)
    rows = [line for line in text.splitlines() if "example.com/label-" in line]
    assert 0 < len(rows) <= LABELS_SHOWN
    assert label(0) in text  # the first labels, in key order
    more = LABELS - len(DELETED) + ADDED - len(rows)
    assert f"... {more:,} more labels" in text
