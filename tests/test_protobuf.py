"""Protobuf without a schema, with a schema, and inside an Any.

Reference data comes from Go (``tests/vectors/go_encodings.json``, sections
``wire`` and ``protobuf``): messages built with protowire, containerd's own
generated option types, and Anys made by containerd's typeurl. Hand-encoded
messages below are built with the construct definitions of ``wire.py``, the
source of truth, and the fast reader is checked against them.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from construct import ConstructError, VarInt
from hypothesis import given, settings
from hypothesis import strategies as st

from boltview.errors import DecodeError
from boltview.protobuf import decode_any, decode_any_value
from boltview.protobuf.any import JSON_TYPE_URLS, is_json_type_url
from boltview.protobuf.schemas import (
    BOOL,
    BYTES,
    INT32,
    INT64,
    RUNC_OPTIONS,
    RUNTIMEOPTIONS,
    STRING,
    UINT32,
    UINT64,
    UNKNOWN_KEY,
    MessageSchema,
    decode_message,
    enum,
    lookup,
    lookup_type_url,
    message,
    registered,
    repeated,
)
from boltview.protobuf.wire import (
    MAX_GROUP_DEPTH,
    MAX_RENDER_DEPTH,
    Field,
    ProtoField,
    Varint,
    WireType,
    ZigZag64,
    decode_raw,
    decode_raw_json,
    decode_raw_reference,
    is_text,
    read_uvarint,
    to_int32,
    to_int64,
    zigzag_decode,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "go_encodings.json").read_text()
)
SPEC_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec"


def vectors(section: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in VECTORS[section]]


# --- Hand encoding, with the construct definitions -------------------------


def key(number: int, wire_type: WireType) -> int:
    return number << 3 | wire_type


def varint_field(number: int, value: int) -> bytes:
    return bytes(ProtoField.build({"tag": {"key": key(number, WireType.VARINT)}, "value": value}))


def len_field(number: int, payload: bytes) -> bytes:
    return bytes(ProtoField.build({"tag": {"key": key(number, WireType.LEN)}, "value": payload}))


def fixed_field(number: int, wire_type: WireType, value: int) -> bytes:
    return bytes(ProtoField.build({"tag": {"key": key(number, wire_type)}, "value": value}))


def group_tag(number: int, wire_type: WireType) -> bytes:
    return bytes(ProtoField.build({"tag": {"key": key(number, wire_type)}, "value": None}))


def group(number: int, body: bytes) -> bytes:
    return group_tag(number, WireType.SGROUP) + body + group_tag(number, WireType.EGROUP)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- Wire: Go's verdicts ---------------------------------------------------


@pytest.mark.parametrize("vector", vectors("wire"))
def test_wire_matches_protowire(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    if not vector["valid"]:
        for decode in (decode_raw, decode_raw_reference):
            with pytest.raises(DecodeError):
                decode(data)
        return
    fields = decode_raw(data)
    assert fields == decode_raw_reference(data)
    found = []
    for field in fields:
        value = field.value.hex() if isinstance(field.value, bytes) else str(field.value)
        found.append({"number": field.number, "wire_type": int(field.wire_type), "value": value})
    assert found == (vector.get("fields") or [])


def test_wire_vectors_cover_every_wire_type() -> None:
    every = next(v for v in VECTORS["wire"] if v["name"] == "every wire type")
    assert {f["wire_type"] for f in every["fields"]} == {0, 1, 2, 3, 5}
    assert sum(not v["valid"] for v in VECTORS["wire"]) >= 10


def test_fields_keep_offsets_and_raw_bytes() -> None:
    data = varint_field(1, 150) + len_field(2, b"hi") + group(3, varint_field(1, 1))
    fields = decode_raw(data)
    assert [f.offset for f in fields] == [0, 3, 7]
    assert b"".join(f.raw for f in fields) == data
    assert fields[2] == Field(3, WireType.SGROUP, b"\x08\x01", data[7:], 7)


# --- Wire: malformed input -------------------------------------------------

MALFORMED = {
    "truncated key": b"\x80",
    "truncated varint": b"\x08\x80",
    "length past end": b"\x0a\x05abc",
    "huge length": b"\x0a" + bytes.fromhex("ffffffffffffffff7f"),
    "truncated fixed32": b"\x0d\x00\x00",
    "truncated fixed64": b"\x09" + bytes(7),
    "field number 0": b"\x00\x00",
    "wire type 6": b"\x0e",
    "wire type 7": b"\x0f",
    "lone end group": b"\x0c",
    "unclosed group": b"\x0b\x08\x01",
    "crossed groups": b"\x0b\x13\x0c\x14",
    "eleven-byte varint": b"\x08" + b"\x80" * 10 + b"\x00",
    "64-bit overflow": b"\x08" + b"\xff" * 9 + b"\x02",
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_raises_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_raw(data)
    with pytest.raises(DecodeError):
        decode_raw_reference(data)
    with pytest.raises(DecodeError):
        decode_raw_json(data)


def test_error_messages_say_where_and_why() -> None:
    with pytest.raises(DecodeError, match="field 1 at offset 2: length 5 runs past the end"):
        decode_raw(b"\x08\x01\x0a\x05abc")
    with pytest.raises(DecodeError, match="end of group 2 at offset 1 does not match"):
        decode_raw(b"\x0b\x14")
    with pytest.raises(DecodeError, match="invalid wire type 7"):
        decode_raw(b"\x0f")


def test_group_depth_is_bounded() -> None:
    def nest(depth: int) -> bytes:
        return group_tag(1, WireType.SGROUP) * depth + group_tag(1, WireType.EGROUP) * depth

    assert len(decode_raw(nest(MAX_GROUP_DEPTH))) == 1
    with pytest.raises(DecodeError, match="nested deeper"):
        decode_raw(nest(MAX_GROUP_DEPTH + 1))


def test_pathological_input_fails_fast() -> None:
    started = time.perf_counter()
    for data in (b"\x0b" * 200_000, b"\x80" * 200_000, b"\x0a\x7f" * 100_000):
        with pytest.raises(DecodeError):
            decode_raw(data)
    assert time.perf_counter() - started < 2


# --- Wire: the fast path and construct agree -------------------------------


@given(st.binary(max_size=12))
def test_fast_varint_agrees_with_construct(data: bytes) -> None:
    try:
        expected: tuple[int, int] | None = (
            Varint.parse(data),
            len(Varint.build(Varint.parse(data))),
        )
    except ConstructError:
        expected = None
    try:
        value, end = read_uvarint(data)
    except DecodeError:
        assert expected is None
        return
    assert expected is not None and value == expected[0]
    # Varint.build writes the canonical form; the reader may have consumed padding.
    assert end >= expected[1]


@given(st.integers(0, 2**64 - 1))
def test_varint_round_trip(value: int) -> None:
    encoded = Varint.build(value)
    assert encoded == VarInt.build(value)
    assert read_uvarint(encoded) == (value, len(encoded))


@given(st.integers(-(2**63), 2**63 - 1))
def test_zigzag(value: int) -> None:
    encoded = ZigZag64.build(value)
    assert ZigZag64.parse(encoded) == value
    assert zigzag_decode(read_uvarint(encoded)[0]) == value


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_fast_reader_agrees_with_reference_on_anything(data: bytes) -> None:
    try:
        reference = decode_raw_reference(data)
    except DecodeError:
        with pytest.raises(DecodeError):
            decode_raw(data)
        return
    assert decode_raw(data) == reference


def field_strategy() -> st.SearchStrategy[bytes]:
    numbers = st.integers(1, 2**29 - 1)
    return st.one_of(
        st.builds(varint_field, numbers, st.integers(0, 2**64 - 1)),
        st.builds(len_field, numbers, st.binary(max_size=20)),
        st.builds(fixed_field, numbers, st.just(WireType.I32), st.integers(0, 2**32 - 1)),
        st.builds(fixed_field, numbers, st.just(WireType.I64), st.integers(0, 2**64 - 1)),
        st.builds(group, numbers, st.builds(varint_field, numbers, st.integers(0, 9))),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(field_strategy(), max_size=8))
def test_hand_encoded_messages_round_trip(encoded_fields: list[bytes]) -> None:
    data = b"".join(encoded_fields)
    fields = decode_raw(data)
    assert [f.raw for f in fields] == encoded_fields
    assert fields == decode_raw_reference(data)
    json.dumps(decode_raw_json(data))


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200), st.lists(field_strategy(), max_size=8))
def test_decode_raw_raises_only_decode_error(data: bytes, valid: list[bytes]) -> None:
    for decode in (decode_raw, decode_raw_json):
        try:
            decode(data)
        except DecodeError:
            pass
    # A decoder that refused everything would pass the loop above: valid messages decode.
    assert [f.raw for f in decode_raw(b"".join(valid))] == valid
    json.dumps(decode_raw_json(b"".join(valid)))


# --- Schemaless rendering --------------------------------------------------


def test_render_like_protoc_decode_raw() -> None:
    data = (
        varint_field(1, 150)
        + len_field(2, b"hello")
        + len_field(3, varint_field(1, 7) + len_field(2, b"inner"))
        + fixed_field(4, WireType.I32, 1)
        + fixed_field(5, WireType.I64, 2)
        + len_field(6, b"\x00\xff\xfe")
        + group(7, varint_field(1, 1))
        + len_field(8, b"")
        + varint_field(1, 151)
    )
    assert decode_raw_json(data) == {
        "1": [150, 151],
        "2": "hello",
        "3": {"1": 7, "2": "inner"},
        "4": {"fixed32": 1},
        "5": {"fixed64": 2},
        "6": {"hex": "00fffe"},
        "7": {"group": {"1": 1}},
        "8": "",
    }


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # Parses as a message (field 7 twice) but is text, and looks like it.
        (b"8080", "8080"),
        (b" a b c", " a b c"),
        # Printable too, but a real message with a string field: structure wins.
        (b"\n\nabcdefghij", {"1": "abcdefghij"}),
        (b"\x08\x01", {"1": 1}),
        ("héllo wörld".encode(), "héllo wörld"),
        (b"line one\nline two\t", "line one\nline two\t"),
        (b"bell\x07", {"hex": "62656c6c07"}),
    ],
)
def test_render_guesses_text_versus_message(payload: bytes, expected: object) -> None:
    assert decode_raw_json(len_field(1, payload)) == {"1": expected}


def test_is_text() -> None:
    assert is_text(b"plain\ttext\r\n")
    assert not is_text(b"\x1b[31mred")
    assert not is_text(b"\xff")
    assert not is_text("\u0085".encode())  # a C1 control


def test_render_depth_is_bounded() -> None:
    payload = b"\x08\x01"
    for _ in range(MAX_RENDER_DEPTH + 10):
        payload = len_field(1, payload)
    rendered: Any = decode_raw_json(payload)
    depth = 0
    while isinstance(rendered, dict) and "1" in rendered:
        rendered = rendered["1"]
        depth += 1
    assert depth == MAX_RENDER_DEPTH + 1
    assert isinstance(rendered, dict) and "hex" in rendered


def test_integer_helpers() -> None:
    assert to_int64(2**64 - 1) == -1
    assert to_int32(2**64 - 1) == -1
    assert to_int32(2**31) == -(2**31)
    assert [zigzag_decode(n) for n in range(5)] == [0, -1, 1, -2, 2]


# --- Schemas ---------------------------------------------------------------

SCHEMA_VECTORS = {
    "runc options, every field": RUNC_OPTIONS,
    "runc options, typical": RUNC_OPTIONS,
    "runtimeoptions": RUNTIMEOPTIONS,
    "legacy runc options": lookup("containerd.linux.runc.RuncOptions"),
}


@pytest.mark.parametrize("name", SCHEMA_VECTORS)
def test_schema_decodes_what_containerd_encodes(name: str) -> None:
    vector = next(v for v in VECTORS["protobuf"] if v["name"] == name)
    schema = SCHEMA_VECTORS[name]
    assert schema is not None
    assert decode_message(schema, bytes.fromhex(vector["hex"])) == vector["expected"]


def test_decoded_fields_follow_declaration_order() -> None:
    data = varint_field(9, 1) + len_field(6, b"runc")
    assert list(decode_message(RUNC_OPTIONS, data)) == ["binary_name", "systemd_cgroup"]


THING = MessageSchema(
    "test.Thing",
    {
        1: ("name", STRING),
        2: ("tags", repeated(STRING)),
        3: ("kind", enum({0: "UNKNOWN", 1: "BIG"})),
        4: ("sizes", repeated(UINT64)),
        5: ("delta", INT64),
        6: ("small", INT32),
        7: ("count", UINT32),
        8: ("blob", BYTES),
        9: ("flag", BOOL),
        10: ("child", message(MessageSchema("test.Child", {1: ("a", UINT64), 2: ("b", STRING)}))),
        11: ("children", repeated(message(MessageSchema("test.Leaf", {1: ("x", STRING)})))),
    },
)


def test_every_kind_decodes_like_go() -> None:
    data = (
        len_field(1, b"first")
        + len_field(1, b"last wins")
        + len_field(2, b"a")
        + len_field(2, b"b")
        + varint_field(3, 1)
        + len_field(4, VarInt.build(1) + VarInt.build(300))  # packed
        + varint_field(4, 5)  # and unpacked, in the same field
        + varint_field(5, 2**64 - 2)  # int64 -2, ten bytes
        + varint_field(6, 2**64 - 1)  # int32 -1, sign-extended to ten bytes
        + varint_field(7, 2**32 + 7)  # uint32 keeps the low 32 bits
        + len_field(8, b"\x00\x01")
        + varint_field(9, 2)  # any non-zero is true
        + len_field(10, varint_field(1, 1))
        + len_field(10, len_field(2, b"merged"))  # a singular message merges
        + len_field(11, len_field(1, b"x1"))
        + len_field(11, len_field(1, b"x2"))
    )
    assert decode_message(THING, data) == {
        "name": "last wins",
        "tags": ["a", "b"],
        "kind": "BIG",
        "sizes": [1, 300, 5],
        "delta": -2,
        "small": -1,
        "count": 7,
        "blob": "AAE=",
        "flag": True,
        "child": {"a": 1, "b": "merged"},
        "children": [{"x": "x1"}, {"x": "x2"}],
    }


def test_unknown_enum_value_stays_a_number() -> None:
    assert decode_message(THING, varint_field(3, 9)) == {"kind": 9}


def test_defaults_on_the_wire_are_shown_absent_ones_are_not() -> None:
    assert decode_message(RUNC_OPTIONS, b"") == {}
    assert decode_message(RUNC_OPTIONS, varint_field(1, 0)) == {"no_pivot_root": False}


def test_unknown_and_mistyped_fields_are_kept() -> None:
    data = len_field(6, b"runc") + varint_field(3, 5) + len_field(99, b"extra")
    assert decode_message(RUNC_OPTIONS, data) == {
        "binary_name": "runc",
        UNKNOWN_KEY: {"3": 5, "99": "extra"},
    }


def test_invalid_utf8_string_is_an_error_like_go() -> None:
    with pytest.raises(DecodeError, match=r"containerd.runc.v1.Options.binary_name: .*UTF-8"):
        decode_message(RUNC_OPTIONS, len_field(6, b"\xff"))


def test_bad_packed_values_are_an_error() -> None:
    with pytest.raises(DecodeError, match="test.Thing.sizes: packed values"):
        decode_message(THING, len_field(4, b"\x80"))


def test_message_nesting_is_bounded() -> None:
    schema = MessageSchema("test.Bottom", {})
    for level in range(100):
        schema = MessageSchema(f"test.Level{level}", {1: ("next", message(schema))})
    payload = b""
    for _ in range(100):
        payload = len_field(1, payload)
    with pytest.raises(DecodeError, match="nested deeper"):
        decode_message(schema, payload)


def test_lookup_by_type_url() -> None:
    assert lookup_type_url("containerd.runc.v1.Options") is RUNC_OPTIONS
    assert lookup_type_url("type.googleapis.com/containerd.runc.v1.Options") is RUNC_OPTIONS
    assert lookup_type_url("types.example.com/nope.Options") is None
    names = {schema.name for schema in registered()}
    assert {
        "google.protobuf.Any",
        "containerd.runc.v1.Options",
        "runtimeoptions.v1.Options",
        "containerd.linux.runc.RuncOptions",
    } <= names


RUNC_OPTIONS_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "no_pivot_root": st.booleans(),
        "io_uid": st.integers(0, 2**32 - 1),
        "binary_name": st.text(max_size=30),
        "systemd_cgroup": st.booleans(),
    },
)
RUNC_OPTIONS_NUMBERS = {"no_pivot_root": 1, "io_uid": 4, "binary_name": 6, "systemd_cgroup": 9}


def encode_runc_options(values: dict[str, Any]) -> bytes:
    """containerd.runc.v1.Options on the wire, fields in any order a writer may use."""
    encoded = b""
    for name, value in values.items():
        number = RUNC_OPTIONS_NUMBERS[name]
        if isinstance(value, str):
            encoded += len_field(number, value.encode())
        else:
            encoded += varint_field(number, int(value))
    return encoded


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=100), RUNC_OPTIONS_VALUES)
def test_decode_message_raises_only_decode_error(data: bytes, valid: dict[str, Any]) -> None:
    for schema in (RUNC_OPTIONS, RUNTIMEOPTIONS, THING):
        try:
            json.dumps(decode_message(schema, data))
        except DecodeError:
            pass
    # ... and a valid message decodes to exactly what was written.
    assert decode_message(RUNC_OPTIONS, encode_runc_options(valid)) == valid


# --- Any -------------------------------------------------------------------


@pytest.mark.parametrize("vector", [v for v in vectors("protobuf") if v.id.startswith("any: ")])
def test_any_decodes_what_typeurl_marshals(vector: dict[str, Any]) -> None:
    decoded = decode_any(bytes.fromhex(vector["hex"]))
    assert decoded.type_url == vector["type_url"]
    assert decoded.value == bytes.fromhex(vector["value_hex"])
    assert decoded.decoded == vector["expected"]
    assert decoded.error is None
    if vector["value_hex"].startswith("7b"):  # '{'
        assert decoded.decoded_as == "json"
    else:
        assert decoded.decoded_as.startswith("protobuf:")


def test_any_type_urls_are_containerds() -> None:
    urls = {v["type_url"] for v in VECTORS["protobuf"] if v["name"].startswith("any: ")}
    assert {"containerd.runc.v1.Options", SPEC_URL} <= urls
    assert urls - {"type.googleapis.com/containerd.runc.v1.Options"} <= (
        JSON_TYPE_URLS
        | {
            "containerd.runc.v1.Options",
            "runtimeoptions.v1.Options",
            "containerd.linux.runc.RuncOptions",
        }
    )


def test_any_runc_options_example() -> None:
    value = len_field(6, b"runc") + varint_field(9, 1)
    decoded = decode_any(len_field(1, b"containerd.runc.v1.Options") + len_field(2, value))
    assert decoded.decoded_as == "protobuf:containerd.runc.v1.Options"
    assert decoded.decoded == {"binary_name": "runc", "systemd_cgroup": True}
    assert decoded.to_json() == {
        "type_url": "containerd.runc.v1.Options",
        "value": b64(value),
        "decoded_as": "protobuf:containerd.runc.v1.Options",
        "decoded": {"binary_name": "runc", "systemd_cgroup": True},
        "error": None,
    }


def test_any_spec_that_is_not_json_says_so() -> None:
    value = varint_field(1, 1)
    decoded = decode_any(len_field(1, SPEC_URL.encode()) + len_field(2, value))
    assert decoded.decoded_as == "schemaless"
    assert decoded.decoded == {"1": 1}
    assert decoded.error is not None and decoded.error.startswith("expected JSON: ")


def test_any_bad_registered_payload_falls_back() -> None:
    decoded = decode_any_value("containerd.runc.v1.Options", len_field(6, b"\xff"))
    assert decoded.decoded_as == "schemaless"
    assert decoded.error is not None and "not a valid containerd.runc.v1.Options" in decoded.error
    hopeless = decode_any_value("containerd.runc.v1.Options", b"\x0f")
    assert (hopeless.decoded_as, hopeless.decoded) == ("raw", None)
    assert hopeless.value == b"\x0f"


@pytest.mark.parametrize(
    ("value", "decoded_as", "decoded"),
    [
        (b'{"a": [1, 2]}', "json", {"a": [1, 2]}),
        (b"\x08\x96\x01", "schemaless", {"1": 150}),
        (b"", "schemaless", {}),
        (b"\x0f\xff", "raw", None),
    ],
)
def test_any_unknown_type(value: bytes, decoded_as: str, decoded: object) -> None:
    result = decode_any_value("example.com/Unknown", value)
    assert (result.decoded_as, result.decoded) == (decoded_as, decoded)
    assert result.type_url == "example.com/Unknown"
    assert (result.error is None) == (decoded_as != "raw")


def test_any_json_is_strict_like_go() -> None:
    assert decode_any_value(SPEC_URL, b"NaN").decoded_as != "json"
    assert decode_any_value(SPEC_URL, b'{"a": Infinity}').error is not None
    deep = decode_any_value(SPEC_URL, b"[" * 100_000)
    assert deep.error is not None and deep.decoded_as in ("schemaless", "raw")


def test_any_that_is_not_an_any() -> None:
    decoded = decode_any(b"\x0f garbage")
    assert (decoded.type_url, decoded.value, decoded.decoded_as) == ("", b"\x0f garbage", "raw")
    assert decoded.error is not None and decoded.error.startswith("not a google.protobuf.Any")
    bad_url = decode_any(len_field(1, b"\xff"))
    assert bad_url.decoded_as == "raw" and "UTF-8" in (bad_url.error or "")


def test_any_last_field_wins_and_mistyped_fields_are_ignored() -> None:
    data = len_field(1, b"first") + varint_field(1, 3) + len_field(1, b"example.com/X")
    decoded = decode_any(data + len_field(2, b"{}"))
    assert (decoded.type_url, decoded.decoded) == ("example.com/X", {})


def test_json_type_urls() -> None:
    assert is_json_type_url(SPEC_URL)
    assert is_json_type_url("github.com/containerd/cri/pkg/store/sandbox/Metadata")
    assert is_json_type_url("github.com/containerd/containerd/v2/cmd/ctr/commands/NetworkMetaData")
    assert not is_json_type_url("containerd.runc.v1.Options")


TYPE_URLS = st.sampled_from(
    [SPEC_URL, "containerd.runc.v1.Options", "runtimeoptions.v1.Options", "", "x/Unknown"]
)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200), RUNC_OPTIONS_VALUES)
def test_decode_any_never_raises(data: bytes, valid: dict[str, Any]) -> None:
    json.dumps(decode_any(data).to_json())
    # A real Any (type_url, then the message) is decoded by its schema.
    url = "containerd.runc.v1.Options"
    decoded = decode_any(len_field(1, url.encode()) + len_field(2, encode_runc_options(valid)))
    assert (decoded.type_url, decoded.error, decoded.decoded) == (url, None, valid)


@settings(max_examples=500, deadline=None)
@given(TYPE_URLS, st.binary(max_size=200) | st.text(max_size=100).map(str.encode))
def test_decode_any_value_never_raises(type_url: str, value: bytes) -> None:
    json.dumps(decode_any_value(type_url, value).to_json())
    if type_url == SPEC_URL:  # the spec is JSON: any JSON object is one
        document = {"ociVersion": value.hex()}
        spec = decode_any_value(SPEC_URL, json.dumps(document).encode())
        assert (spec.error, spec.decoded) == (None, document)
