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
