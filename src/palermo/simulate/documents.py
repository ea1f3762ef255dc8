"""Unstructured evidence: statements (PDF, DOCX), chat exports, SMS backup, e-mails, an ad page.

Each writer returns the facts it planted, with a source that points at the file and the
page, paragraph, line, message id or index where the quote is written verbatim.
"""

from __future__ import annotations

import html
import io
import json
import random
import zipfile
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from docx import Document
from fpdf import FPDF

from palermo.simulate.plan import DAY, RAID_DAY, Case, _fact, fill, role_lines
from palermo.simulate.world import Person, load_data

Fact = dict[str, Any]


def latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def ascii_text(text: str) -> str:
    return text.replace("£", "GBP ").encode("ascii", "replace").decode("ascii")


def _with_source(fact: Fact, source: dict[str, Any]) -> Fact:
    return {
        **{k: v for k, v in fact.items() if k != "quote"},
        "source": source,
        "quote": fact["quote"],
    }


def _dt(case: Case, day: int, rng: random.Random) -> datetime:
    return datetime(case.base.year, case.base.month, case.base.day, tzinfo=UTC) + timedelta(
        days=day, seconds=rng.randrange(8 * 3600, 23 * 3600)
    )


class Statement:
    """Lines of a first-person statement, each with the facts it carries."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.lines: list[tuple[str, list[Fact]]] = []

    def add(self, text: str, facts: list[Fact] | None = None) -> None:
        self.lines.append((text, facts or []))

    def write_pdf(self, path: Path, rel: str, stamp: datetime) -> list[Fact]:
        pdf = FPDF(format="A4")
        pdf.set_creation_date(stamp)  # fixed, so the same seed gives the same file
        pdf.set_title(latin(self.title))
        pdf.set_auto_page_break(auto=True, margin=20)
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 10, latin(self.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        out: list[Fact] = []
        for text, facts in self.lines:
            # one cell per sentence: cells never wrap, so the quote stays on one line
            pdf.cell(0, 7, latin(text), new_x="LMARGIN", new_y="NEXT")
            out += [_with_source(f, {"file": rel, "page": pdf.page_no()}) for f in facts]
        pdf.output(str(path))
        return out

    def write_docx(self, path: Path, rel: str, stamp: datetime) -> list[Fact]:
        doc = Document()
        doc.core_properties.created = stamp.replace(tzinfo=None)
        doc.core_properties.modified = stamp.replace(tzinfo=None)
        doc.core_properties.author = "Investigating officer"
        doc.add_heading(self.title, level=1)
        out: list[Fact] = []
        for text, facts in self.lines:
            doc.add_paragraph(text)
            index = len(doc.paragraphs) - 1
            out += [_with_source(f, {"file": rel, "paragraph": index}) for f in facts]
        buffer = io.BytesIO()
        doc.save(buffer)
        path.write_bytes(_stable_zip(buffer.getvalue(), stamp))
        return out


def _stable_zip(data: bytes, stamp: datetime) -> bytes:
    """The same zip with fixed entry times, so the same seed gives the same DOCX bytes."""
    out = io.BytesIO()
    when = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def _age_at(p: Person, when: date) -> int:
    born = date.fromisoformat(p.birth_date)
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def victim_statement(case: Case, v: Person) -> Statement:
    data = load_data("text.yaml")
    ctx = case.ctx
    recruiter = next(p for p in case.persons if p.id == case.recruited_by[v.id])
    origin, dest, travel_day = case.travel[v.id]
    st = Statement(f"Witness statement of {v.name}")
    born = date.fromisoformat(v.birth_date)
    at_home = v.country == case.spec.country  # no interpreter, and an ID card, not a passport
    values = {
        "name": v.name,
        "birth_date": f"{born.day} {born:%B %Y}",
        "home": v.home,
        "interpreter": "" if at_home else ", through an interpreter,",
        "statement_date": case.nice_day(RAID_DAY + 3),
        "phone": v.phones[-1],
    }
    for line in data["statement_context"]:
        st.add(fill(line, ctx, **values))
    fills = {
        "recruiter": recruiter.name,
        "date": case.nice_day(travel_day - 10),
        "origin": origin.city,
        "dest": dest.city,
        "id_document": "ID card" if at_home else "passport",
    }
    lines = list(data["statement_lines"])
    if case.spec.buyers:
        lines.append(data["advertising_statement"])
    if case.spec.jurisdiction == "US" and origin.country == "US":
        lines.append(data["jurisdiction_statement"])
    if v.is_minor:
        minor = data["minor_statement"]
        age = _age_at(v, case.base + timedelta(days=travel_day - 10))
        text = fill(minor["text"], ctx, age=str(age), **fills)
        # about the victim, not one suspect: case-wide (suspect None)
        st.add(text, [_fact(case, minor["concept"], minor["indicator"], None, v, text)])
    for line in lines:
        role = line["role"]
        if not case.has(role):
            continue
        suspect: Person | None = recruiter if role == "recruiter" else case.one(role)
        if line["concept"].startswith("jurisdiction."):
            suspect = None  # case-wide, like every jurisdiction fact
        text = fill(line["text"], ctx, **fills)
        st.add(text, [_fact(case, line["concept"], line["indicator"], suspect, v, text)])
        if role == "transporter" and line["concept"] == "act.transportation":  # dates, amounts
            st.add(
                f"We left on {case.nice_day(travel_day)} and they said the ticket cost "
                f"{case.ctx['debt']}."
            )
    st.add(f"{case.one('enforcer').short} used to call me from {case.one('enforcer').phone}.")
    st.add("I am not sure of all the dates, some days were the same as the others.")
    return st


def witness_statement(case: Case, w: Person, kind: str) -> Statement:
    data = load_data("text.yaml")
    st = Statement(f"Witness statement of {w.name}")
    values = {
        "name": w.name,
        "witness_kind": kind,
        "statement_date": case.nice_day(RAID_DAY + 5),
        "phone": w.phone,
        "n": str(len(case.victims) + 2),
    }
    for line in data["witness_context"]:
        st.add(fill(line, case.ctx, **values))
    for line in data["witness_lines"]:
        suspect = case.one(line["role"])
        text = fill(line["text"], case.ctx, **values)
        st.add(text, [_fact(case, line["concept"], line["indicator"], suspect, None, text)])
    return st


def _chat_lines(
    case: Case, v: Person, suspect: Person, role: str, rng: random.Random, start_day: int
) -> list[tuple[datetime, Person, str, list[Fact]]]:
    """A conversation: indicator lines from ``suspect`` mixed with ordinary talk."""
    data = load_data("text.yaml")
    out: list[tuple[datetime, Person, str, list[Fact]]] = []
    day = start_day
    for line in role_lines(role):
        if line["to"] != "victim":
            continue
        day += rng.randrange(0, 3)
        for _ in range(rng.randrange(1, 3)):
            out.append((_dt(case, day, rng), v, rng.choice(data["victim_chatter"]), []))
        text = fill(
            line["text"],
            case.ctx,
            victim=v.short,
            home=v.home,
            date=case.nice_day(day + 5),
            origin=v.home,
        )
        out.append(
            (
                _dt(case, day, rng),
                suspect,
                text,
                [_fact(case, line["concept"], line["indicator"], suspect, v, text)],
            )
        )
        out.append(
            (
                _dt(case, day, rng),
                v,
                rng.choice(data["chatter"]).format(first=suspect.short, hour="9:00", small="20"),
                [],
            )
        )
    out.sort(key=lambda x: x[0])
    return out


def write_whatsapp(
    case: Case,
    path: Path,
    rel: str,
    v: Person,
    suspect: Person,
    role: str,
    ios: bool,
    rng: random.Random,
) -> list[Fact]:
    facts: list[Fact] = []
    rows = []
    for n, (when, who, text, fs) in enumerate(
        _chat_lines(case, v, suspect, role, rng, case.first_day[v.id] - 20), start=1
    ):
        if ios:
            rows.append(f"[{when:%d/%m/%Y, %H:%M:%S}] {who.short}: {text}")
        else:
            rows.append(f"{when:%d/%m/%Y, %H:%M} - {who.short}: {text}")
        facts += [_with_source(f, {"file": rel, "line": n}) for f in fs]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return facts


def write_telegram(
    case: Case, path: Path, rel: str, v: Person, suspect: Person, rng: random.Random
) -> list[Fact]:
    facts: list[Fact] = []
    messages = []
    for n, (when, who, text, fs) in enumerate(
        _chat_lines(case, v, suspect, "recruiter", rng, case.first_day[v.id] - 30), start=1
    ):
        messages.append(
            {
                "id": n,
                "type": "message",
                "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
                "date_unixtime": str(int(when.timestamp())),
                "from": who.short,
                "from_id": f"user{100000 + int(who.id[1:]) * 7919}",
                "text": text,
            }
        )
        facts += [_with_source(f, {"file": rel, "message_id": n}) for f in fs]
    chat = {
        "name": suspect.short,
        "type": "personal_chat",
        "id": 4_000_000 + int(suspect.id[1:]),
        "messages": messages,
    }
    path.write_text(json.dumps(chat, ensure_ascii=False, indent=1), encoding="utf-8")
    return facts


def write_sms_backup(case: Case, path: Path, rel: str, v: Person, rng: random.Random) -> list[Fact]:
    facts: list[Fact] = []
    convo: list[tuple[datetime, Person, str, list[Fact], Person]] = []
    for role in ("enforcer", "money_handler"):
        partner = case.one(role)
        convo += [
            (*c, partner)
            for c in _chat_lines(case, v, partner, role, rng, case.first_day[v.id] + 5)
        ]
    mother = next((p for p in case.persons if p.home == "mother of " + case.victims[0].id), None)
    if mother:
        for k in range(3):
            convo.append(
                (
                    _dt(case, case.first_day[v.id] + 10 * k, rng),
                    mother,
                    "Call me when you can my child, we miss you",
                    [],
                    mother,
                )
            )
    convo.sort(key=lambda x: x[0])
    items = []
    for index, (when, who, text, fs, other) in enumerate(convo):
        incoming = who is not v
        items.append(
            f'  <sms protocol="0" address="{other.phone}" '
            f'date="{int(when.timestamp() * 1000)}" type="{1 if incoming else 2}" '
            f'subject="null" body={quoteattr(text)} read="1" status="-1" '
            f'readable_date="{when:%d %b %Y %H:%M:%S}" contact_name={quoteattr(other.short)} />'
        )
        facts += [_with_source(f, {"file": rel, "index": index}) for f in fs]
    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
        f'<smses count="{len(items)}">\n' + "\n".join(items) + "\n</smses>\n"
    )
    path.write_text(xml, encoding="utf-8")
    return facts


def _email(
    sender: Person, recipient: Person, subject: str, when: datetime, body: str
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"{sender.name} <{sender.emails[0] if sender.emails else 'noreply@example.org'}>"
    m["To"] = f"{recipient.name} <{recipient.emails[0] if recipient.emails else 'x@example.org'}>"
    m["Subject"] = subject
    m["Date"] = format_datetime(when)
    m["Message-ID"] = f"<{sender.id}.{recipient.id}.{int(when.timestamp())}@mail.example>"
    m.set_content(ascii_text(body), cte="7bit")
    return m


def write_emails(case: Case, docs: Path, rng: random.Random) -> list[Fact]:
    facts: list[Fact] = []
    recruiter = next(p for p in case.role("recruiter") if p.charged)
    v = case.victims[0]
    promise = ascii_text(case.ctx["promise"])
    day = case.first_day[v.id] - 15
    body = (
        f"Dear {v.short},\n\nAs we discussed, here is the offer for {case.ctx['work']} in "
        f"{case.ctx['dest']}.\n{promise}\nPlease sign the attached offer and send me a photo "
        f"of your passport.\n\nRegards,\n{recruiter.name}\n{recruiter.phone}\n"
    )
    m = _email(recruiter, v, "Job offer", _dt(case, day, rng), body)
    offer = Statement("Offer of employment")
    offer.add(f"Position: {case.ctx['work']}")
    offer.add(promise)
    pdf_path = docs / "_offer.pdf"
    offer.write_pdf(pdf_path, "attachment", _dt(case, day, rng))
    m.add_attachment(
        pdf_path.read_bytes(), maintype="application", subtype="pdf", filename="job_offer.pdf"
    )
    m.set_boundary(f"=_palermo_{case.seed}_{v.id}")  # not random: same seed, same bytes
    pdf_path.unlink()
    rel = "documents/email_job_offer.eml"
    (docs / "email_job_offer.eml").write_bytes(bytes(m))
    facts.append(
        _with_source(
            _fact(case, "means.deception", "false_promise", recruiter, v, promise), {"file": rel}
        )
    )
    mh, ben = case.one("money_handler"), case.one("beneficiary")
    line = next(ln for ln in role_lines("money_handler") if ln["indicator"] == "proceeds_transfer")
    text = ascii_text(fill(line["text"], case.ctx))
    body = f"{ben.short},\n\n{text}\nThe usual reference. Delete this after.\n"
    m2 = _email(mh, ben, "this week", _dt(case, case.first_day[v.id] + 40, rng), body)
    rel2 = "documents/email_transfer.eml"
    (docs / "email_transfer.eml").write_bytes(bytes(m2))
    facts.append(
        _with_source(
            _fact(case, line["concept"], line["indicator"], mh, None, text), {"file": rel2}
        )
    )
    return facts


def write_ad(case: Case, path: Path, rel: str, city: str, n: int) -> list[Fact]:
    spec = case.spec
    title = load_data("text.yaml")["sectors"][spec.sector]["ad_title"]
    if spec.buyers:
        suspect = case.one("exploiter")
        phone, concept = case.ad_phone, "act.advertising"
        contact = f"Call or text {phone} - incall and outcall in {city}"
    else:
        suspect = next(p for p in case.role("recruiter") if p.charged)
        phone, concept = suspect.phone, "act.recruitment"
        contact = f"Apply now on WhatsApp {phone} - travel and visa arranged"
    page = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}'
        f'</title></head>\n<body>\n<div class="post" id="post-{n}">\n'
        f'<h1>{html.escape(title)}</h1>\n<p class="location">{html.escape(city)}</p>\n'
        f'<p class="contact">{html.escape(contact)}</p>\n'
        f'<p class="site">{html.escape(case.ctx["site"])}</p>\n</div>\n</body></html>\n'
    )
    path.write_text(page, encoding="utf-8")
    return [
        _with_source(_fact(case, concept, "advertisement", suspect, None, contact), {"file": rel})
    ]


def _innocent_chat(case: Case, path: Path, rng: random.Random) -> None:
    pool = case.pool
    assert pool is not None
    chatter = load_data("text.yaml")["chatter"]
    names = rng.sample(pool.first_names, 2)
    day = rng.randrange(0, RAID_DAY)
    rows = []
    for _ in range(rng.randrange(5, 25)):
        when = _dt(case, day, rng)
        text = rng.choice(chatter).format(first=names[1], hour="18:30", small="15")
        rows.append(f"{when:%d/%m/%Y, %H:%M} - {rng.choice(names)}: {text}")
        day += rng.random() < 0.3
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_documents(case: Case, out: Path, target: int) -> tuple[int, list[Fact]]:
    """Write the case documents (about ``target`` files). Returns (files written, facts)."""
    docs = out / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{case.seed}:documents")
    stamp = datetime(case.base.year, case.base.month, case.base.day, tzinfo=UTC) + timedelta(
        seconds=(RAID_DAY + 3) * DAY
    )
    facts: list[Fact] = []
    count = 0
    for i, v in enumerate(case.victims):
        st = victim_statement(case, v)
        ext = "pdf" if i % 2 == 0 else "docx"
        rel = f"documents/statement_{v.id}.{ext}"
        path = out / rel
        facts += st.write_pdf(path, rel, stamp) if ext == "pdf" else st.write_docx(path, rel, stamp)
        count += 1
    for k, w in enumerate(case.role("witness")):
        kind = "co-worker" if k == 0 else "neighbour"
        st = witness_statement(case, w, kind)
        ext = "pdf" if k == 0 else "docx"
        rel = f"documents/statement_{w.id}.{ext}"
        facts += (
            st.write_pdf(out / rel, rel, stamp)
            if ext == "pdf"
            else st.write_docx(out / rel, rel, stamp)
        )
        count += 1
    v0, v1 = case.victims[0], case.victims[1]
    exploiter = case.one("exploiter")
    recruiter = next(p for p in case.role("recruiter") if p.charged)
    rel = f"documents/whatsapp_{v0.id}_{exploiter.id}.txt"
    facts += write_whatsapp(case, out / rel, rel, v0, exploiter, "exploiter", False, rng)
    rel = f"documents/whatsapp_{v1.id}_{recruiter.id}.txt"
    facts += write_whatsapp(case, out / rel, rel, v1, recruiter, "recruiter", True, rng)
    tg = docs / "telegram"
    tg.mkdir(exist_ok=True)
    rel = "documents/telegram/result.json"
    facts += write_telegram(case, out / rel, rel, case.victims[2], recruiter, rng)
    rel = f"documents/sms_backup_{v1.id}.xml"
    facts += write_sms_backup(case, out / rel, rel, v1, rng)
    facts += write_emails(case, docs, rng)
    rel = "documents/advertisement.html"
    facts += write_ad(case, out / rel, rel, case.ctx["dest"], 0)
    count += 7
    # bulk for large cases: reposted ads and ordinary chats, no new facts
    extra = max(0, target - count)
    cities = [p.city for p in case.spec.destinations]
    for n in range(extra):
        if n % 3 == 0:
            write_ad(case, docs / f"ad_{n:05d}.html", "", cities[n % len(cities)], n + 1)
        else:
            _innocent_chat(case, docs / f"whatsapp_chat_{n:05d}.txt", rng)
        count += 1
    return count, facts
