"""Plaid's personal_finance_category, mapped to the names of Billfold's default categories.

Used only when no rule or learned choice applies. Detailed codes win over primaries.
"""

PRIMARY = {
    "INCOME": "Other income",
    "TRANSFER_IN": None,
    "TRANSFER_OUT": None,
    "LOAN_PAYMENTS": None,
    "BANK_FEES": "Fees",
    "ENTERTAINMENT": "Entertainment",
    "FOOD_AND_DRINK": "Food & Dining",
    "GENERAL_MERCHANDISE": "Shopping",
    "HOME_IMPROVEMENT": "Housing",
    "MEDICAL": "Health",
    "PERSONAL_CARE": "Personal care",
    "GENERAL_SERVICES": "Other",
    "GOVERNMENT_AND_NON_PROFIT": "Gifts & Donations",
    "TRANSPORTATION": "Transport",
    "TRAVEL": "Travel",
    "RENT_AND_UTILITIES": "Bills & Utilities",
}
DETAILED = {
    "INCOME_WAGES": "Salary",
    "INCOME_DIVIDENDS": "Interest & Dividends",
    "INCOME_INTEREST_EARNED": "Interest & Dividends",
    "INCOME_TAX_REFUND": "Refunds",
    "FOOD_AND_DRINK_GROCERIES": "Groceries",
    "RENT_AND_UTILITIES_RENT": "Housing",
    "GENERAL_SERVICES_EDUCATION": "Education",
    "GOVERNMENT_AND_NON_PROFIT_DONATIONS": "Gifts & Donations",
}


def primary_of(hint: str) -> str:
    """The primary code a detailed one belongs to (FOOD_AND_DRINK_COFFEE -> FOOD_AND_DRINK)."""
    matches = [p for p in PRIMARY if hint == p or hint.startswith(p + "_")]
    return max(matches, key=len, default="")


def stored_hint(*, primary: str, detailed: str) -> str:
    """What a transaction keeps of the provider's category: broad to narrow, " > " between
    ("FOOD_AND_DRINK > FOOD_AND_DRINK_COFFEE"); "" when the provider gave none."""
    levels = [code.strip() for code in (primary, detailed) if code and code.strip()]
    if len(levels) == 2 and levels[0] == levels[1]:
        levels.pop()
    return " > ".join(levels)[:200]


def category_name_for(hint: str) -> str | None:
    """The default category name for a provider hint such as FOOD_AND_DRINK_COFFEE."""
    if not hint:
        return None
    if hint in DETAILED:
        return DETAILED[hint]
    for primary, name in PRIMARY.items():
        if hint == primary or hint.startswith(primary + "_"):
            return name
    return None
