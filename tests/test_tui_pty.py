"""The real `workbench annotate` in a pseudo-terminal (tmux), as a person would run it.

Each test starts its own tmux server (a socket of its own), types keys, waits
until the screen shows their effect, then checks the database: after SIGKILL
nothing the screen had shown may be missing (issue 9, "Crashes").
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from workbench.model import NewDocument
from workbench.store import Store

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

WAIT_SECONDS = 20.0
ENDED = "(the tmux session has ended)"
FIRST = "Officials said 40 attacks were repelled. Kyiv disputes the claim."
SECOND = "Grain exports from Odesa resumed on Monday."


class Terminal:
    """One tmux server with one 100x30 window running a command."""

    def __init__(self, command: list[str], env: dict[str, str], folder: Path) -> None:
        # A socket of its own in the test's folder: tests never share a server, and
        # nothing is left behind in the user's tmux directory.
        self.socket = str(folder / f"tmux-{uuid.uuid4().hex[:8]}")
        env_args = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
        # `exec` makes the pane's process the workbench itself, so its pid is the one to kill.
        shell_command = "exec " + shlex.join(command)
        # Started in the test's folder, so no workbench.toml of the developer's applies.
        self._tmux("new-session", "-d", "-x", "100", "-y", "30", "-c", str(folder), *env_args,
                   shell_command)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-f", os.devnull, "-S", self.socket, *args], check=True,
                              capture_output=True, text=True, timeout=WAIT_SECONDS).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", key)

    def pid(self) -> int:
        return int(self._tmux("list-panes", "-F", "#{pane_pid}").split()[0])

    def wait_for(self, *texts: str) -> str:
        """The screen once it shows all of `texts` at the same time.

        All at once, because a frame can be caught half drawn, or drawn at the
        size the terminal had before tmux resized it.
        """
        deadline = time.monotonic() + WAIT_SECONDS
        screen = ""
        while time.monotonic() < deadline:
            try:
                screen = self.screen()
            except subprocess.CalledProcessError:
                screen = ENDED
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{texts!r} never appeared on screen; last screen:\n{screen}")

    def wait_until_exited(self, pid: int) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        raise AssertionError(f"process {pid} is still running")

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True,
                       timeout=WAIT_SECONDS)


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "annotations.db"
    store = Store.open(path)
    store.add_documents([NewDocument(FIRST, "Attacks repelled", "first.txt"),
                         NewDocument(SECOND, "Grain exports", "second.txt")])
    store.close()
    return path


@pytest.fixture
def run_workbench(database, tmp_path):
    terminals: list[Terminal] = []

    def start(annotator: str | None = "alice") -> Terminal:
        env = {"XDG_STATE_HOME": str(tmp_path / "state"), "TERM": "xterm-256color",
               "PYTHONPATH": os.pathsep.join(sys.path)}
        terminal = Terminal([sys.executable, "-m", "workbench", "--db", str(database),
                             "annotate", *(["--annotator", annotator] if annotator else [])],
                            env, tmp_path)
        terminals.append(terminal)
        return terminal

    yield start
    for terminal in terminals:
        terminal.close()


def spans_in(database: Path) -> list[tuple[str, int, int, str]]:
    store = Store.open(database)
    try:
        uid = store.document_uids()[0]
        return [(s.label, s.start, s.end, s.text) for s in store.spans(uid, "alice")]
    finally:
        store.close()


def integrity(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def test_sigkill_after_the_screen_shows_the_spans_loses_nothing(run_workbench, database):
    terminal = run_workbench()
    terminal.wait_for("Attacks repelled", "0 spans")
    pid = terminal.pid()

    terminal.keys("v", "1")
    terminal.wait_for("claim “Officials”")
    terminal.keys("w", "w", "3")
    terminal.wait_for("figure “40”")
    terminal.keys(")", "s", "2")
    terminal.wait_for("source “Kyiv disputes the claim.”")
    terminal.keys("w", "v", "1")
    terminal.wait_for("claim “disputes”", "4 spans")
    terminal.keys("d")
    screen = terminal.wait_for("3 spans")
    os.kill(pid, signal.SIGKILL)
    terminal.wait_until_exited(pid)

    assert "c disputes" not in screen
    assert sorted(spans_in(database)) == [
        ("claim", 0, 9, "Officials"),
        ("figure", 15, 17, "40"),
        ("source", 41, 65, "Kyiv disputes the claim."),
    ]
    assert integrity(database) == "ok"


def test_quit_and_reopen_shows_the_same_spans(run_workbench, database):
    terminal = run_workbench()
    terminal.wait_for("Attacks repelled")
    terminal.keys("v", "1")
    terminal.wait_for("claim “Officials”")
    terminal.keys("u")
    terminal.wait_for("0 spans")
    terminal.keys("C-r")
    terminal.wait_for("claim “Officials”")
    terminal.keys("C-q")
    terminal.wait_for(ENDED)

    reopened = run_workbench()
    reopened.wait_for("c Officials", "document 1 of 2", "1 span ")
    assert spans_in(database) == [("claim", 0, 9, "Officials")]
    assert integrity(database) == "ok"


def test_first_run_asks_for_a_name_and_the_next_run_remembers_it(run_workbench, database, tmp_path):
    terminal = run_workbench(annotator=None)
    terminal.wait_for("Who is annotating?")
    terminal.keys("d", "a", "n", "a", "Enter")
    terminal.wait_for("dana", "Attacks repelled")
    terminal.keys("v", "2")
    terminal.wait_for("source “Officials”")
    terminal.keys("C-q")
    terminal.wait_for(ENDED)

    again = run_workbench(annotator=None)
    again.wait_for("dana", "s Officials")
    store = Store.open(database)
    try:
        assert store.annotators() == ["dana"]
        assert [s.text for s in store.spans(store.document_uids()[0], "dana")] == ["Officials"]
    finally:
        store.close()
    remembered = json.loads((tmp_path / "state" / "workbench" / "annotators.json").read_text())
    assert remembered == {str(database.resolve()): "dana"}


def test_a_hint_read_off_the_screen_jumps_to_the_word_and_a_label_key_tags_it(run_workbench, database):
    import re

    terminal = run_workbench()
    terminal.wait_for("Attacks repelled", "0 spans")
    terminal.keys("f")
    screen = terminal.wait_for("jump to: type the hint")
    # The hint covers the first letter(s) of "attacks": read it as a person would.
    found = re.search(r"\b(?:([a-z])ttacks|([a-z]{2})tacks)\b", screen)
    assert found is not None, screen
    hint = found.group(1) or found.group(2)
    assert hint != "a"
    terminal.keys(*hint)
    terminal.keys("3")
    terminal.wait_for("figure “attacks”", "1 span ")

    assert spans_in(database) == [("figure", 18, 25, "attacks")]
