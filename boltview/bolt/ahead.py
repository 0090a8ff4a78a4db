"""A forked helper that runs some of a list of jobs ahead, their results taken in order.

``export`` writes a document in sections (a namespace's containers, its images,
...) that can each be written apart.  ``Ahead(jobs)`` forks one helper process;
``results()`` goes through the jobs in order and yields, for each, its result,
or None when it is this process's to run now (the caller runs its own way of
it, streaming).  A job is this process's when it is nobody's yet as its turn
comes; the helper is handed the next ones first (up to ``depth`` at a time).
While the helper is still at the job whose turn it is, this process runs the
next free job itself and keeps the result.  A job must therefore not leave
anything behind that a later one sees (export's jobs keep the problems they
meet apart, and the caller records them in each job's turn).

A job's result must pickle (and a job the helper could not finish is run here).  The helper's results are read from its pipe by a
thread as they come, so it never waits for this process to want them; they are
held in memory until taken (at most ``depth`` jobs' worth).  A helper that dies
leaves its jobs to this process.  Fork only from a process that runs no other
thread: the helper is forked before the reading thread starts.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

from boltview.bolt.fanout import fork_child, write_all

T = TypeVar("T")

_INDEX = struct.Struct("<I")
_LENGTH = struct.Struct("<QI")  # result length, job index


class Ahead(Generic[T]):
    """One helper process running some of ``jobs``; ``results()`` in order."""

    def __init__(self, jobs: Sequence[Callable[[], T]], depth: int = 2) -> None:
        self.jobs = jobs
        self.depth = depth
        self.done: dict[int, T] = {}
        self.sent = self.received = 0
        self.lost = False
        self.arrived = threading.Condition()
        request_read, self.requests = os.pipe()
        answer_read, answer_write = os.pipe()
        self.pid = fork_child(
            lambda: _serve(jobs, request_read, answer_write), [self.requests, answer_read]
        )
        os.close(request_read)
        os.close(answer_write)
        self.answers = os.fdopen(answer_read, "rb")
        self.reader = threading.Thread(target=self._read, name="ahead", daemon=True)
        self.reader.start()

    def results(self) -> Iterator[tuple[T] | None]:
        """For each job in order: ``(result,)``, or None: run it yourself now.

        While the helper is still at the job whose turn it is, this process runs
        the next free job (``jobs[j]()``) and keeps its result for its turn.
        """
        mine = 0  # the first job nobody has yet
        kept: dict[int, T] = {}
        for index in range(len(self.jobs)):
            if index in kept:
                yield (kept.pop(index),)
                continue
            if index == mine:
                mine = self._hand_out(mine + 1)
                yield None
                continue
            while True:
                mine = self._hand_out(mine)
                with self.arrived:
                    ready = index in self.done or self.lost
                if ready or mine >= len(self.jobs):
                    break
                kept[mine] = self.jobs[mine]()
                mine += 1
            yield self._wait(index)

    def _hand_out(self, next_free: int) -> int:
        """Give the helper the jobs from ``next_free`` on, up to ``depth`` waiting; the next free."""
        with self.arrived:
            waiting = self.sent - self.received
        while not self.lost and waiting < self.depth and next_free < len(self.jobs):
            try:
                os.write(self.requests, _INDEX.pack(next_free))
            except OSError:
                self.lost = True
                break
            self.sent += 1
            waiting += 1
            next_free += 1
        return next_free

    def _wait(self, index: int) -> tuple[T] | None:
        """The helper's result of job ``index``, or None when the helper is gone."""
        with self.arrived:
            while index not in self.done and not self.lost:
                self.arrived.wait()
            if index in self.done:
                return (self.done.pop(index),)
            return None

    def _read(self) -> None:
        while True:
            head = self.answers.read(_LENGTH.size)
            if len(head) < _LENGTH.size:
                break
            length, index = _LENGTH.unpack(head)
            data = self.answers.read(length)
            if len(data) < length:
                break
            result = pickle.loads(data)
            with self.arrived:
                self.done[index] = result
                self.received += 1
                self.arrived.notify_all()
        with self.arrived:
            self.lost = True
            self.arrived.notify_all()

    def close(self) -> None:
        """Stop the helper (it sees the end of its requests) and reap it."""
        os.close(self.requests)
        self.reader.join()
        self.answers.close()
        os.waitpid(self.pid, 0)


def _serve(jobs: Sequence[Callable[[], object]], requests: int, answers: int) -> None:
    incoming = os.fdopen(requests, "rb")
    while len(head := incoming.read(_INDEX.size)) == _INDEX.size:
        (index,) = _INDEX.unpack(head)
        data = pickle.dumps(jobs[index](), protocol=pickle.HIGHEST_PROTOCOL)
        write_all(answers, _LENGTH.pack(len(data), index) + data)
