"""A directory of a merged view, listed by name at once and looked at a window at a time.

:meth:`MergedView.listing <boltview.node.rootfs.MergedView.listing>` reads
every entry of every layer's folder (one ``lstat`` each): right for drift and
export, too slow for a folder of 10,000 names the browser only shows 200 of
at a time.  Here each layer's folder is read by name only (``listdir``), the
names are merged as overlayfs merges them, and an entry is looked at
(``lstat``) only when its window is asked for.

The names are merged by the one rule set both share
(:meth:`MergedView.topmost`).  One rule needs the entry itself: a character
device 0/0 (overlayfs's whiteout) hides its name, so it is left out when its
window is read, and the count of names still to come may be a little more
than the entries shown.
"""

from __future__ import annotations

from boltview.node.root import join
from boltview.node.rootfs import Found, MergedView, is_whiteout


class DirectoryListing:
    """The names of directory ``path`` of ``view``, sorted; their entries a window at a time."""

    def __init__(self, view: MergedView, path: str) -> None:
        self.view = view
        self.path = path
        self._where = view.topmost(path, view.node.listdir)  # read by name only
        self.names = sorted(self._where)

    def __len__(self) -> int:
        return len(self.names)

    def window(self, start: int, count: int) -> tuple[list[tuple[str, Found]], int]:
        """Up to ``count`` entries from name number ``start`` on, and the number to go on from."""
        shown: list[tuple[str, Found]] = []
        index = start
        while index < len(self.names) and len(shown) < count:
            name = self.names[index]
            index += 1
            layer, folder = self._where[name]
            here = join(folder, name)
            entry = self.view.node.stat(here, follow=False)
            if entry is None or is_whiteout(entry):
                continue  # gone meanwhile, or overlayfs's whiteout: not a name of the view
            shown.append((name, Found(entry, layer, here)))
        return shown, index
