"""The containerd view: namespaces, and in each its containers, images,
snapshots (per snapshotter, as parent/child chains), content, ingests, leases,
sandboxes and, in k8s.io, pods.

Like the raw tree, nothing is read before it is shown: a namespace counts its
objects when it is opened, a group reads one window of objects (with "more"
nodes at its edges), a snapshot reads its children when it is opened.  The
detail pane shows an object's decoded fields at once and its relations when a
worker has found them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from boltview.containerd import schema as S
from boltview.containerd.model import POD, SNAPSHOT, Container, Namespace, Snapshot
from boltview.containerd.reader import AnyObject, ObjectWindow
from boltview.containerd.refs import KIND_BUCKETS, group_path, kind_bucket, name_bytes
from boltview.containerd.relations import Relation
from boltview.errors import BoltviewError
from boltview.render.text import escape
from boltview.tui.live_reads import read_error, read_result
from boltview.tui.messages import ShowError, ShowObject, TreeFilled
from boltview.tui.model import COUNT_LIMIT, ContainerdModel
from boltview.tui.widgets.browsing import attached, batched
from boltview.tui.widgets.containerd_filter import FilteringTree
from boltview.tui.widgets.containerd_items import (
    ContainerdItem,
    GroupItem,
    MoreObjects,
    Note,
    NsItem,
    ObjItem,
    RootItem,
    obj_key,
)
from boltview.tui.widgets.detail import DetailPane
from boltview.tui.widgets.files_items import DirItem, DriftItem
from boltview.tui.widgets.files_tree import FilesTree, file_nodes
from boltview.tui.widgets.objects import object_body, object_header, summary


def group_label(item: GroupItem) -> Text:
    text = Text(item.snapshotter if item.snapshotter else item.title, style="bold cyan")
    if item.count is not None:
        shown = f"{COUNT_LIMIT}+" if item.count > COUNT_LIMIT else str(item.count)
        text.append(f" ({shown})", style="dim")
    if item.snapshotter:
        text.append(" snapshotter", style="dim")
    return text


def marked_summary(obj: AnyObject, now: datetime) -> Text:
    """An object's label; when part of its bucket could not be read, which page, in the tree."""
    label = summary(obj, now)
    pages = sorted({issue.problem.pgid for issue in getattr(obj, "issues", ())
                    if issue.problem is not None and issue.problem.pgid is not None})  # fmt: skip
    if pages:
        label.append(f" page {', '.join(map(str, pages))} unreadable", style="bold red")
    return label


class ContainerdTree(FilesTree, FilteringTree):
    """containerd's objects by namespace and kind; containers' and snapshots' files (files_tree)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "relations", "Relations", show=False),
    ]

    def __init__(
        self, model: ContainerdModel, clock: Callable[[], datetime], *, id: str | None = None
    ) -> None:
        super().__init__(Text("containerd", style="bold"), RootItem(), id=id)
        self.model = model
        self.clock = clock
        self.guide_depth = 2
        self.auto_expand = False
        self.generation = 0
        self.filters = {}
        self.namespaces_loaded = False
        self.root_plain = self._root_label()
        self.shown_obj: Any = None

    def on_mount(self) -> None:
        self.rebuild()

    # -- building ---------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Read the namespaces again (after switching transaction), without filters."""
        self.generation += 1
        self.filter_text = None
        self.namespaces_loaded = False
        self.reset(self._root_label(), RootItem())
        self.root.expand()
        self._load_namespaces(self.generation)

    def _root_label(self) -> Text:
        return Text("containerd metadata", style="bold")

    @work(thread=True, group="containerd-load")
    def _load_namespaces(self, generation: int) -> None:
        try:
            version = self.model.schema_version()
            namespaces = self.model.namespaces()
            error = None
        except Exception as exc:  # noqa: BLE001 - a hostile file must not end the app
            version, namespaces, error = None, [], read_error(self, self.model.db, exc)
        self.app.call_from_thread(self._show_namespaces, version, namespaces, error, generation)

    @batched
    def _show_namespaces(
        self, version: int | None, namespaces: list[Namespace], error: str | None, generation: int
    ) -> None:
        if generation != self.generation:
            return
        root = self.root
        label = self._root_label()
        label.append(f"  schema v{version}" if version is not None else "  schema ?", style="dim")
        self.root_plain = label.copy()  # without a filter
        root.set_label(label)
        if error is not None:
            root.add_leaf(Text("⚠ " + escape(error), style="bold red"), Note(error, True))
        if not namespaces and error is None:
            root.add_leaf(Text("(no namespaces)", style="italic dim"), Note("empty"))
        first: TreeNode[ContainerdItem] | None = None
        for namespace in namespaces:
            node = root.add(marked_summary(namespace, self.clock()), NsItem(namespace))
            if first is None and namespace.objects:
                first = node
        self.namespaces_loaded = True
        if self.restorer is not None:
            self.restore_progress(root)  # the place kept across a reload
            return
        target = first or (root.children[0] if root.children else None)
        if target is not None:
            if first is not None:
                first.expand()
            # Not _land: this tree may be the hidden one, and must not take the focus.
            self._tree_lines  # noqa: B018
            self.move_cursor(target)
        self.post_message(TreeFilled(root))

    # -- keys --------------------------------------------------------------------------

    def load_more_node(self, node: TreeNode[Any]) -> bool:
        if isinstance(node.data, MoreObjects):
            self._load_more(node)
            return True
        return False

    def action_relations(self) -> None:
        relations = self.app.query_one("#relations")
        if relations.display and not relations.has_class("-empty"):
            relations.focus()

    # -- events --------------------------------------------------------------------------

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[ContainerdItem]) -> None:
        event.stop()
        node = event.node
        item = node.data
        if self.files_expanded(node):
            return
        if isinstance(item, NsItem | GroupItem | ObjItem) and not item.loaded and not item.loading:
            item.loading = True
            if not node.children:
                node.add_leaf(Text("loading…", style="italic dim"), Note("loading"))
            key = self.place_key(node)  # restoring a place: the window around its object
            self._load(node, "at" if key is not None else "first", key, self.generation)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[ContainerdItem]) -> None:
        event.stop()
        item = event.node.data
        if self.files_highlighted(event.node):
            return
        if isinstance(item, MoreObjects):
            self._load_more(event.node)
        elif isinstance(item, ObjItem):
            self.post_message(ShowObject(item.obj))
        elif isinstance(item, NsItem):
            self.post_message(ShowObject(item.namespace))
        elif isinstance(item, GroupItem):
            self.post_message(ShowObject(item))
        elif isinstance(item, Note) and item.error:
            self.post_message(ShowError((), item.message))
        elif isinstance(item, RootItem):
            self.post_message(ShowObject(item))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[ContainerdItem]) -> None:
        event.stop()
        node = event.node
        if self.files_selected(node):
            return
        if isinstance(node.data, MoreObjects):
            self._load_more(node)
        elif node.allow_expand:
            node.toggle()
        elif isinstance(node.data, ObjItem):
            self.action_relations()

    # -- loading -------------------------------------------------------------------------

    def _load_more(self, node: TreeNode[ContainerdItem]) -> None:
        item = node.data
        if not isinstance(item, MoreObjects) or item.loading or node.parent is None:
            return
        item.loading = True
        node.set_label(Text("  loading…", style="italic dim"))
        self._load(node.parent, "after" if item.forward else "before", item.key, self.generation)

    @work(thread=True, group="containerd-load")
    def _load(
        self, node: TreeNode[ContainerdItem], mode: str, key: bytes | None, generation: int
    ) -> None:
        item = node.data
        result: Any
        try:
            if isinstance(item, NsItem):
                result = self._read_groups(item.namespace)
            elif isinstance(item, GroupItem):
                result = self._read_group(item, mode, key)
            elif isinstance(item, ObjItem) and isinstance(item.obj, Snapshot):
                result = [*file_nodes(item.obj), *self.model.snapshot_children(item.obj)]
            elif isinstance(item, ObjItem) and isinstance(item.obj, Container):
                result = file_nodes(item.obj)
            else:
                result = []
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            result = error
        result = read_result(self, self.model.db, result)  # a newer transaction is no damage
        self.app.call_from_thread(self._loaded, node, mode, result, generation)

    @batched
    def _loaded(
        self, node: TreeNode[ContainerdItem], mode: str, result: Any, generation: int
    ) -> None:
        self._apply(node, mode, result, generation)
        if generation == self.generation:
            self.restore_progress(node)

    def _read_groups(self, namespace: Namespace) -> list[GroupItem]:
        groups = []
        for title, kind, _ in KIND_BUCKETS:
            if kind == POD:
                if namespace.name == S.CRI_NAMESPACE:
                    groups.append(GroupItem(namespace.name, kind, title, None))
                continue
            count = self.model.count(namespace.name, kind)
            if count is not None:
                groups.append(GroupItem(namespace.name, kind, title, count))
        return groups

    def _read_group(self, item: GroupItem, mode: str, key: bytes | None) -> Any:
        if item.kind == SNAPSHOT:
            if item.snapshotter is None:
                return [
                    GroupItem(item.namespace, SNAPSHOT, "snapshots", None, name)
                    for name in self.model.snapshotters(item.namespace)
                ]
            roots, _ = self.model.snapshot_roots(item.namespace, item.snapshotter)
            return roots
        if item.kind == POD:
            return self.model.pods(item.namespace)
        return self.model.window(item.namespace, item.kind, mode, key)

    def _apply(
        self, node: TreeNode[ContainerdItem], mode: str, result: Any, generation: int
    ) -> None:
        if generation != self.generation or not attached(node):
            return
        item = node.data
        if isinstance(item, NsItem | GroupItem | ObjItem):
            item.loading = False
            item.loaded = True
        cursor = self.cursor_node
        for child in list(node.children):
            if isinstance(child.data, Note) and not child.data.error:
                child.remove()
        if isinstance(result, Exception):
            message = (
                str(result)
                if isinstance(result, BoltviewError)
                else f"{type(result).__name__}: {result}"
            )
            node.add_leaf(Text("⚠ " + escape(message), style="bold red"), Note(message, True))
            return
        now = self.clock()
        if isinstance(result, ObjectWindow):
            self._apply_window(node, mode, result, now)
        else:
            for entry in result:
                if isinstance(entry, GroupItem):
                    node.add(group_label(entry), entry)
                elif isinstance(entry, DirItem | DriftItem):
                    self.add_file_node(node, entry)
                else:
                    self._add_object(node, entry, now)
            if not result:
                node.add_leaf(Text("(none)", style="italic dim"), Note("none"))
        if cursor is not None and cursor.tree is self:
            self._tree_lines  # noqa: B018 - rebuild the lines so cursor.line is current
            if cursor.line >= 0:
                self.move_cursor(cursor)
        self.post_message(TreeFilled(node))

    def _add_object(
        self,
        node: TreeNode[ContainerdItem],
        obj: AnyObject,
        now: datetime,
        before: int | None = None,
    ) -> TreeNode[ContainerdItem] | None:
        expandable = isinstance(obj, Snapshot | Container)  # their files, a snapshot's children
        return node.add(marked_summary(obj, now), ObjItem(obj), allow_expand=expandable,
                        before=before)  # fmt: skip

    def _apply_window(
        self, node: TreeNode[ContainerdItem], mode: str, window: ObjectWindow, now: datetime
    ) -> None:
        group = node.data
        assert isinstance(group, GroupItem)
        for message in window.errors:
            node.add_leaf(Text("⚠ " + escape(message), style="bold red"), Note(message, True))
        if mode in ("first", "at"):
            for child in list(node.children):
                if not isinstance(child.data, Note):
                    child.remove()
            for obj in window.objects:
                self._add_object(node, obj, now)
            if window.more_before and window.objects:
                first = name_bytes(obj_key(window.objects[0]))
                self._add_more(node, group, first, forward=False, before=0)
            if window.more_after and window.objects:
                last = name_bytes(obj_key(window.objects[-1]))
                self._add_more(node, group, last, forward=True)
            if not window.objects:
                node.add_leaf(Text("(none)", style="italic dim"), Note("none"))
            return
        forward = mode == "after"
        was_cursor = self.cursor_node is self.more_node(node, MoreObjects, forward)
        index = self.take_more_node(node, MoreObjects, forward)
        if index is None:
            return
        first_new: TreeNode[ContainerdItem] | None = None
        last_new: TreeNode[ContainerdItem] | None = None
        for offset, obj in enumerate(window.objects):
            added = self._add_object(node, obj, now, before=index + offset if not forward else None)
            first_new = first_new or added
            last_new = added or last_new
        if forward and window.more_after and window.objects:
            self._add_more(node, group, name_bytes(obj_key(window.objects[-1])), forward=True)
        if not forward and window.more_before and window.objects:
            self._add_more(
                node, group, name_bytes(obj_key(window.objects[0])), forward=False, before=0
            )
        target = first_new if forward else last_new
        if was_cursor and target is not None:
            self._tree_lines  # noqa: B018
            self.move_cursor(target)

    def _add_more(
        self,
        node: TreeNode[ContainerdItem],
        group: GroupItem,
        key: bytes,
        forward: bool,
        before: int | None = None,
    ) -> None:
        more = MoreObjects(group.namespace, group.kind, key, forward)
        text = Text("▼ more " if forward else "▲ earlier ", style="italic yellow")
        text.append(group.title, style="italic yellow")
        text.append(" (enter)", style="dim")
        node.add_leaf(text, more, before=before)

    def group_text(self, item: GroupItem) -> Text:
        return group_label(item)

    def namespace_text(self, namespace: Namespace) -> Text:
        return marked_summary(namespace, self.clock())

    def root_text(self) -> Text:
        return self.root_plain.copy()

    # -- detail --------------------------------------------------------------------------

    def show_detail(self, pane: DetailPane, item: Any) -> None:
        now = self.clock()
        if self.show_files_detail(pane, item):
            return
        if isinstance(item, GroupItem | RootItem):
            pane.show_message(*self._group_text(item))
            return
        self.shown_obj = item
        pane.show_object_view(item, object_header(item, now, pane.local_tz), object_body(item))
        self._find_links(pane, item, self.generation)

    def _group_text(self, item: GroupItem | RootItem) -> list[Any]:
        if isinstance(item, RootItem):
            db = self.model.db
            return [
                Text("containerd metadata database", style="bold"),
                Text(f"{escape(db.path)}\ntxid {db.txid}, page size {db.page_size}", style="dim"),
                Text(
                    "\nOpen a namespace to see its objects; v switches to the raw buckets.",
                    style="dim",
                ),
            ]
        what = item.snapshotter or item.title
        count = "" if item.count is None else f" ({item.count})"
        path = [S.V1.decode(), item.namespace] + [b.decode() for b in kind_bucket(item.kind)]
        if item.snapshotter:
            path.append(item.snapshotter)
        text = Text(f"{what}{count}", style="bold cyan")
        text.append(f"  namespace {escape(item.namespace)}", style="dim")
        hint = {
            SNAPSHOT: "Snapshots are shown as chains: a base layer, then the snapshots on top.",
            POD: "Pods are grouped from CRI's sandbox and container records.",
        }.get(item.kind, "")
        return [
            text,
            Text(f"bucket {escape(' / '.join(path))}", style="dim"),
            Text(hint, style="dim"),
        ]

    @work(thread=True, group="containerd-links", exclusive=True)
    def _find_links(self, pane: DetailPane, obj: Any, generation: int) -> None:
        try:
            links = self.model.relations(obj, self.clock())
        except Exception as error:  # noqa: BLE001
            why = read_error(self, self.model.db, error)
            links = [Relation("error", f"relations unreadable: {why}", missing=True)]
        if generation == self.generation:
            self.app.call_from_thread(pane.show_links, obj, links)
        marked = self.model.mark_deleted(links)  # missing ones recover finds: shown after
        if marked is not None and generation == self.generation:
            self.app.call_from_thread(pane.show_links, obj, marked)

    # -- questions the app asks ------------------------------------------------------------

    def selected_object(self) -> AnyObject | None:
        node = self.cursor_node
        if node is None:
            return None
        if isinstance(node.data, ObjItem):
            return node.data.obj
        if isinstance(node.data, NsItem):
            return node.data.namespace
        return None

    def selected_raw_path(self) -> tuple[tuple[bytes, ...], bytes | None] | None:
        """The raw bucket behind the node under the cursor."""
        node = self.cursor_node
        if node is None:
            return None
        item = node.data
        if isinstance(item, ObjItem):
            path = getattr(item.obj, "path", ())
            return (tuple(path), None) if path else None
        if isinstance(item, NsItem):
            return tuple(item.namespace.path), None
        if isinstance(item, GroupItem):
            path = group_path(item.namespace, item.kind, item.snapshotter)
            if path is not None:
                return path, None
        if isinstance(item, RootItem):
            return (S.V1,), None
        return None

    def export_target(self) -> tuple[str, str] | None:
        node = self.cursor_node
        if node is None:
            return None
        item = node.data
        if isinstance(item, ObjItem):
            return (
                f"{item.obj.kind} {escape(obj_key(item.obj))}",
                f"{item.obj.kind}-{obj_key(item.obj)}",
            )
        if isinstance(item, NsItem):
            return f"namespace {escape(item.namespace.name)}", f"namespace-{item.namespace.name}"
        if isinstance(item, GroupItem):
            return (
                f"all {item.title} of namespace {escape(item.namespace)}",
                f"{item.namespace}-{item.title}",
            )
        return None

    def export_writer(self) -> Callable[[BinaryIO], None] | None:
        """What writes the JSON for the node under the cursor (run in a worker)."""
        node = self.cursor_node
        if node is None:
            return None
        item = node.data
        model, now = self.model, self.clock()
        if isinstance(item, ObjItem):
            obj = item.obj
            return lambda out: model.write_object(obj, out, now)
        if isinstance(item, NsItem):
            name = item.namespace.name
            return lambda out: model.write_namespace(name, out, now)
        if isinstance(item, GroupItem):
            group = item
            return lambda out: model.write_group(
                group.namespace, group.kind, group.snapshotter, out
            )
        return None


__all__ = ["ContainerdTree", "GroupItem", "MoreObjects", "Note", "NsItem", "ObjItem", "RootItem"]
