"""The active transaction and the previous one (``t``)."""

from __future__ import annotations

from boltview.errors import BoltviewError
from boltview.render.text import escape
from boltview.tui.base import AppBase


class TransactionActions(AppBase):
    """Switch between the two meta pages' trees."""

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
        self.raw_tree.set_db(db)
        if self.model is not None:
            self.model.set_db(db)
            tree = self.containerd_tree
            if tree is not None:
                tree.rebuild()
        self.refresh_header()
        which = f"previous transaction: txid {db.txid} (meta {db.meta.index})"
        self.notify(which if self.previous else f"back to the active transaction: txid {db.txid}")
