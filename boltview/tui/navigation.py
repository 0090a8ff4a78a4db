"""Moving through the file: links between the views, search and its hits."""

from __future__ import annotations

from boltview.tui.base import AppBase
from boltview.tui.messages import JumpToObject, JumpToRaw
from boltview.tui.screens.search import SearchResult, SearchScreen


class NavigationActions(AppBase):
    """The app's actions that move the cursor elsewhere: ``o``, ``/``, ``n`` and ``N``."""

    def action_follow_link(self) -> None:
        if self.model is None:
            self.notify("no containerd objects in a plain bolt file", severity="warning")
            return
        if self.view == "containerd":
            tree = self.containerd_tree
            raw = tree.selected_raw_path() if tree is not None else None
            if raw is None:
                self.notify("nothing under the cursor has a raw bucket", severity="warning")
                return
            self.post_message(JumpToRaw(*raw))
            return
        selected = self.raw_tree.selected_path()
        if selected is None:
            return
        bucket_path, key, _ = selected
        full = bucket_path + (key,) if key is not None else bucket_path
        ref = self.model.object_at(full)
        if ref is None:
            self.notify("this bucket belongs to no containerd object", severity="warning")
            return
        self.post_message(JumpToObject(ref))

    def action_search(self) -> None:
        query = self.search_result.query if self.search_result else ""
        self.push_screen(SearchScreen(self.db, query), self._searched)

    def _searched(self, result: SearchResult | None) -> None:
        if result is None or not result.hits:
            return
        self.search_result = result
        self._go_to_hit()

    def _go_to_hit(self) -> None:
        result = self.search_result
        if result is None or not result.hits:
            self.notify("no search results: press / to search", severity="warning")
            return
        hit = result.hits[result.index]
        self.set_view("raw")
        self.raw_tree.reveal(hit.path, hit.key)
        self.notify(f"result {result.index + 1} of {len(result.hits)}", timeout=2)

    def action_next_hit(self) -> None:
        if self.search_result and self.search_result.hits:
            self.search_result.index = (self.search_result.index + 1) % len(self.search_result.hits)
        self._go_to_hit()

    def action_previous_hit(self) -> None:
        if self.search_result and self.search_result.hits:
            self.search_result.index = (self.search_result.index - 1) % len(self.search_result.hits)
        self._go_to_hit()
