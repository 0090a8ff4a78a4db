"""The browser's pure parts: value readings, key labels, windows, raw path -> object."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from boltview.bolt.cursor import window_after, window_at, window_before
from boltview.bolt.file import BoltFile
from boltview.containerd.encoding import encode_varint
from boltview.containerd.model import ObjectRef
from boltview.tui.model import object_at
from boltview.tui.search import Matcher
from boltview.tui.values import age, key_text, read_value

ROOT = Path(__file__).resolve().parent.parent
BASIC = ROOT / "fixtures" / "bolt" / "basic.db"

# 2024-05-06T07:08:09.123456789Z as Go's time.MarshalBinary writes it (version 1, UTC).
GO_TIME = bytes.fromhex("010000000eddca78d9075bcd15ffff")


def test_readings() -> None:
    assert read_value(b"").kind == "empty"
    created = read_value(GO_TIME, b"createdat")
    assert created.kind == "time"
    assert created.summary == "2024-05-06T07:08:09.123456789Z"
    assert created.when == datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert read_value(encode_varint(-3), b"size").decoded == -3
    assert read_value(encode_varint(3), b"version").summary == "varint 3"
    assert read_value(b'{"a": [1, 2]}').kind == "json"
    assert read_value(b"hello world").kind == "text"
    assert read_value(b"\x00\x00\x00\x00\x00\x00\x01\x00").facts[0] == ("big-endian", "256")
    any_spec = b"\n\x1acontainerd.runc.v1.Options\x12\x10\x32\x0e/usr/sbin/runc"
    reading = read_value(any_spec, b"options")
    assert reading.kind == "any"
    assert reading.decoded == {"binary_name": "/usr/sbin/runc"}
    # A time key whose value is not a time says so, it does not guess.
    bad = read_value(b"\x07nonsense", b"createdat")
    assert bad.kind == "binary" and bad.note and "Go time" in bad.note


def test_readings_never_raise_and_escape() -> None:
    generator = random.Random(4)
    for _ in range(2000):
        data = bytes(generator.randrange(256) for _ in range(generator.randrange(40)))
        for key in (b"", b"createdat", b"size", b"spec", b"id"):
            reading = read_value(data, key)
            for text in (reading.summary, *(v for _, v in reading.facts)):
                assert text.isprintable(), (data, key, text)


def test_key_labels() -> None:
    assert key_text(b"plain").plain == "plain"
    hostile = key_text(b"\x1b]0;pwned\x07")
    assert hostile.plain == "\\x1b]0;pwned\\x07"
    assert hostile.plain.isprintable()
    assert key_text(b" ").plain == '" "'
    assert key_text(b"\x00\x00\x00\x00\x00\x00\x01\x00").plain == "0x0000000000000100 =256"
    assert key_text(b"\xff\xfe").plain == "0xfffe"
    assert key_text(b"x" * 200, limit=20).plain.endswith("…")


def test_age() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert age(datetime(2029, 12, 29, tzinfo=UTC), now) == "3 days ago"
    assert age(datetime(2030, 1, 1, 2, tzinfo=UTC), now) == "in 2 hours"
    assert age(now, now) == "just now"


def test_windows_agree_with_the_cursor() -> None:
    with BoltFile.open(str(BASIC)) as db:
        bucket = db.bucket(b"many")
        keys = [entry.key for entry in bucket.entries()]
        generator = random.Random(9)
        for _ in range(100):
            pivot = generator.choice([*keys, b"", b"key-00500x", b"zzz"])
            size = generator.randrange(1, 300)
            before = window_before(bucket, pivot, size)
            smaller = [k for k in keys if k < pivot]
            assert [e.key for e in before.entries] == smaller[-size:]
            assert before.more_before == (len(smaller) > size)
            after = window_after(bucket, pivot, size)
            larger = [k for k in keys if k > pivot]
            assert [e.key for e in after.entries] == larger[:size]
            assert after.more_after == (len(larger) > size)
            at = window_at(bucket, pivot, size)
            assert [e.key for e in at.entries] == [k for k in keys if k >= pivot][:size]
            assert at.more_before == bool(smaller)
        last = window_before(bucket, None, 5)
        assert [e.key for e in last.entries] == keys[-5:]


@pytest.mark.parametrize(
    ("path", "ref"),
    [
        ((b"v1", b"default"), ObjectRef("namespace", "default", "default")),
        ((b"v1", b"default", b"labels"), ObjectRef("namespace", "default", "default")),
        (
            (b"v1", b"default", b"containers", b"web-1", b"labels"),
            ObjectRef("container", "default", "web-1"),
        ),
        (
            (b"v1", b"ns", b"snapshots", b"overlayfs", b"k"),
            ObjectRef("snapshot", "ns", "k", "overlayfs"),
        ),
        (
            (b"v1", b"ns", b"content", b"blob", b"sha256:ab"),
            ObjectRef("content", "ns", "sha256:ab"),
        ),
        ((b"v1", b"ns", b"content", b"ingests", b"r"), ObjectRef("ingest", "ns", "r")),
        ((b"v1", b"ns", b"leases", b"l", b"content"), ObjectRef("lease", "ns", "l")),
        ((b"v1", b"ns", b"sandboxes", b"s"), ObjectRef("sandbox", "ns", "s")),
        ((b"ns", b"sandboxes", b"s"), ObjectRef("sandbox", "ns", "s")),
        ((b"v1",), None),
        ((b"v1", b"ns", b"containers"), ObjectRef("namespace", "ns", "ns")),
        ((b"other",), None),
    ],
)
def test_raw_path_to_object(path: tuple[bytes, ...], ref: ObjectRef | None) -> None:
    assert object_at(path) == ref


def test_matcher() -> None:
    assert Matcher("ABC").find(b"xxabcxx") == 2
    assert Matcher("0xff00").find(b"a\xff\x00") == 1
    assert Matcher("nothing").find(b"abc") == -1
