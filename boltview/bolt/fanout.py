"""Worker processes that read and encode pages, their answers taken back in order.

A walk that spends most of its time encoding leaf pages (``dump``) hands the
pgids of a branch page's children to a ``PagePool``: its workers read those
pages and encode them while the walk waits for the answers one by one, in the
order it asked, and writes them.  A worker answers None for a page it does not
encode (the caller's ``encode`` said so, or reading it failed): the walk then
reads that page itself, so every decision about the tree stays in one process.

The workers are forked from the walk's process: they share the open file (the
descriptor ``Source`` opened read-only and quietly, or its in-memory snapshot)
and the ``BoltFile`` with its chosen meta page, so every worker reads the same
transaction as the walk; none opens, writes or locks anything.  Whether the
file moved on under all of them is judged once, by the walk's caller, after
the last answer (``boltview.bolt.file.reading``).  Fork only from a process
that runs no other thread (the CLI): a thread's locks do not survive a fork.

Requests and answers go through pipes: a batch of pgids (``u32`` count, then
``u64`` each) one way, and back a ``i32`` length per page (-1 for None) followed
by the bodies.  A worker that dies is noticed as a short read; the pool then
answers None for everything, and the walk reads the rest itself.
"""

from __future__ import annotations

import fcntl
import gc
import os
import struct
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from boltview.bolt.page import Page

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile

#: Pages in one request: enough to pay for the round trip, few enough to share out.
BATCH = 8
#: Requests each worker may have outstanding: it works on one while the next waits.
WINDOW = 3
#: How much an answer pipe holds, when the kernel allows (it caps this).
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)

_COUNT = struct.Struct("<I")
_Batch = tuple["_Worker", int]


class _Lost(Exception):
    """A worker stopped answering (it died, or its pipe broke)."""


class _Worker:
    """One forked process: where to send it pgids, and where its answers come from."""

    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid = pid
        self.requests = requests
        self.answers = os.fdopen(answers, "rb", buffering=_PIPE_SIZE)

    def send(self, pgids: list[int]) -> None:
        try:
            _write_all(self.requests, _COUNT.pack(len(pgids)) + _ids(len(pgids)).pack(*pgids))
        except OSError:
            raise _Lost from None

    def receive(self, count: int) -> list[bytes | None]:
        lengths = _lengths(count).unpack(self._read(4 * count))
        return [None if length < 0 else self._read(length) for length in lengths]

    def _read(self, size: int) -> bytes:
        try:
            data = self.answers.read(size)
        except OSError:
            raise _Lost from None
        if len(data) != size:
            raise _Lost
        return data

    def stop(self) -> None:
        """Close both pipes (the worker sees the end of its requests, or a broken pipe) and reap it."""
        self.answers.close()
        os.close(self.requests)
        os.waitpid(self.pid, 0)


class PagePool:
    """``workers`` forked processes answering ``encode(db.page(pgid))`` for batches of pgids."""

    def __init__(self, db: BoltFile, encode: Callable[[Page], bytes | None], workers: int) -> None:
        self.workers: list[_Worker] = []
        self.turn = 0
        #: The stream whose requests are in the pipes (only one at a time).
        self.active: Stream | None = None
        gc.collect()
        gc.freeze()  # what exists now stays shared with the workers: no collection touches it
        try:
            for _ in range(workers):
                self.workers.append(self._fork(db, encode))
        except BaseException:
            self.close()
            raise

    def _fork(self, db: BoltFile, encode: Callable[[Page], bytes | None]) -> _Worker:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            fcntl.fcntl(answer_write, _F_SETPIPE_SZ, _PIPE_SIZE)
        except OSError:
            pass  # the default size works, with more switches between processes
        pid = os.fork()
        if pid == 0:  # the worker: it never returns from here
            status = 1
            try:
                os.close(request_write)
                os.close(answer_read)
                for sibling in self.workers:  # or an older sibling would never see its end
                    os.close(sibling.requests)
                    os.close(sibling.answers.fileno())
                gc.disable()
                _serve(db, encode, request_read, answer_write)
                status = 0
            finally:
                os._exit(status)  # no atexit, no flushing of buffers copied from the parent
        os.close(request_read)
        os.close(answer_write)
        return _Worker(pid, request_write, answer_read)

    def stream(self, pgids: list[int]) -> Stream:
        """The answers for ``pgids``, to be taken in order with ``next``."""
        return Stream(self, pgids)

    def activate(self, stream: Stream | None) -> None:
        """Let ``stream`` use the pipes: the one that used them takes its answers in first."""
        active, self.active = self.active, stream
        if active is not None and active is not stream:
            active.receive_all()

    def lose(self) -> None:
        """A worker stopped answering: stop them all; what they owe is the walk's to read."""
        active, self.active = self.active, None
        if active is not None:
            active.ready.extend([None] * sum(count for _, count in active.in_flight))
            active.in_flight.clear()
        self.close()

    def close(self) -> None:
        workers, self.workers = self.workers, []
        for worker in workers:
            worker.stop()
        gc.unfreeze()


class Stream:
    """Answers for a list of pages, asked of the workers a window at a time.

    More pages may be added (``extend``) before their turn comes: the walk asks
    for the next branch page's leaves while it still takes this one's, so the
    workers never wait for it.  Several streams may be open (a walk nested in
    a sub-bucket opens its own); only the one being read from has requests in
    the pipes, the others keep the answers they were owed in memory.
    """

    def __init__(self, pool: PagePool, pgids: list[int]) -> None:
        self.pool = pool
        self.queue: deque[int] = deque(pgids)
        self.in_flight: deque[_Batch] = deque()
        self.ready: deque[bytes | None] = deque()

    def extend(self, pgids: list[int]) -> None:
        self.queue.extend(pgids)

    def next(self) -> bytes | None:
        """The next page's answer, in the order asked: its body, or None to read it oneself."""
        pool = self.pool
        try:
            if pool.active is not self:
                pool.activate(self)
            self.submit()
            if not self.ready:
                self.receive_one()
                self.submit()
        except _Lost:
            pool.lose()
            self.submit()
        return self.ready.popleft()

    def submit(self) -> None:
        """Keep each worker busy with up to ``WINDOW`` requests."""
        workers, queue = self.pool.workers, self.queue
        if not workers:
            self.ready.extend([None] * len(queue))
            queue.clear()
            return
        while queue and len(self.in_flight) < WINDOW * len(workers):
            worker = workers[self.pool.turn % len(workers)]
            self.pool.turn += 1
            batch = [queue.popleft() for _ in range(min(BATCH, len(queue)))]
            self.in_flight.append((worker, len(batch)))
            worker.send(batch)

    def receive_all(self) -> None:
        """Take in every answer asked for, so that another stream may use the pipes."""
        try:
            while self.in_flight:
                self.receive_one()
        except _Lost:
            self.pool.active = self
            self.pool.lose()

    def receive_one(self) -> None:
        """The answers to the oldest request (still owed if they do not all come)."""
        worker, count = self.in_flight[0]
        self.ready.extend(worker.receive(count))
        self.in_flight.popleft()

    def close(self) -> None:
        """Done with it, whatever was not taken: its answers are read and dropped."""
        if self.pool.active is self:
            self.receive_all()
            self.pool.active = None
        self.queue.clear()
        self.ready.clear()


def _serve(db: BoltFile, encode: Callable[[Page], bytes | None], requests: int, answers: int) -> None:
    """The worker's loop: a batch of pgids in, their lengths and bodies out, until the end."""
    incoming = os.fdopen(requests, "rb")
    while True:
        head = incoming.read(_COUNT.size)
        if len(head) < _COUNT.size:
            return
        (count,) = _COUNT.unpack(head)
        bodies: list[bytes | None] = []
        for pgid in _ids(count).unpack(incoming.read(8 * count)):
            try:
                bodies.append(encode(db.page(pgid)))
            except Exception:  # noqa: BLE001 - whatever it is, the walk meets it itself
                bodies.append(None)
        lengths = _lengths(count).pack(*(-1 if body is None else len(body) for body in bodies))
        try:
            _write_all(answers, b"".join([lengths, *filter(None, bodies)]))
        except BrokenPipeError:
            return


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_STRUCTS: dict[str, struct.Struct] = {}


def _ids(count: int) -> struct.Struct:
    return _struct(f"<{count}Q")


def _lengths(count: int) -> struct.Struct:
    return _struct(f"<{count}i")


def _struct(format: str) -> struct.Struct:
    found = _STRUCTS.get(format)
    if found is None:
        found = _STRUCTS[format] = struct.Struct(format)
    return found
