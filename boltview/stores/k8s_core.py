"""``k8s.io/api/core/v1/generated.proto``: the pod and what holds one, and the core kinds.

Field numbers and names as Kubernetes 1.20 declares them; ``pointers`` name the
fields that are pointers in Go (``types.go``), whose zero is a value.  Of a
volume's thirty sources the common ones are declared (hostPath, emptyDir,
secret, configMap, persistentVolumeClaim, projected's field number is kept);
affinity, lifecycle hooks and the cloud volume sources stay undecoded, by
number.
"""

from __future__ import annotations

from boltview.protobuf.schemas import BOOL, BYTES, INT32, INT64, STRING, message, repeated
from boltview.stores.k8s_schemas import (
    INT_OR_STRING,
    MICRO_TIME,
    OBJECT_META,
    OBJECT_REFERENCE,
    QUANTITY,
    STRING_MAP,
    STRINGS,
    TIME,
    kind,
    many,
    map_of,
)

__all__ = ["CONDITION", "CORE", "CORE_POINTERS", "POD_TEMPLATE_SPEC"]

QUANTITIES = map_of(message(QUANTITY))
LOCAL_REFERENCE = kind("k8s.io.api.core.v1.LocalObjectReference", {1: ("name", STRING)})
LOCAL = ("localObjectReference", message(LOCAL_REFERENCE))  # written inline (see INLINE)

CONTAINER_PORT = kind(
    "k8s.io.api.core.v1.ContainerPort",
    {1: ("name", STRING), 2: ("hostPort", INT32), 3: ("containerPort", INT32),
     4: ("protocol", STRING), 5: ("hostIP", STRING)},
)  # fmt: skip

KEY_SELECTOR = {1: LOCAL, 2: ("key", STRING), 3: ("optional", BOOL)}
ENV_VAR_SOURCE = kind(
    "k8s.io.api.core.v1.EnvVarSource",
    {
        1: ("fieldRef", message(kind("k8s.io.api.core.v1.ObjectFieldSelector",
                                     {1: ("apiVersion", STRING), 2: ("fieldPath", STRING)}))),
        2: ("resourceFieldRef", message(kind("k8s.io.api.core.v1.ResourceFieldSelector",
                                             {1: ("containerName", STRING), 2: ("resource", STRING),
                                              3: ("divisor", message(QUANTITY))}))),
        3: ("configMapKeyRef", message(kind("k8s.io.api.core.v1.ConfigMapKeySelector",
                                            KEY_SELECTOR, pointers="optional"))),
        4: ("secretKeyRef", message(kind("k8s.io.api.core.v1.SecretKeySelector",
                                         KEY_SELECTOR, pointers="optional"))),
    },
    pointers="fieldRef resourceFieldRef configMapKeyRef secretKeyRef",
)  # fmt: skip

ENV_VAR = kind(
    "k8s.io.api.core.v1.EnvVar",
    {1: ("name", STRING), 2: ("value", STRING), 3: ("valueFrom", message(ENV_VAR_SOURCE))},
)

ENV_FROM_SOURCE = kind(
    "k8s.io.api.core.v1.EnvFromSource",
    {
        1: ("prefix", STRING),
        2: ("configMapRef", message(kind("k8s.io.api.core.v1.ConfigMapEnvSource",
                                         {1: LOCAL, 2: ("optional", BOOL)}, pointers="optional"))),
        3: ("secretRef", message(kind("k8s.io.api.core.v1.SecretEnvSource",
                                      {1: LOCAL, 2: ("optional", BOOL)}, pointers="optional"))),
    },
)  # fmt: skip

RESOURCES = kind(
    "k8s.io.api.core.v1.ResourceRequirements",
    {1: ("limits", QUANTITIES), 2: ("requests", QUANTITIES)},
)

VOLUME_MOUNT = kind(
    "k8s.io.api.core.v1.VolumeMount",
    {1: ("name", STRING), 2: ("readOnly", BOOL), 3: ("mountPath", STRING), 4: ("subPath", STRING),
     5: ("mountPropagation", STRING), 6: ("subPathExpr", STRING)},
    pointers="mountPropagation",
)  # fmt: skip

HANDLER = kind(
    "k8s.io.api.core.v1.Handler",
    {
        1: ("exec", message(kind("k8s.io.api.core.v1.ExecAction", {1: ("command", STRINGS)}))),
        2: ("httpGet", message(kind("k8s.io.api.core.v1.HTTPGetAction",
                                    {1: ("path", STRING), 2: ("port", message(INT_OR_STRING)),
                                     3: ("host", STRING), 4: ("scheme", STRING)}))),
        3: ("tcpSocket", message(kind("k8s.io.api.core.v1.TCPSocketAction",
                                      {1: ("port", message(INT_OR_STRING)), 2: ("host", STRING)}))),
    },
    pointers="exec httpGet tcpSocket",
)  # fmt: skip

PROBE = kind(
    "k8s.io.api.core.v1.Probe",
    {1: ("handler", message(HANDLER)), 2: ("initialDelaySeconds", INT32),
     3: ("timeoutSeconds", INT32), 4: ("periodSeconds", INT32), 5: ("successThreshold", INT32),
     6: ("failureThreshold", INT32)},
)  # fmt: skip

SECCOMP_PROFILE = kind(
    "k8s.io.api.core.v1.SeccompProfile",
    {1: ("type", STRING), 2: ("localhostProfile", STRING)},
    pointers="localhostProfile",
)

SECURITY_CONTEXT = kind(
    "k8s.io.api.core.v1.SecurityContext",
    {1: ("capabilities", message(kind("k8s.io.api.core.v1.Capabilities",
                                      {1: ("add", STRINGS), 2: ("drop", STRINGS)}))),
     2: ("privileged", BOOL), 4: ("runAsUser", INT64), 8: ("runAsGroup", INT64),
     5: ("runAsNonRoot", BOOL), 6: ("readOnlyRootFilesystem", BOOL),
     7: ("allowPrivilegeEscalation", BOOL), 9: ("procMount", STRING),
     11: ("seccompProfile", message(SECCOMP_PROFILE))},
    pointers="capabilities privileged runAsUser runAsGroup runAsNonRoot readOnlyRootFilesystem "
    "allowPrivilegeEscalation procMount seccompProfile",
)  # fmt: skip

CONTAINER = kind(
    "k8s.io.api.core.v1.Container",
    {
        1: ("name", STRING), 2: ("image", STRING), 3: ("command", STRINGS), 4: ("args", STRINGS),
        5: ("workingDir", STRING), 6: ("ports", many(CONTAINER_PORT)),
        19: ("envFrom", many(ENV_FROM_SOURCE)), 7: ("env", many(ENV_VAR)),
        8: ("resources", message(RESOURCES)), 9: ("volumeMounts", many(VOLUME_MOUNT)),
        10: ("livenessProbe", message(PROBE)), 11: ("readinessProbe", message(PROBE)),
        22: ("startupProbe", message(PROBE)), 13: ("terminationMessagePath", STRING),
        20: ("terminationMessagePolicy", STRING), 14: ("imagePullPolicy", STRING),
        15: ("securityContext", message(SECURITY_CONTEXT)), 16: ("stdin", BOOL),
        17: ("stdinOnce", BOOL), 18: ("tty", BOOL),
    },
    pointers="livenessProbe readinessProbe startupProbe securityContext",
)  # fmt: skip
"""Field 21 (``volumeDevices``) and 12 (``lifecycle``) are left by number."""

KEY_TO_PATH = kind(
    "k8s.io.api.core.v1.KeyToPath",
    {1: ("key", STRING), 2: ("path", STRING), 3: ("mode", INT32)},
    pointers="mode",
)

VOLUME_SOURCE = kind(
    "k8s.io.api.core.v1.VolumeSource",
    {
        1: ("hostPath", message(kind("k8s.io.api.core.v1.HostPathVolumeSource",
                                     {1: ("path", STRING), 2: ("type", STRING)}, pointers="type"))),
        2: ("emptyDir", message(kind("k8s.io.api.core.v1.EmptyDirVolumeSource",
                                     {1: ("medium", STRING), 2: ("sizeLimit", message(QUANTITY))}))),
        6: ("secret", message(kind("k8s.io.api.core.v1.SecretVolumeSource",
                                   {1: ("secretName", STRING), 2: ("items", many(KEY_TO_PATH)),
                                    3: ("defaultMode", INT32), 4: ("optional", BOOL)},
                                   pointers="defaultMode optional"))),
        10: ("persistentVolumeClaim", message(kind(
            "k8s.io.api.core.v1.PersistentVolumeClaimVolumeSource",
            {1: ("claimName", STRING), 2: ("readOnly", BOOL)}))),
        19: ("configMap", message(kind("k8s.io.api.core.v1.ConfigMapVolumeSource",
                                       {1: LOCAL, 2: ("items", many(KEY_TO_PATH)),
                                        3: ("defaultMode", INT32), 4: ("optional", BOOL)},
                                       pointers="defaultMode optional"))),
    },
    pointers="hostPath emptyDir secret persistentVolumeClaim configMap",
)  # fmt: skip

VOLUME = kind(
    "k8s.io.api.core.v1.Volume", {1: ("name", STRING), 2: ("volumeSource", message(VOLUME_SOURCE))}
)

TOLERATION = kind(
    "k8s.io.api.core.v1.Toleration",
    {1: ("key", STRING), 2: ("operator", STRING), 3: ("value", STRING), 4: ("effect", STRING),
     5: ("tolerationSeconds", INT64)},
    pointers="tolerationSeconds",
)  # fmt: skip

POD_SECURITY_CONTEXT = kind(
    "k8s.io.api.core.v1.PodSecurityContext",
    {2: ("runAsUser", INT64), 6: ("runAsGroup", INT64), 3: ("runAsNonRoot", BOOL),
     4: ("supplementalGroups", repeated(INT64)),
     5: ("fsGroup", INT64), 9: ("fsGroupChangePolicy", STRING),
     10: ("seccompProfile", message(SECCOMP_PROFILE))},
    pointers="runAsUser runAsGroup runAsNonRoot fsGroup fsGroupChangePolicy seccompProfile",
)  # fmt: skip

POD_SPEC = kind(
    "k8s.io.api.core.v1.PodSpec",
    {
        1: ("volumes", many(VOLUME)), 20: ("initContainers", many(CONTAINER)),
        2: ("containers", many(CONTAINER)), 3: ("restartPolicy", STRING),
        4: ("terminationGracePeriodSeconds", INT64), 5: ("activeDeadlineSeconds", INT64),
        6: ("dnsPolicy", STRING), 7: ("nodeSelector", STRING_MAP),
        8: ("serviceAccountName", STRING), 9: ("serviceAccount", STRING),
        21: ("automountServiceAccountToken", BOOL), 10: ("nodeName", STRING),
        11: ("hostNetwork", BOOL), 12: ("hostPID", BOOL), 13: ("hostIPC", BOOL),
        27: ("shareProcessNamespace", BOOL), 14: ("securityContext", message(POD_SECURITY_CONTEXT)),
        15: ("imagePullSecrets", many(LOCAL_REFERENCE)), 16: ("hostname", STRING),
        17: ("subdomain", STRING), 19: ("schedulerName", STRING),
        22: ("tolerations", many(TOLERATION)), 24: ("priorityClassName", STRING),
        25: ("priority", INT32), 29: ("runtimeClassName", STRING),
        30: ("enableServiceLinks", BOOL), 31: ("preemptionPolicy", STRING),
        32: ("overhead", QUANTITIES), 35: ("setHostnameAsFQDN", BOOL),
    },
    pointers="terminationGracePeriodSeconds activeDeadlineSeconds automountServiceAccountToken "
    "shareProcessNamespace securityContext priority runtimeClassName enableServiceLinks "
    "preemptionPolicy setHostnameAsFQDN",
)  # fmt: skip
"""Affinity (18), host aliases (23), DNS config (26), readiness gates (28),
topology spread (33) and ephemeral containers (34) are left by number."""

POD_TEMPLATE_SPEC = kind(
    "k8s.io.api.core.v1.PodTemplateSpec",
    {1: ("metadata", message(OBJECT_META)), 2: ("spec", message(POD_SPEC))},
)

CONDITION = {  # PodCondition, NodeCondition and the workloads' conditions share these
    1: ("type", STRING), 2: ("status", STRING), 5: ("reason", STRING), 6: ("message", STRING),
}  # fmt: skip

CONTAINER_STATE = kind(
    "k8s.io.api.core.v1.ContainerState",
    {
        1: ("waiting", message(kind("k8s.io.api.core.v1.ContainerStateWaiting",
                                    {1: ("reason", STRING), 2: ("message", STRING)}))),
        2: ("running", message(kind("k8s.io.api.core.v1.ContainerStateRunning",
                                    {1: ("startedAt", message(TIME))}))),
        3: ("terminated", message(kind("k8s.io.api.core.v1.ContainerStateTerminated",
                                       {1: ("exitCode", INT32), 2: ("signal", INT32),
                                        3: ("reason", STRING), 4: ("message", STRING),
                                        5: ("startedAt", message(TIME)),
                                        6: ("finishedAt", message(TIME)),
                                        7: ("containerID", STRING)}))),
    },
    pointers="waiting running terminated",
)  # fmt: skip

CONTAINER_STATUS = kind(
    "k8s.io.api.core.v1.ContainerStatus",
    {1: ("name", STRING), 2: ("state", message(CONTAINER_STATE)),
     3: ("lastState", message(CONTAINER_STATE)), 4: ("ready", BOOL), 5: ("restartCount", INT32),
     6: ("image", STRING), 7: ("imageID", STRING), 8: ("containerID", STRING),
     9: ("started", BOOL)},
    pointers="started",
)  # fmt: skip

POD_STATUS = kind(
    "k8s.io.api.core.v1.PodStatus",
    {
        1: ("phase", STRING),
        2: ("conditions", many(kind("k8s.io.api.core.v1.PodCondition",
                                    {**CONDITION, 3: ("lastProbeTime", message(TIME)),
                                     4: ("lastTransitionTime", message(TIME))}))),
        3: ("message", STRING), 4: ("reason", STRING), 11: ("nominatedNodeName", STRING),
        5: ("hostIP", STRING), 6: ("podIP", STRING),
        12: ("podIPs", many(kind("k8s.io.api.core.v1.PodIP", {1: ("ip", STRING)}))),
        7: ("startTime", message(TIME)), 10: ("initContainerStatuses", many(CONTAINER_STATUS)),
        8: ("containerStatuses", many(CONTAINER_STATUS)), 9: ("qosClass", STRING),
    },
)  # fmt: skip

SERVICE_PORT = kind(
    "k8s.io.api.core.v1.ServicePort",
    {1: ("name", STRING), 2: ("protocol", STRING), 6: ("appProtocol", STRING), 3: ("port", INT32),
     4: ("targetPort", message(INT_OR_STRING)), 5: ("nodePort", INT32)},
    pointers="appProtocol",
)  # fmt: skip

SERVICE_SPEC = kind(
    "k8s.io.api.core.v1.ServiceSpec",
    {
        1: ("ports", many(SERVICE_PORT)), 2: ("selector", STRING_MAP), 3: ("clusterIP", STRING),
        18: ("clusterIPs", STRINGS), 4: ("type", STRING), 5: ("externalIPs", STRINGS),
        7: ("sessionAffinity", STRING), 8: ("loadBalancerIP", STRING),
        9: ("loadBalancerSourceRanges", STRINGS), 10: ("externalName", STRING),
        11: ("externalTrafficPolicy", STRING), 12: ("healthCheckNodePort", INT32),
        13: ("publishNotReadyAddresses", BOOL), 16: ("topologyKeys", STRINGS),
        19: ("ipFamilies", STRINGS), 17: ("ipFamilyPolicy", STRING),
        20: ("allocateLoadBalancerNodePorts", BOOL),
    },
    pointers="ipFamilyPolicy allocateLoadBalancerNodePorts",
)  # fmt: skip

SERVICE_STATUS = kind(
    "k8s.io.api.core.v1.ServiceStatus",
    {1: ("loadBalancer", message(kind(
        "k8s.io.api.core.v1.LoadBalancerStatus",
        {1: ("ingress", many(kind("k8s.io.api.core.v1.LoadBalancerIngress",
                                  {1: ("ip", STRING), 2: ("hostname", STRING)})))})))},
)  # fmt: skip

NODE_SPEC = kind(
    "k8s.io.api.core.v1.NodeSpec",
    {
        1: ("podCIDR", STRING), 7: ("podCIDRs", STRINGS), 3: ("providerID", STRING),
        4: ("unschedulable", BOOL),
        5: ("taints", many(kind("k8s.io.api.core.v1.Taint",
                                {1: ("key", STRING), 2: ("value", STRING), 3: ("effect", STRING),
                                 4: ("timeAdded", message(TIME))}, pointers="timeAdded"))),
        2: ("externalID", STRING),
    },
)  # fmt: skip

NODE_STATUS = kind(
    "k8s.io.api.core.v1.NodeStatus",
    {
        1: ("capacity", QUANTITIES), 2: ("allocatable", QUANTITIES), 3: ("phase", STRING),
        4: ("conditions", many(kind("k8s.io.api.core.v1.NodeCondition",
                                    {**CONDITION, 3: ("lastHeartbeatTime", message(TIME)),
                                     4: ("lastTransitionTime", message(TIME))}))),
        5: ("addresses", many(kind("k8s.io.api.core.v1.NodeAddress",
                                   {1: ("type", STRING), 2: ("address", STRING)}))),
        6: ("daemonEndpoints", message(kind(
            "k8s.io.api.core.v1.NodeDaemonEndpoints",
            {1: ("kubeletEndpoint", message(kind("k8s.io.api.core.v1.DaemonEndpoint",
                                                 {1: ("Port", INT32)})))}))),
        7: ("nodeInfo", message(kind(
            "k8s.io.api.core.v1.NodeSystemInfo",
            {1: ("machineID", STRING), 2: ("systemUUID", STRING), 3: ("bootID", STRING),
             4: ("kernelVersion", STRING), 5: ("osImage", STRING),
             6: ("containerRuntimeVersion", STRING), 7: ("kubeletVersion", STRING),
             8: ("kubeProxyVersion", STRING), 9: ("operatingSystem", STRING),
             10: ("architecture", STRING)}))),
        8: ("images", many(kind("k8s.io.api.core.v1.ContainerImage",
                                {1: ("names", STRINGS), 2: ("sizeBytes", INT64)}))),
        9: ("volumesInUse", STRINGS),
        10: ("volumesAttached", many(kind("k8s.io.api.core.v1.AttachedVolume",
                                          {1: ("name", STRING), 2: ("devicePath", STRING)}))),
    },
)  # fmt: skip
"""Field 11 (``config``, dynamic kubelet config) is left by number."""

EVENT_SOURCE = kind(
    "k8s.io.api.core.v1.EventSource", {1: ("component", STRING), 2: ("host", STRING)}
)


CORE = {
    "Pod": {2: ("spec", message(POD_SPEC)), 3: ("status", message(POD_STATUS))},
    "ConfigMap": {4: ("immutable", BOOL), 2: ("data", STRING_MAP), 3: ("binaryData", map_of(BYTES))},
    "Secret": {5: ("immutable", BOOL), 2: ("data", map_of(BYTES)), 4: ("stringData", STRING_MAP),
               3: ("type", STRING)},
    "Namespace": {
        2: ("spec", message(kind("k8s.io.api.core.v1.NamespaceSpec", {1: ("finalizers", STRINGS)}))),
        3: ("status", message(kind("k8s.io.api.core.v1.NamespaceStatus", {1: ("phase", STRING)}))),
    },
    "Service": {2: ("spec", message(SERVICE_SPEC)), 3: ("status", message(SERVICE_STATUS))},
    "Node": {2: ("spec", message(NODE_SPEC)), 3: ("status", message(NODE_STATUS))},
    "ServiceAccount": {2: ("secrets", many(OBJECT_REFERENCE)),
                       3: ("imagePullSecrets", many(LOCAL_REFERENCE)),
                       4: ("automountServiceAccountToken", BOOL)},
    "Event": {
        2: ("involvedObject", message(OBJECT_REFERENCE)), 3: ("reason", STRING),
        4: ("message", STRING), 5: ("source", message(EVENT_SOURCE)),
        6: ("firstTimestamp", message(TIME)), 7: ("lastTimestamp", message(TIME)),
        8: ("count", INT32), 9: ("type", STRING), 10: ("eventTime", message(MICRO_TIME)),
        11: ("series", message(kind("k8s.io.api.core.v1.EventSeries",
                                    {1: ("count", INT32), 2: ("lastObservedTime", message(MICRO_TIME))}))),
        12: ("action", STRING), 13: ("related", message(OBJECT_REFERENCE)),
        14: ("reportingComponent", STRING), 15: ("reportingInstance", STRING),
    },
}  # fmt: skip
"""The fields after ``metadata`` (field 1) of each core/v1 kind, by kind; the Go
pointers among them in :data:`CORE_POINTERS`."""

CORE_POINTERS = {
    "ConfigMap": "immutable", "Secret": "immutable",
    "ServiceAccount": "automountServiceAccountToken", "Event": "series related",
}  # fmt: skip
