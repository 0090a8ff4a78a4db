"""podman's bolt_state.db read by boltview, checked against podman's own answers.

``fixtures/stores/make_stores.sh`` ran podman 4.3 (vfs, its own root) and
recorded ``podman inspect``, ``ps -a --format json``, ``pod inspect``,
``volume inspect --all`` and ``network inspect`` while the file was current;
every decoded value here is compared with what podman said.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.stores.podman import PodmanView
from boltview.stores.registry import view_of
from boltview.stores.view import StoreNode

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
DB = STORES / "db" / "bolt_state.db"
BROKEN = STORES / "db" / "bolt_state-broken.db"
ANSWERS = STORES / "expected" / "podman"


def answer(name: str) -> Any:
    return json.loads((ANSWERS / name).read_text())


@pytest.fixture(scope="module")
def view() -> PodmanView:
    made = view_of(BoltFile.open(str(DB)))
    assert isinstance(made, PodmanView)
    return made


def container(view: PodmanView, name: str) -> StoreNode:
    node = view.find(("containers", name))
    assert node is not None, f"no container {name}"
    return node


INSPECT = {c["Name"]: c for c in answer("inspect.json")}
PS = {c["Names"][0]: c for c in answer("ps_a.json")}


def test_every_container_podman_lists_is_there_by_name(view: PodmanView) -> None:
    groups = {node.label: node for node in view.top()}
    names = [node.label for node in view.children(groups["containers"])]
    assert sorted(names) == sorted(PS) == sorted(INSPECT)
    assert groups["containers"].count == len(PS)


@pytest.mark.parametrize("name", sorted(INSPECT))
def test_container_fields_are_podman_inspects(view: PodmanView, name: str) -> None:
    expected, fields = INSPECT[name], container(view, name).fields
    state = expected["State"]
    assert fields["id"] == expected["Id"]
    assert fields["state"] == state["Status"]  # the name, not libpod's number
    assert fields["image"] == expected["ImageName"]
    assert fields["image_id"] == expected["Image"]
    assert fields["created"] == expected["Created"]
    assert fields.get("pod_id", "") == expected["Pod"]
    assert fields["labels"] == (expected["Config"]["Labels"] or {})
    assert fields["command"][0] == expected["Path"]
    assert fields.get("started", "0001-01-01T00:00:00Z") == state["StartedAt"]
    assert fields.get("finished", "0001-01-01T00:00:00Z") == state["FinishedAt"]
    if state["Status"] == "exited":
        assert fields["exit_code"] == state["ExitCode"]
        assert fields["exit_code_recorded"] == state["ExitCode"]
    else:
        assert "exit_code" not in fields
    volumes = sorted((m["Name"], m["Destination"]) for m in expected["Mounts"] if m["Type"] == "volume")
    assert sorted((v["name"], v["destination"]) for v in fields["volumes"]) == volumes
    binds = [(m["Source"], m["Destination"], m["RW"]) for m in expected["Mounts"] if m["Type"] == "bind"]
    assert [(b["source"], b["destination"], "ro" not in b["options"]) for b in fields.get("binds", [])] == binds
    networks = expected["NetworkSettings"].get("Networks") or {}
    assert sorted(fields["networks"]) == sorted(networks)
    bindings = expected["HostConfig"]["PortBindings"] or {}
    assert {f"{p['container_port']}/{p['protocol']}": [str(p["host_port"])] for p in fields["ports"]} == {
        port: [b["HostPort"] for b in binds] for port, binds in bindings.items()
    }


@pytest.mark.parametrize("name", sorted(PS))
def test_container_fields_are_podman_ps_json(view: PodmanView, name: str) -> None:
    expected, fields = PS[name], container(view, name).fields
    assert fields["state"] == expected["State"]
    assert fields["command"] == expected["Command"]
    assert fields.get("exited", False) == expected["Exited"]
    assert fields.get("exit_code", 0) == expected["ExitCode"]
    assert fields["ports"] == (expected["Ports"] or [])
    assert sorted(fields["networks"]) == sorted(expected["Networks"] or [])
    assert (fields.get("mounts") or []) == (expected["Mounts"] or [])
    created = datetime.fromisoformat(str(fields["created"]).replace("Z", "+00:00")[:26] + "+00:00")
    assert int(created.replace(tzinfo=UTC).timestamp()) == expected["Created"]


def test_pod_and_its_members_are_pod_inspects(view: PodmanView) -> None:
    expected = answer("pod_inspect.json")
    pod = view.find(("pods", expected["Name"]))
    assert pod is not None
    assert pod.fields["id"] == expected["Id"]
    assert pod.fields["created"] == expected["Created"]
    assert pod.fields["labels"] == expected["Labels"]
    assert pod.fields["status"] == expected["State"] == answer("pod_ps.json")[0]["Status"]
    assert pod.fields.get("infra_container_id", "") == expected.get("InfraContainerID", "")
    members = sorted(c["Name"] for c in expected["Containers"])
    assert pod.fields["containers"] == members
    assert sorted(link.path for link in pod.links) == [("containers", name) for name in members]
    for name in members:  # and each member links back
        assert ("pods", expected["Name"]) in [link.path for link in container(view, name).links]


def test_volumes_are_volume_inspects_with_their_users(view: PodmanView) -> None:
    for expected in answer("volume_inspect.json"):
        volume = view.find(("volumes", expected["Name"]))
        assert volume is not None
        fields = volume.fields
        assert fields["driver"] == expected["Driver"]
        assert fields["mountpoint"] == expected["Mountpoint"]
        assert fields["created"] == expected["CreatedAt"]
        assert fields["labels"] == expected["Labels"]
        assert fields["options"] == expected["Options"]
        assert fields["mount_count"] == expected["MountCount"]
        assert fields["needs_copy_up"] == expected.get("NeedsCopyUp", False)
        assert fields["needs_chown"] == expected.get("NeedsChown", False)
        users = sorted(
            name for name, c in INSPECT.items()
            if any(m.get("Name") == expected["Name"] for m in c["Mounts"])
        )  # fmt: skip
        assert fields["users"] == users
        assert sorted(link.path[-1] for link in volume.links) == users


def test_networks_are_the_ones_containers_join(view: PodmanView) -> None:
    expected = answer("network_inspect.json")[0]
    network = view.find(("networks", expected["name"]))
    assert network is not None
    members = sorted(n for n, c in INSPECT.items() if expected["name"] in (c["NetworkSettings"].get("Networks") or {}))
    assert sorted(network.fields["containers"]) == members
    assert ("networks", expected["name"]) in [link.path for link in container(view, members[0]).links]


def test_runtime_config_names_podmans_root(view: PodmanView) -> None:
    runtime = view.find(("runtime",))
    assert runtime is not None
    work_root = (STORES / "expected" / "work_root.txt").read_text().strip()
    assert runtime.fields["graph-root"] == f"{work_root}/podman/storage"
    assert runtime.fields["graph-driver-name"] == "vfs"


def test_a_consistent_file_has_no_findings(view: PodmanView) -> None:
    assert view.findings() == []
    assert not any(node.marks for node in view.objects())


def test_each_registry_the_real_bbolt_broke_is_a_finding() -> None:
    """bolt_state-broken.db: keys deleted by the real bbolt (make_stores.sh's edit/)."""
    view = view_of(BoltFile.open(str(BROKEN)))
    assert view is not None
    findings = view.findings()
    broken = answer("broken.json")
    assert len(findings) == len(broken)
    name_gone, unlisted, not_member = broken
    assert any(name_gone["key"] in f and "name-registry lacks" in f for f in findings)
    assert any(unlisted["key"] in f and "not in all-ctrs" in f for f in findings)
    assert any("pm-done" in f and "does not list it as a member" in f for f in findings)
    assert not_member["key"] == INSPECT["pm-done"]["Id"]
    pod = view.find(("pods", "pm-pod"))
    assert pod is not None and "pm-done" not in pod.fields["containers"]
    marked = sorted(node.label for node in view.objects() if "inconsistent" in node.marks)
    assert marked == ["pm-done", "pm-job", "pm-web"]


def test_reading_a_view_leaves_the_file_untouched() -> None:
    before = DB.stat()
    view = view_of(BoltFile.open(str(DB)))
    assert view is not None
    list(view.objects())
    after = DB.stat()
    assert (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size)
