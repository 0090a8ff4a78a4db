"""Where the browser has been: places, and back and forward through them like a browser.

A :class:`Place` is what a cursor is on, said so that it can be found again
after the tree has been read anew: a containerd object by its reference, a
group by namespace and kind, a raw bucket or key by its path.  Following a
link (``o``, a relation, a jump, a search result) leaves the place behind in
the :class:`History`; back and forward walk it, and remember where the cursor
was when the user left, so forward returns to it.

Nothing here knows Textual: the app shows places, this module keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from boltview.containerd.model import NAMESPACE, ObjectRef
from boltview.containerd.refs import KIND_TITLES, short_digest
from boltview.render.text import escape, show_bytes

#: Places kept each way; the oldest are forgotten first.
HISTORY_LIMIT = 200

#: A crumb longer than this is cut in its middle (a path of digests stays readable).
CRUMB_WIDTH = 40


@dataclass(frozen=True, slots=True)
class Place:
    """A cursor position in one of the two views.

    In the containerd view: an object (``ref``), a group of objects
    (``group``: namespace, kind and snapshotter, "" for none), or the root
    (neither).  In the raw view: a bucket (``path``, ``key`` None) or a key
    of it.
    """

    view: str
    ref: ObjectRef | None = None
    group: tuple[str, str, str] | None = None
    path: tuple[bytes, ...] = ()
    key: bytes | None = None

    @classmethod
    def object(cls, ref: ObjectRef) -> Place:
        return cls("containerd", ref=ref)

    @classmethod
    def in_group(cls, namespace: str, kind: str, snapshotter: str | None = None) -> Place:
        return cls("containerd", group=(namespace, kind, snapshotter or ""))

    @classmethod
    def containerd_root(cls) -> Place:
        return cls("containerd")

    @classmethod
    def raw(cls, path: tuple[bytes, ...], key: bytes | None = None) -> Place:
        return cls("raw", path=tuple(path), key=key)

    def crumbs(self) -> list[str]:
        """The way down to the place, one escaped name a step, from the view's root."""
        if self.view == "raw":
            parts = [*self.path, self.key] if self.key is not None else list(self.path)
            return ["raw", *(cut(escape(show_bytes(part))) for part in parts)]
        if self.ref is not None:
            ref = self.ref
            if ref.kind == NAMESPACE:
                return ["containerd", escape(ref.namespace)]
            steps = [escape(ref.namespace), KIND_TITLES.get(ref.kind, ref.kind)]
            if ref.snapshotter:
                steps.append(escape(ref.snapshotter))
            return ["containerd", *steps, cut(escape(short_digest(ref.id)))]
        if self.group is not None:
            namespace, kind, snapshotter = self.group
            steps = [escape(namespace), KIND_TITLES.get(kind, kind)]
            return ["containerd", *steps] + ([escape(snapshotter)] if snapshotter else [])
        return ["containerd"]


def cut(text: str, width: int = CRUMB_WIDTH) -> str:
    """``text`` with its middle left out when it is longer than ``width``."""
    if len(text) <= width:
        return text
    half = (width - 1) // 2
    return text[:half] + "…" + text[len(text) - (width - 1 - half) :]


class History:
    """Places left behind (back) and places come back from (forward)."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit
        self.behind: list[Place] = []
        self.ahead: list[Place] = []

    def follow(self, here: Place | None) -> None:
        """A link is being followed from ``here``: it becomes the place back goes to."""
        if here is None:
            return
        if not self.behind or self.behind[-1] != here:
            self.behind.append(here)
            del self.behind[: -self.limit]
        self.ahead.clear()

    def back(self, here: Place | None) -> Place | None:
        """The place to go back to from ``here`` (kept for forward), or None at the start."""
        return self._step(self.behind, self.ahead, here)

    def forward(self, here: Place | None) -> Place | None:
        """The place to go forward to from ``here`` (kept for back), or None at the end."""
        return self._step(self.ahead, self.behind, here)

    def _step(self, source: list[Place], other: list[Place], here: Place | None) -> Place | None:
        # A jump that went nowhere left ``here`` behind: skip it, it is no step.
        while source and source[-1] == here:
            source.pop()
        if not source:
            return None
        target = source.pop()
        if here is not None:
            other.append(here)
            del other[: -self.limit]
        return target
