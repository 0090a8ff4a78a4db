"""Listings laid out the way ``ctr`` lays them out.

``ctr`` prints its lists through Go's ``text/tabwriter`` with settings that
differ per command (containers pad with four spaces, content with tabs...).
:func:`tabwrite` is that algorithm, so boltview's tables line up with ctr's
character for character, and the ``*_rows`` functions build the same columns
from what ``meta.db`` holds.

Some of ctr's columns come from outside ``meta.db``: a snapshot's kind from
the snapshotter's database, an image's platforms and an ingest's progress
from the content store's files.  When those are not given, a column shows
what can be known (an image's size from the sizes and gc labels recorded in
``meta.db``) or ``-``.
"""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boltview.containerd import schema as S
from boltview.containerd.content import ContentStore
from boltview.containerd.encoding import GoTime
from boltview.containerd.model import (
    Container,
    Image,
    Ingest,
    Lease,
    Namespace,
    Pod,
    Sandbox,
    Snapshot,
)
from boltview.containerd.reader import MetadataReader
from boltview.containerd.relations import ContentNode, content_role, label_expiry
from boltview.render.text import escape
from boltview.values.gotime import OUT_OF_RANGE, go_local_datetime

# -- Go's text/tabwriter ------------------------------------------------------------


@dataclass(frozen=True)
class TabStyle:
    """``tabwriter.NewWriter(out, minwidth, tabwidth, padding, padchar, 0)``."""

    minwidth: int
    tabwidth: int
    padding: int
    padchar: str


NARROW = TabStyle(1, 8, 1, " ")  # namespaces, images, snapshots, leases, sandboxes
WIDE = TabStyle(4, 8, 4, " ")  # containers
TABS = TabStyle(1, 8, 1, "\t")  # content, content active


def tabwrite(text: str, style: TabStyle) -> str:
    """Align tab-terminated cells exactly as Go's ``tabwriter`` (flags 0) does."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    _format(lines, [], 0, len(lines), style, out)
    return "".join(out)


def _format(
    lines: list[list[str]], widths: list[int], line0: int, line1: int, style: TabStyle,
    out: list[str],
) -> None:  # fmt: skip
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, widths, line0, this, style, out)
        line0 = this
        width = style.minwidth
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + style.padding)
            this += 1
        widths.append(width)
        _format(lines, widths, line0, this, style, out)
        widths.pop()
        line0 = this
    _write_lines(lines, widths, line0, line1, style, out)


def _write_lines(
    lines: list[list[str]], widths: list[int], line0: int, line1: int, style: TabStyle,
    out: list[str],
) -> None:  # fmt: skip
    for i in range(line0, line1):
        for j, cell in enumerate(lines[i]):
            out.append(cell)
            if j < len(widths):
                out.append(_padding(len(cell), widths[j], style))
        if i + 1 < len(lines):
            out.append("\n")


def _padding(text_width: int, cell_width: int, style: TabStyle) -> str:
    if style.padchar == "\t":
        cell_width = -(-cell_width // style.tabwidth) * style.tabwidth
        return "\t" * -(-(cell_width - text_width) // style.tabwidth)
    return style.padchar * (cell_width - text_width)


# -- Go's number and time formats -------------------------------------------------------


_DECIMAL = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def _scaled(size: float, base: int, units: tuple[str, ...]) -> tuple[float, str]:
    """``size`` divided by ``base`` until it is below it (or the units end), and its unit."""
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def go_human_size(size: float) -> str:
    """docker/go-units ``HumanSize``: four significant digits, decimal units (``1.032MB``)."""
    scaled, unit = _scaled(size, 1000, _DECIMAL)
    return f"{scaled:.4g}{unit}"


def go_bytes(size: float) -> str:
    """containerd's ``progress.Bytes``: ``%02.1f`` and binary units (``1018.8 KiB``)."""
    scaled, unit = _scaled(size, 1024, _BINARY)
    return f"{scaled:02.1f} {unit}"


def go_human_duration(seconds: float) -> str:
    """docker/go-units ``HumanDuration`` ("1 second", "About an hour", "3 days")."""
    if int(seconds) < 1:
        return "Less than a second"
    if int(seconds) == 1:
        return "1 second"
    if seconds < 60:
        return f"{int(seconds)} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def since(time: GoTime | None, now: datetime) -> str:
    """How long ago, as ctr's AGE column; ``-`` when the time is not stored."""
    if time is None:
        return "-"
    elapsed = now.timestamp() - (time.unix_seconds + time.nanos / 1e9)
    return go_human_duration(elapsed)


def expires_at(obj: object) -> float | None:
    """When a lease (its ``containerd.io/gc.expire`` label) or an ingest (``expireat``)
    expires, as a Unix time; None when it does not."""
    if isinstance(obj, Lease):
        return label_expiry(obj.labels)
    if isinstance(obj, Ingest) and obj.expire_at is not None and not obj.expire_at.is_zero:
        return obj.expire_at.unix_seconds + obj.expire_at.nanos / 1e9
    return None


def expiry_note(obj: object, now: datetime) -> str | None:
    """'expired 3 days ago' or 'expires in 2 hours' for a lease or ingest that expires."""
    when = expires_at(obj)
    if when is None:
        return None
    left = when - now.timestamp()
    if left < 0:
        return f"expired {go_human_duration(-left).lower()} ago"
    return f"expires in {go_human_duration(left).lower()}"


def local_rfc3339(time: GoTime | None) -> str:
    """``t.Local().Format(time.RFC3339)``, as ``ctr leases ls`` prints."""
    if time is None:
        return "0001-01-01T00:00:00Z"
    local = go_local_datetime(time)
    if local is None:
        return f"{time.rfc3339()} ({OUT_OF_RANGE})"
    offset = local.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return local.strftime("%Y-%m-%dT%H:%M:%S") + _rfc3339_zone(seconds)


def _rfc3339_zone(seconds: int) -> str:
    if seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)")


def parse_rfc3339(text: str) -> float | None:
    """A Go ``MarshalText`` time (RFC 3339, up to nanoseconds) as a Unix time."""
    match = _RFC3339.fullmatch(text.strip())
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    try:
        moment = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    except ValueError:  # month 13, hour 25, an offset of a day or more
        return None
    return moment.timestamp() + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def go_time_string(time: GoTime | None) -> str:
    """Go's ``Time.String()``: ``2006-01-02 15:04:05.999999999 -0700 MST``."""
    if time is None:
        return "0001-01-01 00:00:00 +0000 UTC"
    text = time.rfc3339()
    date, _, rest = text.partition("T")
    clock = rest.rstrip("Z")
    zone = "+0000 UTC"
    if not time.is_utc:
        for sign in "+-":
            if sign in clock:
                clock, _, offset = clock.rpartition(sign)
                zone = f"{sign}{offset.replace(':', '')}"
                zone = f"{zone} {zone}"
                break
        else:
            zone = "+0000 +0000"
    return f"{date} {clock} {zone}"


def sorted_pairs(labels: Mapping[str, str] | None, empty: str = "-") -> str:
    """Labels as ctr joins them: sorted ``k=v`` pairs, comma-separated."""
    if not labels:
        return empty
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))


# -- the content store, when its directory is given ------------------------------------------


# -- images: size and platforms ----------------------------------------------------------------


def default_platform() -> tuple[str, str, str]:
    """containerd's ``platforms.DefaultSpec()`` for this machine (os, arch, variant)."""
    machine = platform.machine().lower()
    arch, variant = normalize_arch(machine, "")
    return "linux", arch, variant


def normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    """containerd's ``platforms.normalizeArch``."""
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", "" if variant in ("8", "v8") else variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            return arch, "v7"
        if variant in ("5", "6", "8"):
            return arch, "v" + variant
    return arch, variant


def format_platform(os_name: str, arch: str, variant: str) -> str:
    if not os_name:
        return "unknown"
    return "/".join(part for part in (os_name, arch, variant) if part)


@dataclass(frozen=True)
class ImageFacts:
    """What ctr's images listing shows beyond ``meta.db``: size and platforms."""

    size: int | None
    platforms: list[str] | None
    how: str
    """content-store, labels, or a reason the facts are unknown."""


def image_facts(reader: MetadataReader, image: Image, store: ContentStore | None) -> ImageFacts:
    if store is not None:
        facts = _facts_from_store(image, store)
        if facts is not None:
            return facts
    return _facts_from_labels(reader.image_tree(image))


def _facts_from_labels(tree: ContentNode) -> ImageFacts:
    """The size containerd's ``Image.Size`` computes, from blob sizes and gc.ref labels.

    An index's children carry no platform in ``meta.db``; the manifest whose
    config was unpacked (its config keeps a snapshot) is the default platform's.
    """
    node = tree
    if tree.blob is None:
        return ImageFacts(None, None, "target blob not in meta.db")
    total = tree.blob.size or 0
    if tree.role == "index":
        manifests = [c for c in tree.children if c.role == "manifest"]
        unpacked = [m for m in manifests if any(c.snapshots for c in m.children)]
        if len(manifests) == 1:
            node = manifests[0]
        elif len(unpacked) == 1:
            node = unpacked[0]
        else:
            return ImageFacts(None, None, "index: the default platform's manifest is unknown")
        if node.blob is None:
            return ImageFacts(None, None, "manifest blob missing")
        total += node.blob.size or 0
    for child in node.children:
        if child.blob is None:
            return ImageFacts(None, None, f"{child.role} blob missing")
        total += child.blob.size or 0
    return ImageFacts(total, None, "labels")


def _facts_from_store(image: Image, store: ContentStore) -> ImageFacts | None:
    """``Image.Size`` and ``images.Platforms`` from the blobs themselves."""
    root = {"mediaType": image.target.media_type, "digest": image.target.digest,
            "size": image.target.size or 0}  # fmt: skip
    try:
        found: list[str] = []
        _platforms(store, root, found)
        size = _size(store, root, default_platform())
    except (LookupError, ValueError, TypeError):
        return None
    return ImageFacts(size, sorted(set(found)), "content-store")


def _read_json(store: ContentStore, digest: str) -> Any:
    data = store.blob(digest)
    if data is None:
        raise LookupError(digest)
    return json.loads(data)


def _children(store: ContentStore, desc: Mapping[str, Any]) -> list[dict[str, Any]]:
    role = content_role(str(desc.get("mediaType", "")))
    if role not in ("index", "manifest"):
        return []
    doc = _read_json(store, str(desc["digest"]))
    if role == "index":
        return list(doc.get("manifests") or [])
    return [doc["config"], *(doc.get("layers") or [])]


def _platforms(store: ContentStore, desc: Mapping[str, Any], found: list[str]) -> None:
    p = desc.get("platform")
    if isinstance(p, dict):
        found.append(format_platform(p.get("os", ""), p.get("architecture", ""), p.get("variant", "")))
        return
    if content_role(str(desc.get("mediaType", ""))) == "config":
        config = _read_json(store, str(desc["digest"]))
        arch, variant = normalize_arch(config.get("architecture", ""), "")
        found.append(format_platform(config.get("os", ""), arch, variant))
        return
    for child in _children(store, desc):
        _platforms(store, child, found)


def _size(store: ContentStore, desc: Mapping[str, Any], want: tuple[str, str, str]) -> int:
    total = int(desc.get("size", 0))
    children = _children(store, desc)
    if content_role(str(desc.get("mediaType", ""))) == "index":
        children = [c for c in children if _matches(c.get("platform"), want)][:1]
    for child in children:
        total += _size(store, child, want)
    return total


def _matches(p: object, want: tuple[str, str, str]) -> bool:
    if not isinstance(p, dict):
        return True
    arch, variant = normalize_arch(str(p.get("architecture", "")), str(p.get("variant", "")))
    return (str(p.get("os", "")), arch) == want[:2] and (not want[2] or variant == want[2])


# -- the listings --------------------------------------------------------------------------------


@dataclass
class Listing:
    """A ctr-style table: tab-separated lines and the tabwriter style to lay them out."""

    style: TabStyle
    header: list[str]
    rows: list[list[str]]
    trailing_tab: bool = True
    """ctr ends most lines with a tab (the last column padded too); not content ls."""

    def render(
        self, namespace_column: list[str] | None = None, namespace_header: str = "NAMESPACE"
    ) -> str:
        lines = []
        header = ([namespace_header] if namespace_column is not None else []) + self.header
        lines.append(self._line(header))
        for i, row in enumerate(self.rows):
            cells = ([namespace_column[i]] if namespace_column is not None else []) + row
            lines.append(self._line([escape(cell) for cell in cells]))
        return tabwrite("\n".join(lines) + "\n", self.style)

    def _line(self, cells: list[str]) -> str:
        return "\t".join(cells) + ("\t" if self.trailing_tab else "")


def namespace_rows(namespaces: Iterable[Namespace]) -> Listing:
    rows = [[ns.name, sorted_pairs(ns.labels, empty="")] for ns in namespaces]
    return Listing(NARROW, ["NAME", "LABELS"], rows)


def container_rows(containers: Iterable[Container]) -> Listing:
    rows = [[c.id, c.image or "-", c.runtime_name] for c in containers]
    return Listing(WIDE, ["CONTAINER", "IMAGE", "RUNTIME"], rows)


def image_rows(
    reader: MetadataReader, images: Iterable[Image], store: ContentStore | None
) -> Listing:
    rows = []
    for image in images:
        facts = image_facts(reader, image, store)
        size = go_bytes(facts.size) if facts.size is not None else "-"
        platforms = ",".join(facts.platforms) if facts.platforms else "-"
        rows.append([image.name, image.target.media_type, image.target.digest, size, platforms,
                     sorted_pairs(image.labels)])  # fmt: skip
    return Listing(NARROW, ["REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"], rows)


def snapshot_rows(snapshots: Iterable[Snapshot], with_snapshotter: bool) -> Listing:
    rows = []
    for s in snapshots:
        row = [s.key, s.parent, s.kind_shown]
        rows.append([s.snapshotter, *row] if with_snapshotter else row)
    header = ["KEY", "PARENT", "KIND"]
    return Listing(NARROW, (["SNAPSHOTTER"] if with_snapshotter else []) + header, rows)


def snapshot_kind_words(s: Snapshot) -> str:
    """A snapshot's kind as ``ls`` spells it, then where it comes from: the one wording of
    ``inspect`` and the browser (``Active? (inferred from meta.db: ...)``)."""
    if s.backend is not None:
        return f"{s.kind_shown} (from the snapshotter's database)"
    where = "only the snapshotter's metadata.db knows for sure (--snapshotter-db)"
    if s.backend_missing:
        where = "the snapshotter's database has no snapshot of this name"
    if s.snapshot_kind is None:
        return f"- (unknown: {where})"
    evidence = s.kind_evidence or "it is another snapshot's parent"
    return f"{s.kind_shown} (inferred from meta.db: {evidence}; {where})"


def content_rows(reader: MetadataReader, namespace: str, now: datetime) -> Listing:
    rows = []
    for blob in reader.blobs(namespace):
        labels = ",".join(f"{k}={v}" for k, v in (blob.labels or {}).items()) or "-"
        size = go_human_size(blob.size) if blob.size is not None else "-"
        rows.append([blob.digest, size, since(blob.created_at, now), labels])
    return Listing(TABS, ["DIGEST", "SIZE", "AGE", "LABELS"], rows, trailing_tab=False)


def ingest_rows(ingests: Iterable[Ingest], store: ContentStore | None, now: datetime) -> Listing:
    """ctr's REF SIZE AGE (from the content store's files, when given), then meta.db's facts."""
    rows = []
    for ingest in ingests:
        size, age, progress = "-", "-", "-"
        status = store.ingest_status(ingest.backend_ref) if store is not None else None
        if status is not None:
            written, started_text, total = status
            size = go_human_size(written)
            started = parse_rfc3339(started_text) if started_text else None
            if started is not None:
                age = go_human_duration(now.timestamp() - started)
            progress = f"{written} of {total} bytes" if total else f"{written} bytes"
        expires = ingest.expire_at.rfc3339() if ingest.expire_at else "-"
        rows.append([ingest.ref_name, size, age, ingest.expected or "-", expires, progress])
    return Listing(TABS, ["REF", "SIZE", "AGE", "EXPECTED", "EXPIRES", "ARRIVED"], rows)


def lease_rows(leases: Iterable[Lease]) -> Listing:
    rows = [[lease.id, local_rfc3339(lease.created_at), sorted_pairs(lease.labels)] for lease in leases]
    return Listing(NARROW, ["ID", "CREATED AT", "LABELS"], rows)


def sandbox_rows(sandboxes: Iterable[Sandbox]) -> Listing:
    rows = [[s.id, go_time_string(s.created_at), s.runtime_name] for s in sandboxes]
    return Listing(NARROW, ["ID", "CREATED", "RUNTIME"], rows)


def pod_rows(pods: Iterable[Pod]) -> Listing:
    rows = []
    for pod in pods:
        containers = ",".join(c.name or c.id[:12] for c in pod.containers) or "-"
        rows.append([pod.sandbox_id or "-", pod.name or "-", pod.pod_namespace or "-", pod.uid or "-",
                     str(pod.attempt) if pod.attempt is not None else "-", containers])  # fmt: skip
    return Listing(NARROW, ["POD ID", "NAME", "NAMESPACE", "UID", "ATTEMPT", "CONTAINERS"], rows)


def iter_cri_namespaces(reader: MetadataReader, names: Iterable[str]) -> Iterator[str]:
    """Namespaces worth grouping into pods: k8s.io first, then any with CRI containers."""
    for name in names:
        if name == S.CRI_NAMESPACE or any(
            S.LABEL_CRI_KIND in (c.labels or {}) for c in reader.containers(name)
        ):
            yield name
