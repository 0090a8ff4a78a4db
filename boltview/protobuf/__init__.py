"""Protobuf without generated code: the wire format, a few known messages, and Any.

- :mod:`~boltview.protobuf.wire`: fields of any message, schemaless rendering;
- :mod:`~boltview.protobuf.schemas`: declared messages, typed decoding;
- :mod:`~boltview.protobuf.any`: ``google.protobuf.Any`` the way containerd's
  typeurl writes it (protobuf or JSON inside).

Everything here raises only :class:`~boltview.errors.DecodeError`, and
:func:`decode_any` raises nothing at all.
"""

from boltview.protobuf.any import DecodedAny, decode_any, decode_any_value
from boltview.protobuf.schemas import MessageSchema, decode_message, lookup_type_url, register
from boltview.protobuf.wire import Field, JsonValue, WireType, decode_raw, decode_raw_json

__all__ = [
    "DecodedAny",
    "Field",
    "JsonValue",
    "MessageSchema",
    "WireType",
    "decode_any",
    "decode_any_value",
    "decode_message",
    "decode_raw",
    "decode_raw_json",
    "lookup_type_url",
    "register",
]
