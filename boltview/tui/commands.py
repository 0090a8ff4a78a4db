"""The command palette (ctrl+p): every browser action by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: (name, help, action) in the order the palette lists them.
COMMANDS: list[tuple[str, str, str]] = [
    ("Search the whole file", "keys and values, in the background (/)", "search"),
    ("Filter the current bucket or group", "only names containing a text (f)", "filter"),
    ("Export selection as JSON", "the selected subtree or object, to a file (e)", "export"),
    ("Copy value", "the selected value or object, to the clipboard (c)", "copy_value"),
    ("Copy bucket path", "as boltview CLI arguments (y)", "copy_path"),
    ("Switch view", "containerd objects / raw buckets (v)", "switch_view"),
    ("Follow link to the other view", "object ↔ raw bucket (o)", "follow_link"),
    (
        "Jump to an object by name",
        "containers, images, snapshots, digests, leases, pods (: or ctrl+g)",
        "jump",
    ),
    ("Back", "to where the last link or jump was taken (backspace, alt+←)", "go_back"),
    ("Forward", "again, after going back (alt+→)", "go_forward"),
    ("Previous transaction", "show the other meta page's tree, and back (t)", "toggle_txn"),
    ("Mark changes", "the last transaction's, deleted and recovered objects (d)", "toggle_marks"),
    ("Next search result", "(n)", "next_hit"),
    ("Previous search result", "(N)", "previous_hit"),
    ("Help", "every key (?)", "help"),
]


class BoltviewCommands(Provider):
    """The browser's actions, found by fuzzy name."""

    async def discover(self) -> Hits:
        for name, help_text, action in COMMANDS:
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    text=name,
                    help=help_text,
                )
