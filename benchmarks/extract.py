"""Document reading and extraction throughput, and indicator recall on simulated cases.

    .venv/bin/python benchmarks/extract.py                 # synthetic statements and chats
    .venv/bin/python benchmarks/extract.py --docs 400 --chats 40
    .venv/bin/python benchmarks/extract.py --simulated     # also every simulator typology

Synthetic mode writes witness statements (plain text, ~40 sentences each) and WhatsApp
exports (200 messages each) generated here, then times reading plus extraction
(identifiers, mentions of 20 known people, person candidates, indicators) end to end,
and extraction alone. Figures are documents/s and MB/s of text.

Simulated mode runs ``palermo.simulate.simulate`` for each typology, reads every
document it wrote with the document readers, and scores indicator hits against the
facts the simulator planted in those documents: a planted fact is found when an
indicator hit supporting the fact's concept lies in the sentence that carries it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palermo.extract import Extraction, KnownPerson, extract_document
from palermo.extract.indicators import split_sentences
from palermo.extract.lemmas import lemma_line
from palermo.ingest.readers.base import DocumentText, Page, ReadContext
from palermo.ingest.readers.documents import read_document
from palermo.law.indicators import load_indicators

GIVEN = [
    "Ion",
    "Maria",
    "Ana",
    "Stefan",
    "Elena",
    "Mihai",
    "Rosa",
    "Carlos",
    "Grace",
    "Joy",
    "Tatiana",
    "Olena",
    "Ahmed",
    "Nimal",
    "Lucia",
    "Daniel",
    "Irina",
    "Pedro",
]
FAMILY = [
    "Popescu",
    "Ionescu",
    "Garcia",
    "Lopez",
    "Okafor",
    "Santos",
    "Kovalenko",
    "Moraru",
    "Dumitru",
    "Reyes",
    "Haddad",
    "Perera",
    "Stan",
    "Vasquez",
    "Petrov",
    "Silva",
]
CITIES = ["Madrid", "Bucharest", "London", "Berlin", "Manila", "Lagos", "Milan", "Athens"]
FILLER = [
    "It was raining when we reached the station.",
    "I remember the house had a blue door and a small garden.",
    "We ate bread and soup most evenings.",
    "I went to school until I was fifteen years old.",
    "My cousin lived in {city} at that time.",
    "The bus journey took almost two days.",
    "I do not remember the exact address.",
    "On {date} we arrived in {city}.",
    "{name} met us at the bus station and drove us to the flat.",
    "My phone number was {phone} and I still use it.",
    "I sent {amount} to my mother through a money transfer shop.",
    "He gave me his email, {email}, to send my documents.",
    "The advert was on www.jobs-{n}.com and said the pay was good.",
]
INDICATIVE = [
    "{name} took my passport the first day.",
    "We were not allowed to leave the house alone.",
    "{name} said he would hurt my family if I went to the police.",
    "I owed them {amount} for the ticket and it kept growing.",
    "We worked fourteen hours a day with no day off.",
    "They never paid us for the work.",
    "{name} beat me when I refused.",
    "He never took my phone.",
    "If we complained he might get angry.",
]
CHAT = [
    "where are u",
    "ok",
    "send me the money tonight",
    "call me on {phone}",
    "u owe me {amount} dont forget",
    "new client at 10, be ready",
    "i am tired",
    "{name} will pick you up",
    "dont talk to anyone",
    "give me ur passport",
    "yesterday you were late again",
    "see you last Friday at the same place",
    "good",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
        city=rng.choice(CITIES),
        date=f"{rng.randint(1, 28)} March 2024",
        phone=f"+40 7{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
        amount=f"{rng.randint(1, 9)},{rng.randint(100, 999)} EUR",
        email=f"{rng.choice(GIVEN).lower()}{rng.randint(1, 99)}@example.com",
        n=rng.randint(1, 999),
    )


def synthetic_files(root: Path, docs: int, chats: int, seed: int) -> list[Path]:
    rng = random.Random(seed)
    paths: list[Path] = []
    for i in range(docs):
        lines = [f"Witness statement {i}."]
        for _ in range(40):
            pool = INDICATIVE if rng.random() < 0.25 else FILLER
            lines.append(_fill(rng.choice(pool), rng))
        path = root / f"statement_{i:05d}.txt"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        paths.append(path)
    for i in range(chats):
        out = []
        for m in range(200):
            who = "Boss" if rng.random() < 0.6 else "Ana"
            day, minute = 1 + m // 20, m % 60
            out.append(
                f"{day:02d}/03/2024, 1{m % 10}:{minute:02d} - {who}: {_fill(rng.choice(CHAT), rng)}"
            )
        path = root / f"WhatsApp Chat {i:04d}.txt"
        path.write_text("\n".join(out) + "\n", "utf-8")
        paths.append(path)
    return paths


def known_people(n: int, seed: int) -> list[KnownPerson]:
    rng = random.Random(seed)
    return [
        KnownPerson(
            f"P{i:02d}", f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}", (rng.choice(GIVEN)[:3] + "u",)
        )
        for i in range(n)
    ]


def text_bytes(doc: DocumentText) -> int:
    return sum(len(p.text.encode("utf-8")) for p in doc.pages)


def run_synthetic(docs: int, chats: int, seed: int) -> None:
    people = known_people(20, seed)
    # Compile patterns and load phone metadata and the gazetteer outside the timed part.
    warm = DocumentText("text/plain", pages=[Page(1, "Call 0721 234 567 in Madrid.")])
    extract_document(warm, default_region="RO", known_people=people, reference_date=None)
    with tempfile.TemporaryDirectory() as tmp:
        files = synthetic_files(Path(tmp), docs, chats, seed)
        context = ReadContext(default_region="RO")
        # CPU time of this process: the shared machine is busy, wall time is noisy.
        wall, cpu = time.perf_counter(), time.process_time()
        documents: list[DocumentText] = []
        for path in files:
            out = read_document(path, context)
            assert out.document is not None
            documents.append(out.document)
        read_s, read_wall = time.process_time() - cpu, time.perf_counter() - wall
        counts: dict[str, int] = {}
        timings: dict[str, float] = {"statement": 0.0, "chat": 0.0}
        for doc in documents:
            cpu = time.process_time()
            for e in extract_document(
                doc,
                default_region="RO",
                known_people=people,
                reference_date=datetime(2024, 3, 30, tzinfo=UTC),
            ):
                counts[e.kind] = counts.get(e.kind, 0) + 1
            kind = "chat" if doc.metadata.get("locator") == "message" else "statement"
            timings[kind] += time.process_time() - cpu
        extract_s = timings["statement"] + timings["chat"]
        total_wall = time.perf_counter() - wall
    statements = [d for d in documents if d.metadata.get("locator") != "message"]
    chat_docs = [d for d in documents if d.metadata.get("locator") == "message"]
    size = sum(text_bytes(d) for d in documents) / 1e6
    st_size = sum(text_bytes(d) for d in statements) / 1e6
    messages = sum(len(d.pages) for d in chat_docs)
    chat_size = sum(text_bytes(d) for d in chat_docs) / 1e6
    total = read_s + extract_s
    print(
        f"synthetic set: {docs} statements ({st_size:.2f} MB) + {chats} chats ({messages} "
        f"messages, {chat_size:.2f} MB), 20 known people; rates per CPU second"
    )
    print(f"  read only           {len(files) / read_s:8.1f} files/s  {size / read_s:6.2f} MB/s")
    print(
        f"  extract statements  {len(statements) / timings['statement']:8.1f} docs/s   "
        f"{st_size / timings['statement']:6.2f} MB/s"
    )
    print(
        f"  extract chats       {messages / timings['chat']:8.1f} messages/s "
        f"{chat_size / timings['chat']:6.2f} MB/s"
    )
    print(
        f"  read + extract all  {len(files) / total:8.1f} docs/s   {size / total:6.2f} MB/s"
        f"  ({total:.2f} CPU s; {read_wall + total_wall:.2f} s wall on a shared machine)"
    )
    print("  items: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def _found(fact: dict[str, Any], doc: DocumentText, hits: list[Extraction]) -> bool:
    quote = _norm(fact["quote"])
    for hit in hits:
        if fact["concept"] not in hit.details["concepts"]:
            continue
        sentence = _norm(hit.details["sentence"])
        if sentence and (sentence in quote or quote in sentence):
            return True
    return False


def run_simulated(size: int, seed: int) -> None:
    try:
        from palermo.simulate import TYPOLOGIES, simulate
    except ImportError:
        print("simulated: palermo.simulate is not available")
        return
    covered = {c for ind in load_indicators() for c in ind.indicator.concepts}
    totals = {
        "facts": 0,
        "coverable": 0,
        "found": 0,
        "hits": 0,
        "hits_on_facts": 0,
        "files": 0,
        "bytes": 0,
        "core": 0,
        "core_found": 0,
    }
    seconds = 0.0
    cpu_seconds = 0.0
    lemma_seconds = 0.0
    print(f"simulated cases (size {size}, seed {seed}):")
    for typology in sorted(TYPOLOGIES):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            simulate(typology, size, seed, root)
            truth = json.loads((root / "ground_truth.json").read_text("utf-8"))
            region = "US"
            by_file: dict[str, list[dict[str, Any]]] = {}
            for fact in truth["facts"]:
                src = fact.get("source", {}).get("file", "")
                if src.startswith("documents/") and fact.get("quote"):
                    by_file.setdefault(src, []).append(fact)
            found = coverable = facts = hits_n = on_facts = 0
            for path in sorted((root / "documents").rglob("*")):
                if not path.is_file():
                    continue
                started, cpu = time.perf_counter(), time.process_time()
                out = read_document(path, ReadContext(default_region=region))
                doc = out.document
                assert doc is not None
                items = extract_document(
                    doc, default_region=region, known_people=[], reference_date=None
                )
                seconds += time.perf_counter() - started
                cpu_seconds += time.process_time() - cpu
                # The lemmatizer's share: building the lemma line of every page once more.
                cpu = time.process_time()
                for page in doc.pages:
                    lemma_line(page.text, [(s.start, s.end) for s in split_sentences(page.text)])
                lemma_seconds += time.process_time() - cpu
                totals["files"] += 1
                totals["bytes"] += text_bytes(doc)
                hits = [e for e in items if e.kind == "indicator"]
                planted = by_file.get(path.relative_to(root).as_posix(), [])
                quotes = [_norm(f["quote"]) for f in planted]
                hits_n += len(hits)
                on_facts += sum(1 for h in hits if any(_norm(h.raw) in q for q in quotes))
                for fact in planted:
                    facts += 1
                    if fact["concept"] in covered:
                        coverable += 1
                        hit = _found(fact, doc, hits)
                        found += hit
                        if fact["concept"].startswith(("means.", "purpose.")):
                            totals["core"] += 1
                            totals["core_found"] += hit
        print(
            f"  {typology:<28} planted {facts:3d}  coverable {coverable:3d}  "
            f"found {found:3d} ({found / max(coverable, 1):.0%})  "
            f"indicator hits {hits_n:3d}, on planted quotes {on_facts:3d}"
        )
        totals["facts"] += facts
        totals["coverable"] += coverable
        totals["found"] += found
        totals["hits"] += hits_n
        totals["hits_on_facts"] += on_facts
    print(
        f"  means/purpose facts (what indicators are for): {totals['core_found']}/"
        f"{totals['core']} = {totals['core_found'] / max(totals['core'], 1):.1%}"
    )
    print(
        f"  all: recall of coverable planted facts {totals['found']}/{totals['coverable']} "
        f"= {totals['found'] / max(totals['coverable'], 1):.1%}; "
        f"{totals['hits_on_facts']}/{totals['hits']} hits lie on a planted quote; "
        f"{totals['files']} files, {totals['bytes'] / 1e6:.2f} MB read+extracted in "
        f"{seconds:.2f} s ({totals['files'] / max(seconds, 1e-9):.1f} files/s)"
    )
    print(
        f"  per CPU second: {totals['files'] / max(cpu_seconds, 1e-9):.1f} documents/s read and "
        f"extracted; the lemma lines take {lemma_seconds:.2f} CPU s of {cpu_seconds:.2f} "
        f"({lemma_seconds / max(cpu_seconds, 1e-9):.1%})"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--simulated", action="store_true")
    parser.add_argument("--size", type=int, default=5000, help="records per simulated case")
    args = parser.parse_args(argv)
    run_synthetic(args.docs, args.chats, args.seed)
    if args.simulated:
        run_simulated(args.size, args.seed)


if __name__ == "__main__":
    main(sys.argv[1:])
