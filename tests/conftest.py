"""Fixtures shared by the suite: small databases built in tmp_path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from workbench.history import VISITS
from workbench.importer import import_paths
from workbench.store import Store

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(autouse=True)
def _private_state(tmp_path_factory, monkeypatch):
    """Keep the remembered annotator and crash logs out of the real home folder."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.delenv("WORKBENCH_ANNOTATOR", raising=False)
    monkeypatch.delenv("WORKBENCH_DB", raising=False)


@pytest.fixture
def store(tmp_path) -> Store:
    opened = Store.open(tmp_path / "annotations.db")
    yield opened
    opened.close()


@pytest.fixture
def demo_store(store) -> Store:
    """The bundled demo corpus, six short articles."""
    with resources.as_file(resources.files("workbench") / "data" / "demo") as folder:
        import_paths(store, [folder])
    return store


@pytest.fixture
def seed_corpus() -> Path:
    """The real articles the workbench was commissioned for; absent in a user's clone."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return SHARED_CORPUS


def actions(store: Store, **where: str) -> list[str]:
    """What annotators did, in order: the event log without its `time` entries and visits."""
    return [event.action for event in store.events(**where) if event.action not in ("time", *VISITS)]


class Notifications(list):
    """The message of every notification an app posts, collected as `run_test(message_hook=...)`."""

    def __call__(self, message) -> None:
        from textual.notifications import Notify

        if isinstance(message, Notify):
            self.append(message.notification.message)
