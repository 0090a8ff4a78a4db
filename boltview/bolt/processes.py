"""When boltview may start helper processes, and how many cores it has for them.

``dump``'s page workers, ``grep``'s whole-file scan and etcd's history scan each
hand part of their work to other processes.  Forking is cheap, but a fork copies
only the calling thread: a lock another thread held stays locked in the child.
So a helper is forked only while the process runs one thread (the CLI), and
otherwise started fresh (spawn) or not at all (the browser's worker threads).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

__all__ = ["may_fork", "process_context", "usable_cores"]


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system tells it
    (a container's cpuset), else the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def may_fork() -> bool:
    """Whether a helper may be forked now: only while this is the process's one thread."""
    return threading.active_count() == 1


def process_context() -> BaseContext:
    """How to start a helper process: fork while :func:`may_fork` (fast), else spawn.
    multiprocessing is imported here: the verbs that start no helper start faster."""
    import multiprocessing

    return multiprocessing.get_context("fork" if may_fork() else "spawn")
