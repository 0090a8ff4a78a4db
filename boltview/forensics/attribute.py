"""Attribution: which bucket each scanned page belonged to, and what became of its records.

A scanned page says nothing of its bucket; the pages that point at it do.
:class:`Attributor` follows those pointers up, through stale copies of parent
pages, to a page of the previous meta's tree (an exact answer) or to a page
that looks like an older root page.  :func:`live_status` then compares each
attributed record with the live tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from boltview.bolt.bucket import Bucket, Entry
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.bolt.lenient import LenientElement, TreeMap
from boltview.bolt.path import BucketPath, show_path
from boltview.errors import BoltviewError, NotFoundError
from boltview.forensics.records import (
    DELETED,
    EXACT,
    INFERRED,
    LIVE_COPY,
    OLDER,
    UNATTRIBUTED,
    UNKNOWN,
    Record,
)
from boltview.forensics.scan import Link, Scanner

_T = TypeVar("_T")


class LiveTree:
    """The live tree's buckets, each looked up once."""

    def __init__(self, db: BoltFile) -> None:
        self.db = db
        self.buckets: dict[BucketPath, Bucket | None] = {}

    def bucket(self, path: BucketPath) -> Bucket | None:
        if path not in self.buckets:
            try:
                self.buckets[path] = self.db.root if not path else self.db.bucket(*path)
            except NotFoundError:
                self.buckets[path] = None
        return self.buckets[path]

    def entry(self, path: BucketPath, key: bytes) -> Entry | None:
        bucket = self.bucket(path)
        return bucket.entry(key) if bucket is not None else None


@dataclass(frozen=True, slots=True)
class Attribution:
    """The bucket a page belonged to, how that is known, and through which pages."""

    bucket: BucketPath | None
    how: str | None
    via: tuple[int, ...]
    note: str = ""


NO_ATTRIBUTION = Attribution(None, None, ())


class Attributor:
    """Which bucket a scanned page belonged to, through the pointers that name it.

    A pointer in a stale page names a page *as it was*; the page may have
    been reused since.  So a link is only followed when it is consistent:

    - a branch link, when the child still starts with the branch's key;
    - a bucket link, unless the child looks like an older root page (buckets
      only, named like the root's buckets), or the child shares no key with
      the bucket it is said to be while that bucket's live siblings share a
      schema (containerd's objects do: every container has ``createdat``...);
    - and when two consistent links disagree, the page stays unattributed.
    """

    def __init__(self, scanner: Scanner, previous: TreeMap | None, live_tree: TreeMap,
                 live: LiveTree) -> None:  # fmt: skip
        self.scanner = scanner
        self.previous = previous
        self.live = live
        self.live_ranges = live_tree.ranges
        self.root_keys = set(live_tree.root_keys) | (previous.root_keys if previous else set())
        self.memo: dict[int, Attribution] = {}
        self.busy: set[int] = set()
        self.schemas: dict[BucketPath, tuple[frozenset[bytes], frozenset[bytes]] | None] = {}

    def page_keys(self, pgid: int) -> list[bytes]:
        leaf = self.scanner.leaves.get(pgid)
        if leaf is not None:
            return [e.key for e in leaf.elements]
        return [key for key, _ in self.scanner.branches.get(pgid, [])]

    def parents(self, pgid: int) -> list[Link]:
        """Links to ``pgid`` from scanned pages, with a branch link's key checked."""
        out = []
        first = self.scanner.first_keys.get(pgid)
        for link in self.scanner.links.get(pgid, []):
            if link.parent == pgid or link.parent not in self.scanner.pages:
                continue
            if link.kind == "branch" and first is not None and link.key != first:
                continue  # the child no longer starts with the key its parent knew
            out.append(link)
        return out

    def of(self, pgid: int) -> Attribution:
        if pgid in self.memo:
            return self.memo[pgid]
        if self.previous is not None and pgid in self.previous.paths:
            result = Attribution(self.previous.paths[pgid], EXACT, ())
            self.memo[pgid] = result
            return result
        if pgid in self.busy:
            return NO_ATTRIBUTION
        self.busy.add(pgid)
        try:
            result = self._resolve(pgid)
        finally:
            self.busy.discard(pgid)
        self.memo[pgid] = result
        return result

    def _resolve(self, pgid: int) -> Attribution:
        links = self.parents(pgid)
        if self._looks_like_root(pgid, claimed=bool(links)):
            return Attribution((), INFERRED, (), "looks like an older root page")
        candidates: dict[BucketPath, Attribution] = {}
        rejected: list[str] = []
        for link in links:
            above = self.of(link.parent)
            if above.bucket is None:
                continue
            if link.kind == "branch":
                path = above.bucket
            else:
                path = above.bucket + (link.key,)
                why = self._misfit(path, pgid)
                if why:
                    rejected.append(f"page {link.parent} names it {show_path(path)}, but {why}")
                    continue
            # A link from a stale page is only as good as the guess that the page it
            # names was not reused since: even under an exact parent, it is likely.
            candidates.setdefault(path, Attribution(path, INFERRED, above.via + (link.parent,)))
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        if len(candidates) > 1:
            shown = "; ".join(show_path(p) for p in sorted(candidates))
            return Attribution(None, None, (), f"stale parents disagree: {shown}")
        if rejected:
            return Attribution(None, None, (), "; ".join(rejected))
        return NO_ATTRIBUTION

    def _looks_like_root(self, pgid: int, claimed: bool) -> bool:
        """A page of buckets only, named like the root's buckets.

        With no page pointing at it, one shared name is enough; a page that
        another page names as a bucket must share at least half its names.
        """
        keys: list[bytes]
        leaf = self.scanner.leaves.get(pgid)
        if leaf is not None:
            if not leaf.elements or not all(e.flags & BUCKET_LEAF_FLAG for e in leaf.elements):
                return False
            keys = [e.key for e in leaf.elements]
        else:
            children = self.scanner.branches.get(pgid)
            if not children:
                return False
            if not all(
                self._all_buckets(child) for _, child in children if child in self.scanner.leaves
            ):
                return False
            keys = [key for key, _ in children]
        shared = sum(1 for key in keys if key in self.root_keys)
        return shared * 2 >= len(keys) if claimed else shared > 0

    def _all_buckets(self, pgid: int) -> bool:
        leaf = self.scanner.leaves[pgid]
        return all(e.flags & BUCKET_LEAF_FLAG for e in leaf.elements)

    def _misfit(self, path: BucketPath, pgid: int) -> str | None:
        """Why page ``pgid`` cannot be (a page of) bucket ``path``; None when it may be.

        Only clear evidence counts: another live bucket holds more of the
        page's records byte for byte than ``path`` does (at least half of
        them), or ``path`` is not live and its live siblings share a schema
        the page has nothing of.
        """
        leaf = self.scanner.leaves.get(pgid)
        keys = self.page_keys(pgid)
        if not keys:
            return None
        try:
            live = self.live.bucket(path)
            sample = _spread(leaf.elements, 16) if leaf is not None else []
            if sample:
                own = _same_records(live, sample) if live is not None else 0
                elsewhere = self._owner_elsewhere(path, sample, own)
                if elsewhere is not None:
                    return f"its records are those of live bucket {show_path(elsewhere)}"
            if live is not None:
                return None
            schema = self._schema(path[:-1], path[-1])
        except BoltviewError:
            return None
        if schema is not None:
            common, seen = schema
            if common and not any(key in seen for key in keys[:64]):
                return "its keys have nothing of what that bucket's live siblings hold"
        return None

    def _owner_elsewhere(self, path: BucketPath, sample: list[LenientElement], own: int) -> BucketPath | None:
        """A live bucket other than ``path`` with more of ``sample`` than ``own``, and half."""
        low, high = min(e.key for e in sample), max(e.key for e in sample)
        checked = 0
        best: tuple[int, BucketPath] | None = None
        for other, (first, last) in self.live_ranges.items():
            if other == path or first > low or last < high:
                continue
            checked += 1
            if checked > 64:
                break
            same = _same_records(self.live.bucket(other), sample)
            if same > own and same * 2 >= len(sample) and (best is None or same > best[0]):
                best = (same, other)
        return best[1] if best is not None else None

    def _schema(
        self, parent: BucketPath, name: bytes
    ) -> tuple[frozenset[bytes], frozenset[bytes]] | None:
        """Keys every live sibling bucket has, and keys any has; None without a schema."""
        if parent in self.schemas:
            return self.schemas[parent]
        result = None
        bucket = self.live.bucket(parent)
        if bucket is not None:
            sets = []
            for child in bucket.buckets():
                if child.name == name:
                    continue
                sets.append(frozenset(entry.key for _, entry in zip(range(64), child.entries())))
                if len(sets) >= 8:
                    break
            if len(sets) >= 2:
                common = frozenset.intersection(*sets)
                if common:
                    result = (common, frozenset.union(*sets))
        self.schemas[parent] = result
        return result

    def suffix(self, pgid: int, depth: int = 0) -> BucketPath:
        """The end of the path of an unattributed page, as far as stale parents name it.

        ``(b"build-cache",)`` for a page that a stale, itself unattributed,
        page names ``build-cache``: the bucket's own name is known even when
        where it hung is not.
        """
        if depth > 32:
            return ()
        found: set[BucketPath] = set()
        for link in self.parents(pgid):
            above = self.suffix(link.parent, depth + 1)
            found.add(above if link.kind == "branch" else above + (link.key,))
        return found.pop() if len(found) == 1 else ()

    def copy_root(self, pgid: int) -> int:
        """The topmost scanned page of the same bucket copy (through branch links)."""
        seen = {pgid}
        while True:
            ups = [link.parent for link in self.parents(pgid) if link.kind == "branch"]
            if not ups or ups[0] in seen:
                return pgid
            pgid = ups[0]
            seen.add(pgid)


# -- comparing with the live tree ---------------------------------------------------------


def _same_records(bucket: Bucket | None, sample: list[LenientElement]) -> int:
    """How many of ``sample`` ``bucket`` holds, key, kind and value alike."""
    if bucket is None:
        return 0
    same = 0
    for element in sample:
        entry = bucket.entry(element.key)
        if (
            entry is not None
            and entry.is_bucket == bool(element.flags & BUCKET_LEAF_FLAG)
            and entry.value == element.value
        ):
            same += 1
    return same


def live_status(live: LiveTree, record: Record) -> tuple[str, str]:
    """(status, note) of ``record`` against the live tree: deleted, older-version..."""
    if record.bucket is None:
        return UNATTRIBUTED, ""
    try:
        if live.bucket(record.bucket) is None:
            return DELETED, "its bucket is not in the live tree"
        entry = live.entry(record.bucket, record.key)
    except BoltviewError as error:
        return UNKNOWN, f"live tree unreadable here: {error}"
    if entry is None:
        return DELETED, ""
    if entry.is_bucket != record.is_bucket:
        now = "a bucket" if entry.is_bucket else "a value"
        return OLDER, f"the key is now {now}"
    if entry.value == record.value:
        return LIVE_COPY, ""
    return OLDER, ""


def _spread(items: list[_T], count: int) -> list[_T]:
    """At most ``count`` items, spread evenly over ``items``."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]
