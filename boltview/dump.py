"""``dump``: a bucket tree as one JSON object, streamed.

A sub-bucket becomes a nested object, a value a string.  With the base64
encoding keys and values are standard base64, so the dump is lossless and can
be compared byte for byte with what bbolt itself reads.

This is the hottest loop in boltview, so it walks pages directly instead of
going through ``Bucket.entries``: one ``struct`` call per leaf page, slices,
and strings joined in chunks.  Memory holds the pages on the current path and
one chunk of output, whatever the size of the file.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable
from typing import TextIO

from boltview.bolt.bucket import Bucket, open_bucket
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.bolt.page import Page
from boltview.errors import PageError

ENCODINGS = ("text", "hex", "base64")

_CHUNK = 4096  # pieces of output gathered before one write

_b2a = binascii.b2a_base64
_quote = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def _base64(data: bytes) -> str:
    return '"' + _b2a(data, newline=False).decode("ascii") + '"'


def _hex(data: bytes) -> str:
    return '"' + data.hex() + '"'


def _text(data: bytes) -> str:
    return _quote(data.decode("utf-8", "backslashreplace"))  # type: ignore[no-any-return]


_ENCODERS: dict[str, Callable[[bytes], str]] = {"base64": _base64, "hex": _hex, "text": _text}


def dump(bucket: Bucket, out: TextIO, encoding: str = "base64") -> None:
    """Write ``bucket`` and everything below it to ``out`` as one JSON object."""
    walker = _Dumper(bucket, out, _ENCODERS[encoding])
    walker.bucket(bucket, ())
    walker.flush()
    out.write("\n")


class _Dumper:
    def __init__(self, top: Bucket, out: TextIO, encode: Callable[[bytes], str]) -> None:
        self.db = top.db
        self.out = out
        self.encode = encode
        self.parts: list[str] = []
        # A sound tree visits each page once; more visits than pages means a
        # corrupt tree whose pages are shared, and we stop before it explodes.
        self.budget = max(self.db.high_water_mark, 2) * 2 + 16

    def flush(self) -> None:
        self.out.write("".join(self.parts))
        self.parts.clear()

    def bucket(self, bucket: Bucket, trail: tuple[int, ...]) -> None:
        self.parts.append("{")
        self.first = True
        self.page(bucket, bucket.root_page(), trail)
        self.parts.append("}")

    def page(self, bucket: Bucket, page: Page, trail: tuple[int, ...]) -> None:
        if page.pgid:  # inline pages (pgid 0) cost nothing: they live inside a value
            self.budget -= 1
        if self.budget < 0:
            raise PageError(page.pgid, "pages are referenced more than once (corrupt tree)")
        if page.is_branch:
            trail = trail + (page.pgid,)
            for _, _, child in page.branch_records():
                if child in trail:
                    raise PageError(child, f"reference cycle: page {page.pgid} points back to it")
                self.page(bucket, self.db.page(child), trail)
            return
        if not page.is_leaf:
            raise PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")
        encode, parts, data = self.encode, self.parts, page.data
        for flags, ks, ke, vs, ve in page.leaf_records():
            separator = "" if self.first else ","
            self.first = False
            if flags & BUCKET_LEAF_FLAG:
                key = data[ks:ke]
                child = open_bucket(self.db, bucket.path + (key,), data[vs:ve])
                if child.root in trail:
                    raise PageError(child.root, "reference cycle: a bucket contains itself")
                parts.append(separator + encode(key) + ":")
                self.bucket(child, trail + ((page.pgid,) if page.pgid else ()))
                self.first = False
            else:
                parts.append(separator + encode(data[ks:ke]) + ":" + encode(data[vs:ve]))
        if len(parts) > _CHUNK:
            self.flush()
