"""Copy to the clipboard and export to a new file, never over an existing one."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import BinaryIO

from textual import work

from boltview.containerd.export import write_raw
from boltview.provenance import write_export_record
from boltview.render.text import escape, show_bytes, show_path
from boltview.tui.base import AppBase
from boltview.tui.screens.export import ExportRequest, ExportScreen
from boltview.tui.values import plural, pretty_json, read_value
from boltview.tui.widgets.detail import cli_words, escape_lines


class ExportActions(AppBase):
    """``c`` and ``y`` copy, ``e`` exports."""

    def action_copy_value(self) -> None:
        shown = self.detail.shown
        if shown.kind == "value" and shown.key is not None:
            reading = read_value(shown.value, shown.key)
            if reading.decoded is not None and reading.kind in ("json", "any", "protobuf"):
                text = pretty_json(reading.decoded)
            elif reading.kind == "text":
                text = escape_lines(shown.value.decode("utf-8", "backslashreplace"))
            else:
                text = shown.value.hex()
            self.copy_to_clipboard(text)
            self.notify(f"copied {plural(len(text), 'character')} ({reading.kind})")
        elif shown.kind == "object" and self.model is not None:
            text = pretty_json(self.model.to_json(shown.obj))
            self.copy_to_clipboard(text)
            self.notify(f"copied the object as JSON ({plural(len(text), 'character')})")
        else:
            self.notify("move the cursor onto a value or an object first", severity="warning")

    def action_copy_path(self) -> None:
        path = self._selected_raw_path()
        if path is None:
            self.notify("nothing selected", severity="warning")
            return
        bucket, key = path
        words = cli_words(bucket + ((key,) if key is not None else ()))
        self.copy_to_clipboard(words)
        self.notify(f"copied: {words or '(root)'}")

    def _selected_raw_path(self) -> tuple[tuple[bytes, ...], bytes | None] | None:
        if self.view == "containerd" and self.containerd_tree is not None:
            return self.containerd_tree.selected_raw_path()
        selected = self.raw_tree.selected_path()
        if selected is None:
            return None
        return selected[0], selected[1]

    def action_export(self) -> None:
        tree = self.containerd_tree
        if self.view == "containerd" and tree is not None and tree.cursor_node is tree.root:
            self._export_raw((), None)  # the root: the whole file
            return
        if self.view == "containerd" and tree is not None:
            target = tree.export_target()
            writer = tree.export_writer()
            if target is None or writer is None:
                self.notify("move the cursor onto an object or a group first", severity="warning")
                return
            what, name = target
            screen = ExportScreen(f"export {what}", self._free_name(name), raw=False)
            self.push_screen(screen, lambda request: self._export(request, writer))
            return
        selected = self.raw_tree.selected_path()
        if selected is None:
            return
        path, key, _ = selected
        self._export_raw(path, key)

    def _export_raw(self, path: tuple[bytes, ...], key: bytes | None) -> None:
        full = path + ((key,) if key is not None else ())
        if full:
            what = f"export {'key' if key is not None else 'bucket'} {escape(show_path(full))}"
            name = show_bytes(full[-1])
        else:
            what = f"export the whole file {escape(os.path.basename(self.db.path))}"
            name = os.path.basename(self.db.path)
        self.push_screen(
            ExportScreen(what, self._free_name(name), raw=True),
            lambda request: self._export(request, self._raw_writer(request, path, key)),
        )

    def _free_name(self, name: str) -> str:
        """A file name for an export of ``name`` that no file has yet: in the folder of
        the last export, else the current one (-1, -2... when the plain name is taken)."""
        folder = os.path.dirname(self.last_export) if self.last_export else ""
        base = _default_name(name).removesuffix(".json")
        candidate, number = f"{base}.json", 0
        while any(
            os.path.lexists(os.path.join(folder or os.curdir, candidate + suffix))
            for suffix in ("", PROVENANCE_SUFFIX)
        ):
            number += 1
            candidate = f"{base}-{number}.json"
        return os.path.join(folder, candidate) if folder else candidate

    def _raw_writer(
        self, request: ExportRequest | None, path: tuple[bytes, ...], key: bytes | None
    ) -> Callable[[BinaryIO], None]:
        encoding = request.encoding if request is not None else "text"
        db = self.db
        # A private view of the file: a long dump does not hold the tree's lock.
        return lambda out: write_raw(db.with_meta(db.meta.index), path, key, encoding, out)

    def _export(self, request: ExportRequest | None, writer: Callable[[BinaryIO], None]) -> None:
        if request is not None:
            self._write_export(request.path, writer)

    @work(thread=True, group="export")
    def _write_export(self, path: str, writer: Callable[[BinaryIO], None]) -> None:
        target = os.path.abspath(os.path.expanduser(path))
        try:
            if os.path.exists(target):
                if os.path.samefile(target, self.db.path):
                    raise OSError("that is the database itself")
                raise OSError(f"{target} exists; boltview never overwrites a file")
            out = open(target, "xb")  # noqa: SIM115 - "x": never overwrite
            try:
                with out:
                    writer(out)
            except BaseException:
                # Only the file we just created is removed: a half export misleads.
                with contextlib.suppress(OSError):
                    os.unlink(target)
                raise
            size = os.path.getsize(target)
            write_export_record(target, self.db)
            self.last_export = target
            self.call_from_thread(
                self.notify,
                f"exported to {escape(target)} ({plural(size, 'byte')})",
                title="export",
            )
        except Exception as error:  # noqa: BLE001 - reported, the app goes on
            self.call_from_thread(
                self.notify, f"export failed: {escape(str(error))}", severity="error"
            )


#: What :func:`~boltview.provenance.write_export_record` adds to an export's name.
PROVENANCE_SUFFIX = ".provenance.json"


def _default_name(name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60].strip("._")
    return f"boltview-{safe or 'export'}.json"
