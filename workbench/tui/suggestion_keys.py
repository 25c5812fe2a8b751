"""Suggestions on the annotate screen: shown apart from spans, accepted or rejected with one key.

A mixin for `AnnotateScreen`. In a project that uses suggestions (someone
ran `workbench suggest` or imported predictions, so the database holds
some), the cheap recommenders (figures, sources, this project's decisions)
run in a worker thread on a connection of its own as a document opens; what
they propose is stored and shown when ready, beside what was stored before.
A project without suggestions keeps the keys as they were: a label key on a
word tags that word. Accepting writes the
annotator's span through the screen's usual write path, so undo and redo take
it back like any other action.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding

from ..errors import WorkbenchError
from ..recommend import Proposal, Suggestion

# Out of the footer, which is full: the status line names them while suggestions are left.
SUGGESTION_BINDINGS = [
    Binding("o", "jump_suggestion(1)", "Next suggestion", id="suggestion.next", show=False),
    Binding("O", "jump_suggestion(-1)", "Previous suggestion", id="suggestion.previous", show=False),
    Binding("y", "accept_suggestion", "Accept suggestion", id="suggestion.accept", show=False),
    Binding("x", "reject_suggestion", "Reject suggestion", id="suggestion.reject", show=False),
    Binding("Y", "accept_suggestions_in('sentences')", "Accept the sentence's suggestions",
            id="suggestion.accept_sentence", show=False),
    Binding("ctrl+a", "accept_suggestions_in('paragraphs')", "Accept the paragraph's suggestions",
            id="suggestion.accept_paragraph", show=False),
    Binding("ctrl+o", "toggle_suggestion_list", "Show or hide suggestions in the span list",
            id="suggestion.list", show=False),
]


class SuggestionKeys:
    """What the annotate screen does with suggestions; it calls `start_suggestions` as a document
    opens, `refresh_suggestions` after each write, and `suggestion_status` for its status line."""

    suggested: list[Suggestion] = []

    def start_suggestions(self) -> None:
        self.suggested = []
        if self.reviewing:
            # Gold is made from annotators' versions, not from recommenders.
            self.view.show_suggestions([])
            return
        self.refresh_suggestions()
        if not self.store.has_suggestions():
            return
        document = self.document
        self.run_worker(lambda: self._propose(document), thread=True, exclusive=True, group="suggestions")

    def _propose(self, document: str) -> None:
        """In a worker thread: what the cheap recommenders propose for the document."""
        from ..recommend.from_store import CHEAP, build_recommenders

        with self.store.reader() as reader:
            recommenders = build_recommenders(reader, CHEAP)
            text = reader.text(document)
            labels = {label.name for label in reader.labels()}
        proposals = [(recommender.name, [p for p in recommender.propose(text) if p.label in labels])
                     for recommender in recommenders]
        self.app.call_from_thread(self._proposed, document, proposals)

    def _proposed(self, document: str, proposals: list[tuple[str, list[Proposal]]]) -> None:
        if document != self.document:
            return
        try:
            for name, found in proposals:
                self.store.add_suggestions(document, name, found)
        except WorkbenchError as error:
            self.notify(f"Suggestions not saved: {error}", severity="warning")
        self.refresh_suggestions()
        self.refresh_status()

    def refresh_suggestions(self) -> None:
        """Show what this annotator has left to answer in the document, as the store holds it."""
        if self.reviewing:
            return
        self.suggested = self.store.suggestions_for(self.document, self.annotator)
        self.view.show_suggestions([(s.start, s.end, s.label) for s in self.suggested])
        span_list = self.span_list
        for suggestion in self.suggested:
            if suggestion.entity_id and suggestion.entity_id not in span_list.entity_names:
                span_list.entity_names[suggestion.entity_id] = self.store.entity(suggestion.entity_id).name
        span_list.show_suggestions(self.suggested)

    def suggestion_status(self) -> Text:
        if not self.suggested:
            return Text("")
        count = len(self.suggested)
        keys = {binding.id: self.app.keys_for(binding) for binding in SUGGESTION_BINDINGS}
        return Text(f"  {count} suggestion{'s' if count != 1 else ''} left ({keys['suggestion.accept']} accept, "
                    f"{keys['suggestion.reject']} reject, {keys['suggestion.next']} next)", Style(dim=True))

    def action_toggle_suggestion_list(self) -> None:
        shown = self.span_list.toggle_suggestions()
        self.notify("The span list shows the suggestions left, dimmed and marked “?”." if shown
                    else "The span list shows your spans only.")

    def on_span_list_suggestion_chosen(self, event) -> None:
        """A click on a suggestion in the span list puts the cursor on it."""
        self.view.clear_selection()
        self.view.move_to(event.suggestion.start)
        self.view.focus()

    def suggestion_at_cursor(self) -> Suggestion | None:
        """The shortest suggestion under the cursor."""
        cursor = self.view.cursor
        here = [s for s in self.suggested if s.start <= cursor < s.end]
        return min(here, key=lambda s: (s.end - s.start, s.label)) if here else None

    def action_jump_suggestion(self, step: int) -> None:
        if not self.suggested:
            self.notify("No suggestions left in this document.")
            return
        self._jump_from(self.view.cursor, step)

    def _jump_from(self, offset: int, step: int) -> None:
        starts = sorted({s.start for s in self.suggested})
        if not starts:
            return
        if step > 0:
            following = [start for start in starts if start > offset]
            target = following[0] if following else starts[0]
        else:
            preceding = [start for start in starts if start < offset]
            target = preceding[-1] if preceding else starts[-1]
        self.view.clear_selection()
        self.view.move_to(target)

    def action_accept_suggestion(self) -> None:
        self.accept_suggestion_as(None)

    def accept_suggestion_as(self, label: str | None) -> bool:
        """Accept the suggestion under the cursor (as `label`, if given); False if there is none."""
        suggestion = self.suggestion_at_cursor()
        if suggestion is None:
            if label is None:
                self.notify(self._none_at_cursor())
            return False
        self._write(lambda: self.store.accept_suggestion(suggestion.id, self.annotator, label=label))
        self._jump_from(suggestion.start, 1)
        return True

    def _none_at_cursor(self) -> str:
        key = next(self.app.keys_for(b) for b in SUGGESTION_BINDINGS if b.id == "suggestion.next")
        return f"No suggestion at the cursor: {key} jumps to the next one."

    def action_reject_suggestion(self) -> None:
        suggestion = self.suggestion_at_cursor()
        if suggestion is None:
            self.notify(self._none_at_cursor())
            return
        try:
            self.store.reject_suggestion(suggestion.id, self.annotator)
        except WorkbenchError as error:
            self._failed(error)
            return
        self.refresh_suggestions()
        self.refresh_status()
        self._jump_from(suggestion.start, 1)

    def action_accept_suggestions_in(self, unit: str) -> None:
        """Accept every suggestion inside the sentence or paragraph at the cursor, as one action."""
        around = getattr(self.view.index, unit).at(self.view.cursor)
        inside = [s for s in self.suggested if around and around[0] <= s.start and s.end <= around[1]]
        if not inside:
            self.notify(f"No suggestions in this {unit[:-1]}.")
            return
        try:
            accepted = self.store.accept_suggestions([s.id for s in inside], self.annotator)
        except WorkbenchError as error:
            self._failed(error)
            return
        self._reload_spans(focus_id=None)
        self.notify(f"Accepted {len(accepted)} suggestion{'s' if len(accepted) != 1 else ''} "
                    "(one u takes them back).")
