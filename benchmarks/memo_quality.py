"""Memo quality per demo case: pages of the brief and full variants, the share of
statement-of-facts sentences that cite a source, and the time to render.

    python benchmarks/memo_quality.py [--keep DIR] [--case DEMO-2024-001 ...]
                                      [--typology escort_ads ...]

Every demo case (``palermo.services.demo``: the same simulator, sizes and seeds as
``palermo demo``), or those named, is built through the product's path (people, charges,
ingest; not timed), then a reviewer confirms every suggestion the Elements view lists
with the bulk actions of the product (``tests/reports/reviewer.py``; not timed): the
answer key is never read. Then, from cold caches:

- ``full html``: :func:`export_memo` of the full variant as HTML (target: under 5 s for
  the 6,000-record case), ``full pdf`` and ``brief pdf`` (the sections are cached per
  case fingerprint, so these follow the HTML as when a user opens then downloads);
- pages of each PDF (pypdf), the body pages of the full variant (up to Appendix A);
- the share of sentences in the statement of facts with a citation (file and page,
  row or message; target 100 %), and how many sentences there are.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from palermo.services import cases, derived_views
from palermo.services.context import Context
from palermo.services.demo import DEMO_CASES, build_demo, demo_password
from palermo.services.memo import export_memo
from palermo.services.users import authenticate
from palermo.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r'<span class="cite">\[[^\]]*(?:row \d+|page \d+|message \d+)[^\]]*\]')


def _reviewer() -> Any:
    sys.path.insert(0, str(ROOT))
    from tests.reports import reviewer

    return reviewer


def _cold() -> None:
    derived_views.forget_memory()


def _pages(pdf: bytes) -> tuple[int, int | None]:
    reader = PdfReader(io.BytesIO(pdf))
    body = None
    for number, page in enumerate(reader.pages, start=1):
        if "Appendix A." in " ".join((page.extract_text() or "").split()) and number > 1:
            body = number - 1
            break
    return len(reader.pages), body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, default=None, help="keep and reuse the database")
    parser.add_argument("--out", type=Path, default=None, help="write each memo here")
    parser.add_argument("--case", action="append", default=None, help="a demo reference")
    parser.add_argument("--typology", action="append", default=None)
    args = parser.parse_args()
    specs = [
        s
        for s in DEMO_CASES
        if (not args.case or s.reference in args.case)
        and (not args.typology or s.typology in args.typology)
    ]
    if not specs:
        parser.error("no demo case matches --case / --typology")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        ctx = Context.create(Settings(data_dir=root / "data", secret_key="ef" * 32))
        started = time.perf_counter()
        build_demo(ctx, specs=specs, history_cases=0)
        print(f"setup: {len(specs)} demo cases in {time.perf_counter() - started:.1f} s")
        # The demo's prosecutor, signed in with the password `palermo demo` prints.
        actor = authenticate(ctx, "prosecutor", demo_password("prosecutor")).actor
        reviewer = _reviewer()
        print(
            "case            typology                   jur  records  confirmed  "
            "brief pp  full pp  body pp  cited    sentences  html s  full pdf s  brief pdf s"
        )
        for spec in specs:
            records = sum(cases.record_counts(ctx, actor, spec.reference).values())
            jurisdiction = cases.get_case(ctx, actor, spec.reference).jurisdiction
            confirmed = reviewer.confirm_all_in_bulk(ctx, actor, spec.reference)
            _cold()
            t0 = time.perf_counter()
            html = export_memo(ctx, actor, spec.reference).decode()
            t1 = time.perf_counter()
            full = export_memo(ctx, actor, spec.reference, fmt="pdf")
            t2 = time.perf_counter()
            brief = export_memo(ctx, actor, spec.reference, fmt="pdf", variant="brief")
            t3 = time.perf_counter()
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / f"{spec.reference}.html").write_text(html)
                (args.out / f"{spec.reference}.pdf").write_bytes(full)
                (args.out / f"{spec.reference}-brief.pdf").write_bytes(brief)
            facts = html[html.index('<section id="facts"') :]
            facts = facts[: facts.index("</section>")]
            sentences = re.findall(r'<p class="fact">(.*?)</p>', facts, re.S)
            cited = sum(1 for s in sentences if CITED.search(s))
            share = f"{100 * cited / len(sentences):.0f}%" if sentences else "n/a"
            full_pages, body = _pages(full)
            brief_pages, _ = _pages(brief)
            print(
                f"{spec.reference:15} {spec.typology:26} {jurisdiction:4} {records:7,}  "
                f"{confirmed:9,}  "
                f"{brief_pages:8}  {full_pages:7}  {body or 0:7}  {share:7}  {len(sentences):9}  "
                f"{t1 - t0:6.2f}  {t2 - t1:10.2f}  {t3 - t2:11.2f}"
            )


if __name__ == "__main__":
    main()
