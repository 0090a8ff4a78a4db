"""containers/image's blob info cache (``blob-info-cache-v1.boltdb``), read blob by blob.

podman, buildah and skopeo remember what they learn about blobs
(containers/image, pkg/blobinfocache/boltdb), so that a copy can skip
compressing or uploading what a registry already has:

=====================================  ==========================================
``uncompressedDigest``                 a blob's digest -> the digest of its
                                       uncompressed form
``digestByUncompressed``               uncompressed digest -> a bucket whose keys
                                       are the compressed forms seen (the mirror)
``digestCompressor``                   digest -> the compressor that made it
                                       (``gzip``, ``zstd``, ``uncompressed``)
``digestSpecificVariantCompressor``    digest -> a compressor variant (newer)
``uncompressedDigestByTOC``            a zstd:chunked TOC digest -> uncompressed
``knownLocations``                     transport -> scope (a registry, for
                                       docker) -> digest -> location (a
                                       repository) -> when it was last seen
                                       (Go's ``time.MarshalBinary``)
=====================================  ==========================================

Each blob is one object with everything known of it; each scope one object
with the blobs seen there.  A pair that one bucket records and its mirror
does not is a finding.
"""

from __future__ import annotations

from typing import Any

from boltview.stores.recognize import BLOB_INFO_CACHE
from boltview.stores.tree import TreeView, fields, go_binary_time, text
from boltview.stores.view import StoreNode

__all__ = ["BlobInfoView"]


class BlobInfoView(TreeView):
    """Blobs (digest pairs, compressors, locations) and the scopes they were seen in."""

    store = BLOB_INFO_CACHE

    def build(self) -> None:
        blobs: dict[str, dict[str, Any]] = {}

        def blob(digest: str) -> dict[str, Any]:
            return blobs.setdefault(digest, {"digest": digest, "compressed_forms": [], "locations": []})

        uncompressed = {text(k): text(v) for k, v in self.values(b"uncompressedDigest")}
        for digest, plain in uncompressed.items():
            blob(digest)["uncompressed_digest"] = plain
            blob(plain)
        by_uncompressed: dict[str, list[str]] = {}
        for bucket in self.sub_buckets(b"digestByUncompressed"):
            plain = text(bucket.name)
            forms = [text(entry.key) for entry in bucket.entries()]
            by_uncompressed[plain] = forms
            blob(plain)["compressed_forms"] = forms
            for form in forms:
                blob(form)
                if uncompressed.get(form) != plain:
                    self.finding(f"digestByUncompressed: {form} under {plain}, "
                                 f"but uncompressedDigest says {uncompressed.get(form, 'nothing')}")  # fmt: skip
        for digest, plain in uncompressed.items():
            if digest != plain and digest not in by_uncompressed.get(plain, []):
                self.finding(f"uncompressedDigest: {digest} -> {plain}, not mirrored in digestByUncompressed")
        for raw, compressor in self.values(b"digestCompressor"):
            blob(text(raw))["compressor"] = text(compressor)
        for raw, variant in self.values(b"digestSpecificVariantCompressor"):
            blob(text(raw))["variant_compressor"] = text(variant)
        for toc, raw in self.values(b"uncompressedDigestByTOC"):
            blob(text(raw)).setdefault("tocs", []).append(text(toc))
        scopes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for transport in self.sub_buckets(b"knownLocations"):
            for scope in transport.buckets():
                for held in scope.buckets():
                    for entry in held.entries():
                        if entry.is_bucket:
                            continue
                        when = go_binary_time(entry.value)
                        where = f"knownLocations/{text(transport.name)}/{text(scope.name)}"
                        if when is None:
                            self.finding(f"{where}: the time of {text(entry.key)} is not a Go time")
                        location = {
                            "transport": text(transport.name), "scope": text(scope.name),
                            "location": text(entry.key), "last_seen": when,
                        }  # fmt: skip
                        blob(text(held.name))["locations"].append(location)
                        scopes.setdefault((text(transport.name), text(scope.name)), []).append(
                            {"digest": text(held.name), **location}
                        )
        self._add_blobs(blobs)
        self._add_scopes(scopes)

    def _add_blobs(self, blobs: dict[str, dict[str, Any]]) -> None:
        self.group("blobs")
        for digest, info in sorted(blobs.items()):
            links = []
            if info.get("uncompressed_digest") not in (None, digest):
                links.append(self.link("uncompressed", "blobs", info["uncompressed_digest"]))
            links += [
                self.link("compressed form", "blobs", form)
                for form in info["compressed_forms"] if form != digest  # a plain blob is its own
            ]  # fmt: skip
            links += [
                self.link("seen in", "scopes", f"{loc['transport']} {loc['scope']}")
                for loc in info["locations"]
            ]  # fmt: skip
            summary = " ".join(part for part in (
                info.get("compressor", ""),
                f"{len(info['locations'])} location(s)" if info["locations"] else "",
            ) if part)  # fmt: skip
            self.add(StoreNode(
                ("blobs", digest), "blob", summary,
                fields(**{k: v for k, v in info.items()}), links=tuple(dict.fromkeys(links)),
                source=(_bucket_of(info), digest.encode()),
            ))  # fmt: skip

    def _add_scopes(self, scopes: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        self.group("scopes", summary="knownLocations: where blobs were seen")
        for (transport, scope), entries in sorted(scopes.items()):
            digests = sorted({entry["digest"] for entry in entries})
            self.add(StoreNode(
                ("scopes", f"{transport} {scope}"), "scope", f"{len(digests)} blob(s)",
                {"transport": transport, "scope": scope, "locations": entries},  # type: ignore[dict-item]
                links=tuple(self.link("blob", "blobs", digest) for digest in digests),
                source=(b"knownLocations", transport.encode(), scope.encode()),
            ))  # fmt: skip


def _bucket_of(info: dict[str, Any]) -> bytes:
    """The bucket whose key is this blob's digest (the first of those that have it)."""
    if "compressor" in info:
        return b"digestCompressor"
    if "uncompressed_digest" in info:
        return b"uncompressedDigest"
    if info["compressed_forms"]:
        return b"digestByUncompressed"
    return b"knownLocations"
