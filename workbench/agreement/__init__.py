"""Inter-annotator agreement measures (pure functions, no I/O)."""

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

__all__ = [
    "F1Result",
    "Measure",
    "Note",
    "alpha_unitizing",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "pairwise_f1",
]
