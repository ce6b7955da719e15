"""A synthetic, reproducible transaction history: merchants per category written the messy
ways banks write them (card prefixes, store numbers, cities, dates, references)."""

import random
from decimal import Decimal

MERCHANTS = {
    "Groceries": (
        ["Tesco Stores", "Sainsburys", "Whole Foods Market", "Aldi", "Lidl GB"],
        (15, 120),
    ),
    "Food & Dining": (["Pret A Manger", "Nandos", "Wagamama", "Pizza Express", "Dishoom"], (8, 60)),
    "Transport": (["TFL Travel Ch", "Shell Fuel", "Uber Trip", "Trainline", "BP Connect"], (3, 80)),
    "Entertainment": (["Netflix.com", "Spotify P", "Odeon Cinemas", "Steam Games"], (5, 30)),
    "Bills & Utilities": (
        ["British Gas", "Thames Water", "Virgin Media", "Vodafone Ltd"],
        (30, 150),
    ),
    "Shopping": (["Amazon Mktplace", "Argos Ltd", "John Lewis", "Ikea Wembley"], (10, 300)),
    "Health": (["Boots Pharmacy", "Puregym", "Bupa Dental"], (10, 90)),
    "Salary": (["Acme Corp Payroll"], (2500, 3200)),
    "Refunds": (["Amazon Refund", "Argos Refund"], (5, 80)),
}
PREFIXES = ["", "CARD PAYMENT TO ", "POS ", "CONTACTLESS ", "DD "]
CITIES = ["LONDON", "LEEDS", "MANCHESTER", "BRISTOL", ""]


def history(n: int, seed: int = 7) -> list[tuple[str, str, Decimal, str]]:
    """(payee, description, amount, category) rows."""
    rnd = random.Random(seed)
    rows = []
    names = list(MERCHANTS)
    for _ in range(n):
        category = rnd.choice(names)
        merchants, (low, high) = MERCHANTS[category]
        merchant = rnd.choice(merchants)
        payee = (
            f"{rnd.choice(PREFIXES)}{merchant.upper()} {rnd.randint(1, 9999)} {rnd.choice(CITIES)}"
        )
        description = f"REF {rnd.randint(100000, 999999)} ON {rnd.randint(1, 28):02d} JAN"
        amount = Decimal(rnd.randint(low * 100, high * 100)) / 100
        if category not in ("Salary", "Refunds"):
            amount = -amount
        rows.append((payee.strip(), description, amount, category))
    return rows
