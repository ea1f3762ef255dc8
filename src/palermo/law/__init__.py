"""The law as data, and the elements engine (pure core: no HTTP, no database).

- :func:`load_concepts`: the shared concept vocabulary (``concepts.yaml``).
- :func:`load_statutes`: statutes from ``statutes/*.yaml`` as a :class:`StatuteBook`.
- :func:`assess_case`: per suspect x statute x element, the evidence status.
- :func:`gaps_for`: advice on the evidence that would close each weak element.
- :func:`apply_evidence_rules`: structured records -> suggested facts.
"""

from palermo.law.concepts import Concept, LawDataError, load_concepts
from palermo.law.engine import (
    AppliedRule,
    CaseAssessment,
    ElementResult,
    ElementStatus,
    StatuteAssessment,
    assess_case,
)
from palermo.law.evidence_rules import (
    EvidenceItem,
    EvidenceRuleError,
    apply_evidence_rules,
    load_evidence_rules,
)
from palermo.law.facts import SOURCE_KINDS, Fact, Suspect, Victim
from palermo.law.gaps import Gap, GapAdvice, gaps_for, load_gap_advice
from palermo.law.statutes import (
    Element,
    Statute,
    StatuteBook,
    StatuteError,
    jurisdiction_warning,
    load_statutes,
)

__all__ = [
    "SOURCE_KINDS",
    "AppliedRule",
    "CaseAssessment",
    "Concept",
    "Element",
    "ElementResult",
    "ElementStatus",
    "EvidenceItem",
    "EvidenceRuleError",
    "Fact",
    "Gap",
    "GapAdvice",
    "LawDataError",
    "Statute",
    "StatuteAssessment",
    "StatuteBook",
    "StatuteError",
    "Suspect",
    "Victim",
    "apply_evidence_rules",
    "assess_case",
    "gaps_for",
    "jurisdiction_warning",
    "load_concepts",
    "load_evidence_rules",
    "load_gap_advice",
    "load_statutes",
]
