"""Issue 15 item 15: real writers (podman, etcd) commit while boltview reads, hundreds of times.

Writer threads drive the real program in a loop (two podman workers creating,
renaming and removing containers, pods with a member and volumes; etcd taking
puts, deletes, compactions and a defragmentation, which renames a new file over
the old) while the test reads the live bolt file, round after round:

1. a *reference*: ``BoltFile.open(snapshot=True)``, dumped (base64) and checked.  A
   snapshot is one whole transaction, so it must check clean and keep the writer's
   invariants (podman: every container listed in ``all-ctrs`` has its bucket in
   ``ctr``, its config names it, and both registries agree; etcd: every revision's
   record names that revision and holds a value the driver put).  Every eighth
   snapshot's bytes also go to bbolt itself (bboltref ``dump`` and ``check``),
   which must read them exactly as boltview does.
2. a *direct* library read (``snapshot=False``): dump and check straight from the
   file, at once, and every fourth round 0.3 s after opening (as the browser reads
   what it opened a while ago: the reads that meet torn pages).  Then
   ``changed_under_us()`` decides: if the file moved on, the read is refused
   (counted, and whether what it read was torn; it must not have crashed).
   Otherwise it must be whole: no gap, no finding, the invariants, and a dump byte
   for byte equal to a snapshot of the same file at the same txid (one taken
   before, or one taken right after).
3. in a thread of its own, the CLI verbs in turn: ``dump``, ``check``, ``buckets
   --json``, ``keys --json``, direct (``--no-snapshot``) or by default.  Exit 0 with
   an answer that holds (equal to a snapshot's when the file's newest txid was the
   same before the run, after it and in a snapshot taken then), or exit 2 with
   exactly one line saying the file changed while it was read (and, for dump, a
   stdout that does not parse).  Never a traceback, never exit 1 (the file is
   healthy: a finding is false), never an error blaming a page.
4. every third round, ``snapshot=None`` (boltview decides from the file's lock).

Both loops are bounded in rounds and in time (``BOLTVIEW_LIVE_SECONDS``, default
30 s of reading per writer).  The counts are printed: run with -s.  What these
tests found is pinned at the end by tests that need no live writer.
"""

from __future__ import annotations

import base64
import collections
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from boltview.bolt.check import check
from boltview.bolt.file import BoltFile
from boltview.dump import dump
from boltview.errors import BoltviewError
from tests.conftest import require_real, run_ref
from tests.live_writers import Etcd, Podman, missing, newest_txid, newest_version
from tests.test_hostile_containerd import spec_writer  # noqa: F401  (a fixture)
from tests.test_live_refusal import before_after  # noqa: F401  (a fixture)

DURATION = float(os.environ.get("BOLTVIEW_LIVE_SECONDS", "30"))
MAX_ROUNDS = 3000  #: library rounds; the CLI thread runs at most a fifth of that
CLI_TIMEOUT = 30.0
STALE = 0.3  #: seconds a slow direct read waits between opening and reading
BBOLT_EVERY = 8  #: every this many rounds, bbolt reads the reference's bytes too
Tree = dict[bytes, Any]
Invariants = Callable[[Tree], list[str]]


# -- the writers -----------------------------------------------------------------------


class Writer(threading.Thread):
    """Calls ``step(n)`` for n = 0, 1, ... until told to stop; counts what failed."""

    def __init__(self, step: Callable[[int], None], stop: threading.Event) -> None:
        super().__init__(name="writer", daemon=True)
        self.step, self.stop = step, stop
        self.steps = 0
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.step(self.steps)
            except Exception as error:  # noqa: BLE001 - reported; the stress goes on
                self.failures.append(f"step {self.steps}: {error}")
            self.steps += 1


def podman_steps(podman: Podman, worker: int) -> Callable[[int], None]:
    """Containers created (four kept), renamed and removed; pods (with a container)
    and volumes come and go."""
    alive: collections.deque[str] = collections.deque()

    def create(name: str, *options: str) -> None:
        podman.podman("create", "--network", "none", "--name", name, "--label", f"w={worker}",
                      *options, "--rootfs", podman.rootfs, "/bin/sh", "-c", "true")  # fmt: skip

    def step(n: int) -> None:
        name = f"w{worker}-c{n}"
        create(name)
        alive.append(name)
        if n % 5 == 1:
            podman.podman("rename", name, f"w{worker}-renamed-{n}")
            alive[-1] = f"w{worker}-renamed-{n}"
        if n % 7 == 3:
            pod, volume = f"w{worker}-pod{n}", f"w{worker}-vol{n}"
            podman.podman("pod", "create", "--infra=false", "--name", pod)
            podman.podman("volume", "create", volume)
            create(f"{pod}-member", "--pod", pod, "--volume", f"{volume}:/data")
            podman.podman("pod", "rm", "--force", pod)
            podman.podman("volume", "rm", volume)
        while len(alive) > 4:
            podman.podman("rm", alive.popleft())

    return step


ETCD_KEYS = 64


def etcd_steps(etcd: Etcd) -> Callable[[int], None]:
    """Puts over 64 keys (values of 0 to 6,000 bytes), deletes, compactions, a defrag."""
    revision = [0]

    def step(n: int) -> None:
        key = f"live/k{n % ETCD_KEYS:02d}".encode()
        padding = b"x" * ((n * 7919) % (6000 if n % 10 == 0 else 600))
        revision[0] = etcd.put(key, key + b"@" + str(n).encode() + b" " + padding)
        if n % 9 == 4:
            etcd.delete(f"live/k{(n * 7) % ETCD_KEYS:02d}".encode())
        if n % 97 == 50:
            etcd.compact(max(1, revision[0] - 32))
        if n % 1500 == 700:
            etcd.defragment()
        time.sleep(0.002)  # the reader shares this interpreter: leave it room

    return step


# -- what a whole transaction looks like ---------------------------------------------------


def tree_of(document: Any) -> Tree:
    """A base64 dump as bytes: nested dicts of bytes keys, bytes values."""
    return {
        base64.b64decode(k): tree_of(v) if isinstance(v, dict) else base64.b64decode(v)
        for k, v in document.items()
    }


def podman_invariants(tree: Tree) -> list[str]:
    """What podman writes in one transaction (libpod's boltdb_state.go), checked."""
    problems = []
    ctrs, pods = tree.get(b"ctr", {}), tree.get(b"pod", {})
    ids, names = tree.get(b"id-registry", {}), tree.get(b"name-registry", {})
    pairs = ((b"all-ctrs", b"ctr"), (b"allPods", b"pod"), (b"allVolumes", b"vol"))
    for listing, records in pairs:
        if set(tree.get(listing, {})) != set(tree.get(records, {})):
            problems.append(f"{listing!r} and {records!r} list different ids")
    if set(ids) != set(ctrs) | set(pods):
        problems.append("id-registry is not the containers and pods")
    for name, ident in names.items():
        if ids.get(ident) != name:
            problems.append(f"name-registry {name!r} -> {ident!r}, id-registry says otherwise")
    if len(names) != len(ids):
        problems.append(f"{len(names)} names for {len(ids)} ids")
    for ident, record in ctrs.items():
        try:
            config = json.loads(record[b"config"])
        except (KeyError, TypeError, ValueError):
            problems.append(f"container {ident!r}: no JSON config")
            continue
        if config.get("name", "").encode() != ids.get(ident):
            problems.append(f"container {ident!r}: config names {config.get('name')!r}")
    return problems


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if byte < 0x80:
            return value, at


def _fields(message: bytes) -> dict[int, Any]:
    """The varint and length-delimited fields of a protobuf message (enough for mvccpb)."""
    found: dict[int, Any] = {}
    at = 0
    while at < len(message):
        tag, at = _varint(message, at)
        if tag & 7 == 0:
            found[tag >> 3], at = _varint(message, at)
        elif tag & 7 == 2:
            size, at = _varint(message, at)
            found[tag >> 3], at = message[at : at + size], at + size
        else:
            raise ValueError(f"wire type {tag & 7}")
    return found


def etcd_invariants(tree: Tree) -> list[str]:
    """Every revision's KeyValue (mvccpb) names its revision and holds a value we put."""
    problems = []
    if b"meta" not in tree or b"key" not in tree:
        return [f"buckets {sorted(tree)}: no meta or key"]
    for revision, record in tree[b"key"].items():
        if len(revision) not in (17, 18) or revision[8:9] != b"_":
            problems.append(f"key {revision.hex()}: not a revision")
            continue
        main = struct.unpack(">Q", revision[:8])[0]
        try:
            kv = _fields(record)
        except (IndexError, ValueError) as error:
            problems.append(f"revision {main}: not a KeyValue ({error})")
            continue
        key, value = kv.get(1, b""), kv.get(5, b"")
        if not key.startswith(b"live/"):
            problems.append(f"revision {main}: record of {key!r}")
        elif revision.endswith(b"t"):  # a deletion: the record holds only the key
            continue
        if kv.get(3) != main:
            problems.append(f"revision {main}: record of {key!r} modified at {kv.get(3)}")
        if not value.startswith(key + b"@"):
            problems.append(f"revision {main}: {key!r} holds {value[:40]!r}")
    return problems


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Tally:
    rounds: int = 0
    references: int = 0
    bbolt_compared: int = 0
    snapshot_gave_up: int = 0
    direct: collections.Counter[str] = field(default_factory=collections.Counter)
    by_choice: collections.Counter[str] = field(default_factory=collections.Counter)
    cli: collections.Counter[str] = field(default_factory=collections.Counter)
    problems: list[str] = field(default_factory=list)
    #: the lowest and highest txid the snapshots read, by inode (a defrag renames a new
    #: file over the old one, and its txids start again)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)

    def commits_seen(self) -> int:
        return sum(high - low for low, high in self.spans.values())


@dataclass
class Read:
    """One library read: its txid, dump, findings, gaps, and what went wrong."""

    txid: int
    inode: int
    dump: bytes = b""
    findings: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    error: str | None = None
    changed: str | None = None
    data: bytes = b""  #: the bytes read, when asked to keep them (a snapshot's)


def library_read(path: Path, snapshot: bool | None, keep: bool = False, pause: float = 0) -> Read:
    """Dump and check, as the CLI would; BoltviewError from the open propagates.

    ``pause`` seconds pass between opening (the meta page is chosen) and reading
    the tree, as in the browser, which opens a file and reads it as one looks.
    """
    db = BoltFile.open(str(path), snapshot=snapshot)
    try:
        time.sleep(pause)
        read = Read(db.txid, db.source.stat.st_ino, data=db.source.read(0, db.size) if keep else b"")
        out = io.BytesIO()
        try:
            dump(db.root, out, "base64",
                 on_error=lambda error, where: read.gaps.append(f"{where!r}: {error}"))  # fmt: skip
            read.dump = out.getvalue()
            read.findings = [finding.message for finding in check(db)]
        except BoltviewError as error:
            read.error = str(error)
        read.changed = db.changed_under_us()
        return read
    finally:
        db.close()


def parses(stdout: bytes) -> bool:
    try:
        json.loads(stdout)
    except ValueError:
        return False
    return True


def whole(read: Read, invariants: Invariants) -> list[str]:
    """What is wrong with a read that claims to be one transaction."""
    problems = [f"error {read.error}"] if read.error else []
    problems += [f"gap {gap}" for gap in read.gaps] + [f"finding {f}" for f in read.findings]
    if not problems:
        try:
            document = json.loads(read.dump)
        except ValueError as error:
            return [f"dump does not parse: {error}"]
        try:
            problems = invariants(tree_of(document))
        except Exception as error:  # noqa: BLE001 - a torn tree may have any shape
            problems = [f"not the writer's shape: {type(error).__name__}: {error}"]
    return problems


class Reader:
    """The rounds of reads on one live file; each verdict goes into ``tally``."""

    def __init__(self, path: Path, invariants: Invariants, verbs: list[list[str]],
                 bboltref: Path, scratch: Path) -> None:  # fmt: skip
        self.path, self.invariants, self.verbs = path, invariants, verbs
        self.bboltref, self.scratch = bboltref, scratch
        self.tally = Tally()
        #: the last snapshots, by (inode, txid): a rewritten file starts its txids again
        self.references: dict[tuple[int, int], Read] = {}
        self.lock = threading.Lock()  #: the CLI's thread counts too

    def problem(self, text: str) -> None:
        with self.lock:
            self.tally.problems.append(f"round {self.tally.rounds}: {text}")

    def count(self, counter: collections.Counter[str], label: str) -> None:
        with self.lock:
            counter[label] += 1

    def round(self) -> None:
        self.reference()
        self.direct()
        if self.tally.rounds % 3 == 0:
            self.by_choice()
        if self.tally.rounds % 4 == 1:
            self.direct(pause=STALE)
        self.tally.rounds += 1

    def cli_rounds(self, deadline: float) -> None:
        """The CLI verbs in turn until ``deadline`` (a thread of its own)."""
        for turn in range(MAX_ROUNDS // 5):
            if time.monotonic() > deadline:
                return
            try:
                self.cli(self.verbs[turn % len(self.verbs)])
            except Exception as error:  # noqa: BLE001 - the test's own failure, reported
                self.problem(f"the CLI thread failed: {type(error).__name__}: {error}")

    def guarded(self, what: str, read: Callable[[], Read]) -> Read | None:
        """``read()``; a BoltviewError is a refusal (None), anything else a crash."""
        try:
            return read()
        except BoltviewError as error:
            if "too fast" not in str(error):
                self.problem(f"{what}: refused for another reason: {error}")
            else:
                with self.lock:
                    self.tally.snapshot_gave_up += 1
        except Exception as error:  # noqa: BLE001 - a crash is what is being looked for
            self.problem(f"{what}: crashed: {type(error).__name__}: {error}")
        return None

    def reference(self) -> Read | None:
        keep = self.tally.references % BBOLT_EVERY == 0
        read = self.guarded("snapshot", lambda: library_read(self.path, True, keep))
        if read is None:
            return None
        self.tally.references += 1
        low, high = self.tally.spans.get(read.inode, (read.txid, read.txid))
        self.tally.spans[read.inode] = (min(low, read.txid), max(high, read.txid))
        problems = whole(read, self.invariants)
        for problem in problems:
            self.problem(f"snapshot txid {read.txid}: {problem}")
        if not problems:
            self.references[read.inode, read.txid] = read
            for old in list(self.references)[:-8]:
                del self.references[old]
            if keep:
                self.against_bbolt(read)
        return read

    def against_bbolt(self, read: Read) -> None:
        """bbolt reads the reference's bytes (a copy taken at its txid) as boltview did."""
        copy = self.scratch / f"txid-{read.txid}.db"
        copy.write_bytes(read.data)
        try:
            if run_ref(self.bboltref, "dump", copy) != json.loads(read.dump):
                self.problem(f"txid {read.txid}: bbolt dumps the snapshot otherwise")
            if (run_ref(self.bboltref, "check", copy) or []) != read.findings:
                self.problem(f"txid {read.txid}: bbolt checks the snapshot otherwise")
            self.tally.bbolt_compared += 1
        finally:
            copy.unlink()

    def direct(self, pause: float = 0) -> None:
        """A read from the file itself, of the tree as it was ``pause`` seconds ago."""
        kind = f"{pause:.1f} s after opening" if pause else "at once"
        read = self.guarded("direct read", lambda: library_read(self.path, False, pause=pause))
        if read is None:
            return
        if read.changed:
            torn = " (what it read was torn)" if whole(read, self.invariants) else ""
            self.tally.direct[f"{kind}: moved on, refused{torn}"] += 1
            return
        problems = whole(read, self.invariants)
        reference = self.references.get((read.inode, read.txid))
        if reference is None and not problems:
            after = self.guarded("snapshot", lambda: library_read(self.path, True))
            if after is not None and (after.inode, after.txid) == (read.inode, read.txid):
                reference = after
        if not problems and reference is not None:
            self.tally.direct[f"{kind}: whole, equal to the snapshot at its txid"] += 1
            if read.dump != reference.dump:
                problems.append("dump differs from the snapshot at the same txid")
        else:
            self.tally.direct[f"{kind}: whole" if not problems else f"{kind}: wrong"] += 1
        for problem in problems:
            self.problem(f"direct read ({kind}) txid {read.txid}, not refused: {problem}")

    def by_choice(self) -> None:
        read = self.guarded("snapshot=None", lambda: library_read(self.path, None))
        if read is None:
            return
        self.tally.by_choice["moved on" if read.changed else "read"] += 1
        if not read.changed:
            for problem in whole(read, self.invariants):
                self.problem(f"snapshot=None txid {read.txid}: {problem}")

    def cli(self, verb: list[str]) -> None:
        """One CLI run; when the file's newest txid was the same before and after it,
        and a snapshot taken right after is still at that txid, the answer must be
        exactly the snapshot's."""
        label = " ".join(verb)
        command = [sys.executable, "-m", "boltview", verb[0], str(self.path), *verb[1:]]
        started = newest_version(self.path)
        try:
            done = subprocess.run(command, capture_output=True, timeout=CLI_TIMEOUT,
                                  check=False, stdin=subprocess.DEVNULL)  # fmt: skip
        except subprocess.TimeoutExpired:
            self.problem(f"`{label}` did not finish in {CLI_TIMEOUT} s")
            return
        ended = newest_version(self.path)
        stderr = done.stderr.decode(errors="replace")
        where = f"`{label}` (exit {done.returncode})"
        if "Traceback" in stderr:
            self.problem(f"{where}: a traceback:\n{stderr[-2000:]}")
            return
        if done.returncode == 2:
            lines = stderr.splitlines()
            if len(lines) != 1 or not lines[0].startswith("boltview: error: "):
                self.problem(f"{where}: stderr is not one error line: {stderr!r}")
            elif "changed while it was read" in lines[0] or "too fast" in lines[0]:
                self.count(self.tally.cli, f"{label}: refused, the file moved on")
                if verb[0] == "dump" and parses(done.stdout):
                    self.problem(f"{where}: refused ({lines[0]}), but its stdout parses")
            else:
                self.problem(f"{where}: a healthy file blamed: {lines[0]}")
            return
        if done.returncode != 0:
            self.problem(f"{where}: {done.stdout[:300]!r} {stderr[-500:]!r}")
            return
        reference = None
        if started == ended:
            after = self.guarded("snapshot", lambda: library_read(self.path, True))
            same = after is not None and (after.inode, after.txid) == ended
            if after is not None and same and not whole(after, self.invariants):
                reference = after
        self.count(self.tally.cli, f"{label}: ok" + (", equal to the snapshot" if reference else ""))
        for problem in self.cli_answer(verb, done.stdout, reference):
            self.problem(f"{where}: {problem}")

    def cli_answer(self, verb: list[str], stdout: bytes, reference: Read | None) -> list[str]:
        """What is wrong with one CLI answer (exit 0); compared when the txid was stable."""
        name = verb[0]
        if name == "check":
            return [] if stdout.strip() == b"OK" else [f"findings: {stdout[:500]!r}"]
        try:
            document = json.loads(stdout)
        except ValueError as error:
            return [f"not JSON ({error}): {stdout[:200]!r}"]
        if name == "dump":
            try:
                problems = self.invariants(tree_of(document))
            except Exception as error:  # noqa: BLE001 - a torn tree may have any shape
                problems = [f"not the writer's shape: {type(error).__name__}: {error}"]
            if reference is not None and document != json.loads(reference.dump):
                problems.append("differs from the snapshot at the same txid")
            return problems
        if reference is None:
            return []
        tree = tree_of(json.loads(reference.dump))
        if name == "buckets":
            shown = [base64.b64decode(b["name_base64"]) for b in document]
            expected = sorted(k for k, v in tree.items() if isinstance(v, dict))
        else:  # keys BUCKET
            shown = [base64.b64decode(k["key_base64"]) for k in document]
            expected = sorted(tree[verb[-1].encode()])
        return [] if shown == expected else [f"{name} differs from the snapshot at its txid"]


def read_while_writing(path: Path, invariants: Invariants, verbs: list[list[str]],
                       bboltref: Path) -> Tally:  # fmt: skip
    """Rounds of reads until DURATION has passed or MAX_ROUNDS are done."""
    with tempfile.TemporaryDirectory(prefix="boltview-live-copies.") as scratch:
        reader = Reader(path, invariants, verbs, bboltref, Path(scratch))
        deadline = time.monotonic() + DURATION
        cli = threading.Thread(target=reader.cli_rounds, args=(deadline,), name="cli")
        cli.start()
        try:
            while time.monotonic() < deadline and reader.tally.rounds < MAX_ROUNDS:
                reader.round()
                time.sleep(0.01)  # room for the writer and the CLI on a small machine
        finally:
            cli.join(timeout=CLI_TIMEOUT * 2)
        assert not cli.is_alive(), "the CLI thread did not end"
    return reader.tally


def report(name: str, tally: Tally, writers: list[Writer], txids: tuple[int, int],
           seconds: float) -> None:  # fmt: skip
    steps, failures = sum(w.steps for w in writers), sum(len(w.failures) for w in writers)
    first, last = txids
    print(f"\n{name}: {tally.rounds} rounds in {seconds:.1f} s, txid {first} -> {last} "
          f"({tally.commits_seen()} commits seen by the reads); "
          f"{steps} writer steps, {failures} failed")  # fmt: skip
    print(f"  snapshots {tally.references} ({tally.bbolt_compared} also read by bbolt), "
          f"{tally.snapshot_gave_up} gave up; direct {dict(tally.direct)}; "
          f"snapshot=None {dict(tally.by_choice)}")  # fmt: skip
    for label, count in sorted(tally.cli.items()):
        print(f"  {count:4d}  {label}")
    for problem in tally.problems[:20]:
        print(f"  PROBLEM: {problem}")


CLI_VERBS = [
    ["dump", "--no-snapshot", "--encoding", "base64"],
    ["dump", "--no-snapshot", "--encoding", "base64", "--workers", "2"],  # forked workers too
    ["check", "--no-snapshot"],
    ["buckets", "--no-snapshot", "--json"],
    ["dump", "--encoding", "base64"],
    ["check"],
]


def judge(name: str, tally: Tally, writers: list[Writer], txids: tuple[int, int],
          seconds: float) -> None:  # fmt: skip
    report(name, tally, writers, txids, seconds)
    steps = sum(w.steps for w in writers)
    failures = [failure for w in writers for failure in w.failures]
    assert not tally.problems, "\n".join(tally.problems[:20]) + f"\n({len(tally.problems)})"
    # The stress happened and the reads were many; most gave an answer, some exactly checked.
    assert steps >= 20 and len(failures) <= steps // 10, failures[:5]
    assert tally.commits_seen() >= 50  # not the last txid's distance: a defrag starts it again
    assert tally.rounds >= 40 and tally.references >= tally.rounds * 9 // 10
    assert tally.bbolt_compared >= 3
    assert sum(tally.direct.values()) >= 30 and sum(tally.cli.values()) >= 15
    exact = sum(n for label, n in tally.cli.items() if "equal" in label)
    exact += tally.direct["at once: whole, equal to the snapshot at its txid"]
    assert exact >= 10
    assert sum(n for label, n in tally.direct.items() if label.startswith("0.3 s")) >= 10


def test_reads_while_podman_writes(bboltref: Path) -> None:
    require_real(missing(("podman",), busybox=True), "podman (vfs) as a live writer")
    stop = threading.Event()
    with Podman() as podman:
        podman.podman("create", "--network", "none", "--name", "first", "--rootfs",
                      podman.rootfs, "/bin/sh")  # fmt: skip
        first = newest_txid(podman.bolt_db) or 0
        writers = [Writer(podman_steps(podman, worker), stop) for worker in (1, 2)]
        for writer in writers:
            writer.start()
        started = time.monotonic()
        try:
            verbs = [*CLI_VERBS, ["keys", "--no-snapshot", "--json", "name-registry"]]
            tally = read_while_writing(podman.bolt_db, podman_invariants, verbs, bboltref)
        finally:
            stop.set()
            for writer in writers:
                writer.join(timeout=120)
        seconds = time.monotonic() - started
        last = newest_txid(podman.bolt_db) or 0
        assert not any(writer.is_alive() for writer in writers)
    judge("podman", tally, writers, (first, last), seconds)


def test_reads_while_etcd_writes(bboltref: Path) -> None:
    require_real(missing(("etcd",)), "etcd-server as a live writer")
    stop = threading.Event()
    with Etcd() as etcd:
        etcd.put(b"live/first", b"live/first@0")
        first = newest_txid(etcd.bolt_db) or 0
        writers = [Writer(etcd_steps(etcd), stop)]
        writers[0].start()
        started = time.monotonic()
        try:
            verbs = [*CLI_VERBS, ["keys", "--no-snapshot", "--json", "key"]]
            tally = read_while_writing(etcd.bolt_db, etcd_invariants, verbs, bboltref)
        finally:
            stop.set()
            writers[0].join(timeout=120)
        seconds = time.monotonic() - started
        last = newest_txid(etcd.bolt_db) or 0
        assert not writers[0].is_alive()
        # etcd holds bbolt's flock as long as it runs: boltview sees it, copies the
        # file and reads the copy, never waiting for the lock nor taking it.
        with BoltFile.open(str(etcd.bolt_db), snapshot=None) as db:
            assert db.is_snapshot and etcd.pid in {holder.pid for holder in db.lock_holders}
    assert etcd.pid is None, "etcd was stopped"
    judge("etcd", tally, writers, (first, last), seconds)


# -- found by these tests ------------------------------------------------------------------


def test_a_dump_is_judged_once(
    before_after: tuple[bytes, bytes],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    """The writer commits just after boltview's first look at whether the file moved on.

    Either verdict is right, as long as there is one: the dump was whole (nothing
    changed until that look), so exit 0; or it is refused, and then stdout must not
    parse.
    """
    from tests.test_live_refusal import run

    before, after = before_after
    path = tmp_path / "bolt_state.db"
    path.write_bytes(before)
    real_look = BoltFile.changed_under_us
    looks: list[str | None] = []

    def look_then_commit(db: BoltFile) -> str | None:
        verdict = real_look(db)
        looks.append(verdict)
        if len(looks) == 1:
            path.write_bytes(after)  # the writer commits right after the first look
        return verdict

    monkeypatch.setattr(BoltFile, "changed_under_us", look_then_commit)
    code, out, err = run(["dump", str(path), "--no-snapshot", "--encoding", "text"], capsysbinary)
    assert looks and looks[0] is None
    assert (code, parses(out)) in ((0, True), (2, False)), (code, looks, err)


@pytest.fixture(scope="module")
def grown(bboltref: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One database written by bbolt (as etcd: no freelist page) in four states."""
    where = tmp_path_factory.mktemp("grown")
    states = {name: where / f"{name}.db" for name in ("before", "big", "touched", "after")}
    subprocess.run([str(bboltref), "grown", *states.values()], check=True)
    return states


@pytest.mark.parametrize("state", ["big", "touched", "after"])
def test_a_file_grown_while_it_was_opened_is_read_whole(
    grown: dict[str, Path], bboltref: Path, tmp_path: Path, state: str
) -> None:
    """The writer commits between boltview's look at the size and its read of the metas.

    Seen with etcd: a direct read opened the file (67 pages), then read the meta
    of the transaction committed meanwhile (high-water mark 68) and, the file never
    moving on after that, ``check`` reported "high-water mark 68 is past the end of
    the file (67 pages)" although bbolt's own check of that transaction is clean.
    The same stale size must not cut a walk short either ("touched": a tree of 300
    pages in a file that had 5 when it was opened, under a root page among those 5).
    """
    target = grown[state]
    assert run_ref(bboltref, "check", target) in (None, [])
    assert grown["before"].stat().st_size < run_ref(bboltref, "info", target)["pgid"] * 4096

    expected = run_ref(bboltref, "dump", target)
    for reader in ("check", "dump", "walk"):
        live = tmp_path / f"{reader}.db"
        live.write_bytes(grown["before"].read_bytes())
        with BoltFile.open(str(live), snapshot=False) as opened:  # the size is looked at
            live.write_bytes(target.read_bytes())  # the writer commits (the file grows)
            # ... and then the meta pages are read: those of the new transaction
            db = BoltFile._from_source(opened.source, None)
            assert db.changed_under_us() is None
            if reader == "check":
                assert [finding.message for finding in check(db)] == []
            elif reader == "dump":
                out = io.BytesIO()
                dump(db.root, out, "base64")
                assert json.loads(out.getvalue()) == expected
            else:  # the Bucket walk, with its page budget
                counts = {b64(b.name): sum(1 for _ in b.entries()) for b in db.root.buckets()}
                assert counts == {name: len(keys) for name, keys in expected.items()}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
