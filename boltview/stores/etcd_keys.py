"""etcd's keys, values and password hashes as the store view shows them: a key's place in the tree
(its bytes cut after each "/"), and a value read as people read it (a Kubernetes
object, JSON, text, or base64).

Labels are str, and a key need not be UTF-8: bytes that are not are kept as
surrogates (``surrogateescape``), so a key's path joined is its bytes again.
"""

from __future__ import annotations

import json

from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from boltview.protobuf.wire import JsonValue, WireType, decode_raw
from boltview.render.text import base64_text, printable_utf8
from boltview.stores.etcd import lease_hex
from boltview.stores.etcd_kv import KeyValue, Record, revision_key
from boltview.stores.kubernetes import REGISTRY, decode_value

__all__ = [
    "KEYS", "key_path", "key_segments", "kv_fields", "password_hashes", "raw", "record_fields",
    "record_key", "shown", "text", "value_json", "value_summary",
]  # fmt: skip

KEYS = "keys"


def text(data: bytes) -> str:
    """Bytes as a label, reversibly (see :func:`raw`)."""
    return bytes(data).decode("utf-8", "surrogateescape")


def shown(key: bytes) -> str:
    """A key as a field's text: what is not UTF-8 as ``\\xNN`` (as every JSON boltview writes)."""
    return bytes(key).decode("utf-8", "backslashreplace")


def raw(label: str) -> bytes:
    return label.encode("utf-8", "surrogateescape")


def key_segments(key: bytes) -> list[bytes]:
    """``/registry/pods/x`` -> ``/``, ``registry/``, ``pods/``, ``x``: cut after each "/"."""
    parts = [part + b"/" for part in key.split(b"/")]
    parts[-1] = parts[-1][:-1]
    if parts[-1] == b"" and len(parts) > 1:
        parts.pop()
        return parts + [b""]
    return parts


def key_path(key: bytes) -> tuple[str, ...]:
    """Where ``key`` is in the view's tree."""
    return (KEYS, *(text(part) for part in key_segments(key)))


def value_json(key: bytes, value: bytes) -> tuple[str, JsonValue]:
    """A value as people read it: a Kubernetes object, JSON, text, or base64."""
    if key.startswith(REGISTRY):
        decoded = decode_value(value)
        if decoded.encoding in ("protobuf", "encrypted") or (
            decoded.encoding == "json" and decoded.error is None
        ):
            return f"kubernetes {decoded.encoding}", decoded.to_json()
    if value.lstrip()[:1] in (b"{", b"["):
        try:
            return "json", json.loads(value)
        except (UnicodeDecodeError, ValueError, RecursionError):
            pass
    if printable_utf8(value):
        return "text", value.decode("utf-8")
    return "base64", base64_text(value)


def value_summary(key: bytes, value: bytes) -> str:
    encoding, shown = value_json(key, value)
    if encoding.startswith("kubernetes") and isinstance(shown, dict):
        if shown.get("encoding") == "encrypted":
            return f"encrypted ({shown.get('provider')}, key {shown.get('keyName')})"
        return f"{shown.get('kind') or '?'} {shown.get('apiVersion') or ''}".strip()
    if encoding == "text":
        assert isinstance(shown, str)
        return repr(shown[:40] + ("…" if len(shown) > 40 else ""))
    return f"{encoding}, {len(value)} bytes"


def record_key(record: Record) -> bytes:
    key = revision_key(record.revision.main, record.revision.sub)
    return key + b"t" if record.tombstone else key


def kv_fields(kv: KeyValue) -> dict[str, JsonValue]:
    encoding, value = value_json(kv.key, kv.value)
    fields: dict[str, JsonValue] = {
        "create_revision": kv.create_revision,
        "mod_revision": kv.mod_revision,
        "version": kv.version,
        "lease": lease_hex(kv.lease) if kv.lease else None,
        "value_encoding": encoding,
        "value_size": len(kv.value),
        "value": value,
    }
    return fields


def record_fields(record: Record) -> dict[str, JsonValue]:
    fields: dict[str, JsonValue] = {
        "revision": str(record.revision),
        "op": "DELETE" if record.tombstone else "PUT",
        "key": shown(record.key),
    }
    if not record.tombstone:
        fields.update(kv_fields(record.kv))
    return fields


def password_hashes(db: BoltFile) -> dict[str, str]:
    """Each user's stored password hash (``authpb.User`` field 2), as text."""
    try:
        bucket = db.bucket(b"authUsers")
    except BoltviewError:
        return {}
    hashes = {}
    for entry in bucket.entries():
        if entry.is_bucket:
            continue
        try:
            wires = decode_raw(bytes(entry.value))
        except BoltviewError:
            continue
        for wire in wires:
            if (
                wire.number == 2
                and wire.wire_type == WireType.LEN
                and isinstance(wire.value, bytes)
            ):
                hashes[text(entry.key)] = wire.value.decode("ascii", "backslashreplace")
    return hashes
