"""``d``: what the last transaction changed, and what was deleted, on the containerd tree.

With the marks on, a live object the last transaction created is marked ``+``,
one it changed ``~`` (with the fields), and each object it deleted is an entry
of its own, ``✗``, in the group it was in, read from the previous transaction
(as ``boltview diff FILE`` reports them).  Each namespace gets a ``recovered``
group with what ``boltview recover FILE`` finds in the pages the file no
longer uses; namespaces that are gone get theirs at the top level.  None of
these entries is live, and the detail pane says where their bytes come from.

Both are computed once, in workers, on private views of the file; the tree
is marked as it fills (each fill posts :class:`~boltview.tui.messages.TreeFilled`).
``d`` again takes every mark away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.widgets import Static
from textual.widgets.tree import TreeNode

from boltview.bolt.file import BoltFile
from boltview.containerd.model import NAMESPACE, SNAPSHOT, ObjectRef
from boltview.forensics.containerd import RecoveredObject
from boltview.render.text import escape
from boltview.tui.base import AppBase
from boltview.tui.marks import (
    Changes,
    Ghost,
    GroupKey,
    Recovered,
    change_note,
    ghost_detail,
    ghost_label,
    marked,
    read_changes,
    read_recovered,
    recovered_detail,
    recovered_group_label,
    recovered_label,
)
from boltview.tui.messages import ShowError, ShowObject, ShowRaw, TreeFilled
from boltview.tui.values import plural
from boltview.tui.widgets.containerd_items import GroupItem, NsItem, ObjItem, RootItem
from boltview.tui.widgets.group_table import GroupTable


@dataclass
class GhostItem:
    """A tree entry for an object the last transaction deleted."""

    ghost: Ghost


@dataclass
class RecoveredGroupItem:
    """A namespace's ``recovered`` group."""

    namespace: str | None
    objects: list[RecoveredObject]


@dataclass
class RecoveredItem:
    """One object ``recover`` found."""

    obj: RecoveredObject


@dataclass
class MarksNote:
    """What a capped list of marks left out."""

    message: str


MARK_ITEMS = (GhostItem, RecoveredGroupItem, RecoveredItem, MarksNote)

#: The most deleted entries per group, and recovered objects per namespace, in the tree.
SHOWN = 200


def attached(node: TreeNode[Any]) -> bool:
    """Whether ``node`` itself is still in its tree: a rebuilt tree numbers its nodes from
    0 again, so another node may hold the id of one that is gone."""
    try:
        return node.tree.get_node_by_id(node.id) is node
    except Exception:  # noqa: BLE001 - UnknownNodeID: removed meanwhile
        return False


class MarkActions(AppBase):
    """Marks of the last transaction's changes and of recovered objects (``d``, bound in
    :class:`~boltview.tui.app.BoltviewApp` so that the footer shows it after ``t``)."""

    marks_on = False
    changes: Changes | None = None
    changes_error: str | None = None
    recovered: Recovered | None = None
    recovered_error: str | None = None
    _marks_db: BoltFile | None = None
    """The file the marks were read from (the app's ``base_db`` changes on a reload)."""

    def on_mount(self) -> None:
        self._relabelled: list[tuple[TreeNode[Any], Text]] = []
        self._relabelled_ids: set[int] = set()
        self._added: list[TreeNode[Any]] = []
        tree = self.containerd_tree
        if tree is not None:
            self.watch(tree, "cursor_line", self._marks_cursor_moved, init=False)
            note = Static("", id="marks-note")
            note.display = False
            self.detail.mount(note, before="#detail-body")

    # -- the key ---------------------------------------------------------------------------

    def action_toggle_marks(self) -> None:
        tree = self.containerd_tree
        if tree is None or self.model is None:
            self.notify(
                "not a containerd metadata database: no objects to mark", severity="warning"
            )
            return
        self.marks_on = not self.marks_on
        self._note_for_shown()
        if not self.marks_on:
            self._unmark_all()
            self.notify("changes and recovered objects: hidden")
            return
        if self._marks_db is not self.base_db:
            self._read_marks()
        else:
            self._mark_everything()
            self.notify(self._marks_summary(), markup=False)

    def _read_marks(self) -> None:
        self._marks_db = self.base_db
        self.notify("reading the last transaction's changes and the unused pages…")
        self._read_changes(self.base_db)
        self._read_recovered(self.base_db)

    def _forget_marks(self) -> None:
        """After a reload: read both again (marks on) or when next asked."""
        self.changes = self.recovered = None
        self.changes_error = self.recovered_error = None
        self._marks_db = None
        if self.marks_on:
            self._read_marks()

    def _marks_summary(self) -> str:
        parts = []
        if self.changes is not None:
            changes = self.changes
            count = plural(len(changes), "object") if changes.events else "no object"
            parts.append(f"txid {changes.new_txid} changed {count} (since txid {changes.old_txid})")
        else:
            parts.append(f"no changes shown: {self.changes_error}")
        if self.recovered is not None:
            found = len(self.recovered)
            parts.append(f"{plural(found, 'object') if found else 'nothing'} recovered")
        elif self.recovered_error is not None:
            parts.append(f"nothing recovered: {self.recovered_error}")
        return escape("; ".join(parts))

    # -- the workers --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="marks-changes")
    def _read_changes(self, db: BoltFile) -> None:
        try:
            changes, error = read_changes(db), None
        except Exception as exc:  # noqa: BLE001 - a hostile file must not end the app
            changes, error = None, str(exc)
        self.call_from_thread(self._got_changes, db, changes, error)

    @work(thread=True, exclusive=True, group="marks-recovered")
    def _read_recovered(self, db: BoltFile) -> None:
        try:
            recovered, error = read_recovered(db), None
        except Exception as exc:  # noqa: BLE001
            recovered, error = None, str(exc)
        self.call_from_thread(self._got_recovered, db, recovered, error)

    def _got_changes(self, db: BoltFile, changes: Changes | None, error: str | None) -> None:
        if db is self._marks_db:  # not of a file reloaded since
            self.changes, self.changes_error = changes, error
            self._answered()

    def _got_recovered(self, db: BoltFile, recovered: Recovered | None, error: str | None) -> None:
        if db is self._marks_db:
            self.recovered, self.recovered_error = recovered, error
            self._answered()

    def _answered(self) -> None:
        done_changes = self.changes is not None or self.changes_error is not None
        done_recovered = self.recovered is not None or self.recovered_error is not None
        if self.marks_on and done_changes and done_recovered:
            self._note_for_shown()
            self._mark_everything()
            self.notify(self._marks_summary(), markup=False)

    # -- marking the tree -------------------------------------------------------------------------

    @on(TreeFilled)
    def _marks_for_filled(self, message: TreeFilled) -> None:
        if isinstance(message.node.data, RootItem):  # the tree was rebuilt: forget the old nodes
            self._relabelled = [(node, label) for node, label in self._relabelled if attached(node)]
            self._relabelled_ids = {id(node) for node, _ in self._relabelled}
            self._added = [node for node in self._added if attached(node)]
            if self._marks_db is not None and self._marks_db is not self.base_db:
                self._forget_marks()  # the file was reloaded: what was found is of the old one
                return
        if self.marks_on:
            self._keeping_cursor(lambda: self._mark(message.node))

    def _mark_everything(self) -> None:
        tree = self.containerd_tree
        if tree is None:
            return

        def walk(node: TreeNode[Any]) -> None:
            self._mark(node)
            for child in list(node.children):
                if child.children and not isinstance(child.data, MARK_ITEMS):
                    walk(child)

        self._keeping_cursor(lambda: walk(tree.root))

    def _keeping_cursor(self, work: Callable[[], None]) -> None:
        """Do ``work`` on the tree, and keep the cursor on its node."""
        tree = self.containerd_tree
        if tree is None:
            return
        cursor = tree.cursor_node
        work()
        if cursor is not None and attached(cursor):
            tree._tree_lines  # noqa: B018 - rebuild the lines so cursor.line is current
            if cursor.line >= 0 and cursor.line != tree.cursor_line:
                tree.move_cursor(cursor)

    def _mark(self, node: TreeNode[Any]) -> None:
        """Mark ``node``'s children, and add its deleted and recovered entries."""
        item = node.data
        if isinstance(item, RootItem):
            for child in node.children:
                if isinstance(child.data, NsItem):
                    name = child.data.namespace.name
                    self._relabel(child, ObjectRef(NAMESPACE, name, name))
            self._add_ghosts(node, lambda group: group[1] == NAMESPACE)
            self._add_lost_namespaces(node)
        elif isinstance(item, NsItem):
            objects = (
                self.recovered.by_namespace.get(item.namespace.name) if self.recovered else None
            )
            if objects:
                self._add_recovered(node, item.namespace.name, objects, live=True)
        elif isinstance(item, GroupItem | ObjItem):
            for child in node.children:
                if isinstance(child.data, ObjItem):
                    self._relabel(child, child.data.obj.ref)
            if isinstance(item, GroupItem) and (item.kind != SNAPSHOT or item.snapshotter):
                here = (item.namespace, item.kind, item.snapshotter or "")
                self._add_ghosts(node, lambda group: group == here)

    def _relabel(self, node: TreeNode[Any], ref: ObjectRef) -> None:
        if self.changes is None:
            return
        event = self.changes.events.get(ref)
        if event is None or id(node) in self._relabelled_ids:
            return
        if event.action == "deleted" and not self.previous:
            return  # a live object of that name again: not what was deleted
        original = Text(node.label) if isinstance(node.label, str) else node.label.copy()
        self._relabelled.append((node, original))
        self._relabelled_ids.add(id(node))
        node.set_label(marked(original, event))

    def _add_ghosts(self, node: TreeNode[Any], wanted: Callable[[GroupKey], bool]) -> None:
        """The objects the last transaction deleted from the groups ``wanted`` picks, first."""
        if self.changes is None or self.previous:
            return  # in the previous transaction's tree they are live
        if any(isinstance(child.data, GhostItem) for child in node.children):
            return
        filter_text = (getattr(self.containerd_tree, "filter_text", None) or "").lower()
        ghosts = [ghost for group, found in self.changes.ghosts.items() if wanted(group)
                  for ghost in found if filter_text in ghost.event.id.lower()]  # fmt: skip
        now = self.clock()
        for index, ghost in enumerate(ghosts[:SHOWN]):
            label = ghost_label(ghost, now)
            self._added.append(node.add_leaf(label, GhostItem(ghost), before=index))
        if len(ghosts) > SHOWN:
            more = f"… {len(ghosts) - SHOWN} more deleted (boltview diff FILE lists them all)"
            note = Text(more, style="italic red")
            self._added.append(node.add_leaf(note, MarksNote(more), before=SHOWN))

    def _add_recovered(
        self, node: TreeNode[Any], namespace: str | None, objects: list[RecoveredObject], live: bool
    ) -> None:
        for child in node.children:
            if isinstance(child.data, RecoveredGroupItem) and child.data.namespace == namespace:
                return
        group = node.add(recovered_group_label(objects, namespace, live),
                         RecoveredGroupItem(namespace, objects))  # fmt: skip
        for obj in objects[:SHOWN]:
            group.add_leaf(recovered_label(obj), RecoveredItem(obj))
        if len(objects) > SHOWN:
            more = f"… {len(objects) - SHOWN} more (boltview recover FILE lists them all)"
            group.add_leaf(Text(more, style="italic red"), MarksNote(more))
        self._added.append(group)

    def _add_lost_namespaces(self, root: TreeNode[Any]) -> None:
        """Recovered objects of namespaces the tree does not hold, at the top level."""
        if self.recovered is None:
            return
        live = {
            child.data.namespace.name for child in root.children if isinstance(child.data, NsItem)
        }
        for namespace, objects in self.recovered.by_namespace.items():
            if namespace not in live:
                self._add_recovered(root, namespace, objects, live=False)

    def _unmark_all(self) -> None:
        tree = self.containerd_tree
        if tree is None:
            return
        cursor = tree.cursor_node
        while cursor is not None and isinstance(cursor.data, MARK_ITEMS):
            cursor = cursor.parent
        for node, label in self._relabelled:
            if attached(node):
                node.set_label(label)
        for node in self._added:
            if attached(node):
                node.remove()
        self._relabelled.clear()
        self._relabelled_ids.clear()
        self._added.clear()
        if cursor is not None and attached(cursor):
            tree._tree_lines  # noqa: B018
            tree.move_cursor(cursor)

    # -- the detail pane --------------------------------------------------------------------------

    @on(ShowObject)
    def _marks_note_for(self, message: ShowObject) -> None:
        self._set_note(message.item if self.view == "containerd" else None)

    @on(ShowRaw)
    @on(ShowError)
    def _marks_note_gone(self, message: ShowRaw | ShowError) -> None:
        if self.view == "raw" or isinstance(message, ShowError):
            self._set_note(None)

    def _note_for_shown(self) -> None:
        shown = self.detail.shown
        self._set_note(shown.obj if shown.kind == "object" and self.view == "containerd" else None)

    def _set_note(self, obj: Any) -> None:
        """Above a live object's fields: what the last transaction did to it, when marks are on."""
        found = self.query("#marks-note")
        if not found:
            return
        note = found.first(Static)
        ref = getattr(obj, "ref", None)
        changes = self.changes if self.marks_on else None
        event = (
            changes.events.get(ref) if changes is not None and isinstance(ref, ObjectRef) else None
        )
        if event is not None and event.action == "deleted" and not self.previous:
            event = None  # a live object of that name again: not what was deleted
        if changes is None or event is None:
            note.display = False
            return
        note.update(change_note(event, changes))
        note.display = True

    def _marks_cursor_moved(self) -> None:
        tree = self.containerd_tree
        node = tree.cursor_node if tree is not None else None
        item = node.data if node is not None else None
        if not isinstance(item, MARK_ITEMS) or self.view != "containerd":
            return
        for table in self.query(GroupTable):
            table.hide()
        self._set_note(None)
        now = self.clock()
        if isinstance(item, GhostItem) and self.changes is not None:
            self.detail.show_message(*ghost_detail(item.ghost, self.changes, now, self.local_tz))
        elif isinstance(item, RecoveredItem):
            self.detail.show_message(*recovered_detail(item.obj, now, self.local_tz))
        elif isinstance(item, RecoveredGroupItem):
            where = f"namespace {item.namespace}" if item.namespace else "an unknown namespace"
            self.detail.show_message(
                Text(f"recovered from {escape(where)}: {len(item.objects)}", style="bold red"),
                Text(
                    "Not live: old copies of buckets found in the pages the file no longer uses "
                    "(free, leaked, past the high-water mark, or only in the previous "
                    "transaction's tree), as `boltview recover FILE` reports them. "
                    "Open one to see its pages and how sure the reading is.",
                    style="dim",
                ),
            )


__all__ = ["GhostItem", "MarkActions", "RecoveredGroupItem", "RecoveredItem"]
