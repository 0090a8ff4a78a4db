"""``google.protobuf.Any`` as containerd's typeurl package writes it.

containerd stores a container's spec, its runtime options and its extensions
as an Any: a type URL (field 1) and the value's bytes (field 2). What the bytes
are depends on how the Go type was registered with typeurl:

- protobuf messages are stored under their bare full name, e.g.
  ``containerd.runc.v1.Options`` (typeurl uses ``proto.MessageName``; other
  writers add a ``type.googleapis.com/`` prefix), and the value is protobuf;
- plain Go structs are registered under a path and stored as JSON: the OCI
  spec, CRI's container and sandbox metadata, ctr's CNI flag.

:func:`decode_any` reads the Any and then the value: JSON for the known JSON
types, the typed decode for registered schemas, and for anything else JSON if
it parses, else a schemaless protobuf decode, else the raw bytes. It never
raises: an inspector must show a corrupt value, not stop at it. The result
says how the value was read and, when the expected reading failed, why.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Final

from boltview.errors import DecodeError
from boltview.protobuf.schemas import decode_message, lookup_type_url
from boltview.protobuf.wire import JsonValue, WireType, decode_raw, decode_raw_json

__all__ = [
    "JSON_TYPE_URLS",
    "DecodedAny",
    "decode_any",
    "decode_any_value",
    "is_any_shaped",
    "is_json_type_url",
]

JSON = "json"
SCHEMALESS = "schemaless"
RAW = "raw"
PROTOBUF_PREFIX = "protobuf:"

_CTR_COMMANDS = "github.com/containerd/containerd/cmd/ctr/commands"

JSON_TYPE_URLS: Final = frozenset(
    {
        # runtime/typeurl.go and client.go: the OCI runtime spec types.
        "types.containerd.io/opencontainers/runtime-spec/1/Spec",
        "types.containerd.io/opencontainers/runtime-spec/1/Process",
        "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources",
        "types.containerd.io/opencontainers/runtime-spec/1/WindowsResources",
        # CRI extensions (k8s.io namespace); containerd kept the old cri repo's
        # URLs when it absorbed the plugin.
        "github.com/containerd/cri/pkg/store/container/Metadata",
        "github.com/containerd/cri/pkg/store/sandbox/Metadata",
        # ctr run --cni, extension "ctr.cni-containerd.metadata" (1.7+).
        f"{_CTR_COMMANDS}/NetworkMetaData",
    }
)
"""Type URLs whose value is JSON, as registered with typeurl by containerd."""


def is_json_type_url(type_url: str) -> bool:
    """True if containerd stores values of this type as JSON.

    That is :data:`JSON_TYPE_URLS`, plus ctr's ``NetworkMetaData`` under any
    module path (containerd 2 moved ctr to a ``/v2/`` module). Other URLs are
    not assumed either way: :func:`decode_any_value` tries JSON, then protobuf.
    """
    return type_url in JSON_TYPE_URLS or (
        type_url.endswith("/NetworkMetaData") and "/cmd/ctr/commands" in type_url
    )


@dataclass(frozen=True)
class DecodedAny:
    """An Any, its value, and how far decoding it got.

    ``decoded_as`` is ``"json"``, ``"protobuf:<full name>"`` (a registered
    schema), ``"schemaless"`` (protobuf read without a schema, see
    :func:`~boltview.protobuf.wire.fields_to_json`) or ``"raw"`` (nothing
    worked; ``decoded`` is None). ``error`` says why the expected decoding
    failed, even when a fallback then succeeded; it is None when all went well.
    """

    type_url: str
    value: bytes
    decoded: JsonValue
    decoded_as: str
    error: str | None = None

    def to_json(self) -> dict[str, JsonValue]:
        """A JSON-friendly form; ``value`` is base64, as ``ctr`` prints it."""
        return {
            "type_url": self.type_url,
            "value": base64.b64encode(self.value).decode("ascii"),
            "decoded_as": self.decoded_as,
            "decoded": self.decoded,
            "error": self.error,
        }


def decode_any(data: bytes) -> DecodedAny:
    """Decode a serialized ``google.protobuf.Any`` and its value; never raises.

    If ``data`` is not an Any at all, the result has an empty type URL, the
    whole input as value, ``decoded_as="raw"`` and the reason in ``error``.
    """
    data = bytes(data)
    try:
        type_url, value = _split_any(data)
    except DecodeError as exc:
        return DecodedAny("", data, None, RAW, f"not a google.protobuf.Any: {exc}")
    return decode_any_value(type_url, value)


def decode_any_value(type_url: str, value: bytes) -> DecodedAny:
    """Decode an Any's value given its type URL (e.g. from ``ctr``'s JSON); never raises."""
    value = bytes(value)
    if is_json_type_url(type_url):
        return _expect_json(type_url, value)
    schema = lookup_type_url(type_url)
    if schema is not None:
        try:
            decoded = decode_message(schema, value)
        except DecodeError as exc:
            return _fallback(type_url, value, f"not a valid {schema.name}: {exc}")
        return DecodedAny(type_url, value, decoded, PROTOBUF_PREFIX + schema.name)
    return _guess(type_url, value)


def is_any_shaped(data: bytes) -> bool:
    """True if ``data`` holds nothing but an Any's two fields, as Go writes them.

    That is: a well-formed message whose fields are 1 (the type URL) and, at
    most once each, 2 (the value), both length-delimited.  A message with any
    other field is something else that happens to begin with a string, such
    as etcd's ``mvccpb.KeyValue`` (key, then revisions as varints).
    """
    try:
        fields = decode_raw(bytes(data))
    except DecodeError:
        return False
    numbers = [field.number for field in fields]
    return (
        numbers.count(1) == 1
        and numbers.count(2) <= 1
        and len(numbers) == numbers.count(1) + numbers.count(2)
        and all(field.wire_type == WireType.LEN for field in fields)
    )


def _split_any(data: bytes) -> tuple[str, bytes]:
    """Fields 1 and 2 of an Any; like Go, the last occurrence wins."""
    type_url = b""
    value = b""
    for field in decode_raw(data):
        if field.wire_type != WireType.LEN or not isinstance(field.value, bytes):
            continue  # Go keeps a mistyped field as unknown, and so ignores it here
        if field.number == 1:
            type_url = field.value
        elif field.number == 2:
            value = field.value
    try:
        return type_url.decode("utf-8"), value
    except UnicodeDecodeError:
        raise DecodeError("type_url is not valid UTF-8") from None


def _expect_json(type_url: str, value: bytes) -> DecodedAny:
    try:
        return DecodedAny(type_url, value, _parse_json(value), JSON)
    except DecodeError as exc:
        return _fallback(type_url, value, f"expected JSON: {exc}")


def _guess(type_url: str, value: bytes) -> DecodedAny:
    """An unknown type: JSON if it parses, else schemaless protobuf, else raw."""
    try:
        return DecodedAny(type_url, value, _parse_json(value), JSON)
    except DecodeError:
        pass
    try:
        return DecodedAny(type_url, value, decode_raw_json(value), SCHEMALESS)
    except DecodeError as exc:
        return DecodedAny(type_url, value, None, RAW, f"neither JSON nor protobuf: {exc}")


def _fallback(type_url: str, value: bytes, error: str) -> DecodedAny:
    """The expected decoding failed: keep the reason, show what can be shown."""
    try:
        return DecodedAny(type_url, value, decode_raw_json(value), SCHEMALESS, error)
    except DecodeError:
        return DecodedAny(type_url, value, None, RAW, error)


def _reject_constant(name: str) -> JsonValue:
    raise ValueError(f"{name} is not JSON")


def _parse_json(value: bytes) -> JsonValue:
    """Strict JSON, like Go's encoding/json: UTF-8, no NaN or Infinity."""
    try:
        text = value.decode("utf-8")
        parsed: JsonValue = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"not UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc.msg} at character {exc.pos}") from None
    except ValueError as exc:
        raise DecodeError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise DecodeError("invalid JSON: nested too deeply") from None
    return parsed
