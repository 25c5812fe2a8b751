"""The annotate screen's keys that reach text: hint jumps, search, clause extension.

A mixin of `AnnotateScreen`: it reads and moves the screen's article view.
"""

from __future__ import annotations

from ..display import for_widget


class JumpKeys:
    """Jumping to a visible word, searching the document, extending to a clause's end."""

    def action_extend_clause(self, step: int) -> None:
        """Extend the selection to where the next clause ends (before its , ; : – . or closing quote),
        or back to where the previous one ended."""
        view = self.view
        index = view.index
        target = index.next_clause_end(view.cursor) if step > 0 else index.previous_clause_end(view.cursor)
        view.move_to(target, extend=True)

    def action_jump(self, extend: bool = False) -> None:
        """Show hints on the visible words; the hint typed next moves the cursor there, or with
        `extend` takes the selection there: to the word's end after the cursor, its start before."""
        from .jump import JumpScreen

        view = self.view
        origin = view.cursor if view.anchor is None else view.anchor

        def jumped(offset: int | None) -> None:
            if offset is None:
                return
            if not extend:
                view.move_to(offset)
                return
            word = view.index.words.at(offset) or (offset, offset)
            view.move_to(origin)
            view.move_to(word[1] if offset >= origin else word[0], extend=True)

        self.app.push_screen(JumpScreen(view, "extend to" if extend else "jump to"), jumped)

    def action_search(self) -> None:
        from .search import SearchScreen

        def searched(query: str | None) -> None:
            if query:
                self._search_query = query
            self.refresh_status()

        self.app.push_screen(SearchScreen(self.view, self._search_query), searched)

    def action_search_again(self, step: int) -> None:
        from .search import find

        view = self.view
        if not self._search_query:
            self.notify("Nothing searched yet: / searches.")
            return
        selection = view.selection
        origin = (selection[0] + 1 if selection else view.cursor + 1) if step > 0 else \
            (selection[0] if selection else view.cursor)
        match = find(view.text, self._search_query, origin, step)
        if match is None:
            self.notify(f"“{for_widget(self._search_query)}” is not in this document.")
            return
        view.select(*match)
