"""The etcd store view on a big backend against a tiny one: what a window costs.

    python bench/store_view_bench.py [--revisions 200000] [--runs 3]

The big file is written by the real etcd (Debian's etcd-server, on 127.0.0.1
only, its data in bench/out/, stopped by its PID): REVISIONS puts, each its
own transaction, over REVISIONS / 2 keys (each key written twice), through
etcd's JSON gateway (``/v3/kv/put``) from a few threads.  The tiny file is
``fixtures/storeview/etcd-after.db`` (about 250 revisions).

Measured in one process, best of N, each time from a fresh open of the file:

- the revisions' first screen: the top, the revisions group's first window
  (ranges), and the first range's revisions: the view's claim is that this
  costs what is shown, whatever the number of revisions (goal: big/tiny
  <= 1.2x);
- one revision in the middle of the file found by its path (a link's target);
- the key space's first level: this reads every revision once (etcd's keys are
  stored by revision, not by name), so it grows with the file: reported as is.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TINY = ROOT / "fixtures" / "storeview" / "etcd-after.db"
sys.path.insert(0, str(ROOT))

from bench.report import arguments, best_of, row, versions
from boltview.bolt.file import BoltFile
from boltview.stores.etcd_view import EtcdView


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_big(revisions: int) -> Path:
    """A backend with ``revisions`` puts written by the real etcd (kept for the next run)."""
    target = OUT / f"etcd-{revisions}.db"
    if target.exists():
        return target
    data = OUT / f"etcd-{revisions}.data"
    subprocess.run(["rm", "-rf", str(data)], check=True)
    client, peer = free_port(), free_port()
    endpoint = f"http://127.0.0.1:{client}"
    etcd = subprocess.Popen(
        ["etcd", "--name", "bench", "--data-dir", str(data),
         "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
         "--listen-peer-urls", f"http://127.0.0.1:{peer}",
         "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
         "--initial-cluster", f"bench=http://127.0.0.1:{peer}",
         "--quota-backend-bytes", str(8 * 2**30)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait(client)
        keys = max(revisions // 2, 1)

        def put_range(first: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", client, timeout=30)
            for number in range(first, min(first + 1000, revisions)):
                key = f"/bench/{number % keys:08d}".encode()
                body = json.dumps({"key": base64.b64encode(key).decode(),
                                   "value": base64.b64encode(b"v%d" % number).decode()})  # fmt: skip
                connection.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
                answer = connection.getresponse()
                answer.read()
                if answer.status != 200:
                    raise SystemExit(f"etcd refused a put: {answer.status}")
            connection.close()

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(put_range, range(0, revisions, 1000)))
    finally:
        etcd.send_signal(signal.SIGTERM)
        etcd.wait(timeout=60)
    os.replace(data / "member" / "snap" / "db", target)
    subprocess.run(["rm", "-rf", str(data)], check=True)
    return target


def _wait(port: int) -> None:
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("etcd did not start")


def first_screen(path: Path) -> int:
    """Top, the revisions' first window, the first range's revisions: how many nodes."""
    with BoltFile.open(str(path)) as db:
        view = EtcdView(db)
        top = view.top()
        group = next(node for node in top if node.label == "revisions")
        window = view.children(group)
        shown = len(top) + len(window)
        while window and window[0].kind == "range":
            window = view.children(window[0])
            shown += len(window)
        return shown


def middle_revision(path: Path) -> tuple[str, ...]:
    with BoltFile.open(str(path)) as db:
        view = EtcdView(db)
        node = next(node for node in view.top() if node.label == "revisions")
        while node.kind != "revision":
            children = view.children(node, 0, 1 << 30)
            node = children[len(children) // 2]
        return node.path


def find(path: Path, target: tuple[str, ...]) -> None:
    with BoltFile.open(str(path)) as db:
        assert EtcdView(db).find(target) is not None


def key_space(path: Path) -> int:
    with BoltFile.open(str(path)) as db:
        view = EtcdView(db)
        group = next(node for node in view.top() if node.label == "keys")
        return len(view.children(group))


def main() -> None:
    args = arguments(__doc__, revisions=200_000)
    OUT.mkdir(parents=True, exist_ok=True)
    big = make_big(args.revisions)
    results = {}
    for name, path in (("tiny", TINY), ("big", big)):
        screen, shown = best_of(lambda path=path: first_screen(path), args.runs)
        target = middle_revision(path)
        found, _ = best_of(lambda path=path, target=target: find(path, target), args.runs)
        keys, _ = best_of(lambda path=path: key_space(path), args.runs)
        results[name] = {"size": path.stat().st_size, "screen": screen, "shown": shown,
                         "find": found, "keys": keys}  # fmt: skip
    tiny, large = results["tiny"], results["big"]
    ratio = large["screen"] / tiny["screen"]
    print(f"{versions()}; etcd {subprocess.run(['etcd', '--version'], capture_output=True, text=True, check=False).stdout.split()[2]}")
    for name, got in results.items():
        print(f"{name:5} {got['size'] / 2**20:8.1f} MiB  first screen {got['screen'] * 1000:7.1f} ms "
              f"({got['shown']} nodes)  a middle revision {got['find'] * 1000:7.1f} ms  "
              f"key space's first level {got['keys'] * 1000:9.1f} ms")  # fmt: skip
    row(f"`bench/store_view_bench.py`: etcd view of {args.revisions:,} revisions "
        f"({large['size'] / 2**20:.0f} MiB, written by etcd) vs {TINY.name}",
        "the tiny one",
        f"revisions' first screen {large['screen'] * 1000:.0f} vs {tiny['screen'] * 1000:.0f} ms: "
        f"**{ratio:.2f}x**; a middle revision by path {large['find'] * 1000:.0f} ms; the key "
        f"space's first level (reads every revision) {large['keys']:.2f} s",
        "≤ 1.2x")  # fmt: skip


if __name__ == "__main__":
    main()
