"""The annotate screen: one document, its spans, and every annotation key."""

from __future__ import annotations

import time

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...errors import WorkbenchError
from ...history import describe
from ...model import Label, Span, span_like
from ..display import counted, for_widget, shortened
from ..suggestion_keys import SUGGESTION_BINDINGS, SuggestionKeys
from .annotate_jumps import JumpKeys
from .annotate_time import ActiveTime
from .annotate_links import LinkKeys
from .annotate_panel import PANEL_BINDINGS, SidePanel
from .annotate_relations import RELATION_BINDINGS, RelationKeys
from ..widgets.article import ArticleView
from ..widgets.span_list import SpanList

"""A pause longer than this is idle time and is not counted as work on the document."""


_SEGMENTS = {"word": "words", "sentence": "sentences", "paragraph": "paragraphs"}


def _b(key: str, action: str, description: str, id: str, show: bool = False, **kw) -> Binding:
    return Binding(key, action, description, show=show, id=id, **kw)


CURSOR_BINDINGS = [
    _b("left", "move('char', -1)", "Left", "cursor.left"),
    _b("right", "move('char', 1)", "Right", "cursor.right"),
    _b("up", "move('row', -1)", "Up", "cursor.up"),
    _b("down", "move('row', 1)", "Down", "cursor.down"),
    _b("ctrl+left,b", "move('word', -1)", "Previous word", "cursor.word_left"),
    _b("ctrl+right,w", "move('word', 1)", "Next word", "cursor.word_right"),
    _b("left_parenthesis", "move('sentence', -1)", "Previous sentence", "cursor.sentence_left"),
    _b("right_parenthesis", "move('sentence', 1)", "Next sentence", "cursor.sentence_right"),
    _b("left_curly_bracket", "move('paragraph', -1)", "Previous paragraph", "cursor.paragraph_left"),
    _b("right_curly_bracket", "move('paragraph', 1)", "Next paragraph", "cursor.paragraph_right"),
    _b("home", "move('line_start', 0)", "Start of line", "cursor.home"),
    _b("end", "move('line_end', 0)", "End of line", "cursor.end"),
    _b("pageup", "move('page', -1)", "Page up", "cursor.page_up"),
    _b("pagedown", "move('page', 1)", "Page down", "cursor.page_down"),
    _b("g", "move('document', -1)", "Start of document", "cursor.top"),
    _b("G", "move('document', 1)", "End of document", "cursor.bottom"),
    _b("shift+left", "extend('char', -1)", "Extend left", "select.left"),
    _b("shift+right", "extend('char', 1)", "Extend right", "select.right"),
    _b("shift+up", "extend('row', -1)", "Extend up", "select.up"),
    _b("shift+down", "extend('row', 1)", "Extend down", "select.down"),
    _b("ctrl+shift+left,B", "extend('word', -1)", "Extend to previous word", "select.word_left"),
    _b("ctrl+shift+right,W", "extend('word', 1)", "Extend to next word", "select.word_right"),
    _b("shift+home", "extend('line_start', 0)", "Extend to start of line", "select.home"),
    _b("shift+end", "extend('line_end', 0)", "Extend to end of line", "select.end"),
    _b("shift+pageup", "extend('page', -1)", "Extend a page up", "select.page_up"),
    _b("shift+pagedown", "extend('page', 1)", "Extend a page down", "select.page_down"),
    _b("v", "select_word", "Select word", "select.word", show=True),
    _b("s", "select_sentence", "Select sentence", "select.sentence", show=True),
    _b("f", "jump", "Jump to a word", "cursor.jump", show=True),
    _b("F", "jump(True)", "Extend the selection to a word", "select.jump"),
    _b("e", "extend_clause(1)", "Extend to the clause's end", "select.clause_right"),
    _b("E", "extend_clause(-1)", "Back to the previous clause's end", "select.clause_left"),
    _b("a", "extend('sentence', 1)", "Extend by a sentence", "select.sentence_right"),
    _b("A", "extend('sentence', -1)", "Back by a sentence", "select.sentence_left"),
    _b("slash", "search", "Search", "search.open", show=True),
    _b("n", "search_again(1)", "Next match", "search.next"),
    _b("N", "search_again(-1)", "Previous match", "search.previous"),
    _b("escape", "clear_selection", "Clear selection", "select.clear"),
    _b("t", "toggle_snap", "Token/character snapping", "select.snap"),
]

SPAN_BINDINGS = [
    _b("tab", "jump_span(1)", "Next span", "span.next"),
    _b("shift+tab", "jump_span(-1)", "Previous span", "span.previous"),
    _b("c", "cycle_span", "Cycle overlapping spans", "span.cycle"),
    _b("left_square_bracket", "adjust('start', -1)", "Start earlier", "span.start_earlier"),
    _b("right_square_bracket", "adjust('start', 1)", "Start later", "span.start_later"),
    _b("less_than_sign", "adjust('end', -1)", "End earlier", "span.end_earlier"),
    _b("greater_than_sign", "adjust('end', 1)", "End later", "span.end_later"),
    _b("d,delete", "delete_span", "Delete span", "span.delete", show=True),
    _b("l", "open_link_picker", "Link entity", "link.open", show=True),
    _b("L", "propagate_link", "Link same text", "link.propagate"),
    _b("X", "remove_link", "Remove link", "link.remove"),
    _b("u,ctrl+z", "undo", "Undo", "history.undo", show=True),
    _b("ctrl+r,ctrl+y,U", "redo", "Redo", "history.redo", show=True),
]

DOCUMENT_BINDINGS = [
    _b("J", "open_neighbour(1)", "Next document", "document.next"),
    _b("K", "open_neighbour(-1)", "Previous document", "document.previous"),
    _b("D", "finish('done')", "Done, next unfinished", "document.done", show=True),
    _b("S", "finish('skipped')", "Skip, next unfinished", "document.skip"),
    _b("q", "back_to_queue", "Queue", "document.queue", show=True),
]


class AnnotateScreen(SuggestionKeys, RelationKeys, LinkKeys, JumpKeys, ActiveTime, SidePanel, Screen):
    """Keys in, store writes out; the view only ever shows what the store holds."""

    reviewing = False

    BINDINGS = (CURSOR_BINDINGS + SPAN_BINDINGS + RELATION_BINDINGS + SUGGESTION_BINDINGS + DOCUMENT_BINDINGS
                + PANEL_BINDINGS)
    made_by: tuple[str, ...] = ()
    """The provenance recorded on spans made on this screen."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.document = document
        self.spans: list[Span] = []
        self._last_activity = time.monotonic()
        self._unsaved_seconds = 0.0
        self._visiting = False
        self._saved_state = Text("✓ saved", Style(color="green"))
        self._status_shown: str | None = None
        self._search_query = ""

    @property
    def store(self):
        return self.app.store

    @property
    def annotator(self) -> str:
        return self.app.annotator

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal(id="body"):
            yield ArticleView(id="article")
            yield SpanList(id="spans")
        yield Static(id="status")

    @property
    def view(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def span_list(self) -> SpanList:
        return self.query_one(SpanList)

    def on_mount(self) -> None:
        # Kept for leaving the document when the screen is taken down, when no query finds it.
        self._article_view = self.view
        self.fit_panel()
        self.load(self.document)
        self.set_interval(15, self.flush_time)
        self.view.focus()
        # A footer of some twenty keys takes as long to build as the rest of the screen:
        # it comes right after the article is on screen, not before.
        self.call_after_refresh(self._add_footer)

    async def _add_footer(self) -> None:
        await self.mount(Footer())
        self.refresh_bindings()  # what a footer waits for before it shows any key

    # -- loading ---------------------------------------------------------------

    def load(self, document: str) -> None:
        self.end_visit()
        cursor = self.start_visit(document)
        self.document = document
        self.spans = self.store.spans(document, self.annotator)
        labels = self.app.labels
        self._remember_entity_names(self.spans)
        self.view.load(self.store.text(document), self.spans, labels)
        self.view.move_to(cursor)  # where this annotator left it, the span there current
        span_list = self.span_list
        span_list.letters = self.view.letters
        span_list.colours = {label.name: label.colour for label in labels}
        span_list.show(self.spans, None)
        self.load_relations()
        self._last_activity = time.monotonic()
        self.start_suggestions()
        self.refresh_header()

    def _remember_entity_names(self, spans: list[Span]) -> None:
        names = self.span_list.entity_names
        for span in spans:
            if span.entity_id and span.entity_id not in names:
                names[span.entity_id] = self.store.entity(span.entity_id).name

    def refresh_header(self) -> None:
        counts = self.store.status_counts(self.annotator)
        self._done, self._skipped = counts.get("done", 0), counts.get("skipped", 0)
        self._total = self.store.document_count()
        self.query_one("#header", Static).update(self.header_text())
        self.refresh_status()

    def header_text(self) -> Text:
        store = self.store
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append(f" {for_widget(self.annotator)} ", Style(bold=True, reverse=True))
        header.append(f"  document {store.position(self.document)} of {self._total}  ")
        header.append(for_widget(store.document(self.document).title), Style(bold=True))
        self._status_shown = store.status(self.document, self.annotator)
        header.append(f"  [{self._status_shown}]", Style(dim=True))
        return header

    def header_outdated(self) -> bool:
        """Whether a write may have changed the header: the first one starts the document."""
        return self._status_shown == "new"

    def refresh_status(self) -> None:
        view = self.view
        status = Text(no_wrap=True, overflow="ellipsis")
        # Skipped documents are not done: they are counted apart.
        status.append(f" corpus {self._done}/{self._total} done"
                      + (f", {self._skipped} skipped  " if self._skipped else "  "))
        status.append_text(self._saved_state)
        status.append(f"  {counted(len(self.spans), 'span')}")
        if view.selection:
            start, end = view.selection
            status.append(f"  selected “{shortened(view.text[start:end])}”")
        current = view.current
        if current:
            status.append(f"  {'picked' if view.picked else 'on'} {current.label} "
                          f"“{shortened(current.text, 30)}”")
            if current.nil:
                status.append(" → NIL", Style(italic=True))
            elif current.entity_id:
                name = self.span_list.entity_names.get(current.entity_id, current.entity_id)
                status.append(f" → {for_widget(name)}", Style(italic=True))
            status.append_text(self.relation_status(current))
            if view.picked:
                status.append(" (a label key relabels it)", Style(dim=True))
            elif len(view.spans_at(view.cursor)) > 1:
                status.append(" (c: next overlapping)", Style(dim=True))
        status.append("  token snap" if view.snap else "  character precision", Style(dim=True))
        status.append_text(self.suggestion_status())
        self.query_one("#status", Static).update(status)

    @on(ArticleView.CursorMoved)
    def _cursor_moved(self) -> None:
        self.span_list.set_current(self.view.current_id)
        self.show_relations()
        self.refresh_status()

    @on(SpanList.Chosen)
    def _span_chosen(self, event: SpanList.Chosen) -> None:
        self.view.focus_span(event.span)
        self.view.focus()

    # -- cursor ----------------------------------------------------------------

    def action_move(self, unit: str, step: int) -> None:
        self._move(unit, step, extend=False)

    def action_extend(self, unit: str, step: int) -> None:
        self._move(unit, step, extend=True)

    def _move(self, unit: str, step: int, *, extend: bool) -> None:
        view = self.view
        if unit == "row":
            view.move_rows(step, extend=extend)
            return
        if unit == "page":
            view.move_rows(step * max(1, view.scrollable_content_region.height - 1), extend=extend)
            return
        if extend and unit in ("word", "sentence", "paragraph"):
            # Extending takes in whole units, so stop at an end: forward the next
            # unit's, back the previous one's (a selection shrinks as it grew).
            segments = getattr(view.index, _SEGMENTS[unit])
            found = segments.next_end(view.cursor) if step > 0 else segments.previous_end(view.cursor)
            view.move_to((len(view.text) if step > 0 else 0) if found is None else found, extend=True)
            return
        view.move_to(self._target(unit, step), extend=extend)

    def _target(self, unit: str, step: int) -> int:
        view = self.view
        cursor, index, end = view.cursor, view.index, len(view.text)
        if unit == "char":
            return cursor + step
        if unit == "document":
            return 0 if step < 0 else end
        if unit == "line_start":
            return view.row_bounds()[0]
        if unit == "line_end":
            return view.row_bounds()[1]
        segments = getattr(index, _SEGMENTS[unit])
        found = segments.next_start(cursor) if step > 0 else segments.previous_start(cursor)
        if found is None:
            return end if step > 0 else 0
        return found

    def action_select_word(self) -> None:
        word = self.view.index.word_at(self.view.cursor)
        if word:
            self.view.select(*word)

    def action_select_sentence(self) -> None:
        sentence = self.view.index.sentence_at(self.view.cursor)
        if sentence:
            self.view.select(*sentence)

    def action_clear_selection(self) -> None:
        self.view.clear_selection()
        self.refresh_status()

    def action_toggle_snap(self) -> None:
        self.view.snap = not self.view.snap
        self.notify("Selections snap to whole tokens." if self.view.snap
                    else "Character precision: selections are taken exactly.")
        self.refresh_status()

    # -- spans -----------------------------------------------------------------

    def action_label(self, name: str) -> None:
        """Tag the selection; else relabel the current span if it was picked on purpose (or is
        exactly the word at the cursor); else tag the word at the cursor."""
        view = self.view
        selection = view.selection
        if selection is not None:
            start, end = view.index.snap(*selection) if view.snap else selection
            if start >= end:
                return
            existing = span_like(self.spans, start, end, name)
            if existing:
                view.focus_span(existing)
                return
            self._write(lambda: self.store.add_span(self.document, self.annotator, start, end, name,
                                                        provenance=self.made_by),
                        focus=True)
            return
        word = view.index.word_at(view.cursor)
        current = view.current
        # A span found under the cursor is relabelled only when it is the word itself;
        # a claim around the word stays as it is and the word gets a span of its own.
        if current is not None and (view.picked or (current.start, current.end) == word):
            if current.label != name and not self._duplicates(current.start, current.end, name, current):
                self._write(lambda: self.store.relabel(current.id, name), focus=True)
            return
        if self.accept_suggestion_as(name):
            return
        if word:
            existing = span_like(self.spans, *word, name)
            if existing:
                view.focus_span(existing)
                return
            self._write(lambda: self.store.add_span(self.document, self.annotator, *word, name,
                                                        provenance=self.made_by),
                        focus=True)

    def action_delete_span(self) -> None:
        current = self.view.current
        if current is not None:
            self._write(lambda: self.store.delete_span(current.id), removes=True)

    def action_adjust(self, side: str, step: int) -> None:
        view = self.view
        current = view.current
        if current is None:
            return
        start, end = current.start, current.end
        tokens = view.index.tokens
        if side == "start":
            if view.snap:
                moved = tokens.previous_start(start) if step < 0 else tokens.next_start(start)
            else:
                moved = start + step
            start = moved if moved is not None else start
        else:
            if view.snap:
                moved = tokens.previous_end(end) if step < 0 else tokens.next_end(end)
            else:
                moved = end + step
            end = moved if moved is not None else end
        if (0 <= start < end <= len(view.text) and (start, end) != (current.start, current.end)
                and not self._duplicates(start, end, current.label, current)):
            self._write(lambda: self.store.resize(current.id, start, end), focus=True)

    def _duplicates(self, start: int, end: int, label: str, span: Span) -> bool:
        """Whether changing `span` so would make it an exact copy of another span; says so if it would."""
        existing = span_like(self.spans, start, end, label, other_than=span.id)
        if existing:
            self.notify(f"There is already a {label} span over exactly that text.")
        return existing is not None

    def action_jump_span(self, step: int) -> None:
        view = self.view
        if not self.spans:
            return
        ordered = view.spans
        position = view.cursor
        if step > 0:
            following = [s for s in ordered if s.start > position]
            target = following[0] if following else ordered[0]
        else:
            preceding = [s for s in ordered if s.start < position]
            target = preceding[-1] if preceding else ordered[-1]
        view.focus_span(target)

    def action_cycle_span(self) -> None:
        self.view.cycle_current()

    def action_undo(self) -> None:
        self._history("undo", "Nothing to undo.")

    def action_redo(self) -> None:
        self._history("redo", "Nothing to redo.")

    def _history(self, direction: str, empty_message: str) -> None:
        try:
            events = self.store.replay(self.document, self.annotator, direction)
        except WorkbenchError as error:
            self._failed(error)
            return
        if not events:
            self.notify(empty_message)
            return
        self._reload_spans(focus_id=events[-1].span_id)
        names = self.span_list.entity_names
        texts = {span.id: span.text for span in self.spans}
        change = describe(events, lambda entity_id: names.get(entity_id, entity_id), text_of=texts.get)
        # Where "✓ saved" stands: the change is saved, and this says which it was.
        self._saved_state = Text(f"✓ {'undid' if direction == 'undo' else 'redid'}: {for_widget(change)}",
                                 Style(color="green"))
        self.refresh_status()

    def _reload_spans(self, focus_id: str | None) -> None:
        """Show the spans as the store now holds them, after a write that changed several."""
        self.spans = self.store.spans(self.document, self.annotator)
        self._remember_entity_names(self.spans)
        self.view.update_spans(self.spans)
        self._show(focus_id=focus_id)

    def _write(self, write, *, focus: bool = False, removes: bool = False) -> None:
        """Run one store write; the screen changes only once it is committed."""
        try:
            span = write()
        except WorkbenchError as error:
            self._failed(error)
            return
        before = next((s for s in self.spans if s.id == span.id), None)
        self.spans = [s for s in self.spans if s.id != span.id]
        if not removes:
            self.spans.append(span)
        self._remember_entity_names([span])
        self.view.replace_span(before, None if removes else span)
        self._show(focus_id=None if removes else span.id if focus else None)

    def _show(self, focus_id: str | None) -> None:
        """Bring the rest of the screen in line once the view holds the new spans."""
        view = self.view
        view.clear_selection()
        focused = next((s for s in self.spans if s.id == focus_id), None)
        if focused is not None and not (focused.start <= view.cursor < focused.end):
            view.focus_span(focused)
        elif focused is not None:
            view.current_id = focused.id
            view.picked = True
        self._saved_state = Text("✓ saved", Style(color="green"))
        self.refresh_suggestions()
        self.reload_relations()
        self.span_list.show(view.spans, view.current_id)
        if self.header_outdated():
            self.refresh_header()
        else:
            self.refresh_status()

    def _failed(self, error: Exception) -> None:
        self._saved_state = Text(f"✗ not saved: {error}", Style(color="red", bold=True))
        self.notify(str(error), title="Not saved", severity="error")
        self.refresh_status()

    # -- documents ---------------------------------------------------------------

    def action_open_neighbour(self, step: int) -> None:
        neighbour = self.store.neighbour(self.document, step)
        if neighbour is None:
            self.notify("This is the last document." if step > 0 else "This is the first document.")
            return
        self.load(neighbour)

    def action_finish(self, status: str) -> None:
        self.flush_time()
        try:
            self.store.set_status(self.document, self.annotator, status)
        except WorkbenchError as error:
            self._failed(error)
            return
        following = self.store.first_unfinished(self.annotator, after=self.document)
        if following is None:
            self.refresh_header()
            if self._skipped:
                self.notify(f"Every document is done or skipped: {counted(self._skipped, 'document')} "
                            "skipped, still to do.", title="Nothing new left")
            else:
                self.notify("Every document is finished. Well done.", title="All done")
            self.app.action_back_to_queue()
            return
        self.load(following)

    def action_back_to_queue(self) -> None:
        self.flush_time()
        self.app.action_back_to_queue()


def screen_for_labels(labels: list[Label], base: type[AnnotateScreen] = AnnotateScreen
                      ) -> type[AnnotateScreen]:
    """A screen class with one key per label, as the label set defines them.

    The label keys come first, so the footer shows them first: a narrow footer cuts the
    keys at its end, and the label keys are the ones an annotator needs most.
    """
    bindings = [
        _b(label.key, f"label({label.name!r})", f"Tag as {label.name}", f"label.{label.name}",
           show=True)
        for label in labels
    ]
    return type(base.__name__, (base,), {"BINDINGS": bindings + _inherited_bindings(base)},
                inherit_bindings=False)


def _inherited_bindings(base: type[Screen]) -> list[Binding]:
    """The bindings `base` has from all its classes, in order; as Textual's own inheritance
    does, a class's binding takes a key from the bindings its base classes gave it."""
    def keys(binding: Binding) -> set[str]:
        return {key.strip() for key in binding.key.split(",")}

    found: list[Binding] = []
    for cls in reversed(base.__mro__):
        own = [binding for binding in cls.__dict__.get("BINDINGS", ()) if isinstance(binding, Binding)]
        taken = set().union(*map(keys, own))
        found = [binding for binding in found if not keys(binding) & taken] + own
    return found
