"""The review screen: annotators' versions side by side, adjudicated into gold.

Gold is the reserved annotator `gold`, so every key of the annotate screen
(labels, boundaries, links, delete, undo and redo) edits gold here too; the
review keys add accepting and rejecting annotators' versions, of spans and then
of relations (the store's rules: `store.review`).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from ...agreement.alignment import Group, Kind, Mark
from ...agreement.relations import RelationGroup, RelationMark
from ...errors import WorkbenchError
from ...model import GOLD, Relation, Span
from ..widgets.article import ArticleView
from ..widgets.span_list import SpanList
from .annotate import AnnotateScreen
from ..display import counted, for_widget, shortened

SIGNS = {Kind.ONLY_SOME: ("±", "#e5c07b", "only some"), Kind.LABEL: ("≠", "#e06c75", "label"),
         Kind.BOUNDARY: ("↔", "#c678dd", "boundary"), Kind.LINK: ("⇄", "#61afef", "link")}


class ReviewScreen(AnnotateScreen):
    BINDINGS = [
        Binding("n", "jump_group(1)", "Next disagreement", id="review.next", show=True),
        Binding("p", "jump_group(-1)", "Previous disagreement", id="review.previous", show=True),
        Binding("j", "choose_version(1)", "Next version", id="review.version_next"),
        Binding("k", "choose_version(-1)", "Previous version", id="review.version_previous"),
        Binding("a", "accept", "Accept version", id="review.accept", show=True),
        Binding("r", "reject", "Reject version", id="review.reject", show=True),
        Binding("D", "finish('done')", "Reviewed, next", id="review.done", show=True),
    ]

    made_by = ("reviewer",)
    reviewing = True

    def __init__(self, document: str, annotators: list[str]) -> None:
        self.chosen_annotators = annotators
        # Span disagreements first, then relation ones: a relation is settled once its spans are.
        self.groups: list[Group | RelationGroup] = []
        self.group_index = 0
        self.version_index = 0
        self.source_spans: dict[str, Span] = {}
        self.source_relations: dict[str, Relation] = {}
        self.gold_relations: set[tuple] = set()
        self.rejected: set[str] = set()
        super().__init__(document)

    @property
    def annotator(self) -> str:
        return GOLD

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal(id="body"):
            yield ArticleView(id="article")
            with Vertical(id="review-side"):
                with VerticalScroll(id="review-groups"):
                    yield Static(id="review-panel")
                yield SpanList(id="spans")
        yield Static(id="status")

    # -- loading ---------------------------------------------------------------

    def load(self, document: str) -> None:
        adjudication = self.store.start_review(document, self.chosen_annotators)
        self.source_spans = dict(adjudication.sources)
        self.source_relations = dict(adjudication.relation_sources)
        self.groups = [*adjudication.disagreements, *adjudication.relation_disagreements]
        self.rejected = self.store.rejections(document)
        self.gold_relations = self.store.relation_keys(document, GOLD)
        self.group_index = self.version_index = 0
        super().load(document)
        if self.groups:
            self.view.select(self.groups[0].start, self.groups[0].end)
        self.refresh_panel()

    def header_text(self) -> Text:
        header = Text(no_wrap=True, overflow="ellipsis")
        unresolved = sum(not self._resolved(group) for group in self.groups)
        header.append(" review ", Style(bold=True, reverse=True))
        header.append(f"  {for_widget(', '.join(self._annotators_shown()))} → gold  ")
        header.append(f"{unresolved} of {counted(len(self.groups), 'disagreement')} open  ")
        header.append(for_widget(self.store.document(self.document).title), Style(bold=True))
        header.append(f"  [{self.store.review_status(self.document, self.chosen_annotators)}]",
                      Style(dim=True))
        return header

    def header_outdated(self) -> bool:
        # Any edit of gold, its undo included, can settle or reopen a disagreement.
        return True

    def _annotators_shown(self) -> list[str]:
        names = {name for group in self.groups for name in (*group.versions, *group.missing)}
        return self.chosen_annotators or sorted(names)

    # -- the panel of disagreements ---------------------------------------------

    def _state(self, mark: Mark | RelationMark) -> str:
        if mark.id in self.rejected and not self._in_gold(mark):
            return "rejected"
        return "accepted" if self._in_gold(mark) else ""

    def _in_gold(self, mark: Mark | RelationMark) -> bool:
        if isinstance(mark, RelationMark):
            return mark.key in self.gold_relations
        return any((s.start, s.end, s.label, s.link_key) == tuple(mark[:4]) for s in self.spans)

    def _resolved(self, group: Group | RelationGroup) -> bool:
        states = [self._state(mark) for mark in group.versions.values()]
        return "accepted" in states or all(state == "rejected" for state in states)

    def refresh_panel(self) -> None:
        panel = Text()
        if not self.groups:
            panel.append("No disagreements: gold holds what every annotator agreed on.\n"
                         "Edit it with the annotate keys, then D.")
        for index, group in enumerate(self.groups):
            sign, colour, name = SIGNS[group.kind]
            current = index == self.group_index
            done = self._resolved(group)
            line = Style(color=colour, bold=current, dim=done and not current)
            panel.append("▶ " if current else "  ", line)
            panel.append(f"{sign} {name:<10}", line)
            if isinstance(group, RelationGroup):
                panel.append(f" {group.label}", line)
            panel.append(f" {group.start}-{group.end}", Style(dim=True))
            panel.append("  ✓ resolved\n" if done else "\n", Style(color="green"))
            if not current:
                continue
            for position, (annotator, mark) in enumerate(group.versions.items()):
                chosen = position == self.version_index
                state = self._state(mark)
                panel.append("   » " if chosen else "     ", Style(bold=True))
                panel.append(f"{for_widget(annotator)}: ", Style(bold=chosen, reverse=chosen))
                if isinstance(mark, RelationMark):
                    panel.append(self._said(mark))
                else:
                    panel.append(f"{mark.label} {mark.start}-{mark.end} ")
                    panel.append(f"“{for_widget(self.source_spans[mark.id].text[:40])}”")
                    if mark.link:
                        panel.append(f" → {for_widget(self._entity_name(mark.link))}", Style(italic=True))
                if state:
                    panel.append(f"  [{state}]", Style(color="green" if state == "accepted" else "red"))
                panel.append("\n")
            nothing = "(no such relation)" if isinstance(group, RelationGroup) else "(no span)"
            for annotator in group.missing:
                panel.append(f"     {for_widget(annotator)}: {nothing}\n", Style(dim=True))
        self.query_one("#review-panel", Static).update(panel)

    def _said(self, mark: RelationMark) -> str:
        """Who said what: ``claim “…” → source “…”``."""
        relation = self.source_relations[mark.id]
        head, tail = (self.source_spans[relation.head].text, self.source_spans[relation.tail].text)
        return f"{mark.head.label} “{shortened(head)}” → {mark.tail.label} “{shortened(tail)}”"

    def _entity_name(self, link: str) -> str:
        if link == "NIL":
            return "NIL"
        try:
            return self.store.entity(link).name
        except WorkbenchError:
            return link

    def _show(self, focus_id: str | None) -> None:
        # Any gold edit can take relations with it (deleting a span deletes its relations).
        self.gold_relations = self.store.relation_keys(self.document, GOLD)
        super()._show(focus_id)
        self.refresh_panel()

    # -- review keys -----------------------------------------------------------

    @property
    def group(self) -> Group | RelationGroup | None:
        return self.groups[self.group_index] if self.groups else None

    def action_jump_group(self, step: int) -> None:
        if not self.groups:
            self.notify("No disagreements in this document.")
            return
        self.group_index = (self.group_index + step) % len(self.groups)
        self.version_index = 0
        group = self.groups[self.group_index]
        self.view.select(group.start, group.end)
        self.refresh_panel()
        self.refresh_status()

    def action_choose_version(self, step: int) -> None:
        group = self.group
        if group:
            self.version_index = (self.version_index + step) % len(group.versions)
            self.refresh_panel()

    def _chosen(self) -> tuple[str, Mark | RelationMark] | None:
        group = self.group
        if group is None:
            return None
        return list(group.versions.items())[self.version_index]

    def action_accept(self) -> None:
        """Gold takes the chosen version, replacing any other version of this group: one undo."""
        chosen = self._chosen()
        if chosen is None:
            return
        _, mark = chosen
        accept = (self.store.accept_relation_version if isinstance(mark, RelationMark)
                  else self.store.accept_version)
        try:
            taken = accept(self.document, mark.id, [version.id for version in self.group.versions.values()])
        except WorkbenchError as error:
            self._failed(error)
            return
        if taken is None:
            self.notify("That version is already in gold.")
            return
        self._reload_spans(focus_id=None)

    def action_reject(self) -> None:
        """Gold loses the chosen version, and the rejection is recorded: one undo."""
        chosen = self._chosen()
        if chosen is None:
            return
        mark = chosen[1]
        reject = (self.store.reject_relation_version if isinstance(mark, RelationMark)
                  else self.store.reject_version)
        try:
            reject(self.document, mark.id)
        except WorkbenchError as error:
            self._failed(error)
            return
        self._reload_spans(focus_id=None)

    def _reload_spans(self, focus_id: str | None) -> None:
        # Undo and redo can lift or restore a rejection as well as change gold.
        self.rejected = self.store.rejections(self.document)
        super()._reload_spans(focus_id)

    def action_open_neighbour(self, step: int) -> None:
        """Step to the nearest document in that direction that is ready for review."""
        document = self.store.next_for_review(self.chosen_annotators, after=self.document, step=step,
                                              wrap=False)
        if document is None:
            self.notify("No other document in that direction is ready for review.")
            return
        self.load(document)

    def action_finish(self, status: str) -> None:
        """D marks the document reviewed, S leaves it in review for later; both open the next
        document waiting for review."""
        self.flush_time()
        if status == "done":
            try:
                self.store.set_status(self.document, GOLD, "done")
            except WorkbenchError as error:
                self._failed(error)
                return
        following = self.store.next_for_review(self.chosen_annotators, after=self.document)
        if following is None and status != "done":
            self.notify("No other document is waiting for review.")
            return
        if following is None:
            self.notify("No more documents are waiting for review.", title="Review done")
            self.app.action_back_to_queue()
            return
        self.load(following)
