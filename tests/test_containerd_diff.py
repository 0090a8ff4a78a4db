"""``boltview diff`` on a real containerd scenario, judged by ctr's own listings.

fixtures/containerd/diff/ holds meta.db from one real containerd 1.6 at two moments
(``make_diff.sh``): before and after deleting container b, creating d, retagging
busybox:latest to pause's digest (``ctr images tag --force``), changing a container,
an image and a namespace label and deleting a lease.  ``expected.json`` has ctr's
listings of both states and the changes they imply, derived from ctr's answers only.

The checks run on the committed files and, where a real containerd is available
(root, containerd, ctr, runc, busybox-static; required under BOLTVIEW_REQUIRE_GO=1),
on a fresh run of make_diff.sh as well:

- the containerd summary of ``diff --json`` is exactly the changes ctr's listings imply;
- every raw change is true of ``dump --encoding base64`` of both files, and every
  difference between the two dumps is covered by exactly one raw change;
- ``ls`` of each file lists what ctr listed then.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.containerd_harness import require_containerd

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "fixtures" / "containerd" / "diff"
MAKE_DIFF = COMMITTED / "make_diff.sh"
BUCKET = object()  #: a bucket in a flattened dump


def boltview(*args: str | Path) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "boltview", *map(str, args)], check=False, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make_diff.sh run now, against the containerd installed here."""
    require_containerd()
    out = tmp_path_factory.mktemp("diff")
    done = subprocess.run(["bash", str(MAKE_DIFF), str(out)], check=False, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(params=["committed", "fresh"])
def scenario(request: pytest.FixtureRequest) -> Path:
    if request.param == "committed":
        return COMMITTED
    return request.getfixturevalue("fresh")


def expected(where: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((where / "expected.json").read_text())
    return data


def event_key(event: dict[str, Any]) -> tuple[str, str, str, str]:
    return (event["kind"], event["namespace"], event["id"], event["action"])


def test_summary_is_what_ctr_saw(scenario: Path) -> None:
    want = expected(scenario)["changes"]
    got = boltview("diff", scenario / "before.db", scenario / "after.db", "--json")["containerd"]
    assert sorted(map(event_key, got)) == sorted(map(event_key, want))
    by_key = {event_key(e): e for e in got}
    for event in want:
        mine = by_key[event_key(event)]
        if event["action"] == "updated":
            assert sorted(mine["fields"]) == event["fields"], event
        if event["action"] == "retagged":
            assert mine["detail"] == event["detail"]
    # the scenario's own story, spelled out
    keys = set(by_key)
    assert ("container", "default", "b", "deleted") in keys
    assert ("container", "default", "d", "created") in keys
    assert ("container", "default", "c", "updated") in keys
    assert ("lease", "default", "build-cache", "deleted") in keys
    assert ("image", "default", "example.com/tools/busybox:latest", "retagged") in keys
    updated_c = by_key[("container", "default", "c", "updated")]
    assert updated_c["fields"] == ["labels/tier", "updatedat"]


def flatten(tree: dict[str, Any], path: tuple[bytes, ...] = ()) -> dict[tuple[bytes, ...], Any]:
    """A base64 dump as {path: value bytes, or BUCKET}."""
    out: dict[tuple[bytes, ...], Any] = {}
    for key, value in tree.items():
        here = path + (base64.b64decode(key),)
        if isinstance(value, dict):
            out[here] = BUCKET
            out.update(flatten(value, here))
        else:
            out[here] = base64.b64decode(value)
    return out


def test_raw_changes_agree_with_dumps(scenario: Path) -> None:
    old = flatten(boltview("dump", scenario / "before.db", "--encoding", "base64"))
    new = flatten(boltview("dump", scenario / "after.db", "--encoding", "base64"))
    changes = boltview("diff", scenario / "before.db", scenario / "after.db", "--json", "--raw")
    assert changes["containerd"] == []
    covered: set[tuple[bytes, ...]] = set()
    for change in changes["changes"]:
        path = (*(base64.b64decode(p) for p in change["bucket"]),
                base64.b64decode(change["key_base64"]))  # fmt: skip
        if change["is_bucket"]:
            side = old if change["op"] == "removed" else new
            other = new if change["op"] == "removed" else old
            assert side.get(path) is BUCKET and path not in other, change
            below = {p for p in side if p[: len(path)] == path}
            assert change["keys"] == sum(1 for p in below if side[p] is not BUCKET), change
            covered |= below
            continue
        before = None if change["old_base64"] is None else base64.b64decode(change["old_base64"])
        after = None if change["new_base64"] is None else base64.b64decode(change["new_base64"])
        assert old.get(path) == before and new.get(path) == after, change
        assert before != after
        covered.add(path)
    differing = {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
    assert differing == covered
    # one change per difference: no path is covered twice
    assert len(changes["changes"]) == len(
        {tuple(c["bucket"]) + (c["key_base64"],) for c in changes["changes"]}
    )


@pytest.mark.parametrize("moment", ["before", "after"])
def test_listings_are_what_ctr_listed(scenario: Path, moment: str) -> None:
    ctr = expected(scenario)[moment]
    path = scenario / f"{moment}.db"
    containers = {c["ID"]: c for c in boltview("ls", "containers", path, "--json")}
    assert set(containers) == set(ctr["containers"])
    for cid, info in ctr["containers"].items():
        mine = containers[cid]
        assert mine["Labels"] == info["Labels"] and mine["Image"] == info["Image"]
        assert mine["CreatedAt"] == info["CreatedAt"] and mine["UpdatedAt"] == info["UpdatedAt"]
        assert mine["Runtime"]["Name"] == info["Runtime"]
    images = {i["Name"]: i for i in boltview("ls", "images", path, "--json")}
    assert {name: i["Target"]["digest"] for name, i in images.items()} == {
        name: i["digest"] for name, i in ctr["images"].items()
    }
    assert {name: i["Labels"] or {} for name, i in images.items()} == {
        name: i["labels"] for name, i in ctr["images"].items()
    }
    leases = {le["ID"]: le["Labels"] or {} for le in boltview("ls", "leases", path, "--json")}
    # ctr's own client leases (gc.expire) may linger only while ctr runs: none here
    assert leases == {lid: le["labels"] for lid, le in ctr["leases"].items()}
