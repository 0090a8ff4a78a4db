"""etcd's protobuf messages other than ``mvccpb.KeyValue``, field by field.

Field numbers from etcd's own ``.proto`` files: ``lease/leasepb/lease.proto``,
``etcdserver/etcdserverpb/rpc.proto`` (``AlarmMember``) and
``auth/authpb/auth.proto``.  A user's password is a bcrypt hash: it is shown
as what it is (its scheme and cost), never as text to copy.
"""

from __future__ import annotations

from boltview.errors import DecodeError
from boltview.protobuf.schemas import (
    BOOL,
    BYTES,
    INT64,
    STRING,
    UINT64,
    MessageSchema,
    decode_message,
    enum,
    message,
    repeated,
)
from boltview.protobuf.wire import JsonValue, WireType, decode_raw

__all__ = ["ALARM_MEMBER", "LEASE", "ROLE", "USER", "decode", "password_hash", "role", "user"]

LEASE = MessageSchema(
    "leasepb.Lease", {1: ("ID", INT64), 2: ("TTL", INT64), 3: ("RemainingTTL", INT64)}
)

ALARM_MEMBER = MessageSchema(
    "etcdserverpb.AlarmMember",
    {1: ("MemberID", UINT64), 2: ("Alarm", enum({0: "NONE", 1: "NOSPACE", 2: "CORRUPT"}))},
)

USER_ADD_OPTIONS = MessageSchema("authpb.UserAddOptions", {1: ("no_password", BOOL)})

USER = MessageSchema(
    "authpb.User",
    {
        1: ("name", BYTES),
        2: ("password", BYTES),
        3: ("roles", repeated(STRING)),
        4: ("options", message(USER_ADD_OPTIONS)),
    },
)

PERMISSION = MessageSchema(
    "authpb.Permission",
    {
        1: ("permType", enum({0: "READ", 1: "WRITE", 2: "READWRITE"})),
        2: ("key", BYTES),
        3: ("range_end", BYTES),
    },
)

ROLE = MessageSchema(
    "authpb.Role", {1: ("name", BYTES), 2: ("keyPermission", repeated(message(PERMISSION)))}
)


def decode(schema: MessageSchema, data: bytes) -> dict[str, JsonValue]:
    """``data`` as ``schema`` (bytes fields come back base64, as in JSON)."""
    return decode_message(schema, bytes(data))


def _bytes_fields(data: bytes) -> dict[int, bytes]:
    """The length-delimited fields of a message as raw bytes, last one winning."""
    return {
        wire.number: wire.value
        for wire in decode_raw(bytes(data))
        if wire.wire_type == WireType.LEN and isinstance(wire.value, bytes)
    }


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def password_hash(raw: bytes) -> dict[str, JsonValue]:
    """What a stored password is, without the hash itself: bcrypt's scheme and cost."""
    if not raw:
        return {"set": False}
    text = raw.decode("ascii", "replace")
    parts = text.split("$")
    if len(parts) >= 4 and parts[1] in ("2a", "2b", "2y") and parts[2].isdigit():
        return {
            "set": True,
            "scheme": f"bcrypt ${parts[1]}$",
            "cost": int(parts[2]),
            "length": len(raw),
        }
    return {"set": True, "scheme": "unknown", "length": len(raw)}


def user(data: bytes) -> dict[str, JsonValue]:
    """An ``authpb.User``: name, roles, and what its password hash is (not the hash)."""
    decoded = decode(USER, data)
    raw = _bytes_fields(data)
    if not raw.get(1):
        raise DecodeError("authpb.User without a name")
    out: dict[str, JsonValue] = {
        "name": _text(raw[1]),
        "password": password_hash(raw.get(2, b"")),
        "roles": decoded.get("roles", []),
    }
    options = decoded.get("options")
    if isinstance(options, dict) and options.get("no_password"):
        out["no_password"] = True
    return out


def role(data: bytes) -> dict[str, JsonValue]:
    """An ``authpb.Role``: name and key permissions (``range_end`` as etcdctl shows it)."""
    raw = _bytes_fields(data)
    if not raw.get(1):
        raise DecodeError("authpb.Role without a name")
    permissions: list[JsonValue] = []
    for wire in decode_raw(bytes(data)):
        if wire.number != 2 or not isinstance(wire.value, bytes):
            continue
        decoded = decode(PERMISSION, wire.value)
        fields = _bytes_fields(wire.value)
        permission: dict[str, JsonValue] = {
            "permType": decoded.get("permType", "READ"),
            "key": _text(fields.get(2, b"")),
        }
        if 3 in fields:
            permission["range_end"] = _text(fields[3])
        permissions.append(permission)
    return {"name": _text(raw[1]), "keyPermission": permissions}
