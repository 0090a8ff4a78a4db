"""Page statistics of a bucket tree, with bbolt's ``Bucket.Stats`` arithmetic."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from boltview.bolt.bucket import Bucket, Budget, Entry
from boltview.bolt.layout import BUCKET_LEAF_FLAG, PAGE_HEADER_SIZE


@dataclass
class BucketStats:
    """bbolt's BucketStats, field for field (names in snake_case)."""

    branch_page_n: int = 0
    branch_overflow_n: int = 0
    leaf_page_n: int = 0
    leaf_overflow_n: int = 0
    key_n: int = 0
    depth: int = 0
    branch_alloc: int = 0
    branch_inuse: int = 0
    leaf_alloc: int = 0
    leaf_inuse: int = 0
    bucket_n: int = 0
    inline_bucket_n: int = 0
    inline_bucket_inuse: int = 0

    def add(self, other: BucketStats) -> None:
        """Sum two stats as bbolt's ``BucketStats.Add`` does (depth is a maximum)."""
        for f in fields(self):
            if f.name == "depth":
                self.depth = max(self.depth, other.depth)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def leaf_fill(self) -> float:
        """How full the allocated leaf pages are, 0..1."""
        return self.leaf_inuse / self.leaf_alloc if self.leaf_alloc else 0.0

    @property
    def branch_fill(self) -> float:
        return self.branch_inuse / self.branch_alloc if self.branch_alloc else 0.0


def bucket_stats(bucket: Bucket) -> BucketStats:
    """``Bucket.Stats()`` of bbolt 1.3.6: this bucket and everything below it.

    All the trees below share one page budget: sub-buckets of a corrupt file
    that share a tree stop with a PageError instead of multiplying the work.
    Without recursion, so that buckets nested as deep as bbolt allows (it sets
    no limit) are counted: each bucket's own pages first, in bbolt's order, then
    the totals folded up from the deepest.
    """
    budget = Budget(bucket.db)
    own: list[BucketStats] = []
    parents: list[int] = []
    pending = [(bucket, -1)]
    while pending:
        current, parent = pending.pop()
        index = len(own)
        stats, children = _own_stats(current, budget)
        own.append(stats)
        parents.append(parent)
        pending.extend((child, index) for child in reversed(children))
    below = [BucketStats() for _ in own]
    # A bucket comes before everything below it: fold from the last one up.
    for index in range(len(own) - 1, -1, -1):
        total = own[index]
        total.depth += below[index].depth
        total.add(below[index])
        if parents[index] >= 0:
            below[parents[index]].add(total)
    return own[0]


def _own_stats(bucket: Bucket, budget: Budget) -> tuple[BucketStats, list[Bucket]]:
    """The stats of ``bucket``'s own pages, and its sub-buckets."""
    stats = BucketStats()
    children: list[Bucket] = []
    page_size = bucket.db.page_size
    stats.bucket_n = 1
    if bucket.is_inline:
        stats.inline_bucket_n = 1
    for page, depth in bucket.pages(budget):
        if page.is_leaf:
            stats.key_n += page.count
            records = page.leaf_records()
            # bbolt counts up to where the last element's value ends.
            used = records[-1][4] if records else PAGE_HEADER_SIZE
            if bucket.is_inline:
                stats.inline_bucket_inuse += used
            else:
                stats.leaf_page_n += 1
                stats.leaf_inuse += used
                stats.leaf_overflow_n += page.overflow
                data = page.data
                for flags, ks, ke, vs, ve in records:
                    if flags & BUCKET_LEAF_FLAG:
                        entry = Entry(data[ks:ke], data[vs:ve], True)
                        children.append(bucket.child(entry, limit_nesting=False))
        elif page.is_branch:
            stats.branch_page_n += 1
            branches = page.branch_records()
            # Up to where the last element's key ends.
            stats.branch_inuse += branches[-1][1] if branches else PAGE_HEADER_SIZE
            stats.branch_overflow_n += page.overflow
        stats.depth = max(stats.depth, depth + 1)
    stats.branch_alloc = (stats.branch_page_n + stats.branch_overflow_n) * page_size
    stats.leaf_alloc = (stats.leaf_page_n + stats.leaf_overflow_n) * page_size
    return stats, children
