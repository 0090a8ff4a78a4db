"""Kubernetes' protobuf messages, from the field numbers in its ``generated.proto`` files:
the envelope and the shared types.

``k8s.io/apimachinery/pkg/runtime/generated.proto`` (``Unknown``, the
envelope of every stored object), ``pkg/apis/meta/v1/generated.proto``
(``ObjectMeta``, ``OwnerReference``, ``Time``, ``MicroTime``,
``LabelSelector``), ``pkg/api/resource`` (``Quantity``) and ``pkg/util/intstr``.
The API groups' own types are in :mod:`k8s_core` (core/v1) and
:mod:`k8s_groups` (apps, batch, rbac, coordination), and every top-level type
decoded in full in :data:`boltview.stores.k8s_types.TOP_LEVEL`.  A field not
declared is kept by number (``_undecodedFields``).
"""

from __future__ import annotations

from boltview.protobuf.schemas import (
    BOOL,
    BYTES,
    INT32,
    INT64,
    STRING,
    FieldType,
    MessageSchema,
    message,
    repeated,
)

__all__ = [
    "INLINE", "INT_OR_STRING", "LABEL_SELECTOR", "MICRO_TIME", "OBJECT_META", "OBJECT_REFERENCE",
    "POINTERS", "QUANTITY", "STRINGS", "STRING_MAP", "TIME", "TYPE_META", "UNKNOWN",
    "kind", "many", "map_of",
]  # fmt: skip

POINTERS: dict[str, frozenset[str]] = {}
"""The fields of each message that are pointers in Go, by the message's name: written
only when set, so a zero is a real zero.  Every other field is written always, and
its zero means "not set" (and apimachinery's JSON leaves it out)."""

INLINE = frozenset({"volumeSource", "handler", "localObjectReference"})
"""Embedded structs that Go's JSON writes inline (``json:",inline"``): their fields
are the parent's."""


def kind(name: str, fields: dict[int, tuple[str, FieldType]], pointers: str = "") -> MessageSchema:
    """A message of Kubernetes' ``generated.proto``; ``pointers`` names its Go pointer fields."""
    if pointers:
        POINTERS[name] = frozenset(pointers.split())
    return MessageSchema(name, fields)


def map_of(value: FieldType) -> FieldType:
    """A ``map<string, V>`` field: repeated key/value entries on the wire."""
    return repeated(
        message(MessageSchema("map<string, V>", {1: ("key", STRING), 2: ("value", value)}))
    )


def many(schema: MessageSchema) -> FieldType:
    """A repeated message field."""
    return repeated(message(schema))


STRINGS = repeated(STRING)
STRING_MAP = map_of(STRING)


TYPE_META = MessageSchema(
    "k8s.io.apimachinery.pkg.runtime.TypeMeta", {1: ("apiVersion", STRING), 2: ("kind", STRING)}
)

UNKNOWN = MessageSchema(
    "k8s.io.apimachinery.pkg.runtime.Unknown",
    {
        1: ("typeMeta", message(TYPE_META)),
        2: ("raw", BYTES),
        3: ("contentEncoding", STRING),
        4: ("contentType", STRING),
    },
)

TIME = MessageSchema(
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time", {1: ("seconds", INT64), 2: ("nanos", INT32)}
)


MICRO_TIME = MessageSchema(
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime", {1: ("seconds", INT64), 2: ("nanos", INT32)}
)

QUANTITY = MessageSchema("k8s.io.apimachinery.pkg.api.resource.Quantity", {1: ("string", STRING)})
"""A quantity (``500m``, ``1Gi``) as its canonical text, the form JSON shows."""

OWNER_REFERENCE = kind(
    "k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference",
    {
        5: ("apiVersion", STRING),
        1: ("kind", STRING),
        3: ("name", STRING),
        4: ("uid", STRING),
        6: ("controller", BOOL),
        7: ("blockOwnerDeletion", BOOL),
    },
    pointers="controller blockOwnerDeletion",
)

OBJECT_META = kind(
    "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    {
        1: ("name", STRING),
        2: ("generateName", STRING),
        3: ("namespace", STRING),
        4: ("selfLink", STRING),
        5: ("uid", STRING),
        6: ("resourceVersion", STRING),
        7: ("generation", INT64),
        8: ("creationTimestamp", message(TIME)),
        9: ("deletionTimestamp", message(TIME)),
        10: ("deletionGracePeriodSeconds", INT64),
        11: ("labels", STRING_MAP),
        12: ("annotations", STRING_MAP),
        13: ("ownerReferences", repeated(message(OWNER_REFERENCE))),
        14: ("finalizers", repeated(STRING)),
        15: ("clusterName", STRING),
    },
    pointers="deletionGracePeriodSeconds",
)
"""Field 17, ``managedFields``, is left undecoded: it is server-side apply's bookkeeping."""

INT_OR_STRING = MessageSchema(
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
    {1: ("type", INT64), 2: ("intVal", INT32), 3: ("strVal", STRING)},
)

LABEL_SELECTOR_REQUIREMENT = MessageSchema(
    "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
    {1: ("key", STRING), 2: ("operator", STRING), 3: ("values", STRINGS)},
)

LABEL_SELECTOR = MessageSchema(
    "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector",
    {1: ("matchLabels", STRING_MAP), 2: ("matchExpressions", many(LABEL_SELECTOR_REQUIREMENT))},
)

OBJECT_REFERENCE = MessageSchema(
    "k8s.io.api.core.v1.ObjectReference",
    {
        1: ("kind", STRING),
        2: ("namespace", STRING),
        3: ("name", STRING),
        4: ("uid", STRING),
        5: ("apiVersion", STRING),
        6: ("resourceVersion", STRING),
        7: ("fieldPath", STRING),
    },
)
