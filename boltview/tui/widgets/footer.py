"""The footer: the keys that work here, as many as fit, the most needed first.

Textual's own footer lays the keys out in the order they were bound and lets
the last ones fall off the edge (or cuts one in half).  This one ranks them: the
actions named in ``priority`` stay longest, in that order (``q``, ``?`` and
``t`` first), then the others in their bound order; a key that does not fit is
left out whole, and the keys shown keep their bound order; the command
palette's ``^p`` comes last.  A click on a key presses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.widget import Widget

from boltview.tui.widgets.fitting import Part, choose, join

if TYPE_CHECKING:
    from textual.screen import Screen


#: The command palette's binding, shown although Textual binds it with ``show=False``.
_PALETTE = {"command_palette", "app.command_palette"}


class KeyFooter(Widget):
    """One line of keys, ranked by ``priority`` (a sequence of action names)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-footer--key", "key-footer--description"}

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyFooter > .key-footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyFooter > .key-footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, priority: Sequence[str] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.priority = list(priority)
        self._keys: list[str] = []
        self._spans: list[tuple[int, int, int]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def parts(self) -> tuple[list[str], list[Part]]:
        """The keys to show (one per action, ``show`` bindings only) and their parts."""
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        description_style = self.get_component_rich_style("key-footer--description", partial=True)
        keys: list[str] = []
        parts: list[Part] = []
        seen: set[str] = set()
        bound = [
            (binding, enabled)
            for _, binding, enabled, _ in self.screen.active_bindings.values()
            if binding.show or binding.action in _PALETTE
        ]
        later = len(self.priority)
        for binding, enabled in bound:
            if binding.action in seen:
                continue
            seen.add(binding.action)
            action = binding.action.removeprefix("app.")
            rank = self.priority.index(action) if action in self.priority else later + len(keys)
            label = Text()
            label.append(self.app.get_key_display(binding), style=key_style)
            label.append(" ")
            label.append(binding.description, style=description_style)
            if not enabled:
                label.stylize("dim")
            keys.append(binding.key.split(",")[0])
            parts.append(Part((label,), rank, gap="  "))
        return keys, parts

    def render(self) -> Text:
        keys, parts = self.parts()
        text, self._spans = join(parts, choose(parts, self.size.width or 1 << 16))
        self._keys = keys
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, index in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(self._keys[index])
                return
