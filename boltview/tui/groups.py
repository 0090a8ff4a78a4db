"""The table of a group's objects in the detail pane (see :mod:`~boltview.tui.widgets.group_table`)."""

from __future__ import annotations

from textual import on

from boltview.tui.base import AppBase
from boltview.tui.messages import ShowError, ShowObject, ShowRaw
from boltview.tui.widgets.containerd_items import GroupItem
from boltview.tui.widgets.group_table import GroupTable


class GroupTableActions(AppBase):
    """Show ``ls``'s table under a group's description; hide it for anything else."""

    def on_mount(self) -> None:
        if self.model is not None:
            self.detail.mount(GroupTable(id="group-table"), after="#detail-body")

    @property
    def group_table(self) -> GroupTable | None:
        found = self.query("#group-table")
        return found.first(GroupTable) if found else None

    @on(ShowObject)
    def _group_table_for(self, message: ShowObject) -> None:
        table = self.group_table
        if table is None or self.view != "containerd" or self.model is None:
            return
        item = message.item
        if not isinstance(item, GroupItem) or item.kind is None:
            table.hide()
        elif table.group is not item:
            table.show_group(self.model, item, self.clock())

    @on(ShowRaw)
    @on(ShowError)
    def _group_table_gone(self, message: ShowRaw | ShowError) -> None:
        table = self.group_table
        if table is not None and (self.view == "raw" or isinstance(message, ShowError)):
            table.hide()
