"""Windows of a bucket's keys, forward and backward, for the lazy tree.

The tree never holds a whole bucket: it shows a window of keys and asks for
the next (or the previous) window when the cursor reaches its edge.  The
windows and the backward walk they need are the engine's cursor
(:mod:`boltview.bolt.cursor`); this module keeps the names the browser has
always imported from here.
"""

from __future__ import annotations

from boltview.bolt.cursor import (
    WINDOW,
    Window,
    entries_before,
    window_after,
    window_at,
    window_before,
)

__all__ = ["WINDOW", "Window", "entries_before", "window_after", "window_at", "window_before"]
