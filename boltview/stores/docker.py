"""docker's two bolt stores: volumes (``volumes/metadata.db``) and libnetwork's (``local-kv.db``).

The volume store (moby's volume/service/db.go) keeps one bucket, ``volumes``,
mapping a volume's name to JSON ``{Name, Driver, Labels, Options}``: what
``docker volume inspect`` shows, less the mount point and creation time, which
docker reads from the volume's directory.

libnetwork keeps its local-scope state through libkv's boltdb store (bucket
``libnetwork``).  A key is a path ending in ``/``,
``docker/network/v1.0/<kind>/<id>[/<id>]/``, and a value is libkv's 8-byte
little-endian modification index followed by the object's JSON (nothing
after the index for a directory key).  The kinds this view joins:

===================  ===============================================
``network/NID``      a network: name, driver (``networkType``),
                     scope, IPAM (its config and info are JSON again,
                     inside strings), labels, options
``endpoint/NID/EID`` an endpoint of network NID: the container's
                     name, its interface (address, MAC), gateway
``endpoint_count``   how many endpoints a network has
``bridge/NID``       the bridge driver's own record of a network
``bridge-endpoint``  ... and of an endpoint
===================  ===============================================

Any other kind is listed under ``other`` with its JSON decoded.
"""

from __future__ import annotations

import json
from typing import Any

from boltview.stores.recognize import DOCKER_VOLUMES, LIBNETWORK
from boltview.stores.tree import TreeView, fields, text
from boltview.stores.view import StoreNode

__all__ = ["KEY_PREFIX", "LibnetworkView", "VolumesView", "split_value"]

KEY_PREFIX = "docker/network/v1.0/"
INDEX_SIZE = 8


class VolumesView(TreeView):
    """docker's volume store: one object per volume."""

    store = DOCKER_VOLUMES

    def build(self) -> None:
        self.group("volumes")
        for key, value in self.values(b"volumes"):
            name = text(key)
            record = self.json_object(value, f"volumes/{name}")
            marks: tuple[str, ...] = ()
            if record.get("Name", name) != name:
                self.finding(f"volume {name}: its record is named {record.get('Name')}")
                marks = ("inconsistent",)
            driver = str(record.get("Driver") or "")
            self.add(StoreNode(
                ("volumes", name), "volume", driver,
                fields(name=name, driver=driver, labels=record.get("Labels") or {},
                       options=record.get("Options") or {}),
                source=(b"volumes", key), marks=marks,
            ))  # fmt: skip


def split_value(raw: bytes) -> tuple[int, bytes]:
    """A libkv value: its modification index and the bytes after it."""
    if len(raw) < INDEX_SIZE:
        raise ValueError(f"{len(raw)} bytes, shorter than libkv's 8-byte index")
    return int.from_bytes(raw[:INDEX_SIZE], "little"), raw[INDEX_SIZE:]


class LibnetworkView(TreeView):
    """libnetwork's local store: networks with their endpoints, then the rest."""

    store = LIBNETWORK

    def build(self) -> None:
        records: dict[str, list[tuple[list[str], int, Any, bytes]]] = {}
        for key, value in self.values(b"libnetwork"):
            name = text(key)
            parts = name.removeprefix(KEY_PREFIX).strip("/").split("/")
            try:
                index, body = split_value(value)
            except ValueError as error:
                self.finding(f"libnetwork/{name}: {error}")
                continue
            decoded = self.json_object(body, f"libnetwork/{name}") if body else None
            records.setdefault(parts[0], []).append((parts[1:], index, decoded, key))
        by_kind = {
            kind: {"/".join(ids): (index, record, key) for ids, index, record, key in items}
            for kind, items in records.items()
        }
        self._add_networks(by_kind)
        self._add_other(records)

    def _add_networks(self, by_kind: dict[str, dict[str, tuple[int, Any, bytes]]]) -> None:
        networks = by_kind.get("network", {})
        counts = by_kind.get("endpoint_count", {})
        bridges = by_kind.get("bridge", {})
        containers = {  # endpoint ID -> the container whose sandbox holds it
            str(ep.get("Eid")): str(box.get("Cid"))
            for _, box, _ in by_kind.get("sandbox", {}).values() if isinstance(box, dict)
            for ep in box.get("Eps") or [] if isinstance(ep, dict)
        }  # fmt: skip
        endpoints = self._endpoints(by_kind, containers)
        self.group("networks")
        names = {nid: _name(net, nid) for nid, (_, net, _) in networks.items()}
        for nid, (index, net, key) in sorted(networks.items(), key=lambda n: names[n[0]]):
            net = net or {}
            name = names[nid]
            count = counts.get(nid, (0, None, b""))[1]
            members = {
                str(ep.get("container_id") or ep["id"]): {
                    "Name": ep.get("name"), "EndpointID": ep["id"],
                    "MacAddress": ep.get("mac_address") or "",
                    "IPv4Address": ep.get("ipv4_address") or "",
                    "IPv6Address": ep.get("ipv6_address") or "",
                }
                for ep, _ in endpoints if ep["network_id"] == nid
            }  # fmt: skip
            node_fields = fields(
                name=name, id=net.get("id", nid), driver=net.get("networkType"),
                scope=net.get("scope"), created=net.get("created"),
                internal=net.get("internal"), attachable=net.get("attachable"),
                ingress=net.get("ingress"), enable_ipv6=net.get("enableIPv6"),
                labels=net.get("labels") or {}, ipam=self._ipam(net, name),
                options=net.get("generic") or {}, containers=members,
                endpoint_count=count.get("Count") if isinstance(count, dict) else None,
                driver_state=bridges.get(nid, (0, None, b""))[1], index=index,
            )  # fmt: skip
            self.add(StoreNode(
                ("networks", name), "network", str(net.get("networkType") or ""), node_fields,
                source=(b"libnetwork", key),
            ))  # fmt: skip
        for endpoint, key in endpoints:
            network = names.get(endpoint["network_id"])
            if network is None:
                self.finding(f"endpoint {endpoint['id']}: its network {endpoint['network_id']} "
                             "does not exist")  # fmt: skip
                if self.find(("orphan endpoints",)) is None:
                    self.group("orphan endpoints")
            parent = ("networks", network) if network is not None else ("orphan endpoints",)
            self.add(StoreNode(
                (*parent, str(endpoint.get("name") or endpoint["id"])), "endpoint",
                str(endpoint.get("ipv4_address") or ""), fields(network=network, **endpoint),
                links=(self.link("network", "networks", network),) if network else (),
                source=(b"libnetwork", key), marks=() if network else ("inconsistent",),
            ))  # fmt: skip

    def _endpoints(
        self, by_kind: dict[str, dict[str, tuple[int, Any, bytes]]], containers: dict[str, str]
    ) -> list[tuple[dict[str, Any], bytes]]:
        """Every endpoint record, with its driver's record and its container joined."""
        bridge_endpoints = by_kind.get("bridge-endpoint", {})
        found = []
        for path, (index, endpoint, key) in sorted(by_kind.get("endpoint", {}).items()):
            nid, _, eid = path.partition("/")
            endpoint = endpoint or {}
            iface = endpoint.get("ep_iface") or {}
            found.append((fields(
                name=endpoint.get("name"), id=str(endpoint.get("id", eid)), network_id=nid,
                container_id=containers.get(eid), ipv4_address=iface.get("addr") or None,
                ipv6_address=iface.get("addrv6") or None, mac_address=iface.get("mac") or None,
                gateway=(endpoint.get("joinInfo") or {}).get("gw") or None,
                sandbox=endpoint.get("sandbox") or None, aliases=endpoint.get("myAliases") or [],
                exposed_ports=endpoint.get("exposed_ports") or [], anonymous=endpoint.get("anonymous"),
                driver_state=bridge_endpoints.get(eid, (0, None, b""))[1], index=index,
            ), key))  # fmt: skip
        return found

    def _ipam(self, net: dict[str, Any], name: str) -> dict[str, Any]:
        """The IPAM driver and its pools, the strings of JSON inside the record decoded."""
        ipam: dict[str, Any] = {"driver": net.get("ipamType"), "options": net.get("ipamOptions") or {}}
        for field_name, out in (("ipamV4Config", "config"), ("ipamV6Config", "config_v6"),
                                ("ipamV4Info", "info"), ("ipamV6Info", "info_v6")):  # fmt: skip
            raw = net.get(field_name)
            if not raw:
                continue
            value = self.json(raw.encode(), f"network {name}: {field_name}") if isinstance(raw, str) else raw
            if out.startswith("info") and isinstance(value, list):
                value = [
                    {**item, "IPAMData": self.json(item["IPAMData"].encode(), f"network {name}: IPAMData")}
                    if isinstance(item, dict) and isinstance(item.get("IPAMData"), str) else item
                    for item in value
                ]  # fmt: skip
            ipam[out] = value
        for out in ("config", "config_v6"):  # as docker network inspect shows them
            if isinstance(ipam.get(out), list):
                ipam[out] = [_docker_pool(pool) for pool in ipam[out] if isinstance(pool, dict)]
        return ipam

    def _add_other(self, records: dict[str, list[tuple[list[str], int, Any, bytes]]]) -> None:
        joined = {"network", "endpoint", "endpoint_count", "bridge", "bridge-endpoint"}
        other = [
            (kind, ids, index, record, key)
            for kind, items in sorted(records.items()) if kind not in joined
            for ids, index, record, key in items
        ]  # fmt: skip
        if not other:
            return
        self.group("other")
        for kind, ids, index, record, key in other:
            label = "/".join([kind, *ids])
            self.add(StoreNode(
                ("other", label), kind, json.dumps(record)[:80] if record is not None else "",
                {"key": text(key), "index": index, "value": record}, source=(b"libnetwork", key),
            ))  # fmt: skip


def _docker_pool(pool: dict[str, Any]) -> dict[str, Any]:
    """A libnetwork IPAM pool config in ``docker network inspect``'s words, empty parts left out."""
    shaped = {
        "Subnet": pool.get("PreferredPool"), "IPRange": pool.get("SubPool"),
        "Gateway": pool.get("Gateway"), "AuxiliaryAddresses": pool.get("AuxAddresses"),
    }  # fmt: skip
    return {name: value for name, value in shaped.items() if value}


def _name(net: Any, fallback: str) -> str:
    return str(net.get("name") or fallback) if isinstance(net, dict) else fallback
