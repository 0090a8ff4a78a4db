"""Who holds a file open for writing, told without touching the file.

A bbolt writer (containerd, etcd) keeps an exclusive ``flock`` on its database
for as long as it runs.  Every bbolt-based tool blocks on that lock; boltview
takes no lock at all, and instead *looks* at the kernel's table of locks
(/proc/locks) to know whether the file it reads is live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

PROC_LOCKS = "/proc/locks"


@dataclass(frozen=True)
class LockHolder:
    pid: int
    kind: str  #: FLOCK, POSIX or OFDLCK
    mode: str  #: READ or WRITE

    def __str__(self) -> str:
        return f"pid {self.pid} ({self.kind.lower()} {self.mode.lower()} lock)"


def lock_holders(info: os.stat_result, locks_file: str = PROC_LOCKS) -> list[LockHolder]:
    """The locks the kernel lists on the file ``info`` describes (empty when unknown)."""
    try:
        with open(locks_file, encoding="ascii", errors="replace") as table:
            lines = table.readlines()
    except OSError:
        return []
    wanted = (os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)
    holders = []
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters start "->".
        if len(fields) < 6 or fields[1] == "->":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            where = (int(major, 16), int(minor, 16), int(inode))
            pid = int(fields[4])
        except ValueError:
            continue
        if where == wanted:
            holders.append(LockHolder(pid, fields[1], fields[3]))
    return holders
