"""Every Kubernetes kind boltview decodes in full, by (apiVersion, kind).

Field 1 of every top-level object is its ``ObjectMeta``, decoded for any type;
:data:`TOP_LEVEL` adds the rest for core/v1 (:mod:`k8s_core`) and the other
groups (:mod:`k8s_groups`).
"""

from __future__ import annotations

from boltview.protobuf.schemas import MessageSchema
from boltview.stores.k8s_core import CORE, CORE_POINTERS
from boltview.stores.k8s_groups import GROUP_POINTERS, GROUPS
from boltview.stores.k8s_schemas import kind

__all__ = ["TOP_LEVEL"]

TOP_LEVEL: dict[tuple[str, str], MessageSchema] = {
    **{
        ("v1", name): kind(f"v1/{name}", fields, CORE_POINTERS.get(name, ""))
        for name, fields in CORE.items()
    },
    **{
        (api_version, name): kind(
            f"{api_version}/{name}", fields, GROUP_POINTERS.get((api_version, name), "")
        )
        for (api_version, name), fields in GROUPS.items()
    },
}
"""The fields beyond ``metadata`` of each kind decoded in full.  The schema's name is
``apiVersion/kind``, the name :func:`boltview.stores.kubernetes.decode_value` gives the
whole object (metadata included), so its pointers apply there."""
