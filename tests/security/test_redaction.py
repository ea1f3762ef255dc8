from __future__ import annotations

from palermo.security.redaction import Redactor


def test_full_names_aliases_and_name_parts_are_replaced() -> None:
    redact = Redactor([("V-01", ["Maria Ionescu", "Mari"]), ("V-02", ["Ana Pop"])])
    text = "Maria Ionescu said MARI was there; later maria met ana pop and Ionescu's cousin."
    assert redact(text) == "V-01 said V-01 was there; later V-01 met V-02 and V-01's cousin."


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
