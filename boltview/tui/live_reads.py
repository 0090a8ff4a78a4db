"""Is this read error damage, or a newer transaction?  The trees' and the pane's question.

A direct read (not a snapshot) that fails after a writer committed twice may
have read pages the writer reused: the file is sound, the read is stale.  The
functions here answer with one cheap look at the meta pages; the trees call
them where they catch a read error (see :mod:`boltview.tui.live` for the rest).
Kept apart from :mod:`boltview.tui.live` so that the widgets can import it.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump

from boltview.bolt.file import BoltFile, FileChange
from boltview.containerd.reader import ObjectWindow
from boltview.errors import BoltviewError


class FileChanged(Message):
    """A read noticed that the file moved on (posted from a worker; the app listens)."""

    def __init__(self, change: FileChange) -> None:
        super().__init__()
        self.change = change


def changed_read(sender: MessagePump | None, db: BoltFile, failed: bool = True) -> str | None:
    """Why a direct read of ``db`` is not to be trusted although the file is sound, or None.

    A read that ``failed`` after the newest txid moved may have met pages the
    writer rewrote: the failure is a newer transaction, not damage.  A read
    that succeeded is doubtful only from the writer's second commit on (see
    ``FileChange.pages_reused``): then a missing bucket may be a reused page.
    A snapshot cannot be overtaken, so what it reads is what the file held.
    The change is also posted (as :class:`FileChanged`) from ``sender``, for
    the header.
    """
    if db.is_snapshot:
        return None
    try:
        change = db.file_change()
    except OSError:
        return None
    if change is None or change.replaced:  # the file we hold did not move
        return None
    if not failed and not change.pages_reused:
        return None
    if sender is not None:
        sender.post_message(FileChanged(change))
    return f"the file changed under the read ({change}): r to reload"


def read_error(sender: MessagePump | None, db: BoltFile, error: BaseException | str) -> str:
    """What to show for a read of ``db`` that failed with ``error``: the error itself,
    or, when a writer moved the file on under a direct read, that."""
    changed = changed_read(sender, db)
    if changed is not None:
        return changed
    if isinstance(error, str | BoltviewError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def read_result(sender: MessagePump | None, db: BoltFile, result: Any) -> Any:
    """A worker's result, or a BoltviewError saying the file changed under the read.

    A result that carries read errors (an exception, or a window with errors)
    is replaced when the writer moved the file on at all; any other when the
    writer may have reused its pages (see :func:`changed_read`): a bucket that
    seems to be missing may be a page the writer rewrote.
    """
    failed = isinstance(result, Exception) or (
        isinstance(result, ObjectWindow) and bool(result.errors)
    )
    changed = changed_read(sender, db, failed)
    return BoltviewError(changed) if changed is not None else result
