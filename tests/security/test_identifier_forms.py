"""The forms an identifier is indexed under: an account number is read as an account,
never as a phone number, however much it looks like one."""

from __future__ import annotations

from palermo.security.blind_index import identifier_forms, identifier_tokens


def test_an_account_of_digits_gets_no_phone_forms() -> None:
    # Ten digits read as a US phone number would also give "19378392437".
    assert identifier_forms("account", "9378392437", "US") == {"9378392437"}
    assert identifier_forms("bank_account", "937 839 2437", "US") == {"9378392437"}
    assert "19378392437" not in identifier_tokens("account", "9378392437", "US")


def test_an_iban_is_indexed_in_its_compact_form() -> None:
    forms = identifier_forms("iban", "GB82 WEST 1234 5698 7654 32", "GB")
    assert "gb82west12345698765432" in forms


def test_a_phone_gets_its_international_and_national_forms() -> None:
    forms = identifier_forms("phone", "(937) 839-2437", "US")
    assert {"19378392437", "9378392437"} <= forms


def test_a_number_of_no_stated_kind_is_still_tried_as_a_phone() -> None:
    assert "19378392437" in identifier_forms("other", "937-839-2437", "US")
