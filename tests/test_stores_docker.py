"""docker's volume and libnetwork stores and its buildkit's databases, checked against dockerd.

``fixtures/stores/make_stores.sh`` ran dockerd 20.10 and recorded ``docker volume
inspect``, ``docker network inspect`` (while ``dk-web`` ran on two networks, when
``local-kv.db`` was copied), ``docker inspect dk-web``, ``docker image inspect``
of the image its buildkit built, and ``GET /system/df`` (whose ``BuildCache`` is
buildkit's records as docker reports them).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.file import BoltFile
from boltview.stores.buildkit import BuildkitCacheView, BuildkitMetadataView
from boltview.stores.docker import LibnetworkView, VolumesView
from boltview.stores.registry import view_of
from boltview.stores.view import StoreView

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
ANSWERS = STORES / "expected" / "docker"


def answer(name: str) -> Any:
    return json.loads((ANSWERS / name).read_text())


def open_view(name: str) -> StoreView:
    view = view_of(BoltFile.open(str(STORES / "db" / name)))
    assert view is not None, name
    return view


def test_volumes_are_docker_volume_inspects() -> None:
    view = open_view("volumes-metadata.db")
    assert isinstance(view, VolumesView)
    expected = {v["Name"]: v for v in answer("volume_inspect.json")}
    assert sorted(node.label for node in view.objects()) == sorted(expected)
    for node in view.objects():
        volume = expected[node.label]
        assert node.fields["driver"] == volume["Driver"]
        assert node.fields["labels"] == volume["Labels"]
        assert node.fields["options"] == volume["Options"]
    assert view.findings() == []


NETWORKS = {n["Name"]: n for n in answer("network_inspect.json")}


@pytest.fixture(scope="module")
def networks() -> LibnetworkView:
    view = open_view("local-kv.db")
    assert isinstance(view, LibnetworkView)
    return view


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_network_is_docker_network_inspects(networks: LibnetworkView, name: str) -> None:
    expected = NETWORKS[name]
    node = networks.find(("networks", name))
    assert node is not None
    fields = node.fields
    assert fields["id"] == expected["Id"]
    assert fields["driver"] == expected["Driver"]
    assert fields["scope"] == expected["Scope"]
    assert fields["created"] == expected["Created"]
    assert fields["internal"] == expected["Internal"]
    assert fields["attachable"] == expected["Attachable"]
    assert fields["enable_ipv6"] == expected["EnableIPv6"]
    assert fields["labels"] == expected["Labels"]
    assert fields["ipam"]["driver"] == expected["IPAM"]["Driver"]
    assert fields["ipam"].get("config", []) == expected["IPAM"]["Config"]
    assert fields["containers"] == expected["Containers"]  # endpoints joined to sandboxes


def test_endpoints_are_the_containers_view_of_its_networks(networks: LibnetworkView) -> None:
    container = answer("container_inspect.json")[0]
    joined = container["NetworkSettings"]["Networks"]
    assert len(joined) == 2
    for network, settings in joined.items():
        endpoint = networks.find(("networks", network, container["Name"].lstrip("/")))
        assert endpoint is not None and endpoint.kind == "endpoint"
        fields = endpoint.fields
        assert fields["id"] == settings["EndpointID"]
        assert fields["container_id"] == container["Id"]
        assert fields["ipv4_address"] == f"{settings['IPAddress']}/{settings['IPPrefixLen']}"
        assert fields["gateway"] == settings["Gateway"]
        assert fields["mac_address"] == settings["MacAddress"]
        assert ("networks", network) in [link.path for link in endpoint.links]
    assert networks.findings() == []


def test_every_libkv_value_is_decoded_past_its_index(networks: LibnetworkView) -> None:
    kinds = set()
    for node in networks.objects():
        kinds.add(node.kind)
        assert isinstance(node.fields["index"], int) and node.fields["index"] > 0
        if node.kind not in ("network", "endpoint"):  # the rest: a sandbox here
            assert isinstance(node.fields["value"], dict)
    assert kinds == {"network", "endpoint", "sandbox"}


# -- buildkit -------------------------------------------------------------------------------

BUILD_CACHE = {r["ID"]: r for r in answer("system_df.json")["BuildCache"]}


@pytest.fixture(scope="module")
def buildkit() -> BuildkitMetadataView:
    view = open_view("buildkit-metadata_v2.db")
    assert isinstance(view, BuildkitMetadataView)
    return view


def test_records_docker_lists_are_the_ones_shown_in_du(buildkit: BuildkitMetadataView) -> None:
    records = buildkit.find(("records",))
    assert records is not None
    shown = {node.label for node in buildkit.children(records) if node.fields["shown_in_du"]}
    assert shown == set(BUILD_CACHE)


@pytest.mark.parametrize("record_id", sorted(BUILD_CACHE))
def test_record_is_dockers_build_cache_entry(buildkit: BuildkitMetadataView, record_id: str) -> None:
    expected, node = BUILD_CACHE[record_id], buildkit.find(("records", record_id))
    assert node is not None
    fields = node.fields
    assert fields["description"] == expected["Description"]
    assert fields.get("type", "regular") == expected["Type"]
    assert fields["created"] == expected["CreatedAt"]  # nanoseconds, shown as docker shows them
    assert fields["last_used"] == expected["LastUsedAt"]
    assert fields["usage_count"] == expected["UsageCount"]
    assert fields.get("parent", "") == expected["Parent"]
    assert fields["du_size"] == expected["Size"]


def chain_ids(diff_ids: list[str]) -> list[str]:
    """The OCI chain IDs of a layer stack (image-spec config.md), from its diff IDs."""
    chains = [diff_ids[0]]
    for diff_id in diff_ids[1:]:
        chains.append("sha256:" + hashlib.sha256(f"{chains[-1]} {diff_id}".encode()).hexdigest())
    return chains


def test_records_link_to_snapshots_whose_chain_ids_are_the_built_images(
    buildkit: BuildkitMetadataView,
) -> None:
    """cache record -> snapshots.db -> the layer chain docker's image store holds."""
    image = answer("built_image_inspect.json")[0]
    expected_chains = chain_ids(image["RootFS"]["Layers"])
    chains = []
    for record_id, entry in BUILD_CACHE.items():
        if entry["Type"] != "regular":
            continue
        record = buildkit.find(("records", record_id))
        assert record is not None
        snapshot_links = [link.path for link in record.links if link.label == "snapshot"]
        assert ("snapshots", record_id) in snapshot_links  # and its cache.snapshot, when it names one
        snapshot = buildkit.find(("snapshots", record_id))
        assert snapshot is not None
        chains.append(snapshot.fields["chain_id"])
        assert ("leases", record_id) in [link.path for link in record.links]
    assert sorted(chains) == sorted(expected_chains)


def test_every_link_of_buildkits_files_resolves(buildkit: BuildkitMetadataView) -> None:
    for node in buildkit.objects():
        for link in node.links:
            assert buildkit.find(link.path) is not None, (node.path, link)
    assert buildkit.findings() == []


def test_solver_cache_results_are_buildkits_records(buildkit: BuildkitMetadataView) -> None:
    cache = open_view("buildkit-cache.db")
    assert isinstance(cache, BuildkitCacheView)
    refs = [r["ref"] for node in cache.objects() for r in node.fields.get("results", [])]
    assert refs and all(buildkit.find(("records", ref)) is not None for ref in refs)
    assert {r["worker"] for node in cache.objects() for r in node.fields.get("results", [])} == {"moby"}
    for node in cache.objects():
        for link in node.links:
            assert cache.find(link.path) is not None
    assert cache.findings() == []
