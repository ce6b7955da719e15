"""One table of currencies: the profile's base currency and the ledger's money agree."""

from accounts.currencies import CURRENCIES, CURRENCY_CHOICES, is_currency_code
from accounts.forms import ProfileForm
from ledger import currencies as ledger_currencies


def test_the_ledger_uses_the_same_table():
    assert ledger_currencies.CURRENCIES is CURRENCIES
    assert ledger_currencies.CURRENCY_CHOICES is CURRENCY_CHOICES


def test_every_base_currency_a_profile_offers_can_be_formatted_by_the_ledger():
    offered = [code for code, _ in ProfileForm.base_fields["base_currency"].choices]
    assert offered and "USD" in offered
    assert all(ledger_currencies.minor_units(code) in (0, 2, 3) for code in offered)


def test_current_codes_are_known():
    for code in ("USD", "EUR", "JPY", "KWD", "VED", "XCG"):
        assert is_currency_code(code) and ledger_currencies.is_currency(code)
    assert ledger_currencies.minor_units("JPY") == 0
    assert ledger_currencies.minor_units("KWD") == 3
    assert not is_currency_code("XAU")
