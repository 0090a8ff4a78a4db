"""``boltview ls / inspect / export`` as a user runs them, against what ctr printed.

The v16 fixture was made by real containerd 1.6 and ctr; its expected/ holds
ctr's own output (fixtures/containerd/README.md).  Tables are compared byte
for byte where meta.db holds everything ctr shows; where ctr's column comes
from somewhere else (the content store's files, the clock), the test says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from boltview.cli import main
from boltview.containerd.listing import parse_rfc3339
from tests.conftest import BOLT_FIXTURES, ROOT, require_real

FIXTURES = ROOT / "fixtures" / "containerd"
V16 = FIXTURES / "v16"
META = V16 / "meta.db"
SNAPSHOTTER_DB = V16 / "overlayfs-metadata.db"
EXPECTED = V16 / "expected"
NAMESPACES = ["default", "empty-ns", "k8s.io", "team-a"]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""What must never reach a terminal raw: C0 and C1 controls, DEL, bidi and zero-width marks."""


@pytest.fixture(autouse=True)
def utc(in_utc: None) -> None:
    """ctr printed in UTC (TZ=UTC in make_real.sh); leases ls prints local time."""


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """boltview in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


def expected(namespace: str, name: str) -> str:
    return (EXPECTED / namespace / name).read_text()


# -- ls: exactly ctr's tables --------------------------------------------------------------


def test_ls_namespaces_is_ctrs(capsys: pytest.CaptureFixture[str]) -> None:
    assert ok(capsys, "ls", "namespaces", META) == (EXPECTED / "namespaces.txt").read_text()
    assert ok(capsys, "ls", "namespaces", META, "-q") == (EXPECTED / "namespaces.q.txt").read_text()


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_ls_containers_is_ctrs(capsys: pytest.CaptureFixture[str], namespace: str) -> None:
    assert ok(capsys, "ls", "containers", META, "-n", namespace) == expected(namespace, "containers.txt")
    quiet = ok(capsys, "ls", "containers", META, "-n", namespace, "-q")
    assert quiet == expected(namespace, "containers.q.txt")


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_ls_snapshots_is_ctrs(capsys: pytest.CaptureFixture[str], namespace: str) -> None:
    out = ok(capsys, "ls", "snapshots", META, "-n", namespace, "--snapshotter-db", SNAPSHOTTER_DB)
    assert out == expected(namespace, "snapshots.txt")


def test_ls_snapshots_without_the_snapshotter_db_says_what_it_knows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    alone = tmp_path / "meta.db"  # no snapshotter database beside it to find
    shutil.copyfile(META, alone)
    out = ok(capsys, "ls", "snapshots", alone, "-n", "default")
    rows = {line.split()[0]: line.split()[-1] for line in out.splitlines()[1:]}
    assert rows["build-committed"] == "Committed?"  # it has a child: inferred, committed
    assert rows["web-1"] == "Active?"  # a container's snapshot
    assert rows["scratch-rw"] == "-"  # only the snapshotter knows


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_ls_leases_is_ctrs(capsys: pytest.CaptureFixture[str], namespace: str) -> None:
    assert ok(capsys, "ls", "leases", META, "-n", namespace) == expected(namespace, "leases.txt")
    assert ok(capsys, "ls", "leases", META, "-n", namespace, "-q") == expected(namespace, "leases.q.txt")


def columns(header: str, line: str) -> dict[str, str]:
    """A fixed-width table row cut where the header's column names start."""
    starts = [m.start() for m in re.finditer(r"(?<!\S)\S", header)]
    names = [header[a:b].strip() for a, b in zip(starts, [*starts[1:], None])]
    return {name: line[a:b].strip() for name, a, b in zip(names, starts, [*starts[1:], None])}


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_ls_images_matches_ctr_but_platforms(capsys: pytest.CaptureFixture[str], namespace: str) -> None:
    """SIZE comes from the blob sizes and gc labels in meta.db; PLATFORMS needs the blobs."""
    ours = ok(capsys, "ls", "images", META, "-n", namespace).splitlines()
    theirs = expected(namespace, "images.txt").splitlines()
    assert len(ours) == len(theirs)
    for mine, ctr in zip(ours[1:], theirs[1:]):
        got, want = columns(ours[0], mine), columns(theirs[0], ctr)
        assert got["PLATFORMS"] == "-"
        del got["PLATFORMS"], want["PLATFORMS"]
        assert got == want


@pytest.fixture(scope="module")
def content_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The content store's blobs, rebuilt by fixtures/containerd/build_oci.py.

    build_oci.py is deterministic; the blobs it writes are the ones containerd
    imported exactly when their digests are the ones meta.db records.
    """
    busybox = Path("/bin/busybox")
    require_real([] if busybox.exists() else ["/bin/busybox (busybox-static)"], "rebuilding the images")
    work = tmp_path_factory.mktemp("oci")
    subprocess.run([sys.executable, str(FIXTURES / "build_oci.py"), str(work), str(busybox)],
                   check=True, capture_output=True)  # fmt: skip
    recorded = json.loads((EXPECTED / "oci_images.json").read_text())
    rebuilt = json.loads((work / "images.json").read_text())
    if rebuilt["busybox"]["manifest"] != recorded["busybox"]["manifest"]:
        require_real(["the busybox-static the fixture was made with (this one differs)"],
                     "rebuilding the fixture's blobs")  # fmt: skip
    root = work / "content"
    (root / "blobs" / "sha256").mkdir(parents=True)
    for tarball in work.glob("*.tar"):
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.startswith("blobs/sha256/"):
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
                    name = member.name.rsplit("/", 1)[1]
                    assert hashlib.sha256(data).hexdigest() == name
                    (root / "blobs" / "sha256" / name).write_bytes(data)
    return root


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_ls_images_with_the_content_store_is_ctrs(
    capsys: pytest.CaptureFixture[str], namespace: str, content_root: Path
) -> None:
    if os.uname().machine not in ("x86_64", "amd64"):
        pytest.skip("ctr ran on amd64: SIZE follows the default platform")
    out = ok(capsys, "ls", "images", META, "-n", namespace, "--content-root", content_root)
    assert out == expected(namespace, "images.txt")


def newest_blob(namespace: str) -> datetime:
    """When the namespace's newest content blob was created (any time, if it has none)."""
    from boltview.bolt.file import BoltFile
    from boltview.containerd.encoding import decode_go_time
    from boltview.errors import NotFoundError

    with BoltFile.open(str(META)) as db:
        try:
            blobs = db.bucket(b"v1", namespace.encode(), b"content", b"blob")
        except NotFoundError:
            return datetime(2026, 1, 1, tzinfo=UTC)  # no content: AGE has no rows to fill
        return max(
            decode_go_time(blobs.bucket(entry.key).get(b"createdat") or b"").to_datetime()
            for entry in blobs.entries()
            if entry.is_bucket
        )


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_ls_content_matches_ctr_but_age(capsys: pytest.CaptureFixture[str], namespace: str) -> None:
    """ctr's AGE is relative to when it ran, and it joins labels in Go's random map order.

    The clock is set to seconds after the newest blob, as when ctr ran, so
    that the AGE column is as wide as ctr's and the padding can be compared.
    """
    now = newest_blob(namespace) + timedelta(seconds=4)
    ours = ok(capsys, "ls", "content", META, "-n", namespace, "--now",
              now.isoformat().replace("+00:00", "Z")).splitlines()  # fmt: skip
    theirs = expected(namespace, "content.txt").splitlines()
    assert ours[0] == theirs[0]  # the tab-padded header, byte for byte
    assert len(ours) == len(theirs)
    for mine, ctr in zip(ours[1:], theirs[1:]):
        digest, size, _, labels = [cell for cell in mine.split("\t") if cell]
        want = [cell for cell in ctr.split("\t") if cell]
        assert (digest, size) == (want[0], want[1])
        assert set(labels.split(",")) == set(want[3].split(","))


def test_ls_content_age_is_go_units(capsys: pytest.CaptureFixture[str]) -> None:
    info = json.loads(ok(capsys, "inspect", META, "content", "-n", "default", "--json",
                         "sha256:1a59e21d2be15691da05ee3881547e51b647909209212fa1086aedda0d44214f"))  # fmt: skip
    created = parse_rfc3339(info["CreatedAt"])
    assert created is not None
    later = datetime.fromtimestamp(created + 4.5, UTC).isoformat()
    out = ok(capsys, "ls", "content", META, "-n", "default", "--now", later)
    assert "\t4 seconds\t" in out.splitlines()[1]


def test_ls_ingests_lists_ctrs_refs(capsys: pytest.CaptureFixture[str]) -> None:
    """ctr's SIZE and AGE come from the content store's ingest files, not meta.db."""
    ours = ok(capsys, "ls", "ingests", META, "-n", "default").splitlines()
    theirs = expected("default", "ingests.txt").splitlines()
    assert ours[0].split("\t")[:4] == ["REF", "", "SIZE", "AGE"]
    assert sorted(line.split("\t")[0] for line in ours[1:]) == sorted(
        line.split("\t")[0] for line in theirs[1:]
    )


def test_ls_all_namespaces_puts_the_namespace_first(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "ls", "containers", META).splitlines()
    assert out[0].split()[:2] == ["NAMESPACE", "CONTAINER"]
    rows = [line.split()[:2] for line in out[1:]]
    want = [[ns, cid] for ns in NAMESPACES for cid in expected(ns, "containers.q.txt").split()]
    assert rows == want


def test_ls_json(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(ok(capsys, "ls", "containers", META, "--json"))
    assert [(c["Namespace"], c["ID"]) for c in doc] == [
        (ns, cid) for ns in NAMESPACES for cid in expected(ns, "containers.q.txt").split()
    ]
    web = next(c for c in doc if c["ID"] == "web-1")
    ctr = json.loads(expected("default", "containers/web-1.json"))
    assert {k: web[k] for k in ctr} == ctr


def test_ls_pods(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "ls", "pods", META).splitlines()
    assert out[0].split()[:4] == ["POD", "ID", "NAME", "NAMESPACE"]  # pods are all in k8s.io
    assert len(out) == 2 and "web-5d9c7b8f6-x2x7q" in out[1] and "nginx" in out[1]
    doc = json.loads(ok(capsys, "ls", "pods", META, "-n", "k8s.io", "--json"))
    assert [c["Name"] for c in doc[0]["Containers"]] == ["nginx"]


def test_ls_sandboxes_of_both_layouts(capsys: pytest.CaptureFixture[str]) -> None:
    for layout, location in (("v17", "root"), ("v20", "v1")):
        out = ok(capsys, "ls", "sandboxes", FIXTURES / layout / "meta.db", "-n", "k8s.io")
        header, row = out.splitlines()
        assert header.split() == ["ID", "CREATED", "RUNTIME"]
        assert row.split()[0].startswith("9d1f0e2c")
        doc = json.loads(ok(capsys, "ls", "sandboxes", FIXTURES / layout / "meta.db", "--json"))
        assert doc[0]["boltview"]["location"] == location


def test_unknown_namespace_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ls", "containers", META, "-n", "nope")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no namespace 'nope'" in err


# -- inspect ----------------------------------------------------------------------------------


def test_inspect_container_json_with_relations(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(ok(capsys, "inspect", META, "container", "web-1", "--json",
                        "--snapshotter-db", SNAPSHOTTER_DB))  # fmt: skip
    ctr = json.loads(expected("default", "containers/web-1.json"))
    assert {k: doc[k] for k in ctr} == ctr
    assert doc["Namespace"] == "default"  # found without -n
    relations = doc["relations"]
    assert relations["image"]["exists"] and relations["image"]["name"] == ctr["Image"]
    tree = relations["image"]["content"]
    assert tree["role"] == "manifest" and tree["exists"]
    assert [c["role"] for c in tree["children"]] == ["config", "layer", "layer"]
    assert all(c["exists"] for c in tree["children"])
    assert relations["snapshot"]["exists"]
    assert relations["gc"] == {"kept": True, "root": "container", "chain": []}


def test_inspect_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "inspect", META, "snapshot", "build-committed", "--snapshotter-db", SNAPSHOTTER_DB)
    assert "snapshot build-committed  (namespace default)" in out.splitlines()[0]
    assert "Committed" in out and "relations" in out
    assert not CONTROL.search(out)


def test_inspect_reads_as_an_outline(capsys: pytest.CaptureFixture[str]) -> None:
    """Keys indented, lists as "- item": no tree glyphs, no "0:" list indices (issue 10.14)."""
    out = ok(capsys, "inspect", META, "container", "web-1", "-n", "default")
    lines = out.splitlines()
    assert lines[0] == "container web-1  (namespace default)"
    assert not re.search(r"[\u2500-\u257f]", out)  # no box drawing
    assert not any(re.match(r"\s*\d+:", line) for line in lines)
    assert "Labels:" in lines and "  tier: frontend" in lines
    assert "    args:" in lines and "      - /bin/sleep" in lines
    # relations and the gc verdict read the same way; a mapping in a list starts on its dash
    relations = lines[lines.index("relations:"):]
    assert "  gc:" in relations and "    kept: true" in relations and "    root: container" in relations
    assert any(re.fullmatch(r"        - digest: sha256:[0-9a-f]{64}", line) for line in relations)
    assert "          role: config" in relations
    assert lines[lines.index("relations:") - 1] == ""  # a section apart
    assert not CONTROL.search(out)


def test_outline_escapes_and_keeps_lists_in_lists() -> None:
    from boltview.render.outline import outline_text

    doc = {"a\x1b[2J": ["x\ny", "", [1, 2], {}], "b": {"c": None, "d": [{"e": True, "f": []}]}}
    assert outline_text(doc) == (
        "a\\x1b[2J:\n  - x\\ny\n  - \"\"\n  - - 1\n    - 2\n  - {}\n"
        "b:\n  c: null\n  d:\n    - e: true\n      f: []\n"
    )
    deep: Any = "leaf"
    for _ in range(5_000):
        deep = [deep]
    assert outline_text(deep).endswith("- leaf\n")  # no recursion


def test_inspect_says_when_a_lease_or_ingest_expired(capsys: pytest.CaptureFixture[str]) -> None:
    """ctr's ls columns stay ctr's; inspect's title says expired, with when (issue 10.12)."""
    # A clock 26 hours past the nightly lease's expiry, as ctr recorded the label.
    listing = (EXPECTED / "team-a" / "leases.txt").read_text()
    expire = re.search(r"nightly-backup .*containerd\.io/gc\.expire=(\S+?)[,\s]", listing)
    assert expire is not None
    clock = datetime.fromtimestamp(parse_rfc3339(expire.group(1)), UTC) + timedelta(hours=26)
    now = clock.strftime("%Y-%m-%dT%H:%M:%SZ")
    first = ok(capsys, "inspect", META, "lease", "nightly-backup", "--now", now).splitlines()[0]
    assert first == "lease nightly-backup  (namespace team-a)  (expired 26 hours ago)"
    first = ok(capsys, "inspect", META, "ingest", "upload-unleased", "--now", now).splitlines()[0]
    assert first.endswith("(namespace default)  (expired 2 days ago)")
    first = ok(capsys, "inspect", META, "lease", "build-cache", "--now", now).splitlines()[0]
    assert first.endswith("(expires in 3 weeks)")
    assert "expire" not in ok(capsys, "inspect", META, "lease", "pinned", "--now", now).splitlines()[0]


def test_inspect_finds_the_namespace_or_asks(capsys: pytest.CaptureFixture[str]) -> None:
    digest = "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d"
    code, _, err = run(capsys, "inspect", META, "snapshot", digest)
    assert code == 2 and "pick one with -n" in err and err.count("\n") == 1
    assert json.loads(ok(capsys, "inspect", META, "snapshot", digest, "-n", "team-a", "--json"))


# -- export -------------------------------------------------------------------------------------


def test_export_document(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "meta.json"
    assert ok(capsys, "export", META, "-o", out, "--snapshotter-db", SNAPSHOTTER_DB) == ""
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == 3
    assert list(doc["namespaces"]) == NAMESPACES
    provenance = doc["provenance"]
    assert provenance["sha256"] == hashlib.sha256(META.read_bytes()).hexdigest()
    assert provenance["size"] == META.stat().st_size
    assert provenance["path"] == str(META.resolve())
    assert provenance["meta"]["txid"] > 0 and provenance["meta"]["index"] in (0, 1)
    assert provenance["tool"] == "boltview" and provenance["read_at"].endswith("Z")
    assert provenance["snapshotter_dbs"]["overlayfs"]["sha256"] == hashlib.sha256(
        SNAPSHOTTER_DB.read_bytes()).hexdigest()  # fmt: skip
    default = doc["namespaces"]["default"]
    assert set(default) >= {"labels", "containers", "images", "snapshots", "content", "leases",
                            "sandboxes"}  # fmt: skip
    assert set(default["content"]) == {"blobs", "ingests"}
    for namespace in NAMESPACES:
        got = doc["namespaces"][namespace]
        for path in sorted((EXPECTED / namespace / "containers").glob("*.json")):
            ctr = json.loads(path.read_text())
            assert {k: got["containers"][ctr["ID"]][k] for k in ctr} == ctr
        for path in sorted((EXPECTED / namespace / "snapshots").glob("*.json")):
            ctr = json.loads(path.read_text())
            assert {k: got["snapshots"]["overlayfs"][ctr["Name"]][k] for k in ctr} == ctr
    assert len(default["content"]["blobs"]) == len(expected("default", "content.q.txt").split())


def test_export_one_namespace_to_stdout_and_indented(capsys: pytest.CaptureFixture[str]) -> None:
    compact = ok(capsys, "export", META, "-n", "team-a")
    assert compact.count("\n") == 1
    doc = json.loads(compact)
    assert list(doc["namespaces"]) == ["team-a"]
    pretty = ok(capsys, "export", META, "-n", "team-a", "--indent", "2")
    again = json.loads(pretty)
    again["provenance"]["read_at"] = doc["provenance"]["read_at"]
    assert again == doc


def test_export_refuses_to_overwrite_the_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    copy = tmp_path / "meta.db"
    shutil.copy(META, copy)
    code, _, err = run(capsys, "export", copy, "-o", copy)
    assert code == 2 and "overwrite" in err
    assert copy.read_bytes() == META.read_bytes()


# -- files that are not containerd metadata ----------------------------------------------------


VERBS = [["ls", "containers"], ["ls", "namespaces"], ["inspect", "{db}", "container", "x"],
         ["export"]]  # fmt: skip


HOSTILE = BOLT_FIXTURES / "hostile.db"
"""Terminal attacks everywhere, including in a containerd-shaped v1 tree (bboltref's genHostile)."""

PLAIN_FIXTURES = sorted(p.name for p in BOLT_FIXTURES.glob("*.db") if p != HOSTILE)


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: " ".join(v[:2]))
@pytest.mark.parametrize("fixture", PLAIN_FIXTURES)
def test_plain_bolt_file_one_line_exit_2(capsys: pytest.CaptureFixture[str], verb: list[str],
                                         fixture: str) -> None:  # fmt: skip
    db = BOLT_FIXTURES / fixture
    args = [a.replace("{db}", str(db)) for a in verb]
    if "{db}" not in " ".join(verb):
        args.append(str(db))
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert f"{db} is a plain bolt database, not containerd metadata (top-level buckets: " in err
    assert "Traceback" not in err and not CONTROL.search(err)


def test_plain_bolt_file_in_a_real_process() -> None:
    db = BOLT_FIXTURES / "basic.db"
    done = subprocess.run([sys.executable, "-m", "boltview", "ls", "containers", str(db)],
                          check=False, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "is a plain bolt database" in done.stderr


def test_snapshotter_db_given_as_the_metadata_db(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ls", "containers", SNAPSHOTTER_DB)
    assert code == 2 and err.count("\n") == 1
    assert "is a containerd snapshotter database, not containerd metadata" in err


# -- damaged and hostile values (copies of the real file, edited in place) ---------------------


def edited(tmp_path: Path, old: bytes, new: bytes) -> Path:
    """A copy of v16's meta.db with one byte string replaced by another of the same length.

    The file stays the one real bbolt wrote: same pages, same offsets; only
    the value (or key) the test is about changes.
    """
    assert len(old) == len(new)
    data = META.read_bytes()
    assert data.count(old) == 1, f"{old!r} is not unique in meta.db"
    copy = tmp_path / "meta.db"
    copy.write_bytes(data.replace(old, new))
    return copy


def test_corrupted_any_is_shown_raw_with_the_reason(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:  # fmt: skip
    # web-1's runtime options: Any{type_url, value = 0x32 0x0e "/usr/sbin/runc"}; the
    # length of the value field (0x10) now claims more bytes than there are.
    old = b"\x1acontainerd.runc.v1.Options\x12\x102\x0e/usr/sbin/runc"
    db = edited(tmp_path, old, old.replace(b"\x12\x10", b"\x12\x7f"))
    doc = json.loads(ok(capsys, "inspect", db, "container", "web-1", "--json"))
    options = doc["boltview"]["runtime_options"]
    assert options["decoded_as"] == "raw"
    assert "not a google.protobuf.Any" in options["error"]
    assert base64.b64decode(options["value_base64"]).endswith(b"/usr/sbin/runc")
    ctr = json.loads(expected("default", "containers/web-1.json"))
    for field in ("ID", "Labels", "Image", "SnapshotKey", "Snapshotter", "CreatedAt", "Spec"):
        assert doc[field] == ctr[field]  # the rest of the object still decodes
    assert json.loads(ok(capsys, "export", db))["namespaces"]["default"]["containers"]["web-1"]


def test_corrupted_spec_keeps_the_bytes_and_says_why(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:  # fmt: skip
    data = META.read_bytes()
    start = data.index(b'"/default/web-1"')  # web-1's cgroupsPath, inside its spec's JSON
    db = edited(tmp_path, data[start - 1 : start + 16], b"[" + data[start : start + 16])
    doc = json.loads(ok(capsys, "inspect", db, "container", "web-1", "--json"))
    assert "Spec" not in doc  # ctr would fail; boltview keeps going
    spec = doc["boltview"]["spec"]
    assert "expected JSON" in spec["error"]
    assert doc["Runtime"] == json.loads(expected("default", "containers/web-1.json"))["Runtime"]
    exported = json.loads(ok(capsys, "export", db, "-n", "default"))
    assert "error" in exported["namespaces"]["default"]["containers"]["web-1"]["boltview"]["spec"]


def test_unknown_keys_are_kept_and_shown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # a key this model does not know, as a newer containerd might write: web-1's
    # snapshotKey renamed in place (it still sorts where it was)
    data = META.read_bytes()
    start = data.index(b"snapshotKeyweb-1")
    db = edited(tmp_path, data[start : start + 16], b"snapshotKezweb-1")
    doc = json.loads(ok(capsys, "inspect", db, "container", "web-1", "--json"))
    assert doc["SnapshotKey"] == ""  # what containerd would read, too
    assert doc["boltview"]["unknown"] == {"snapshotKez": {"value": "web-1", "value_base64": "d2ViLTE="}}
    human = ok(capsys, "inspect", db, "container", "web-1")
    assert "snapshotKez" in human


def test_hostile_label_never_reaches_the_terminal_raw(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:  # fmt: skip
    data = META.read_bytes()
    start = data.index(b"tierfrontend")  # web-1's label tier=frontend
    db = edited(tmp_path, data[start : start + 12], b"tier\x1b[2J\x07\x9b1m")
    commands: list[list[str | Path]] = [
        ["ls", "containers", db], ["inspect", db, "container", "web-1"],
        ["ls", "containers", db, "--json"], ["export", db],
    ]  # fmt: skip
    for args in commands:
        out = ok(capsys, *args)
        assert "\x1b" not in out and "\x07" not in out, args
    doc = json.loads(ok(capsys, "inspect", db, "container", "web-1", "--json"))
    assert doc["Labels"]["tier"] == "\x1b[2J\x07\ufffd1m"  # not UTF-8: replaced, as Go does
    assert any(i["field"] == "labels/tier" for i in doc["boltview"]["issues"])


def test_snapshotter_db_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(capsys, "ls", "snapshots", META, "-n", "default",
             "--snapshotter-db", f"overlayfs={SNAPSHOTTER_DB}")  # fmt: skip
    assert out == expected("default", "snapshots.txt")


HELLO_INDEX = "sha256:3a86da54ba5a75a02c36a5828877d252ba96afcf6515738576e33f316063d469"


@pytest.mark.parametrize(("kind", "ident"), [
    ("namespace", "team-a"), ("image", "example.com/demo/hello:v1"), ("ingest", "upload-unleased"),
    ("lease", "pinned"), ("pod", "web-5d9c7b8f6-x2x7q"), ("blob", HELLO_INDEX),
])  # fmt: skip
def test_inspect_every_kind(capsys: pytest.CaptureFixture[str], kind: str, ident: str) -> None:
    doc = json.loads(ok(capsys, "inspect", META, kind, ident, "--json"))
    assert doc["Kind"] == {"blob": "content"}.get(kind, kind)
    human = ok(capsys, "inspect", META, kind, ident)
    assert ident in human.splitlines()[0] and not CONTROL.search(human)


def test_snapshotter_db_must_be_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ls", "snapshots", META, "--snapshotter-db", META)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "is not a snapshotter database (containerd-metadata)" in err


HOSTILE_RUNS = [
    ["ls", kind, HOSTILE] for kind in
    ("namespaces", "containers", "images", "snapshots", "content", "ingests", "leases", "pods")
] + [["ls", "containers", HOSTILE, "--json"], ["ls", "images", HOSTILE, "-q"], ["export", HOSTILE],
     ["inspect", HOSTILE, "image", "img\x1b[0m[red]"],
     ["inspect", HOSTILE, "container", "c[bold]1\x1b[31m"],
     ["inspect", HOSTILE, "container", "c[bold]1\x1b[31m", "--json"]]  # fmt: skip


@pytest.mark.parametrize("args", HOSTILE_RUNS, ids=lambda a: " ".join(map(str, a[:2])) + str(len(a)))
def test_hostile_containerd_data_is_escaped(capsys: pytest.CaptureFixture[str], args: list[Any]) -> None:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert not CONTROL.search(out), CONTROL.search(out)
    assert not CONTROL.search(err)
    if "--json" in args or args[0] == "export":
        json.loads(out)


def test_hostile_spec_is_decoded_and_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(ok(capsys, "export", HOSTILE))
    (container,) = [c for ns in doc["namespaces"].values() for c in ns["containers"].values()
                    if "Spec" in c]  # fmt: skip
    assert container["Spec"]["hostname"] == "\u202eevil"
    assert container["boltview"]["runtime_options"]["decoded"] == {"binary_name": "/usr/sbin/runc\x1b[2J"}


def test_get_auto_decodes_as_ctr_shows(capsys: pytest.CaptureFixture[str]) -> None:
    """`get --format auto` reads a container's fields with the browser's recognizers:
    its time, spec and runtime options come out as ctr's `containers info` printed them."""
    ctr = json.loads(expected("default", "containers/web-1.json"))
    container = ("v1", "default", "containers", "web-1")
    created = ok(capsys, "get", META, *container, "createdat").strip()
    assert parse_rfc3339(created) == parse_rfc3339(ctr["CreatedAt"])
    spec = json.loads(ok(capsys, "get", META, *container, "spec"))
    assert spec.pop("@type") == "types.containerd.io/opencontainers/runtime-spec/1/Spec"
    assert spec == ctr["Spec"]
    options = json.loads(ok(capsys, "get", META, *container, "runtime", "options"))
    assert options["@type"] == ctr["Runtime"]["Options"]["type_url"]
    assert options["binary_name"] == "/usr/sbin/runc"


# -- one grammar: FILE first, KIND in any of its spellings -------------------------------------


@pytest.mark.parametrize("kind", ["containers", "container", "c"])
def test_ls_takes_file_first_and_kind_in_ctrs_spellings(
    capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    old = ok(capsys, "ls", "containers", META, "-n", "default")
    assert ok(capsys, "ls", META, kind, "-n", "default") == old
    assert ok(capsys, "ls", kind, META, "-n", "default") == old


@pytest.mark.parametrize(
    ("spelling", "plural"),
    [("i", "images"), ("image", "images"), ("sn", "snapshots"), ("snapshot", "snapshots"),
     ("blob", "content"), ("blobs", "content"), ("ingest", "ingests"), ("lease", "leases"),
     ("ns", "namespaces"), ("namespace", "namespaces"), ("sandbox", "sandboxes"), ("pod", "pods")],
)  # fmt: skip
def test_ls_kind_short_forms(capsys: pytest.CaptureFixture[str], spelling: str, plural: str) -> None:
    assert ok(capsys, "ls", META, spelling, "--json") == ok(capsys, "ls", META, plural, "--json")


def test_inspect_takes_either_order(capsys: pytest.CaptureFixture[str]) -> None:
    document = ok(capsys, "inspect", META, "c", "web-1", "-n", "default", "--json")
    assert ok(capsys, "inspect", "container", META, "web-1", "-n", "default", "--json") == document


def test_a_typo_suggests_the_kind_or_verb(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ls", META, "contaners")
    assert (code, out) == (2, "")
    assert err == "boltview: unknown kind 'contaners': did you mean 'containers'?\n"
    code, out, err = run(capsys, "lst", META)
    assert (code, out) == (2, "")
    assert err == "boltview: no such command 'lst': did you mean 'ls'?\n"


@pytest.mark.parametrize("layout", ["v16", "v17", "v20"])
def test_ls_pods_once_with_one_namespace_column(
    capsys: pytest.CaptureFixture[str], layout: str
) -> None:
    meta = FIXTURES / layout / "meta.db"
    header, *rows = ok(capsys, "ls", meta, "pods").splitlines()
    assert header.split().count("NAMESPACE") == 1
    assert len(rows) == 1 and "(pod" not in rows[0]
    assert "(pod" not in ok(capsys, "ls", meta, "pods", "--json")


def test_ls_quiet_across_namespaces_keeps_real_tabs(capsys: pytest.CaptureFixture[str]) -> None:
    lines = ok(capsys, "ls", META, "containers", "-q").splitlines()
    assert "default\tweb-1" in lines and not any("\\t" in line for line in lines)
