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
encoded with no Python loop per key: ``map`` slices and encodes every key
and value in C and ``join`` lays out the JSON.  Memory holds the pages on
the current path and one chunk of output, whatever the size of the file.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from boltview.bolt.bucket import Bucket, Entry
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.bolt.page import Page
from boltview.errors import PageError

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


#: Each encoding turns many byte strings into JSON string bodies (no quotes).
#: b2a_base64 ends each token with a newline, which no JSON token of ours
#: contains otherwise: the dumper deletes them all at once from each chunk.
_TOKENS: dict[str, Callable[[Iterable[bytes]], Iterable[bytes]]] = {
    "base64": lambda items: map(binascii.b2a_base64, items),
    "hex": lambda items: map(binascii.hexlify, items),
    "text": _text_tokens,
}


def dump(
    bucket: Bucket,
    out: BinaryIO,
    encoding: str = "base64",
    on_error: Callable[[PageError, tuple[bytes, ...]], None] | None = None,
) -> None:
    """Write ``bucket`` and everything below it to ``out`` as one JSON object.

    A page that cannot be read raises PageError, unless ``on_error`` is given:
    then the subtree below that page is left out, ``on_error(error, bucket
    path)`` is told, and the rest of the tree is still written.
    """
    dumper = _Dumper(bucket, out, encoding, on_error)
    dumper.bucket(bucket, ())
    dumper.flush()
    out.write(b"\n")


class _Exhausted(PageError):
    """The walk's page budget ran out: the tree is too corrupt to go on at all."""


class _Dumper:
    def __init__(
        self,
        top: Bucket,
        out: BinaryIO,
        encoding: str,
        on_error: Callable[[PageError, tuple[bytes, ...]], None] | None,
    ) -> None:
        self.db = top.db
        self.top = top
        self.on_error = on_error
        self.out = out
        self.tokens = _TOKENS[encoding]
        self.strip_newlines = encoding == "base64"
        self.parts: list[bytes] = []
        self.size = 0
        self.first = True
        # A sound tree visits each page once; more visits than pages means a
        # corrupt tree whose pages are shared, and we stop before it explodes.
        self.budget = max(self.db.high_water_mark, 2) * 2 + 16

    def emit(self, part: bytes) -> None:
        self.parts.append(part)
        self.size += len(part)
        if self.size > _CHUNK:
            self.flush()

    def flush(self) -> None:
        chunk = b"".join(self.parts)
        if self.strip_newlines:
            chunk = chunk.replace(b"\n", b"")
        self.out.write(chunk)
        self.parts.clear()
        self.size = 0

    def token(self, data: bytes) -> bytes:
        return b'"' + next(iter(self.tokens((data,)))) + b'"'

    def bucket(self, bucket: Bucket, trail: tuple[int, ...]) -> None:
        self.emit(b"{")
        self.first = True
        try:
            self.page(bucket, bucket.root_page(), trail)
        except PageError as error:
            if bucket is self.top:
                raise  # nothing at all can be read: that is an error, not a gap
            self.skip(error, bucket)
        self.emit(b"}")
        self.first = False

    def skip(
        self, error: PageError, bucket: Bucket, path: tuple[bytes, ...] | None = None
    ) -> None:
        """Leave out an unreadable subtree (of ``bucket``, or the one at ``path``), or stop."""
        if self.on_error is None or isinstance(error, _Exhausted):
            raise error
        self.on_error(error, bucket.path if path is None else path)

    def page(self, bucket: Bucket, page: Page, trail: tuple[int, ...]) -> None:
        if page.pgid:  # inline pages (pgid 0) cost nothing: they live inside a value
            self.budget -= 1
        if self.budget < 0:
            raise _Exhausted(page.pgid, "pages are referenced more than once (corrupt tree)")
        if page.is_branch:
            trail = trail + (page.pgid,)
            for _, _, child in page.branch_records():
                try:
                    if child in trail:
                        raise PageError(
                            child, f"reference cycle: page {page.pgid} points back to it"
                        )
                    self.page(bucket, self.db.page(child), trail)
                except PageError as error:
                    self.skip(error, bucket)
            return
        if not page.is_leaf:
            raise PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")
        flags, key_starts, value_starts, value_ends = page.leaf_spans()
        if not flags:
            return
        if any(flags):
            self.mixed_leaf(bucket, page, trail)
            return
        # The fast path: a page of plain key/value pairs, no loop per key here.
        data = page.data
        keys = self.tokens(map(data.__getitem__, map(slice, key_starts, value_starts)))
        values = self.tokens(map(data.__getitem__, map(slice, value_starts, value_ends)))
        self.emit(b'"' if self.first else b',"')
        self.emit(b'","'.join(map(b'":"'.join, zip(keys, values))))
        self.emit(b'"')
        self.first = False

    def mixed_leaf(self, bucket: Bucket, page: Page, trail: tuple[int, ...]) -> None:
        """A leaf page holding sub-buckets too: one element at a time."""
        data = page.data
        for flags, ks, ke, vs, ve in page.leaf_records():
            key = data[ks:ke]
            if flags & BUCKET_LEAF_FLAG:
                # Through Bucket.child: it refuses sub-buckets of inline buckets
                # (shared, they nest fanout ** depth times) and nesting cycles.
                # A bucket refused here is left out whole, before its key is written.
                try:
                    child = bucket.child(Entry(key, data[vs:ve], True))
                    if child.root in trail or (child.root and child.root == page.pgid):
                        raise PageError(child.root, "reference cycle: a bucket contains itself")
                except PageError as error:
                    self.skip(error, bucket, bucket.path + (key,))
                    continue
                self.emit((b"" if self.first else b",") + self.token(key) + b":")
                self.first = False
                self.bucket(child, trail + ((page.pgid,) if page.pgid else ()))
            else:
                self.emit((b"" if self.first else b",") + self.token(key) + b":")
                self.emit(self.token(data[vs:ve]))
            self.first = False
