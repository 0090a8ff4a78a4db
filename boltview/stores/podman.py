"""podman's libpod state (``storage/libpod/bolt_state.db``), read as ``podman inspect`` answers.

libpod keeps one bbolt file (libpod/boltdb_state.go, podman 4) with these
top-level buckets:

========================  ================================================
``id-registry``           every container's and pod's ID -> its name
``name-registry``         every name -> its ID (the two must mirror)
``ns-registry``           ID -> namespace, for those in one
``ctr``                   a bucket per container ID: ``config`` (JSON
                          ``ContainerConfig``), ``state`` (JSON
                          ``ContainerState``), ``networks`` (name -> JSON
                          options), ``dependencies``, ``pod-id``
``all-ctrs``              container ID -> name: the containers that exist
``pod``                   a bucket per pod ID: ``config``, ``state``,
                          ``containers`` (member ID -> name)
``allPods``               pod ID -> name
``vol``                   a bucket per volume name: ``config``, ``state``,
                          ``vol-dependencies`` (the containers using it)
``allVolumes``            volume name -> name
``exec``                  exec session ID -> container ID
``exit-code``             container ID -> its last exit code (decimal text)
``exit-code-time-stamp``  container ID -> when it was recorded (RFC 3339)
``runtime-config``        the paths and driver the state was created with
========================  ================================================

A container's state is a number (libpod/define/containerstate.go); it is
named here as podman names it to users: ``Configured`` is ``created`` (what
docker calls created), ``Created`` is ``initialized``.  Networks live in
files (netavark's or CNI's configuration), not here: the view's networks are
the ones containers name, with their members.  What libpod itself would
refuse (a name the other registry does not mirror, a container in ``ctr``
that ``all-ctrs`` does not list ...) is a finding and marks the object
``inconsistent``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from boltview.bolt.bucket import Bucket
from boltview.protobuf.wire import JsonValue
from boltview.stores.recognize import PODMAN
from boltview.stores.tree import ZERO_TIME, TreeView, dicts, fields, text
from boltview.stores.view import Link, StoreNode

__all__ = ["STATES", "Container", "PodmanView", "pod_status", "port_text", "ps_status", "state_name"]

#: libpod's ContainerStatus numbers -> the names podman prints (ContainerStatus.String()).
STATES = {
    0: "unknown",
    1: "created",  # ContainerStateConfigured: docker's "created"
    2: "initialized",  # ContainerStateCreated: made in the runtime, not started
    3: "running",
    4: "stopped",
    5: "paused",
    6: "exited",
    7: "removing",
    8: "stopping",
}


def state_name(code: int | None) -> str:
    if code is None:
        return "unknown"
    return STATES.get(code, f"bad state ({code})")


@dataclass
class Container:
    """What ``podman ps`` and ``podman inspect`` show of one container, from its records."""

    id: str
    name: str
    config: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    networks: dict[str, Any] = field(default_factory=dict)
    pod_id: str | None = None
    exit_code: int | None = None  # the exit-code bucket's
    exit_code_time: str | None = None

    @property
    def state_code(self) -> int | None:
        code = self.state.get("state")
        return code if isinstance(code, int) else None

    @property
    def status(self) -> str:
        return state_name(self.state_code)

    @property
    def command(self) -> list[str]:
        command = self.config.get("command")
        return [str(arg) for arg in command] if isinstance(command, list) else []

    @property
    def image(self) -> str:
        return str(self.config.get("rootfsImageName") or self.config.get("rootfs") or "")

    @property
    def last_exit_code(self) -> int:
        code = self.state.get("exitCode", self.exit_code)
        return code if isinstance(code, int) else 0


def ps_status(state: str, exit_code: int, ago: str | None) -> str:
    """The STATUS column of ``podman ps``: ``Created``, ``Exited (3) 2 hours ago``, ``Up ...``.

    ``state`` is the container's state name, ``ago`` how long ago it began
    (podman's HumanDuration), None when unknown.
    """
    when = f" {ago} ago" if ago else ""
    if state == "running":
        return f"Up{when}"
    if state in ("exited", "stopped"):
        return f"Exited ({exit_code}){when}"
    return state.capitalize()


@dataclass
class Record:
    """A container's, pod's or volume's bucket in libpod's state, its JSON decoded."""

    key: str
    name: str
    bucket: Bucket
    config: dict[str, Any]
    state: dict[str, Any]


def pod_status(states: list[str]) -> str:
    """A pod's status from its containers' (libpod/pod_status.go, podman 4)."""
    count = {name: 0 for name in ("running", "paused", "stopped", "created", "error")}
    for state in states:
        group = {"exited": "stopped", "initialized": "created"}.get(state, state)
        count[group if group in count else "error"] += 1
    if not states:
        return "Created"
    if count["running"] == len(states):
        return "Running"
    if count["running"]:
        return "Degraded"
    if count["paused"] == len(states):
        return "Paused"
    if count["stopped"] == len(states):
        return "Exited"
    if count["stopped"]:
        return "Stopped"
    if count["error"]:
        return "Error"
    return "Created"


def port_text(port: dict[str, Any]) -> str:
    """One port mapping as ``podman ps`` prints it: ``0.0.0.0:8080->80/tcp``."""
    host_ip = port.get("host_ip") or "0.0.0.0"
    host, inner, count = port.get("host_port", 0), port.get("container_port", 0), port.get("range", 1)
    protocol = port.get("protocol", "tcp")
    if isinstance(count, int) and count > 1:
        return f"{host_ip}:{host}-{host + count - 1}->{inner}-{inner + count - 1}/{protocol}"
    return f"{host_ip}:{host}->{inner}/{protocol}"


class PodmanView(TreeView):
    """libpod's state: containers, pods, volumes, networks, exec sessions, runtime settings."""

    store = PODMAN

    def build(self) -> None:
        self.names = self._registry(b"name-registry")
        self.ids = self._registry(b"id-registry")
        self.unregistered: set[str] = set()  # IDs the registries do not both know
        self._check_registries()
        self.containers = self._containers()
        self.pods = self._pods()
        self.volumes = self._volumes()
        self._add_containers()
        self._add_pods()
        self._add_volumes()
        self._add_networks()
        self._add_exec_sessions()
        self._add_runtime()

    # -- reading ------------------------------------------------------------------

    def _registry(self, name: bytes) -> dict[str, str]:
        return {text(key): text(value) for key, value in self.values(name)}

    def _check_registries(self) -> None:
        for name, id_ in self.names.items():
            if id_ not in self.ids:
                self.finding(f"name-registry: {name} names ID {id_}, which id-registry lacks")
                self.unregistered.add(id_)
            elif self.ids[id_] != name:
                self.finding(f"name-registry: {name} -> {id_}, but id-registry calls it {self.ids[id_]}")
                self.unregistered.add(id_)
        for id_, name in self.ids.items():
            if name not in self.names:
                self.finding(f"id-registry: {id_} is named {name}, which name-registry lacks")
                self.unregistered.add(id_)

    def _registered(self, top: bytes, listing: bytes, what: str) -> dict[str, Record]:
        """Each record of ``top`` (a bucket per ID, or per name for volumes), its config and
        state decoded; one that ``listing`` lacks, or that ``listing`` names and ``top``
        lacks, is a finding."""
        listed = self._registry(listing)
        found: dict[str, Record] = {}
        for bucket in self.sub_buckets(top):
            key = text(bucket.name)
            where = f"{text(top)}/{key}"
            config = self.json_object(bucket.get(b"config"), f"{where}/config")
            state = self.json_object(bucket.get(b"state"), f"{where}/state")
            name = str(config.get("name") or listed.get(key) or self.ids.get(key) or key)
            found[key] = Record(key, name, bucket, config, state)
            if key not in listed:
                self.finding(f"{what} {name} ({key}) is in {text(top)} but not in {text(listing)}")
                self.unregistered.add(key)
        for key, name in listed.items():
            if key not in found:
                self.finding(f"{text(listing)} lists {name} ({key}), which {text(top)} lacks")
        return found

    def _containers(self) -> dict[str, Container]:
        exit_codes = self._registry(b"exit-code")
        exit_times = self._registry(b"exit-code-time-stamp")
        found: dict[str, Container] = {}
        for id_, record in self._registered(b"ctr", b"all-ctrs", "container").items():
            container = Container(id_, record.name, record.config, record.state)
            pod = record.bucket.get(b"pod-id")
            container.pod_id = text(pod) if pod else None
            for key, value in self.values(b"ctr", record.bucket.name, b"networks"):
                container.networks[text(key)] = self.json(value, f"ctr/{id_}/networks/{text(key)}")
            if id_ in exit_codes:
                code = exit_codes[id_]
                container.exit_code = int(code) if code.lstrip("-").isdigit() else None
                container.exit_code_time = exit_times.get(id_)
            found[id_] = container
            if self.ids.get(id_) not in (None, record.name):
                self.finding(f"container {id_}: its config says {record.name}, id-registry {self.ids[id_]}")
        for id_ in exit_codes:
            if id_ not in found:
                self.finding(f"exit-code: a code for {id_}, which is no container")
        return found

    def _pods(self) -> dict[str, dict[str, Any]]:
        return {
            id_: {"id": id_, "name": record.name, "config": record.config, "state": record.state,
                  "members": {text(k): text(v) for k, v in self.values(b"pod", record.bucket.name,
                                                                       b"containers")}}
            for id_, record in self._registered(b"pod", b"allPods", "pod").items()
        }  # fmt: skip

    def _volumes(self) -> dict[str, dict[str, Any]]:
        return {
            name: {"name": name, "config": record.config, "state": record.state,
                   "users": [text(k) for k, _ in self.values(b"vol", record.bucket.name,
                                                             b"vol-dependencies")]}
            for name, record in self._registered(b"vol", b"allVolumes", "volume").items()
        }  # fmt: skip

    # -- the tree ------------------------------------------------------------------

    def _name_of(self, container_id: str) -> str:
        container = self.containers.get(container_id)
        return container.name if container else container_id

    def _add_containers(self) -> None:
        self.group("containers")
        for container in sorted(self.containers.values(), key=lambda c: c.name):
            self.add(self._container_node(container))

    def _container_node(self, c: Container) -> StoreNode:
        config, state = c.config, c.state
        links: list[Link] = []
        marks: list[str] = []
        pod = self.pods.get(c.pod_id) if c.pod_id else None
        if c.pod_id and pod is None:
            self.finding(f"container {c.name}: its pod {c.pod_id} does not exist")
            marks.append("inconsistent")
        elif pod is not None:
            links.append(self.link("pod", "pods", pod["name"]))
            if c.id not in pod["members"]:
                self.finding(f"container {c.name}: pod {pod['name']} does not list it as a member")
                marks.append("inconsistent")
        volumes, binds = _mounts(config)
        for volume in volumes:
            name = str(volume["name"])
            if name in self.volumes:
                links.append(self.link("volume", "volumes", name))
            else:
                self.finding(f"container {c.name}: its volume {name} does not exist")
                marks.append("inconsistent")
        links += [self.link("network", "networks", name) for name in sorted(c.networks)]
        if c.id not in self.ids or c.id in self.unregistered:
            marks.append("inconsistent")
        exit_code = state.get("exitCode", c.exit_code) if state.get("exited") else None
        node_fields = fields(
            id=c.id,
            name=c.name,
            state=c.status,
            state_code=c.state_code,
            image=c.image,
            image_id=config.get("rootfsImageID"),
            raw_image_name=config.get("RawImageName"),
            command=c.command,
            created=config.get("createdTime"),
            started=_time(state.get("startedTime")),
            finished=_time(state.get("finishedTime")),
            exited=state.get("exited"),
            exit_code=exit_code,
            exit_code_recorded=c.exit_code,
            exit_code_recorded_at=c.exit_code_time,
            pid=state.get("pid"),
            pod=pod["name"] if pod else c.pod_id,
            pod_id=c.pod_id,
            labels=config.get("labels") or {},
            volumes=volumes,
            binds=binds,
            mounts=config.get("userVolumes"),
            ports=dicts(config.get("newPortMappings")),
            ports_text=[port_text(p) for p in dicts(config.get("newPortMappings"))],
            network_mode=config.get("networkMode"),
            networks=c.networks,
            runtime=config.get("runtime"),
            log_path=config.get("logPath"),
            create_command=config.get("CreateCommand"),
        )
        summary = " ".join(
            part for part in (
                _exit_summary(c) if c.status == "exited" else c.status,
                c.image, " ".join(c.command),
            ) if part
        )  # fmt: skip
        return StoreNode(
            ("containers", c.name), "container", summary, node_fields, links=tuple(links),
            source=(b"ctr", c.id.encode()), marks=tuple(dict.fromkeys(marks)),
        )  # fmt: skip

    def _add_pods(self) -> None:
        self.group("pods")
        for pod in sorted(self.pods.values(), key=lambda p: p["name"]):
            config, state, members = pod["config"], pod["state"], pod["members"]
            marks = ["inconsistent"] if pod["id"] in self.unregistered else []
            links: list[Link] = []
            for member_id, member_name in sorted(members.items(), key=lambda m: m[1]):
                container = self.containers.get(member_id)
                if container is None:
                    self.finding(f"pod {pod['name']}: member {member_name} ({member_id}) does not exist")
                    marks.append("inconsistent")
                    continue
                links.append(self.link("container", "containers", container.name))
                if container.pod_id != pod["id"]:
                    self.finding(f"pod {pod['name']}: member {container.name} names another pod")
                    marks.append("inconsistent")
            infra = state.get("InfraContainerID") or None
            states = [self.containers[i].status for i in members if i in self.containers]
            node_fields = fields(
                id=pod["id"], name=pod["name"], status=pod_status(states), created=config.get("created"),
                labels=config.get("labels") or {},
                containers=sorted(self._name_of(i) for i in members),
                infra_container_id=infra,
                infra_container=self._name_of(infra) if infra else None,
                exit_policy=config.get("ExitPolicy"), cgroup_parent=config.get("cgroupParent"),
                cgroup_path=state.get("cgroupPath") or None,
                create_command=config.get("CreateCommand"),
            )  # fmt: skip
            summary = f"{pod_status(states)}, {len(members)} container{'s' if len(members) != 1 else ''}"
            self.add(StoreNode(
                ("pods", pod["name"]), "pod", summary, node_fields, links=tuple(links),
                source=(b"pod", pod["id"].encode()), marks=tuple(dict.fromkeys(marks)),
            ))  # fmt: skip

    def _add_volumes(self) -> None:
        self.group("volumes")
        for volume in sorted(self.volumes.values(), key=lambda v: v["name"]):
            config, state = volume["config"], volume["state"]
            users = [self._name_of(u) for u in volume["users"]]
            marks: list[str] = []
            for user in volume["users"]:
                if user not in self.containers:
                    self.finding(f"volume {volume['name']}: user {user} is no container")
                    marks.append("inconsistent")
            node_fields: dict[str, JsonValue] = fields(
                name=volume["name"], driver=config.get("volumeDriver"),
                mountpoint=config.get("mountPoint"), created=config.get("createdAt"),
                labels=config.get("labels") or {}, options=config.get("options") or {},
                anonymous=config.get("isAnon"), uid=config.get("uid"), gid=config.get("gid"),
                mount_count=state.get("mountCount"),
                needs_copy_up=bool(state.get("notYetMounted")),  # omitted when false
                needs_chown=bool(state.get("notYetChowned")),
                users=sorted(users),
            )  # fmt: skip
            links = tuple(
                self.link("user", "containers", self.containers[u].name)
                for u in volume["users"] if u in self.containers
            )  # fmt: skip
            summary = f"{config.get('volumeDriver', '?')}, used by {len(users)}"
            self.add(StoreNode(
                ("volumes", volume["name"]), "volume", summary, node_fields, links=links,
                source=(b"vol", volume["name"].encode()), marks=tuple(dict.fromkeys(marks)),
            ))  # fmt: skip

    def _add_networks(self) -> None:
        members: dict[str, dict[str, Any]] = {}
        for container in self.containers.values():
            for network, options in container.networks.items():
                members.setdefault(network, {})[container.name] = options
        self.group("networks", summary="as the containers name them")
        for network in sorted(members):
            users = members[network]
            self.add(StoreNode(
                ("networks", network), "network", f"{len(users)} container(s)",
                {"name": network, "containers": users},
                links=tuple(self.link("container", "containers", name) for name in sorted(users)),
            ))  # fmt: skip

    def _add_exec_sessions(self) -> None:
        sessions = self._registry(b"exec")
        if not sessions:
            return
        self.group("exec sessions")
        for session, container_id in sorted(sessions.items()):
            name = self._name_of(container_id)
            if container_id not in self.containers:
                self.finding(f"exec session {session}: its container {container_id} does not exist")
            self.add(StoreNode(
                ("exec sessions", session), "exec session", name,
                {"id": session, "container": name, "container_id": container_id},
                links=(self.link("container", "containers", name),), source=(b"exec", session.encode()),
            ))  # fmt: skip

    def _add_runtime(self) -> None:
        settings = self._registry(b"runtime-config")
        if settings:
            self.add(StoreNode(
                ("runtime",), "runtime config", settings.get("graph-driver-name", ""),
                dict(settings), source=(b"runtime-config",),
            ))  # fmt: skip


def _mounts(config: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A container's named volumes, and its bind mounts: the mounts of its OCI spec at the
    places the user asked for (``userVolumes``) that no named volume takes."""
    volumes = [
        {"name": v.get("volumeName"), "destination": v.get("dest"), "options": v.get("options")}
        for v in dicts(config.get("namedVolumes"))
    ]
    spec = config.get("spec")
    asked = config.get("userVolumes")
    asked = asked if isinstance(asked, list) else []
    named = {volume["destination"] for volume in volumes}
    binds = [
        {"source": m.get("source"), "destination": m.get("destination"), "options": m.get("options")}
        for m in dicts(spec.get("mounts") if isinstance(spec, dict) else None)
        if m.get("type") == "bind" and m.get("destination") in asked and m.get("destination") not in named
    ]  # fmt: skip
    return volumes, binds


def _time(value: Any) -> str | None:
    """A state's time, None for Go's zero time (never happened)."""
    return None if value in (None, ZERO_TIME) else str(value)


def _exit_summary(c: Container) -> str:
    return f"exited ({c.last_exit_code})"
