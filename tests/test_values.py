"""The value recognizers: what each one claims, and what it refuses."""

from __future__ import annotations

import json
import struct

import pytest

from boltview.values import recognize as R
from boltview.values.gotime import GO_TIME_V1, GO_TIME_V2, UNIX_TO_INTERNAL, GoTimeBinary
from boltview.values.hints import hint_for
from boltview.values.varint import encode_uvarint, encode_varint


def go_time(unix_seconds: int, nanos: int = 0, version: int = 1) -> bytes:
    fields = (version, unix_seconds + UNIX_TO_INTERNAL, nanos, -1)
    return GO_TIME_V2.pack(*fields, 0) if version == 2 else GO_TIME_V1.pack(*fields)


def length_delimited(number: int, payload: bytes) -> bytes:
    return encode_uvarint(number << 3 | 2) + encode_uvarint(len(payload)) + payload


def any_bytes(type_url: str, value: bytes) -> bytes:
    return length_delimited(1, type_url.encode()) + length_delimited(2, value)


JAN_2024 = 1704067200


# -- Go time ---------------------------------------------------------------------------


def test_go_time_accepts_a_marshalled_time_of_a_plausible_year() -> None:
    for version in (1, 2):
        reading = R.go_time(go_time(JAN_2024, 5, version))
        assert reading is not None and reading.kind == "time"
        assert reading.summary == "2024-01-01T00:00:00.000000005Z"
        assert reading.when is not None and reading.when.year == 2024


def test_go_time_fast_path_agrees_with_the_construct() -> None:
    data = go_time(JAN_2024, 7)
    parsed = GoTimeBinary.parse(data)
    assert GO_TIME_V1.unpack(data) == (
        parsed.version,
        parsed.seconds,
        parsed.nanos,
        parsed.offset_minutes,
    )


@pytest.mark.parametrize(
    "value",
    [
        go_time(JAN_2024)[:-1],  # 14 bytes
        go_time(JAN_2024) + b"\x00\x00",  # 17 bytes
        b"\x03" + go_time(JAN_2024)[1:],  # version 3
        go_time(-2_100_000_000),  # 1903: a time, but not a plausible one unasked
        go_time(JAN_2024 * 5),  # 2240
        struct.pack(">BqihB", 1, JAN_2024, 1_000_000_000, -1, 0)[:15],  # nanos of a second
    ],
)
def test_go_time_refuses(value: bytes) -> None:
    assert R.go_time(value) is None


def test_an_expected_time_takes_any_year_and_says_why_it_is_not_one() -> None:
    old = R.expected_time(go_time(-2_100_000_000))
    assert old.kind == "time" and old.summary.startswith("1903-")
    bad = R.expected_time(b"\x07garbage")
    assert bad.kind == "binary" and bad.summary == "bad time"
    assert bad.note is not None and "not a Go time" in bad.note


# -- JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [b'{"a": [1, 2]}', b"  \n[1, 2, 3]", '{"é": "ü"}'.encode()])
def test_json_accepts_an_object_or_array(value: bytes) -> None:
    reading = R.json_value(value)
    assert reading is not None and reading.kind == "json"
    assert reading.decoded == json.loads(value)


@pytest.mark.parametrize(
    "value",
    [b"42", b'"a string"', b"{not json", b'{"a": 1} trailing', b'{"a": "\xff"}', b"[" * 100_000],
)
def test_json_refuses(value: bytes) -> None:
    assert R.json_value(value) is None


# -- protobuf Any ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_url",
    [
        "containerd.runc.v1.Options",
        "types.example.com/pkg.Msg",
        "type.googleapis.com/google.protobuf.Duration",
        "types.containerd.io/opencontainers/runtime-spec/1/Spec",
        "github.com/containerd/cri/pkg/store/container/Metadata",
    ],
)
def test_any_accepts_a_type_name_whose_value_decodes(type_url: str) -> None:
    value = (
        b'{"ociVersion": "1.0.2"}'
        if "/" in type_url and "." not in type_url.rsplit("/")[-1]
        else b"\x08\x01"
    )
    reading = R.protobuf_any(any_bytes(type_url, value))
    assert reading is not None and reading.kind == "any"
    assert reading.summary == "Any " + type_url.rsplit("/", 1)[-1]
    assert ("type_url", type_url) in reading.facts


@pytest.mark.parametrize(
    "type_url",
    [
        "",
        "Options",  # a bare word: not a full name
        "hello world.x",  # a space
        "host/pkg.Msg",  # a host without a dot
        "types.example.com/",  # no type name
        "types.example.com/pkg.Msg\n",  # a control character
        "1pkg.Msg",  # a name starts with a letter
        "pkg..Msg",
    ],
)
def test_any_refuses_a_type_url_that_is_not_a_type_name(type_url: str) -> None:
    assert R.protobuf_any(any_bytes(type_url, b"\x08\x01")) is None


def test_any_refuses_what_does_not_parse() -> None:
    assert R.protobuf_any(any_bytes("pkg.Msg", b"\xff\xff\xff")) is None  # the value: nothing
    assert R.protobuf_any(b"\x0a\x40pkg.Msg") is None  # the Any itself is cut short
    # Not beginning with field 1 (Go writes the type URL first): only when hinted.
    swapped = length_delimited(2, b"\x08\x01") + length_delimited(1, b"pkg.Msg")
    assert R.protobuf_any(swapped) is None
    hinted = R.recognize(swapped, R.ANY)
    assert hinted.kind == "any"


def varint_field(number: int, value: int) -> bytes:
    return encode_uvarint(number << 3) + encode_uvarint(value)


@pytest.mark.parametrize(
    "key",
    [b"/registry/pods/default/x", b"foo.bar", b"example.com/pkg.Msg", b"containerd.runc.v1.Options"],
)
def test_an_etcd_key_value_is_no_any_whatever_its_key(key: bytes) -> None:
    # mvccpb.KeyValue: key (1), create/mod revision and version (2-4), value (5), lease (6).
    kv = (
        length_delimited(1, key)
        + varint_field(2, 5)
        + varint_field(3, 7)
        + varint_field(4, 2)
        + length_delimited(5, b"hello")
        + varint_field(6, 0x694D8A1F2C3B4D5E)
    )
    assert R.protobuf_any(kv) is None
    assert R.recognize(kv).kind == "protobuf"


@pytest.mark.parametrize(
    "extra",
    [
        b"",  # nothing after the type URL: not even a value
        length_delimited(3, b"x"),  # a third field
        varint_field(2, 1),  # the value as a varint
        length_delimited(2, b"\x08\x01"),  # the value twice
        length_delimited(1, b"pkg.Other"),  # the type URL twice
    ],
)
def test_any_refuses_fields_an_any_does_not_have(extra: bytes) -> None:
    value = any_bytes("pkg.Msg", b"\x08\x01") + extra
    if extra:
        assert R.protobuf_any(value) is None
    else:
        assert R.protobuf_any(value) is not None  # the control: the bare Any is one


def test_an_any_with_an_empty_value_is_still_one() -> None:
    # Go omits an empty value (proto3), leaving the type URL alone.
    reading = R.protobuf_any(length_delimited(1, b"type.googleapis.com/google.protobuf.Empty"))
    assert reading is not None and reading.summary == "Any google.protobuf.Empty"


# -- text, u64, schemaless protobuf, varint --------------------------------------------------


def test_text_accepts_printable_utf8_only() -> None:
    reading = R.text("héllo wörld".encode())
    assert reading is not None and reading.kind == "text" and reading.summary == "héllo wörld"
    long = R.text(b"x" * 100)
    assert long is not None and len(long.summary) == R.PREVIEW and long.summary.endswith("…")
    for value in (b"tab\there", b"nul\x00", b"\xff\xfe", b"line\n"):
        assert R.text(value) is None


def test_u64_is_a_marked_guess_at_exactly_eight_bytes() -> None:
    reading = R.u64((258).to_bytes(8, "big"))
    assert reading is not None and reading.guess and reading.summary == "u64? 258"
    assert ("little-endian", str(0x0201 << 48)) in reading.facts
    assert R.u64(b"\x00" * 7) is None and R.u64(b"\x00" * 9) is None


def test_protobuf_message_needs_a_well_formed_message_with_fields() -> None:
    reading = R.protobuf_message(b"\x08\x96\x01\x12\x02hi")
    assert reading is not None and reading.guess and reading.summary == "protobuf? 2 fields"
    for value in (b"\xff", b"\x08", b"\x12\x05ab", b"\x00\x01"):
        assert R.protobuf_message(value) is None


def test_varints_are_exact() -> None:
    reading = R.varint(encode_varint(-300))
    assert reading is not None and reading.decoded == -300 and not reading.guess
    unsigned = R.uvarint(encode_uvarint(2048))
    assert unsigned is not None and unsigned.summary == "uvarint 2048"
    assert ("as a size", "2.0 KiB") in unsigned.facts
    guess = R.varint_guess(encode_varint(5))
    assert guess is not None and guess.guess and guess.summary == "varint? 5"
    assert R.varint(encode_varint(5) + b"\x00") is None  # a trailing byte
    assert R.varint(b"\x80") is None  # cut short
    assert R.varint_guess(b"\x80" * 10 + b"\x01") is None  # longer than Go's ten bytes


# -- the registry -------------------------------------------------------------------------


def test_the_registry_order() -> None:
    assert [name for name, _ in R.RECOGNIZERS] == [
        "go time", "json", "any", "text", "u64", "protobuf", "varint",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "hint", "kind"),
    [
        (b"", None, "empty"),
        (go_time(JAN_2024), None, "time"),
        (b'{"a": 1}', None, "json"),
        (any_bytes("containerd.runc.v1.Options", b"\x08\x01"), None, "any"),
        (b"hello", None, "text"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08", None, "uint64"),
        (b"\x08\x96\x01", None, "protobuf"),
        (b"\xff\x01", None, "varint"),
        (b"\xff\xfe\xfd" * 5, None, "binary"),
        # Hints ask first, and less strictly.
        (b"4", R.VARINT, "varint"),
        (b"\x04", R.UVARINT, "uvarint"),
        (go_time(-2_100_000_000), R.TIME, "time"),
        (b"not a time", R.TIME, "binary"),
        (b"hello", R.VARINT, "text"),  # a hint that does not fit falls through
    ],
)
def test_recognize(value: bytes, hint: str | None, kind: str) -> None:
    assert R.recognize(value, hint).kind == kind


def test_recognize_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(value: bytes) -> R.Reading | None:
        raise RuntimeError("boom")

    monkeypatch.setattr(R, "RECOGNIZERS", (("broken", broken),))
    reading = R.recognize(b"\x00")
    assert reading.kind == "binary" and reading.note == "decoder failed: boom"


def test_key_names_give_hints() -> None:
    assert hint_for(b"createdat") == R.TIME
    assert hint_for(b"size") == R.VARINT
    assert hint_for(b"id") == R.UVARINT
    assert hint_for(b"spec") == R.ANY
    assert hint_for(b"labels") is None


def test_pretty_json_escapes_each_line() -> None:
    assert R.pretty_json({"a": "x\x1by"}) == '{\n  "a": "x\\u001by"\n}'
    assert R.pretty_json(["\u202e"]) == '[\n  "\\u202e"\n]'
