"""Entity resolution: the same person or organisation across sources.

One engine, a thin face like Splink's own: :func:`resolve` (records and a
:class:`Model`, by default the shipped one, in; a :class:`ResolutionResult` with
suggestions, the evidence behind each and clusters out), backed by Splink on DuckDB
with fixed, shipped parameters (see :mod:`.model`). Human merge/split decisions are
applied on top of machine clusters (:func:`apply_decisions`). Pure functions on plain
records: nothing here reads a store or knows who may see what.
"""

from palermo.analysis.resolution.decisions import (
    Decision,
    EntityAssignment,
    apply_decisions,
)
from palermo.analysis.resolution.engine import (
    MIN_RECORDS_FOR_STATISTICS,
    PairSuggestion,
    Reason,
    ResolutionResult,
    cluster_keys,
    resolve,
)
from palermo.analysis.resolution.model import Model, ModelError, shipped_model, train
from palermo.analysis.resolution.records import PersonRecord

__all__ = [
    "MIN_RECORDS_FOR_STATISTICS",
    "Decision",
    "EntityAssignment",
    "Model",
    "ModelError",
    "PairSuggestion",
    "PersonRecord",
    "Reason",
    "ResolutionResult",
    "apply_decisions",
    "cluster_keys",
    "resolve",
    "shipped_model",
    "train",
]
