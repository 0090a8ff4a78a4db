"""Known protobuf messages, and how to decode them into JSON-friendly dicts.

boltview carries no generated code and no ``.proto`` files: the few messages
it meets in bolt files (containerd's runtime options, ``google.protobuf.Any``,
etcd's key-values) are declared here in a few lines each, field number to
``(name, type)``. Adding one is a :func:`register` call::

    register(MessageSchema("example.v1.Thing", {
        1: ("name", STRING),
        2: ("tags", repeated(STRING)),
        3: ("kind", enum({0: "UNKNOWN", 1: "BIG"})),
    }))

What :func:`decode_message` returns
-----------------------------------
Proto3 JSON, with the field names of the ``.proto`` (snake_case, as protojson's
``UseProtoNames``), and these choices:

- Fields absent from the wire are omitted. Proto3 has no presence, so absent
  means "default" and listing every default would drown the few set values.
  A field present on the wire is shown even if it holds its default value,
  because that says something about the writer.
- Integers stay integers, 64-bit ones included (protojson would quote them).
- ``bytes`` are standard base64, as in proto3 JSON and in ``ctr`` output.
- Enums show their name when known, else the number.
- Decoding follows Go's reader: the last value of a singular field wins,
  repeated occurrences of a singular message field merge, packed and unpacked
  repeated scalars are both accepted, ``uint32`` keeps the low 32 bits, and a
  field whose wire type does not match its declaration is treated as unknown.
- Unknown fields are never dropped: they appear under ``"_unknown"`` in the
  schemaless form of :func:`boltview.protobuf.wire.fields_to_json`.
- A ``string`` that is not UTF-8 raises :class:`DecodeError`, as it fails in Go.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

from boltview.errors import DecodeError
from boltview.protobuf.wire import (
    Field,
    JsonValue,
    WireType,
    decode_raw,
    fields_to_json,
    read_uvarint,
    to_int32,
    to_int64,
)

__all__ = [
    "ANY",
    "BOOL",
    "BYTES",
    "ETCD_KEY_VALUE",
    "INT32",
    "INT64",
    "RUNC_OPTIONS",
    "RUNC_RUNCOPTIONS_LEGACY",
    "RUNTIMEOPTIONS",
    "STRING",
    "UINT32",
    "UINT64",
    "UNKNOWN_KEY",
    "FieldType",
    "Kind",
    "MessageSchema",
    "decode_message",
    "enum",
    "lookup",
    "lookup_type_url",
    "message",
    "register",
    "registered",
    "repeated",
]

UNKNOWN_KEY = "_unknown"
"""Where :func:`decode_message` puts the fields its schema does not know."""

MAX_MESSAGE_DEPTH = 64
"""How deep messages may nest in a schema-driven decode."""


class Kind(Enum):
    """The field types boltview knows how to decode."""

    BOOL = "bool"
    STRING = "string"
    BYTES = "bytes"
    UINT32 = "uint32"
    UINT64 = "uint64"
    INT32 = "int32"
    INT64 = "int64"
    ENUM = "enum"
    MESSAGE = "message"


_VARINT_KINDS = frozenset({Kind.BOOL, Kind.UINT32, Kind.UINT64, Kind.INT32, Kind.INT64, Kind.ENUM})


@dataclass(frozen=True)
class FieldType:
    """A field's declared type: a kind, plus enum names or a message schema."""

    kind: Kind
    repeated: bool = False
    enum_names: Mapping[int, str] = field(default_factory=dict)
    schema: MessageSchema | None = None

    @property
    def wire_type(self) -> WireType:
        """The wire type a single (unpacked) value of this type is written with."""
        return WireType.VARINT if self.kind in _VARINT_KINDS else WireType.LEN


@dataclass(frozen=True)
class MessageSchema:
    """A message: its full protobuf name and its fields by number."""

    name: str
    fields: Mapping[int, tuple[str, FieldType]]


BOOL = FieldType(Kind.BOOL)
STRING = FieldType(Kind.STRING)
BYTES = FieldType(Kind.BYTES)
UINT32 = FieldType(Kind.UINT32)
UINT64 = FieldType(Kind.UINT64)
INT32 = FieldType(Kind.INT32)
INT64 = FieldType(Kind.INT64)


def enum(names: Mapping[int, str]) -> FieldType:
    """An enum field; numbers without a name decode to the bare number."""
    return FieldType(Kind.ENUM, enum_names=dict(names))


def message(schema: MessageSchema) -> FieldType:
    """A field holding another message."""
    return FieldType(Kind.MESSAGE, schema=schema)


def repeated(element: FieldType) -> FieldType:
    """A repeated field of ``element``; decodes to a list."""
    return replace(element, repeated=True)


# --- The registry ----------------------------------------------------------

_REGISTRY: dict[str, MessageSchema] = {}


def register(schema: MessageSchema) -> MessageSchema:
    """Make a schema known by its full name; returns it, for assignment."""
    _REGISTRY[schema.name] = schema
    return schema


def lookup(name: str) -> MessageSchema | None:
    """The schema registered under a full protobuf name, if any."""
    return _REGISTRY.get(name)


def lookup_type_url(type_url: str) -> MessageSchema | None:
    """The schema for an Any's type URL, matched whole or on its last segment.

    containerd writes the bare name (``containerd.runc.v1.Options``); other
    writers use ``type.googleapis.com/<name>``. Both find the same schema.
    """
    return lookup(type_url) or lookup(type_url.rsplit("/", 1)[-1])


def registered() -> list[MessageSchema]:
    """Every registered schema, in registration order."""
    return list(_REGISTRY.values())


ANY = register(
    MessageSchema(
        "google.protobuf.Any",
        {
            1: ("type_url", STRING),
            2: ("value", BYTES),
        },
    )
)

RUNC_OPTIONS = register(
    MessageSchema(
        "containerd.runc.v1.Options",
        {
            1: ("no_pivot_root", BOOL),
            2: ("no_new_keyring", BOOL),
            3: ("shim_cgroup", STRING),
            4: ("io_uid", UINT32),
            5: ("io_gid", UINT32),
            6: ("binary_name", STRING),
            7: ("root", STRING),
            8: ("criu_path", STRING),
            9: ("systemd_cgroup", BOOL),
            10: ("criu_image_path", STRING),
            11: ("criu_work_path", STRING),
            12: ("task_api_address", STRING),
            13: ("task_api_version", UINT32),
        },
    )
)
"""runc shim v2 options (``runtime/v2/runc/options/oci.proto``); 12 and 13 since 2.0."""

RUNTIMEOPTIONS = register(
    MessageSchema(
        "runtimeoptions.v1.Options",
        {
            1: ("type_url", STRING),
            2: ("config_path", STRING),
            3: ("config_body", BYTES),
        },
    )
)
"""CRI's options for non-runc runtimes (``pkg/runtimeoptions/v1/api.proto``)."""

RUNC_RUNCOPTIONS_LEGACY = register(
    MessageSchema(
        "containerd.linux.runc.RuncOptions",
        {
            1: ("runtime", STRING),
            2: ("runtime_root", STRING),
            3: ("criu_path", STRING),
            4: ("systemd_cgroup", BOOL),
        },
    )
)
"""Options of the legacy ``io.containerd.runtime.v1.linux`` runtime."""

ETCD_KEY_VALUE = register(
    MessageSchema(
        "mvccpb.KeyValue",
        {
            1: ("key", BYTES),
            2: ("create_revision", INT64),
            3: ("mod_revision", INT64),
            4: ("version", INT64),
            5: ("value", BYTES),
            6: ("lease", INT64),
        },
    )
)
"""A value in etcd's ``key`` bucket."""


# --- Decoding --------------------------------------------------------------


class _WrongWireTypeError(Exception):
    """The field is not written the way its schema declares: Go keeps it as unknown."""


def decode_message(schema: MessageSchema, data: bytes) -> dict[str, JsonValue]:
    """Decode ``data`` as ``schema``; see the module docstring for the shape.

    Raises :class:`DecodeError` if the bytes are not a well-formed message or
    a declared string is not UTF-8.
    """
    return _decode(schema, decode_raw(data), depth=0)


def _decode(schema: MessageSchema, fields: list[Field], depth: int) -> dict[str, JsonValue]:
    if depth >= MAX_MESSAGE_DEPTH:
        raise DecodeError(f"{schema.name}: messages nested deeper than {MAX_MESSAGE_DEPTH}")
    values: dict[int, list[JsonValue]] = {}
    merged: dict[int, bytes] = {}
    unknown: list[Field] = []
    for wire_field in fields:
        declared = schema.fields.get(wire_field.number)
        if declared is None:
            unknown.append(wire_field)
            continue
        name, ftype = declared
        if ftype.kind is Kind.MESSAGE and not ftype.repeated:
            if wire_field.wire_type != WireType.LEN:
                unknown.append(wire_field)
                continue
            # A singular message written twice is merged, like Go does.
            assert isinstance(wire_field.value, bytes)
            merged[wire_field.number] = merged.get(wire_field.number, b"") + wire_field.value
            continue
        try:
            decoded = _field_values(schema, name, ftype, wire_field, depth)
        except _WrongWireTypeError:
            unknown.append(wire_field)
            continue
        values.setdefault(wire_field.number, []).extend(decoded)
    return _assemble(schema, values, merged, unknown, depth)


def _assemble(
    schema: MessageSchema,
    values: dict[int, list[JsonValue]],
    merged: dict[int, bytes],
    unknown: list[Field],
    depth: int,
) -> dict[str, JsonValue]:
    """Lay the decoded fields out in declaration order, unknown ones last."""
    out: dict[str, JsonValue] = {}
    for number, (name, ftype) in schema.fields.items():
        if number in merged:
            assert ftype.schema is not None
            out[name] = _decode(ftype.schema, decode_raw(merged[number]), depth + 1)
        elif number in values:
            decoded = values[number]
            out[name] = decoded if ftype.repeated else decoded[-1]
    if unknown:
        out[UNKNOWN_KEY] = fields_to_json(unknown)
    return out


def _field_values(
    schema: MessageSchema, name: str, ftype: FieldType, wire_field: Field, depth: int
) -> list[JsonValue]:
    """The values one wire field contributes: one, or many if packed."""
    value = wire_field.value
    if wire_field.wire_type == ftype.wire_type:
        if isinstance(value, int):
            return [_scalar(ftype, value)]
        return [_payload(schema, name, ftype, value, depth)]
    packed = ftype.repeated and ftype.wire_type == WireType.VARINT
    if packed and isinstance(value, bytes) and wire_field.wire_type == WireType.LEN:
        return [_scalar(ftype, number) for number in _packed_varints(schema, name, value)]
    raise _WrongWireTypeError


def _scalar(ftype: FieldType, value: int) -> JsonValue:
    kind = ftype.kind
    if kind is Kind.BOOL:
        return value != 0
    if kind is Kind.UINT32:
        return value & 0xFFFFFFFF
    if kind is Kind.INT32:
        return to_int32(value)
    if kind is Kind.INT64:
        return to_int64(value)
    if kind is Kind.ENUM:
        number = to_int32(value)
        return ftype.enum_names.get(number, number)
    return value  # UINT64


def _payload(
    schema: MessageSchema, name: str, ftype: FieldType, payload: bytes, depth: int
) -> JsonValue:
    if ftype.kind is Kind.STRING:
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"{schema.name}.{name}: string is not valid UTF-8 at byte {exc.start}"
            ) from None
    if ftype.kind is Kind.BYTES:
        return base64.b64encode(payload).decode("ascii")
    assert ftype.schema is not None  # a repeated message; singular ones are merged
    return _decode(ftype.schema, decode_raw(payload), depth + 1)


def _packed_varints(schema: MessageSchema, name: str, payload: bytes) -> list[int]:
    numbers = []
    pos = 0
    while pos < len(payload):
        try:
            number, pos = read_uvarint(payload, pos)
        except DecodeError as exc:
            raise DecodeError(f"{schema.name}.{name}: packed values: {exc}") from None
        numbers.append(number)
    return numbers
