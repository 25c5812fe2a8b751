"""Inter-annotator agreement: measures, alignment and the report as pure functions, no I/O;
`from_store` builds a report from a store, in parts across processes for large corpora."""

from workbench.agreement.alignment import Group, Kind, Mark, align
from workbench.agreement.measures import (
    F1Result,
    Measure,
    Note,
    alpha_unitizing,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_f1,
)
from workbench.agreement.counting import build_report
from workbench.agreement.results import Report, ReportDocument

__all__ = [
    "F1Result",
    "Group",
    "Kind",
    "Mark",
    "Measure",
    "Note",
    "Report",
    "ReportDocument",
    "align",
    "alpha_unitizing",
    "build_report",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "pairwise_f1",
]
