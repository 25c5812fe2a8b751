"""The review screen: annotators' versions side by side, adjudicated into gold.

Gold is the reserved annotator `gold`, so every key of the annotate screen
(labels, boundaries, links, delete, undo and redo) edits gold here too; the
review keys add accepting and rejecting annotators' versions.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Static

from ...agreement.alignment import Group, Kind, Mark, align
from ...errors import WorkbenchError
from ...model import GOLD, Span
from ..widgets.article import ArticleView
from ..widgets.span_list import SpanList
from .annotate import AnnotateScreen
from ..display import for_widget

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
        self.groups: list[Group] = []
        self.group_index = 0
        self.version_index = 0
        self.source_spans: dict[str, Span] = {}
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
        yield Footer()

    # -- loading ---------------------------------------------------------------

    def load(self, document: str) -> None:
        annotators = self.store.compared_annotators(document, self.chosen_annotators)
        by_annotator = {name: self.store.spans(document, name) for name in annotators}
        self.source_spans = {span.id: span for spans in by_annotator.values() for span in spans}
        groups = align({name: [Mark.of(s) for s in spans] for name, spans in by_annotator.items()})
        agreed = [self._as_gold(group.versions[annotators[0]], annotators)
                  for group in groups if group.agreed and annotators]
        self.store.start_review(document, agreed)
        self.groups = [group for group in groups if not group.agreed]
        self.rejected = self.store.rejections(document)
        self.group_index = self.version_index = 0
        super().load(document)
        if self.groups:
            self.view.select(self.groups[0].start, self.groups[0].end)
        self.refresh_panel()

    def _as_gold(self, mark: Mark, provenance: list[str]) -> Span:
        source = self.source_spans[mark.id]
        return Span("", self.document, GOLD, source.start, source.end, source.label, source.text,
                    source.entity_id, source.nil, tuple(provenance))

    def header_text(self) -> Text:
        header = Text(no_wrap=True, overflow="ellipsis")
        unresolved = sum(not self._resolved(group) for group in self.groups)
        header.append(" review ", Style(bold=True, reverse=True))
        header.append(f"  {', '.join(self._annotators_shown())} → gold  ")
        header.append(f"{unresolved} of {len(self.groups)} disagreements open  ")
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

    def _state(self, mark: Mark) -> str:
        if mark.id in self.rejected and not self._in_gold(mark):
            return "rejected"
        return "accepted" if self._in_gold(mark) else ""

    def _in_gold(self, mark: Mark) -> bool:
        return any((s.start, s.end, s.label, s.link_key) == tuple(mark[:4]) for s in self.spans)

    def _resolved(self, group: Group) -> bool:
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
            panel.append(f" {group.start}-{group.end}", Style(dim=True))
            panel.append("  ✓ resolved\n" if done else "\n", Style(color="green"))
            if not current:
                continue
            for position, (annotator, mark) in enumerate(group.versions.items()):
                chosen = position == self.version_index
                state = self._state(mark)
                source = self.source_spans[mark.id]
                panel.append("   » " if chosen else "     ", Style(bold=True))
                panel.append(f"{annotator}: ", Style(bold=chosen, reverse=chosen))
                panel.append(f"{mark.label} {mark.start}-{mark.end} ")
                panel.append(f"“{for_widget(source.text[:40])}”")
                if mark.link:
                    panel.append(f" → {for_widget(self._entity_name(mark.link))}", Style(italic=True))
                if state:
                    panel.append(f"  [{state}]", Style(color="green" if state == "accepted" else "red"))
                panel.append("\n")
            for annotator in group.missing:
                panel.append(f"     {annotator}: (no span)\n", Style(dim=True))
        self.query_one("#review-panel", Static).update(panel)

    def _entity_name(self, link: str) -> str:
        if link == "NIL":
            return "NIL"
        try:
            return self.store.entity(link).name
        except WorkbenchError:
            return link

    def _show(self, focus_id: str | None) -> None:
        super()._show(focus_id)
        self.refresh_panel()

    # -- review keys -----------------------------------------------------------

    @property
    def group(self) -> Group | None:
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

    def _chosen(self) -> tuple[str, Mark] | None:
        group = self.group
        if group is None:
            return None
        return list(group.versions.items())[self.version_index]

    def action_accept(self) -> None:
        """Gold takes the chosen version, replacing any other version of this group."""
        chosen = self._chosen()
        if chosen is None:
            return
        _, mark = chosen
        if self._in_gold(mark):
            self.notify("That version is already in gold.")
            return
        versions = {tuple(m[:4]) for m in self.group.versions.values()}
        for span in [s for s in self.spans if (s.start, s.end, s.label, s.link_key) in versions]:
            self._write(lambda span=span: self.store.delete_span(span.id), removes=True)
        agreeing = [name for name, m in self.group.versions.items() if tuple(m[:4]) == tuple(mark[:4])]
        gold = self._as_gold(mark, agreeing)
        self._write(lambda: self.store.add_span(
            self.document, GOLD, gold.start, gold.end, gold.label, entity_id=gold.entity_id,
            nil=gold.nil, provenance=gold.provenance))
        self.refresh_header()

    def action_reject(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        _, mark = chosen
        for span in [s for s in self.spans if (s.start, s.end, s.label, s.link_key) == tuple(mark[:4])]:
            self._write(lambda span=span: self.store.delete_span(span.id), removes=True)
        self.store.record_rejection(self.document, self.source_spans[mark.id])
        self.rejected.add(mark.id)
        self.refresh_panel()
        self.refresh_header()

    def action_open_neighbour(self, step: int) -> None:
        """Step to the nearest document in that direction that is ready for review."""
        document = self.store.neighbour(self.document, step)
        while document is not None and not self.app.reviewable(document):
            document = self.store.neighbour(document, step)
        if document is None:
            self.notify("No other document in that direction is ready for review.")
            return
        self.load(document)

    def action_finish(self, status: str) -> None:
        """D marks the document reviewed, S leaves it in review for later; both open the next
        document waiting for review."""
        self.flush_time()
        if status == "done":
            self.store.set_status(self.document, GOLD, "done")
        uids = self.store.document_uids()
        here = uids.index(self.document)
        following = next((uid for uid in uids[here + 1:] + uids[:here]
                          if self.store.review_status(uid, self.chosen_annotators) in ("ready", "in review")),
                         None)
        if following is None and status != "done":
            self.notify("No other document is waiting for review.")
            return
        if following is None:
            self.notify("No more documents are waiting for review.", title="Review done")
            self.app.action_back_to_queue()
            return
        self.load(following)
