r"""Reading containerd objects from their buckets.

Each ``load_*`` function reads one object in a single pass over its bucket,
given as its parent stores it (path and header), and returns a model object
(:mod:`~boltview.containerd.model`): keys it does not know go to ``unknown``,
values that do not decode become :class:`~boltview.containerd.model.Issue`\ s
and the rest still decodes.

This is the hot path of ``export`` (tens of thousands of objects), so it
reads leaves in bulk (:mod:`boltview.bolt.columns`): no Bucket objects, an
inline bucket read straight from its parent's value, keys and values sliced
in C.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import methodcaller
from typing import TypeVar

from boltview.bolt.bucket import Bucket
from boltview.bolt.columns import bucket_columns, child_headers, few_leaves
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import BUCKET_LEAF_FLAG
from boltview.bolt.page import Columns, inline_leaf_columns
from boltview.containerd import schema as S
from boltview.containerd.encoding import (
    UNIX_TO_INTERNAL,
    GoTime,
    decode_go_time,
    decode_varint,
    is_digest,
)
from boltview.containerd.model import (
    AnyValue,
    Container,
    ContentBlob,
    Descriptor,
    Image,
    Ingest,
    Issue,
    Lease,
    Namespace,
    Path,
    Problem,
    Sandbox,
    SchemaInfo,
    Snapshot,
    UnknownKey,
)
from boltview.errors import BoltviewError
from boltview.values.gotime import GO_TIME_V1

__all__ = [
    "Fields", "Loaded", "child_headers", "columns", "load_blob", "load_container", "load_image",
    "load_ingest", "load_lease", "load_namespace", "load_object", "load_sandbox", "load_schema",
    "load_snapshot", "valid_digest",
]  # fmt: skip

# The bulk leaf readers live in the engine (``boltview.bolt.columns`` and
# ``boltview.bolt.page``); ``child_headers``, ``columns`` and ``_inline`` are
# still imported from here.
columns = bucket_columns
_inline = inline_leaf_columns

# -- reading a bucket ------------------------------------------------------------------


class Fields:
    """An object's bucket read in one pass: values and sub-buckets by key.

    A bucket is given as its parent stores it: its path and its header (the
    ``root | sequence`` value, plus the page of an inline bucket).  Loaders
    take what they know; whatever is left over is unknown.  This is the hot
    path of ``export``, so it reads pages directly: no Bucket objects, and
    the slicing of keys and values is done in C.
    """

    __slots__ = ("buckets", "db", "issues", "path", "values")

    def __init__(self, db: BoltFile, path: Path, header: bytes, field: bytes | None = None) -> None:
        self.db = db
        self.path = path
        values: dict[bytes, bytes] = {}
        buckets: dict[bytes, bytes] = {}
        self.values = values
        self.buckets = buckets
        self.issues: list[Issue] = []
        try:  # the usual case: an inline or one-page bucket, read without a walk
            found = few_leaves(db, header)
        except BoltviewError as error:
            self._unreadable(path, header, field, error)
            return
        for flags, keys, vals in found if found is not None else self._walk(path, header, field):
            if any(flags):
                for flag, key, value in zip(flags, keys, vals):
                    (buckets if flag & BUCKET_LEAF_FLAG else values)[key] = value
            else:
                values.update(zip(keys, vals))

    @property
    def key(self) -> bytes:
        return self.path[-1]

    def name(self) -> str:
        """The object's id (its bucket's name) as text; not UTF-8 is an issue, as Go prints it."""
        try:
            return self.key.decode("utf-8")
        except UnicodeDecodeError:
            return self.decode_text(self.key, "(name)")

    def value(self, key: bytes) -> bytes | None:
        return self.values.pop(key, None)

    @property
    def broken(self) -> bool:
        """Some page of this bucket could not be read: what is missing may be there."""
        return any(issue.problem is not None for issue in self.issues)

    def _walk(self, path: Path, header: bytes, field: bytes | None) -> list[Columns]:
        """A bucket of more than one page, walked with the engine's checks and budget:
        a page that cannot be read becomes an issue, the leaves around it are read.

        ``field`` is the sub-bucket's key (None for the object's own bucket).
        """
        return columns(
            self.db, path, header, lambda error: self._unreadable(path, header, field, error)
        )

    def _unreadable(
        self, path: Path, header: bytes, field: bytes | None, error: BoltviewError
    ) -> None:
        problem = Problem(path, getattr(error, "pgid", None), str(error))
        name = "(bucket)" if field is None else _show(field)
        self.issues.append(Issue(name, header, f"bucket unreadable: {error}", problem))

    def sub(self, key: bytes) -> Fields | None:
        """A sub-bucket read the same way (runtime, target...), or None."""
        header = self.buckets.pop(key, None)
        if header is None:
            return None
        return Fields(self.db, self.path + (key,), header, key)

    def _sub_columns(self, key: bytes) -> list[Columns] | None:
        """The leaves of a sub-bucket (labels, children...); a page that cannot be read
        becomes an issue naming it, the rest is read.  As for the object's own bucket
        (``__init__``), the usual inline or one-page bucket is read without a walk."""
        header = self.buckets.pop(key, None)
        if header is None:
            return None
        try:
            found = few_leaves(self.db, header)
        except BoltviewError as error:
            self._unreadable(self.path + (key,), header, key, error)
            return []
        return found if found is not None else self._walk(self.path + (key,), header, key)

    def text(self, key: bytes, name: str | None = None) -> str | None:
        raw = self.values.pop(key, None)
        if raw is None:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.decode_text(raw, name or _show(key))

    def decode_text(self, raw: bytes, name: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self.issues.append(Issue(name, raw, f"not valid UTF-8 (byte {error.start})"))
            return raw.decode("utf-8", "replace")

    def time(self, key: bytes) -> GoTime | None:
        raw = self.values.pop(key, None)
        if raw is None:
            return None
        known = _recent_times.get(raw)
        if known is not None:
            return known
        if len(raw) == 15 and raw[0] == 1:  # version 1, as Go writes: the fast path
            _, seconds, nanos, offset = GO_TIME_V1.unpack(raw)
            if 0 <= nanos < 1_000_000_000:
                if len(_recent_times) > 4096:
                    _recent_times.clear()
                found = _recent_times[raw] = GoTime(seconds - UNIX_TO_INTERNAL, nanos, offset)
                return found
        return self._decoded(key, raw, decode_go_time)

    def varint(self, key: bytes) -> int | None:
        raw = self.values.pop(key, None)
        if not raw:  # absent, or empty: Go's binary.Varint reads 0
            return None
        if raw[-1] < 0x80 and (len(raw) == 1 or (len(raw) == 2 and raw[0] >= 0x80)):
            unsigned = raw[0] if len(raw) == 1 else (raw[0] & 0x7F) | (raw[1] << 7)  # most sizes
            return (unsigned >> 1) ^ -(unsigned & 1)  # zigzag, as binary.Varint reads it
        return self._decoded(key, raw, decode_varint)

    def _decoded(self, key: bytes, raw: bytes, decode: Callable[[bytes], T]) -> T | None:
        """``decode(raw)``, or None with an issue naming the field when it cannot."""
        try:
            return decode(raw)
        except BoltviewError as error:
            self.issues.append(Issue(_show(key), raw, str(error)))
            return None

    def digest(self, key: bytes) -> str | None:
        raw = self.values.pop(key, None)
        if raw is None:
            return None
        text = self.decode_text(raw, _show(key))
        if raw and not valid_digest(raw):
            self.issues.append(Issue(_show(key), raw, "not a valid digest"))
        return text

    def labels(self, key: bytes = S.LABELS) -> dict[str, str] | None:
        """A bucket of string keys and values (labels, annotations), or None."""
        found = self._sub_columns(key)
        if found is None:
            return None
        out: dict[str, str] = {}
        for flags, keys, vals in found:
            try:
                if not any(flags):  # the usual case: all text, no sub-buckets
                    out.update(zip(map(_utf8, keys), map(_utf8, vals)))
                    continue
            except UnicodeDecodeError:
                pass
            name = _show(key)
            for flag, raw_key, raw_value in zip(flags, keys, vals):
                text = self.decode_text(raw_key, f"{name}/{_show(raw_key)} (key)")
                if flag & BUCKET_LEAF_FLAG:
                    self.issues.append(
                        Issue(f"{name}/{text}", raw_value, "a bucket where a value belongs")
                    )
                else:
                    out[text] = self.decode_text(raw_value, f"{name}/{text}")
        return out

    def keys(self, key: bytes) -> tuple[str, ...] | None:
        """The keys of a set-like sub-bucket (children, lease resources), or None."""
        found = self._sub_columns(key)
        if found is None:
            return None
        out: list[str] = []
        for _, keys, _ in found:
            try:
                out.extend(map(_utf8, keys))
            except UnicodeDecodeError:
                out.extend(self.decode_text(raw, f"{_show(key)}/{_show(raw)}") for raw in keys)
        return tuple(out)

    def anys(self, key: bytes) -> dict[str, AnyValue] | None:
        """A sub-bucket of named Any values (extensions), or None."""
        found = self._sub_columns(key)
        if found is None:
            return None
        out: dict[str, AnyValue] = {}
        for flags, keys, vals in found:
            for flag, raw_key, raw_value in zip(flags, keys, vals):
                name = raw_key.decode("utf-8", "replace")
                if flag & BUCKET_LEAF_FLAG:
                    self.issues.append(
                        Issue(f"{_show(key)}/{name}", raw_value, "a bucket where an Any belongs")
                    )
                else:
                    out[name] = AnyValue(raw_value)
        return out

    def unknown(self) -> tuple[UnknownKey, ...]:
        """Whatever no loader took, in key order."""
        if not self.values and not self.buckets:
            return ()
        path = self.path
        found = [UnknownKey(k, v, path + (k,)) for k, v in self.values.items()]
        found += [UnknownKey(k, None, path + (k,)) for k in self.buckets]
        found.sort(key=lambda u: u.key)
        return tuple(found)


T = TypeVar("T")

#: Times decoded lately, by their bytes: an object is mostly created and updated at
#: once, and the same (immutable) GoTime then lets ``go_time`` format it once.
_recent_times: dict[bytes, GoTime] = {}

_utf8 = methodcaller("decode", "utf-8")


_SHA256 = re.compile(rb"sha256:[0-9a-f]{64}")


def valid_digest(raw: bytes) -> bool:
    """A go-digest: the common sha256 case by one regex, the rest by the full rules."""
    return _SHA256.fullmatch(raw) is not None or is_digest(raw)


def _show(key: bytes) -> str:
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + key.hex()


def _name(raw: bytes) -> str:
    """A bucket name (an id, a digest, a namespace) as text."""
    return raw.decode("utf-8", "replace")


# -- loaders ----------------------------------------------------------------------------
#
# Each takes a bucket as its parent stores it (path, header) and the namespace.


def load_schema(v1: Bucket) -> SchemaInfo:
    raw = v1.get(S.VERSION)
    if raw is None:
        return SchemaInfo(None)
    try:
        return SchemaInfo(decode_varint(raw))
    except BoltviewError as error:
        return SchemaInfo(None, issues=(Issue("version", raw, str(error)),))


def load_namespace(db: BoltFile, path: Path, header: bytes) -> Namespace:
    f = Fields(db, path, header)
    labels = f.labels()
    objects = tuple(sorted(_name(k) for k in f.buckets if k in S.NAMESPACE_OBJECTS))
    for known in S.NAMESPACE_OBJECTS:
        f.buckets.pop(known, None)
    return Namespace(f.name(), labels, objects, path, f.unknown(), tuple(f.issues))


def load_image(db: BoltFile, path: Path, header: bytes, namespace: str) -> Image:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    annotations = f.labels(S.ANNOTATIONS)
    media_type, digest, size = "", "", None
    target_unknown: tuple[UnknownKey, ...] = ()
    t = f.sub(S.TARGET)
    if t is None:
        if not f.broken:  # else it may well be on the page that could not be read
            f.issues.append(
                Issue("target", b"", "no target bucket (containerd cannot read this image)")
            )
    else:
        media_type = t.text(S.MEDIA_TYPE, "target/mediatype") or ""
        digest = t.digest(S.DIGEST) or ""
        size = t.varint(S.SIZE)
        target_unknown = t.unknown()
        f.issues.extend(t.issues)
    return Image(
        namespace, f.name(), Descriptor(media_type, digest, size, annotations),
        labels, created, updated, path, f.unknown() + target_unknown, tuple(f.issues),
    )  # fmt: skip


def load_container(db: BoltFile, path: Path, header: bytes, namespace: str) -> Container:
    f = Fields(db, path, header)
    r = _RuntimeObject(f)
    return Container(
        namespace=namespace,
        id=f.name(),
        labels=r.labels,
        image=f.text(S.IMAGE) or "",
        runtime_name=r.runtime_name,
        runtime_options=r.runtime_options,
        spec=r.spec,
        snapshotter=f.text(S.SNAPSHOTTER) or "",
        snapshot_key=f.text(S.SNAPSHOT_KEY) or "",
        sandbox_id=f.text(S.SANDBOX_ID),
        extensions=f.anys(S.EXTENSIONS),
        created_at=r.created_at,
        updated_at=r.updated_at,
        path=path,
        unknown=f.unknown() + r.runtime_unknown,
        issues=tuple(f.issues),
    )


class _RuntimeObject:
    """What a container and a sandbox both keep: times, labels, a spec and a runtime.

    Read in this order, so that their issues come in the order they always did.
    """

    __slots__ = ("created_at", "labels", "runtime_name", "runtime_options", "runtime_unknown",
                 "spec", "updated_at")  # fmt: skip

    def __init__(self, f: Fields) -> None:
        self.created_at, self.updated_at = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
        self.labels = f.labels()
        spec_raw = f.value(S.SPEC)
        self.spec = AnyValue(spec_raw) if spec_raw is not None else None
        self.runtime_name, self.runtime_options, self.runtime_unknown = _runtime(f)


def _runtime(f: Fields) -> tuple[str, AnyValue | None, tuple[UnknownKey, ...]]:
    r = f.sub(S.RUNTIME)
    if r is None:
        return "", None, ()
    name = r.text(S.NAME, "runtime/name") or ""
    raw = r.value(S.OPTIONS)
    f.issues.extend(r.issues)
    return name, AnyValue(raw) if raw is not None else None, r.unknown()


def load_snapshot(db: BoltFile, path: Path, header: bytes, namespace: str, snapshotter: str) -> Snapshot:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    return Snapshot(
        namespace=namespace,
        snapshotter=snapshotter,
        key=f.name(),
        name=f.text(S.NAME) or "",
        parent=f.text(S.PARENT) or "",
        children=f.keys(S.CHILDREN) or (),
        labels=labels,
        created_at=created,
        updated_at=updated,
        path=path,
        unknown=f.unknown(),
        issues=tuple(f.issues),
    )


def load_blob(db: BoltFile, path: Path, header: bytes, namespace: str) -> ContentBlob:
    f = Fields(db, path, header)
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    size = f.varint(S.SIZE)
    if not valid_digest(f.key):
        f.issues.append(Issue("(key)", f.key, "the key is not a valid digest"))
    return ContentBlob(namespace, f.name(), size, labels, created, updated, path,
                       f.unknown(), tuple(f.issues))  # fmt: skip


def load_ingest(db: BoltFile, path: Path, header: bytes, namespace: str) -> Ingest:
    f = Fields(db, path, header)
    return Ingest(
        namespace=namespace,
        ref_name=f.name(),
        backend_ref=f.text(S.REF) or "",
        expected=f.digest(S.EXPECTED),
        expire_at=f.time(S.EXPIRE_AT),
        path=path,
        unknown=f.unknown(),
        issues=tuple(f.issues),
    )


def load_lease(db: BoltFile, path: Path, header: bytes, namespace: str) -> Lease:
    f = Fields(db, path, header)
    created = f.time(S.CREATED_AT)
    labels = f.labels()
    snapshots: dict[str, tuple[str, ...]] = {}
    per_snapshotter = f.sub(S.SNAPSHOTS)
    if per_snapshotter is not None:
        for name in list(per_snapshotter.buckets):
            snapshots[_name(name)] = per_snapshotter.keys(name) or ()
        f.issues.extend(per_snapshotter.issues)
    return Lease(
        namespace, f.name(), labels, created, snapshots, f.keys(S.CONTENT) or (),
        f.keys(S.INGESTS) or (), f.keys(S.IMAGES) or (), path, f.unknown(), tuple(f.issues),
    )  # fmt: skip


def load_sandbox(db: BoltFile, path: Path, header: bytes, namespace: str, location: str) -> Sandbox:
    f = Fields(db, path, header)
    r = _RuntimeObject(f)
    return Sandbox(
        namespace=namespace,
        id=f.name(),
        location=location,
        labels=r.labels,
        runtime_name=r.runtime_name,
        runtime_options=r.runtime_options,
        spec=r.spec,
        sandboxer=f.text(S.SANDBOXER),
        extensions=f.anys(S.EXTENSIONS),
        created_at=r.created_at,
        updated_at=r.updated_at,
        path=path,
        unknown=f.unknown() + r.runtime_unknown,
        issues=tuple(f.issues),
    )


Loaded = Container | Image | Snapshot | ContentBlob | Ingest | Lease | Sandbox
"""What :func:`load_object` gives: any kind that has a bucket of its own."""

_BY_KIND: dict[str, Callable[[BoltFile, Path, bytes, str], Loaded]] = {
    Container.kind: load_container, Image.kind: load_image, ContentBlob.kind: load_blob,
    Ingest.kind: load_ingest, Lease.kind: load_lease,
}  # fmt: skip


def load_object(
    kind: str, db: BoltFile, path: Path, header: bytes, namespace: str, where: str = ""
) -> Loaded:
    """An object of any kind from its bucket.

    ``where`` is a snapshot's snapshotter, or a sandbox's location ("v1" unless
    said); the other kinds have none.
    """
    if kind == Snapshot.kind:
        return load_snapshot(db, path, header, namespace, where)
    if kind == Sandbox.kind:
        return load_sandbox(db, path, header, namespace, where or "v1")
    if kind not in _BY_KIND:
        raise ValueError(f"no bucket of its own for kind {kind!r}")
    return _BY_KIND[kind](db, path, header, namespace)
