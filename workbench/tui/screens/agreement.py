"""The agreement view: the same report as `workbench agreement`, inside the app."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...agreement.render import table
from ...errors import WorkbenchError
from ...agreement.from_store import agreement_report


class AgreementScreen(ModalScreen):
    """Per label and per pair of annotators, over the documents they all marked done."""

    BINDINGS = [Binding("escape,q,A", "dismiss", "Close", id="agreement.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="agreement-body"):
            yield Static(Text("Computing agreement…"), id="agreement-report")

    def on_mount(self) -> None:
        self.build()

    @work(thread=True, exclusive=True, group="agreement")
    def build(self) -> None:
        try:
            with self.app.store.reader() as store:
                shown = table(agreement_report(store, annotators=self.app.review or ()))
        except WorkbenchError as error:
            shown = Text(f"{error}\n\nAgreement needs two annotators who marked the same "
                         "documents done.")
        self.app.call_from_thread(self.query_one("#agreement-report", Static).update, shown)
