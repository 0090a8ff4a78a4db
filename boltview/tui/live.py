"""A file that a writer changes while the browser shows it (``r`` reloads).

Writers that lock only while they write (podman, docker's libkv, rclone,
skopeo's cache) leave no lock to see when the browser opens their file, so a
file too big to copy is read straight from disk.  Once such a writer commits
twice, the pages of the transaction we read are reused: a read then fails in
ways that look like damage ("bucket ctr does not exist") although the file is
sound.  So:

- every read error on a direct read first asks whether the newest txid moved
  (:mod:`~boltview.tui.live_reads`, two ``pread`` of the meta pages), and if it did, says
  "the file changed under the read (txid A -> B): r to reload" instead;
- the app looks every :data:`LOOK_EVERY` seconds too, and the header then says
  "file changed: txid A -> B, r to reload" (for a snapshot as well: the copy is
  whole but older than the file);
- ``r`` reopens the file the same way (a new snapshot when it was one), reads
  the trees again and puts the cursor back where it was, when that still exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import Input, TextArea

from boltview.bolt.file import BoltFile, FileChange
from boltview.containerd.model import ObjectRef
from boltview.errors import BoltviewError
from boltview.render.text import escape
from boltview.tui.base import AppBase
from boltview.tui.live_reads import FileChanged
from boltview.tui.widgets.header import DbHeader

#: Seconds between two looks at the file's meta pages.
LOOK_EVERY = 2.0


# -- where the cursor is, kept across a reload --------------------------------------------


@dataclass(frozen=True)
class Place:
    """What the cursor is on, by name, so that it can be found again in another tree."""

    view: str
    raw: tuple[tuple[bytes, ...], bytes | None] | None = None
    obj: ObjectRef | None = None


def capture_place(app: AppBase) -> Place:
    raw = None
    selected = app.raw_tree.selected_path()
    if selected is not None:
        path, key, _ = selected
        if key is None and path:
            raw = (path[:-1], path[-1])
        elif key is not None:
            raw = (path, key)
    obj = None
    tree = app.containerd_tree
    if tree is not None:
        chosen = tree.selected_object()
        obj = getattr(chosen, "ref", None)
    return Place(app.view, raw, obj if isinstance(obj, ObjectRef) else None)


def restore_place(app: AppBase, place: Place) -> None:
    """Put the cursor of the tree that was shown back on what it was on (when it exists)."""
    if place.view != app.view:
        app.set_view(place.view)
    tree = app.containerd_tree
    if place.view == "raw" and place.raw is not None:
        app.raw_tree.reveal(*place.raw)
    elif place.view == "containerd" and place.obj is not None and tree is not None:
        tree.reveal(place.obj)


# -- the app's part -----------------------------------------------------------------------


class LiveActions(AppBase):
    """Look at the file now and then, say when it moved on, and reload it (``r``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority binding, so that it wins over the containerd tree's r (relations)
        # while the file has changed; otherwise r is left to the tree (check_action).
        Binding("r", "reload", "Reload", priority=True),
    ]

    file_change: FileChange | None = None

    def watch_file(self) -> None:
        """Start looking at the file every LOOK_EVERY seconds (from ``on_mount``)."""
        self.set_interval(LOOK_EVERY, self.look_at_file, name="look at the file")

    def look_at_file(self) -> None:
        """One cheap look at the file (two preads, one stat): has it moved on?"""
        try:
            change = self.base_db.file_change()
        except OSError:
            return
        self.note_change(change)

    @on(FileChanged)
    def _file_changed(self, message: FileChanged) -> None:
        message.stop()
        self.note_change(message.change)

    def note_change(self, change: FileChange | None) -> None:
        if change == self.file_change:
            return
        self.file_change = change
        self.refresh_header()
        self.refresh_bindings()
        if change is not None:
            what = "replaced on disk" if change.replaced else f"changed: {change}"
            self.notify(f"the file {what}; r reloads it", severity="warning")

    def refresh_header(self) -> None:
        self.query_one(DbHeader).show(
            self.db, self.kind, self.view, self.previous, self.file_change
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reload":
            # Never while typing: an r in the filter or search box is an r.
            return self.file_change is not None and not isinstance(self.focused, Input | TextArea)
        return super().check_action(action, parameters)

    def action_reload(self) -> None:
        self.notify(f"reloading {escape(self.base_db.path)}…", markup=False)
        self._reopen(capture_place(self))

    @work(thread=True, exclusive=True, group="reload")
    def _reopen(self, place: Place) -> None:
        try:
            db = self.base_db.reopen()
        except Exception as error:  # noqa: BLE001 - the file may be gone, or too big now
            why = (
                str(error)
                if isinstance(error, BoltviewError)
                else f"{type(error).__name__}: {error}"
            )
            message = f"cannot reload: {escape(why)}"
            self.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        self.call_from_thread(self._show_reopened, db, place)

    def _show_reopened(self, db: BoltFile, place: Place) -> None:
        """Show ``db`` instead of the file read so far (which is left to the collector:
        a worker may still be reading it)."""
        before = self.base_db.txid
        with self.db_lock:
            self.base_db = self.db = db
            self.previous = False
            self.file_change = None
            if self.model is not None:
                self.model.set_db(db)
        self.raw_tree.set_db(db)
        if self.model is not None:
            tree = self.containerd_tree
            if tree is not None:
                tree.rebuild()
        self.refresh_header()
        self.refresh_bindings()
        restore_place(self, place)
        how = f"a snapshot of txid {db.newest_txid}" if db.is_snapshot else "the live file"
        self.notify(f"reloaded: txid {before} -> {db.txid}, reading {how}")
