"""Files hashed beside their reader: in a forked process when this one may fork, else a thread.

``export`` records each file's sha256 in its provenance and hashes while it
writes, so the hash costs no time of its own on a second core.  A thread
would share the interpreter lock with the writer: each of its reads and
updates takes the lock back, and the writer pays for every hand-over (about
6% of export's time on a 346 MiB file).  A forked process shares nothing;
it writes one digest a line to a pipe and exits.  Fork only from a process
that runs no other thread (see :mod:`boltview.bolt.processes`); otherwise
the files are hashed in a thread, as before.  A process that dies leaves its
files to be hashed here when their digests are asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from boltview.bolt.fanout import fork_child, write_all
from boltview.bolt.processes import may_fork

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile

__all__ = ["Hashes"]

_HEX_DIGITS = 64


class Hashes:
    """The sha256 of each of ``files``, computed beside the caller from the start."""

    def __init__(self, files: Sequence[BoltFile]) -> None:
        self.files = list(files)
        self.digests: dict[str, str] = {}
        self.futures: dict[str, Future[str]] = {}
        self.pool: ThreadPoolExecutor | None = None
        self.pid: int | None = None
        if may_fork():
            read, write = os.pipe()
            self.pid = fork_child(lambda: _hash_into(self.files, write), [read])
            os.close(write)
            self.pipe = os.fdopen(read, "rb")
        else:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
            self.futures = {db.path: self.pool.submit(db.sha256) for db in self.files}

    def sha256(self, db: BoltFile) -> str:
        """``db``'s digest, once it is known (waits for it)."""
        if db.path in self.futures:
            return self.futures[db.path].result()
        self._collect()
        found = self.digests.get(db.path)
        if found is None:  # the helper died before it got there
            found = self.digests[db.path] = db.sha256()
        return found

    def close(self) -> None:
        """Wait for the hashing to end: no process or thread is left behind."""
        self._collect()
        if self.pool is not None:
            self.pool.shutdown()

    def _collect(self) -> None:
        if self.pid is None:
            return
        lines = self.pipe.read().split(b"\n")
        self.pipe.close()
        os.waitpid(self.pid, 0)
        self.pid = None
        for db, line in zip(self.files, lines):
            if len(line) == _HEX_DIGITS:
                self.digests[db.path] = line.decode("ascii")


def _hash_into(files: Sequence[BoltFile], out: int) -> None:
    """In the forked process: each file's digest, a line each, as soon as it is known."""
    for db in files:
        write_all(out, (db.sha256() + "\n").encode("ascii"))
