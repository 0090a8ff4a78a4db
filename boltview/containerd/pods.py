"""Kubernetes pods, grouped from what CRI leaves in the ``k8s.io`` namespace.

CRI labels its containers (``io.cri-containerd.kind``, ``io.kubernetes.*``)
and stores its own metadata in container extensions (``Version``/``Metadata``
JSON); containerd 2.x adds sandbox records.  A pod is keyed by its sandbox id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from boltview.containerd import schema as S
from boltview.containerd.model import AnyValue, Container, Pod, PodContainer, Sandbox

UNKNOWN_SANDBOX = "\0pod uid "
"""The draft key of a pod whose sandbox is not in the file (never a real sandbox id)."""


@dataclass(slots=True)
class _PodDraft:
    sandbox_id: str
    meta: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    sandbox_container: Container | None = None
    sandbox: Sandbox | None = None
    containers: list[PodContainer] = field(default_factory=list)


def cri_metadata(extensions: Mapping[str, AnyValue] | None, name: str) -> dict[str, Any]:
    """The ``Metadata`` object of a CRI extension (``{"Version":"v1","Metadata":{...}}``)."""
    if not extensions or name not in extensions:
        return {}
    decoded = extensions[name].decoded.decoded
    if isinstance(decoded, dict):
        inner = decoded.get("Metadata")
        if isinstance(inner, dict):
            return inner
    return {}


def group_pods(
    namespace: str, containers: Iterable[Container], sandboxes: Iterable[Sandbox]
) -> list[Pod]:
    """Kubernetes pods from CRI's containers and sandboxes, sorted by pod name."""
    drafts: dict[str, _PodDraft] = {}

    def draft(sandbox_id: str) -> _PodDraft:
        if sandbox_id not in drafts:
            drafts[sandbox_id] = _PodDraft(sandbox_id)
        return drafts[sandbox_id]

    for sandbox in sandboxes:
        d = draft(sandbox.id)
        d.sandbox = sandbox
        d.labels.update(sandbox.labels or {})
        d.meta.update(cri_metadata(sandbox.extensions, S.EXTENSION_CRI_SANDBOX))
    loose: list[Container] = []
    for container in containers:
        labels = container.labels or {}
        kind = labels.get(S.LABEL_CRI_KIND)
        if kind == S.CRI_KIND_SANDBOX or S.EXTENSION_CRI_SANDBOX in (container.extensions or {}):
            d = draft(container.id)
            d.sandbox_container = container
            d.labels.update(labels)
            d.meta.update(cri_metadata(container.extensions, S.EXTENSION_CRI_SANDBOX))
        elif kind == S.CRI_KIND_CONTAINER or S.EXTENSION_CRI_CONTAINER in (
            container.extensions or {}
        ):
            loose.append(container)
    for container in loose:
        meta = cri_metadata(container.extensions, S.EXTENSION_CRI_CONTAINER)
        labels = container.labels or {}
        sandbox_id = str(meta.get("SandboxID") or container.sandbox_id or "")
        if not sandbox_id:
            sandbox_id = _sandbox_by_labels(drafts, labels) or ""
        config = _dict(meta.get("Config"))
        cmeta = _dict(config.get("metadata"))
        # A container whose sandbox is not in the file: its pod is known by uid alone,
        # and has no sandbox id to show (none is made up).
        d = draft(sandbox_id) if sandbox_id else draft(UNKNOWN_SANDBOX + labels.get(S.LABEL_POD_UID, ""))
        if not d.labels:
            d.labels.update({k: v for k, v in labels.items() if k.startswith("io.kubernetes.pod.")})
        d.containers.append(
            PodContainer(
                id=container.id,
                name=str(labels.get(S.LABEL_CONTAINER_NAME) or cmeta.get("name") or ""),
                attempt=_int(cmeta.get("attempt")),
                log_path=_str(meta.get("LogPath")),
                image_ref=_str(meta.get("ImageRef")),
                container=container,
            )
        )
    pods = [_finish_pod(namespace, d) for d in drafts.values()]
    pods.sort(key=lambda p: (p.pod_namespace or "", p.name or "", p.sandbox_id))
    return pods


def _sandbox_by_labels(drafts: Mapping[str, _PodDraft], labels: Mapping[str, str]) -> str | None:
    uid = labels.get(S.LABEL_POD_UID)
    if not uid:
        return None
    for sandbox_id, d in drafts.items():
        if d.labels.get(S.LABEL_POD_UID) == uid:
            return sandbox_id
    return None


def _finish_pod(namespace: str, d: _PodDraft) -> Pod:
    config = _dict(d.meta.get("Config"))
    meta = _dict(config.get("metadata"))
    return Pod(
        namespace=namespace,
        sandbox_id="" if d.sandbox_id.startswith(UNKNOWN_SANDBOX) else d.sandbox_id,
        name=_str(meta.get("name")) or d.labels.get(S.LABEL_POD_NAME),
        pod_namespace=_str(meta.get("namespace")) or d.labels.get(S.LABEL_POD_NAMESPACE),
        uid=_str(meta.get("uid")) or d.labels.get(S.LABEL_POD_UID),
        attempt=_int(meta.get("attempt")),
        log_directory=_str(config.get("log_directory")),
        ip=_str(d.meta.get("IP")),
        netns_path=_str(d.meta.get("NetNSPath")),
        sandbox_container=d.sandbox_container,
        sandbox=d.sandbox,
        containers=tuple(sorted(d.containers, key=lambda c: (c.name, c.id))),
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
