"""Proof of read-only, from the kernel's side: every verb runs under strace.

``test_read_only.py`` compares the file before and after; this test watches
what boltview *asks* the kernel for while it runs, so a write, a lock or an
``O_RDWR`` that happens to leave the bytes alone is caught too.  From the
strace log of each verb it asserts that the database is only ever opened
``O_RDONLY`` (never ``O_WRONLY``, ``O_RDWR``, ``O_CREAT`` or ``O_TRUNC``); that
no ``flock`` and no ``F_SETLK*`` / ``F_OFD_SETLK*`` touches its descriptors;
that nothing ``write``s, ``pwrite``s, ``ftruncate``s or maps it
``PROT_WRITE|MAP_SHARED``; that nothing is created, renamed, unlinked,
truncated or re-timed beside it; and afterwards that its bytes, mtime and
atime are what they were.

Descriptors are mapped to paths by parsing the ``open*`` lines (following
``dup*`` and ``close``), and, independently, by strace's own ``-y`` notes.

Needs strace (Debian's package); skipped without it, except under
``BOLTVIEW_REQUIRE_GO=1`` (CI, which installs it), where it fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import BOLT_FIXTURES, ROOT, require_real
from tests.test_read_only import fingerprint

CONTAINERD_DB = ROOT / "fixtures" / "containerd" / "v16" / "meta.db"

SYSCALLS = (
    "open,openat,openat2,creat,flock,fcntl,truncate,ftruncate,write,pwrite64,mmap,"
    "rename,unlink,utime,utimensat"
    # To follow descriptors: a closed fd number can come back as something else.
    ",close,dup,dup2,dup3,renameat,renameat2,unlinkat,pwritev,pwritev2,writev"
)

#: Verbs on a raw bolt file (a copy of fixtures/bolt/deletes.db, renamed).
RAW_VERBS = [
    ["info", "{db}"],
    ["info", "{db}", "--json"],
    ["info", "{db}", "--snapshot"],
    ["buckets", "{db}"],
    ["buckets", "{db}", "--json", "--meta", "0"],
    ["keys", "{db}", "{bucket}", "-l"],
    ["get", "{db}", "{bucket}", "{key}"],
    ["stats", "{db}"],
    ["pages", "{db}"],
    ["page", "{db}", "3"],
    ["page", "{db}", "2", "--json"],
    ["check", "{db}"],
    ["check", "{db}", "--json"],
    ["dump", "{db}"],
    ["dump", "{db}", "--encoding", "base64", "--meta", "1"],
    ["dump", "{db}", "--encoding", "base64", "--workers", "2"],
    ["diff", "{db}"],
    ["recover", "{db}"],
    ["grep", "{db}", "a"],
    ["grep", "{db}", "-i", "-F", "A", "--json"],
]

#: containerd verbs on a copy of the real containerd 1.6 meta.db.
CONTAINERD_VERBS = [
    ["ls", "containers", "{db}"],
    ["ls", "images", "{db}"],
    ["ls", "snapshots", "{db}"],
    ["inspect", "{db}", "container", "web-1"],
    ["export", "{db}", "-o", "{out}"],
    ["export", "{db}", "-o", "{out}", "--helper"],
    ["info", "{db}"],
    ["check", "{db}"],
    ["recover", "{db}"],
    ["diff", "{db}"],
    ["grep", "{db}", "web"],
]


def strace() -> str:
    found = shutil.which("strace")
    require_real([] if found else ["strace"], "the read-only proof")
    assert found is not None
    return found


def cli_verbs() -> set[str]:
    import click

    from boltview.cli import cli

    return set(cli.list_commands(click.Context(cli)))


# -- reading strace's log --------------------------------------------------------------


_LINE = re.compile(r"^(?P<call>\w+)\((?P<args>.*)\)\s+=\s+(?P<ret>-?\d+|\?)(?P<note>.*)$")
_STRING = r'"(?P<path>(?:[^"\\]|\\.)*)"'
_DIRFD = r"(?P<dirfd>AT_FDCWD|-?\d+)(?:<(?P<dirpath>[^>]*)>)?"
_FD_NOTE = re.compile(r"^(?P<fd>-?\d+)(?:<(?P<path>[^>]*)>)?")


def _unescape(text: str) -> str:
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1").decode(
        "utf-8", "surrogateescape"
    )


@dataclass
class Trace:
    """What one process did to the files we care about."""

    db: str
    cwd: str
    violations: list[str] = field(default_factory=list)
    db_opens: list[str] = field(default_factory=list)
    fds: set[int] = field(default_factory=set)

    def resolve(self, base: str | None, path: str) -> str:
        path = _unescape(path)
        if not os.path.isabs(path):
            path = os.path.join(base or self.cwd, path)
        return os.path.normpath(path)

    def is_db(self, path: str) -> bool:
        return path == self.db or os.path.realpath(path) == os.path.realpath(self.db)

    def beside(self, path: str) -> bool:
        return os.path.dirname(path) == os.path.dirname(self.db) or self.is_db(path)

    def fd_is_db(self, argument: str) -> bool:
        """An fd argument, by our own map or by strace's ``-y`` note."""
        match = _FD_NOTE.match(argument.strip())
        if not match:
            return False
        if match["path"] is not None and self.is_db(match["path"]):
            return True
        return int(match["fd"]) in self.fds

    def line(self, text: str) -> None:
        match = _LINE.match(text)
        if not match:
            return  # signals, exits, "+++ exited with 0 +++"
        call, args, ret = match["call"], match["args"], match["ret"]
        failed = ret == "?" or int(ret) < 0
        first = args.split(",", 1)[0]
        if call in ("open", "creat", "openat", "openat2"):
            self.open(call, args, ret, failed, text)
        elif call == "close":
            if not failed:
                self.fds.discard(int(_FD_NOTE.match(first.strip())["fd"]))  # type: ignore[index]
        elif call in ("dup", "dup2", "dup3"):
            if self.fd_is_db(first) and not failed:
                self.fds.add(int(ret))
            elif not failed:
                self.fds.discard(int(ret))
        elif call == "fcntl":
            parts = [p.strip() for p in args.split(",")]
            command = parts[1] if len(parts) > 1 else ""
            if self.fd_is_db(first):
                if "SETLK" in command:  # F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW
                    self.violations.append(f"lock: {text}")
                if command.startswith("F_DUPFD") and not failed:
                    self.fds.add(int(ret))
        elif call == "flock":
            if self.fd_is_db(first):
                self.violations.append(f"flock: {text}")
        elif call in ("write", "pwrite64", "writev", "pwritev", "pwritev2", "ftruncate"):
            if self.fd_is_db(first):
                self.violations.append(f"{call} on the database: {text}")
        elif call == "mmap":
            parts = [p.strip() for p in args.split(",")]
            shared_writable = len(parts) >= 5 and "PROT_WRITE" in parts[2] and "MAP_SHARED" in parts[3]
            if shared_writable and self.fd_is_db(parts[4]):
                self.violations.append(f"writable shared mapping: {text}")
        elif call in ("truncate", "unlink", "rename", "utime"):
            for path in re.findall(_STRING, args):
                if self.beside(self.resolve(None, path)):
                    self.violations.append(f"{call} beside the database: {text}")
        elif call in ("unlinkat", "renameat", "renameat2", "utimensat"):
            if call == "utimensat" and self.fd_is_db(first) and "NULL" in args.split(",")[1]:
                self.violations.append(f"utimensat on the database: {text}")
            for dirfd, dirpath, path in re.findall(_DIRFD + r", " + _STRING, args):
                if self.beside(self.resolve(dirpath or None, path)):
                    self.violations.append(f"{call} beside the database: {text}")

    def open(self, call: str, args: str, ret: str, failed: bool, text: str) -> None:
        if call in ("open", "creat"):
            match = re.match(_STRING + r"(?:, (?P<flags>[^,)]*))?", args)
            base = None
        else:
            match = re.match(_DIRFD + r", " + _STRING + r", (?P<flags>.*)", args)
            base = match["dirpath"] if match else None
        if not match:
            return
        path = self.resolve(base, match["path"])
        flags = "O_CREAT|O_WRONLY|O_TRUNC" if call == "creat" else (match["flags"] or "")
        if call == "openat2":
            flags = (re.search(r"flags=([\w|]+)", flags) or [None, ""])[1]  # type: ignore[index]
        writes = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"} & set(flags.split("|"))
        if self.is_db(path):
            self.db_opens.append(text)
            if writes or "O_RDONLY" not in flags.split("|"):
                self.violations.append(f"database opened {flags}: {text}")
            if not failed:
                self.fds.add(int(ret))
        else:
            if not failed:
                self.fds.discard(int(ret))
            if self.beside(path) and writes & {"O_CREAT", "O_WRONLY", "O_RDWR", "O_TRUNC"}:
                self.violations.append(f"file opened for writing beside the database: {text}")


def read_traces(log: Path, db: Path, cwd: Path) -> Iterator[Trace]:
    """One Trace per process (strace -ff writes LOG.PID)."""
    for part in sorted(log.parent.glob(log.name + ".*")):
        trace = Trace(str(db), str(cwd))
        for text in part.read_text(errors="replace").splitlines():
            trace.line(text)
        yield trace


# -- running verbs ------------------------------------------------------------------------


@dataclass
class Case:
    source: Path
    verb: list[str]


def cases() -> list[Case]:
    found = [Case(BOLT_FIXTURES / "deletes.db", verb) for verb in RAW_VERBS]
    if CONTAINERD_DB.exists():
        found += [Case(CONTAINERD_DB, verb) for verb in CONTAINERD_VERBS]
    return found


def first_bucket_and_key(path: Path) -> tuple[str, str]:
    from boltview.bolt.file import BoltFile

    with BoltFile.open(str(path)) as db:
        for bucket in db.root.buckets():
            for entry in bucket.entries():
                if not entry.is_bucket:
                    return "0x" + bucket.name.hex(), "0x" + entry.key.hex()
    raise LookupError("no key")


def run_traced(case: Case, work: Path) -> tuple[list[Trace], subprocess.CompletedProcess[str]]:
    evidence_dir = work / "evidence"
    evidence_dir.mkdir()
    db = evidence_dir / "evidence.db"
    shutil.copyfile(case.source, db)
    # An access time older than the mtime: any read that updates it shows.
    os.utime(db, ns=(1_000_000_000_000_000_000, 1_500_000_000_000_000_000))
    bucket, key = first_bucket_and_key(db)
    out = work / "out"
    out.mkdir()
    args = [a.format(db=db, bucket=bucket, key=key, out=out / "export.json") for a in case.verb]
    before, listing = fingerprint(db), sorted(os.listdir(evidence_dir))
    log = work / "strace.log"
    result = subprocess.run(
        [strace(), "-f", "-ff", "-y", "-qq", "-s", "256", "-e", f"trace={SYSCALLS}",
         "-o", str(log), sys.executable, "-m", "boltview", *args],
        check=False, capture_output=True, text=True, timeout=120, cwd=out,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    traces = list(read_traces(log, db, out))
    assert fingerprint(db) == before, "bytes, mtime, atime or mode changed"
    assert sorted(os.listdir(evidence_dir)) == listing, "something was created beside it"
    return traces, result


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{c.source.stem}:{' '.join(c.verb)}")
def test_verb_never_writes_locks_or_creates(case: Case, tmp_path: Path) -> None:
    strace()
    assert case.verb[0] in cli_verbs(), f"the CLI has no verb {case.verb[0]}"
    traces, result = run_traced(case, tmp_path)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert traces, "strace wrote no log"
    opens = [line for trace in traces for line in trace.db_opens]
    assert opens, "the database was never opened: the trace proves nothing"
    violations = [v for trace in traces for v in trace.violations]
    assert not violations, "\n".join(violations)


# -- the checker itself must see what it is meant to see -----------------------------------


def test_the_checker_catches_writes_locks_and_creation(tmp_path: Path) -> None:
    """A program that misbehaves in every way the test looks for, under the same strace."""
    strace()
    evidence_dir = tmp_path / "evidence"
    evidence_dir.mkdir()
    db = evidence_dir / "evidence.db"
    shutil.copyfile(BOLT_FIXTURES / "basic.db", db)
    bad = f"""
import fcntl, mmap, os
fd = os.open({str(db)!r}, os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_SH)
again = os.dup(fd)
os.close(fd)
fcntl.lockf(again, fcntl.LOCK_SH)
rw = os.open({str(db)!r}, os.O_RDWR)
mapped = mmap.mmap(rw, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
os.pwrite(rw, mapped[:1], 0)
os.ftruncate(rw, os.fstat(rw).st_size)
open({str(evidence_dir / "evidence.db.lock")!r}, "w").close()
os.rename({str(evidence_dir / "evidence.db.lock")!r}, {str(evidence_dir / "x")!r})
os.unlink({str(evidence_dir / "x")!r})
os.utime({str(db)!r})
"""
    log = tmp_path / "strace.log"
    subprocess.run(
        [strace(), "-f", "-ff", "-y", "-qq", "-e", f"trace={SYSCALLS}", "-o", str(log),
         sys.executable, "-c", bad],
        check=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    found = "\n".join(v for t in read_traces(log, db, tmp_path) for v in t.violations)
    for what in ("flock:", "lock: ", "database opened O_RDWR", "writable shared mapping",
                 "pwrite64 on the database", "ftruncate on the database",
                 "file opened for writing beside", "rename", "unlink",
                 "utimensat"):  # fmt: skip
        assert what in found, (what, found)

