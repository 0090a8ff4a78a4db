"""What containerd's garbage collector would keep, and why.

containerd's mark phase starts from its roots (containers, images, sandboxes,
unexpired leases and ingests, objects labelled ``containerd.io/gc.root``) and
follows every reference (:mod:`boltview.containerd.relations`); whatever it
does not reach, it removes.  A flat lease keeps its resources but not what
they reference.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from boltview.containerd.model import ObjectRef
from boltview.containerd.relations import Index, Reference
from boltview.values.gotime import OUT_OF_RANGE, GoTime


@dataclass(frozen=True, slots=True)
class GcVerdict:
    """Why the garbage collector keeps an object, or that it would not."""

    ref: ObjectRef
    root: str | None
    """Why the object is a root itself, or None."""
    chain: tuple[Reference, ...] | None
    """References from a root down to the object; None when nothing keeps it."""

    @property
    def kept(self) -> bool:
        return self.root is not None or self.chain is not None


def gc_roots(index: Index, now: datetime | None = None) -> dict[ObjectRef, str]:
    """The namespace's roots at ``now``, with the reason (and when it expires)."""
    moment = (now or datetime.now(UTC)).timestamp()
    return {
        ref: _expiry_note(reason, expires)
        for ref, (reason, expires) in index.roots.items()
        if expires is None or expires >= moment
    }


def why_kept(index: Index, ref: ObjectRef, now: datetime | None = None) -> GcVerdict:
    """The shortest chain from a root to ``ref``, breadth first, as the mark phase goes."""
    roots = gc_roots(index, now)
    if ref in roots:
        return GcVerdict(ref, roots[ref], ())
    parents: dict[tuple[ObjectRef, bool], tuple[tuple[ObjectRef, bool], Reference] | None] = {}
    queue: deque[tuple[ObjectRef, bool]] = deque()
    for root in sorted(roots):
        parents[(root, False)] = None
        queue.append((root, False))
    while queue:
        node, flat = queue.popleft()
        for reference in index.forward.get(node, ()):
            child_flat = flat or (reference.via == "lease" and node in index.flat_leases)
            if flat and not _flat_follows(reference):
                continue
            state = (reference.target, child_flat)
            if state in parents:
                continue
            parents[state] = ((node, flat), reference)
            if reference.target == ref:
                return GcVerdict(ref, None, tuple(_unwind(parents, state)))
            queue.append(state)
    return GcVerdict(ref, None, None)


def _expiry_note(reason: str, expires: float | None) -> str:
    if expires is None:
        return reason
    try:
        text = datetime.fromtimestamp(expires, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        text = f"{GoTime(int(expires), 0, -1).rfc3339()} ({OUT_OF_RANGE})"
    return f"{reason}, expires {text}"


def _flat_follows(reference: Reference) -> bool:
    """From a flat-leased object, gc follows only parents and an image's target."""
    return reference.via in ("parent", "target")


def _unwind(
    parents: Mapping[tuple[ObjectRef, bool], tuple[tuple[ObjectRef, bool], Reference] | None],
    state: tuple[ObjectRef, bool],
) -> list[Reference]:
    chain: list[Reference] = []
    step = parents[state]
    while step is not None:
        previous, reference = step
        chain.append(reference)
        step = parents[previous]
    chain.reverse()
    return chain
