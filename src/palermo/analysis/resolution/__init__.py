"""Entity resolution: the same person or organisation across sources.

Pure functions on plain data: records in, suggestions and clusters out
(:func:`resolve`); human merge/split decisions applied on top of machine clusters
(:func:`apply_decisions`). See :mod:`.engine` for the model and the rule fallback.
"""

from palermo.analysis.resolution.decisions import (
    Decision,
    EntityAssignment,
    apply_decisions,
)
from palermo.analysis.resolution.engine import (
    MIN_RECORDS_FOR_MODEL,
    PairSuggestion,
    Reason,
    ResolutionResult,
    cluster_keys,
    resolve,
)
from palermo.analysis.resolution.records import PersonRecord

__all__ = [
    "MIN_RECORDS_FOR_MODEL",
    "Decision",
    "EntityAssignment",
    "PairSuggestion",
    "PersonRecord",
    "Reason",
    "ResolutionResult",
    "apply_decisions",
    "cluster_keys",
    "resolve",
]
