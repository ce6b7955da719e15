"""MT940 :86: details on small hand-written statements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from banking.importers import mt940_parse


def statement(*lines: str) -> bytes:
    return "\n".join(
        [
            ":20:STATEMENT",
            ":25:DE89370400440532013000",
            ":28C:1/1",
            ":60F:C250801EUR100,00",
            *lines,
            ":62F:C250801EUR50,00",
            "-}",
        ]
    ).encode()


def only_row(*lines: str):  # type: ignore[no-untyped-def]
    (row,) = mt940_parse(statement(*lines)).accounts[0].rows
    return row


def test_a_bank_code_before_the_payee_is_not_part_of_it() -> None:
    row = only_row(
        ":61:2508020802D50,00NTRFNONREF//REF1",
        ":86:A44?Librairie Gibert Joseph",
        "Virement en ligne",
    )
    assert (row.payee, row.description, row.amount) == (
        "Librairie Gibert Joseph",
        "Virement en ligne",
        Decimal("-50.00"),
    )


def test_the_61_details_repeated_after_the_payee_are_split_off() -> None:
    row = only_row(
        ":61:2508020802D50,00NMSCNONREF//REF1",
        "Paiement mobile",
        ":86:B32?TREMBLAY, MARIE Paiement mobile",
    )
    assert (row.payee, row.description, row.notes) == ("TREMBLAY, MARIE", "", "Paiement mobile")


def test_a_payee_that_only_resembles_the_61_details_is_kept_whole() -> None:
    row = only_row(
        ":61:2508020802D50,00NCHGNONREF//REF1",
        "Frais de tenue de compte trimestrie.",
        ":86:C92?Frais de tenue de compte trimestriels",
    )
    assert row.payee == "Frais de tenue de compte trimestriels"


@pytest.mark.parametrize(
    "details",
    [
        "166?00SEPA ÜBERWEISUNG?20Rechnung 4711?32MÜLLER GMBH",
        "?00SEPA ÜBERWEISUNG?20Rechnung 4711?32MÜLLER GMBH",
        "166?00SEPA ÜBERWEISUNG?20Rechnung?2147\n11?32MÜLLER GMBH",
    ],
)
def test_german_subfields_still_give_payee_and_purpose(details: str) -> None:
    row = only_row(":61:2508020802D50,00NTRFNONREF//REF1", f":86:{details}")
    assert row.payee == "MÜLLER GMBH"
    assert row.description.replace(" ", "").startswith("Rechnung")


def test_a_question_mark_inside_free_text_is_not_a_subfield() -> None:
    row = only_row(":61:2508020802D50,00NTRFNONREF//REF1", ":86:Invoice no?12 paid")
    assert row.payee == "Invoice no?12 paid"
