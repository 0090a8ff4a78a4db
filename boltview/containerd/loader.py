r"""Reading containerd objects from their buckets.

Each ``load_*`` function reads one object in a single pass over its bucket,
given as its parent stores it (path and header), and returns a model object
(:mod:`~boltview.containerd.model`): keys it does not know go to ``unknown``,
values that do not decode become :class:`~boltview.containerd.model.Issue`\ s
and the rest still decodes.

This is the hot path of ``export`` (tens of thousands of objects), so it
reads pages directly: no Bucket objects, an inline bucket read straight from
its parent's value, keys and values sliced in bulk.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator, Sequence
from operator import add, methodcaller

from boltview.bolt.bucket import Bucket, Budget, open_bucket
from boltview.bolt.bucket import child_page as checked_child
from boltview.bolt.file import BoltFile
from boltview.bolt.layout import (
    BRANCH_PAGE,
    BUCKET_HEADER_SIZE,
    BUCKET_LEAF_FLAG,
    LEAF_ELEMENT_SIZE,
    LEAF_PAGE,
    PAGE_HEADER_SIZE,
    Layout,
)
from boltview.bolt.layout import layout as layout_for
from boltview.bolt.page import Page
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
from boltview.errors import BoltviewError, PageError

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
            found = _few_leaves(db, header)
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
            found = _few_leaves(self.db, header)
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
        if len(raw) == 15 and raw[0] == 1:  # version 1, as Go writes: the fast path
            _, seconds, nanos, offset = _GO_TIME_V1.unpack(raw)
            if 0 <= nanos < 1_000_000_000:
                return GoTime(seconds - UNIX_TO_INTERNAL, nanos, offset)
        try:
            return decode_go_time(raw)
        except BoltviewError as error:
            self.issues.append(Issue(_show(key), raw, str(error)))
            return None

    def varint(self, key: bytes) -> int | None:
        raw = self.values.pop(key, None)
        if not raw:  # absent, or empty: Go's binary.Varint reads 0
            return None
        try:
            return decode_varint(raw)
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


Columns = tuple[Sequence[int], list[bytes], list[bytes]]
"""One leaf page: the flags, keys and values of its elements."""

_utf8 = methodcaller("decode", "utf-8")


def columns(
    db: BoltFile, path: Path, header: bytes,
    on_error: Callable[[BoltviewError], None] | None = None,
) -> list[Columns]:  # fmt: skip
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


def _few_leaves(db: BoltFile, header: bytes) -> list[Columns] | None:
    """The leaves of an inline or one-page bucket (nearly every bucket containerd
    writes) or of a branch over leaves only (a container with a big spec); None
    for anything else (a deeper tree, a header too short, a child that cannot
    be read), which the checked walk then reads and reports.

    Raises as the walk would for a root page that cannot be read.
    """
    if len(header) < BUCKET_HEADER_SIZE:
        return None
    layout = db.layout
    structs = _last_structs
    if structs.layout is not layout:
        structs = _structs(layout)
    root = structs.bucket_header.unpack_from(header)[0]
    if root == 0:
        inline = _inline(header, layout, structs)
        if inline is not None:
            return [inline]
        page = Page(0, header[BUCKET_HEADER_SIZE:], layout)
    else:
        page = db.page(root)
    if page.flags & LEAF_PAGE:
        return [_slice(page)]
    if root and page.flags & BRANCH_PAGE and page.count <= _FEW:
        try:  # two levels: every child a leaf, each read once; else the walk decides
            leaves = [db.page(child) for _, _, child in page.branch_records()]
            if all(leaf.flags & LEAF_PAGE for leaf in leaves):
                return [_slice(leaf) for leaf in leaves]
        except BoltviewError:
            pass
    return None


_FEW = 64
"""At most this many leaves below a root branch are read without the walk's budget."""


def _leaves_into(
    out: list[Columns], db: BoltFile, path: Path, header: bytes,
    on_error: Callable[[BoltviewError], None] | None,
) -> None:  # fmt: skip
    if len(header) >= BUCKET_HEADER_SIZE:
        root = db.layout.fast_bucket_header.unpack_from(header)[0]
        if root == 0:
            inline = _inline(header, db.layout)
            if inline is not None:
                out.append(inline)
                return
        page = Page(0, header[BUCKET_HEADER_SIZE:], db.layout) if root == 0 else db.page(root)
        if page.is_leaf:
            out.append(_slice(page))
            return
    bucket = open_bucket(db, path, header)
    budget = Budget(db)
    top = bucket.root_page() if bucket.is_inline else checked_child(db, bucket.root, (), budget)
    _walk(db, top, (), budget, out, on_error)


def _walk(
    db: BoltFile, page: Page, trail: tuple[int, ...], budget: Budget, out: list[Columns],
    on_error: Callable[[BoltviewError], None] | None,
) -> None:  # fmt: skip
    """The leaves below ``page``, in key order; a child that cannot be read is left out.

    Each child page gets the engine's own checks (``checked_child``: the walk's
    page budget, cycles, depth, page type), as ``Bucket.leaves`` gives them.
    """
    if page.is_leaf:
        out.append(_slice(page))
        return
    if not page.is_branch:
        raise PageError(page.pgid, f"expected a branch or leaf page, found {page.type}")
    trail = trail + (page.pgid,)
    for _, _, child in page.branch_records():
        try:
            _walk(db, checked_child(db, child, trail, budget), trail, budget, out, on_error)
        except BoltviewError as error:
            if on_error is None or budget.left < 0:
                raise  # a walk out of pages stops: the tree is too corrupt to go on
            on_error(error)


_INLINE_ELEMENTS = BUCKET_HEADER_SIZE + PAGE_HEADER_SIZE


class _Structs:
    """One byte order's ``struct`` formats, looked up once rather than per bucket."""

    __slots__ = ("bucket_header", "elements", "layout", "page_header")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.bucket_header = layout.fast_bucket_header
        self.page_header = layout.fast_page_header
        self.elements: dict[int, struct.Struct] = {}

    def element_array(self, count: int) -> struct.Struct:
        found = self.elements.get(count)
        if found is None:
            found = self.elements[count] = self.layout.fast_elements(count)
        return found


_BY_ORDER: dict[str, _Structs] = {}


def _structs(layout: Layout) -> _Structs:
    found = _BY_ORDER.get(layout.order)
    if found is None or found.layout is not layout:
        found = _BY_ORDER[layout.order] = _Structs(layout)
    return found


_last_structs = _structs(layout_for("<"))
"""Little-endian, as nearly every file is: checked by identity, no lookup."""


def _inline(header: bytes, layout: Layout, structs: _Structs | None = None) -> Columns | None:
    """An inline bucket's leaf, read straight from its parent's value.

    Most sub-buckets containerd writes (labels, runtime, target, children)
    are inline pages of a few keys; reading them without a Page object halves
    their cost.  Same layout and checks as ``Page.leaf_spans``; anything else
    (not a leaf, elements past the end) returns None and takes the engine's
    path, which reports the problem.
    """
    if len(header) < _INLINE_ELEMENTS:
        return None
    if structs is None:
        structs = _structs(layout)
    _, flags, count, _ = structs.page_header.unpack_from(header, BUCKET_HEADER_SIZE)
    end = len(header)
    if not flags & LEAF_PAGE or _INLINE_ELEMENTS + count * LEAF_ELEMENT_SIZE > end:
        return None
    raw = structs.element_array(count).unpack_from(header, _INLINE_ELEMENTS) if count else ()
    keys: list[bytes] = []
    values: list[bytes] = []
    element = _INLINE_ELEMENTS
    for i in range(0, 4 * count, 4):  # a few keys: a plain loop beats map here
        key_start = element + raw[i + 1]  # pos counts from the element's own address
        value_start = key_start + raw[i + 2]
        value_end = value_start + raw[i + 3]
        if value_end > end:
            return None
        keys.append(header[key_start:value_start])
        values.append(header[value_start:value_end])
        element += LEAF_ELEMENT_SIZE
    return raw[0::4], keys, values


def _slice(page: Page) -> Columns:
    """A leaf page's columns, as ``Page.leaf_spans`` reads them (which raises for a bad page)."""
    count = page.count
    data = page.data
    if count and PAGE_HEADER_SIZE + count * LEAF_ELEMENT_SIZE <= len(data):
        structs = _last_structs if _last_structs.layout is page.layout else _structs(page.layout)
        raw = structs.element_array(count).unpack_from(data, PAGE_HEADER_SIZE)
        # An element's pos counts from the element's own address.
        key_starts = list(map(add, raw[1::4], range(_ELEMENTS, _ELEMENTS + _STEP * count, _STEP)))
        value_starts = list(map(add, key_starts, raw[2::4]))
        value_ends = list(map(add, value_starts, raw[3::4]))
        if max(value_ends) <= len(data):
            keys = [data[start:end] for start, end in zip(key_starts, value_starts)]
            values = [data[start:end] for start, end in zip(value_starts, value_ends)]
            return raw[0::4], keys, values
    flags, key_starts, value_starts, value_ends = page.leaf_spans()
    keys = [data[start:end] for start, end in zip(key_starts, value_starts)]
    return flags, keys, [data[start:end] for start, end in zip(value_starts, value_ends)]


_ELEMENTS, _STEP = PAGE_HEADER_SIZE, LEAF_ELEMENT_SIZE


def child_headers(
    db: BoltFile, path: Path, header: bytes,
    on_error: Callable[[BoltviewError], None] | None = None,
) -> Iterator[tuple[bytes, bytes]]:  # fmt: skip
    """(name, header) of every sub-bucket of a bucket: the objects of a kind.

    ``on_error`` as for :func:`columns`: a leaf that cannot be read leaves out
    the objects it holds, not the others.
    """
    for flags, keys, vals in columns(db, path, header, on_error):
        for flag, key, value in zip(flags, keys, vals):
            if flag & BUCKET_LEAF_FLAG:
                yield key, value


_SHA256 = re.compile(rb"sha256:[0-9a-f]{64}")
_GO_TIME_V1 = struct.Struct(">bqih")
"""``time.MarshalBinary`` version 1; anything else goes to ``decode_go_time``."""


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
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    spec_raw = f.value(S.SPEC)
    runtime_name, options, runtime_unknown = _runtime(f)
    return Container(
        namespace=namespace,
        id=f.name(),
        labels=labels,
        image=f.text(S.IMAGE) or "",
        runtime_name=runtime_name,
        runtime_options=options,
        spec=AnyValue(spec_raw) if spec_raw is not None else None,
        snapshotter=f.text(S.SNAPSHOTTER) or "",
        snapshot_key=f.text(S.SNAPSHOT_KEY) or "",
        sandbox_id=f.text(S.SANDBOX_ID),
        extensions=f.anys(S.EXTENSIONS),
        created_at=created,
        updated_at=updated,
        path=path,
        unknown=f.unknown() + runtime_unknown,
        issues=tuple(f.issues),
    )


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
    created, updated = f.time(S.CREATED_AT), f.time(S.UPDATED_AT)
    labels = f.labels()
    spec_raw = f.value(S.SPEC)
    runtime_name, options, runtime_unknown = _runtime(f)
    return Sandbox(
        namespace=namespace,
        id=f.name(),
        location=location,
        labels=labels,
        runtime_name=runtime_name,
        runtime_options=options,
        spec=AnyValue(spec_raw) if spec_raw is not None else None,
        sandboxer=f.text(S.SANDBOXER),
        extensions=f.anys(S.EXTENSIONS),
        created_at=created,
        updated_at=updated,
        path=path,
        unknown=f.unknown() + runtime_unknown,
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
