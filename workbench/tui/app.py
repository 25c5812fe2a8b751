"""The Textual application, built by `make_app` for the CLI and the tests alike."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from ..config import Config, remember_annotator
from ..model import Label
from ..store import Store
from .display import for_widget
from .screens.annotate import AnnotateScreen, screen_for_labels
from .screens.annotate_panel import PanelChoice
from .screens.help import HelpScreen, declared_bindings
from .screens.prompt import AnnotatorPrompt


class WorkbenchApp(App):
    CSS_PATH = "workbench.tcss"
    TITLE = "workbench"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "help", "Keys", id="app.help", show=True),
    ]

    def __init__(self, store: Store, annotator: str | None, *, document: str | None = None,
                 config: Config | None = None, review: list[str] | None = None) -> None:
        # Building the screens allocates enough to set off a full collection before the
        # first paint, some 20 ms walking every module, class and function just imported.
        # All of them live as long as the process: out of the collector's reach, they cost
        # nothing. (`_settled` does the same for what start-up builds.)
        gc.freeze()
        super().__init__()
        self.store = store
        self.annotator = annotator or ""
        self.start_document = document
        self.config = config or Config()
        self.review = review
        """The annotators being reviewed into gold, or None when annotating."""
        self.panel_choice = PanelChoice()
        """The side panel as the annotator last set it (shown, width), for every screen."""
        self.labels: list[Label] = store.labels()
        self.annotate_screen = screen_for_labels(self.labels)

        self.set_keymap(self.config.keymap)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification, the screens' too: never read as markup, whatever the caller
        asks, since messages quote document text, names and errors ("[/x]" would crash it)."""
        super().notify(for_widget(message), title=for_widget(title), severity=severity, timeout=timeout,
                       markup=False)

    def on_mount(self) -> None:
        if self.config.keymap:
            self._report_keymap_problems()
        if self.annotator:
            self._start()
        else:
            from .screens.queue import QueueScreen

            self.push_screen(QueueScreen())
            self.push_screen(AnnotatorPrompt(), self._annotator_chosen)

    def _report_keymap_problems(self) -> None:
        # Imported only when there is a keymap to check; otherwise each loads when first opened.
        from .screens.agreement import AgreementScreen
        from .screens.link_picker import LinkPicker
        from .screens.queue import QueueScreen
        from .screens.review import ReviewScreen

        screens = [self.annotate_screen, screen_for_labels(self.labels, ReviewScreen), QueueScreen,
                   LinkPicker, AgreementScreen, HelpScreen]
        for problem in keymap_problems([[*declared_bindings(screen), *self.BINDINGS] for screen in screens],
                                       self.config.keymap):
            self.notify(problem, title="workbench.toml [keymap]", severity="warning", timeout=15)

    def _annotator_chosen(self, name: str | None) -> None:
        if not name:
            self.exit()
            return
        self.annotator = name
        remember_annotator(name, self.store.path)
        self._start()

    def _start(self) -> None:
        self.store.ensure_annotator(self.annotator)
        # Shown, since the name may have been remembered from an earlier session.
        self.notify(f"{'Reviewing' if self.review is not None else 'Annotating'} as {self.annotator} "
                    f"in {os.path.basename(self.store.path)}", timeout=4)
        if self.review is not None:
            document = self.start_document or self.store.next_for_review(self.review)
            if document is None:
                self.notify("No document is ready for review: the chosen annotators must mark "
                            "documents done first.", title="Nothing to review", timeout=30)
                self.action_back_to_queue()
                return
            self.open_review(document)
            return
        document = (self.start_document or self.store.first_unfinished(self.annotator)
                    or next(iter(self.store.document_uids()), None))
        if document is None:
            self.notify("No documents yet: add some with `workbench import PATH`.",
                        title="Empty database", timeout=30)
            self.action_back_to_queue()
            return
        self.open_document(document)
        self.call_after_refresh(self._settled)

    def _settled(self) -> None:
        # What start-up built lives for the whole session; moving it out of the
        # collector's reach keeps full collections from stalling a key press.
        gc.freeze()

    def open_document(self, document: str) -> None:
        if self.review is not None:
            self.open_review(document)
            return
        screen = self.screen
        if isinstance(screen, AnnotateScreen) and not screen.reviewing:
            screen.load(document)
        else:
            self._open_over_queue(self.annotate_screen(document))

    def open_review(self, document: str) -> None:
        if self.store.review_status(document, self.review or []) == "not ready":
            waiting = self.store.waiting_for(document, self.review or [])
            self.notify(f"Not ready for review: {', '.join(waiting) or 'no annotator'} "
                        "has not marked it done.", title="Not ready", severity="warning")
            return
        screen = self.screen
        if isinstance(screen, AnnotateScreen) and screen.reviewing:
            screen.load(document)
        else:
            # Imported here: review needs the agreement code, which start-up does not.
            from .screens.review import ReviewScreen

            self._open_over_queue(screen_for_labels(self.labels, ReviewScreen)(document, self.review or []))

    def _close_down_to_queue(self) -> None:
        if len(self.screen_stack) <= 1:
            return  # at start-up: nothing to close, and no need of the queue's module yet
        from .screens.queue import QueueScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, QueueScreen):
            self.pop_screen()

    def _open_over_queue(self, screen: Screen) -> None:
        """Open a document's screen over the queue; at start-up, with no queue under it yet."""
        self._close_down_to_queue()
        self.push_screen(screen)

    def action_back_to_queue(self) -> None:
        """Close every screen above the queue. The queue is made the first time it is wanted:
        start-up opens a document straight away, and the first paint does not wait for it
        (nor for its module: imported where it is used)."""
        from .screens.queue import QueueScreen

        self._close_down_to_queue()
        if not isinstance(self.screen, QueueScreen):
            self.push_screen(QueueScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key of the current screen is also a command in the palette (ctrl+p)."""
        yield from super().get_system_commands(screen)
        own = declared_bindings(screen)
        seen = {"quit"}  # Textual's own commands already offer Quit.
        for binding in [*own, *self.BINDINGS]:
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            target = screen if binding in own else self
            yield SystemCommand(binding.description, f"{binding.id}  ({self.keys_for(binding)})",
                                _runner(target, binding.action))

    def keys_for(self, binding: Binding) -> str:
        """The keys a binding is reached by now, after the user's keymap."""
        keys = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
        return ", ".join(self.get_key_display(Binding(key.strip(), "")) for key in keys.split(","))


def keymap_problems(screens: list[list[Binding]], keymap: dict[str, str]) -> list[str]:
    """Remaps that name no binding, or that give a key to two actions of one screen.

    `screens` holds each screen's bindings, the app's included.
    """
    ids = {binding.id for bindings in screens for binding in bindings if binding.id}
    problems = [f"no key binding has the id {name!r}" for name in keymap if name not in ids]
    for bindings in screens:
        owner: dict[str, Binding] = {}
        for binding in bindings:
            if not binding.id:
                continue
            for key in keymap.get(binding.id, binding.key).split(","):
                held = owner.setdefault(key.strip(), binding)
                # A screen may take over a key of the screen it extends; only a remap steals one.
                if held.id != binding.id and (held.id in keymap or binding.id in keymap):
                    problems.append(f"{key.strip()!r} is bound to both {held.id} and {binding.id}; "
                                    f"only one of them will run")
    return list(dict.fromkeys(problems))


def label_key_problems(labels: Iterable[Label]) -> list[str]:
    """Label keys that a screen already uses for a command: the label would silently take it
    (an annotator's undo would tag instead)."""
    from .screens.queue import QueueScreen
    from .screens.review import ReviewScreen

    owners: dict[str, str] = {}
    for screen in (AnnotateScreen, ReviewScreen, QueueScreen):
        for binding in [*declared_bindings(screen), *WorkbenchApp.BINDINGS]:
            if binding.id and not binding.id.startswith("label."):
                for key in binding.key.split(","):
                    owners.setdefault(key.strip(), binding.id)
    return [f"label {label.name!r} would take the key {label.key!r}, which {owners[label.key]} uses; "
            "give the label another key" for label in labels if label.key in owners]


def _runner(target, action: str):
    async def run() -> None:
        await target.run_action(action)
    return run


def make_app(store: Store, annotator: str | None, *, document: str | None = None,
             config: Config | None = None, review: list[str] | None = None) -> WorkbenchApp:
    """The one way to build the app: the CLI and the tests both come through here.

    With `review` (a list of annotators, empty for all), it opens the review screen.
    """
    return WorkbenchApp(store, annotator, document=document, config=config, review=review)
