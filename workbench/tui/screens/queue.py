"""The queue: every document with this annotator's status, filterable."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from ...model import GOLD, STATUSES, QueueRow
from ..display import for_widget

STATUS_FILTERS = ("all", *STATUSES)
REVIEW_FILTERS = ("all", "not ready", "ready", "in review", "reviewed")


class QueueScreen(Screen):
    BINDINGS = [
        Binding("f", "cycle_filter", "Filter status", id="queue.filter", show=True),
        Binding("slash", "focus_search", "Search titles", id="queue.search", show=True),
        Binding("R", "review", "Review into gold", id="queue.review", show=True),
        Binding("A", "agreement", "Agreement", id="queue.agreement", show=True),
        Binding("escape", "focus_table", "Back to list", id="queue.table"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[QueueRow] = []
        self.status_filter = "all"

    def compose(self) -> ComposeResult:
        yield Static(id="queue-header")
        yield Input(placeholder="type to filter titles (/)", id="queue-search")
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "status", "spans", "minutes", "title")

    def on_screen_resume(self) -> None:
        # The queue sits under the annotate screen from start-up; loading a large
        # corpus for a screen nobody sees would only slow the first article down.
        self.call_after_refresh(self._load_if_shown)

    def _load_if_shown(self) -> None:
        if self.is_current and self.app.annotator:
            self.load()

    @work(thread=True, exclusive=True, group="queue")
    def load(self) -> None:
        review = self.app.review
        with self.app.store.reader() as store:
            if review is None:
                rows = store.queue(self.app.annotator)
            else:
                rows = [replace(row, status=store.review_status(row.uid, review))
                        for row in store.queue(GOLD)]
        self.app.call_from_thread(self._loaded, rows)

    def _loaded(self, rows: list[QueueRow]) -> None:
        self.rows = rows
        self.show()
        self.query_one(DataTable).focus()

    def show(self) -> None:
        query = self.query_one(Input).value.casefold()
        table = self.query_one(DataTable)
        table.clear()
        shown = [row for row in self.rows
                 if (self.status_filter == "all" or row.status == self.status_filter)
                 and query in row.title.casefold()]
        table.add_rows(
            (str(row.position), Text(row.status, style=_STATUS_STYLE.get(row.status, "")),
             str(row.spans), f"{row.seconds / 60:.0f}",
             Text(for_widget(row.title)))
            for row in shown
        )
        self._keys = [row.uid for row in shown]
        finished = sum(row.status in ("done", "skipped") for row in self.rows)
        header = Text(f" {for_widget(self.app.annotator)}  {finished}/{len(self.rows)} finished  "
                      f"showing {len(shown)} ({self.status_filter})  Enter opens a document")
        self.query_one("#queue-header", Static).update(header)

    @on(Input.Changed, "#queue-search")
    def _search_changed(self) -> None:
        self.show()

    @on(Input.Submitted, "#queue-search")
    def _search_submitted(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.open_document(self._keys[event.cursor_row])

    def action_cycle_filter(self) -> None:
        filters = STATUS_FILTERS if self.app.review is None else REVIEW_FILTERS
        index = filters.index(self.status_filter) if self.status_filter in filters else -1
        self.status_filter = filters[(index + 1) % len(filters)]
        self.show()

    def action_review(self) -> None:
        table = self.query_one(DataTable)
        if self._keys and table.cursor_row is not None:
            self.app.open_review(self._keys[table.cursor_row])

    def action_agreement(self) -> None:
        from .agreement import AgreementScreen

        self.app.push_screen(AgreementScreen())

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()


_STATUS_STYLE = {"done": "green", "skipped": "dim", "in_progress": "yellow",
                 "reviewed": "green", "ready": "cyan", "in review": "yellow", "not ready": "dim"}
