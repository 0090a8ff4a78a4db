"""The store verbs as a user runs them: podman's, docker's, buildkit's and skopeo's answers.

Listings are compared with what the real programs printed when the fixture was
made (fixtures/stores/make_stores.sh), ages aside: they count from now.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, run_boltview

STORES = ROOT / "fixtures" / "stores"
DB = STORES / "db"
ANSWERS = STORES / "expected"
NODE = ROOT / "fixtures" / "node"


def answer(name: str) -> Any:
    return json.loads((ANSWERS / name).read_text())


def as_json(*args: str | Path) -> Any:
    done = run_boltview(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


AGE = re.compile(r"(Less than a second|About an? \w+|\d+ \w+) ago")


def cells(table: str) -> list[list[str]]:
    """A table's rows as cells (columns are two or more spaces apart), ages made alike."""
    return [re.split(r"\s{2,}", AGE.sub("(age)", line).strip()) for line in table.splitlines()]


def test_podman_ps_prints_what_podman_ps_printed() -> None:
    done = run_boltview("podman", "ps", DB / "bolt_state.db", "-a")
    assert done.returncode == 0 and done.stderr == ""
    assert cells(done.stdout) == cells((ANSWERS / "podman" / "ps_a.txt").read_text())


def test_podman_ps_without_all_lists_only_running_containers() -> None:
    done = run_boltview("podman", "ps", DB / "bolt_state.db")
    assert done.returncode == 0
    assert cells(done.stdout) == cells((ANSWERS / "podman" / "ps.txt").read_text())
    assert len(cells(done.stdout)) == 2  # pm-up ran while the file was copied


def test_podman_pods_and_volumes_name_podmans() -> None:
    pods = as_json("podman", "pods", DB / "bolt_state.db")
    expected = answer("podman/pod_ps.json")
    assert [(p["fields"]["name"], p["fields"]["status"]) for p in pods] == [
        (p["Name"], p["Status"]) for p in expected
    ]
    volumes = as_json("podman", "volumes", DB / "bolt_state.db")
    assert [v["fields"]["name"] for v in volumes] == [v["Name"] for v in answer("podman/volume_inspect.json")]
    text = run_boltview("podman", "pods", DB / "bolt_state.db").stdout
    assert cells(text)[1][:3] == [expected[0]["Id"][:12], "pm-pod", expected[0]["Status"]]


def test_podman_inspect_finds_by_name_and_by_id_prefix() -> None:
    pm_web = next(c for c in answer("podman/ps_a.json") if c["Names"] == ["pm-web"])
    by_name = run_boltview("podman", "inspect", DB / "bolt_state.db", "pm-web")
    by_id = run_boltview("podman", "inspect", DB / "bolt_state.db", pm_web["Id"][:8])
    assert by_name.returncode == by_id.returncode == 0
    assert json.loads(by_name.stdout) == json.loads(by_id.stdout)
    assert json.loads(by_name.stdout)["fields"]["id"] == pm_web["Id"]
    missing = run_boltview("podman", "inspect", DB / "bolt_state.db", "nothing-like-it")
    assert missing.returncode == 2 and len(missing.stderr.splitlines()) == 1


def test_a_node_root_is_read_where_podman_and_docker_keep_their_files() -> None:
    names = sorted(n for c in json.loads((NODE / "expected" / "podman" / "ps_a.json").read_text())
                   for n in c["Names"])  # fmt: skip
    listed = as_json("podman", "ps", NODE / "root", "-a")
    assert sorted(c["fields"]["name"] for c in listed) == names
    volumes = [line.split()[1] for line in (NODE / "expected" / "docker" / "volume_ls.txt").read_text().splitlines()[1:]]
    assert sorted(v["fields"]["name"] for v in as_json("docker", "volumes", NODE / "root")) == sorted(volumes)


def test_docker_volumes_and_networks_are_dockers() -> None:
    volumes = as_json("docker", "volumes", DB / "volumes-metadata.db")
    assert [(v["fields"]["name"], v["fields"]["labels"]) for v in volumes] == [
        (v["Name"], v["Labels"]) for v in answer("docker/volume_inspect.json")
    ]
    networks = as_json("docker", "networks", DB / "local-kv.db")
    expected = {n["Name"]: n for n in answer("docker/network_inspect.json")}
    assert sorted(n["fields"]["name"] for n in networks) == sorted(expected)
    for network in networks:
        inspected = expected[network["fields"]["name"]]
        assert network["fields"]["id"] == inspected["Id"]
        assert sorted(e["fields"]["id"] for e in network["endpoints"]) == sorted(
            c["EndpointID"] for c in inspected["Containers"].values()
        )
    text = run_boltview("docker", "networks", DB / "local-kv.db").stdout
    assert all(n["Id"][:12] in text for n in expected.values())


def test_buildkit_du_lists_dockers_build_cache() -> None:
    expected = {r["ID"]: r for r in answer("docker/system_df.json")["BuildCache"]}
    records = as_json("buildkit", "du", DB / "buildkit-metadata_v2.db")
    assert sorted(r["fields"]["id"] for r in records) == sorted(expected)
    assert all(r["fields"]["du_size"] == expected[r["fields"]["id"]]["Size"] for r in records)
    every = as_json("buildkit", "du", DB / "buildkit-metadata_v2.db", "-a")
    assert len(every) > len(records)
    rows = cells(run_boltview("buildkit", "du", DB / "buildkit-metadata_v2.db").stdout)
    assert rows[0][:3] == ["CACHE ID", "CACHE TYPE", "SIZE"]
    assert {(row[0], row[1], row[2]) for row in rows[1:]} == {
        (i, r["Type"], f"{r['Size']}B") for i, r in expected.items()
    }


def test_blobinfo_lists_each_blob_once() -> None:
    blobs = as_json("blobinfo", DB / "blob-info-cache-v1.boltdb")
    manifest = answer("skopeo/manifest.fixture_notes.json")
    digests = {d["digest"] for d in [manifest["config"], *manifest["layers"]]}
    assert digests <= {b["fields"]["digest"] for b in blobs}


def test_findings_follow_the_listing_and_exit_1() -> None:
    done = run_boltview("podman", "ps", DB / "bolt_state-broken.db", "-a")
    assert done.returncode == 1
    assert len(cells(done.stdout)) == 1 + len(answer("podman/ps_a.json"))
    warnings = done.stderr.splitlines()
    assert len(warnings) == len(answer("podman/broken.json"))
    assert all(line.startswith("boltview: warning: ") for line in warnings)


def test_user_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for args in (
        ("podman", "ps", DB / "local-kv.db"),  # another store
        ("docker", "volumes", DB / "bolt_state.db"),
        ("buildkit", "du", tmp_path / "missing.db"),
        ("blobinfo", tmp_path),  # a directory with no store in it
        ("podman", "ps", ROOT / "README.md"),  # not a bolt file
    ):
        done = run_boltview(*args)
        assert done.returncode == 2, args
        assert done.stdout == "" and len(done.stderr.splitlines()) == 1, (args, done.stderr)
        assert done.stderr.startswith("boltview: error: ") and "Traceback" not in done.stderr


def test_the_verbs_are_listed() -> None:
    done = run_boltview("--help")
    for verb in ("podman", "docker", "buildkit", "blobinfo"):
        assert re.search(rf"^\s+{verb}\b", done.stdout, re.MULTILINE), verb


def test_the_verbs_leave_every_file_as_it_was() -> None:
    """The files read, and the companions buildkit's view opens beside its file."""
    import hashlib

    def state() -> dict[str, tuple[str, int, int]]:
        return {
            path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns,
                        path.stat().st_ctime_ns)
            for path in sorted(DB.iterdir())
        }  # fmt: skip

    before = state()
    for args in (("podman", "ps", DB / "bolt_state.db", "-a"), ("docker", "networks", DB / "local-kv.db"),
                 ("buildkit", "du", DB / "buildkit-metadata_v2.db", "--no-snapshot"),
                 ("blobinfo", DB / "blob-info-cache-v1.boltdb")):  # fmt: skip
        assert run_boltview(*args).returncode == 0
    assert state() == before
