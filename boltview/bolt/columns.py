"""A bucket's leaves read in bulk, as columns of flags, keys and values.

This is the fast way to read a whole small bucket, given as its parent
stores it (its path and its header, the ``root | sequence`` value plus the
page of an inline bucket): no Bucket object, no Entry per key.  It is the hot
path of containerd's ``export`` (tens of thousands of small buckets), so the
usual cases are read in place -- an inline bucket, a one-page bucket, a
branch over a few leaves -- and anything else takes the cursor's checked
walk (:func:`~boltview.bolt.cursor.child_page`, with its page budget).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from boltview.bolt.bucket import open_bucket
from boltview.bolt.cursor import Budget, child_page
from boltview.bolt.layout import BRANCH_PAGE, BUCKET_HEADER_SIZE, BUCKET_LEAF_FLAG, LEAF_PAGE
from boltview.bolt.page import (
    LITTLE_ENDIAN,
    Columns,
    Page,
    fast_structs,
    inline_leaf_columns,
    leaf_columns,
)
from boltview.bolt.path import BucketPath
from boltview.errors import BoltviewError, PageError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile

OnError = Callable[[BoltviewError], None]
"""Told about a page that cannot be read, so that the walk can go on without it."""

#: At most this many leaves below a root branch are read without the walk's budget.
FEW = 64


def bucket_columns(
    db: BoltFile, path: BucketPath, header: bytes, on_error: OnError | None = None
) -> list[Columns]:
    """Each leaf page of a bucket, given as its parent stores it, in key order.

    An inline bucket or a one-page bucket (nearly every object containerd
    writes) is read in place; a bigger tree is walked page by page.  A page
    that cannot be read raises, or, given ``on_error``, is told to it and left
    out: the leaves on either side of it are still read.
    """
    out: list[Columns] = []
    try:
        _leaves_into(out, db, path, header, on_error)
    except BoltviewError as error:  # the root itself, or a walk that ran out of pages
        if on_error is None:
            raise
        on_error(error)
    return out


def few_leaves(db: BoltFile, header: bytes) -> list[Columns] | None:
    """The leaves of an inline or one-page bucket (nearly every bucket containerd
    writes) or of a branch over leaves only (a container with a big spec); None
    for anything else (a deeper tree, a header too short, a child that cannot
    be read), which the checked walk then reads and reports.

    Raises as the walk would for a root page that cannot be read.
    """
    if len(header) < BUCKET_HEADER_SIZE:
        return None
    layout = db.layout
    structs = LITTLE_ENDIAN
    if structs.layout is not layout:
        structs = fast_structs(layout)
    root = structs.bucket_header.unpack_from(header)[0]
    if root == 0:
        inline = inline_leaf_columns(header, layout, structs)
        if inline is not None:
            return [inline]
        page = Page(0, header[BUCKET_HEADER_SIZE:], layout)
    else:
        page = db.page(root)
    if page.flags & LEAF_PAGE:
        return [leaf_columns(page)]
    if root and page.flags & BRANCH_PAGE and page.count <= FEW:
        try:  # two levels: every child a leaf, each read once; else the walk decides
            leaves = [db.page(child) for _, _, child in page.branch_records()]
            if all(leaf.flags & LEAF_PAGE for leaf in leaves):
                return [leaf_columns(leaf) for leaf in leaves]
        except BoltviewError:
            pass
    return None


def _leaves_into(
    out: list[Columns], db: BoltFile, path: BucketPath, header: bytes, on_error: OnError | None
) -> None:
    if len(header) >= BUCKET_HEADER_SIZE:
        root = db.layout.fast_bucket_header.unpack_from(header)[0]
        if root == 0:
            inline = inline_leaf_columns(header, db.layout)
            if inline is not None:
                out.append(inline)
                return
        page = Page(0, header[BUCKET_HEADER_SIZE:], db.layout) if root == 0 else db.page(root)
        if page.is_leaf:
            out.append(leaf_columns(page))
            return
    bucket = open_bucket(db, path, header)
    budget = Budget(db)
    top = bucket.root_page() if bucket.is_inline else child_page(db, bucket.root, (), budget)
    _walk(db, top, (), budget, out, on_error)


def _walk(
    db: BoltFile, page: Page, trail: tuple[int, ...], budget: Budget, out: list[Columns],
    on_error: OnError | None,
) -> None:  # fmt: skip
    """The leaves below ``page``, in key order; a child that cannot be read is left out.

    Each child page gets the cursor's own checks (``child_page``: the walk's
    page budget, cycles, depth, page type), as ``Bucket.leaves`` gives them.
    """
    if page.is_leaf:
        out.append(leaf_columns(page))
        return
    if not page.is_branch:
        raise PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")
    trail = trail + (page.pgid,)
    for _, _, child in page.branch_records():
        try:
            _walk(db, child_page(db, child, trail, budget), trail, budget, out, on_error)
        except BoltviewError as error:
            if on_error is None or budget.left < 0:
                raise  # a walk out of pages stops: the tree is too corrupt to go on
            on_error(error)


def child_headers(
    db: BoltFile, path: BucketPath, header: bytes, on_error: OnError | None = None
) -> Iterator[tuple[bytes, bytes]]:
    """(name, header) of every sub-bucket of a bucket.

    ``on_error`` as for :func:`bucket_columns`: a leaf that cannot be read
    leaves out the sub-buckets it holds, not the others.
    """
    for flags, keys, vals in bucket_columns(db, path, header, on_error):
        for flag, key, value in zip(flags, keys, vals):
            if flag & BUCKET_LEAF_FLAG:
                yield key, value
