"""A group's objects as ``ctr ... ls`` lists them, in the detail pane.

When the cursor is on a group (containers, images, snapshots, content,
ingests, leases, sandboxes, pods), the detail pane shows a table with the
columns of ``boltview ls FILE KIND``: the same row builders of
:mod:`boltview.containerd.listing` make both, so the two never disagree.

The rows are read and built in a worker, a few hundred objects at a time so
that the reader's lock is never held long, and handed to the table in chunks
between screen refreshes: a group of 10,000 containers fills in while the
browser stays responsive.  ``s`` sorts by the next column, ``S`` turns the
order round, a click on a header sorts by it (a second click turns it round),
and Enter opens the row's object in the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from boltview.containerd import listing
from boltview.containerd.model import (
    CONTAINER,
    CONTENT,
    IMAGE,
    INGEST,
    LEASE,
    POD,
    SANDBOX,
    SNAPSHOT,
    ObjectRef,
)
from boltview.containerd.reader import AnyObject
from boltview.render.text import escape
from boltview.tui.messages import JumpToObject
from boltview.tui.model import ContainerdModel
from boltview.tui.widgets.containerd_items import GroupItem

#: Objects read per hold of the reader's lock.
READ_CHUNK = 500
#: Rows handed to the table per screen refresh.
ADD_CHUNK = 400
#: The most rows a table holds; a bigger group says how many it left out.
ROW_LIMIT = 50_000
#: The widest a column is drawn (longer cells are cut with an ellipsis by the table).
MAX_WIDTH = 72


@dataclass
class GroupRows:
    """A group's table: ``ls``'s header and rows, and the object each row is."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    refs: list[ObjectRef | None] = field(default_factory=list)
    more: bool = False
    """More objects than :data:`ROW_LIMIT` (the rest are not shown)."""


def _builder(
    model: ContainerdModel, item: GroupItem, now: datetime
) -> Callable[[list[Any]], listing.Listing]:
    """``ls``'s row builder for the group's kind, as a function of a list of its objects
    (with the content store, when the browser found or was given one, as ``ls`` takes it)."""
    reader, store, several = model.reader, model.content, item.snapshotter is None
    builders: dict[str, Callable[[list[Any]], listing.Listing]] = {
        CONTAINER: listing.container_rows,
        IMAGE: lambda objs: listing.image_rows(reader, objs, store),
        SNAPSHOT: lambda objs: listing.snapshot_rows(objs, several),
        INGEST: lambda objs: listing.ingest_rows(objs, store, now),
        LEASE: listing.lease_rows,
        SANDBOX: listing.sandbox_rows,
        POD: listing.pod_rows,
    }
    return builders[item.kind]


def _objects(model: ContainerdModel, item: GroupItem) -> Iterable[AnyObject]:
    """The group's objects, read as they are iterated (pods: grouped at once)."""
    if item.kind == SNAPSHOT:
        return model.reader.snapshots(item.namespace, item.snapshotter)
    if item.kind == POD:
        return model.pods(item.namespace)
    return model.reader.objects(item.kind, item.namespace)


def group_rows(model: ContainerdModel, item: GroupItem, now: datetime) -> GroupRows:
    """Read a group's objects and build its ``ls`` table (run it in a worker)."""
    if item.kind == CONTENT:
        # content ls reads the blobs itself; a row's first cell is the blob's digest.
        with model.lock:
            table = listing.content_rows(model.reader, item.namespace, now)
        rows = table.rows[:ROW_LIMIT]
        refs: list[ObjectRef | None] = [ObjectRef(CONTENT, item.namespace, r[0]) for r in rows]
        return GroupRows(table.header, rows, refs, more=len(table.rows) > ROW_LIMIT)
    build = _builder(model, item, now)
    out = GroupRows(build([]).header)
    for chunk in _chunks(model, iter(_objects(model, item))):
        room = ROW_LIMIT - len(out.rows)
        if len(chunk) > room:
            chunk, out.more = chunk[:room], True
        with model.lock:
            out.rows.extend(build(chunk).rows)
        out.refs.extend(obj.ref for obj in chunk)
        if out.more:
            break
    return out


def _chunks(model: ContainerdModel, objects: Iterator[AnyObject]) -> Iterator[list[AnyObject]]:
    """The objects a few hundred at a time, each chunk read under the reader's lock."""
    while True:
        with model.lock:
            chunk = list(islice(objects, READ_CHUNK))
        if not chunk:
            return
        yield chunk


# -- sorting ---------------------------------------------------------------------------------

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s?([kKMGTPEZY]?i?B)")
_UNITS = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15,
          "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}  # fmt: skip
_DIGITS = re.compile(r"(\d+)")
_AGE = re.compile(r"(\d+) (second|minute|hour|day|week|month|year)s?")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
            "month": 30 * 86400, "year": 365 * 86400}  # fmt: skip
_WORDS = {"Less than a second": 0, "About a minute": 60, "About an hour": 3600}


def sort_key(cell: str) -> tuple[Any, ...]:
    """Sizes by their bytes (``1018.8 KiB`` before ``2.0 MiB``), ages by their length
    (``5 hours`` before ``3 days``), numbers within text by value (``web-2`` before
    ``web-10``), the rest as text; ``-`` (unknown) last."""
    if cell in ("-", ""):
        return (2,)
    size = _SIZE.fullmatch(cell)
    if size is not None and size.group(2) in _UNITS:
        return (0, float(size.group(1)) * _UNITS[size.group(2)])
    age = _AGE.fullmatch(cell)
    if age is not None or cell in _WORDS:
        return (0, _WORDS[cell] if age is None else int(age.group(1)) * _SECONDS[age.group(2)])
    parts = _DIGITS.split(cell.casefold())
    return (1, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p))


def sorted_order(rows: list[list[str]], column: int, reverse: bool) -> list[int]:
    """The rows' indices in the order of ``column`` (stable: equal cells keep their order)."""
    order = sorted(range(len(rows)), key=lambda i: sort_key(rows[i][column]))
    if reverse:
        # Unknown cells stay last whichever way the rest goes.
        known = [i for i in order if sort_key(rows[i][column]) != (2,)]
        unknown = order[len(known) :]
        order = known[::-1] + unknown
    return order


# -- the widget ---------------------------------------------------------------------------------


class GroupTable(DataTable[Text]):
    """The objects of one group, as ``ls`` lists them; Enter opens one in the tree."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not in the footer, which keeps its room for the app's keys: the table's title says them.
        Binding("s", "sort_next", "Sort by next column", show=False),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
    ]

    DEFAULT_CSS = """
    GroupTable {
        height: auto;
        max-height: 100%;
        margin: 1 0 0 0;
        border-top: solid $panel;
    }
    GroupTable:focus {
        border-top: solid $accent;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.display = False
        self.group: GroupItem | None = None
        self.data = GroupRows([])
        self.order: list[int] = []
        self.added = 0
        self.sort_column: int | None = None
        self.reverse = False
        self.loading_group = False
        self.generation = 0

    # -- what the app calls --------------------------------------------------------------

    def show_group(self, model: ContainerdModel, item: GroupItem, now: datetime) -> None:
        """Show ``item``'s table: at once the header, then the rows as a worker reads them."""
        self.generation += 1
        self.group = item
        self.sort_column, self.reverse = None, False
        self.data = GroupRows([])
        self.clear(columns=True)
        self.display = True
        self.loading_group = True
        self.border_title = Text(f"{escape(item.snapshotter or item.title)}: reading…")
        self._read(model, item, now, self.generation)

    def hide(self) -> None:
        """Nothing to show (the cursor left the group)."""
        if self.display or self.group is not None:
            self.generation += 1
            self.group = None
            self.display = False
            self.clear(columns=True)

    @property
    def loaded(self) -> bool:
        """Every row read and in the table."""
        return not self.loading_group and self.added == len(self.order)

    # -- reading and filling -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="group-table")
    def _read(
        self, model: ContainerdModel, item: GroupItem, now: datetime, generation: int
    ) -> None:
        try:
            data: GroupRows | str = group_rows(model, item, now)
        except Exception as error:  # noqa: BLE001 - a hostile file must not end the app
            data = f"{type(error).__name__}: {error}"
        self.app.call_from_thread(self._got, data, generation)

    def _got(self, data: GroupRows | str, generation: int) -> None:
        if generation != self.generation:
            return
        self.loading_group = False
        if isinstance(data, str):
            self.border_title = Text(f"⚠ {escape(data)}", style="bold red")
            return
        self.data = data
        self._set_columns()
        self._fill(list(range(len(data.rows))))

    def _set_columns(self) -> None:
        self.clear(columns=True)
        for index, name in enumerate(self.data.header):
            width = max([len(name) + 2] + [len(row[index]) for row in self.data.rows[:2000]])
            self.add_column(self._header_label(index, name), width=min(width, MAX_WIDTH),
                            key=str(index))  # fmt: skip

    def _header_label(self, index: int, name: str) -> Text:
        if index != self.sort_column:
            return Text(name, style="bold")
        return Text(name + (" ▼" if self.reverse else " ▲"), style="bold yellow")

    def _fill(self, order: list[int], keep: int | None = None) -> None:
        """Put the rows in the table in ``order``, a chunk per refresh; the cursor on row
        ``keep`` (a row index) when it lands."""
        self.clear()
        self.order = order
        self.added = 0
        self._title()
        self._add_chunk(self.generation, keep)

    def _add_chunk(self, generation: int, keep: int | None) -> None:
        if generation != self.generation:
            return
        start, end = self.added, min(self.added + ADD_CHUNK, len(self.order))
        self.add_rows(
            ([Text(escape(cell)) for cell in self.data.rows[i]] for i in self.order[start:end]),
        )
        # add_rows gives its own keys; the row's index in self.data is kept in self.order.
        self.added = end
        if keep is not None and keep in self.order[start:end]:
            self.move_cursor(row=self.order.index(keep), animate=False)
        if end < len(self.order):
            self.call_after_refresh(self._add_chunk, generation, keep)
        else:
            self._title()

    def _title(self) -> None:
        if self.group is None:
            return
        what = escape(self.group.snapshotter or self.group.title)
        count = len(self.data.rows)
        text = f"{what}: {count}" + (f"+ (first {count} shown)" if self.data.more else "")
        if self.added < len(self.order):
            text += f", {self.added} in the table…"
        self.border_title = Text(text + "  (Tab here; s sort, S reverse, Enter opens)")

    # -- sorting -----------------------------------------------------------------------------

    def action_sort_next(self) -> None:
        if not self.data.header:
            return
        column = 0 if self.sort_column is None else (self.sort_column + 1) % len(self.data.header)
        self.sort_by(column, reverse=False)

    def action_sort_reverse(self) -> None:
        if self.data.header:
            self.sort_by(self.sort_column or 0, reverse=not self.reverse)

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        column = event.column_index
        self.sort_by(column, reverse=not self.reverse if column == self.sort_column else False)

    def sort_by(self, column: int, reverse: bool) -> None:
        """Sort the rows by ``column``; the cursor stays on its row."""
        if self.loading_group:
            return
        keep = self.order[self.cursor_row] if 0 <= self.cursor_row < self.added else None
        self.sort_column, self.reverse = column, reverse
        self.generation += 1
        self._sort(column, reverse, keep, self.generation)

    @work(thread=True, exclusive=True, group="group-table-sort")
    def _sort(self, column: int, reverse: bool, keep: int | None, generation: int) -> None:
        order = sorted_order(self.data.rows, column, reverse)
        self.app.call_from_thread(self._sorted, order, keep, generation)

    def _sorted(self, order: list[int], keep: int | None, generation: int) -> None:
        if generation != self.generation:
            return
        self._set_columns()
        self._fill(order, keep)

    # -- opening a row ---------------------------------------------------------------------------

    def selected_ref(self) -> ObjectRef | None:
        """The object of the row under the cursor."""
        if not 0 <= self.cursor_row < self.added:
            return None
        return self.data.refs[self.order[self.cursor_row]]

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        ref = self.selected_ref()
        if ref is not None:
            self.post_message(JumpToObject(ref))
