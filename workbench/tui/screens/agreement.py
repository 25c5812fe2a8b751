"""The agreement view: the same report as `workbench agreement`, inside the app."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...agreement.render import table
from ...errors import NothingToCompare, WorkbenchError
from ...agreement.from_store import agreement_report


class AgreementScreen(ModalScreen):
    """Per label and per pair of annotators, over the documents they all marked done
    (or, after `s`, every document at least two of them have spans in)."""

    BINDINGS = [
        Binding("escape,q,A", "dismiss", "Close", id="agreement.close", show=True),
        Binding("s", "toggle_status", "Done documents only / all", id="agreement.status", show=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status = "done"
        """Which documents count, as `workbench agreement --status` takes it."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="agreement-body"):
            yield Static(Text("Computing agreement…"), id="agreement-report")
        yield Footer()

    def on_mount(self) -> None:
        self.build()

    def action_toggle_status(self) -> None:
        self.status = "any" if self.status == "done" else "done"
        self.query_one("#agreement-report", Static).update(Text("Computing agreement…"))
        self.build()

    @work(thread=True, exclusive=True, group="agreement")
    def build(self) -> None:
        try:
            with self.app.store.reader() as store:
                shown = table(agreement_report(store, annotators=self.app.review or (), status=self.status))
        except NothingToCompare as error:
            hint = ("Press s to count the documents not marked done too."
                    if error.only_done else "Agreement needs two annotators with spans in the same documents.")
            shown = Text(f"{error}\n\n{hint}")
        except WorkbenchError as error:
            shown = Text(str(error))
        self.app.call_from_thread(self.query_one("#agreement-report", Static).update, shown)
