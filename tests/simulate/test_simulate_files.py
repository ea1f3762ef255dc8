"""The files: exact formats, determinism, sizes, streaming, the mix of crime and noise."""

from __future__ import annotations

import email
import filecmp
import json
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import phonenumbers
import pytest
from bs4 import BeautifulSoup
from docx import Document
from pypdf import PdfReader

from palermo.simulate import TYPOLOGIES, SimulationSummary, simulate
from palermo.simulate.world import PHONE_SHAPES, phone_number

from .conftest import SMALL
from .simulate_helpers import Generated

HEADERS = {
    "calls": "call_id,started_at,caller,callee,duration_s,cell_id",
    "messages": "message_id,sent_at,sender,recipient,channel,body",
    "payments": "transaction_id,booked_at,payer_account,payer_name,payee_account,payee_name,"
    "amount,currency,channel,country_from,country_to,reference",
    "trips": "booking_id,departed_at,traveller,origin,destination,mode,booked_by,paid_by,price,"
    "currency",
}
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
AMOUNT = re.compile(r"^\d+\.\d{2}$")
ANDROID = re.compile(r"^\d{2}/\d{2}/\d{4}, \d{2}:\d{2} - [^:]+: .+$")
IOS = re.compile(r"^\[\d{2}/\d{2}/\d{4}, \d{2}:\d{2}:\d{2}\] [^:]+: .+$")


def test_required_typologies_are_offered() -> None:
    assert {
        "escort_ads",
        "domestic_servitude",
        "agricultural_debt_bondage",
        "scam_compound",
        "child_sex",
        "construction_labour",
    } <= set(TYPOLOGIES)
    assert all(TYPOLOGIES.values())


@pytest.mark.parametrize("typology", sorted(TYPOLOGIES))
def test_csv_files_have_the_contract_columns_and_formats(
    sim_cases: dict[str, Generated], typology: str
) -> None:
    case = sim_cases[typology]
    for kind, header in HEADERS.items():
        first = (case.out / f"{kind}.csv").read_text("utf-8").split("\n", 1)[0]
        assert first == header
    for row in case.rows("calls"):
        assert STAMP.match(row["started_at"]) and int(row["duration_s"]) > 0
    assert {r["channel"] for r in case.rows("messages")} <= {
        "sms",
        "whatsapp",
        "telegram",
        "signal",
    }
    for row in case.rows("payments"):
        assert STAMP.match(row["booked_at"]) and AMOUNT.match(row["amount"])
        assert row["channel"] in {"bank", "wire", "mto", "cash", "card", "crypto"}
        assert row["payer_account"] or row["payee_account"]
    for row in case.rows("trips"):
        assert row["mode"] in {"bus", "air", "car", "train", "boat"}
        assert AMOUNT.match(row["price"]) and row["booked_by"].startswith("+")
    total = sum(len(case.rows(k)) for k in HEADERS)
    assert SMALL - 100 <= total <= SMALL + 200  # about `size`


@pytest.mark.parametrize("typology", sorted(TYPOLOGIES))
def test_documents_in_every_format(sim_cases: dict[str, Generated], typology: str) -> None:
    docs = sim_cases[typology].out / "documents"
    names = {p.name for p in docs.rglob("*") if p.is_file()}
    pdfs = sorted(docs.glob("statement_*.pdf"))
    assert pdfs and sorted(docs.glob("statement_*.docx"))
    text = PdfReader(pdfs[0]).pages[0].extract_text()
    assert ("passport" in text or "ID card" in text) and "I " in text
    paragraphs = [p.text for p in Document(str(sorted(docs.glob("*.docx"))[0])).paragraphs]
    assert any(p.startswith("My name is") for p in paragraphs)
    chats = sorted(docs.glob("whatsapp_P*.txt"))
    lines = [ln for c in chats for ln in c.read_text("utf-8").splitlines()]
    assert any(ANDROID.match(ln) for ln in lines) and any(IOS.match(ln) for ln in lines)
    tg = json.loads((docs / "telegram" / "result.json").read_text("utf-8"))
    assert {"name", "type", "id", "messages"} <= set(tg)
    assert all({"id", "type", "date", "from", "from_id", "text"} <= set(m) for m in tg["messages"])
    backup = ET.parse(next(docs.glob("sms_backup_*.xml"))).getroot()
    assert backup.tag == "smses" and int(backup.get("count", "0")) == len(backup)
    assert {s.get("type") for s in backup} == {"1", "2"}
    assert all(s.get("address", "").startswith("+") and s.get("date", "").isdigit() for s in backup)
    offer = email.message_from_bytes((docs / "email_job_offer.eml").read_bytes())
    assert [p.get_filename() for p in offer.walk() if p.get_filename()] == ["job_offer.pdf"]
    assert "email_transfer.eml" in names
    page = BeautifulSoup((docs / "advertisement.html").read_text("utf-8"), "html.parser")
    assert re.search(r"\+\d{10,14}", page.get_text())


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    a = simulate("domestic_servitude", 1_500, 5, tmp_path / "a")
    # another process with another hash seed: no dependence on set order or the clock
    code = (
        "import sys; from pathlib import Path; from palermo.simulate import simulate; "
        "simulate('domestic_servitude', 1_500, 5, Path(sys.argv[1]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "b")],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    simulate("domestic_servitude", 1_500, 6, tmp_path / "c")
    files = [*(f"{k}.csv" for k in HEADERS), "ground_truth.json"]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", files, shallow=False)
    assert sorted(match) == sorted(files) and not mismatch and not errors
    documents = sorted(
        str(p.relative_to(tmp_path / "a")) for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert any(d.endswith(".docx") for d in documents)
    match, mismatch, errors = filecmp.cmpfiles(
        tmp_path / "a", tmp_path / "b", documents, shallow=False
    )
    assert not mismatch and not errors  # documents too, PDF, DOCX and e-mail included
    match, mismatch, _ = filecmp.cmpfiles(tmp_path / "a", tmp_path / "c", files, shallow=False)
    assert sorted(mismatch) == sorted(files)
    assert isinstance(a, SimulationSummary) and a.typology == "domestic_servitude"
    assert a.documents >= 12 and a.seconds > 0


def test_counts_override_the_mix_and_progress_is_reported(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    summary = simulate(
        "escort_ads",
        2_000,
        1,
        tmp_path,
        counts={"calls": 120_000},
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert summary.counts["calls"] == 120_000
    assert sum(1 for _ in (tmp_path / "calls.csv").open()) == 120_001
    assert summary.counts["messages"] < 1_000
    calls = [s for s in seen if s[0] == "calls"]
    done = [d for _, d, _ in calls]
    assert done == sorted(done) and len(done) == 3 and done[-1] == 120_000
    assert 50_000 <= done[0] < 51_000 and all(t == 120_000 for _, _, t in calls)
    assert {s[0] for s in seen} == {"calls", "messages", "payments", "trips", "documents"}
    with pytest.raises(ValueError):
        simulate("escort_ads", 10, 1, tmp_path, counts={"emails": 3})
    with pytest.raises(ValueError):
        simulate("no_such_typology", 10, 1, tmp_path)


def test_messages_mix_crime_innocent_chatter_and_near_misses(
    sim_cases: dict[str, Generated],
) -> None:
    case = sim_cases["escort_ads"]
    criminal = set(case.truth["criminal_records"]["messages"])
    rows = case.rows("messages")
    crime = [r["body"] for r in rows if r["message_id"] in criminal]
    innocent = [r["body"] for r in rows if r["message_id"] not in criminal]
    assert len(innocent) > 5 * len(crime)
    assert any("passport" in b for b in crime) and any("debt" in b for b in crime)
    assert any("hurt your family" in b for b in crime)
    assert not any("hurt your family" in b for b in innocent)
    assert any("never took your passport" in b for b in innocent)  # a negation, not a crime
    assert len(set(innocent)) > 100


def test_memory_stays_bounded_when_records_grow(tmp_path: Path) -> None:
    # peak resident memory (a high-water mark) after a small case, then after a large one
    code = (
        "import resource, sys; from pathlib import Path; "
        "from palermo.simulate import simulate\n"
        "for size in (3_000, 150_000):\n"
        "    simulate('scam_compound', size, 2, Path(sys.argv[1]) / str(size))\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], check=True, capture_output=True, text=True
    )
    small, large = (int(x) for x in done.stdout.split())
    lines = sum(1 for k in HEADERS for _ in (tmp_path / "150000" / f"{k}.csv").open())
    assert lines > 150_000
    # holding 150,000 rows as tuples of strings would cost about 65 MB
    assert large - small < 30_000, (small, large)


def test_hundreds_of_buyers_get_distinct_names(tmp_path: Path) -> None:
    small = dict.fromkeys(HEADERS, 500)
    simulate("escort_ads", 900_000, 1, tmp_path, counts=small)
    persons = json.loads((tmp_path / "ground_truth.json").read_text("utf-8"))["persons"]
    names = [p["name"] for p in persons]
    assert sum("buyer" in p["roles"] for p in persons) == 400
    assert len(set(names)) == len(names)


def test_every_country_phone_shape_gives_valid_numbers() -> None:
    # the noise population is not validated one by one (too slow), so its shapes must be right
    rng = random.Random(8)
    for country in PHONE_SHAPES:
        for _ in range(1_500):
            number = phone_number(rng, country)
            assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
