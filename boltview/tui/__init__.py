"""The terminal browser (Textual): ``run(db)`` opens it on an opened BoltFile.

Textual is imported only when the browser runs, so the CLI's raw verbs stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from boltview.bolt.file import BoltFile
    from boltview.tui.app import BoltviewApp


def make_app(db: BoltFile, **options: object) -> BoltviewApp:
    """The browser app for ``db`` (see :func:`boltview.tui.app.make_app`)."""
    from boltview.tui.app import make_app as factory

    return factory(db, **options)  # type: ignore[arg-type]


def run(db: BoltFile) -> None:
    """Browse ``db`` in the terminal until the user quits."""
    make_app(db).run()


__all__ = ["make_app", "run"]
