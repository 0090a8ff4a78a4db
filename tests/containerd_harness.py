"""A real containerd (Debian's 1.6 package) in a throw-away root, for tests.

    with RealContainerd() as ctrd:
        image = ctrd.import_busybox()
        ctrd.ctr("containers", "create", image["name"], "c1", "/bin/true")
        path = ctrd.meta_db          # the live io.containerd.metadata.v1.bolt/meta.db

Everything runs in ``mkdtemp(prefix="boltview-ctrd.")`` under /tmp: containerd's
root, state, its own gRPC and ttrpc sockets, the opt plugin directory, the OCI
tarballs.  The config is the one ``fixtures/containerd/make_real.sh`` uses
(config version 2, CRI plugin disabled, overlayfs).

Cleanup, also when the test fails (``__exit__`` and ``stop``): kill every task,
stop containerd with SIGTERM *by its pid* (SIGKILL after 10 s), SIGKILL any other
process whose command line names the temp root (runc shims are started with
``-address <root>/state/containerd.sock``), unmount whatever is mounted under the
temp root (deepest first), remove the empty directories the shim leaves in
/run/containerd when that directory did not exist before, and delete the root.
Nothing is ever killed by name.

Needs root and the commands containerd, ctr, runc, containerd-shim-runc-v2 and a
static /bin/busybox (Debian: containerd, runc, busybox-static);
:func:`missing_prerequisites` says what is missing, :func:`require_containerd`
turns that into a skip, or a failure under ``BOLTVIEW_REQUIRE_GO=1`` (CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parent.parent
BUILD_OCI = ROOT / "fixtures" / "containerd" / "build_oci.py"
BUSYBOX = Path("/bin/busybox")
TOOLS = ("containerd", "ctr", "runc", "containerd-shim-runc-v2")
META_DB = Path("io.containerd.metadata.v1.bolt") / "meta.db"


def missing_prerequisites() -> list[str]:
    """What this machine lacks to run a real containerd (empty when nothing)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (containerd, runc and overlay mounts need it)")
    missing += [tool for tool in TOOLS if shutil.which(tool) is None]
    if not os.access(BUSYBOX, os.X_OK):
        missing.append(f"{BUSYBOX} (busybox-static)")
    if sys.platform != "linux":
        missing.append("Linux")
    return missing


def require_containerd() -> None:
    """Skip the calling test without a real containerd; fail instead under CI."""
    from tests.conftest import require_real

    require_real(missing_prerequisites(), "a real containerd")


class ContainerdError(RuntimeError):
    pass


class RealContainerd:
    """One containerd daemon in its own temp root; a context manager."""

    def __init__(self, root: str | Path | None = None, keep_root: bool = False) -> None:
        #: A root given by the caller is reused (restart on the same data) and kept.
        self.given_root = root is not None
        self.keep_root = keep_root or self.given_root
        self.tmp = Path(root) if root is not None else None
        self.proc: subprocess.Popen[bytes] | None = None
        self.run_dir_existed = os.path.exists("/run/containerd")
        self._log: Any = None

    # -- paths ----------------------------------------------------------------------

    @property
    def sock(self) -> Path:
        assert self.tmp is not None
        return self.tmp / "state" / "containerd.sock"

    @property
    def meta_db(self) -> Path:
        assert self.tmp is not None
        return self.tmp / "root" / META_DB

    @property
    def log_path(self) -> Path:
        assert self.tmp is not None
        return self.tmp / "containerd.log"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # -- life -----------------------------------------------------------------------

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def start(self, timeout: float = 20.0) -> None:
        if self.tmp is None:
            self.tmp = Path(tempfile.mkdtemp(prefix="boltview-ctrd.", dir="/tmp"))
        for sub in ("root", "state", "opt", "oci"):
            (self.tmp / sub).mkdir(parents=True, exist_ok=True)
        config = self.tmp / "config.toml"
        config.write_text(
            f"""version = 2
root = "{self.tmp}/root"
state = "{self.tmp}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{self.sock}"

[ttrpc]
  address = "{self.sock}.ttrpc"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "{self.tmp}/opt"
"""
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTAINERD_")}
        env.update(TZ="UTC", LC_ALL="C")
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open as long as the daemon
        self.proc = subprocess.Popen(
            ["containerd", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise ContainerdError(
                    f"containerd exited ({self.proc.returncode}):\n{self.log_tail()}"
                )
            if self.sock.exists():
                done = subprocess.run(
                    ["ctr", "-a", str(self.sock), "version"],
                    check=False,
                    capture_output=True,
                    timeout=10,
                )
                if done.returncode == 0:
                    break
            if time.monotonic() > deadline:
                raise ContainerdError(
                    f"containerd did not answer in {timeout} s:\n{self.log_tail()}"
                )
            time.sleep(0.1)
        # meta.db is created when the metadata plugin loads: wait for its lock too.
        while not self.meta_db.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the daemon (SIGTERM by pid, SIGKILL after 10 s); the root stays."""
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

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop everything this harness started and remove the temp root; never raises."""
        if self.tmp is None:
            return
        # cleanup goes on whatever happened
        with contextlib.suppress(Exception):
            if self.proc is not None and self.proc.poll() is None:
                self.kill_all_tasks()
        with contextlib.suppress(Exception):
            self.stop()
        for pid in self.our_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.umount_ours()
        if not self.run_dir_existed and os.path.isdir("/run/containerd"):
            # only empty directories: anything else is not ours to remove
            for dirpath, _dirs, _files in sorted(os.walk("/run/containerd"), reverse=True):
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)
        if not self.keep_root:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- cleanup helpers ------------------------------------------------------------

    def our_pids(self) -> list[int]:
        """Processes (other than us) whose command line names our temp root: the shims."""
        assert self.tmp is not None
        marker = str(self.tmp).encode() + b"/"
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if marker in cmdline:
                found.append(int(entry))
        return found

    def umount_ours(self) -> None:
        assert self.tmp is not None
        prefix = str(self.tmp) + "/"
        try:
            with open("/proc/self/mounts") as f:
                points = [line.split()[1] for line in f if line.split()[1].startswith(prefix)]
        except OSError:
            return
        for point in sorted(points, reverse=True):
            if subprocess.run(["umount", point], check=False, capture_output=True).returncode:
                subprocess.run(["umount", "-l", point], check=False, capture_output=True)

    def kill_all_tasks(self) -> None:
        for ns in self.ctr("namespaces", "ls", "-q", namespace=None, timeout=10).split():
            for task in self.ctr("tasks", "ls", "-q", namespace=ns, timeout=10).split():
                self.ctr("tasks", "kill", "-s", "SIGKILL", task, namespace=ns, check=False)
                for _ in range(50):
                    rows = self.ctr("tasks", "ls", namespace=ns, check=False).splitlines()
                    if any(r.split()[:1] == [task] and "STOPPED" in r for r in rows):
                        break
                    time.sleep(0.1)
                self.ctr("tasks", "delete", "-f", task, namespace=ns, check=False)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- driving --------------------------------------------------------------------

    def ctr(
        self,
        *args: str,
        namespace: str | None = "default",
        check: bool = True,
        timeout: float = 30,
        stdin: bytes | None = None,
    ) -> str:
        """Run ``ctr -a SOCK [-n NS] ARGS``; its stdout (raises on failure if ``check``)."""
        command = ["ctr", "-a", str(self.sock)]
        if namespace is not None:
            command += ["-n", namespace]
        command += list(args)
        done = subprocess.run(
            command, check=False, capture_output=True, timeout=timeout, input=stdin
        )
        if check and done.returncode != 0:
            raise ContainerdError(
                f"{' '.join(command)} failed ({done.returncode}): "
                f"{done.stderr.decode(errors='replace').strip()}"
            )
        return done.stdout.decode(errors="replace")

    def build_images(self) -> dict[str, Any]:
        """Build the fixture's OCI tarballs (build_oci.py) in the temp root; their description."""
        assert self.tmp is not None
        out = self.tmp / "oci"
        if not (out / "images.json").exists():
            subprocess.run(
                [sys.executable, str(BUILD_OCI), str(out), str(BUSYBOX)], check=True,
                capture_output=True, timeout=120,
            )  # fmt: skip
        images: dict[str, Any] = json.loads((out / "images.json").read_text())
        return images

    def import_image(self, which: str = "busybox", namespace: str = "default") -> dict[str, Any]:
        """Import one of build_oci.py's images (busybox, hello, pause, oldtool); its description."""
        assert self.tmp is not None
        image: dict[str, Any] = self.build_images()[which]
        self.ctr("images", "import", str(self.tmp / "oci" / image["tar"]), namespace=namespace,
                 timeout=120)  # fmt: skip
        return image

    def import_busybox(self, namespace: str = "default") -> dict[str, Any]:
        return self.import_image("busybox", namespace)
