"""Reading a live containerd database: a real containerd writes while boltview reads.

A real containerd (Debian's 1.6 package, see tests/containerd_harness.py) runs in a
temp root.  Worker threads drive it with ``ctr`` in a tight loop: containers
created, labelled and deleted (each deletion followed by containerd's garbage
collection), leases created and deleted, snapshots prepared, labelled and removed,
image and namespace labels changed.  Meanwhile the test reads the live meta.db again
and again, through the library and through the CLI, and holds every read to the
promise of issue 5: *a consistent tree or a clear error, never a crash, never a wrong
answer, never a wait on containerd's lock*.

- ``BoltFile.open(path, snapshot=None)`` must see containerd's flock and read from a
  validated in-memory copy: the whole tree walks, ``check`` finds nothing, every
  container has the keys containerd always writes and a spec that names it.
- ``BoltFile.open(path, snapshot=False)`` reads the file itself: either
  ``changed_under_us()`` says the file moved on too far (counted, the answer is
  dropped, as the CLI does), or the read must be as good as a snapshot's; a
  ``BoltviewError`` is a clear error; any other exception is a crash.
- The CLI (``ls containers --json``, ``dump --encoding base64``, ``check``, and
  ``dump --no-snapshot``): exit 0 with a right answer, or exit 2 with exactly one stderr
  line ``boltview: error: ...`` that says the file changed while it was read (the file
  is healthy: an error blaming a page of it is a torn read passed off as damage).
- Every id seen (containers, leases, snapshots) is one the driver created: no garbage.
- A library read with ``snapshot=False`` that raised although ``changed_under_us()``
  said the file had not moved on is, likewise, a torn read passed off as damage.
- One run of each CLI verb under ``strace``: the database is opened O_RDONLY, never
  locked.

Why "moved on" must mean "any commit after T": a read of tree T is intact only while no
transaction has reused T's pages, and T's pages become reusable in T+2.  bbolt commits
T+2 by writing its data pages (possibly over T's) and fdatasync-ing *before* it writes
T+2's meta page, so a file whose newest meta still says T+1 after the read may already
hold T+2's pages: only a live txid still equal to T proves the read whole.  The live
reads are counted by how far the file had gone (``live outcomes``) to show this.

The counts (reads, snapshots, retries, detected changes) are printed; run with -s.
``BOLTVIEW_LIVE_SECONDS`` sets how long the stress phase lasts (default 25).
"""

from __future__ import annotations

import base64
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt import source as source_module
from boltview.bolt.check import check
from boltview.bolt.file import BoltFile
from boltview.errors import BoltviewError
from tests.containerd_harness import RealContainerd, require_containerd

DURATION = float(os.environ.get("BOLTVIEW_LIVE_SECONDS", "25"))
WORKERS = 2
KEEP_ALIVE = 4  #: containers each worker keeps before deleting its oldest
CLI_TIMEOUT = 30.0
LIB_READ_LIMIT = 10.0  #: seconds one library read may take (a lock wait would be forever)
NS = "default"
RUNTIME = "io.containerd.runc.v2"
CONTAINER_KEYS = {b"createdat", b"updatedat", b"spec", b"image", b"snapshotter",
                  b"snapshotKey", b"runtime", b"labels"}  # fmt: skip


# -- the writer side ------------------------------------------------------------------


@dataclass
class Created:
    """Everything the driver ever asked containerd to create (recorded *before* asking)."""

    containers: set[str] = field(default_factory=set)
    leases: set[str] = field(default_factory=set)
    snapshots: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, name: str) -> None:
        with self.lock:
            getattr(self, kind).add(name)

    def frozen(self) -> dict[str, set[str]]:
        with self.lock:
            return {k: set(getattr(self, k)) for k in ("containers", "leases", "snapshots")}


class Driver(threading.Thread):
    """One worker: drives containerd with ctr until told to stop."""

    def __init__(self, ctrd: RealContainerd, image: dict[str, Any], worker: int,
                 created: Created, stop: threading.Event) -> None:  # fmt: skip
        super().__init__(name=f"driver-{worker}", daemon=True)
        self.ctrd, self.image, self.worker = ctrd, image, worker
        self.created, self.stop = created, stop
        self.ops: collections.Counter[str] = collections.Counter()
        self.failures: list[str] = []

    def ctr(self, op: str, *args: str, namespace: str | None = NS) -> None:
        try:
            self.ctrd.ctr(*args, namespace=namespace, timeout=30)
            self.ops[op] += 1
        except Exception as error:  # noqa: BLE001 - reported, the stress goes on
            self.failures.append(f"{op}: {error}")

    def run(self) -> None:
        name = self.image["name"]
        top = self.image["chain_ids"][-1]
        alive: collections.deque[str] = collections.deque()
        lease: str | None = None
        n = 0
        while not self.stop.is_set():
            tag = f"w{self.worker}-{n}"
            cid = f"stress-{tag}"
            self.created.add("containers", cid)
            self.ctr("container create", "containers", "create", "--label", "app=stress",
                     "--label", f"worker={self.worker}", name, cid, "/bin/true")  # fmt: skip
            alive.append(cid)
            self.ctr("container label", "containers", "label", cid, f"round={n}")
            if n % 3 == 0:
                if lease is not None:
                    self.ctr("lease delete", "leases", "rm", lease)
                lease = f"lease-{tag}"
                self.created.add("leases", lease)
                self.ctr("lease create", "leases", "create", "--id", lease, "--expires", "1h",
                         "purpose=stress")  # fmt: skip
            if n % 4 == 1:
                snap = f"snap-{tag}"
                self.created.add("snapshots", snap)
                self.ctr("snapshot prepare", "snapshots", "prepare", snap, top)
                self.ctr("snapshot label", "snapshots", "label", snap, f"round={n}")
                self.ctr("snapshot remove", "snapshots", "rm", snap)
            if n % 5 == 2:
                self.ctr("image label", "images", "label", name, f"round-{self.worker}={n}")
                self.ctr("namespace label", "namespaces", "label", NS, f"round-{self.worker}={n}",
                         namespace=None)  # fmt: skip
            while len(alive) > KEEP_ALIVE:
                self.ctr("container delete", "containers", "delete", alive.popleft())
            n += 1


# -- what a read must look like -----------------------------------------------------------


def walk(db: BoltFile) -> int:
    """Every key of every bucket, depth first; the number of keys."""
    count = 0
    stack = [db.root]
    while stack:
        bucket = stack.pop()
        for entry in bucket.entries():
            count += 1
            if entry.is_bucket:
                stack.append(bucket.child(entry))
    return count


#: containerd's Go client (ctr) wraps its calls in a short lease of its own:
#: id "<unix nanos % 10^9>-<4 random base64url chars>", label containerd.io/gc.expire.
CLIENT_LEASE = re.compile(r"[0-9]+-[A-Za-z0-9_-]{4}")


def client_lease(lease_id: str, labels: dict[str, str] | None) -> bool:
    return bool(CLIENT_LEASE.fullmatch(lease_id)) and "containerd.io/gc.expire" in (labels or {})


def spec_problem(cid: str, spec: Any) -> str | None:
    """A container's spec must be an OCI spec that is its own (ctr: cgroupsPath /<ns>/<id>)."""
    if not isinstance(spec, dict) or "ociVersion" not in spec:
        return f"container {cid}: spec is not an OCI runtime spec"
    cgroups = spec.get("linux", {}).get("cgroupsPath")
    if cgroups != f"/{NS}/{cid}":
        return f"container {cid}: its spec names cgroupsPath {cgroups!r} (another record's?)"
    return None


def library_problems(db: BoltFile, created: Created, allowed_snapshots: set[str]) -> list[str]:
    """What is wrong with one read of the tree, as boltview's library sees it.

    The ids read are compared with what the driver created by the *end* of the
    read (it records an id before asking containerd for it, and the set only grows).
    """
    from boltview.containerd.reader import MetadataReader

    problems = [f"check: {finding}" for finding in check(db)]
    reader = MetadataReader(db, check=False)
    seen: dict[str, list[tuple[str, str]]] = {"containers": [], "leases": [], "snapshots": []}
    for ns in reader.namespace_names():
        for container in reader.containers(ns):
            cid = container.id
            seen["containers"].append((ns, cid))
            keys = {entry.key for entry in db.bucket(*container.path).entries()}
            if not CONTAINER_KEYS <= keys:
                problems.append(f"container {cid}: keys {sorted(CONTAINER_KEYS - keys)} missing")
            if container.created_at is None or container.updated_at is None:
                problems.append(f"container {cid}: no createdat/updatedat")
            if container.issues:
                problems.append(f"container {cid}: issues {container.issues}")
            if container.runtime_name != RUNTIME or container.snapshot_key != cid:
                problems.append(f"container {cid}: runtime {container.runtime_name!r}, "
                                f"snapshot key {container.snapshot_key!r}")  # fmt: skip
            if (container.labels or {}).get("app") != "stress":
                problems.append(f"container {cid}: labels {container.labels}")
            spec = None
            if container.spec is not None:
                try:
                    spec = json.loads(container.spec.value)
                except ValueError:
                    pass
            problem = spec_problem(cid, spec)
            if problem:
                problems.append(problem)
        for lease in reader.leases(ns):
            if not client_lease(lease.id, lease.labels):
                seen["leases"].append((ns, lease.id))
            if lease.created_at is None:
                problems.append(f"lease {lease.id}: no createdat")
        for snapshot in reader.snapshots(ns):
            if snapshot.key not in allowed_snapshots:
                seen["snapshots"].append((ns, snapshot.key))
            if snapshot.created_at is None or not snapshot.name:
                problems.append(f"snapshot {snapshot.key}: no createdat or backend name")
    known = created.frozen()
    known["snapshots"] |= known["containers"]
    for kind, ids in seen.items():
        for ns, ident in ids:
            if ns != NS or ident not in known[kind]:
                problems.append(f"{kind[:-1]} {ns}/{ident!r}: never created by the driver")
    return problems


def ls_problems(document: Any, created: dict[str, set[str]]) -> list[str]:
    """What is wrong with ``ls containers --json``'s answer."""
    if not isinstance(document, list):
        return [f"ls --json: not a list: {str(document)[:200]}"]
    problems = []
    for item in document:
        cid = item.get("ID")
        if item.get("Namespace") != NS or cid not in created["containers"]:
            problems.append(f"ls: container {item.get('Namespace')}/{cid!r}: never created")
            continue
        for name in ("CreatedAt", "UpdatedAt", "Spec", "Image", "Snapshotter", "SnapshotKey"):
            if not item.get(name):
                problems.append(f"ls: container {cid}: {name} missing")
        if (item.get("Runtime") or {}).get("Name") != RUNTIME:
            problems.append(f"ls: container {cid}: runtime {item.get('Runtime')}")
        problem = spec_problem(cid, item.get("Spec"))
        if problem:
            problems.append("ls: " + problem)
    return problems


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def dump_problems(document: Any, created: dict[str, set[str]]) -> list[str]:
    """What is wrong with ``dump --encoding base64``'s answer."""
    if not isinstance(document, dict):
        return ["dump: not a JSON object"]
    tree = {unb64(k): v for k, v in document.items()}
    v1 = tree.get(b"v1")
    if not isinstance(v1, dict):
        return ["dump: no v1 bucket"]
    problems = []
    for ns_key, ns_tree in v1.items():
        if not isinstance(ns_tree, dict):
            continue
        containers = {unb64(k): v for k, v in ns_tree.items()}.get(b"containers") or {}
        for cid_b64, record in containers.items():
            cid = unb64(cid_b64).decode(errors="replace")
            if unb64(ns_key) != NS.encode() or cid not in created["containers"]:
                problems.append(f"dump: container {cid!r}: never created")
                continue
            keys = {unb64(k): v for k, v in record.items()}
            if not CONTAINER_KEYS <= set(keys):
                problems.append(
                    f"dump: container {cid}: keys {sorted(CONTAINER_KEYS - set(keys))} missing"
                )
                continue
            raw = unb64(keys[b"spec"])
            if f'"cgroupsPath":"/{NS}/{cid}"'.encode() not in raw:
                problems.append(f"dump: container {cid}: spec is not its own")
    return problems


# -- the reader side -------------------------------------------------------------------------


@dataclass
class Tally:
    lib_snapshot_reads: int = 0
    lib_snapshot_copies: int = 0  #: copies taken; copies - reads = retries
    lib_snapshot_errors: list[str] = field(default_factory=list)  #: clear errors
    lib_live_reads: int = 0
    lib_live_clean: int = 0
    lib_live_changed: int = 0  #: changed_under_us() said: drop the answer
    lib_live_errors: list[str] = field(default_factory=list)  #: BoltviewError, file not moved on
    lib_live_errors_changed: int = 0  #: BoltviewError explained by changed_under_us
    lib_times: list[float] = field(default_factory=list)
    #: live reads by outcome (right, wrong, error) and how far the file had gone after
    live_outcomes: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    txids: list[int] = field(default_factory=list)
    cli: collections.Counter[str] = field(default_factory=collections.Counter)
    cli_errors: collections.Counter[str] = field(default_factory=collections.Counter)
    cli_times: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: errors that blame a healthy file for a torn read the reader did not recognize
    misattributed: list[str] = field(default_factory=list)


def boltview_command() -> list[str]:
    script = shutil.which("boltview")
    return [script] if script else [sys.executable, "-m", "boltview"]


def cli_runs(path: Path) -> list[tuple[str, list[str]]]:
    return [
        (
            "ls containers --json",
            [sys.executable, "-m", "boltview", "ls", "containers", str(path), "--json"],
        ),
        (
            "dump --encoding base64",
            [*boltview_command(), "dump", str(path), "--encoding", "base64"],
        ),
        ("check", [*boltview_command(), "check", str(path)]),
        # no copy: the live file itself, so "changed while it was read" is the usual answer
        (
            "dump --no-snapshot",
            [*boltview_command(), "dump", str(path), "--encoding", "base64", "--no-snapshot"],
        ),
    ]


def judge_cli(label: str, done: subprocess.CompletedProcess[str], created: dict[str, set[str]],
              tally: Tally) -> None:  # fmt: skip
    """One CLI run: exit 0 with a right answer, or exit 2 with one clear line."""
    where = f"`{label}` (exit {done.returncode})"
    if "Traceback" in done.stderr:
        tally.problems.append(f"{where}: a traceback:\n{done.stderr[-2000:]}")
        return
    if done.returncode == 2:
        lines = done.stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith("boltview: error:"):
            tally.problems.append(
                f"{where}: stderr is not one 'boltview: error:' line: {done.stderr!r}"
            )
        elif "changed while it was read" in lines[0] or "too fast" in lines[0]:
            why = "changed while it was read" if "changed while" in lines[0] else "too fast"
            tally.cli_errors[f"{label}: {why}"] += 1
        else:
            # The database is healthy (every snapshot read checks clean): an error that
            # blames the file ("page 34: expected a branch or leaf page") is a torn read
            # passed off as damage, a wrong answer in the form of an error.
            tally.cli_errors[f"{label}: {lines[0][:90]}"] += 1
            tally.misattributed.append(f"{where}: {lines[0]}")
        return
    if done.returncode != 0:
        tally.problems.append(
            f"{where}: stdout {done.stdout[:500]!r} stderr {done.stderr[-1000:]!r}"
        )
        return
    tally.cli[label] += 1
    if label == "check":
        if done.stdout.strip() != "OK":
            tally.problems.append(f"{where}: {done.stdout[:500]!r}")
        return
    try:
        document = json.loads(done.stdout)
    except ValueError as error:
        tally.problems.append(f"{where}: not JSON ({error}): {done.stdout[:300]!r}")
        return
    judge = ls_problems if label.startswith("ls") else dump_problems
    tally.problems += [f"{where}: {p}" for p in judge(document, created)]


def strace_problems(log: Path, root: Path) -> list[str]:
    """Every bolt file under containerd's root opened O_RDONLY; no flock, no fcntl lock."""
    problems, opened = [], 0
    for line in log.read_text(errors="replace").splitlines():
        if re.search(r"\bflock\(", line) and "unfinished" not in line:
            problems.append(f"strace: a flock: {line}")
        if re.search(r"\bfcntl\(.*F_(OFD_)?SETLKW?", line):
            problems.append(f"strace: an fcntl lock: {line}")
        match = re.search(r'open(?:at)?\(.*?"([^"]+)", ([A-Z_|]+)', line)
        if match and match.group(1).startswith(str(root)) and match.group(1).endswith(".db"):
            opened += 1
            flags = set(match.group(2).split("|"))
            if "O_RDONLY" not in flags or flags & {
                "O_WRONLY",
                "O_RDWR",
                "O_CREAT",
                "O_TRUNC",
                "O_APPEND",
            }:
                problems.append(f"strace: opened for more than reading: {line}")
    if opened == 0:
        problems.append("strace: the database was never opened (strace output not understood?)")
    return problems


def cli_reader(path: Path, created: Created, tally: Tally, stop: threading.Event,
               lock: threading.Lock, root: Path) -> None:  # fmt: skip
    """Run the CLI verbs in turn until told to stop; the first round under strace."""
    runs = cli_runs(path)
    traced = shutil.which("strace") is not None
    i = 0
    while not stop.is_set():
        label, command = runs[i % len(runs)]
        use_strace = traced and i < len(runs)
        i += 1
        trace_log = None
        if use_strace:
            fd, name = tempfile.mkstemp(prefix="boltview-strace.", suffix=".log")
            os.close(fd)
            trace_log = Path(name)
            command = ["strace", "-f", "-qq", "-e", "trace=open,openat,flock,fcntl",
                       "-o", str(trace_log), *command]  # fmt: skip
        started = time.monotonic()
        try:
            done = subprocess.run(command, check=False, capture_output=True, text=True,
                                  timeout=CLI_TIMEOUT * (3 if use_strace else 1))  # fmt: skip
        except subprocess.TimeoutExpired:
            with lock:
                tally.problems.append(f"`{label}` did not finish in {CLI_TIMEOUT} s (blocked?)")
            if trace_log is not None:
                trace_log.unlink(missing_ok=True)
            continue
        elapsed = time.monotonic() - started
        with lock:
            if not use_strace:
                tally.cli_times.append(elapsed)
            judge_cli(label, done, created.frozen(), tally)
            if trace_log is not None:
                tally.problems += [f"`{label}` {p}" for p in strace_problems(trace_log, root)]
                tally.cli["strace: " + label] += 1
        if trace_log is not None:
            trace_log.unlink()


def keep_evidence(db: BoltFile, what: str) -> None:
    """Under BOLTVIEW_LIVE_KEEP=DIR, keep the bytes of a read that went wrong, for study."""
    where = os.environ.get("BOLTVIEW_LIVE_KEEP")
    if where:
        os.makedirs(where, exist_ok=True)
        data = db.source.read(0, db.size)
        Path(where, f"{what}-txid{db.txid}-{time.monotonic_ns()}.db").write_bytes(data)


def library_read(path: Path, snapshot: bool | None, created: Created, allowed_snapshots: set[str],
                 tally: Tally, copies: list[int], containerd_pid: int) -> None:  # fmt: skip
    """One read through the library; its verdict goes into ``tally``."""
    started = time.monotonic()
    before = copies[0]
    try:
        db = BoltFile.open(str(path), snapshot=snapshot)
    except BoltviewError as refused:  # e.g. the file changed too fast to copy
        tally.lib_snapshot_errors.append(str(refused))
        return
    try:
        if snapshot is None:
            tally.lib_snapshot_reads += 1
            tally.lib_snapshot_copies += copies[0] - before
            if not db.is_snapshot or containerd_pid not in {h.pid for h in db.lock_holders}:
                tally.problems.append(
                    f"snapshot=None did not see containerd's lock (holders {db.lock_holders})"
                )
            walk(db)
            problems = library_problems(db, created, allowed_snapshots)
            tally.problems += [f"snapshot read txid {db.txid}: {p}" for p in problems]
            if problems:
                keep_evidence(db, "snapshot")
        else:
            tally.lib_live_reads += 1
            error: str | None = None
            live_problems: list[str] = []
            try:
                walk(db)
                live_problems = library_problems(db, created, allowed_snapshots)
            except BoltviewError as caught:
                error = str(caught)
            changed = db.changed_under_us()
            live = db.live_txid()
            outcome = "error" if error is not None else ("wrong" if live_problems else "right")
            tally.live_outcomes[
                (outcome, "moved on" if live is None else f"+{live - db.txid}")
            ] += 1
            if changed:
                tally.lib_live_changed += 1
                if error is not None:
                    tally.lib_live_errors_changed += 1
            elif error is not None:
                tally.lib_live_errors.append(error)
            else:
                tally.lib_live_clean += 1
                # the file did not move on too far: the answer must be right
                tally.problems += [
                    f"live read txid {db.txid}, not flagged: {p}" for p in live_problems
                ]
            if error is not None and not changed:
                keep_evidence(db, "live-error")
        tally.txids.append(db.txid)
    finally:
        db.close()
        tally.lib_times.append(time.monotonic() - started)


def test_reads_while_containerd_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    require_containerd()
    wall = time.monotonic()
    tally, lock = Tally(), threading.Lock()
    created = Created()
    stop = threading.Event()
    copies = [0]
    take_snapshot = source_module.Source.take_snapshot

    def counting_take_snapshot(self: source_module.Source) -> None:
        copies[0] += 1
        take_snapshot(self)

    monkeypatch.setattr(source_module.Source, "take_snapshot", counting_take_snapshot)
    threads: list[threading.Thread] = []
    drivers: list[Driver] = []
    with RealContainerd() as ctrd:
        try:
            image = ctrd.import_busybox()
            assert ctrd.pid is not None
            allowed_snapshots = set(image["chain_ids"])
            path, root = ctrd.meta_db, ctrd.tmp
            assert root is not None
            with BoltFile.open(str(path), snapshot=True) as db:
                first_txid = db.txid
            drivers = [Driver(ctrd, image, w, created, stop) for w in range(WORKERS)]
            threads = [*drivers, threading.Thread(
                target=cli_reader, name="cli", daemon=True,
                args=(path, created, tally, stop, lock, root))]  # fmt: skip
            for thread in threads:
                thread.start()
            stress_started = time.monotonic()
            modes: list[bool | None] = [None, False]
            i = 0
            while time.monotonic() - stress_started < DURATION:
                with lock:
                    library_read(
                        path, modes[i % 2], created, allowed_snapshots, tally, copies, ctrd.pid
                    )
                i += 1
                time.sleep(0.005)
            stress_seconds = time.monotonic() - stress_started
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        alive = [t.name for t in threads if t.is_alive()]
        with BoltFile.open(str(path), snapshot=None) as db:
            last_txid = db.txid
            final_problems = library_problems(db, created, allowed_snapshots)
        log_tail = ctrd.log_tail()

    ops: collections.Counter[str] = collections.Counter()
    failures = []
    for driver in drivers:
        ops.update(driver.ops)
        failures += driver.failures
    lib_reads = tally.lib_snapshot_reads + tally.lib_live_reads
    cli_reads = sum(v for k, v in tally.cli.items() if not k.startswith("strace")) + sum(
        tally.cli_errors.values()
    )
    retries = tally.lib_snapshot_copies - tally.lib_snapshot_reads
    print()
    print(
        f"live containerd: {stress_seconds:.1f} s of stress, {time.monotonic() - wall:.1f} s in all; "
        f"txid {first_txid} -> {last_txid} ({(last_txid - first_txid) / stress_seconds:.0f} tx/s)"
    )
    print(
        f"  driver: {sum(ops.values())} ctr calls: {dict(sorted(ops.items()))}; "
        f"{len(failures)} failed; {len(created.containers)} containers, "
        f"{len(created.leases)} leases, {len(created.snapshots)} snapshots created"
    )
    print(
        f"  library reads: {lib_reads} ({tally.lib_snapshot_reads} snapshot=None -> snapshot, "
        f"{tally.lib_live_reads} snapshot=False); max {max(tally.lib_times, default=0):.2f} s, "
        f"mean {sum(tally.lib_times) / max(1, len(tally.lib_times)):.3f} s"
    )
    print(
        f"    snapshots: {tally.lib_snapshot_copies} copies for {tally.lib_snapshot_reads} reads "
        f"= {retries} retries; {len(tally.lib_snapshot_errors)} gave up (clear error)"
    )
    print(
        f"    live: {tally.lib_live_clean} clean, {tally.lib_live_changed} detected a change "
        f"({tally.lib_live_errors_changed} of them had also hit a BoltviewError), "
        f"{len(tally.lib_live_errors)} BoltviewErrors with the file not moved on"
    )
    print(
        f"    live outcomes by txids the file advanced during the read: "
        f"{dict(sorted(tally.live_outcomes.items()))}"
    )
    print(
        f"  CLI reads: {cli_reads}: ok {dict(tally.cli)}; exit 2 {dict(tally.cli_errors)}; "
        f"max {max(tally.cli_times, default=0):.2f} s"
    )
    for error in tally.lib_snapshot_errors[:3] + tally.lib_live_errors[:3]:
        print(f"    error seen: {error}")
    for problem in tally.problems[:20]:
        print(f"    PROBLEM: {problem}")
    for failure in failures[:5]:
        print(f"    ctr failure: {failure}")

    assert not alive, f"threads still running: {alive}"
    problems = tally.problems + [f"final read: {p}" for p in final_problems]
    assert not problems, "\n".join(problems[:30]) + f"\n({len(problems)} problems)\n" + log_tail
    # A live read that failed although changed_under_us() saw the file stay within one
    # transaction: the writer did reuse pages (the file is healthy: every snapshot read
    # checks clean), so the error blames the file for a torn read it did not recognize.
    misattributed = tally.misattributed + [
        f"library, snapshot=False: {e}" for e in tally.lib_live_errors
    ]
    assert not misattributed, (
        f"{len(misattributed)} torn reads reported as damage instead of "
        "'changed while it was read':\n" + "\n".join(misattributed[:10])
    )
    assert max(tally.lib_times, default=0) < LIB_READ_LIMIT
    # the stress really happened, and the reads really were many
    assert sum(ops.values()) >= 50 and len(failures) <= sum(ops.values()) // 10, failures[:10]
    assert last_txid - first_txid >= 100
    assert lib_reads >= 100 and cli_reads >= 10
    assert tally.lib_snapshot_reads > 0 and tally.lib_live_reads > 0
    # a clear error is allowed, but most reads must give an answer
    assert len(tally.lib_snapshot_errors) <= tally.lib_snapshot_reads // 10
    if shutil.which("strace"):
        assert sum(v for k, v in tally.cli.items() if k.startswith("strace")) == len(cli_runs(path))
