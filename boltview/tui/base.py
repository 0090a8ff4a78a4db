"""What every part of the browser shares: the file, the model, the view, the widgets.

A containerd metadata database has its model (the containerd view); any other
store boltview decodes (etcd, podman ...) its :class:`~boltview.stores.view.StoreView`
(the store view, ``store_view``); every file has the raw view.

:class:`AppBase` holds the state; the actions live in mixins that subclass it
(:mod:`~boltview.tui.navigation`, :mod:`~boltview.tui.transactions`,
:mod:`~boltview.tui.filtering`, :mod:`~boltview.tui.exporting`), each with its
own bindings, and :class:`~boltview.tui.app.BoltviewApp` joins them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from textual.app import App
from textual.widgets import ContentSwitcher, Tree

from boltview.bolt.file import BoltFile
from boltview.stores.registry import view_of
from boltview.stores.view import StoreView
from boltview.tui.model import ContainerdModel, detect
from boltview.tui.screens.search import SearchResult
from boltview.tui.widgets.containerd_tree import ContainerdTree
from boltview.tui.widgets.detail import DetailPane
from boltview.tui.widgets.header import DbHeader
from boltview.tui.widgets.raw_tree import RawTree
from boltview.tui.widgets.store_tree import StoreTree
from boltview.tui.widgets.treestate import TreeState

if TYPE_CHECKING:
    from boltview.tui.filtering import FilterScope


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AppBase(App[None]):
    """The browser's state and the widgets every action reaches for."""

    def __init__(
        self,
        db: BoltFile,
        *,
        clock: Callable[[], datetime] | None = None,
        local_tz: tzinfo | None = None,
        view: str | None = None,
    ) -> None:
        super().__init__()
        self.base_db = db
        self.db = db
        self.previous = False
        self.clock = clock or _utc_now
        self.local_tz = local_tz
        self.db_lock = threading.RLock()
        self.kind = detect(db)
        self.model: ContainerdModel | None = (
            ContainerdModel(db, self.db_lock) if self.kind == "containerd-metadata" else None
        )
        # Any other store boltview decodes (etcd, podman ...) has its own view.
        self.store_view: StoreView | None = None if self.model is not None else store_view_of(db)
        if self.store_view is not None:
            self.kind = self.store_view.store.kind
        if view is None:
            view = "containerd" if self.model is not None else "raw"
            view = "store" if self.store_view is not None else view
        if (view == "containerd" and self.model is None) or (
            view == "store" and self.store_view is None
        ):
            view = "raw"
        self.view = view
        self.search_result: SearchResult | None = None
        self.last_export: str | None = None
        # The live filter: the node the box filters, and the place to restore for each
        # filtered node (the open nodes and the cursor before its first filter).
        self.filter_scope: FilterScope | None = None
        self.filter_places: dict[FilterScope, TreeState] = {}

    @property
    def raw_tree(self) -> RawTree:
        return self.query_one("#raw", RawTree)

    @property
    def containerd_tree(self) -> ContainerdTree | None:
        found = self.query("#containerd")
        return found.first(ContainerdTree) if found else None

    @property
    def store_tree(self) -> StoreTree | None:
        found = self.query("#store")
        return found.first(StoreTree) if found else None

    @property
    def current_tree(self) -> RawTree | ContainerdTree | StoreTree:
        """The tree on screen, whichever view it is."""
        tree: RawTree | ContainerdTree | StoreTree | None = None
        if self.view == "containerd":
            tree = self.containerd_tree
        elif self.view == "store":
            tree = self.store_tree
        return tree if tree is not None else self.raw_tree

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def forget_filters(self) -> None:
        """The trees are read again, without filters: no box, no places to go back to."""
        self.filter_scope = None
        self.filter_places.clear()
        self.query_one("#filter").remove_class("shown")

    def refresh_header(self) -> None:
        self.query_one(DbHeader).show(self.db, self.kind, self.view, self.previous)

    def set_view(self, view: str) -> None:
        if view == "containerd" and self.containerd_tree is None:
            self.notify("not a containerd metadata database: only the raw view", severity="warning")
            return
        if view == "store" and self.store_tree is None:
            self.notify("no store view for this file: only the raw view", severity="warning")
            return
        self.view = view
        self.query_one(ContentSwitcher).current = view
        self.refresh_header()
        tree = self.current_tree
        tree.focus()
        node = tree.cursor_node
        if node is not None:
            # Show what the cursor is on in this view.
            tree.post_message(Tree.NodeHighlighted(node))  # type: ignore[misc]


def store_view_of(db: BoltFile) -> StoreView | None:
    """``db``'s store view, or None (no view knows its store, or it cannot be read as one)."""
    try:
        return view_of(db)
    except Exception:  # noqa: BLE001 - a corrupt file still opens, in the raw view
        return None
