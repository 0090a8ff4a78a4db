"""The other transaction (``t``) and the other view (``v``), keeping one's place.

``t`` reads both trees again from the previous (or active) meta page; each
keeps its open nodes and its cursor where the same bucket, key or object
exists in that transaction, else on the nearest ancestor that does.  ``v``
puts the cursor of the other view on the same thing: an object's bucket in
the raw view, the object (or its group, or namespace) a raw bucket or key
belongs to in the containerd view.  The focus stays on the tree one sees.
"""

from __future__ import annotations

from boltview.containerd import schema as S
from boltview.containerd.model import NAMESPACE, SNAPSHOT
from boltview.containerd.refs import KIND_BUCKETS, name_text
from boltview.errors import BoltviewError
from boltview.render.text import escape
from boltview.tui.base import AppBase
from boltview.tui.widgets.containerd_items import RootItem
from boltview.tui.widgets.treestate import Path, TreeState


class TransactionActions(AppBase):
    """Switch between the two meta pages' trees, and between the two views."""

    def action_toggle_txn(self) -> None:
        if self.previous:
            db = self.base_db
        else:
            other = 1 - self.base_db.meta.index
            try:
                db = self.base_db.with_meta(other)
            except BoltviewError as error:
                self.notify(f"no previous transaction: {escape(str(error))}", severity="error")
                return
        self.previous = not self.previous
        self.db = db
        self.forget_filters()
        raw = self.raw_tree
        raw_place = raw.save_state()
        raw.set_db(db)
        raw.restore_state(raw_place)
        if self.model is not None:
            self.model.set_db(db)
            tree = self.containerd_tree
            if tree is not None:
                place = tree.save_state()
                tree.rebuild()
                tree.restore_state(place)
        self.refresh_header()
        self.current_tree.focus()
        which = f"previous transaction: txid {db.txid} (meta {db.meta.index})"
        self.notify(which if self.previous else f"back to the active transaction: txid {db.txid}")

    def action_switch_view(self) -> None:
        """``v``: the other view, on the same thing."""
        tree = self.containerd_tree
        if self.view == "containerd" and tree is not None:
            node = tree.cursor_node
            target = tree.selected_raw_path()
            self.set_view("raw")
            if node is None or isinstance(node.data, RootItem) or target is None:
                self.raw_tree.restore_state(TreeState(frozenset(), ()), focus=True)
            else:
                self.raw_tree.reveal(*target)
            return
        selected = self.raw_tree.selected_path()
        self.set_view("containerd")
        if self.view != "containerd" or tree is None or self.model is None:
            return
        path = (
            ()
            if selected is None
            else selected[0] + ((selected[1],) if selected[1] is not None else ())
        )
        ref = self.model.object_at(path)
        if ref is not None and self.model.get(ref) is None:
            ref = None  # a bucket named like an object that does not load as one
        place = containerd_place(path)
        if ref is not None and not (ref.kind == NAMESPACE and len(place) > 1):
            tree.reveal(ref)
        else:  # a group's bucket, a namespace's, or none: the nearest node there is
            tree.restore_state(TreeState(frozenset(), place), focus=True)


def containerd_place(path: tuple[bytes, ...]) -> Path:
    """Where a raw bucket that is no object is in the containerd tree: its namespace,
    its group (one snapshotter's), or the root."""
    if len(path) < 2 or path[0] != S.V1:
        return ()
    place: Path = (("ns", name_text(path[1])),)
    rest = path[2:]
    for _, kind, bucket in KIND_BUCKETS:
        if bucket and rest[: len(bucket)] == bucket:
            place += (("group", kind, None),)
            if kind == SNAPSHOT and len(rest) > len(bucket):
                place += (("group", kind, name_text(rest[len(bucket)])),)
            break
    return place
