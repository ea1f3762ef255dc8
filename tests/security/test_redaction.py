from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.network_money import simcase

from palermo.security.permissions import Actor
from palermo.security.redaction import IdentityTokens, Redactor
from palermo.services import cases
from palermo.services.context import Context
from palermo.services.memo import export_memo
from palermo.store.models import Case, Role


def test_full_names_aliases_and_name_parts_are_replaced() -> None:
    redact = Redactor([("V-01", ["Maria Ionescu", "Mari"]), ("V-02", ["Ana Pop"])])
    text = "Maria Ionescu said MARI was there; later maria met ana pop and Ionescu's cousin."
    assert redact(text) == "V-01 said V-01 was there; later V-01 met V-02 and V-01's cousin."


def test_open_full_names_stay_whole_but_shared_name_parts_do_not() -> None:
    redact = Redactor([("V-01", ["Amber Wilson"])], keep=["Daniel Wilson", "Amber Wilson"])
    text = "Daniel Wilson paid; Wilson and Amber Wilson left; daniel wilson called."
    assert redact(text) == "Daniel Wilson paid; V-01 and V-01 left; daniel wilson called."


def test_words_containing_a_name_are_left_alone() -> None:
    redact = Redactor([("V-01", ["Ana"])])
    assert redact("Banana and Anaheim; Ana left.") == "Banana and Anaheim; V-01 left."


def test_html_redaction_keeps_markup_and_styles() -> None:
    redact = Redactor([("V-01", ["Page Table"])])
    html = '<style>@page { size: A4 }</style><table class="page"><td>Page Table wrote</td></table>'
    out = redact.html(html)
    assert out.startswith('<style>@page { size: A4 }</style><table class="page">')
    assert "<td>V-01 wrote</td>" in out


def test_no_identities_is_identity() -> None:
    assert Redactor([])("Maria") == "Maria"
    assert not Redactor([]).active


# -- the memo: no sealed name anywhere, new sections and pictures included ------------------


@pytest.fixture(scope="module")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simcase.folder(tmp_path_factory.mktemp("redaction-sim"))


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "memo.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    )
    return out.stdout


def _leaks(text: str, names: list[str], open_names: Sequence[str] = ()) -> list[str]:
    """Full names, aliases and name parts (three letters or more, as the Redactor takes
    them) found in ``text`` as words, outside the full names of people who are not
    sealed (a buyer may share a surname with a victim; his name is not hers)."""
    text = " ".join(text.split())  # a PDF's line breaks fall inside names
    for name in sorted(open_names, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", " ", text, flags=re.IGNORECASE)
    found = []
    for name in names:
        for form in [name, *re.split(r"[\s.,'-]+", name)]:
            if len(form) >= 3 and re.search(rf"\b{re.escape(form)}\b", text, re.IGNORECASE):
                found.append(form)
    return found


def test_memo_for_a_user_without_the_right_never_carries_a_sealed_name(
    ctx: Context,
    prosecutor: Actor,
    unit_id: int,
    make_user: Callable[..., Actor],
    sim_folder: Path,
    tmp_path: Path,
) -> None:
    sim = simcase.build(ctx, prosecutor, unit_id, sim_folder)
    victims = [p for p in sim.truth["persons"] if p["kind"] == "victim"]
    names = [n for p in victims for n in [p["name"], *p.get("aliases", [])]]
    others = [p["name"] for p in sim.truth["persons"] if p["kind"] != "victim"]
    # A free-text summary that names a victim, as investigators write them.
    with ctx.db.session() as session:
        case = session.scalar(sa.select(Case).where(Case.reference == sim.reference))
        assert case is not None
        case.summary = f"{victims[0]['name']} was recruited with a promise of hostess work."
    analyst = make_user(Role.ANALYST)
    cases.add_member(ctx, prosecutor, sim.reference, analyst.username)

    html = export_memo(ctx, analyst, sim.reference, fmt="html", reveal=True).decode()
    pdf_text = _pdf_text(export_memo(ctx, analyst, sim.reference, fmt="pdf", reveal=True), tmp_path)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2  # the network and the money flows
    money = html[html.index('<section id="money">') : html.index('<section id="timeline"')]
    assert "Total traced" in money and "Restitution worksheet" in money
    for text in (html, pdf_text, *svgs, money):
        assert _leaks(text, names, others) == []
    assert "V-01" in svgs[0] and "V-01" in money  # victims are there, by pseudonym
    assert "V-01" in pdf_text and "Network picture" in pdf_text

    # The control: a prosecutor who asks sees the names, in the pictures too.
    revealed = export_memo(ctx, prosecutor, sim.reference, fmt="html", reveal=True).decode()
    assert _leaks(revealed, [victims[0]["name"]])


# -- identity tokens, and other people who share a name part --------------------------------

SARAH = IdentityTokens(
    "V-01",
    names=("Sarah Jones", "La Tia"),
    dates_of_birth=("1998-04-12",),
    phones=("+40 721 555 123",),
    emails=("sarah.jones88@mail.test",),
    handles=("@sarahj98",),
    addresses=("12 Rose Street, Springfield",),
    locations=("Safe Haven Shelter",),
)
MARIA = IdentityTokens("V-06", names=("María López",))


def test_another_persons_name_that_shares_a_part_is_left_whole() -> None:
    redact = Redactor([SARAH, MARIA])
    assert redact("Travis Jones paid Sarah Jones.") == "Travis Jones paid V-01."
    assert redact("Maria Rusu travelled with Maria Lopez.") == "Maria Rusu travelled with V-06."
    assert redact("Jones Ltd booked it; Jones left; Ms Jones and jones.") == (
        "Jones Ltd booked it; V-01 left; Ms V-01 and V-01."
    )
    # A lone first name at the start of a sentence is still hers.
    assert redact("Yesterday Maria called. Maria said no.") == (
        "Yesterday V-06 called. V-06 said no."
    )


def test_dates_of_birth_in_every_written_form() -> None:
    redact = Redactor([SARAH])
    for form in (
        "1998-04-12",
        "12/04/1998",
        "04/12/1998",
        "12.04.98",
        "12 April 1998",
        "April 12th, 1998",
        "12th of April 1998",
        "12 abril de 1998",
        "Apr 12 1998",
    ):
        assert redact(f"born {form}.") == "born [V-01 date of birth].", form
    assert redact("on 13 April 1998") == "on 13 April 1998"


def test_phones_emails_handles_addresses_and_places() -> None:
    redact = Redactor([SARAH], keep=["Travis Jones"])
    text = (
        "Call 0721-555-123 or (0721) 555 123 or +40721555123, not +40 721 555 999. "
        "Mail SARAH.JONES88@mail.test or sjones.work@mail.test, not travis.jones@mail.test. "
        "Follow @sarahj98, not @travis. She lived at 12 Rose Street and stays at the "
        "Safe  Haven\nShelter."
    )
    assert redact(text) == (
        "Call [V-01 phone] or [V-01 phone] or [V-01 phone], not +40 721 555 999. "
        "Mail [V-01 e-mail] or [V-01 e-mail], not travis.jones@mail.test. "
        "Follow [V-01 handle], not @travis. She lived at [V-01 address] and stays at the "
        "[V-01 location]."
    )


def test_accents_and_spacing_do_not_hide_a_name() -> None:
    redact = Redactor([MARIA])
    assert redact("MARIA LOPEZ and María  López and López, María") == "V-06 and V-06 and V-06"


def test_spans_are_positions_in_the_original_text() -> None:
    redact = Redactor([SARAH])
    text = "Hi Sarah, born 12/04/1998"
    assert [(text[s:e], r) for s, e, r in redact.spans(text)] == [
        ("Sarah", "V-01"),
        ("12/04/1998", "[V-01 date of birth]"),
    ]
