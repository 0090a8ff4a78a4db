"""What changed between two bucket trees: keys added, removed and changed.

Both trees are walked side by side in key order, bucket by bucket, so memory
holds one path, never a whole bucket.  Comparing a file's two meta pages (the
current and the previous transaction) is cheap: bbolt copies a page on
write, so a sub-bucket whose root page is the same in both trees is the same
sub-bucket, and is skipped unread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from boltview.bolt.bucket import Bucket, Budget, Entry

Op = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    """One difference, at ``path`` (the bucket) and ``key``.

    A whole bucket added or removed is one change with ``is_bucket`` set and
    the number of keys it held, not one change per key.
    """

    op: Op
    path: tuple[bytes, ...]
    key: bytes
    is_bucket: bool
    old: bytes | None = None
    new: bytes | None = None
    keys: int = 0  #: for a bucket added or removed: how many keys it held, all levels

    @property
    def full_path(self) -> tuple[bytes, ...]:
        return self.path + (self.key,)


def diff(
    old: Bucket,
    new: Bucket,
    same_file: bool = False,
    budgets: tuple[Budget, Budget] | None = None,
) -> Iterator[Change]:
    """Every change from ``old`` to ``new``, in key order, depth first.

    ``same_file`` says both buckets come from one file (two meta pages), so a
    shared root page means an unchanged subtree.  The whole walk of each side
    shares one page budget (``budgets``), so that a corrupt tree whose
    sub-buckets share pages cannot multiply the work.
    """
    if same_file and not old.is_inline and old.root == new.root:
        return
    budgets = budgets or (Budget(old.db), Budget(new.db))
    olds, news = old.entries(budget=budgets[0]), new.entries(budget=budgets[1])
    a, b = next(olds, None), next(news, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a.key < b.key):
            yield _gone(old, a, budgets[0])  # type: ignore[arg-type]
            a = next(olds, None)
        elif a is None or b.key < a.key:
            yield _came(new, b, budgets[1])
            b = next(news, None)
        else:
            yield from _compare(old, new, a, b, same_file, budgets)
            a, b = next(olds, None), next(news, None)


def _compare(
    old: Bucket, new: Bucket, a: Entry, b: Entry, same_file: bool, budgets: tuple[Budget, Budget]
) -> Iterator[Change]:
    if a.is_bucket and b.is_bucket:
        yield from diff(old.child(a), new.child(b), same_file, budgets)
    elif a.is_bucket != b.is_bucket:
        # A value became a bucket or the other way round: it went, and something came.
        yield _gone(old, a, budgets[0])
        yield _came(new, b, budgets[1])
    elif a.value != b.value:
        yield Change("changed", old.path, a.key, False, a.value, b.value)


def _gone(bucket: Bucket, entry: Entry, budget: Budget | None = None) -> Change:
    if entry.is_bucket:
        keys = count_keys(bucket.child(entry), budget)
        return Change("removed", bucket.path, entry.key, True, keys=keys)
    return Change("removed", bucket.path, entry.key, False, old=entry.value)


def _came(bucket: Bucket, entry: Entry, budget: Budget | None = None) -> Change:
    if entry.is_bucket:
        keys = count_keys(bucket.child(entry), budget)
        return Change("added", bucket.path, entry.key, True, keys=keys)
    return Change("added", bucket.path, entry.key, False, new=entry.value)


def count_keys(bucket: Bucket, budget: Budget | None = None) -> int:
    """Keys in a bucket and all its sub-buckets (sub-bucket names not counted)."""
    budget = budget or Budget(bucket.db)
    return sum(
        count_keys(bucket.child(entry), budget) if entry.is_bucket else 1
        for entry in bucket.entries(budget=budget)
    )

