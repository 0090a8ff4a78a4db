"""Kubernetes objects as kube-apiserver keeps them in etcd.

kube-apiserver stores each object under ``/registry/<resource>/[<namespace>/]<name>``
(resources of other groups under ``/registry/<group>/<resource>/...``) in
one of three forms:

- protobuf, for the built-in types: the four bytes ``k8s\\0`` and then a
  ``runtime.Unknown`` holding the type (apiVersion, kind), the object's own
  protobuf (``raw``), and how it is encoded;
- JSON, for custom resources and aggregated APIs;
- encrypted, when encryption at rest is on: ``k8s:enc:<provider>:v1:<key name>:``
  and the ciphertext, which nothing here can read.

:func:`decode_value` reads any of them to the object's apiVersion, kind and
``ObjectMeta``, for every type (field 1 of every top-level object is its
metadata), and the whole object for the common kinds in
:data:`~boltview.stores.k8s_types.TOP_LEVEL`, shaped as apimachinery's JSON
shows it.  The apiserver does not
store ``resourceVersion``: it is the key's ``mod_revision``, and
:func:`list_objects` fills it in as kubectl shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from boltview.errors import DecodeError
from boltview.protobuf.schemas import (
    UNKNOWN_KEY,
    FieldType,
    Kind,
    MessageSchema,
    decode_message,
    message,
)
from boltview.protobuf.wire import JsonValue, WireType, decode_raw
from boltview.stores import k8s_schemas as schemas
from boltview.stores.etcd import EtcdStore
from boltview.stores.k8s_types import TOP_LEVEL

__all__ = [
    "ENCRYPTED_PREFIX",
    "MAGIC",
    "K8sObject",
    "K8sValue",
    "decode_value",
    "human_duration",
    "list_objects",
]

MAGIC = b"k8s\x00"
ENCRYPTED_PREFIX = b"k8s:enc:"
REGISTRY = b"/registry/"


@dataclass(frozen=True)
class K8sValue:
    """One stored value: its encoding and as much of the object as could be read.

    ``encoding`` is ``protobuf``, ``json``, ``encrypted`` or ``unknown``; for an
    encrypted value ``provider`` and ``key_name`` say which key would open it.
    ``error`` says why a value that looked like an object could not be read.
    """

    encoding: str
    api_version: str = ""
    kind: str = ""
    metadata: dict[str, JsonValue] = field(default_factory=dict)
    body: dict[str, JsonValue] = field(default_factory=dict)
    provider: str = ""
    key_name: str = ""
    content_type: str = ""
    error: str | None = None

    def to_json(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"encoding": self.encoding}
        if self.encoding == "encrypted":
            out.update(provider=self.provider, keyName=self.key_name)
        else:
            out.update(apiVersion=self.api_version, kind=self.kind, metadata=self.metadata)
            out.update(self.body)
        if self.error:
            out["error"] = self.error
        return out


def decode_value(value: bytes) -> K8sValue:
    """What a value under ``/registry/`` holds; never raises."""
    value = bytes(value)
    if value.startswith(ENCRYPTED_PREFIX):
        return _encrypted(value)
    if value.startswith(MAGIC):
        try:
            return _protobuf(value[len(MAGIC) :])
        except DecodeError as error:
            return K8sValue("protobuf", error=f"not a Kubernetes protobuf object: {error}")
    if value.lstrip()[:1] == b"{":
        try:
            decoded = json.loads(value)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            return K8sValue("json", error=f"not JSON: {error}")
        if isinstance(decoded, dict):
            return _json_object(decoded)
    return K8sValue("unknown", error="neither protobuf (k8s\\0), JSON nor encrypted (k8s:enc:)")


def _encrypted(value: bytes) -> K8sValue:
    """``k8s:enc:<provider>:<version>:<key name>:<ciphertext>`` (kms v2 has no key name)."""
    parts = value[len(ENCRYPTED_PREFIX) :].split(b":", 3)
    provider = parts[0].decode("utf-8", "replace")
    version = parts[1].decode("utf-8", "replace") if len(parts) > 1 else ""
    # aescbc, aesgcm, secretbox and kms v1 name the key here; kms v2 its plugin,
    # and then comes a protobuf EncryptedObject with the key ID inside.
    key_name = parts[2].decode("utf-8", "replace") if len(parts) > 2 else ""
    return K8sValue(
        "encrypted", provider=f"{provider}:{version}" if version else provider, key_name=key_name
    )


def _protobuf(data: bytes) -> K8sValue:
    envelope = decode_message(schemas.UNKNOWN, data)
    type_meta = envelope.get("typeMeta")
    api_version = kind = ""
    if isinstance(type_meta, dict):
        api_version = str(type_meta.get("apiVersion", ""))
        kind = str(type_meta.get("kind", ""))
    encoding = str(envelope.get("contentEncoding", ""))
    if encoding:
        return K8sValue(
            "protobuf", api_version, kind, error=f"content encoding {encoding!r} not read"
        )
    raw = _raw_field(data)
    metadata: dict[str, JsonValue] = {}
    body: dict[str, JsonValue] = {}
    top = TOP_LEVEL.get((api_version, kind))
    fields: dict[int, tuple[str, FieldType]] = {1: ("metadata", message(schemas.OBJECT_META))}
    if top is not None:
        fields.update(top.fields)
    decoded = decode_message(MessageSchema(f"{api_version}/{kind}", fields), raw)
    meta = decoded.pop("metadata", {})
    if isinstance(meta, dict):
        metadata = _shape(schemas.OBJECT_META, meta)
    if top is not None:
        body = _shape(top, decoded)
    if kind == "Secret":
        body = _hide_secret_data(body)
    return K8sValue(
        "protobuf",
        api_version,
        kind,
        metadata,
        body,
        content_type=str(envelope.get("contentType", "")),
    )


def _raw_field(data: bytes) -> bytes:
    raw = b""
    for wire in decode_raw(data):
        if wire.number == 2 and wire.wire_type == WireType.LEN and isinstance(wire.value, bytes):
            raw = wire.value
    return raw


def _json_object(decoded: dict[str, JsonValue]) -> K8sValue:
    metadata = decoded.get("metadata")
    body = {
        name: value
        for name, value in decoded.items()
        if name not in ("apiVersion", "kind", "metadata")
    }
    if decoded.get("kind") == "Secret":
        body = _hide_secret_data(body)
    return K8sValue(
        "json",
        str(decoded.get("apiVersion", "")),
        str(decoded.get("kind", "")),
        metadata if isinstance(metadata, dict) else {},
        body,
    )


def _hide_secret_data(body: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """A Secret's values are not shown: each key with its size (base64 in JSON, bytes here)."""
    data = body.get("data")
    if isinstance(data, dict):
        import base64

        sizes: dict[str, JsonValue] = {}
        for name, value in data.items():
            try:
                sizes[name] = f"{len(base64.b64decode(str(value)))} bytes"
            except ValueError:
                sizes[name] = "not base64"
        body = {**body, "data": sizes}
    return body


def _shape(schema: MessageSchema, decoded: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """As apimachinery's JSON has it: zeros that mean "not set" left out, maps as
    objects, times as RFC 3339, quantities and IntOrString as what they hold, inline
    structs merged into their parent."""
    out: dict[str, JsonValue] = {}
    by_name = {name: ftype for name, ftype in schema.fields.values()}
    pointers = schemas.POINTERS.get(schema.name, frozenset())
    for name, value in decoded.items():
        if name == UNKNOWN_KEY:
            if isinstance(value, dict):
                numbers = sorted(int(number) for number in value)
                out["_undecodedFields"] = list[JsonValue](numbers)
            continue
        if value in ("", 0) and name not in pointers:
            continue  # written always, and zero: not set (see POINTERS)
        ftype = by_name[name]
        inner = ftype.schema
        if ftype.kind is not Kind.MESSAGE or inner is None:
            out[name] = value
        elif inner.name.startswith("map<") and isinstance(value, list):
            out[name] = _map(inner, value)
        elif isinstance(value, list):
            out[name] = [_shape_one(inner, item) for item in value]
        elif inner in _TIMES and not value:
            continue  # the zero time: written empty, null in JSON
        elif name in schemas.INLINE and isinstance(value, dict):
            out.update(_shape(inner, value))
        else:
            out[name] = _shape_one(inner, value)
    return out


_TIMES = (schemas.TIME, schemas.MICRO_TIME)


def _map(entry: MessageSchema, entries: list[JsonValue]) -> dict[str, JsonValue]:
    """A ``map<string, V>``'s entries as one object."""
    value_type = entry.fields[2][1]
    out: dict[str, JsonValue] = {}
    for item in entries:
        if not isinstance(item, dict):
            continue
        value = item.get("value", "")
        if value_type.schema is not None:
            value = _shape_one(value_type.schema, value if isinstance(value, dict) else {})
        out[str(item.get("key", ""))] = value
    return out


def _shape_one(schema: MessageSchema, value: JsonValue) -> JsonValue:
    if not isinstance(value, dict):
        return value
    if schema is schemas.TIME:
        return _rfc3339(value)
    if schema is schemas.MICRO_TIME:
        return _rfc3339(value, micro=True)
    if schema is schemas.QUANTITY:
        return str(value.get("string", ""))
    if schema is schemas.INT_OR_STRING:
        return value.get("strVal", "") if value.get("type") == 1 else value.get("intVal", 0)
    return _shape(schema, value)


def _rfc3339(time: dict[str, JsonValue], micro: bool = False) -> str:
    """A Time as ``2006-01-02T15:04:05Z``; a MicroTime with six digits of its nanos."""
    seconds = time.get("seconds", 0)
    seconds = seconds if isinstance(seconds, int) else 0
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    except OverflowError:
        return f"{seconds}s since 1970"
    if micro:
        nanos = time.get("nanos", 0)
        micros = (nanos if isinstance(nanos, int) else 0) // 1000
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros:06d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- listing, like kubectl get -----------------------------------------------------


@dataclass(frozen=True)
class K8sObject:
    """An object found under ``/registry/``: its key, what it holds, its revisions."""

    key: str
    resource: str
    value: K8sValue
    mod_revision: int
    create_revision: int

    @property
    def namespace(self) -> str:
        return str(self.value.metadata.get("namespace", ""))

    @property
    def name(self) -> str:
        return str(self.value.metadata.get("name", "")) or self.key.rsplit("/", 1)[-1]

    @property
    def created(self) -> datetime | None:
        stamp = self.value.metadata.get("creationTimestamp")
        if not isinstance(stamp, str):
            return None
        try:
            return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None


def resource_of(key: str) -> str:
    """The resource a ``/registry/`` key is under: ``pods``, ``services``, ``example.com/widgets``."""
    parts = key[len(REGISTRY) :].split("/")
    if len(parts) >= 2 and "." in parts[0]:
        return f"{parts[0]}/{parts[1]}"
    return parts[0]


SHORT_NAMES = {
    "po": "pods", "svc": "services", "ns": "namespaces", "cm": "configmaps",
    "deploy": "deployments", "rs": "replicasets", "ds": "daemonsets",
    "sts": "statefulsets", "sa": "serviceaccounts", "no": "nodes", "ev": "events",
    "ep": "endpoints", "pvc": "persistentvolumeclaims", "pv": "persistentvolumes",
    "cj": "cronjobs", "crd": "customresourcedefinitions", "netpol": "networkpolicies",
}  # fmt: skip
"""kubectl's short names for the built-in resources."""


def matches(obj: K8sObject, kind: str) -> bool:
    """``kind`` as kubectl takes it: the resource (``pods``), the kind (``Pod``), any case,
    or a group's resource by its plain name (``widgets`` for ``example.com/widgets``)."""
    wanted = SHORT_NAMES.get(kind.lower(), kind.lower())
    resource = obj.resource.lower()
    own = obj.value.kind.lower()
    return wanted in (resource, resource.rsplit("/", 1)[-1], own, own + "s") and bool(resource)


def list_objects(
    store: EtcdStore, kind: str | None = None, namespace: str | None = None, rev: int = 0
) -> list[K8sObject]:
    """The objects under ``/registry/`` as of ``rev``, of one kind and namespace if given."""
    found = []
    for kv in store.live_keys(REGISTRY, rev):
        key = kv.key.decode("utf-8", "backslashreplace")
        obj = K8sObject(
            key, resource_of(key), decode_value(kv.value), kv.mod_revision, kv.create_revision
        )
        if (
            obj.value.encoding != "encrypted"
            and "resourceVersion" not in obj.value.metadata
            and obj.value.metadata
        ):
            obj.value.metadata["resourceVersion"] = str(kv.mod_revision)
        if kind is not None and not matches(obj, kind):
            continue
        if (
            namespace is not None
            and obj.namespace != namespace
            and key_namespace(obj) != namespace
        ):
            continue
        found.append(obj)
    return found


def key_namespace(obj: K8sObject) -> str:
    """For an encrypted value, the namespace the key names (``.../<namespace>/<name>``)."""
    parts = obj.key.split("/")
    return parts[-2] if obj.value.encoding == "encrypted" and len(parts) >= 5 else ""


def human_duration(seconds: float) -> str:
    """An age as kubectl prints it (apimachinery's ``duration.HumanDuration``)."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"
