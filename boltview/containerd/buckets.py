"""Reading containerd's buckets on a file that may be damaged: what failed is reported, once.

:class:`BucketReader` is the part of the metadata reader that walks down to a
bucket and reads headers.  A page that cannot be read leaves a gap, not an
error: each gap becomes a :class:`~boltview.containerd.model.Problem` in
:attr:`BucketReader.problems`, and the caller goes on with what was read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from boltview.bolt.bucket import Bucket, Entry
from boltview.bolt.file import BoltFile
from boltview.bolt.path import BucketPath
from boltview.containerd import schema as S
from boltview.containerd.loader import child_headers
from boltview.containerd.model import Issue, Problem
from boltview.containerd.refs import name_bytes
from boltview.errors import BoltviewError, NotFoundError
from boltview.render.text import show_path

Path = BucketPath


class UnreadableError(NotFoundError):
    """An object asked for by name cannot be reached: the bucket that lists it is damaged.

    Where a caller looks for something that may be missing (a parent snapshot,
    an image a container names) it counts as not found; the damage itself is a
    problem the reader reports.
    """


class Gap(BoltviewError):
    """A bucket on the way to another cannot be read: which one, and why."""

    def __init__(self, path: Path, error: BoltviewError) -> None:
        super().__init__(str(error))
        self.path = path
        self.error = error


def entry_in(bucket: Bucket, name: bytes) -> Entry | None:
    """The sub-bucket entry ``name`` of ``bucket``, or None; Gap if its pages fail."""
    try:
        entry = bucket.entry(name)
    except BoltviewError as error:
        raise Gap(bucket.path, error) from None
    return entry if entry is not None and entry.is_bucket else None


class Loaded(Protocol):
    @property
    def issues(self) -> tuple[Issue, ...]: ...


L = TypeVar("L", bound=Loaded)


_T = TypeVar("_T")


def find_one(
    places: Iterable[str], lookup: Callable[[str], _T], missing: str, several: Callable[[str], str]
) -> tuple[_T, str]:
    """(thing, place) for the one place where ``lookup`` finds it.

    A place where it is not is passed over, and so is one that cannot be
    read, unless nothing is found anywhere: then that is the error.  None
    found: NotFoundError(``missing``); several: NotFoundError(``several(the
    places, comma-separated)``).
    """
    found: list[tuple[_T, str]] = []
    unreadable: list[UnreadableError] = []
    for place in places:
        try:
            found.append((lookup(place), place))
        except UnreadableError as error:
            unreadable.append(error)
        except NotFoundError:
            continue
    if not found and unreadable:
        raise unreadable[0]
    if not found:
        raise NotFoundError(missing)
    if len(found) > 1:
        raise NotFoundError(several(", ".join(place for _, place in found)))
    return found[0]


class BucketReader:
    """Buckets and bucket headers of one file, with every gap met collected as a problem."""

    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self._problems: dict[Problem, None] = {}

    # -- damage ----------------------------------------------------------------------

    @property
    def problems(self) -> list[Problem]:
        """Every gap met so far, each once, in the order met: what could not be read."""
        return list(self._problems)

    @contextmanager
    def problems_apart(self) -> Iterator[list[Problem]]:
        """Gaps met in the block go to the list it gives, not to ``problems`` (``note_problems``
        records them later, in their turn: export writes sections out of order)."""
        kept, self._problems = self._problems, {}
        met: list[Problem] = []
        try:
            yield met
        finally:
            met.extend(self._problems)
            self._problems = kept

    def note_problems(self, problems: Iterable[Problem]) -> None:
        """Record gaps met apart (or by a helper process reading the same file), in order."""
        for problem in problems:
            self._problems.setdefault(problem)

    def _report(self, path: Path, error: BoltviewError) -> None:
        self._problems.setdefault(Problem(path, getattr(error, "pgid", None), str(error)))

    @contextmanager
    def _guard(self, path: Path) -> Iterator[None]:
        """Read pages of the bucket at ``path``; one that fails is reported, and the block left."""
        try:
            yield
        except Gap as gap:
            self._report(gap.path, gap.error)
        except BoltviewError as error:
            self._report(path, error)

    def _load(self, loader: Callable[..., L], path: Path, header: bytes, *args: str) -> L:
        """An object from its bucket.  The loader never fails on a broken page: it
        marks the object with an issue naming it, which is reported here too."""
        obj = loader(self.db, path, header, *args)
        for issue in obj.issues:
            if issue.problem is not None:
                self._problems.setdefault(issue.problem)
        return obj

    # -- buckets -------------------------------------------------------------------

    def _open(self, path: Path) -> Bucket | None:
        """The bucket at ``path``, or None; Gap names the bucket on the way that failed."""
        bucket = self.db.root
        for name in path:
            entry = entry_in(bucket, name)
            if entry is None:
                return None
            try:
                bucket = bucket.child(entry)
            except BoltviewError as error:
                raise Gap(bucket.path + (name,), error) from None
        return bucket

    def _bucket(self, *path: bytes) -> Bucket | None:
        """The bucket at ``path``; None if there is none, or if the way to it cannot be read."""
        with self._guard(path):
            return self._open(path)
        return None

    def _lookup(self, path: Path) -> bytes | None:
        """A bucket's header, as its parent stores it; None if there is no such bucket.

        Gap when a bucket on the way cannot be read.
        """
        parent = self._open(path[:-1])
        entry = entry_in(parent, path[-1]) if parent is not None else None
        return entry.value if entry is not None else None

    def _header(self, path: Path) -> bytes | None:
        """A bucket's header; None if there is none, or if its parent cannot be read."""
        with self._guard(path[:-1]):
            return self._lookup(path)
        return None

    def _each(self, *path: bytes) -> Iterator[tuple[Path, bytes]]:
        """(path, header) of every sub-bucket of the bucket at ``path``: one kind's objects.

        A page of that bucket that cannot be read leaves out the objects on it.
        """
        header = self._header(path)
        if header is None:
            return
        for key, child in child_headers(self.db, path, header, lambda e: self._report(path, e)):
            yield path + (key,), child

    def _one(self, path: Path, namespace: str, id: str, what: str) -> bytes:
        """The header of the object at ``path``, which a user named.

        NotFoundError when it is not there; UnreadableError when the bucket
        that lists it cannot be read.
        """
        try:
            header = self._lookup(path)
        except Gap as gap:
            self._report(gap.path, gap.error)
            raise UnreadableError(
                f"{self.db.path}: {what} {id!r} in namespace {namespace!r} cannot be read: "
                f"{gap.error} (bucket {show_path(gap.path)})"
            ) from None
        if header is None:
            if self._header(self._ns_path(namespace)) is None:
                raise NotFoundError(f"{self.db.path}: no namespace {namespace!r}")
            raise NotFoundError(f"{self.db.path}: no {what} {id!r} in namespace {namespace!r}")
        return header

    def _ns_path(self, namespace: str, *path: bytes) -> Path:
        return (S.V1, name_bytes(namespace), *path)

    def _existing(self, path: Path) -> Bucket | None:
        try:
            return self.db.bucket(*path)
        except NotFoundError:
            return None
