"""The columns ``kubectl get`` prints for the common kinds, from the stored object.

``kubectl get`` prints the table kube-apiserver makes with its printers
(``pkg/printers/internalversion/printers.go``): the columns of priority 0, the
ones shown without ``-o wide``.  Each function here is the printer of one kind,
ported from Kubernetes 1.20, over the object as :mod:`kubernetes` decodes it;
the tests compare every row with the one the real printer made for the same
object (``fixtures/etcd/expected/k8s/*.row``).  Ages are relative to ``now``.
Roles and ClusterRoles have no printer: the apiserver's default table (name,
creation time) stands in, as it does for any kind without one here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from boltview.stores.kubernetes import K8sValue, human_duration

__all__ = ["COLUMNS", "columns_of", "moment", "row_of"]

Row = Callable[[dict[str, Any], dict[str, Any], float], list[str]]


def moment(stamp: Any) -> float | None:
    """An RFC 3339 time (a Time, or a MicroTime with its fraction) as a Unix time."""
    if not isinstance(stamp, str) or not stamp:
        return None
    text = stamp.rstrip("Z")
    for shape in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, shape).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    return None


def since(stamp: Any, now: float) -> str:
    """``translateTimestampSince``: how long ago, or ``<unknown>``."""
    at = moment(stamp)
    return "<unknown>" if at is None else human_duration(now - at)


def age(meta: dict[str, Any], now: float) -> str:
    return since(meta.get("creationTimestamp"), now)


def labels_text(labels: Any) -> str:
    """``labels.FormatLabels``: ``k=v`` by key, comma-joined, or ``<none>``."""
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def pod(body: dict[str, Any], meta: dict[str, Any], now: float) -> list[str]:
    spec, status = body.get("spec", {}), body.get("status", {})
    reason = status.get("reason") or status.get("phase", "")
    restarts, ready, initializing = 0, 0, False
    init_total = len(spec.get("initContainers", []))
    for index, container in enumerate(status.get("initContainerStatuses", [])):
        restarts += container.get("restartCount", 0)
        state = container.get("state", {})
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        initializing = True
        if terminated is not None:
            reason = ("Init:" + terminated["reason"] if terminated.get("reason") else
                      f"Init:Signal:{terminated['signal']}" if terminated.get("signal") else
                      f"Init:ExitCode:{terminated.get('exitCode', 0)}")  # fmt: skip
        elif waiting is not None and waiting.get("reason", "") not in ("", "PodInitializing"):
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{init_total}"
        break
    if not initializing:
        restarts, running = 0, False
        for container in reversed(status.get("containerStatuses", [])):
            restarts += container.get("restartCount", 0)
            state = container.get("state", {})
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated is not None:
                reason = (f"Signal:{terminated['signal']}" if terminated.get("signal") else
                          f"ExitCode:{terminated.get('exitCode', 0)}")  # fmt: skip
            elif container.get("ready") and state.get("running") is not None:
                running, ready = True, ready + 1
        if reason == "Completed" and running:
            conditions = status.get("conditions", [])
            is_ready = any(
                c.get("type") == "Ready" and c.get("status") == "True" for c in conditions
            )
            reason = "Running" if is_ready else "NotReady"
    if meta.get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    total = len(spec.get("containers", []))
    return [f"{ready}/{total}", reason, str(restarts), age(meta, now)]


def service(body: dict[str, Any], meta: dict[str, Any], now: float) -> list[str]:
    spec, status = body.get("spec", {}), body.get("status", {})
    kind = spec.get("type", "")
    cluster_ips = spec.get("clusterIPs", [])
    external = spec.get("externalIPs", [])
    if kind in ("ClusterIP", "NodePort"):
        shown = ",".join(external) or "<none>"
    elif kind == "LoadBalancer":
        ingress = status.get("loadBalancer", {}).get("ingress", [])
        balancers = sorted({i.get("ip") or i.get("hostname", "") for i in ingress} - {""})
        text = ",".join(balancers)
        text = text[:13] + "..." if len(text) > 16 else text  # loadBalancerWidth, not wide
        shown = ",".join([*([text] if text else []), *external]) or "<pending>"
    elif kind == "ExternalName":
        shown = spec.get("externalName", "")
    else:
        shown = "<unknown>"
    ports = ",".join(
        f"{p.get('port', 0)}:{p['nodePort']}/{p.get('protocol', '')}" if p.get("nodePort") else
        f"{p.get('port', 0)}/{p.get('protocol', '')}"
        for p in spec.get("ports", [])
    )  # fmt: skip
    cluster_ip = cluster_ips[0] if cluster_ips else "<none>"
    return [kind, cluster_ip, shown, ports or "<none>", age(meta, now)]


def node(body: dict[str, Any], meta: dict[str, Any], now: float) -> list[str]:
    spec, status = body.get("spec", {}), body.get("status", {})
    ready = [c for c in status.get("conditions", []) if c.get("type") == "Ready"]
    shown = ["Ready" if c.get("status") == "True" else "NotReady" for c in ready[-1:]] or [
        "Unknown"
    ]
    if spec.get("unschedulable"):
        shown.append("SchedulingDisabled")
    roles = set()
    for key, value in (meta.get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key != "node-role.kubernetes.io/":
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    version = status.get("nodeInfo", {}).get("kubeletVersion", "")
    return [",".join(shown), ",".join(sorted(roles)) or "<none>", age(meta, now), version]


def event(body: dict[str, Any], meta: dict[str, Any], now: float) -> list[str]:
    first = since(body.get("firstTimestamp"), now)
    if not body.get("firstTimestamp"):
        first = since(body.get("eventTime"), now)
    last = since(body.get("lastTimestamp"), now) if body.get("lastTimestamp") else first
    if body.get("series") is not None:
        last = since(body["series"].get("lastObservedTime"), now)
    involved = body.get("involvedObject", {})
    target = involved.get("kind", "").lower()
    if involved.get("name"):
        target += "/" + involved["name"]
    return [last, body.get("type", ""), body.get("reason", ""), target,
            body.get("message", "").strip()]  # fmt: skip


def job(body: dict[str, Any], meta: dict[str, Any], now: float) -> list[str]:
    spec, status = body.get("spec", {}), body.get("status", {})
    succeeded = status.get("succeeded", 0)
    if "completions" in spec:
        completions = f"{succeeded}/{spec['completions']}"
    elif spec.get("parallelism", 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    start, end = moment(status.get("startTime")), moment(status.get("completionTime"))
    took = "" if start is None else human_duration((now if end is None else end) - start)
    return [completions, took, age(meta, now)]


def cron_job(body: dict[str, Any], meta: dict[str, Any], now: float) -> list[str]:
    spec, status = body.get("spec", {}), body.get("status", {})
    suspend = spec.get("suspend")
    last = since(status["lastScheduleTime"], now) if status.get("lastScheduleTime") else "<none>"
    return [spec.get("schedule", ""), "<unset>" if suspend is None else str(bool(suspend)),
            str(len(status.get("active", []))), last, age(meta, now)]  # fmt: skip


def count(body: dict[str, Any], *names: str) -> str:
    return str(sum(len(body.get(name) or ()) for name in names))


def ready_of(body: dict[str, Any], ready: str) -> str:
    """``ready/desired`` of a Deployment or StatefulSet."""
    return f"{body.get('status', {}).get(ready, 0)}/{body.get('spec', {}).get('replicas', 0)}"


def status_numbers(body: dict[str, Any], *names: str) -> list[str]:
    status = body.get("status", {})
    return [str(status.get(name, 0)) for name in names]


COLUMNS: dict[tuple[str, str], tuple[tuple[str, ...], Row]] = {
    ("v1", "Pod"): (("READY", "STATUS", "RESTARTS", "AGE"), pod),
    ("v1", "Service"): (("TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"), service),
    ("v1", "Node"): (("STATUS", "ROLES", "AGE", "VERSION"), node),
    ("v1", "Event"): (("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"), event),
    ("v1", "Namespace"): (("STATUS", "AGE"),
                          lambda b, m, now: [b.get("status", {}).get("phase", ""), age(m, now)]),
    ("v1", "ConfigMap"): (("DATA", "AGE"),
                          lambda b, m, now: [count(b, "data", "binaryData"), age(m, now)]),
    ("v1", "Secret"): (("TYPE", "DATA", "AGE"),
                       lambda b, m, now: [b.get("type", ""), count(b, "data"), age(m, now)]),
    ("v1", "ServiceAccount"): (("SECRETS", "AGE"),
                               lambda b, m, now: [count(b, "secrets"), age(m, now)]),
    ("apps/v1", "Deployment"): (
        ("READY", "UP-TO-DATE", "AVAILABLE", "AGE"),
        lambda b, m, now: [ready_of(b, "readyReplicas"),
                           *status_numbers(b, "updatedReplicas", "availableReplicas"), age(m, now)]),
    ("apps/v1", "ReplicaSet"): (
        ("DESIRED", "CURRENT", "READY", "AGE"),
        lambda b, m, now: [str(b.get("spec", {}).get("replicas", 0)),
                           *status_numbers(b, "replicas", "readyReplicas"), age(m, now)]),
    ("apps/v1", "DaemonSet"): (
        ("DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"),
        lambda b, m, now: [*status_numbers(b, "desiredNumberScheduled", "currentNumberScheduled",
                                           "numberReady", "updatedNumberScheduled", "numberAvailable"),
                           labels_text(b.get("spec", {}).get("template", {}).get("spec", {})
                                       .get("nodeSelector")), age(m, now)]),
    ("apps/v1", "StatefulSet"): (("READY", "AGE"),
                                 lambda b, m, now: [ready_of(b, "readyReplicas"), age(m, now)]),
    ("batch/v1", "Job"): (("COMPLETIONS", "DURATION", "AGE"), job),
    **{(version, "CronJob"): (("SCHEDULE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"), cron_job)
       for version in ("batch/v1beta1", "batch/v1")},
    ("coordination.k8s.io/v1", "Lease"): (
        ("HOLDER", "AGE"),
        lambda b, m, now: [b.get("spec", {}).get("holderIdentity", ""), age(m, now)]),
    **{("rbac.authorization.k8s.io/v1", binding): (
        ("ROLE", "AGE"),
        lambda b, m, now: [f"{b.get('roleRef', {}).get('kind', '')}/{b.get('roleRef', {}).get('name', '')}",
                           age(m, now)]) for binding in ("RoleBinding", "ClusterRoleBinding")},
}  # fmt: skip
"""Each kind's columns after NAME, and the function that fills them."""

DEFAULT: tuple[tuple[str, ...], Row] = (
    ("CREATED AT",),
    lambda b, m, now: [str(m.get("creationTimestamp", ""))],
)
"""The apiserver's default table (Roles, ClusterRoles): the creation time as stored."""

PLAIN: tuple[tuple[str, ...], Row] = (("AGE",), lambda b, m, now: [age(m, now)])
"""What boltview shows for a kind it has no printer for: the age."""


def _printer(value: K8sValue) -> tuple[tuple[str, ...], Row]:
    if (value.api_version, value.kind) in COLUMNS:
        return COLUMNS[(value.api_version, value.kind)]
    if value.api_version == "rbac.authorization.k8s.io/v1":
        return DEFAULT
    return PLAIN


def columns_of(value: K8sValue) -> tuple[str, ...]:
    """The headers after NAME for objects like ``value``."""
    return _printer(value)[0]


def row_of(value: K8sValue, now: float) -> list[str] | None:
    """The cells after NAME of one object, as the apiserver's printer fills them; None
    when the object is not shaped as its kind is (a JSON value can hold anything)."""
    try:
        cells = _printer(value)[1](value.body, value.metadata, now)
    except (AttributeError, TypeError, KeyError, ValueError, IndexError):
        return None
    return [str(cell) for cell in cells]
