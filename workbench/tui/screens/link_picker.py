"""The link picker: search the knowledge base for a mention and choose an entity.

When no candidate is a confident match (`linking.confident_match`), the
picker says so and highlights none: Enter then takes nothing, so a fast
annotator does not link a mention to the nearest wrong entity. Down arrow
picks a candidate anyway; ctrl+n marks the mention NIL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import NoActiveWorker, Worker, get_current_worker

from ...linking import Candidate, confident_match
from ...model import Span
from ..display import for_widget


def active_worker() -> Worker | None:
    """The worker this code runs in, or None on the app's own thread."""
    try:
        return get_current_worker()
    except NoActiveWorker:
        return None


@dataclass(frozen=True)
class LinkChoice:
    """What the picker was closed with: link, nil, unlink or create."""

    action: str
    entity_id: str | None = None
    name: str = ""
    type: str = ""


class SearchBox(Input, inherit_bindings=False):
    """The picker's search box: an Input that leaves the picker's keys to the picker.

    The picker's keys are not priority bindings, which would run ahead of the
    letters typed before them that the box has not handled yet: over SSH, keys
    arrive in bursts, and "Zelensky⏎" must link what Zelensky finds.
    """

    BINDINGS = [binding for binding in Input.BINDINGS if binding.key not in ("end,ctrl+e", "ctrl+x")] + [
        Binding("end", "end", show=False)]


class LinkPicker(ModalScreen[LinkChoice | None]):
    BINDINGS = [
        # The search box turns enter into Input.Submitted, handled in the order typed.
        Binding("enter", "link", "Link", id="picker.link", show=True),
        Binding("ctrl+n", "nil", "Not in KB (NIL)", id="picker.nil", show=True),
        Binding("ctrl+e", "create", "New entity", id="picker.create", show=True),
        Binding("ctrl+x", "unlink", "Remove link", id="picker.unlink", show=True),
        Binding("down", "move(1)", "Next", id="picker.down", show=False),
        Binding("up", "move(-1)", "Previous", id="picker.up", show=False),
        Binding("escape", "cancel", "Cancel", id="picker.cancel", show=True),
    ]

    def __init__(self, span: Span, search: Callable[[str], list[Candidate]], types: list[str]) -> None:
        super().__init__()
        self.span = span
        self.search = search
        self.types = types
        self.candidates: list[Candidate] = []
        self.shown_for: str | None = None
        """The query the candidates shown were found for."""
        self.creating = False

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            mention = Text("Link ")
            mention.append(for_widget(self.span.text), Style(bold=True))
            mention.append(f"  ({self.span.label}, {self.span.start}-{self.span.end})", Style(dim=True))
            yield Label(mention, id="picker-mention")
            yield SearchBox(value=self.span.text.replace("\n", " "), id="picker-query")
            yield OptionList(id="picker-candidates")
            with Horizontal(id="picker-create"):
                yield Input(placeholder="type, e.g. PERSON, GPE, ORG", id="picker-type")
            yield Label("", id="picker-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#picker-create").display = False
        self.query_one("#picker-query", Input).focus()
        self.refresh_candidates(self.query_one("#picker-query", Input).value)

    @on(Input.Changed, "#picker-query")
    def _query_changed(self, event: Input.Changed) -> None:
        if not self.creating:
            self.refresh_candidates(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_link()

    @work(thread=True, exclusive=True, group="link-search")
    def refresh_candidates(self, query: str) -> None:
        candidates = self.search(query)
        # Overtaken by later typing: its candidates would replace the newer ones.
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, query, candidates)

    def _show(self, query: str, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        self.shown_for = query
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(_describe(c), id=c.entity_id) for c in candidates)
        confident = confident_match(candidates) is not None
        options.highlighted = 0 if confident else None
        if confident:
            hint = "Enter links the highlighted entity."
        elif candidates:
            hint = ("No confident match. ↓ picks a candidate anyway; "
                    "ctrl+n: not in the knowledge base (NIL); ctrl+e: new entity.")
        else:
            hint = "No candidates. ctrl+n: not in the knowledge base (NIL); ctrl+e: new entity."
        self.query_one("#picker-hint", Label).update(hint)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            # With no confident match nothing is highlighted, and the first step down picks the top.
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(current + step, options.option_count - 1))

    def action_link(self) -> None:
        if self.creating:
            name = self.query_one("#picker-query", Input).value.strip()
            kind = self.query_one("#picker-type", Input).value.strip()
            if name and kind:
                self.dismiss(LinkChoice("create", name=name, type=kind))
            else:
                self.query_one("#picker-hint", Label).update("A new entity needs a name and a type.")
            return
        query = self.query_one("#picker-query", Input).value
        if query != self.shown_for:
            # Enter came before the search for what was typed last: link what that finds.
            self._show(query, self.search(query))
        options = self.query_one(OptionList)
        if options.highlighted is not None and self.candidates:
            self.dismiss(LinkChoice("link", self.candidates[options.highlighted].entity_id))
        elif self.candidates:
            self.query_one("#picker-hint", Label).update(
                "No confident match, so Enter links nothing: ↓ to pick a candidate, ctrl+n for NIL.")

    def action_nil(self) -> None:
        self.dismiss(LinkChoice("nil"))

    def action_unlink(self) -> None:
        self.dismiss(LinkChoice("unlink"))

    def action_create(self) -> None:
        """Switch to making a new entity: the query is its name, then type its type."""
        self.creating = True
        self.query_one("#picker-candidates").display = False
        self.query_one("#picker-create").display = True
        # The type the span's label prefers, never a guess from the candidates, which may
        # all be wrong: that is often why a new entity is made.
        preferred = self.app.config.link_types.get(self.span.label, ())
        type_input = self.query_one("#picker-type", Input)
        type_input.value = preferred[0] if preferred else ""
        type_input.focus()
        ask = "" if preferred else f" Type its type ({', '.join(self.types[:6]) or 'PERSON, ORG, PLACE'}, ...)."
        self.query_one("#picker-hint", Label).update(
            "New entity: the search text is its name and first alias. Enter creates and links it." + ask)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _describe(candidate: Candidate) -> Text:
    row = Text()
    row.append(for_widget(candidate.name), Style(bold=True))
    row.append(f"  {for_widget(candidate.type)}", Style(color="cyan"))
    row.append(f"  {candidate.score:.0f}", Style(color="green"))
    if candidate.alias != candidate.name:
        row.append(f"  via “{for_widget(candidate.alias)}”", Style(italic=True))
    if candidate.description:
        row.append(f"\n  {for_widget(candidate.description)[:100]}", Style(dim=True))
    return row
