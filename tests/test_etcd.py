"""etcd's backend read without etcd, checked against the real etcdctl's answers.

``fixtures/etcd/db`` was written by Debian's etcd 3.4 and every file in
``fixtures/etcd/expected/`` is what the real etcdctl answered while that etcd
ran (see ``fixtures/etcd/make_etcd.sh``): boltview must give the same answers
from the file alone.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boltview.bolt.file import BoltFile, reading
from boltview.errors import BoltviewError, DecodeError
from boltview.stores import etcd_kv
from boltview.stores.etcd import (
    EtcdStore,
    KeyValue,
    RevisionError,
    decode_key_value,
    lease_hex,
    parse_revision,
    prefix_end,
)
from boltview.stores.etcd_kv import ValueAt, key_value_of_fields, revision_key
from tests import corrupt
from tests.conftest import BOLT_FIXTURES, ROOT

FIXTURE = ROOT / "fixtures" / "etcd"
DB = FIXTURE / "db"
EXPECTED = FIXTURE / "expected"


def expected(name: str) -> Any:
    return json.loads((EXPECTED / name).read_text())


def get_rev_answers() -> list[dict[str, Any]]:
    lines = (EXPECTED / "get-rev.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def store() -> Iterator[EtcdStore]:
    with reading(str(DB)) as db:
        yield EtcdStore(db)


def kv_as_etcdctl(kv: KeyValue) -> dict[str, Any]:
    from boltview.cli.etcd import kv_json

    return kv_json(kv)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boltview", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


# -- the formats -----------------------------------------------------------------------


def test_revision_keys_and_tombstones() -> None:
    key = revision_key(11, 2)
    assert len(key) == 17 and key[8:9] == b"_"
    assert parse_revision(key) == (parse_revision(key)[0], False)
    revision, tombstone = parse_revision(key + b"t")
    assert (revision.main, revision.sub, tombstone) == (11, 2, True)
    assert str(revision) == "{11, 2}"
    for bad in (b"", key[:16], key + b"x", key[:8] + b"-" + key[9:]):
        with pytest.raises(DecodeError):
            parse_revision(bad)


def test_prefix_end_is_etcds() -> None:
    assert prefix_end(b"/app/") == b"/app0"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff\xff") is None


def test_a_key_value_refuses_what_it_is_not() -> None:
    with pytest.raises(DecodeError):
        decode_key_value(b"\x0a\x01k\x12\x01x")  # create_revision as a string
    with pytest.raises(DecodeError):
        decode_key_value(b"\x0a\x05abc")  # cut short
    assert decode_key_value(b"\x0a\x01k") == KeyValue(b"k")  # a tombstone holds only its key


def recorded_values() -> list[bytes]:
    """Every value of the fixture's ``key`` bucket, as etcd's marshaller wrote it."""
    with reading(str(DB)) as db:
        return [value for _, value in EtcdStore(db)._entries(b"key")]


@settings(max_examples=300)
@given(st.data())
def test_the_key_value_read_by_tags_is_the_general_decoders(data: st.DataObject) -> None:
    """The fast reader (one-byte tags, no fields made) answers as the general decoder
    does, on etcd's own values and on those values cut short, grown or with a byte
    changed; where it is not sure, the general decoder answers, or says what is wrong."""
    values = recorded_values()
    value = bytearray(data.draw(st.sampled_from(values)))
    change = data.draw(st.sampled_from(["none", "cut", "byte", "append"]))
    if change == "cut":
        del value[data.draw(st.integers(0, len(value))) :]
    elif change == "byte" and value:
        value[data.draw(st.integers(0, len(value) - 1))] = data.draw(st.integers(0, 255))
    elif change == "append":
        value += data.draw(st.binary(max_size=12))
    fast = etcd_kv._key_value_by_tags(bytes(value))
    try:
        general = key_value_of_fields(bytes(value))
    except DecodeError:
        assert fast is None
        with pytest.raises(DecodeError):
            decode_key_value(bytes(value))
        return
    assert fast in (None, general)
    assert decode_key_value(bytes(value)) == general


def test_the_fast_reader_reads_every_recorded_value() -> None:
    for value in recorded_values():
        assert etcd_kv._key_value_by_tags(value) == key_value_of_fields(value)


def test_the_index_keeps_where_values_are_not_the_values(store: EtcdStore) -> None:
    """Each record of the index holds its KeyValue without the value, and reads the value
    from the file when asked: the same KeyValue as decoding the bucket's own entry."""
    entries = dict(store._entries(b"key"))
    records = [record for history in store.history_index.values() for record in history]
    assert len(records) == len(entries)
    for record in records:
        assert record.load is not None and record.head.value == b""
        assert record.kv == decode_key_value(entries[revision_key(record.revision.main,
                                             record.revision.sub) + b"t" * record.tombstone])  # fmt: skip


def test_a_value_read_after_a_writer_reused_its_page_is_refused(tmp_path: Path) -> None:
    """The index keeps where each value is; read later, the KeyValue there must still be
    the one indexed, or the read is refused in a sentence (never another key's bytes)."""
    copy = tmp_path / "db"
    shutil.copyfile(DB, copy)
    with BoltFile.open(str(copy), snapshot=False) as db:
        store = EtcdStore(db)
        record = store.history_index[b"/app/config"][-1]
        assert record.kv.value  # read from the file, as indexed
        load = record.load
        assert isinstance(load, ValueAt)
        with open(copy, "r+b") as writer:  # a writer puts another key's revision there
            writer.seek(load.at + 2)  # tag, length, then the key's first byte
            writer.write(b"X")
        with pytest.raises(BoltviewError, match="no longer where it was read"):
            _ = record.kv


def test_lease_ids_are_printed_as_etcdctl_prints_them() -> None:
    assert lease_hex(0x694D8A1F2C3B4D5E) == "694d8a1f2c3b4d5e"
    assert lease_hex(-1) == "ffffffffffffffff"
    assert lease_hex(1) == "0000000000000001"


# -- against etcdctl -----------------------------------------------------------------------


def test_get_prefix_all_is_etcdctls(store: EtcdStore) -> None:
    answer = expected("get-all.json")
    mine = store.get(b"", prefix=True)
    assert mine.revision == answer["header"]["revision"]
    assert [kv_as_etcdctl(kv) for kv in mine.kvs] == answer["kvs"]
    assert len(mine.kvs) == answer["count"]


def test_every_key_at_every_revision_is_etcdctls(store: EtcdStore) -> None:
    answers = get_rev_answers()
    assert len(answers) > 300
    outcomes = set()
    for answer in answers:
        key, rev = answer["key"].encode(), answer["rev"]
        where = f"{answer['key']} --rev {rev}"
        if answer["rc"] != 0:
            error = answer["stderr"].splitlines()[-1]
            with pytest.raises(RevisionError) as raised:
                store.get(key, rev)
            word = "compacted" if "compacted" in error else "future"
            assert word in error and word in str(raised.value), where
            outcomes.add(word)
            continue
        document = json.loads(answer["stdout"])
        mine = store.get(key, rev)
        assert mine.revision == document["header"]["revision"], where
        assert [kv_as_etcdctl(kv) for kv in mine.kvs] == document.get("kvs", []), where
        outcomes.add("found" if mine.kvs else "absent")
    assert outcomes == {"compacted", "future", "found", "absent"}


@pytest.mark.parametrize("prefix", ["app", "registry", "session"])
def test_get_prefix_at_a_revision_is_etcdctls(store: EtcdStore, prefix: str) -> None:
    files = sorted(EXPECTED.glob(f"get-prefix-{prefix}-*.json"))
    assert len(files) == 2
    for path in files:
        rev = int(path.stem.rsplit("-", 1)[1])
        answer = json.loads(path.read_text())
        mine = store.get(f"/{prefix}/".encode(), rev, prefix=True)
        assert [kv_as_etcdctl(kv) for kv in mine.kvs] == answer.get("kvs", []), path.name


def test_history_holds_what_etcdctl_answered_at_each_revision(store: EtcdStore) -> None:
    answered = {(a["key"], a["rev"]): a for a in get_rev_answers()}
    compacted = int((EXPECTED / "compacted-revision").read_text())
    assert store.compacted_revision == compacted
    tombstones = 0
    for key in {key for key, _ in answered}:
        for record in store.history(key.encode()):
            rev = record.revision.main
            answer = answered[(key, rev)]
            if rev < compacted:  # kept by the compaction, but etcd no longer answers there
                assert answer["rc"] != 0 and "compacted" in answer["stderr"]
                continue
            kvs = json.loads(answer["stdout"]).get("kvs", [])
            if record.tombstone:
                tombstones += 1
                assert kvs == [], f"{key} deleted at {rev}"
            else:
                assert kvs == [kv_as_etcdctl(record.kv)], f"{key} at {rev}"
    assert tombstones >= 2


def test_a_transaction_writes_sub_revisions(store: EtcdStore) -> None:
    subs = {r.revision.sub for records in store.history_index.values() for r in records}
    assert {0, 1, 2} <= subs


def test_endpoint_status_revision(store: EtcdStore) -> None:
    (status,) = expected("endpoint-status.json")
    assert store.current_revision == status["Status"]["header"]["revision"]
    assert store.cluster() == {
        "clusterVersion": status["Status"]["version"].rsplit(".", 1)[0] + ".0"
    }


def test_leases_and_their_keys_are_etcdctls(store: EtcdStore) -> None:
    listed = {lease["id"] for lease in expected("lease-list.json")["leases"]}
    leases = {lease.id: lease for lease in store.leases()}
    assert set(leases) == listed
    for lease_id in listed:
        answer = expected(f"lease-{lease_hex(lease_id)}.json")
        lease = leases[lease_id]
        assert lease.ttl == answer["granted-ttl"]
        keys = [base64.b64decode(k) for k in answer["keys"] or []]
        assert sorted(lease.keys) == sorted(keys)


def test_members_are_etcdctls(store: EtcdStore) -> None:
    (member,) = expected("member-list.json")["members"]
    (mine,) = store.members()
    assert mine["id"] == f"{member['ID']:x}"
    attributes = mine["attributes"]
    assert isinstance(attributes, dict)
    assert attributes["peerURLs"] == member["peerURLs"]
    assert attributes["name"] == member["name"]
    assert store.members(removed=True) == []
    assert store.alarms() == [] and expected("alarm-list.json") == {}


def test_auth_users_and_roles_are_etcdctls(store: EtcdStore) -> None:
    auth = store.auth()
    assert auth["enabled"] is True
    users = {user["name"]: user for user in auth["users"]}  # type: ignore[index,union-attr]
    assert users["alice"]["roles"] == expected("user-alice.json")["roles"]
    assert users["root"]["roles"] == ["root"]
    password = users["alice"]["password"]
    assert password["scheme"].startswith("bcrypt") and "hash" not in password
    bcrypt = re.compile(r"\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}")
    assert bcrypt.search(json.dumps(auth)) is None  # the hash itself is never shown
    stored = dict(store._entries(b"authUsers"))[b"alice"]
    assert bcrypt.search(stored.decode("latin-1"))  # though the file holds it
    roles = {role["name"]: role for role in auth["roles"]}  # type: ignore[index,union-attr]
    names = {0: "READ", 1: "WRITE", 2: "READWRITE"}
    want = [
        {
            "permType": names[perm.get("permType", 0)],
            "key": base64.b64decode(perm["key"]).decode(),
            **(
                {"range_end": base64.b64decode(perm["range_end"]).decode()}
                if "range_end" in perm
                else {}
            ),
        }
        for perm in expected("role-app-reader.json")["perm"]
    ]
    assert roles["app-reader"]["keyPermission"] == want


def test_meta_bucket(store: EtcdStore) -> None:
    meta = store.meta
    compacted = int((EXPECTED / "compacted-revision").read_text())
    assert meta.finished_compact_revision == meta.scheduled_compact_revision == compacted
    assert meta.consistent_index is not None and meta.consistent_index > store.current_revision
    assert store.problems == []


def test_children_make_a_tree_by_slash(store: EtcdStore) -> None:
    top = {path: count for path, count, _ in store.children()}
    assert top[b"/"] == sum(1 for kv in store.get(b"/", prefix=True).kvs)
    assert b"foo" in top
    app = {path: kv for path, _, kv in store.children(b"/app/")}
    assert set(app) == {b"/app/config"}


# -- the command line ------------------------------------------------------------------------


def test_cli_get_json_is_etcdctls() -> None:
    result = run("etcd", "get", DB, "", "--prefix", "-w", "json")
    assert result.returncode == 0, result.stderr
    mine = json.loads(result.stdout)
    answer = expected("get-all.json")
    assert mine["header"]["revision"] == answer["header"]["revision"]
    assert mine["kvs"] == answer["kvs"] and mine["count"] == answer["count"]


def test_cli_get_at_a_revision_and_simple() -> None:
    for answer in get_rev_answers():
        if answer["key"] == "foo" and answer["rc"] == 0 and answer["stdout"].count('"kvs"'):
            break
    result = run("etcd", "get", DB, "foo", "--rev", str(answer["rev"]), "-w", "json")
    assert json.loads(result.stdout)["kvs"] == json.loads(answer["stdout"])["kvs"]
    simple = run("etcd", "get", DB, "/bin/value").stdout.splitlines()
    assert simple[0] == "/bin/value"
    assert "\\x00" in simple[1] and "\x00" not in simple[1]  # binary escaped, not printed


def test_cli_refuses_a_compacted_revision_in_one_line() -> None:
    compacted = int((EXPECTED / "compacted-revision").read_text())
    result = run("etcd", "get", DB, "foo", "--rev", str(compacted - 1))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "compacted" in result.stderr
    future = run("etcd", "get", DB, "foo", "--rev", "100000")
    assert future.returncode == 2 and "future revision" in future.stderr


def test_cli_refuses_a_bolt_file_that_is_not_etcd() -> None:
    result = run("etcd", "get", BOLT_FIXTURES / "basic.db", "foo")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not an etcd database" in result.stderr
    missing = run("etcd", "ls", FIXTURE / "no-such-file")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1


def test_cli_history_shows_deletes() -> None:
    result = run("etcd", "history", DB, "foo", "--json")
    document = json.loads(result.stdout)
    assert [r["tombstone"] for r in document["revisions"]].count(True) == 1
    text = run("etcd", "history", DB, "foo").stdout
    assert "DELETE" in text and "PUT" in text


def test_cli_ls_and_info() -> None:
    lines = run("etcd", "ls", DB, "/registry/").stdout.splitlines()
    assert any(line.startswith("/registry/pods/") for line in lines)
    info = json.loads(run("etcd", "info", DB).stdout)
    assert info["leases"] and all(len(lease["id"]) == 16 for lease in info["leases"])
    assert info["problems"] == []


# -- damage ----------------------------------------------------------------------------------


def test_a_damaged_value_is_a_problem_not_a_stop(tmp_path: Path) -> None:
    data = bytearray(DB.read_bytes())
    at = data.find(b"\x2a\x09bar-again")  # foo's value field, in etcd's own page
    assert at > 0
    data[at] = 0x2F  # wire type 7: no protobuf has it
    damaged = tmp_path / "db"
    damaged.write_bytes(bytes(data))
    with reading(str(damaged)) as db:
        store = EtcdStore(db)
        assert store.get(b"foo").kvs == []  # the put at {10, 0} cannot be read
        assert len(store.problems) == 1 and "key bucket" in store.problems[0]
        assert store.get(b"/app/config").kvs  # the rest can
    result = run("etcd", "info", damaged)
    assert result.returncode == 1 and json.loads(result.stdout)["problems"]
    get = run("etcd", "get", damaged, "foo")
    assert get.returncode == 1 and get.stderr.startswith("boltview: warning: key bucket")


def test_a_damaged_page_of_the_key_bucket_loses_only_its_revisions(tmp_path: Path) -> None:
    """A leaf page that cannot be read is a problem that names it; the revisions on the
    key bucket's other pages are all read (a walk that stopped there would lose them)."""
    with reading(str(DB)) as db:
        bucket = db.bucket(b"key")
        leaves = [page for page, _ in bucket.pages() if page.is_leaf]
        assert len(leaves) >= 3
        damaged_page = leaves[1]
        lost = {data[ks:ke] for data in [damaged_page.data]
                for _, ks, ke, _, _ in damaged_page.leaf_records()}  # fmt: skip
        intact = EtcdStore(db)
        every = [(r.revision, r.tombstone, r.kv) for r in intact.records()]
        page_size = db.page_size
    data = bytearray(DB.read_bytes())
    header = corrupt.read_elements(bytes(data), damaged_page.pgid, leaf=True)
    header.header.id += 1  # the header names another page: a torn write, or a wrong pointer
    corrupt.write_elements(data, damaged_page.pgid, True, header)
    assert data[damaged_page.pgid * page_size] != DB.read_bytes()[damaged_page.pgid * page_size]
    damaged = tmp_path / "db"
    damaged.write_bytes(bytes(data))
    with reading(str(damaged)) as db:
        store = EtcdStore(db)
        kept = [(r.revision, r.tombstone, r.kv) for r in store.records()]
        assert [r for r in every if revision_key(r[0].main, r[0].sub) not in lost
                and revision_key(r[0].main, r[0].sub) + b"t" not in lost] == kept  # fmt: skip
        assert 0 < len(every) - len(kept) == len(lost)
        assert len(store.problems) == 1
        assert f"page {damaged_page.pgid}" in store.problems[0]
        assert "key bucket" in store.problems[0]


# -- read-only ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "verb",
    [
        ["etcd", "get", "{db}", "", "--prefix", "-w", "json"],
        ["etcd", "history", "{db}", "foo"],
        ["etcd", "ls", "{db}", "/registry/"],
        ["etcd", "info", "{db}"],
        ["k8s", "ls", "{db}", "pods"],
    ],
    ids=" ".join,
)
def test_etcd_verbs_never_write_lock_or_create(verb: list[str], tmp_path: Path) -> None:
    from tests.test_strace import Case, run_traced, strace

    strace()
    traces, result = run_traced(Case(DB, verb), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [line for trace in traces for line in trace.db_opens], "the file was never opened"
    assert not [v for trace in traces for v in trace.violations]


# -- a saved snapshot --------------------------------------------------------------------------

SNAPSHOT = FIXTURE / "snapshot.db"


def test_a_saved_snapshot_has_its_sha256_checked(tmp_path: Path) -> None:
    import hashlib

    data = SNAPSHOT.read_bytes()
    assert len(data) % 512 == 32
    with reading(str(SNAPSHOT)) as db:
        snap = EtcdStore(db)
        found = snap.snapshot_hash()
        assert found is not None and found.ok
        assert found.computed == hashlib.sha256(data[:-32]).hexdigest()
        # The same key space as the backend it was saved from.
        assert snap.get(b"", prefix=True) == EtcdStore(db).get(b"", prefix=True)
        with reading(str(DB)) as backend:
            assert snap.get(b"", prefix=True) == EtcdStore(backend).get(b"", prefix=True)
            assert EtcdStore(backend).snapshot_hash() is None  # no trailer on a backend
    damaged = tmp_path / "snapshot.db"
    damaged.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    result = run("etcd", "info", damaged)
    assert result.returncode == 1 and "sha256 mismatch" in result.stderr
    assert json.loads(result.stdout)["snapshot_sha256"]["ok"] is False
    assert json.loads(run("etcd", "info", SNAPSHOT).stdout)["snapshot_sha256"]["ok"] is True


def test_no_value_in_etcds_file_is_called_a_protobuf_any() -> None:
    from boltview.values.hints import hint_for
    from boltview.values.recognize import recognize

    kinds = set()
    with reading(str(DB)) as db:
        for bucket in db.root.buckets():
            for entry in bucket.entries():
                kind = recognize(entry.value, hint_for(entry.key)).kind
                assert kind != "any", (bucket.name, entry.key)
                kinds.add((bucket.name, kind))
    assert (b"key", "protobuf") in kinds  # KeyValues: a message read without a schema
