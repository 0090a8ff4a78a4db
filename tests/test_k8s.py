"""Kubernetes objects in etcd, checked against Kubernetes' own serializers.

The protobuf values in ``fixtures/etcd/db`` were written by apimachinery's
protobuf serializer over real ``k8s.io/api`` objects (``fixtures/etcd/k8senc``),
and ``fixtures/etcd/expected/k8s/*.json`` holds the same objects from
apimachinery's JSON serializer: what boltview decodes from the protobuf must
be what Kubernetes itself says the object is.
"""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import reading
from boltview.stores.etcd import EtcdStore
from boltview.stores.k8s_columns import COLUMNS, columns_of, moment, row_of
from boltview.stores.k8s_types import TOP_LEVEL
from boltview.stores.kubernetes import MAGIC, decode_value, human_duration, list_objects
from tests.conftest import ROOT

FIXTURE = ROOT / "fixtures" / "etcd"
DB = FIXTURE / "db"
OBJECTS = sorted((FIXTURE / "expected" / "k8s").glob("*.json"))


@pytest.fixture(scope="module")
def store() -> Iterator[EtcdStore]:
    with reading(str(DB)) as db:
        yield EtcdStore(db)


def key_of(path: Path) -> bytes:
    return path.name.removesuffix(".json").replace("%", "/").encode()


def assert_within(
    mine: Any, theirs: Any, where: str, missing: str = "is not in Kubernetes' JSON"
) -> None:
    """Everything in ``mine`` is in ``theirs``, with the same value (by default: what
    boltview decoded, in Kubernetes' JSON)."""
    if isinstance(mine, dict):
        assert isinstance(theirs, dict), where
        for name, value in mine.items():
            if name == "_undecodedFields":
                continue
            assert name in theirs, f"{where}.{name} {missing}"
            assert_within(value, theirs[name], f"{where}.{name}", missing)
    elif isinstance(mine, list):
        assert isinstance(theirs, list) and len(mine) == len(theirs), where
        for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert_within(a, b, f"{where}[{index}]", missing)
    else:
        assert mine == theirs, where


def test_the_fixture_has_every_core_type() -> None:
    kinds = {json.loads(path.read_text())["kind"] for path in OBJECTS}
    assert kinds == {
        "Pod", "ConfigMap", "Secret", "Namespace", "Service", "Node", "ServiceAccount", "Event",
        "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob",
        "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "Lease",
    }  # fmt: skip
    assert {kind for _, kind in TOP_LEVEL} == kinds  # every one decoded in full


def set_values(theirs: Any) -> Any:
    """Kubernetes' JSON without what says nothing: nulls, empty objects and lists, zeros."""
    if isinstance(theirs, dict):
        kept = {name: set_values(value) for name, value in theirs.items()}
        return {name: value for name, value in kept.items() if value not in (None, {}, [], "", 0)}
    if isinstance(theirs, list):
        return [set_values(value) for value in theirs]
    return theirs


@pytest.mark.parametrize("path", OBJECTS, ids=lambda path: path.stem)
def test_protobuf_objects_decode_to_kubernetes_own_json(store: EtcdStore, path: Path) -> None:
    theirs = json.loads(path.read_text())
    (kv,) = store.get(key_of(path)).kvs
    assert kv.value.startswith(MAGIC)
    mine = decode_value(kv.value)
    assert mine.encoding == "protobuf" and mine.error is None
    assert (mine.api_version, mine.kind) == (theirs["apiVersion"], theirs["kind"])
    assert mine.metadata == theirs["metadata"]  # ObjectMeta: every field, exactly
    body = dict(mine.body)
    theirs_body = {k: v for k, v in theirs.items() if k not in ("kind", "apiVersion", "metadata")}
    if mine.kind == "Secret":  # values hidden: each one's size instead
        sizes = {k: f"{len(base64.b64decode(v))} bytes" for k, v in theirs["data"].items()}
        assert body.pop("data") == sizes
        del theirs_body["data"]
    assert "_undecodedFields" not in json.dumps(body), "every field written is declared"
    assert_within(body, theirs_body, "")  # nothing decoded that Kubernetes does not say...
    # ...and nothing it says left out:
    assert_within(set_values(theirs_body), body, "", "was not decoded")


@pytest.mark.parametrize(
    ("key", "path", "value"),
    [
        ("statefulsets/default/web", "spec.updateStrategy.rollingUpdate.partition", 0),
        ("statefulsets/default/web", "status.collisionCount", 0),
        ("leases/kube-node-lease/node-1", "spec.leaseTransitions", 0),
        ("jobs/default/backup-28577000", "spec.ttlSecondsAfterFinished", 0),
        ("cronjobs/default/backup", "spec.suspend", False),
        ("deployments/default/api", "spec.template.spec.volumes.3.secret.optional", False),
        ("deployments/default/api",
         "spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation", False),
        ("serviceaccounts/default/api", "automountServiceAccountToken", False),
    ],
)  # fmt: skip
def test_a_go_pointers_zero_is_a_value(store: EtcdStore, key: str, path: str, value: Any) -> None:
    """A field that is a pointer in Go is written only when set: its zero is shown, as
    Kubernetes' JSON shows it."""
    (kv,) = store.get(b"/registry/" + key.encode()).kvs
    mine: Any = decode_value(kv.value).body
    expected = FIXTURE / "expected" / "k8s" / f"%registry%{key.replace('/', '%')}.json"
    theirs: Any = json.loads(expected.read_text())
    for step in path.split("."):
        mine = mine[int(step)] if step.isdigit() else mine[step]
        theirs = theirs[int(step)] if step.isdigit() else theirs[step]
    assert mine is not None and mine == theirs == value


def test_top_level_fields_people_look_at(store: EtcdStore) -> None:
    pod = decode_value(store.get(b"/registry/pods/default/web-0").kvs[0].value)
    theirs = json.loads(
        (FIXTURE / "expected" / "k8s" / "%registry%pods%default%web-0.json").read_text()
    )
    spec = pod.body["spec"]
    assert isinstance(spec, dict)
    for name in ("nodeName", "serviceAccountName", "restartPolicy"):
        assert spec[name] == theirs["spec"][name]
    assert pod.body["status"] == theirs["status"]


ROWS = sorted((FIXTURE / "expected" / "k8s").glob("*.row"))


def test_every_object_has_the_row_the_apiserver_printed() -> None:
    assert {path.stem for path in ROWS} == {path.stem for path in OBJECTS}


@pytest.mark.parametrize("path", ROWS, ids=lambda path: path.stem)
def test_columns_are_the_apiservers_printers(store: EtcdStore, path: Path) -> None:
    """Each kind's columns and cells, as kube-apiserver's own printer made them for the same
    object (ages as of when it printed)."""
    printed = json.loads(path.read_text())
    (kv,) = store.get(path.name.removesuffix(".row").replace("%", "/").encode()).kvs
    value = decode_value(kv.value)
    now = moment(printed["printedAt"])
    assert now is not None
    names = printed["columns"]
    cells = [str(cell) for cell in printed["cells"]]
    if names[0] == "Name":
        assert cells[0] == value.metadata["name"]
        names, cells = names[1:], cells[1:]
    assert list(columns_of(value)) == [name.upper() for name in names]
    assert row_of(value, now) == cells


def test_json_values_are_read_as_json(store: EtcdStore) -> None:
    kv = store.get(b"/registry/example.com/widgets/default/gizmo").kvs[0]
    stored = json.loads(kv.value)
    value = decode_value(kv.value)
    assert value.encoding == "json" and value.kind == "Widget"
    assert value.metadata == stored["metadata"]
    assert value.body == {"spec": stored["spec"]}


def test_list_objects_by_kind_and_namespace(store: EtcdStore) -> None:
    pods = list_objects(store, "pods")
    keys = {kv.key.decode() for kv in store.get(b"/registry/pods/", prefix=True).kvs}
    assert {obj.key for obj in pods} == keys and len(keys) == 5
    assert [obj.name for obj in list_objects(store, "Pod", "kube-system")] == [
        "coredns-5d78c9869d-abcde"
    ]
    assert [obj.name for obj in list_objects(store, "widgets", "default")] == ["gizmo"]
    assert [obj.name for obj in list_objects(store, "namespaces")] == ["kube-system"]
    assert [obj.name for obj in list_objects(store, "ns")] == ["kube-system"]
    assert [obj.name for obj in list_objects(store, "deploy", "kube-system")] == ["coredns"]
    assert [obj.name for obj in list_objects(store, "clusterroles")] == ["monitoring", "view"]
    assert [obj.name for obj in list_objects(store, "nodes")] == ["node-1"]  # under minions/
    assert [obj.name for obj in list_objects(store, "no")] == ["node-1"]
    for obj in pods:  # resourceVersion is the key's mod_revision, as the apiserver says it
        assert obj.value.metadata["resourceVersion"] == str(obj.mod_revision)


def test_cli_k8s_ls_prints_kubectls_columns() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "boltview", "k8s", "ls", str(DB), *args],
                              check=False, capture_output=True, text=True, timeout=60)  # fmt: skip

    lines = run("pods").stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in lines[1:]}
    assert rows["default", "web-0"][:3] == ["0/1", "Terminating", "0"]
    assert rows["default", "api-6d4cf56db6-x7k2p"][:3] == ["1/2", "CrashLoopBackOff", "5"]
    assert rows["kube-system", "coredns-5d78c9869d-abcde"][:2] == ["0/1", "0"]  # no phase
    assert all(row[-1].endswith(("y", "d")) for row in rows.values())  # created in 2024
    assert run("namespaces").stdout.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    deployments = run("deploy", "-n", "default").stdout.splitlines()
    assert deployments[0].split() == ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert deployments[1].split()[:5] == ["default", "api", "2/3", "3", "2"]
    events = run("events").stdout.splitlines()  # listed by what they are about, as kubectl does
    assert events[0].split()[:4] == ["NAMESPACE", "LAST", "SEEN", "TYPE"]
    assert [line.split()[0] for line in run("clusterroles").stdout.splitlines()[1:]] == [
        "monitoring", "view"
    ]
    empty = run("pods", "-n", "nowhere")
    assert empty.returncode == 0 and empty.stdout == "" and "No resources found" in empty.stderr
    decoded = json.loads(run("secrets", "--json").stdout)
    assert decoded[0]["data"] == {"password": "7 bytes"}
    assert "hunter2" not in run("secrets", "--json").stdout


# -- what the fixture does not hold ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "provider", "key_name"),
    [
        (b"k8s:enc:aescbc:v1:key1:" + bytes(range(48)), "aescbc:v1", "key1"),
        (b"k8s:enc:secretbox:v1:second:" + b"\x00" * 40, "secretbox:v1", "second"),
        (b"k8s:enc:kms:v1:vault:" + b"\xff" * 40, "kms:v1", "vault"),
        (b"k8s:enc:kms:v2:vault:" + b"\x0a\x03abc", "kms:v2", "vault"),
    ],
)
def test_encrypted_values_say_how_they_are_encrypted(
    value: bytes, provider: str, key_name: str
) -> None:
    decoded = decode_value(value)
    assert (decoded.encoding, decoded.provider, decoded.key_name) == (
        "encrypted",
        provider,
        key_name,
    )
    assert decoded.metadata == {} and decoded.error is None


def test_hostile_values_never_raise() -> None:
    generator = random.Random(13)
    for _ in range(300):
        tail = generator.randbytes(generator.randrange(0, 64))
        for value in (MAGIC + tail, b"{" + tail, tail, b"k8s:enc:" + tail):
            decode_value(value)  # an answer, or an error in it: never an exception
    cut = decode_value(MAGIC + b"\x0a\x0f\x0a\x02v1")
    assert cut.encoding == "protobuf" and cut.error is not None


@pytest.mark.parametrize("api_version, kind", sorted(COLUMNS), ids="/".join)
def test_a_json_value_of_any_shape_never_breaks_a_printer(api_version: str, kind: str) -> None:
    """A JSON value can claim any kind: a printer given the wrong shapes says so (None)."""
    generator = random.Random(kind)
    shapes: list[Any] = [None, 0, "x", [], {}, [1], {"a": 1}, True, 2.5]
    for _ in range(200):
        body = {name: generator.choice(shapes)
                for name in ("spec", "status", "data", "secrets", "roleRef", "involvedObject",
                             "series", "firstTimestamp", "lastTimestamp", "eventTime", "type")}  # fmt: skip
        meta = {"name": "x", "creationTimestamp": generator.choice(shapes),
                "labels": generator.choice(shapes), "deletionTimestamp": generator.choice(shapes)}  # fmt: skip
        document = {"apiVersion": api_version, "kind": kind, "metadata": meta, **body}
        value = decode_value(json.dumps(document).encode())
        cells = row_of(value, 1.7e9)
        assert cells is None or len(cells) == len(columns_of(value))


def test_an_unknown_content_encoding_is_said_not_guessed() -> None:
    envelope = b"\x0a\x0b\x0a\x02v1\x12\x05Thing" + b"\x12\x02\x0a\x00" + b"\x1a\x04gzip"
    decoded = decode_value(MAGIC + envelope)
    assert decoded.kind == "Thing" and decoded.error is not None and "gzip" in decoded.error


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (125, "2m5s"),
        (600, "10m"), (10799, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60, "3h1m"), (8 * 3600, "8h"),
        (47 * 3600, "47h"), (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"),
        (729 * 86400, "729d"), (730 * 86400, "2y"), (731 * 86400, "2y1d"), (8 * 365 * 86400, "8y"),
    ],
)  # fmt: skip
def test_ages_are_kubectls(seconds: int, shown: str) -> None:
    assert human_duration(seconds) == shown


def test_the_fixture_is_small() -> None:
    assert os.path.getsize(DB) < 1 << 20
