"""``dump``: a bucket tree as one JSON object, streamed.

A sub-bucket becomes a nested object, a value a string.  With the base64
encoding keys and values are standard base64, so the dump is lossless and can
be compared byte for byte with what bbolt itself reads.

The text encoding is for reading, and reversible too (``decode_text``): a
backslash is first written as two backslashes, then the bytes are read as
UTF-8 and each byte that is not part of valid UTF-8 becomes ``\\xNN`` (two
lower-case hex digits).  So byte 0xa2 is ``\\xa2`` and the four characters
``\\xa2`` are ``\\\\xa2``; the JSON string then escapes as JSON does
(``"\\\\xa2"`` and ``"\\\\\\\\xa2"`` in the file).

This is the hottest loop in boltview, so it walks pages directly instead of
going through ``Bucket.entries``, and a leaf page without sub-buckets is
encoded with no Python loop per key: laid out as bbolt writes it, ``map``
reads every key and value in turn from a ``BytesIO``, encodes them in C and
``join`` lays out the JSON (a page laid out otherwise is sliced by its
elements' positions).  Memory holds the pages on the current path and one
chunk of output, whatever the size of the file.

With ``workers``, forked processes read and encode the plain leaf pages below
a branch page, consecutive pages with one ``pread``, while the walk takes their
answers in order and writes them (:mod:`~boltview.bolt.fanout`); while an answer
has not come, the walk encodes the next batch itself.  Only the walk decides
anything: a page a worker does not encode is read by the walk itself, so the
bytes written, the gaps and the errors are the same as without workers.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Generator, Iterable, Iterator
from io import BytesIO
from itertools import chain, groupby
from typing import TYPE_CHECKING, BinaryIO

from boltview.bolt.bucket import Bucket, open_bucket
from boltview.bolt.fanout import BATCH, PagePool, Stream
from boltview.bolt.layout import (
    BRANCH_PAGE,
    BUCKET_LEAF_FLAG,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    PAGE_HEADER_SIZE,
)
from boltview.bolt.page import Page, plain_pairs_at
from boltview.bolt.path import show_path
from boltview.bolt.processes import may_fork, usable_cores
from boltview.errors import BoltviewError, PageError

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile
    from boltview.bolt.layout import Layout

ENCODINGS = ("text", "hex", "base64")

_CHUNK = 1 << 18  # bytes of output gathered before one write

_quote = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def encode_text(data: bytes) -> str:
    """``data`` as the text encoding's string: backslash doubled, other non-UTF-8 bytes ``\\xNN``."""
    return data.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def decode_text(text: str) -> bytes:
    """The bytes ``encode_text`` made ``text`` from; ValueError if no bytes encode to it."""
    out = bytearray()
    pos = 0
    while True:
        slash = text.find("\\", pos)
        out += text[pos : len(text) if slash < 0 else slash].encode("utf-8")
        if slash < 0:
            return bytes(out)
        if text.startswith("\\", slash + 1):
            out += b"\\"
            pos = slash + 2
            continue
        digits = text[slash + 2 : slash + 4]
        if text[slash + 1 : slash + 2] != "x" or len(digits) != 2 or not all(
            c in "0123456789abcdef" for c in digits
        ):
            raise ValueError(f"not the text encoding: lone backslash at {slash}")
        out.append(int(digits, 16))
        pos = slash + 4


def _text_tokens(items: Iterable[bytes]) -> Iterator[bytes]:
    for item in items:
        yield _quote(item.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace"))[
            1:-1
        ].encode("ascii")


Tokens = Callable[[Iterable[bytes]], Iterable[bytes]]
"""An encoding: many byte strings in, their JSON string bodies out (no quotes)."""

#: Each encoding turns many byte strings into JSON string bodies (no quotes).
#: b2a_base64 ends each token with a newline, which no JSON token of ours
#: contains otherwise: they are deleted all at once from each page's body.
_TOKENS: dict[str, Tokens] = {
    "base64": lambda items: map(binascii.b2a_base64, items),
    "hex": lambda items: map(binascii.hexlify, items),
    "text": _text_tokens,
}


def dump(
    bucket: Bucket,
    out: BinaryIO,
    encoding: str = "base64",
    on_error: Callable[[PageError, tuple[bytes, ...]], None] | None = None,
    workers: int = 0,
) -> None:
    """Write ``bucket`` and everything below it to ``out`` as one JSON object.

    A page that cannot be read raises PageError, unless ``on_error`` is given:
    then the subtree below that page is left out, ``on_error(error, bucket
    path)`` is told, and the rest of the tree is still written.  When it
    raises, what was read before is written first (not one JSON document).

    ``workers`` worker processes (forked: only from a process with no other
    threads, as the CLI is) read and encode leaf pages while this one walks the
    tree and writes, in order; the output is the same bytes (:mod:`~boltview.bolt.fanout`).
    """
    tokens = _TOKENS[encoding]
    pool = None
    if workers > 0:
        db = bucket.db
        pool = PagePool(lambda pgids: _worker_bodies(db, pgids, tokens), workers)
    try:
        dumper = _Dumper(bucket, out, encoding, on_error, pool)
        try:
            dumper.run()
        except PageError:
            dumper.flush()  # all that was read before the error, however it was gathered
            raise
        finally:
            dumper.drop_ahead()
        dumper.flush()
    finally:
        if pool is not None:
            pool.close()
    out.write(b"\n")


#: A file smaller than this is dumped by one process: workers would cost more than they save.
WORKERS_FROM_SIZE = 64 << 20
MAX_WORKERS = 4


def default_workers(db: BoltFile) -> int:
    """How many worker processes ``dump`` uses for ``db`` unless told: one per core but the
    walk's own (which encodes too while it waits), for a big file; none in a process that
    runs threads (a fork copies only the calling one)."""
    cores = usable_cores()
    if cores < 2 or db.size < WORKERS_FROM_SIZE or not may_fork():
        return 0
    return min(cores - 1, MAX_WORKERS)


def plain_leaf_body(page: Page, tokens: Tokens) -> bytes | None:
    """A leaf page of plain pairs as ``key":"value","key":"value`` (no outer quotes).

    b"" for an empty page, None for one that holds a sub-bucket (or any flag).
    A page that cannot be read raises PageError, as ``Page.leaf_spans`` does.
    """
    data = page.data
    body = _laid_out_body(page.layout, data, 0, page.count, len(data), tokens)
    if body is not None:
        return body
    flags, key_starts, value_starts, value_ends = page.leaf_spans()  # its checks, its errors
    if not flags:
        return b""
    if any(flags):
        return None
    starts = chain.from_iterable(zip(key_starts, value_starts))  # not laid end to end
    ends = chain.from_iterable(zip(value_starts, value_ends))
    return _body(map(data.__getitem__, map(slice, starts, ends)), len(flags), tokens)


def _laid_out_body(
    layout: Layout, data: bytes, base: int, count: int, end: int, tokens: Tokens
) -> bytes | None:
    """The body of the leaf at ``data[base:end]`` when its ``count`` elements are plain
    pairs laid end to end, as bbolt writes them, that fit before ``end``; else None (the
    caller takes the general path, which says what is wrong, if anything).

    Each key and value is read after the one before, from where the first key begins,
    by ``map`` over their sizes (a ``BytesIO`` shares ``data``; its ``read`` costs less
    than a ``struct`` format made for every page).
    """
    if not count or base + PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE > end:
        return None
    pairs = plain_pairs_at(layout, data, base, count)
    if pairs is None or pairs[2] > end:
        return None
    start, sizes, _ = pairs
    stream = BytesIO(data)
    stream.seek(start)
    return _body(map(stream.read, sizes), len(sizes) // 2, tokens)


#: The JSON between a page's tokens: after a key, after a value (the last one dropped).
_SEPARATORS: list[bytes | None] = [None, b'":"', None, b'","']


def _body(items: Iterable[bytes], count: int, tokens: Tokens) -> bytes:
    """The hot path of the dump, with no loop per key here: every key and value of the
    ``count`` pairs (key, value, key ...) encoded by ``map`` in C, between separators laid
    out by list repetition, and joined.  No token holds a newline but the one
    ``b2a_base64`` ends each with: they are deleted at once."""
    out = _SEPARATORS * count
    out[0::2] = tokens(items)
    out.pop()
    return b"".join(out).replace(b"\n", b"")  # type: ignore[arg-type]


def _worker_bodies(db: BoltFile, pgids: list[int], tokens: Tokens) -> list[bytes | None]:
    """What a worker sends back for a batch of pages: each one's body when the walk
    would take the fast path with it, else None (the walk reads that page itself).

    Consecutive pages, as bbolt mostly writes a tree's leaves, are read with one
    ``pread``.  A page that is not a plain leaf of one page laid out as bbolt
    writes it (a branch, a meta page, page 0, an overflow run, a sub-bucket) or
    that does not read cleanly takes the walk's own path: ``db.page`` and
    ``plain_leaf_body``.
    """
    size, header, layout = db.page_size, db.layout.fast_page_header, db.layout
    bodies: list[bytes | None] = []
    for _, run in groupby(enumerate(pgids), lambda item: item[1] - item[0]):
        run_pgids = [pgid for _, pgid in run]
        data = db.source.read(run_pgids[0] * size, len(run_pgids) * size)
        for base, pgid in zip(range(0, len(data) - size + 1, size), run_pgids):
            pid, flags, count, overflow = header.unpack_from(data, base)
            body = None
            if pgid and pid == pgid and not overflow and flags & LEAF_PAGE and not flags & BRANCH_PAGE:
                body = _laid_out_body(layout, data, base, count, base + size, tokens)
            bodies.append(_worker_body(db, pgid, tokens) if body is None else body)
        for pgid in run_pgids[len(data) // size :]:  # past the end of the file
            bodies.append(_worker_body(db, pgid, tokens))
    return bodies


def _worker_body(db: BoltFile, pgid: int, tokens: Tokens) -> bytes | None:
    """One page read as the walk reads it, and its body if the walk would take the fast path."""
    try:
        page = db.page(pgid)
        if not page.pgid or page.is_branch or not page.is_leaf:
            return None
        return plain_leaf_body(page, tokens)
    except BoltviewError:
        return None


class _Exhausted(PageError):
    """The walk's page budget ran out: the tree is too corrupt to go on at all."""


#: Where a bucket is below the dumped one: (the parent's place, its name), None at
#: the top.  Linked, so that a chain nested n deep costs n, not n * n / 2, names.
_Place = tuple["_Place", bytes] | None

#: What a bucket's walk yields: a sub-bucket to dump (its key already written).
_Nested = tuple[Bucket, _Place]
_Walk = Generator[_Nested, None, None]


class _Dumper:
    """The walk: one generator per bucket being written, on a stack, not the call stack.

    bbolt sets no limit to how deep buckets nest, nor does the dump: a chain
    1,500 deep is written as bbolt reads it.  Each level holds its page, its
    generator and one link of its path; the pages on the current path (branch
    pages, the leaves holding the sub-buckets being written) are kept in a set
    to refuse a cycle, and every bucket root seen, to refuse two buckets sharing
    one tree.
    """

    def __init__(
        self,
        top: Bucket,
        out: BinaryIO,
        encoding: str,
        on_error: Callable[[PageError, tuple[bytes, ...]], None] | None,
        pool: PagePool | None = None,
    ) -> None:
        self.db = top.db
        self.pool = pool
        #: Whether the page just walked was a plain leaf (its siblings likely are too).
        self.plain = False
        #: The page after the one being walked, in its parent branch (a hint for workers).
        self.sibling: int | None = None
        #: A bucket whose leaves hold sub-buckets: the workers are not asked for them.
        self.mixed: Bucket | None = None
        #: A branch page whose leaves the workers were asked for ahead: (pgid, stream, children).
        self.ahead: tuple[int, Stream, list[int]] | None = None
        self.top = top
        self.on_error = on_error
        self.out = out
        self.tokens = _TOKENS[encoding]
        self.parts: list[bytes] = []
        self.size = 0
        self.first = True
        # A sound tree visits each page once; more visits than pages means a
        # corrupt tree whose pages are shared, and we stop before it explodes.
        self.budget = max(self.db.high_water_mark, 2) * 2 + 16
        self.on_path: set[int] = set()
        self.roots: dict[int, _Place] = {}

    def emit(self, part: bytes) -> None:
        self.parts.append(part)
        self.size += len(part)
        if self.size > _CHUNK:
            self.flush()

    def flush(self) -> None:
        self.out.write(b"".join(self.parts))
        self.parts.clear()
        self.size = 0

    def token(self, data: bytes) -> bytes:
        return b'"' + next(iter(self.tokens((data,)))).replace(b"\n", b"") + b'"'

    def path(self, place: _Place) -> tuple[bytes, ...]:
        names: list[bytes] = []
        while place is not None:
            place, name = place
            names.append(name)
        return self.top.path + tuple(reversed(names))

    def run(self) -> None:
        """Write the top bucket, each sub-bucket's walk pushed when its parent yields it.

        A PageError that ends a bucket's walk goes to its parent's walk, at the
        point where the parent yielded it, exactly as a call would raise it there.
        """
        walks: list[_Walk] = [self.bucket(self.top, None)]
        error: PageError | None = None
        while walks:
            try:
                nested = next(walks[-1]) if error is None else walks[-1].throw(error)
                error = None
            except StopIteration:
                walks.pop()
                continue
            except PageError as raised:
                walks.pop()
                if not walks:
                    raise
                error = raised
                continue
            walks.append(self.bucket(*nested))

    def bucket(self, bucket: Bucket, place: _Place) -> _Walk:
        self.emit(b"{")
        self.first = True
        try:
            yield from self.page(bucket, place, bucket.root_page())
        except PageError as error:
            if bucket is self.top:
                raise  # nothing at all can be read: that is an error, not a gap
            self.skip(error, place)
        self.emit(b"}")
        self.first = False

    def skip(self, error: PageError, place: _Place) -> None:
        """Leave out an unreadable subtree (of the bucket at ``place``), or stop."""
        if self.on_error is None or isinstance(error, _Exhausted):
            raise error
        self.on_error(error, self.path(place))

    def spend(self, pgid: int) -> None:
        """Count one page against the budget (inline pages, pgid 0, cost nothing)."""
        if pgid:
            self.budget -= 1
        if self.budget < 0:
            raise _Exhausted(pgid, "pages are referenced more than once (corrupt tree)")

    def page(self, bucket: Bucket, place: _Place, page: Page) -> _Walk:
        self.spend(page.pgid)
        if page.is_branch:
            self.on_path.add(page.pgid)
            try:
                yield from self.children(bucket, place, page)
            finally:
                self.on_path.discard(page.pgid)
            self.plain = False
            return
        if not page.is_leaf:
            raise PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")
        body = plain_leaf_body(page, self.tokens)
        if body is None:
            self.plain = False
            yield from self.mixed_leaf(bucket, place, page)
            return
        self.plain = True
        self.members(body)

    def members(self, body: bytes) -> None:
        """Plain leaves' ``key":"value",...`` (no outer quotes), after what came before."""
        if body:
            self.emit(b'"' if self.first else b',"')
            self.emit(body)
            self.emit(b'"')
            self.first = False

    def children(self, bucket: Bucket, place: _Place, page: Page) -> _Walk:
        """A branch page's children in order; with workers, leaves are encoded by them.

        Without a hint, the first child is read here.  When it is a plain leaf
        (a bottom branch, as nearly all are) and there are many more, the workers
        read and encode the others while this process joins what they send back,
        in order, and they
        are asked for the next sibling branch's leaves too before these are all
        taken, so that they do not wait between branches.  A page a worker does
        not encode (not a plain leaf, unreadable) comes back empty-handed and is
        read here as if there were no workers, so errors, cycles, sub-buckets
        and the page budget are met exactly where a lone walk meets them.
        """
        children = [child for _, _, child in page.branch_records()]
        sibling, self.sibling = self.sibling, None
        if not children:
            return
        stream = self.prefetched(page.pgid, children)
        rest = children
        if stream is None:
            second = children[1] if len(children) > 1 else None
            yield from self.child(bucket, place, page.pgid, children[0], second)
            rest = children[1:]
            if self.pool is None or not self.plain or len(rest) < BATCH or bucket is self.mixed:
                for child, after in zip(rest, [*rest[1:], None]):
                    yield from self.child(bucket, place, page.pgid, child, after)
                return
            stream = self.pool.stream(rest)
        ahead = None if sibling is None else self.prefetch(stream, sibling)
        try:
            done = answered = 0
            while done < len(rest):
                count, body = stream.next()
                pages = rest[done : done + count]
                done += count
                if body is None or self.budget < count or not self.on_path.isdisjoint(pages):
                    for child in pages:  # read here, as if there were no workers
                        yield from self.child(bucket, place, page.pgid, child)
                    if body is None and not answered:  # leaves with sub-buckets: workers
                        break  # only add round trips to this branch
                else:  # what self.child would do with these plain leaves, without reading them
                    self.budget -= count
                    self.members(body)
                    answered += count
        except BaseException:
            stream.close()
            raise
        if done < len(rest):
            self.mixed = bucket  # nor to its other branches
            stream.close()
            for child, after in zip(rest[done:], [*rest[done + 1 :], None]):
                yield from self.child(bucket, place, page.pgid, child, after)
            self.plain = False
        elif ahead is None:
            stream.close()
        else:  # the stream holds the next branch's leaves now
            self.drop_ahead()
            self.ahead = ahead

    def prefetch(self, stream: Stream, sibling: int) -> tuple[int, Stream, list[int]] | None:
        """Ask for the leaves of the branch page ``sibling`` too, if it is one (a guess).

        Nothing is decided here: the walk reads that page again when it gets
        there, and takes these answers only if it holds the same children.
        """
        try:
            page = self.db.page(sibling)
            if not page.is_branch:
                return None
            children = [child for _, _, child in page.branch_records()]
        except PageError:
            return None
        stream.extend(children)
        return sibling, stream, children

    def prefetched(self, pgid: int, children: list[int]) -> Stream | None:
        """The stream that already asked for these children, if the walk guessed them."""
        ahead, self.ahead = self.ahead, None
        if ahead is None:
            return None
        if ahead[0] == pgid and ahead[2] == children:
            return ahead[1]
        ahead[1].close()
        return None

    def drop_ahead(self) -> None:
        if self.ahead is not None:
            self.ahead[1].close()
            self.ahead = None

    def child(
        self, bucket: Bucket, place: _Place, parent: int, child: int, after: int | None = None
    ) -> _Walk:
        """One child of branch page ``parent``: an error in it leaves out only its subtree.

        ``after`` is the page after it in ``parent``, if any: a hint for the workers.
        """
        self.plain = False
        self.sibling = after
        try:
            if child in self.on_path:
                raise PageError(child, f"reference cycle: page {parent} points back to it")
            yield from self.page(bucket, place, self.db.page(child))
        except PageError as error:
            self.skip(error, place)

    def mixed_leaf(self, bucket: Bucket, place: _Place, page: Page) -> _Walk:
        """A leaf page holding sub-buckets too: one element at a time."""
        data = page.data
        if page.pgid:
            self.on_path.add(page.pgid)
        try:
            for flags, ks, ke, vs, ve in page.leaf_records():
                key = data[ks:ke]
                if not flags & BUCKET_LEAF_FLAG:
                    self.emit((b"," if not self.first else b"") + self.token(key) + b":")
                    self.emit(self.token(data[vs:ve]))
                    self.first = False
                    continue
                # A bucket refused here is left out whole, before its key is written.
                try:
                    nested = self.sub_bucket(bucket, (place, key), data[vs:ve])
                except PageError as error:
                    self.skip(error, (place, key))
                    continue
                self.emit((b"," if not self.first else b"") + self.token(key) + b":")
                yield nested
                self.first = False
        finally:
            self.on_path.discard(page.pgid)

    def sub_bucket(self, parent: Bucket, place: _Place, header: bytes) -> _Nested:
        """The sub-bucket at ``place``, or a PageError: it is left out whole, key and all.

        Refused: a sub-bucket of an inline bucket (bbolt never writes one; read as
        it says, overlapping elements nest fanout ** depth buckets in one page), a
        bucket whose root is a page on the path to it (a cycle), and a second
        bucket with the root of another (every walk would repeat that tree).
        """
        assert place is not None
        name = place[1]
        if parent.is_inline:
            raise PageError(
                0, f"inline bucket {show_path(self.path(place[0]))} holds a sub-bucket "
                f"{show_path((name,))}, which bbolt never writes (corrupt)"
            )  # fmt: skip
        child = open_bucket(self.db, (name,), header, limit_nesting=False)
        if child.root:
            if child.root in self.on_path:
                raise PageError(child.root, "reference cycle: a bucket contains itself")
            owner = self.roots.setdefault(child.root, place)
            if owner != place:
                raise PageError(
                    child.root, f"is the root of bucket {show_path(self.path(owner))} and of "
                    f"bucket {show_path(self.path(place))} (a corrupt tree)"
                )  # fmt: skip
        return child, place
