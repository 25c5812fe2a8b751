"""The annotate screen's link keys: the link picker, propagating a link, removing one.

A mixin of `AnnotateScreen`: each key writes through the screen's store and shows the result.
"""

from __future__ import annotations

import threading

from ...errors import WorkbenchError
from ...model import Span
from ..display import for_widget


class LinkKeys:
    """Linking the current span to an entity, NIL or a new entity, and every mention like it."""

    def action_open_link_picker(self) -> None:
        # Imported here: search pulls in rapidfuzz, which start-up does not need.
        from ...entity_context import SearchContext
        from ...linking import EntitySearch
        from .link_picker import LinkPicker, active_worker

        current = self.view.current
        if current is None:
            self.notify("Put the cursor on a span to link it.")
            return
        store = self.store
        link_types = self.app.config.link_types
        contexts: list[SearchContext] = []  # the span's document read once, by the first search
        # One search for the picker's every query, so what it reads of the index once per
        # state (posting counts, the document's regions) is read once, not per keystroke.
        # Each query reads through a connection of its own thread, one query at a time.
        searcher = EntitySearch(store)
        one_at_a_time = threading.Lock()

        def search(query: str) -> list:
            asked_by = active_worker()
            with one_at_a_time:
                # A search overtaken by later typing while it waited is not worth running.
                if asked_by is not None and asked_by.is_cancelled:
                    return []
                return search_now(query)

        def search_now(query: str) -> list:
            with store.reader() as reader:
                if not contexts:
                    contexts.append(SearchContext.of_mention(reader, current, link_types))
                searcher.source = reader
                return searcher.search(query, limit=10, context=contexts[0])

        picker = LinkPicker(current, search, store.entity_types())
        self.app.push_screen(picker, lambda choice: self._link_chosen(current, choice))

    def _link_chosen(self, span: Span, choice) -> None:
        from ...linking import normalise_alias

        if choice is None:
            return
        if choice.action == "create":
            # One action in the store, so one undo takes back both the link and the entity.
            def create() -> Span:
                entity, linked = self.store.link_to_new_entity(
                    span.id, choice.name, choice.type, [span.text, choice.name],
                    normalise_alias=normalise_alias)
                self.notify(f"Created {entity.name} ({entity.id}).")
                return linked

            self._write(create, focus=True)
            return
        entity_id = choice.entity_id if choice.action == "link" else None
        self._write(lambda: self.store.link(span.id, entity_id, nil=choice.action == "nil"), focus=True)

    def action_propagate_link(self) -> None:
        """Give every unlinked span with the same normalised text the current span's link, as one action."""
        from ...linking import unlinked_mentions_like

        current = self.view.current
        if current is None or not current.linked:
            self.notify("Link the span under the cursor first.")
            return
        targets = unlinked_mentions_like(current, self.spans)
        if targets:
            try:
                self.store.link_many([target.id for target in targets], current.entity_id, nil=current.nil)
            except WorkbenchError as error:
                self._failed(error)
                return
            self._reload_spans(focus_id=current.id)
        self.notify(f"Linked {len(targets)} more mention{'s' if len(targets) != 1 else ''} of "
                    f"“{for_widget(current.text)}”.")

    def action_remove_link(self) -> None:
        current = self.view.current
        if current is not None and current.linked:
            self._write(lambda: self.store.link(current.id, None), focus=True)
