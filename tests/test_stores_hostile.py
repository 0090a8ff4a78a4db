"""Store files whose values are not what their programs write: every view answers with
what it could read and a finding for each bad value, never a traceback.

The bad values are put into copies of the real fixtures by the real bbolt
(fixtures/stores/edit), so the files themselves are well-formed bbolt.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.stores.registry import view_of
from tests.conftest import ROOT, build_go, missing_go_source, require_real, run_boltview

STORES = ROOT / "fixtures" / "stores"


@pytest.fixture(scope="module")
def edit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_real(missing_go_source("go.etcd.io/bbolt"), "fixtures/stores/edit")
    return build_go(STORES / "edit", tmp_path_factory.mktemp("go") / "edit")


def edited(edit: Path, tmp_path: Path, name: str, *operations: str) -> Path:
    import subprocess

    copy = tmp_path / name
    shutil.copyfile(STORES / "db" / name, copy)
    subprocess.run([str(edit), str(copy), *operations], check=True, capture_output=True)
    return copy


def ids() -> dict[str, str]:
    return {c["Names"][0]: c["Id"] for c in json.loads((STORES / "expected" / "podman" / "ps_a.json").read_text())}


def read_all(path: Path) -> tuple[list[Any], list[str]]:
    view = view_of(BoltFile.open(str(path)))
    assert view is not None
    objects = list(view.objects())
    for node in objects:
        json.dumps(node.fields)
    return objects, view.findings()


def test_podman_records_of_every_wrong_shape(edit: Path, tmp_path: Path) -> None:
    c = ids()
    pod = json.loads((STORES / "expected" / "podman" / "pod_inspect.json").read_text())["Id"]
    path = edited(
        edit, tmp_path, "bolt_state.db",
        "put", f"ctr/{c['pm-web']}", "config", "[1, 2]",
        "put", f"ctr/{c['pm-job']}", "state", "not json {",
        "put", f"ctr/{c['pm-exit']}", "config",
        '{"name": 5, "namedVolumes": "x", "command": "sh", "newPortMappings": [1, {"host_port": 1}]}',
        "put", "vol/pm-data", "config", '{"labels": [1]}',
        "put", "exit-code", c["pm-done"], "not a number",
        "put", f"pod/{pod}", "config", "\xff",
    )  # fmt: skip
    objects, findings = read_all(path)
    assert len([o for o in objects if o.kind == "container"]) == len(c)  # every one still listed
    text = "\n".join(findings)
    assert f"ctr/{c['pm-web']}/config: a JSON list, not an object" in text
    assert f"ctr/{c['pm-job']}/state: not JSON" in text
    assert f"pod/{pod}/config: not JSON" in text
    exit_node = next(o for o in objects if o.fields.get("id") == c["pm-exit"])
    assert exit_node.fields["volumes"] == [] and exit_node.fields["ports_text"] == ["0.0.0.0:1->0/tcp"]
    done = run_boltview("podman", "ps", path, "-a")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert all(line.startswith("boltview: warning: ") for line in done.stderr.splitlines())


def test_docker_and_buildkit_values_of_the_wrong_shape(edit: Path, tmp_path: Path) -> None:
    volumes = edited(edit, tmp_path, "volumes-metadata.db", "put", "volumes", "dk-data", '"a string"')
    objects, findings = read_all(volumes)
    assert [o.label for o in objects] == ["dk-data", "dk-scratch"]
    assert findings == ["volumes/dk-data: a JSON str, not an object"]

    network = next(n for n in json.loads((STORES / "expected" / "docker" / "network_inspect.json").read_text())
                   if n["Name"] == "dk-net")  # fmt: skip
    key = f"docker/network/v1.0/network/{network['Id']}/"
    count = "docker/network/v1.0/endpoint_count/"
    kv = edited(edit, tmp_path, "local-kv.db", "put", "libnetwork", key, "short",
                "put", "libnetwork", count, "12345678[]")  # an index, then a JSON list  # fmt: skip
    objects, findings = read_all(kv)
    assert any(key in f and "shorter than libkv's 8-byte index" in f for f in findings)
    assert any(count in f and "a JSON list, not an object" in f for f in findings)
    assert "dk-net" not in [o.label for o in objects if o.kind == "network"]
    assert len(findings) == 3  # and dk-net's endpoint, whose network is gone
    assert any("does not exist" in f for f in findings)

    before, _ = read_all(STORES / "db" / "buildkit-cache.db")
    some_key = next(node.label for node in before if node.fields.get("results"))
    cache = edited(edit, tmp_path, "buildkit-cache.db", "put", f"_result/{some_key}", "moby::x", "{")
    objects, findings = read_all(cache)
    assert len(findings) == 1 and findings[0].startswith(f"_result/{some_key}/moby::x: not JSON (")
    assert len(objects) == len(before)


def test_buildkits_containerdmeta_with_bad_values(edit: Path, tmp_path: Path) -> None:
    """A blob's size and a lease's time that do not decode: a finding each, the links kept."""
    before, _ = read_all(STORES / "db" / "buildkit-metadata_v2.db")
    [blob] = [n.fields["manifest"] for n in before if n.kind == "record" and n.fields.get("manifest")]
    lease = next(n.label for n in before if n.kind == "lease" and n.fields.get("content"))
    shutil.copyfile(STORES / "db" / "buildkit-metadata_v2.db", tmp_path / "buildkit-metadata_v2.db")
    meta = edited(
        edit, tmp_path, "buildkit-containerdmeta.db",
        "put", f"v1/buildkit/content/blob/{blob}", "size", os.fsdecode(b"\x80"),  # a varint cut short
        "put", f"v1/buildkit/leases/{lease}", "createdat", "not a time",
    )  # fmt: skip
    objects, findings = read_all(meta.parent / "buildkit-metadata_v2.db")
    assert len(findings) == 2, findings
    assert findings[0].startswith(f"containerdmeta.db beside this file: lease {lease}: createdat: ")
    assert findings[1].startswith(f"containerdmeta.db beside this file: content blob {blob}: size: ")
    shown = {node.path: node for node in objects}
    assert "size" not in shown[("content", blob)].fields
    assert ("content", blob) in [link.path for link in shown[("leases", lease)].links]
