"""Benchmark: ``boltview etcd get --prefix /registry/ --rev N`` and ``etcd history``
against etcdctl asking the running etcd, over a 1 GB backend written by the real etcd.

    python bench/etcd_bench.py [--keys 32000] [--value-size 12000] [--runs 3] [--work DIR]

Starts Debian's etcd (``etcd-server``) on 127.0.0.1 only with its data in a
temporary directory (or in ``--work DIR``, kept, and reused when it already
holds the data), and writes through etcd's own gRPC gateway (HTTP/JSON, several
connections at once) a Kubernetes-shaped key space: ``--keys`` keys under
``/registry/`` with values of ``--value-size`` bytes, in three rounds (all keys,
all keys again, then every key but each tenth, which is deleted), about 1 GB
of history in the ``key`` bucket.  N is the revision at the end of round two.

Then, etcd still running and idle, each in a fresh process, best of ``--runs``:

- ``etcdctl get --prefix /registry/ --rev N -w json`` vs
  ``boltview etcd get DB /registry/ --prefix --rev N -w json`` (the same answer:
  both documents are parsed and compared);
- ``etcdctl get KEY --rev R -w json`` for each revision R of one key vs
  ``boltview etcd history DB KEY``, and the time boltview takes inside its
  process for the history (``EtcdStore.history``), the part a browser pays:
  side by side, in turns, with the later half of the leaves scanned by a
  helper process (as the CLI does on a big bucket) and all in one process (as
  the browser's worker threads do), with this process's CPU time for each;
  and the whole command's time beside that of ``etcd history --help`` (Python's
  start-up and the imports, no scan).

``--history-only`` skips etcd and the prefix get (quick reruns on kept data; etcd
need not be installed then).
Goals: the prefix get within 3x etcdctl's time; a key's history under 100 ms.
etcd is stopped by its PID whatever happens.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import best_of, best_run, peak_memory, row, versions

PREFIX = "/registry/"
DONE = "bench-complete.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_etcd(data: Path) -> Iterator[str]:
    """etcd on 127.0.0.1 with its data in ``data``; yields the client endpoint."""
    client, peer = free_port(), free_port()
    endpoint = f"http://127.0.0.1:{client}"
    peer_url = f"http://127.0.0.1:{peer}"
    log = open(data.parent / "etcd.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        ["etcd", "--name", "bench", "--data-dir", str(data),
         "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
         "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
         "--initial-cluster", f"bench={peer_url}", "--quota-backend-bytes", str(8 << 30),
         "--snapshot-count", "1000000"],
        stdout=log, stderr=log,
    )  # fmt: skip
    try:
        for _ in range(200):
            if etcdctl(endpoint, "endpoint", "health").returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise SystemExit("etcd did not start: see " + str(data.parent / "etcd.log"))
        yield endpoint
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def etcdctl(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["etcdctl", "--endpoints", endpoint, *args],
        capture_output=True, text=True, check=False, env={**os.environ, "ETCDCTL_API": "3"},
    )  # fmt: skip


def key_name(index: int) -> str:
    return f"{PREFIX}pods/ns-{index % 50:02d}/pod-{index:06d}"


def value_of(index: int, round_: int, size: int) -> bytes:
    """A value that looks like a stored object: the magic, the key, then filler."""
    head = b"k8s\x00" + f"{key_name(index)} round {round_} ".encode()
    filler = (f"{index:06d}{round_}" * (size // 7 + 1)).encode()
    return (head + filler)[:size]


def write(endpoint: str, keys: int, size: int) -> int:
    """Three rounds of puts (and deletes) through the gRPC gateway; returns N."""
    host, port = endpoint.removeprefix("http://").split(":")

    def worker(jobs: list[tuple[str, bytes | None]]) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        for key, value in jobs:
            encoded = base64.b64encode(key.encode()).decode()
            if value is None:
                path, body = "/v3/kv/deleterange", {"key": encoded}
            else:
                path, body = "/v3/kv/put", {"key": encoded,
                                            "value": base64.b64encode(value).decode()}  # fmt: skip
            connection.request("POST", path, json.dumps(body))
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise SystemExit(f"etcd gateway said {answer.status} to {path}")
        connection.close()

    revision_after_two = 0
    for round_ in (1, 2, 3):
        jobs: list[tuple[str, bytes | None]] = []
        for index in range(keys):
            deleted = round_ == 3 and index % 10 == 0
            jobs.append((key_name(index), None if deleted else value_of(index, round_, size)))
        threads = [threading.Thread(target=worker, args=(jobs[n::8],)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        status = json.loads(etcdctl(endpoint, "endpoint", "status", "-w", "json").stdout)
        print(f"round {round_}: revision {status[0]['Status']['header']['revision']}, "
              f"db {status[0]['Status']['dbSize'] / 2**30:.2f} GiB", flush=True)  # fmt: skip
        if round_ == 2:
            revision_after_two = int(status[0]["Status"]["header"]["revision"])
    return revision_after_two


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=32000)
    parser.add_argument("--value-size", type=int, default=12000)
    parser.add_argument("--runs", type=int, default=3, help="best of N")
    parser.add_argument("--work", type=Path, help="keep the data here and reuse it")
    parser.add_argument("--history-only", action="store_true", help="only time the history")
    args = parser.parse_args()
    for tool in () if args.history_only else ("etcd", "etcdctl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install etcd-server etcd-client")

    temporary = None
    if args.work is None:
        temporary = tempfile.TemporaryDirectory(prefix="boltview-etcd-bench-")
        work = Path(temporary.name)
    else:
        work = args.work
        work.mkdir(parents=True, exist_ok=True)
    try:
        measure(work, args)
    finally:
        if temporary is not None:
            temporary.cleanup()


def measure(work: Path, args: argparse.Namespace) -> None:
    data = work / "data"
    done = work / DONE
    wanted = {"keys": args.keys, "value_size": args.value_size}
    if done.exists() and json.loads(done.read_text()).get("shape") == wanted:
        rev = json.loads(done.read_text())["rev"]
    else:
        shutil.rmtree(data, ignore_errors=True)
        done.unlink(missing_ok=True)
        with running_etcd(data) as endpoint:
            started = time.perf_counter()
            rev = write(endpoint, args.keys, args.value_size)
            print(f"written in {time.perf_counter() - started:.0f} s", flush=True)
        done.write_text(json.dumps({"shape": wanted, "rev": rev}))
    db = str(data / "member" / "snap" / "db")
    size = os.path.getsize(db)
    tools = []
    for command in (["etcd", "--version"], ["etcdctl", "version"]):
        if shutil.which(command[0]) is None:
            continue
        said = subprocess.run(command, capture_output=True, text=True, check=False)
        tools.append(said.stdout.splitlines()[0] if said.stdout else command[0])
    print(f"{versions()}; {'; '.join(tools)}; db {size / 2**30:.2f} GiB, N = {rev}")
    boltview = [sys.executable, "-m", "boltview", "etcd"]
    key = key_name(7)
    newest = None if args.history_only else prefix_get(data, db, rev, args, boltview, key)
    history_cli, history = best_run([*boltview, "history", db, key, "--json"], args.runs)
    start_up, _ = best_run([*boltview, "history", "--help"], args.runs)
    found = [str(r["mod_revision"]) for r in json.loads(history)["revisions"]]
    (split, split_cpu, helper_cpu), (alone, alone_cpu, _) = history_inside(
        db, key, max(args.runs, 10)
    )
    indexed = history_indexed(db, key) if not args.history_only else None
    helped = "with a helper process" if helper_cpu > 0 else "as run (too few leaves for a helper)"
    print(f"history of {key}: {len(found)} revisions ({', '.join(found)}); in process "
          f"{split * 1000:.0f} ms {helped} (CPU: this process {split_cpu * 1000:.0f} ms, the "
          f"helper {helper_cpu * 1000:.0f} ms), {alone * 1000:.0f} ms all in one process (CPU "
          f"{alone_cpu * 1000:.0f} ms) (goal < 100 ms); whole command "
          f"{history_cli * 1000:.0f} ms, of which start-up and imports (`etcd history "
          f"--help`) {start_up * 1000:.0f} ms"
          + (f"; through the index of every record (the old way) {indexed:.1f} s; "
             f"etcdctl's newest {newest}" if indexed is not None else ""))  # fmt: skip
    if newest is not None and found[-1] != newest:
        raise SystemExit(f"boltview's newest revision {found[-1]} is not etcdctl's {newest}")
    row(f"`bench/etcd_bench.py --history-only`: `etcd history` of one key over a "
        f"{size / 2**30:.2f} GiB backend written by etcd ({args.keys:,} keys x 3 rounds)",
        "the 100 ms goal",
        f"in process {split * 1000:.0f} ms ({helped}), {alone * 1000:.0f} ms (one "
        f"process); whole command {history_cli * 1000:.0f} ms, {start_up * 1000:.0f} ms of "
        "it start-up", "< 100 ms")  # fmt: skip


def prefix_get(
    data: Path, db: str, rev: int, args: argparse.Namespace, boltview: list[str], key: str
) -> str:
    """The prefix get at ``rev``: etcdctl asking the running etcd, boltview the file.
    Returns the mod revision etcd gives ``key`` now."""
    runs, size = args.runs, os.path.getsize(db)
    with running_etcd(data) as endpoint:  # etcdctl asks the running etcd...
        ctl = ["etcdctl", "--endpoints", endpoint]
        os.environ["ETCDCTL_API"] = "3"
        theirs_time, theirs = best_run(
            [*ctl, "get", "--prefix", PREFIX, "--rev", str(rev), "-w", "json"], runs
        )
        newest = json.loads(etcdctl(endpoint, "get", key, "-w", "json").stdout)["kvs"][0]
    # ...and boltview reads the file once etcd has stopped (as on a copy, or a dead node).
    ours_time, ours = best_run(
        [*boltview, "get", db, PREFIX, "--prefix", "--rev", str(rev), "-w", "json"], runs
    )
    same = same_answer(json.loads(theirs), json.loads(ours))
    del theirs, ours
    memory = peak_memory([*boltview, "get", db, PREFIX, "--prefix", "--rev", str(rev), "-w", "json"])
    print(
        f"prefix get at rev {rev}: etcdctl {theirs_time:.2f} s, boltview {ours_time:.2f} s, "
        f"{ours_time / theirs_time:.2f}x (goal <= 3x); same answer: {same}; boltview's peak "
        f"memory {memory:.0f} MiB"
    )
    if not same:
        raise SystemExit("boltview's answer differs from etcdctl's")
    row(f"`bench/etcd_bench.py`: `etcd get --prefix /registry/ --rev N -w json` over a "
        f"{size / 2**30:.2f} GiB backend written by etcd ({args.keys:,} keys x 3 rounds)",
        "`etcdctl get` against the running etcd",
        f"{ours_time:.2f} s vs {theirs_time:.2f} s, **{ours_time / theirs_time:.2f}x**; "
        f"boltview's peak memory {memory:.0f} MiB (the answer is written a key at a time)",
        "≤ 3x")  # fmt: skip
    return str(newest["mod_revision"])


def same_answer(theirs: dict, ours: dict) -> bool:  # type: ignore[type-arg]
    """The same kvs, and the same header revision."""
    return bool(
        theirs.get("kvs") == ours.get("kvs")
        and theirs["header"]["revision"] == ours["header"]["revision"]
    )


def history_inside(db: str, key: str, runs: int) -> list[tuple[float, float, float]]:
    """The time ``EtcdStore.history`` takes on a freshly opened file, best of ``runs``
    taken in turns: with the helper process the CLI forks on a big bucket, and in one
    process; each as (wall, this process's CPU, the helper's CPU) in seconds."""
    from boltview.bolt.file import reading
    from boltview.stores import etcd_scan
    from boltview.stores.etcd import EtcdStore

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    best = [(float("inf"),) * 3, (float("inf"),) * 3]
    split = etcd_scan.SPLIT_LEAVES
    try:
        for _ in range(runs):
            for which, threshold in enumerate((split, sys.maxsize)):
                etcd_scan.SPLIT_LEAVES = threshold
                before = (time.perf_counter(), time.process_time(), children())
                with reading(db) as opened:
                    EtcdStore(opened).history(key.encode())
                wall, cpu = time.perf_counter(), time.process_time()
                after = (wall, cpu, children())
                best[which] = tuple(  # type: ignore[assignment]
                    min(old, end - start) for old, start, end in zip(best[which], before, after)
                )
    finally:
        etcd_scan.SPLIT_LEAVES = split
    return best


def history_indexed(db: str, key: str) -> float:
    """The time the history takes through the index of every record that ``get`` builds."""
    from boltview.bolt.file import reading
    from boltview.stores.etcd import EtcdStore

    def once() -> int:
        with reading(db) as opened:
            return len(EtcdStore(opened).history_index.get(key.encode(), []))

    elapsed, _ = best_of(once, 1)
    return elapsed


if __name__ == "__main__":
    main()
