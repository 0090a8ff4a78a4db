"""Kubernetes' protobuf messages, from the field numbers in its ``generated.proto`` files.

``k8s.io/apimachinery/pkg/runtime/generated.proto`` (``Unknown``, the
envelope of every stored object), ``pkg/apis/meta/v1/generated.proto``
(``ObjectMeta``, ``OwnerReference``, ``Time``), ``pkg/util/intstr`` and
``k8s.io/api/core/v1/generated.proto`` for the top level of the core types
decoded so far: Pod, ConfigMap, Secret, Namespace, Service.  A field not
declared here is kept by number (see :data:`UNDECODED`).
"""

from __future__ import annotations

from boltview.protobuf.schemas import (
    BOOL,
    BYTES,
    INT32,
    INT64,
    STRING,
    MessageSchema,
    message,
    repeated,
)

__all__ = ["OBJECT_META", "POINTERS", "TOP_LEVEL", "TYPE_META", "UNKNOWN"]

POINTERS = frozenset(
    {
        "deletionGracePeriodSeconds",
        "controller",
        "blockOwnerDeletion",
        "terminationGracePeriodSeconds",
        "priority",
        "immutable",
    }
)
"""Fields that are pointers in Go: written only when set, so a zero is a real zero.
Every other field is written always, and its zero means "not set" (and
apimachinery's JSON leaves it out)."""

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

STRING_ENTRY = MessageSchema("map<string, string>", {1: ("key", STRING), 2: ("value", STRING)})
BYTES_ENTRY = MessageSchema("map<string, bytes>", {1: ("key", STRING), 2: ("value", BYTES)})

OWNER_REFERENCE = MessageSchema(
    "k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference",
    {
        5: ("apiVersion", STRING),
        1: ("kind", STRING),
        3: ("name", STRING),
        4: ("uid", STRING),
        6: ("controller", BOOL),
        7: ("blockOwnerDeletion", BOOL),
    },
)

OBJECT_META = MessageSchema(
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
        11: ("labels", repeated(message(STRING_ENTRY))),
        12: ("annotations", repeated(message(STRING_ENTRY))),
        13: ("ownerReferences", repeated(message(OWNER_REFERENCE))),
        14: ("finalizers", repeated(STRING)),
        15: ("clusterName", STRING),
    },
)
"""Field 17, ``managedFields``, is left undecoded: it is server-side apply's bookkeeping."""

INT_OR_STRING = MessageSchema(
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
    {1: ("type", INT64), 2: ("intVal", INT32), 3: ("strVal", STRING)},
)

CONTAINER_PORT = MessageSchema(
    "k8s.io.api.core.v1.ContainerPort",
    {
        1: ("name", STRING),
        2: ("hostPort", INT32),
        3: ("containerPort", INT32),
        4: ("protocol", STRING),
        5: ("hostIP", STRING),
    },
)

CONTAINER = MessageSchema(
    "k8s.io.api.core.v1.Container",
    {
        1: ("name", STRING),
        2: ("image", STRING),
        3: ("command", repeated(STRING)),
        4: ("args", repeated(STRING)),
        5: ("workingDir", STRING),
        6: ("ports", repeated(message(CONTAINER_PORT))),
        14: ("imagePullPolicy", STRING),
    },
)

POD_SPEC = MessageSchema(
    "k8s.io.api.core.v1.PodSpec",
    {
        20: ("initContainers", repeated(message(CONTAINER))),
        2: ("containers", repeated(message(CONTAINER))),
        3: ("restartPolicy", STRING),
        4: ("terminationGracePeriodSeconds", INT64),
        6: ("dnsPolicy", STRING),
        7: ("nodeSelector", repeated(message(STRING_ENTRY))),
        8: ("serviceAccountName", STRING),
        10: ("nodeName", STRING),
        11: ("hostNetwork", BOOL),
        12: ("hostPID", BOOL),
        13: ("hostIPC", BOOL),
        16: ("hostname", STRING),
        19: ("schedulerName", STRING),
        24: ("priorityClassName", STRING),
        25: ("priority", INT32),
        29: ("runtimeClassName", STRING),
    },
)

POD_IP = MessageSchema("k8s.io.api.core.v1.PodIP", {1: ("ip", STRING)})

POD_STATUS = MessageSchema(
    "k8s.io.api.core.v1.PodStatus",
    {
        1: ("phase", STRING),
        3: ("message", STRING),
        4: ("reason", STRING),
        5: ("hostIP", STRING),
        6: ("podIP", STRING),
        7: ("startTime", message(TIME)),
        9: ("qosClass", STRING),
        11: ("nominatedNodeName", STRING),
        12: ("podIPs", repeated(message(POD_IP))),
    },
)

SERVICE_PORT = MessageSchema(
    "k8s.io.api.core.v1.ServicePort",
    {
        1: ("name", STRING),
        2: ("protocol", STRING),
        6: ("appProtocol", STRING),
        3: ("port", INT32),
        4: ("targetPort", message(INT_OR_STRING)),
        5: ("nodePort", INT32),
    },
)

SERVICE_SPEC = MessageSchema(
    "k8s.io.api.core.v1.ServiceSpec",
    {
        1: ("ports", repeated(message(SERVICE_PORT))),
        2: ("selector", repeated(message(STRING_ENTRY))),
        3: ("clusterIP", STRING),
        18: ("clusterIPs", repeated(STRING)),
        4: ("type", STRING),
        5: ("externalIPs", repeated(STRING)),
        7: ("sessionAffinity", STRING),
        10: ("externalName", STRING),
        11: ("externalTrafficPolicy", STRING),
    },
)

NAMESPACE_SPEC = MessageSchema(
    "k8s.io.api.core.v1.NamespaceSpec", {1: ("finalizers", repeated(STRING))}
)
NAMESPACE_STATUS = MessageSchema("k8s.io.api.core.v1.NamespaceStatus", {1: ("phase", STRING)})

TOP_LEVEL: dict[tuple[str, str], MessageSchema] = {
    ("v1", "Pod"): MessageSchema(
        "k8s.io.api.core.v1.Pod",
        {2: ("spec", message(POD_SPEC)), 3: ("status", message(POD_STATUS))},
    ),
    ("v1", "ConfigMap"): MessageSchema(
        "k8s.io.api.core.v1.ConfigMap",
        {
            4: ("immutable", BOOL),
            2: ("data", repeated(message(STRING_ENTRY))),
            3: ("binaryData", repeated(message(BYTES_ENTRY))),
        },
    ),
    ("v1", "Secret"): MessageSchema(
        "k8s.io.api.core.v1.Secret",
        {
            5: ("immutable", BOOL),
            2: ("data", repeated(message(BYTES_ENTRY))),
            4: ("stringData", repeated(message(STRING_ENTRY))),
            3: ("type", STRING),
        },
    ),
    ("v1", "Namespace"): MessageSchema(
        "k8s.io.api.core.v1.Namespace",
        {2: ("spec", message(NAMESPACE_SPEC)), 3: ("status", message(NAMESPACE_STATUS))},
    ),
    ("v1", "Service"): MessageSchema(
        "k8s.io.api.core.v1.Service", {2: ("spec", message(SERVICE_SPEC))}
    ),
}
"""The fields beyond ``metadata`` (field 1) of the core types decoded so far, by
(apiVersion, kind).  Service's status (load balancer ingress) is not yet declared."""
