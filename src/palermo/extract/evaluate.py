"""Precision, recall and F1 of indicator detection on labelled sentence sets.

The sets ship with the package (``palermo/extract/labelled``, see its README):

* ``regression`` — hand-written sentences (YAML: ``sentences: [{text, expect}]``);
* ``real-dev`` — real public court and government text, the half patterns are tuned on;
* ``real-test`` — the other half, frozen before any tuning and never tuned on;
* ``first-person-dev`` / ``first-person-test`` — victims' and survivors' own words
  (testimony, declarations, transcripts, quoted statements), split the same way;
  ``first-person-test2``, ``first-person-test3`` and ``first-person-test4`` — a second,
  a third and a fourth frozen first-person test half, each from documents gathered later;
* ``spanish-dev`` / ``spanish-test`` — real Spanish text (prosecution-service and ministry
  releases, reports of court and government communiqués), split the same way.

The real sets are JSON lines ``{id, doc, source, voice, text, expect, blocked}``.
``palermo indicators evaluate`` prints a table per set; ``--ilo`` restricts the scores to
the eleven ILO forced-labour indicators.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from palermo.extract.indicators import find_indicators
from palermo.law.indicators import load_indicators

LABELLED = Path(__file__).resolve().parent / "labelled"
SETS: dict[str, Path] = {
    "regression": LABELLED / "regression.yaml",
    "real-dev": LABELLED / "real_dev.jsonl",
    "real-test": LABELLED / "real_test.jsonl",
    "first-person-dev": LABELLED / "first_person_dev.jsonl",
    "first-person-test": LABELLED / "first_person_test.jsonl",
    "first-person-test2": LABELLED / "first_person_test2.jsonl",
    "first-person-test3": LABELLED / "first_person_test3.jsonl",
    "first-person-test4": LABELLED / "first_person_test4.jsonl",
    "spanish-dev": LABELLED / "spanish_dev.jsonl",
    "spanish-test": LABELLED / "spanish_test.jsonl",
}
DEFAULT_PATH = SETS["regression"]
ILO_IDS = frozenset(
    {
        "abuse_of_vulnerability",
        "deception",
        "restriction_of_movement",
        "isolation",
        "physical_sexual_violence",
        "intimidation_threats",
        "document_retention",
        "withholding_wages",
        "debt_bondage",
        "abusive_conditions",
        "excessive_overtime",
    }
)


class LabelledSentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    expect: list[str]
    id: str = ""
    doc: str = ""
    source: str = ""
    voice: str = ""
    blocked: list[str] = []
    # What the source is, where the address alone does not say (a quotation, a transcript).
    note: str = ""


class LabelledSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentences: list[LabelledSentence]


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class EvaluationReport:
    per_indicator: dict[str, Score]
    micro: Score
    sentences: int
    errors: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        scores = [s.f1 for s in self.per_indicator.values() if s.tp + s.fp + s.fn]
        return sum(scores) / len(scores) if scores else 0.0

    def table(self) -> str:
        header = ("indicator", "tp", "fp", "fn", "prec", "rec", "f1")
        lines = ["{:<26} {:>4} {:>4} {:>4} {:>6} {:>6} {:>6}".format(*header)]
        for ind, s in sorted(self.per_indicator.items()):
            if not s.tp + s.fp + s.fn:
                continue
            lines.append(
                f"{ind:<26} {s.tp:>4} {s.fp:>4} {s.fn:>4} "
                f"{s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}"
            )
        m = self.micro
        lines.append(
            f"{'micro':<26} {m.tp:>4} {m.fp:>4} {m.fn:>4} "
            f"{m.precision:>6.3f} {m.recall:>6.3f} {m.f1:>6.3f}"
        )
        used = sum(1 for s in self.per_indicator.values() if s.tp + s.fp + s.fn)
        lines.append(
            f"macro F1 {self.macro_f1:.3f} over {used} indicators seen, {self.sentences} sentences"
        )
        return "\n".join(lines)


def load_set(path: Path | str) -> list[LabelledSentence]:
    """The sentences of a labelled file (YAML or JSON lines); ValueError names file and line."""
    path = Path(path)
    text = path.read_text("utf-8")
    if path.suffix == ".jsonl":
        out: list[LabelledSentence] = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(LabelledSentence.model_validate(json.loads(line)))
            except (ValueError, ValidationError) as exc:
                raise ValueError(f"{path}: line {n}: {exc}") from exc
        return out
    return LabelledSet.model_validate(yaml.safe_load(text)).sentences


def evaluate_indicators(
    path: Path | str = DEFAULT_PATH, only: frozenset[str] | None = None
) -> EvaluationReport:
    """Scores of ``find_indicators`` on one labelled set; ``only`` restricts to those ids."""
    return score_sentences(load_set(path), only, where=str(path))


def score_sentences(
    sentences: list[LabelledSentence], only: frozenset[str] | None = None, where: str = "labels"
) -> EvaluationReport:
    """Scores of ``find_indicators`` on labelled sentences (a file's, or a case's reviewed
    ones); ``only`` restricts to those ids."""
    known = {ind.id for ind in load_indicators()}
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors: list[tuple[str, list[str], list[str]]] = []
    for item in sentences:
        unknown = (set(item.expect) | set(item.blocked)) - known
        if unknown:
            raise ValueError(f"{where}: unknown indicator ids {sorted(unknown)} in {item.text!r}")
        got = {e.value for e in find_indicators(item.text) if e.value}
        want = set(item.expect)
        if only is not None:
            got &= only
            want &= only
        for ind in got & want:
            tp[ind] += 1
        for ind in got - want:
            fp[ind] += 1
        for ind in want - got:
            fn[ind] += 1
        if got != want:
            errors.append((item.text, sorted(want), sorted(got)))
    ids = sorted(known if only is None else known & only)
    per = {ind: Score(tp[ind], fp[ind], fn[ind]) for ind in ids}
    micro = Score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return EvaluationReport(per, micro, len(sentences), errors)


ATTRIBUTION = LABELLED / "attribution.jsonl"


class AttributionLabel(BaseModel):
    """Who did it and to whom, as the sentence ``id`` says: the words naming each (any of
    them counts), or an empty list where the sentence names nobody."""

    model_config = ConfigDict(extra="forbid")

    id: str
    agent: list[str]
    patient: list[str]


@dataclass(frozen=True, slots=True)
class AttributionScore:
    hits: int
    agent_right: int
    patient_right: int

    def line(self, name: str) -> str:
        n = max(self.hits, 1)
        return (
            f"{name:<18} {self.hits:>4} hits  agent right {self.agent_right:>4} "
            f"({self.agent_right / n:.1%})  patient right {self.patient_right:>4} "
            f"({self.patient_right / n:.1%})"
        )


def _words_in(part: str, whole: str) -> bool:
    """``part`` appears in ``whole`` as whole words ("I" is not in "victim")."""
    return re.search(rf"(?<!\w){re.escape(part)}(?!\w)", whole) is not None


def _same_party(found: str | None, names: list[str]) -> bool:
    if not names:
        return found is None
    if found is None:
        return False
    low = found.lower()
    return any(_words_in(n.lower(), low) or _words_in(low, n.lower()) for n in names)


def evaluate_attribution(
    labels: Path | str = ATTRIBUTION,
    sets: tuple[str, ...] = (
        "real-dev",
        "real-test",
        "first-person-dev",
        "first-person-test3",
        "first-person-test4",
    ),
    misses: list[tuple[str, str, str, str | None, list[str], str | None, list[str]]] | None = None,
) -> dict[str, AttributionScore]:
    """Per set, over the correct indicator hits in the labelled sentences: how often the
    agent and the patient the extractor names are the ones the sentence names (or both
    say nobody). ``misses``, if given, collects (set, sentence, hit, agent found, agents
    wanted, patient found, patients wanted) for each hit with a wrong party."""
    path = Path(labels)
    wanted: dict[str, AttributionLabel] = {}
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                label = AttributionLabel.model_validate(json.loads(line))
            except (ValueError, ValidationError) as exc:
                raise ValueError(f"{path}: line {n}: {exc}") from exc
            wanted[label.id] = label
    out: dict[str, AttributionScore] = {}
    for name in sets:
        hits = agents = patients = 0
        for item in load_set(SETS[name]):
            said = wanted.get(item.id)
            if said is None:
                continue
            for e in find_indicators(item.text):
                if e.value not in item.expect or e.details.get("own_words"):
                    continue
                hits += 1
                agent, patient = e.details.get("agent"), e.details.get("patient")
                a_ok = _same_party(agent, said.agent)
                p_ok = _same_party(patient, said.patient)
                agents += a_ok
                patients += p_ok
                if misses is not None and not (a_ok and p_ok):
                    misses.append(
                        (name, item.text, e.raw, agent, said.agent, patient, said.patient)
                    )
        out[name] = AttributionScore(hits, agents, patients)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "-h" in args or "--help" in args:
        print(
            "usage: python -m palermo.extract.evaluate [SET|PATH ...] [-v] [--ilo]\n"
            "       python -m palermo.extract.evaluate --attribution [-v]\n"
            f"sets: {', '.join(SETS)}\n\n{__doc__}"
        )
        return 0
    if "--attribution" in args:
        # -v lists the wrong parties of the development half only: the test halves are
        # measured, never looked into.
        misses: list[tuple[str, str, str, str | None, list[str], str | None, list[str]]] = []
        for name, score in evaluate_attribution(misses=misses).items():
            print(score.line(name))
        if "-v" in args:
            for name, text, hit, agent, agents, patient, patients in misses:
                if name in ("real-dev", "first-person-dev"):
                    print(
                        f"  [{hit}] agent {agent!r} want {agents}; "
                        f"patient {patient!r} want {patients}\n    {text}"
                    )
        return 0
    verbose = "-v" in args
    ilo = "--ilo" in args
    paths = [a for a in args if a not in ("-v", "--ilo")]
    chosen = [SETS.get(p, Path(p)) for p in paths] or list(SETS.values())
    missing = [str(path) for path in chosen if not path.is_file()]
    if missing:
        print(
            f"no such labelled set or file: {', '.join(missing)} (sets: {', '.join(SETS)})",
            file=sys.stderr,
        )
        return 2
    for path in chosen:
        report = evaluate_indicators(path, ILO_IDS if ilo else None)
        print(f"== {path.name}{' (ILO ids)' if ilo else ''}")
        print(report.table())
        if verbose:
            for text, want, got in report.errors:
                print(f"  want {want} got {got}: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
