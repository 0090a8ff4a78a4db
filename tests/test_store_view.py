"""Store views (etcd's first) in the terms of the program that wrote the file.

Every answer is checked against the real etcdctl's, recorded while the real
etcd ran: ``fixtures/etcd/expected/`` (see ``fixtures/etcd/make_etcd.sh``) and
``fixtures/storeview/expected/`` (one backend before and after some changes,
and ``etcdctl watch``'s account of them: ``fixtures/storeview/make_etcd_pair.sh``).
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile, reading
from boltview.stores.changes import store_changes
from boltview.stores.etcd import EtcdStore, decode_key_value, lease_hex, parse_revision
from boltview.stores.etcd_keys import key_path, key_segments
from boltview.stores.etcd_view import EtcdView
from boltview.stores.registry import view_of
from boltview.stores.view import WINDOW, StoreNode
from tests import corrupt
from tests.conftest import ROOT, run_boltview

ETCD = ROOT / "fixtures" / "etcd"
DB = ETCD / "db"
SNAPSHOT = ETCD / "snapshot.db"
PAIR = ROOT / "fixtures" / "storeview"
BEFORE, AFTER = PAIR / "etcd-before.db", PAIR / "etcd-after.db"


def expected(folder: Path, name: str) -> Any:
    return json.loads((folder / "expected" / name).read_text())


def b64(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture(scope="module")
def view() -> Iterator[EtcdView]:
    with reading(str(DB)) as db:
        found = view_of(db)
        assert isinstance(found, EtcdView)
        yield found


def walk(view: EtcdView, node: StoreNode) -> Iterator[StoreNode]:
    yield node
    if node.has_children:
        for child in view.children(node, 0, 1 << 30):
            yield from walk(view, child)


# -- the tree ------------------------------------------------------------------------------


def test_top_groups_and_meta(view: EtcdView) -> None:
    top = {node.label: node for node in view.top()}
    assert list(top) == ["keys", "revisions", "leases", "members", "alarms", "auth", "meta"]
    meta = top["meta"].fields
    compacted = int((ETCD / "expected" / "compacted-revision").read_text())
    assert meta["finished_compact_revision"] == compacted
    assert meta["current_revision"] == expected(ETCD, "get-all.json")["header"]["revision"]


def test_key_segments_join_back() -> None:
    for key in (b"/registry/pods/default/web-0", b"foo", b"/app/", b"a//b", b"/\xff\x00/x"):
        assert b"".join(key_segments(key)) == key
        path = key_path(key)
        assert "".join(path[1:]).encode("utf-8", "surrogateescape") == key


def test_live_keys_are_etcdctls(view: EtcdView) -> None:
    """Every key etcdctl lists is a key node with its newest value; every other key node is
    one that was deleted (its newest revision a tombstone)."""
    answer = expected(ETCD, "get-all.json")
    live = {b64(kv["key"]): kv for kv in answer["kvs"]}
    keys_top = next(node for node in view.top() if node.label == "keys")
    nodes = [node for node in walk(view, keys_top) if node.kind == "key"]
    shown = {node.name.encode("utf-8", "surrogateescape"): node for node in nodes}
    for key, kv in live.items():
        node = shown[key]
        assert "deleted" not in node.marks
        assert node.fields["mod_revision"] == kv["mod_revision"]
        assert node.fields["create_revision"] == kv["create_revision"]
        assert node.fields["version"] == kv["version"]
        assert node.fields["lease"] == (lease_hex(kv["lease"]) if kv.get("lease") else None)
        assert view.find(node.path) == node
    for key in set(shown) - set(live):
        assert shown[key].marks == ("deleted",)
    assert set(live) <= set(shown)


def test_key_history_and_values(view: EtcdView) -> None:
    config = view.find(key_path(b"/app/config"))
    assert config is not None and config.fields["value"] == "v4"
    revisions = view.children(config)
    assert [node.fields["value"] for node in revisions] == ["v3", "v4"]  # v1, v2 compacted
    pod = view.find(key_path(b"/registry/pods/default/web-0"))
    assert pod is not None
    value = pod.fields["value"]
    assert isinstance(value, dict) and value["kind"] == "Pod"
    decoded = expected(ETCD, "k8s/%registry%pods%default%web-0.json")  # k8s' own JSON of it
    assert value["metadata"]["uid"] == decoded["metadata"]["uid"]
    assert value["spec"]["nodeName"] == decoded["spec"]["nodeName"]
    gone = view.find(key_path(b"/app/name"))
    assert gone is not None and gone.marks == ("deleted",)
    assert [node.fields["op"] for node in view.children(gone)] == ["PUT", "DELETE"]


def test_revisions_are_the_key_bucket_in_order(view: EtcdView) -> None:
    records = list(EtcdStore(view.db).records())
    group = next(node for node in view.top() if node.label == "revisions")
    shown = [node for node in walk(view, group) if node.kind == "revision"]
    assert [node.label for node in shown] == [str(record.revision) for record in records]
    for node, record in zip(shown, records, strict=True):
        assert node.fields["op"] == ("DELETE" if record.tombstone else "PUT")
        assert ("deleted" in node.marks) == record.tombstone
        assert parse_revision(node.source[1]) == (record.revision, record.tombstone)
        assert view.find(node.path) == node


def test_revisions_in_ranges_and_windows() -> None:
    """Past one window the revisions come in ranges, and a range is read by windows:
    the windows put together are the key bucket, in order."""
    with reading(str(AFTER)) as db:
        view = EtcdView(db)
        group = next(node for node in view.top() if node.label == "revisions")
        ranges = view.children(group)
        assert all(node.kind == "range" for node in ranges) and len(ranges) >= 2
        first = next(EtcdStore(db).records()).revision.main
        assert ranges[0].label == f"{first}–{first + WINDOW - 1}"
        shown = []
        for part in ranges:
            start = 0
            while True:
                window = view.children(part, start, 7)
                shown += window
                start += len(window)
                if len(window) < 7:
                    break
        records = list(EtcdStore(db).records())
        assert [node.label for node in shown] == [str(record.revision) for record in records]
        assert view.find(shown[-1].path) == shown[-1]
        assert view.find(ranges[-1].path) == ranges[-1]
        assert len(view.children(ranges[0], 0, WINDOW)) <= WINDOW


def test_find_rejects_what_the_view_does_not_show() -> None:
    with reading(str(AFTER)) as db:
        view = EtcdView(db)
        first = next(EtcdStore(db).records()).revision.main
        assert view.find(("revisions", f"{first}–{first + WINDOW - 1}")) is not None
        assert view.find(("revisions", f"{first + 1}–{first + WINDOW}")) is None  # not drawn
        assert view.find(("revisions", f"{{{first}, 0}}")) is None  # revisions are in ranges
        assert view.find(("keys", "nope")) is None
        assert view.find(("leases", "0")) is None


def test_leases_members_auth(view: EtcdView) -> None:
    leases = {node.label: node for node in view.children(view.find(("leases",)))}  # type: ignore[arg-type]
    answer = expected(ETCD, "lease-list.json")
    assert set(leases) == {f"{lease['id']:016x}" for lease in answer["leases"]}
    for name, lease in leases.items():
        timetolive = expected(ETCD, f"lease-{name}.json")
        attached = sorted(b64(key).decode() for key in timetolive.get("keys") or [])
        assert sorted(lease.fields["keys"]) == attached  # type: ignore[arg-type]
        assert lease.fields["ttl"] == timetolive["granted-ttl"]
        for link in lease.links:
            assert view.find(link.path) is not None
    members = view.children(view.find(("members",)))  # type: ignore[arg-type]
    listed = expected(ETCD, "member-list.json")["members"]
    assert {node.label for node in members} == {f"{m['ID']:x}" for m in listed}
    alice = view.find(("auth", "users", "alice"))
    assert alice is not None
    assert alice.fields["roles"] == expected(ETCD, "user-alice.json")["roles"]
    assert str(alice.secrets["password_hash"]).startswith("$2a$10$")
    assert "password_hash" not in json.dumps(alice.fields)
    role = view.find(("auth", "roles", "app-reader"))
    assert role is not None and [link.path for link in role.links] == [("auth", "users", "alice")]


def test_snapshot_trailer_verdict(tmp_path: Path) -> None:
    with reading(str(SNAPSHOT)) as db:
        node = next(node for node in EtcdView(db).top() if node.label == "snapshot")
        assert node.fields["ok"] is True and EtcdView(db).findings() == []
    damaged = tmp_path / "snapshot.db"
    shutil.copy(SNAPSHOT, damaged)
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0xFF  # the trailer's last byte
    damaged.write_bytes(bytes(data))
    with reading(str(damaged)) as db:
        view = EtcdView(db)
        node = next(node for node in view.top() if node.label == "snapshot")
        assert node.fields["ok"] is False and node.marks == ("inconsistent",)
        assert any("sha256" in finding for finding in view.findings())


def test_a_damaged_key_page_is_said_and_the_rest_exported(tmp_path: Path) -> None:
    """A leaf of the key bucket whose header claims more elements than the page holds: the
    finding names the page, and the keys whose revisions are on the other pages are
    exported with everything else (exit 1: the export says what it left out)."""
    data = bytearray(AFTER.read_bytes())
    with reading(str(AFTER)) as db:
        leaf = next(page.pgid for page, _ in db.bucket(b"key").pages() if page.is_leaf)
    page = corrupt.read_elements(bytes(data), leaf, leaf=True)
    page.header.count = 0xFFFF
    size = corrupt.page_size_of(bytes(data))
    header = corrupt.layout("<").page_header.build(page.header)
    data[leaf * size : leaf * size + len(header)] = header
    damaged = corrupt.damaged_copy(AFTER, tmp_path / "db", data)
    done = run_boltview("export", damaged)
    assert done.returncode == 1
    document = json.loads(done.stdout)
    whole = json.loads(run_boltview("export", AFTER).stdout)

    def keys(doc: dict[str, Any]) -> set[tuple[str, ...]]:
        return {tuple(obj["path"]) for obj in doc["objects"] if obj["kind"] == "key"}

    kinds = {tuple(obj["path"]): obj["kind"] for obj in document["objects"]}
    assert "problem" not in kinds.values()
    assert 0 < len(keys(document)) < len(keys(whole)) and keys(document) <= keys(whole)
    assert "member" in kinds.values() and "lease" in kinds.values() and kinds[("meta",)] == "meta"
    assert f"page {leaf}" in done.stderr
    assert any(f"page {leaf}" in finding for finding in document["findings"])


# -- diff ------------------------------------------------------------------------------------


def watch_lines() -> list[str]:
    """etcdctl's watch events since the first file, as the etcd lines diff prints."""
    lines = []
    text = (PAIR / "expected" / "watch.json").read_text()
    decoder, at = json.JSONDecoder(), 0
    while at < len(text.strip()):
        answer, end = decoder.raw_decode(text, at)
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
        for event in answer["Events"]:
            op = "DELETE" if event.get("type") == 1 else "PUT"
            key = b64(event["kv"]["key"]).decode()
            lines.append(f"etcd {op} {key} @rev {event['kv']['mod_revision']}")
    return lines


def test_diff_is_etcdctls_watch() -> None:
    with reading(str(BEFORE)) as old, reading(str(AFTER)) as new:
        found = store_changes(old, new)
    assert found is not None
    program, changes = found
    events = [c.text.split(" (sub")[0] for c in changes if c.op in ("put", "delete")]
    assert program == "etcd"
    assert events == watch_lines()
    leases = expected(PAIR, "lease-list-after.json")["leases"]
    assert [c.text for c in changes if c.path[:1] == ("leases",)] == [
        f"etcd lease {lease['id']:016x} added" for lease in leases
    ]


def test_diff_cli_text_and_json() -> None:
    done = run_boltview("diff", BEFORE, AFTER)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "etcd:" in lines
    shown = [line.strip().split(" (sub")[0] for line in lines if line.startswith("  etcd ")]
    assert shown[: len(watch_lines())] == watch_lines()
    done = run_boltview("diff", BEFORE, AFTER, "--json")
    document = json.loads(done.stdout)
    assert document["store"]["program"] == "etcd"
    texts = [c["text"].split(" (sub")[0] for c in document["store"]["changes"]]
    assert texts[: len(watch_lines())] == watch_lines()
    raw = run_boltview("diff", BEFORE, AFTER, "--raw", "--json")
    assert json.loads(raw.stdout)["store"]["changes"] == []


def test_diff_of_the_files_two_transactions() -> None:
    """etcd killed just after a put was committed: the file's two meta pages are the
    transactions before and after that put, and diff FILE says the put as etcdctl got it."""
    answer = expected(PAIR, "last-put.json")
    kv = answer["kvs"][0]
    done = run_boltview("diff", PAIR / "etcd-last.db", "--json")
    assert done.returncode == 0, done.stderr
    changes = json.loads(done.stdout)["store"]["changes"]
    events = [c["text"] for c in changes if c["op"] in ("put", "delete")]
    assert events == [f"etcd PUT {b64(kv['key']).decode()} @rev {kv['mod_revision']}"]


# -- export and inspect --------------------------------------------------------------------


def test_export_objects_with_provenance() -> None:
    done = run_boltview("export", DB)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["store"]["kind"] == "etcd"
    with BoltFile.open(str(DB)) as db:
        txid = db.txid
        assert document["provenance"]["txid"] == txid
        keys = [obj for obj in document["objects"] if obj["kind"] == "key"]
        assert {obj["name"] for obj in keys} >= {b64(kv["key"]).decode()
                                                 for kv in expected(ETCD, "get-all.json")["kvs"]}  # fmt: skip
        for obj in keys:
            where = obj["provenance"]
            assert where["txid"] == txid and where["bucket"] == ["key"]
            stored = db.bucket(b"key").get(b64(where["key_base64"]))
            assert stored is not None and decode_key_value(stored).key.decode() == obj["name"]
    users = [obj for obj in document["objects"] if obj["kind"] == "user"]
    assert users and all(obj["secrets_omitted"] == ["password_hash"] for obj in users)
    assert "$2a$10$" not in done.stdout  # the scheme is said, never the hash


def test_export_includes_secrets_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "etcd.json"
    done = run_boltview("export", DB, "-o", out, "--include-secrets", "--indent", "2")
    assert done.returncode == 0, done.stderr
    users = [obj for obj in json.loads(out.read_text())["objects"] if obj["kind"] == "user"]
    assert all(obj["secrets"]["password_hash"].startswith("$2a$10$") for obj in users)


def test_inspect_key_and_lease() -> None:
    done = run_boltview("inspect", DB, "key", "/registry/pods/default/web-0", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["fields"]["value"]["kind"] == "Pod"
    assert document["provenance"]["bucket"] == ["key"]
    assert document["file"]["txid"] == document["provenance"]["txid"]
    lease = expected(ETCD, "lease-list.json")["leases"][0]["id"]
    text = run_boltview("inspect", "lease", DB, f"{lease:016x}")  # KIND FILE works too
    assert text.returncode == 0, text.stderr
    assert f"etcd lease {lease:016x}" in text.stdout and "ttl:" in text.stdout
    missing = run_boltview("inspect", DB, "key", "/no/such/key")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "no key '/no/such/key'" in missing.stderr
