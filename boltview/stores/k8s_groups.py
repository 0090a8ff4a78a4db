"""The other API groups' ``generated.proto``: apps/v1, batch/v1, batch/v1beta1 (CronJob,
as Kubernetes 1.20 stores it), rbac.authorization.k8s.io/v1 and coordination.k8s.io/v1.

Field numbers and names as Kubernetes 1.20 declares them; ``pointers`` name the
fields that are pointers in Go.  StatefulSet's ``volumeClaimTemplates`` (field
4, whole PersistentVolumeClaims) are left by number.
"""

from __future__ import annotations

from boltview.protobuf.schemas import BOOL, INT32, INT64, STRING, FieldType, message
from boltview.stores.k8s_core import CONDITION, POD_TEMPLATE_SPEC
from boltview.stores.k8s_schemas import (
    INT_OR_STRING,
    LABEL_SELECTOR,
    MICRO_TIME,
    OBJECT_META,
    OBJECT_REFERENCE,
    STRINGS,
    TIME,
    kind,
    many,
)

__all__ = ["GROUPS", "GROUP_POINTERS"]

SELECTOR = message(LABEL_SELECTOR)
TEMPLATE = message(POD_TEMPLATE_SPEC)


def conditions(name: str) -> FieldType:
    """A workload's conditions: type, status, reason, message and when it changed."""
    return many(kind(
        f"k8s.io.api.apps.v1.{name}",
        {1: ("type", STRING), 2: ("status", STRING), 3: ("lastTransitionTime", message(TIME)),
         4: ("reason", STRING), 5: ("message", STRING)},
    ))  # fmt: skip


DEPLOYMENT_SPEC = kind(
    "k8s.io.api.apps.v1.DeploymentSpec",
    {
        1: ("replicas", INT32), 2: ("selector", SELECTOR), 3: ("template", TEMPLATE),
        4: ("strategy", message(kind(
            "k8s.io.api.apps.v1.DeploymentStrategy",
            {1: ("type", STRING),
             2: ("rollingUpdate", message(kind(
                 "k8s.io.api.apps.v1.RollingUpdateDeployment",
                 {1: ("maxUnavailable", message(INT_OR_STRING)),
                  2: ("maxSurge", message(INT_OR_STRING))},
                 pointers="maxUnavailable maxSurge")))},
            pointers="rollingUpdate"))),
        5: ("minReadySeconds", INT32), 6: ("revisionHistoryLimit", INT32), 7: ("paused", BOOL),
        9: ("progressDeadlineSeconds", INT32),
    },
    pointers="replicas revisionHistoryLimit progressDeadlineSeconds",
)  # fmt: skip

DEPLOYMENT_STATUS = kind(
    "k8s.io.api.apps.v1.DeploymentStatus",
    {
        1: ("observedGeneration", INT64), 2: ("replicas", INT32), 3: ("updatedReplicas", INT32),
        7: ("readyReplicas", INT32), 4: ("availableReplicas", INT32),
        5: ("unavailableReplicas", INT32),
        6: ("conditions", many(kind("k8s.io.api.apps.v1.DeploymentCondition",
                                    {1: ("type", STRING), 2: ("status", STRING),
                                     6: ("lastUpdateTime", message(TIME)),
                                     7: ("lastTransitionTime", message(TIME)),
                                     4: ("reason", STRING), 5: ("message", STRING)}))),
        8: ("collisionCount", INT32),
    },
    pointers="collisionCount",
)  # fmt: skip

REPLICA_SET_SPEC = kind(
    "k8s.io.api.apps.v1.ReplicaSetSpec",
    {1: ("replicas", INT32), 4: ("minReadySeconds", INT32), 2: ("selector", SELECTOR),
     3: ("template", TEMPLATE)},
    pointers="replicas",
)  # fmt: skip

REPLICA_SET_STATUS = kind(
    "k8s.io.api.apps.v1.ReplicaSetStatus",
    {1: ("replicas", INT32), 2: ("fullyLabeledReplicas", INT32), 4: ("readyReplicas", INT32),
     5: ("availableReplicas", INT32), 3: ("observedGeneration", INT64),
     6: ("conditions", conditions("ReplicaSetCondition"))},
)  # fmt: skip

DAEMON_SET_SPEC = kind(
    "k8s.io.api.apps.v1.DaemonSetSpec",
    {
        1: ("selector", SELECTOR), 2: ("template", TEMPLATE),
        3: ("updateStrategy", message(kind(
            "k8s.io.api.apps.v1.DaemonSetUpdateStrategy",
            {1: ("type", STRING),
             2: ("rollingUpdate", message(kind(
                 "k8s.io.api.apps.v1.RollingUpdateDaemonSet",
                 {1: ("maxUnavailable", message(INT_OR_STRING))}, pointers="maxUnavailable")))},
            pointers="rollingUpdate"))),
        4: ("minReadySeconds", INT32), 6: ("revisionHistoryLimit", INT32),
    },
    pointers="revisionHistoryLimit",
)  # fmt: skip

DAEMON_SET_STATUS = kind(
    "k8s.io.api.apps.v1.DaemonSetStatus",
    {1: ("currentNumberScheduled", INT32), 2: ("numberMisscheduled", INT32),
     3: ("desiredNumberScheduled", INT32), 4: ("numberReady", INT32),
     5: ("observedGeneration", INT64), 6: ("updatedNumberScheduled", INT32),
     7: ("numberAvailable", INT32), 8: ("numberUnavailable", INT32), 9: ("collisionCount", INT32),
     10: ("conditions", conditions("DaemonSetCondition"))},
    pointers="collisionCount",
)  # fmt: skip

STATEFUL_SET_SPEC = kind(
    "k8s.io.api.apps.v1.StatefulSetSpec",
    {
        1: ("replicas", INT32), 2: ("selector", SELECTOR), 3: ("template", TEMPLATE),
        5: ("serviceName", STRING), 6: ("podManagementPolicy", STRING),
        7: ("updateStrategy", message(kind(
            "k8s.io.api.apps.v1.StatefulSetUpdateStrategy",
            {1: ("type", STRING),
             2: ("rollingUpdate", message(kind(
                 "k8s.io.api.apps.v1.RollingUpdateStatefulSetStrategy",
                 {1: ("partition", INT32)}, pointers="partition")))},
            pointers="rollingUpdate"))),
        8: ("revisionHistoryLimit", INT32),
    },
    pointers="replicas revisionHistoryLimit",
)  # fmt: skip

STATEFUL_SET_STATUS = kind(
    "k8s.io.api.apps.v1.StatefulSetStatus",
    {1: ("observedGeneration", INT64), 2: ("replicas", INT32), 3: ("readyReplicas", INT32),
     4: ("currentReplicas", INT32), 5: ("updatedReplicas", INT32), 6: ("currentRevision", STRING),
     7: ("updateRevision", STRING), 9: ("collisionCount", INT32),
     10: ("conditions", conditions("StatefulSetCondition"))},
    pointers="collisionCount",
)  # fmt: skip

JOB_SPEC = kind(
    "k8s.io.api.batch.v1.JobSpec",
    {1: ("parallelism", INT32), 2: ("completions", INT32), 3: ("activeDeadlineSeconds", INT64),
     7: ("backoffLimit", INT32), 4: ("selector", SELECTOR), 5: ("manualSelector", BOOL),
     6: ("template", TEMPLATE), 8: ("ttlSecondsAfterFinished", INT32),
     9: ("completionMode", STRING), 10: ("suspend", BOOL)},
    pointers="parallelism completions activeDeadlineSeconds backoffLimit manualSelector "
    "ttlSecondsAfterFinished completionMode suspend",
)  # fmt: skip
"""Fields 9 and 10 are Kubernetes 1.21's; 11 (``podFailurePolicy``, 1.25) is left by number."""

JOB_STATUS = kind(
    "k8s.io.api.batch.v1.JobStatus",
    {1: ("conditions", many(kind("k8s.io.api.batch.v1.JobCondition",
                                 {**CONDITION, 3: ("lastProbeTime", message(TIME)),
                                  4: ("lastTransitionTime", message(TIME))}))),
     2: ("startTime", message(TIME)), 3: ("completionTime", message(TIME)), 4: ("active", INT32),
     5: ("succeeded", INT32), 6: ("failed", INT32), 7: ("completedIndexes", STRING),
     9: ("ready", INT32)},
    pointers="startTime completionTime ready",
)  # fmt: skip
"""Fields 7 and 9 are 1.21's and 1.23's; 8 (``uncountedTerminatedPods``) is left by number."""

CRON_JOB_SPEC = kind(
    "k8s.io.api.batch.v1beta1.CronJobSpec",
    {1: ("schedule", STRING), 2: ("startingDeadlineSeconds", INT64),
     3: ("concurrencyPolicy", STRING), 4: ("suspend", BOOL),
     5: ("jobTemplate", message(kind("k8s.io.api.batch.v1beta1.JobTemplateSpec",
                                     {1: ("metadata", message(OBJECT_META)),
                                      2: ("spec", message(JOB_SPEC))}))),
     6: ("successfulJobsHistoryLimit", INT32), 7: ("failedJobsHistoryLimit", INT32),
     8: ("timeZone", STRING)},
    pointers="startingDeadlineSeconds suspend successfulJobsHistoryLimit failedJobsHistoryLimit "
    "timeZone",
)  # fmt: skip
"""batch/v1beta1's, and batch/v1's (the storage version since Kubernetes 1.21 made
CronJob v1, same field numbers): ``timeZone`` (8) is 1.24's."""

CRON_JOB_STATUS = kind(
    "k8s.io.api.batch.v1beta1.CronJobStatus",
    {1: ("active", many(OBJECT_REFERENCE)), 4: ("lastScheduleTime", message(TIME)),
     5: ("lastSuccessfulTime", message(TIME))},
    pointers="lastScheduleTime lastSuccessfulTime",
)  # fmt: skip

POLICY_RULE = kind(
    "k8s.io.api.rbac.v1.PolicyRule",
    {1: ("verbs", STRINGS), 2: ("apiGroups", STRINGS), 3: ("resources", STRINGS),
     4: ("resourceNames", STRINGS), 5: ("nonResourceURLs", STRINGS)},
)  # fmt: skip

SUBJECT = kind(
    "k8s.io.api.rbac.v1.Subject",
    {1: ("kind", STRING), 2: ("apiGroup", STRING), 3: ("name", STRING), 4: ("namespace", STRING)},
)

ROLE_REF = kind(
    "k8s.io.api.rbac.v1.RoleRef",
    {1: ("apiGroup", STRING), 2: ("kind", STRING), 3: ("name", STRING)},
)

BINDING = {2: ("subjects", many(SUBJECT)), 3: ("roleRef", message(ROLE_REF))}

LEASE_SPEC = kind(
    "k8s.io.api.coordination.v1.LeaseSpec",
    {1: ("holderIdentity", STRING), 2: ("leaseDurationSeconds", INT32),
     3: ("acquireTime", message(MICRO_TIME)), 4: ("renewTime", message(MICRO_TIME)),
     5: ("leaseTransitions", INT32)},
    pointers="holderIdentity leaseDurationSeconds acquireTime renewTime leaseTransitions",
)  # fmt: skip

WORKLOADS = {
    "Deployment": (DEPLOYMENT_SPEC, DEPLOYMENT_STATUS),
    "ReplicaSet": (REPLICA_SET_SPEC, REPLICA_SET_STATUS),
    "DaemonSet": (DAEMON_SET_SPEC, DAEMON_SET_STATUS),
    "StatefulSet": (STATEFUL_SET_SPEC, STATEFUL_SET_STATUS),
}

GROUPS: dict[tuple[str, str], dict[int, tuple[str, FieldType]]] = {
    **{("apps/v1", name): {2: ("spec", message(spec)), 3: ("status", message(status))}
       for name, (spec, status) in WORKLOADS.items()},
    ("batch/v1", "Job"): {2: ("spec", message(JOB_SPEC)), 3: ("status", message(JOB_STATUS))},
    **{(version, "CronJob"): {2: ("spec", message(CRON_JOB_SPEC)),
                              3: ("status", message(CRON_JOB_STATUS))}
       for version in ("batch/v1beta1", "batch/v1")},
    ("rbac.authorization.k8s.io/v1", "Role"): {2: ("rules", many(POLICY_RULE))},
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): {
        2: ("rules", many(POLICY_RULE)),
        3: ("aggregationRule", message(kind("k8s.io.api.rbac.v1.AggregationRule",
                                            {1: ("clusterRoleSelectors", many(LABEL_SELECTOR))}))),
    },
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): BINDING,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): BINDING,
    ("coordination.k8s.io/v1", "Lease"): {2: ("spec", message(LEASE_SPEC))},
}  # fmt: skip
"""The fields after ``metadata`` (field 1) of each kind, by (apiVersion, kind)."""

GROUP_POINTERS = {("rbac.authorization.k8s.io/v1", "ClusterRole"): "aggregationRule"}
