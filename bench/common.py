"""What every benchmark shares: timing statistics, memory, scratch folders, generated text."""

from __future__ import annotations

import atexit
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240224


# -- statistics ----------------------------------------------------------------

def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was really measured, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[min(len(ordered), int(rank)) - 1]


# -- memory ----------------------------------------------------------------------

def peak_rss_mib() -> float:
    """This process's high-water mark of resident memory.

    Read from /proc (VmHWM) where there is one: `getrusage`'s ru_maxrss
    survives exec on Linux, so a child started by a big parent would report
    the parent's peak instead of its own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- scratch space -----------------------------------------------------------------

_SESSION: Path | None = None


def session_dir() -> Path:
    """One scratch folder per benchmark process, removed at exit; shared fixtures live here."""
    global _SESSION
    if _SESSION is None:
        _SESSION = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
        atexit.register(shutil.rmtree, _SESSION, True)
    return _SESSION


@contextmanager
def temp_dir(prefix: str = "run-") -> Iterator[Path]:
    """A folder for one run, inside the session folder, removed when the run ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=session_dir()))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def child_env() -> dict[str, str]:
    """The environment of a child process: the repo importable, state kept out of $HOME."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["XDG_STATE_HOME"] = str(session_dir() / "state")
    env.pop("WORKBENCH_ANNOTATOR", None)
    env.pop("WORKBENCH_DB", None)
    return env


def run_child(args: list[str], timeout: float = 900) -> tuple[float, str]:
    """Run `python ARGS` to completion; (wall-clock seconds, stdout). Fails loudly on error."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=child_env(), capture_output=True,
                          text=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


# -- the machine ---------------------------------------------------------------------

def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "textual": version("textual"),
        "sqlite": __import__("sqlite3").sqlite_version,
        "platform": platform.platform(),
        # Other work on the machine while the suite ran makes every figure slower.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


# -- generated text ----------------------------------------------------------------

WORDS = (
    "the of and to in a on for with said that by from at as was were has have had is are "
    "officials regional governor ministry defence forces troops front line shelling overnight "
    "village city town district region oblast border bridge railway station port grain "
    "exports ships convoy corridor harvest wheat barley tonnes million billion percent "
    "sanctions package embassy talks negotiations ceasefire statement spokesman president "
    "prime minister parliament council government army brigade battalion drone drones "
    "missile missiles strike strikes attack attacks air defence intercepted launched "
    "power plant electricity blackout blackouts substation heating winter repairs engineers "
    "nuclear reactor inspectors agency monitoring water supply hospital school residents "
    "civilians evacuated killed wounded injured damaged destroyed rebuilt aid humanitarian "
    "according reported confirmed denied claimed estimated counted published released "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday March April May June July "
    "Kyiv Kharkiv Odesa Dnipro Zaporizhzhia Kherson Mykolaiv Donetsk Luhansk Bakhmut Avdiivka "
    "Ukraine Russia Poland Moldova Romania Brussels Washington Berlin Paris London Ankara "
    "European Union United Nations NATO Red Cross Reuters Ukrinform Interfax agency "
    "early late new old first second third last several many few dozens hundreds thousands "
    "heavy light long short near far north south east west central southern eastern"
).split()
NUMBERS = ("12", "40", "3.5", "1,200", "27%", "2022", "2023", "9", "150", "600,000")


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = rng.choice(NUMBERS)
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rng.choice((".", ".", ".", ",” he said.", "?"))


class Articles:
    """Deterministic article-like texts, built from a fixed pool of generated sentences.

    Sampling sentences from a pool keeps generation far cheaper than the import
    it feeds; a numbered headline makes every article distinct, so none is
    dropped as a duplicate.
    """

    def __init__(self, seed: int = SEED, pool: int = 4_000) -> None:
        self.rng = random.Random(seed)
        self.pool = [sentence(self.rng) for _ in range(pool)]

    def text(self, number: int, chars: int = 5_000) -> str:
        """An article of about `chars` characters."""
        return self._article(number, lambda line: len(line) + 1, chars)

    def words(self, number: int, count: int) -> str:
        """An article of at least `count` whitespace-separated words in its body."""
        return self._article(number, lambda line: len(line.split()), count)

    def _article(self, number: int, measure: Callable[[str], int], goal: int) -> str:
        rng = self.rng
        parts = [f"Report {number}: {rng.choice(self.pool)[:60]}", ""]
        size = 0
        paragraph: list[str] = []
        while size < goal:
            line = rng.choice(self.pool)
            paragraph.append(line)
            size += measure(line)
            if len(paragraph) >= rng.randint(3, 6):
                parts.append(" ".join(paragraph))
                parts.append("")
                paragraph = []
        if paragraph:
            parts.append(" ".join(paragraph))
        return "\n".join(parts).rstrip() + "\n"
