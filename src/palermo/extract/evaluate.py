"""Precision, recall and F1 of indicator detection on a labelled sentence file.

Run ``python -m palermo.extract.evaluate [path]`` to print the table; the default path
is the test set in ``tests/extract/data/indicator_sentences.yaml``.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from palermo.extract.indicators import find_indicators
from palermo.law.indicators import load_indicators

DEFAULT_PATH = (
    Path(__file__).resolve().parents[3] / "tests" / "extract" / "data" / "indicator_sentences.yaml"
)


class LabelledSentence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    expect: list[str]


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
        scores = [s.f1 for s in self.per_indicator.values()]
        return sum(scores) / len(scores) if scores else 0.0

    def table(self) -> str:
        header = ("indicator", "tp", "fp", "fn", "prec", "rec", "f1")
        lines = ["{:<26} {:>4} {:>4} {:>4} {:>6} {:>6} {:>6}".format(*header)]
        for ind, s in sorted(self.per_indicator.items()):
            lines.append(
                f"{ind:<26} {s.tp:>4} {s.fp:>4} {s.fn:>4} "
                f"{s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}"
            )
        m = self.micro
        lines.append(
            f"{'micro':<26} {m.tp:>4} {m.fp:>4} {m.fn:>4} "
            f"{m.precision:>6.3f} {m.recall:>6.3f} {m.f1:>6.3f}"
        )
        lines.append(
            f"macro F1 {self.macro_f1:.3f} over {len(self.per_indicator)} indicators, "
            f"{self.sentences} sentences"
        )
        return "\n".join(lines)


def evaluate_indicators(path: Path | str = DEFAULT_PATH) -> EvaluationReport:
    data = LabelledSet.model_validate(yaml.safe_load(Path(path).read_text("utf-8")))
    known = {ind.id for ind in load_indicators()}
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors: list[tuple[str, list[str], list[str]]] = []
    for item in data.sentences:
        unknown = set(item.expect) - known
        if unknown:
            raise ValueError(f"{path}: unknown indicator ids {sorted(unknown)} in {item.text!r}")
        got = {e.value for e in find_indicators(item.text) if e.value}
        want = set(item.expect)
        for ind in got & want:
            tp[ind] += 1
        for ind in got - want:
            fp[ind] += 1
        for ind in want - got:
            fn[ind] += 1
        if got != want:
            errors.append((item.text, sorted(want), sorted(got)))
    per = {ind: Score(tp[ind], fp[ind], fn[ind]) for ind in sorted(known)}
    micro = Score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return EvaluationReport(per, micro, len(data.sentences), errors)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    paths = [a for a in args if a != "-v"]
    report = evaluate_indicators(paths[0] if paths else DEFAULT_PATH)
    print(report.table())
    if verbose:
        for text, want, got in report.errors:
            print(f"  want {want} got {got}: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
