"""The raw verbs, as a user runs them: output, JSON, exit codes."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BOLT_FIXTURES, ROOT, golden

BASIC = BOLT_FIXTURES / "basic.db"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(
        [sys.executable, "-m", "boltview", *map(str, args)], capture_output=True, timeout=60, check=False
    )
    if check:
        assert result.returncode == 0, result.stderr.decode()
    return result


def test_dump_base64_is_bbolts_dump() -> None:
    assert json.loads(run("dump", BASIC, "--encoding", "base64").stdout) == golden("basic", "dump")


def test_dump_of_a_nested_bucket_by_separate_names() -> None:
    tree = golden("deletes", "dump")
    name = next(k for k, v in tree.items() if isinstance(v, dict))
    out = run("dump", BOLT_FIXTURES / "deletes.db", base64.b64decode(name).decode(),
              "--encoding", "base64").stdout  # fmt: skip
    assert json.loads(out) == tree[name]


@pytest.mark.parametrize("encoding", ["text", "hex"])
def test_dump_other_encodings_are_valid_json(encoding: str) -> None:
    tree = json.loads(run("dump", BASIC, "--encoding", encoding).stdout)
    assert len(tree) == len(golden("basic", "dump"))


def test_binary_bucket_names_are_reachable_as_hex() -> None:
    tree = golden("basic", "dump")
    binary = [base64.b64decode(k) for k, v in tree.items()
              if isinstance(v, dict) and not base64.b64decode(k).isascii()]  # fmt: skip
    assert binary, "basic.db has a binary bucket name"
    out = run("dump", BASIC, "0x" + binary[0].hex(), "--encoding", "base64").stdout
    assert json.loads(out) == tree[base64.b64encode(binary[0]).decode()]


def test_keys_json_and_get_raw_agree_with_bbolt() -> None:
    tree = golden("basic", "dump")
    name = next(k for k, v in tree.items()
                if isinstance(v, dict) and any(isinstance(x, str) for x in v.values()))  # fmt: skip
    bucket = "0x" + base64.b64decode(name).hex()
    listed = json.loads(run("keys", BASIC, bucket, "--json").stdout)
    assert [item["key_base64"] for item in listed] == list(tree[name])
    key, value = next((k, v) for k, v in tree[name].items() if isinstance(v, str))
    key_arg = "0x" + base64.b64decode(key).hex()
    raw = run("get", BASIC, bucket, key_arg, "--format", "raw").stdout
    assert raw == base64.b64decode(value)
    assert run("get", BASIC, bucket, key_arg, "--format", "base64").stdout.decode().strip() == value


def test_no_control_characters_reach_the_terminal() -> None:
    """basic.db holds keys with control bytes and escape sequences; none is printed raw."""
    tree = golden("basic", "dump")
    for name, value in tree.items():
        if not isinstance(value, dict):
            continue
        arg = "0x" + base64.b64decode(name).hex()
        for verb in (["keys", "-l"], ["keys"], ["buckets"]):
            out = run(verb[0], BASIC, arg, *verb[1:]).stdout.decode("utf-8", "replace")
            assert not CONTROL.search(out), (verb, out[:200])


def test_info_json() -> None:
    info = json.loads(run("info", BASIC, "--json").stdout)
    theirs = golden("basic", "info")
    assert info["txid"] == theirs["txid"]
    assert info["page_size"] == theirs["page_size"]
    assert info["active_meta"] == theirs["meta_page"]
    assert [m["txid"] for m in info["metas"]] == [m["txid"] for m in theirs["metas"]]
    assert len(info["sha256"]) == 64


def test_pages_json_marks_free_pages_as_bbolt() -> None:
    rows = json.loads(run("pages", BOLT_FIXTURES / "deletes.db", "--json").stdout)
    theirs = {p["id"]: p["type"] for p in golden("deletes", "info")["pages"]}
    assert {r["id"]: "free" if r["free"] else r["type"] for r in rows} == theirs


def test_stats_json_matches_bbolt() -> None:
    stats = json.loads(run("stats", BOLT_FIXTURES / "deletes.db", "--json").stdout)["stats"]
    theirs = golden("deletes", "info")["stats"]
    assert stats["key_n"] == theirs["KeyN"]
    assert stats["leaf_inuse"] == theirs["LeafInuse"]
    assert stats["depth"] == theirs["Depth"]


def test_page_shows_elements_and_hex() -> None:
    out = run("page", BASIC, "0").stdout.decode()
    assert "meta" in out and "txid=" in out and "00000000  " in out
    doc = json.loads(run("page", BOLT_FIXTURES / "deletes.db", "5", "--json").stdout)
    assert doc["type"] in ("freelist", "leaf", "branch", "meta")


def test_check_ok_exit_0() -> None:
    result = run("check", BASIC)
    assert result.stdout.decode().strip() == "OK"


def test_usage_errors_exit_2() -> None:
    result = run("keys", BASIC, "--no-such-option", check=False)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr


def test_missing_bucket_exit_2_one_line() -> None:
    result = run("keys", BASIC, "no-such-bucket", check=False)
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1
    assert b"no-such-bucket" in result.stderr and b"does not exist" in result.stderr


def test_version() -> None:
    assert run("--version").stdout.decode().startswith("boltview, version")


# -- a closed pipe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["dump"], ["recover"], ["ls", "containers"], ["export"], ["keys", "v1"], ["info"],
     ["inspect", "c", "web-1", "-n", "default"]],
    ids=lambda args: args[0],
)  # fmt: skip
def test_a_closed_pipe_exits_0_quietly(args: list[str]) -> None:
    """``boltview VERB F | head``: the reader is gone before the first write (no race)."""
    meta = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "boltview", args[0], str(meta), *args[1:]],
            stdout=write, stderr=subprocess.PIPE, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert (result.returncode, result.stderr.decode()) == (0, "")


def test_tables_into_a_pipe_take_their_natural_width() -> None:
    """``recover | head``: no cell squeezed or folded to 80 columns; the summary counts the rows."""
    meta = ROOT / "fixtures" / "containerd" / "v17" / "meta.db"
    lines = run("recover", meta).stdout.decode().splitlines()
    assert any(len(line) > 80 for line in lines)
    assert any("│ 32   │ free, previous-meta │" in line for line in lines)
    assert lines[4].startswith("scanned") and lines[4].endswith("previous transaction's tree")
    found = lines[5]
    assert found.startswith("found     2 records: ") and "7 more identical to live records" in found
    assert sum(line.startswith("│ older-version") for line in lines) == 2


def test_info_and_help_use_plain_words() -> None:
    assert "None" not in run("info", BASIC).stdout.decode()
    for verb in ("get", "check", "ls", "inspect", "grep", "scan", "files", "cat", "drift",
                 "export-fs", "timeline", "etcd", "k8s"):
        assert "`" not in run(verb, "--help").stdout.decode()


@pytest.mark.parametrize(
    "args", [["info"], ["info", BASIC, "--meta", "5"], ["keys", BASIC, "--no-such-option"]]
)
def test_usage_errors_are_one_line_with_a_hint(args: list[str | Path]) -> None:
    result = run(*args, check=False)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("boltview: ") and "--help" in err


def test_export_refuses_a_fifo_and_the_database_itself(tmp_path: Path) -> None:
    meta = tmp_path / "meta.db"
    meta.write_bytes((ROOT / "fixtures" / "containerd" / "v16" / "meta.db").read_bytes())
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (fifo, meta):
        result = run("export", meta, "-o", target, check=False)
        assert result.returncode == 2 and result.stderr.decode().count("\n") == 1
