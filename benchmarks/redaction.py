"""Benchmark: the identity redactor's speed, and how it treats other people's names.

Text: real case summaries of US federal trafficking prosecutions (the Human Trafficking
Data project's public extract, HumanTraffickingData.org, TCU: the ``CaseSummary`` column
of ``htd_defendants_sample.csv``), repeated to about ``--mb`` megabytes. Identities: 50
sealed identities, taken from the defendants' own names in that file (so the names occur
in the text as they were written), each with a date of birth, a phone, an e-mail, an
address and a shelter; a sentence carrying some of those tokens (in varying written
forms) is planted every ``--every`` characters (2,000 by default: far denser than real
statements, so the figure is a floor).

Prints MB/s for the plain call (``Redactor(text)``) and for HTML, how many replacements
were made, and, for the defendants who were *not* sealed but share a first name or a
surname with one who was, how many of their full names were left whole (target: all).
No assertions.

    .venv/bin/python benchmarks/redaction.py --htd PATH/htd_defendants_sample.csv
        [--mb 5] [--every 2000]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from pathlib import Path

from palermo.security.redaction import IdentityTokens, Redactor

IDENTITIES = 50


def _load(path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = list(csv.DictReader(handle))
    summaries = sorted({r["CaseSummary"].strip() for r in rows if r["CaseSummary"].strip()})
    people = sorted(
        {
            (r["DefFirst"].strip().title(), r["DefLast"].strip().title())
            for r in rows
            if r["DefFirst"].strip() and r["DefLast"].strip()
        }
    )
    return summaries, people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--htd", type=Path, required=True, help="htd_defendants_sample.csv")
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--every", type=int, default=2000, help="plant one sentence of sealed tokens per N chars"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    summaries, people = _load(args.htd)
    sealed = people[:: max(1, len(people) // IDENTITIES)][:IDENTITIES]
    others = [p for p in people if p not in sealed]
    tokens = []
    planted: list[str] = []
    for i, (first, last) in enumerate(sealed, start=1):
        dob = f"19{70 + i % 30:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        phone = f"+1 202 555 {1000 + i:04d}"
        tokens.append(
            IdentityTokens(
                f"V-{i:02d}",
                names=(f"{first} {last}",),
                dates_of_birth=(dob,),
                phones=(phone,),
                emails=(f"{first.lower()}.{last.lower()}{i}@mail.test",),
                addresses=(f"{10 + i} Cedar Lane, Springfield",),
                locations=(f"Shelter Number {i}",),
            )
        )
        y, m, d = dob.split("-")
        planted += [
            f"{first} {last} was born on {d}/{m}/{y}.",
            f"Call {phone.replace(' ', '-')} or mail {first.lower()}.{last.lower()}{i}@mail.test.",
            f"She stayed at Shelter Number {i} after leaving {10 + i} Cedar Lane.",
        ]
    redactor = Redactor(tokens, keep=[f"{f} {last}" for f, last in others])
    chunks: list[str] = []
    size = 0
    target = int(args.mb * 1_000_000)
    while size < target:
        piece = rng.choice(summaries) + "\n"
        if size // args.every != (size + len(piece)) // args.every:
            piece = rng.choice(planted) + " " + piece
        chunks.append(piece)
        size += len(piece)
    text = "".join(chunks)
    html = "".join(f'<p class="s">{c}</p>' for c in chunks)

    start = time.perf_counter()
    out = redactor(text)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    redactor.html(html)
    marked = time.perf_counter() - start
    replaced = len(redactor.spans(text))

    # Other defendants who share a name part with a sealed one: their names stay whole.
    sealed_parts = {w.lower() for f, last in sealed for w in (f, last)}
    sharing = [
        f"{f} {last}"
        for f, last in others
        if {f.lower(), last.lower()} & sealed_parts
        and re.search(rf"\b{re.escape(f)} {re.escape(last)}\b", text)
    ]
    kept = [n for n in sharing if re.search(rf"\b{re.escape(n)}\b", out)]
    print(f"text: {len(text) / 1e6:.1f} MB from {len(summaries)} real case summaries")
    print(f"identities: {len(tokens)} sealed; {len(others)} other defendants kept whole")
    print(f"plain text: {plain:.2f} s, {len(text) / 1e6 / plain:.1f} MB/s, {replaced} replaced")
    print(f"html:       {marked:.2f} s, {len(html) / 1e6 / marked:.1f} MB/s")
    print(
        f"other defendants sharing a name part with a sealed one: {len(kept)} of "
        f"{len(sharing)} left whole"
    )


if __name__ == "__main__":
    main()
