"""Inter-annotator agreement: measures, alignment and the report as pure functions, no I/O;
`from_store` builds a report from a store, in parts across processes for large corpora.

The names below are loaded from their modules when first asked for: the store reads
`alignment` and `relations` for review, and the annotate screen's start-up should not
wait for the measures and the report builder that come with the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HOMES = {
    "Group": "alignment", "Kind": "alignment", "Mark": "alignment", "align": "alignment",
    "F1Result": "measures", "Measure": "measures", "Note": "measures", "alpha_unitizing": "measures",
    "cohen_kappa": "measures", "fleiss_kappa": "measures", "krippendorff_alpha": "measures",
    "pairwise_f1": "measures",
    "build_report": "counting",
    "Report": "results", "ReportDocument": "results",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
