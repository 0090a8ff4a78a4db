"""Real writers for the live-file tests: Debian's podman and etcd, each in a temp root.

    with Podman() as podman:                 # podman 4.3, vfs, its own root and runroot
        podman.podman("create", "--network", "none", "--rootfs", podman.rootfs, "/bin/sh")
        path = podman.bolt_db                # <root>/libpod/bolt_state.db

    with Etcd() as etcd:                     # etcd 3.4 on 127.0.0.1 only, free ports
        etcd.put(b"k", b"v")                 # through its v3 JSON gateway
        path = etcd.bolt_db                  # <data-dir>/member/snap/db

The two lock differently.  podman opens its bolt database for each operation and
closes it after, so it holds bbolt's flock only while it works: most of the time
a reader finds no lock and reads the file itself.  etcd holds the flock as long
as it runs (boltview never takes it, so it must read anyway) and commits a batch
of writes every few milliseconds.

Nothing outside the temp root is kept: podman's containers use a busybox rootfs
(``--rootfs``, so no image is pulled or imported: ``podman import`` would write
a blob cache under /var/lib/containers), networks are configured in the temp
root, and the one directory podman makes in /run (``/run/containers/networks``)
is removed when empty and not there before.  etcd is stopped by its pid, never
by name.

``newest_version`` reads a bolt file's two meta pages without boltview: the tests
use it to tell whether a writer committed while boltview was reading.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Self

BUSYBOX = Path("/bin/busybox")

# -- bolt's meta pages, read without boltview ----------------------------------------

_PAGE_HEADER = 16
_META = struct.Struct("<IIII QQ QQQ Q")  # magic version page_size flags root seq freelist pgid txid checksum
_MAGIC = 0xED0CDAED


def _fnv1a64(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def _meta_txid(head: bytes) -> tuple[int, int] | None:
    """(txid, page size) of a valid little-endian meta page, or None."""
    if len(head) < _PAGE_HEADER + _META.size:
        return None
    body = head[_PAGE_HEADER : _PAGE_HEADER + _META.size]
    magic, version, page_size, _, _, _, _, _, txid, checksum = _META.unpack(body)
    if magic != _MAGIC or version != 2 or checksum != _fnv1a64(body[:56]):
        return None
    return txid, page_size


def newest_version(path: str | Path) -> tuple[int, int | None]:
    """(inode, newest valid txid) of the file at ``path`` now.

    The inode matters: a writer that rewrites its file (etcd's defragmentation)
    renames a new one over it, whose txids start again from the beginning.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        inode = os.fstat(fd).st_ino
        first = _meta_txid(os.pread(fd, _PAGE_HEADER + _META.size, 0))
        page_size = first[1] if first else 4096
        second = _meta_txid(os.pread(fd, _PAGE_HEADER + _META.size, page_size))
    finally:
        os.close(fd)
    txids = [meta[0] for meta in (first, second) if meta is not None]
    return inode, max(txids) if txids else None


def newest_txid(path: str | Path) -> int | None:
    """The newest valid txid in the file now (both meta pages), or None."""
    return newest_version(path)[1]


# -- shared helpers -------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (asked of the kernel)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def missing(tools: tuple[str, ...], *, busybox: bool = False) -> list[str]:
    """What this machine lacks to run the writer (empty when nothing)."""
    lacking = [] if os.geteuid() == 0 else ["root"]
    if sys.platform != "linux":
        lacking.append("Linux")
    lacking += [tool for tool in tools if shutil.which(tool) is None]
    if busybox and not os.access(BUSYBOX, os.X_OK):
        lacking.append(f"{BUSYBOX} (busybox-static)")
    return lacking


def _remove_empty_dirs(top: str) -> None:
    """Remove ``top`` and the directories under it, as far as they are empty."""
    for dirpath, _dirs, _files in sorted(os.walk(top), reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(dirpath)


# -- podman -----------------------------------------------------------------------------


class Podman:
    """podman 4.3 with the vfs driver in a temp root; a context manager."""

    RUN_DIR = "/run/containers"

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="boltview-podman.", dir="/tmp"))
        self.run_dir_existed = os.path.exists(self.RUN_DIR)
        self.rootfs = self.tmp / "rootfs"
        (self.rootfs / "bin").mkdir(parents=True)
        shutil.copy2(BUSYBOX, self.rootfs / "bin" / "busybox")
        (self.rootfs / "bin" / "sh").symlink_to("busybox")

    @property
    def bolt_db(self) -> Path:
        return self.tmp / "root" / "libpod" / "bolt_state.db"

    def global_options(self) -> list[str]:
        return [
            "--root", str(self.tmp / "root"), "--runroot", str(self.tmp / "runroot"),
            "--tmpdir", str(self.tmp / "libpod-tmp"),
            "--network-config-dir", str(self.tmp / "networks"),
            "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
            "--events-backend", "file",
        ]  # fmt: skip

    def podman(self, *args: str | Path, timeout: float = 60) -> str:
        """``podman GLOBAL-OPTIONS ARGS``; its stdout (RuntimeError when it fails)."""
        command = ["podman", *self.global_options(), *map(str, args)]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False,
            stdin=subprocess.DEVNULL, env=dict(os.environ, TZ="UTC", LC_ALL="C"),
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"podman {' '.join(map(str, args))}: {done.stderr.strip()}")
        return done.stdout

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Remove the temp root and what podman made in /run; never raises."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        if not self.run_dir_existed:
            _remove_empty_dirs(self.RUN_DIR)


# -- etcd ---------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Etcd:
    """etcd 3.4 (Debian's etcd-server) on 127.0.0.1, in a temp data dir; a context manager."""

    def __init__(self, batch_interval: str = "5ms") -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="boltview-etcd.", dir="/tmp"))
        self.client_port, self.peer_port = free_port(), free_port()
        self.batch_interval = batch_interval
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def bolt_db(self) -> Path:
        return self.tmp / "data" / "member" / "snap" / "db"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def start(self, timeout: float = 30.0) -> None:
        peer = f"http://127.0.0.1:{self.peer_port}"
        self._log = open(self.tmp / "etcd.log", "ab")  # noqa: SIM115 - open as long as etcd
        self.proc = subprocess.Popen(
            [
                "etcd", "--name", "live", "--data-dir", str(self.tmp / "data"),
                "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", f"live={peer}",
                "--backend-batch-interval", self.batch_interval,
            ],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"etcd exited ({self.proc.returncode}):\n{self.log_tail()}")
            if self.healthy():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"etcd did not answer in {timeout} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as answer:
                return bool(json.load(answer).get("health") == "true" and self.bolt_db.exists())
        except (OSError, ValueError):
            return False

    def call(self, endpoint: str, request: dict[str, Any], timeout: float = 10) -> Any:
        """One call of etcd's v3 JSON gateway (``/v3/kv/put`` ...); its JSON answer."""
        sent = urllib.request.Request(
            self.url + endpoint, data=json.dumps(request).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(sent, timeout=timeout) as answer:
            return json.load(answer)

    def put(self, key: bytes, value: bytes) -> int:
        """Put ``key``; the revision it made."""
        answer = self.call("/v3/kv/put", {"key": _b64(key), "value": _b64(value)})
        return int(answer["header"]["revision"])

    def delete(self, key: bytes) -> None:
        self.call("/v3/kv/deleterange", {"key": _b64(key)})

    def compact(self, revision: int) -> None:
        self.call("/v3/kv/compaction", {"revision": str(revision), "physical": True})

    def defragment(self) -> None:
        """etcd rewrites its database into a new file and renames it over the old one."""
        self.call("/v3/maintenance/defragment", {}, timeout=60)

    def stop(self) -> None:
        """SIGTERM by pid, SIGKILL after 10 s."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.tmp / "etcd.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])
