"""Pausing Python's cyclic garbage collector around bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a big, acyclic structure.

    An agreement report, a knowledge-base import or a search index makes
    millions of objects, none of them in a cycle, yet the collector would scan
    the growing heap over and over: a fifth of the time of building a big
    report. Reference counting still frees everything; the collector is back as
    it was afterwards.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
