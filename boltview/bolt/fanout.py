"""Worker processes that read and encode pages, their answers taken back in order.

A walk that spends most of its time encoding leaf pages (``dump``) hands the
pgids of a branch page's children to a ``PagePool``: its workers read those
pages and encode them while the walk takes the answers in the order it asked,
and writes them.  While the oldest answer has not come, the walk's own process
encodes the next batch itself rather than wait, so one worker and the walk keep
two cores busy.  A worker answers None for a page it does not encode (the
caller's ``encode`` said so, or reading it failed): the walk then reads that
page itself, so every decision about the tree stays in one process.

The workers are forked from the walk's process: they share the open file (the
descriptor ``Source`` opened read-only and quietly, or its in-memory snapshot)
and the ``BoltFile`` with its chosen meta page, so every worker reads the same
transaction as the walk; none opens, writes or locks anything.  Whether the
file moved on under all of them is judged once, by the walk's caller, after
the last answer (``boltview.bolt.file.reading``).  Fork only from a process
that runs no other thread (the CLI): a thread's locks do not survive a fork.

Requests and answers go through pipes: a batch of pgids (``u32`` count, then
``u64`` each) one way; back, the batch as runs of consecutive answers (``u32``
count of runs, then ``u32`` pages and ``i32`` length, -1 for None, for each),
followed by their bodies.  A worker that dies is noticed as a short read; the
pool then answers None for everything the workers owed, and the walk reads the
rest itself (the batches it encoded itself stay as they are).
"""

from __future__ import annotations

import fcntl
import gc
import os
import select
import struct
from collections import deque
from collections.abc import Callable
from itertools import groupby

#: Pages in one request: enough to pay for the round trip, few enough to share out.
BATCH = 16
#: Requests each worker may have outstanding (it works on one while the others wait), and
#: batches the walk may have encoded itself ahead of the answers it waits for.
WINDOW = 3
#: How much an answer pipe holds, when the kernel allows (it caps this).
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)

_COUNT = struct.Struct("<I")

#: Answers to consecutive pages: how many, and the bodies of those that are not
#: empty, joined by ``","`` (None: none of them was encoded, read them yourself).
Run = tuple[int, bytes | None]
#: A batch asked for: the worker that owes its answer, or the runs the walk made of it
#: itself; and how many pages it holds.
_Batch = tuple["_Worker | list[Run]", int]


class _Lost(Exception):
    """A worker stopped answering (it died, or its pipe broke)."""


class _Worker:
    """One forked process: where to send it pgids, and where its answers come from."""

    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid = pid
        self.requests = requests
        #: Read unbuffered: what has come and not been taken is in the pipe (``has_answered``).
        self.answers = answers
        self.waiting = select.poll()
        self.waiting.register(answers, select.POLLIN)

    def send(self, pgids: list[int]) -> None:
        try:
            write_all(self.requests, _COUNT.pack(len(pgids)) + _ids(len(pgids)).pack(*pgids))
        except OSError:
            raise _Lost from None

    def has_answered(self) -> bool:
        """Whether its oldest answer has begun to come (or its pipe has closed)."""
        return bool(self.waiting.poll(0))

    def receive(self) -> list[Run]:
        """The answer to the oldest request: its runs, in order."""
        (runs,) = _COUNT.unpack(self._read(_COUNT.size))
        heads = _runs(runs).unpack(self._read(8 * runs))
        return [
            (count, None if length < 0 else self._read(length))
            for count, length in zip(heads[0::2], heads[1::2])
        ]

    def _read(self, size: int) -> bytes:
        try:
            data = os.read(self.answers, size)
            if 0 < len(data) < size:  # a pipe gives what it holds: the rest as it comes
                parts, got = [data], len(data)
                while got < size and (more := os.read(self.answers, size - got)):
                    parts.append(more)
                    got += len(more)
                data = b"".join(parts)
        except OSError:
            raise _Lost from None
        if len(data) != size:
            raise _Lost
        return data

    def stop(self) -> None:
        """Close both pipes (the worker sees the end of its requests, or a broken pipe) and reap it."""
        os.close(self.answers)
        os.close(self.requests)
        os.waitpid(self.pid, 0)


def fork_child(run: Callable[[], None], close: list[int]) -> int:
    """A forked process that closes the descriptors ``close`` (the parent's ends of its
    pipes), runs ``run`` and exits; its pid.  It leaves by ``os._exit``: no atexit, no
    flushing of the buffers it copied from its parent, whatever happens."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            for fd in close:
                os.close(fd)
            gc.disable()
            run()
            status = 0
        finally:
            os._exit(status)
    return pid


class PagePool:
    """``workers`` forked processes answering ``encode(pgids)`` for batches of pgids: one body
    per page, or None for a page the walk must read itself; and the walk's process, which
    calls ``encode`` too while it would otherwise wait."""

    def __init__(self, encode: Callable[[list[int]], list[bytes | None]], workers: int) -> None:
        self.encode = encode
        self.workers: list[_Worker] = []
        self.turn = 0
        #: The stream whose requests are in the pipes (only one at a time).
        self.active: Stream | None = None
        gc.freeze()  # what exists now stays shared with the workers: no collection touches it
        try:
            for _ in range(workers):
                self.workers.append(self._fork(encode))
        except BaseException:
            self.close()
            raise

    def _fork(self, encode: Callable[[list[int]], list[bytes | None]]) -> _Worker:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            fcntl.fcntl(answer_write, _F_SETPIPE_SZ, _PIPE_SIZE)
        except OSError:
            pass  # the default size works, with more switches between processes
        parent_ends = [request_write, answer_read]
        for sibling in self.workers:  # or an older sibling would never see its end
            parent_ends += [sibling.requests, sibling.answers]
        pid = fork_child(lambda: _serve(encode, request_read, answer_write), parent_ends)
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
            for owed, count in active.in_flight:
                active.ready.extend(owed if isinstance(owed, list) else [(count, None)])
            active.in_flight.clear()
        self.close()

    def close(self) -> None:
        workers, self.workers = self.workers, []
        for worker in workers:
            worker.stop()
        gc.unfreeze()


class Stream:
    """Answers for lists of pages, asked of the workers a window at a time, or encoded
    here while the oldest answer has not come (``help``).

    More lists may be added (``extend``) before their turn comes: the walk asks
    for the next branch page's leaves while it still takes this one's, so the
    workers never wait for it.  A request holds pages of one list only, and so
    does a run.  Several streams may be open (a walk nested in a sub-bucket
    opens its own); only the one being read from has requests in the pipes,
    the others keep the answers they were owed in memory.
    """

    def __init__(self, pool: PagePool, pgids: list[int]) -> None:
        self.pool = pool
        self.queue: deque[list[int]] = deque()
        self.in_flight: deque[_Batch] = deque()
        self.ready: deque[Run] = deque()
        self.extend(pgids)

    def extend(self, pgids: list[int]) -> None:
        if pgids:
            self.queue.append(list(pgids))

    def next(self) -> Run:
        """The next run of answers, in the order asked."""
        pool = self.pool
        try:
            if pool.active is not self:
                pool.activate(self)
            self.submit()
            while not self.ready:
                if not self.help():
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
            self.ready.extend((len(pgids), None) for pgids in queue)
            queue.clear()
            return
        asked = sum(1 for owed, _ in self.in_flight if not isinstance(owed, list))
        while queue and asked < WINDOW * len(workers):
            worker = workers[self.pool.turn % len(workers)]
            self.pool.turn += 1
            batch = self.take()
            self.in_flight.append((worker, len(batch)))
            worker.send(batch)
            asked += 1

    def help(self) -> bool:
        """Encode the next batch here, if the oldest answer is a worker's that has not come
        and fewer than ``WINDOW`` batches encoded here wait behind it; whether it did."""
        owed, _ = self.in_flight[0]
        if not self.queue or isinstance(owed, list) or owed.has_answered():
            return False
        if sum(1 for owed, _ in self.in_flight if isinstance(owed, list)) >= WINDOW:
            return False
        batch = self.take()
        try:
            bodies = self.pool.encode(batch)
        except Exception:  # noqa: BLE001 - as in a worker: the walk meets it itself
            bodies = [None] * len(batch)
        self.in_flight.append((_runs_of(bodies), len(batch)))
        return True

    def take(self) -> list[int]:
        """The next batch of pgids: up to ``BATCH`` of the first list waiting."""
        queue = self.queue
        batch = queue[0][:BATCH]
        del queue[0][:BATCH]
        if not queue[0]:
            queue.popleft()
        return batch

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
        owed, _ = self.in_flight[0]
        self.ready.extend(owed if isinstance(owed, list) else owed.receive())
        self.in_flight.popleft()

    def close(self) -> None:
        """Done with it, whatever was not taken: its answers are read and dropped."""
        if self.pool.active is self:
            self.receive_all()
            self.pool.active = None
        self.queue.clear()
        self.ready.clear()


def _serve(encode: Callable[[list[int]], list[bytes | None]], requests: int, answers: int) -> None:
    """The worker's loop: a batch of pgids in, its runs out, until the end.

    ``encode`` answers for every page of a batch; should it fail, the walk reads
    all of them itself.
    """
    incoming = os.fdopen(requests, "rb")
    while True:
        head = incoming.read(_COUNT.size)
        if len(head) < _COUNT.size:
            return
        (count,) = _COUNT.unpack(head)
        pgids = list(_ids(count).unpack(incoming.read(8 * count)))
        try:
            bodies = encode(pgids)
        except Exception:  # noqa: BLE001 - whatever it is, the walk meets it itself
            bodies = [None] * count
        try:
            write_all(answers, _answer(_runs_of(bodies)))
        except BrokenPipeError:
            return


def _runs_of(bodies: list[bytes | None]) -> list[Run]:
    """Runs of encoded and of not encoded pages, the bodies of each joined by ``","``."""
    runs: list[Run] = []
    for encoded, group in groupby(bodies, lambda body: body is not None):
        pages = list(group)
        runs.append((len(pages), b'","'.join(filter(None, pages)) if encoded else None))  # type: ignore[arg-type]
    return runs


def _answer(runs: list[Run]) -> bytes:
    """Runs as sent: their number, (count, length or -1) each, then the bodies."""
    heads = [field for count, body in runs for field in (count, -1 if body is None else len(body))]
    bodies = [body for _, body in runs if body is not None]
    return b"".join([_COUNT.pack(len(runs)), _runs(len(runs)).pack(*heads), *bodies])


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_STRUCTS: dict[str, struct.Struct] = {}


def _ids(count: int) -> struct.Struct:
    return _struct(f"<{count}Q")


def _runs(count: int) -> struct.Struct:
    return _struct("<" + "Ii" * count)


def _struct(format: str) -> struct.Struct:
    found = _STRUCTS.get(format)
    if found is None:
        found = _STRUCTS[format] = struct.Struct(format)
    return found
