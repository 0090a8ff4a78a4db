"""containerd's local content store (``io.containerd.content.v1.content``), read-only.

Blobs live in ``blobs/<algorithm>/<encoded digest>``, uploads in progress in
``ingest/<sha256 of the backend ref>/`` (``data``, ``startedat``...).  Every file
is opened read-only, without touching its access time where the kernel allows.
"""

from __future__ import annotations

import hashlib
import os

from boltview.bolt.source import chunks_quietly, read_quietly


class ContentStore:
    """containerd's local content store (``io.containerd.content.v1.content``), read-only."""

    def __init__(self, root: str) -> None:
        self.root = root

    def blob(self, digest: str) -> bytes | None:
        algorithm, _, encoded = digest.partition(":")
        if not encoded or "/" in encoded or "/" in algorithm or algorithm.startswith("."):
            return None
        return read_quietly(os.path.join(self.root, "blobs", algorithm, encoded))

    def matches(self, digest: str) -> bool | None:
        """Whether a sha256 blob's bytes still hash to its name; None when it is not here."""
        algorithm, _, encoded = digest.partition(":")
        if algorithm != "sha256" or not encoded or "/" in encoded:
            return None
        hashed = _hash_quietly(os.path.join(self.root, "blobs", algorithm, encoded))
        return None if hashed is None else hashed == encoded

    def ingest_status(self, backend_ref: str) -> tuple[int, str | None, int | None] | None:
        """(bytes written, started-at text, bytes expected) of an ingest, by its backend ref.

        The local store keeps the size a client announced in the ingest's ``total``.
        """
        directory = os.path.join(self.root, "ingest", hashlib.sha256(backend_ref.encode()).hexdigest())
        try:
            offset = os.stat(os.path.join(directory, "data")).st_size
        except OSError:
            return None
        text = read_quietly(os.path.join(directory, "startedat"))
        started = text.decode("utf-8", "replace").strip() if text is not None else None
        return offset, started, _number(read_quietly(os.path.join(directory, "total")))


def _number(data: bytes | None) -> int | None:
    text = data.decode("ascii", "replace").strip() if data is not None else ""
    return int(text) if text.isdigit() else None


def _hash_quietly(path: str) -> str | None:
    """A file's sha256, read in chunks without touching its access time; None if unreadable."""
    pieces = chunks_quietly(path)
    if pieces is None:
        return None
    digest = hashlib.sha256()
    for chunk in pieces:
        digest.update(chunk)
    return digest.hexdigest()
