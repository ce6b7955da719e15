"""Built-in CSV layouts of real banks, recognised from the header row.

Facts (headers, date formats, signs) come from the survey in the shared
``data/bank-csv-formats.md`` and the public parser projects it cites; each profile says
where its sign convention comes from. A header matches a profile when it contains every
``required`` column name (after ``normalise_header``); a name ending in ``*`` matches by
prefix (``amount (*`` fits "Amount (GBP)" and "Amount (EUR)"). When several profiles
match, the one with the most required names wins. Column names of the mapping may add
``@2`` to mean the second column with that name (ING DE writes ``Währung`` twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from banking.importers.csvfile import DEBIT_CREDIT, INDICATOR, SIGNED, CsvMapping, normalise_header


@dataclass(frozen=True)
class BankProfile:
    slug: str
    name: str
    country: str  # ISO 3166 alpha-2
    required: tuple[str, ...]  # normalised header names that must all be present
    bank: str  # the bank itself: several layouts (cards, dated variants) share one
    date: str
    date_format: str
    amount_style: str = SIGNED
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    indicator: str | None = None
    debit_values: tuple[str, ...] = ()
    credit_values: tuple[str, ...] = ()
    fee: str | None = None
    payee: str | None = None
    payee_in: str | None = None
    description: tuple[str, ...] = ()
    notes: str | None = None
    category: str | None = None
    external_id: str | None = None
    balance: str | None = None
    currency: str | None = None
    status: str | None = None
    skip_statuses: tuple[str, ...] = ()
    decimal_mark: str = "."  # "" when the bank's own exports vary: guessed from the numbers
    flip_sign: bool = False
    account_type: str = "checking"  # what the layout is usually exported for
    sign_note: str = ""  # the bank's sign convention, in plain words
    delimiter: str = ","  # as exported (informational; the sniffer decides)
    # As exported. The sniffer decides, except that a single-byte encoding named here
    # (cp1250) wins over the Western fallback for a file that is not UTF-8.
    encoding: str = "utf-8"
    headerless_width: int = 0  # >0: a header-less layout recognised by its shape
    headerless_marker: tuple[int, str] | None = None  # (column, exact value) on every row
    aliases: tuple[tuple[str, ...], ...] = field(default=())  # other required sets (variants)

    def _index(self, norm: list[str], name: str | None) -> int | None:
        if not name:
            return None
        if name.startswith("#") and name[1:].isdigit():  # a column number, 1-based
            return int(name[1:]) - 1
        nth = 1
        if "@" in name:
            name, _, n = name.rpartition("@")
            nth = int(n)
        seen = 0
        for i, h in enumerate(norm):
            if h == name or (name.endswith("*") and h.startswith(name[:-1])):
                seen += 1
                if seen == nth:
                    return i
        return None

    def mapping_for(self, header: list[str]) -> CsvMapping:
        """This profile's mapping, with column names resolved against ``header``."""
        norm = [normalise_header(h) for h in header]
        ix = self._index
        return CsvMapping(
            date=ix(norm, self.date),
            date_format=self.date_format,
            amount_style=self.amount_style,
            amount=ix(norm, self.amount),
            debit=ix(norm, self.debit),
            credit=ix(norm, self.credit),
            indicator=ix(norm, self.indicator),
            debit_values=list(self.debit_values),
            credit_values=list(self.credit_values),
            fee=ix(norm, self.fee),
            payee=ix(norm, self.payee),
            payee_in=ix(norm, self.payee_in),
            description=[i for i in (ix(norm, d) for d in self.description) if i is not None],
            notes=ix(norm, self.notes),
            category=ix(norm, self.category),
            external_id=ix(norm, self.external_id),
            balance=ix(norm, self.balance),
            currency=ix(norm, self.currency),
            status=ix(norm, self.status),
            skip_statuses=list(self.skip_statuses),
            decimal_mark=self.decimal_mark or ".",
            thousands_sep="." if self.decimal_mark == "," else ",",
            flip_sign=self.flip_sign,
        )

    def matches(self, norm: list[str]) -> int:
        """How many required names the header satisfies (0 when it is not this layout)."""
        best = 0
        for required in (self.required, *self.aliases):
            if required and all(self._index(norm, name) is not None for name in required):
                best = max(best, len(required))
        return best


P = BankProfile
US_DATE = "%m/%d/%Y"

PROFILES: list[BankProfile] = [
    # -- United States ---------------------------------------------------------------------
    P(
        "chase-checking",
        "Chase checking/savings",
        "US",
        ("details", "posting date", "description", "amount", "type", "balance", "check or slip #"),
        bank="Chase",
        date="posting date",
        date_format=US_DATE,
        amount="amount",
        payee="description",
        balance="balance",
        sign_note="One signed Amount; negative is money out. Data rows carry a trailing empty field.",
    ),
    P(
        "chase-credit",
        "Chase credit card",
        "US",
        ("transaction date", "post date", "description", "category", "type", "amount", "memo"),
        bank="Chase",
        date="transaction date",
        date_format=US_DATE,
        amount="amount",
        payee="description",
        category="category",
        notes="memo",
        account_type="credit_card",
        sign_note="Purchases negative (Type=Sale); payments and returns positive.",
    ),
    P(
        "chase-credit-business",
        "Chase credit card (with Card column)",
        "US",
        (
            "card",
            "transaction date",
            "post date",
            "description",
            "category",
            "type",
            "amount",
            "memo",
        ),
        bank="Chase",
        date="transaction date",
        date_format=US_DATE,
        amount="amount",
        payee="description",
        category="category",
        notes="memo",
        account_type="credit_card",
        sign_note="Purchases negative; payments and returns positive.",
    ),
    P(
        "boa-checking",
        "Bank of America checking/savings",
        "US",
        ("date", "description", "amount", "running bal."),
        bank="Bank of America",
        date="date",
        date_format=US_DATE,
        amount="amount",
        payee="description",
        balance="running bal.",
        sign_note="One signed Amount; 6 summary lines before the header; the 'Beginning balance' row has no amount and is skipped.",
    ),
    P(
        "boa-credit",
        "Bank of America credit card",
        "US",
        ("posted date", "reference number", "payee", "address", "amount"),
        bank="Bank of America",
        date="posted date",
        date_format=US_DATE,
        amount="amount",
        payee="payee",
        notes="address",
        external_id="reference number",
        account_type="credit_card",
        sign_note="Purchases negative, payments/credits positive (bank2ynab and most fixtures).",
    ),
    P(
        "capital-one",
        "Capital One credit card",
        "US",
        (
            "transaction date",
            "posted date",
            "card no.",
            "description",
            "category",
            "debit",
            "credit",
        ),
        bank="Capital One",
        date="transaction date",
        date_format="%Y-%m-%d",
        amount_style=DEBIT_CREDIT,
        debit="debit",
        credit="credit",
        payee="description",
        category="category",
        account_type="credit_card",
        sign_note="Two unsigned columns: Debit = charges, Credit = payments/refunds.",
    ),
    P(
        "capital-one-360",
        "Capital One 360 checking",
        "US",
        (
            "account number",
            "transaction date",
            "transaction amount",
            "transaction type",
            "transaction description",
            "balance",
        ),
        bank="Capital One",
        date="transaction date",
        date_format="%m/%d/%y",
        amount_style=INDICATOR,
        amount="transaction amount",
        indicator="transaction type",
        debit_values=("Debit",),
        credit_values=("Credit",),
        payee="transaction description",
        balance="balance",
        sign_note="Unsigned amount; Transaction Type says Debit or Credit (low confidence).",
    ),
    P(
        "wells-fargo",
        "Wells Fargo checking (no header)",
        "US",
        (),
        bank="Wells Fargo",
        date="#1",
        date_format=US_DATE,
        amount="#2",
        payee="#5",
        headerless_width=5,
        headerless_marker=(2, "*"),
        sign_note="No header; columns: date, signed amount, '*', check number, description.",
    ),
    P(
        "citi",
        "Citi credit card",
        "US",
        ("status", "date", "description", "debit", "credit"),
        bank="Citi",
        date="date",
        date_format=US_DATE,
        amount_style=DEBIT_CREDIT,
        debit="debit",
        credit="credit",
        payee="description",
        status="status",
        account_type="credit_card",
        sign_note="Debit holds positive charges; Credit holds payments as NEGATIVE numbers (read by column, not sign).",
    ),
    P(
        "amex",
        "American Express",
        "US",
        ("date", "description", "card member", "account #", "amount"),
        bank="American Express",
        date="date",
        date_format=US_DATE,
        amount="amount",
        payee="description",
        flip_sign=True,
        account_type="credit_card",
        sign_note="Charges positive, payments negative: flipped.",
    ),
    P(
        "amex-extended",
        "American Express (extended details)",
        "US",
        ("date", "description", "amount", "extended details", "appears on your statement as"),
        bank="American Express",
        date="date",
        date_format=US_DATE,
        amount="amount",
        payee="description",
        category="category",
        external_id="reference",
        notes="extended details",
        flip_sign=True,
        account_type="credit_card",
        sign_note="Charges positive, payments negative: flipped.",
    ),
    P(
        "discover",
        "Discover card",
        "US",
        ("trans. date", "post date", "description", "amount", "category"),
        bank="Discover",
        date="trans. date",
        date_format=US_DATE,
        amount="amount",
        payee="description",
        category="category",
        flip_sign=True,
        account_type="credit_card",
        sign_note="Charges positive (public fixtures, unverified): flipped.",
    ),
    P(
        "schwab-bank",
        "Charles Schwab bank checking",
        "US",
        (
            "date",
            "type",
            "check #",
            "description",
            "withdrawal (-)",
            "deposit (+)",
            "runningbalance",
        ),
        bank="Charles Schwab",
        date="date",
        date_format=US_DATE,
        amount_style=DEBIT_CREDIT,
        debit="withdrawal (-)",
        credit="deposit (+)",
        payee="description",
        balance="runningbalance",
        sign_note="Separate Withdrawal/Deposit columns with $ amounts.",
    ),
    # -- United Kingdom --------------------------------------------------------------------
    P(
        "monzo",
        "Monzo",
        "GB",
        (
            "transaction id",
            "date",
            "time",
            "type",
            "name",
            "emoji",
            "category",
            "amount",
            "currency",
        ),
        bank="Monzo",
        date="date",
        date_format="%d/%m/%Y",
        amount="amount",
        payee="name",
        description=("description",),
        notes="notes and #tags",
        category="category",
        external_id="transaction id",
        currency="currency",
        balance="balance",
        sign_note="Signed Amount; negative is spend.",
    ),
    P(
        "monzo-legacy",
        "Monzo (2018 export)",
        "GB",
        (
            "id",
            "created",
            "amount",
            "currency",
            "local_amount",
            "local_currency",
            "category",
            "description",
        ),
        bank="Monzo",
        date="created",
        date_format="%Y-%m-%d %H:%M:%S",
        amount="amount",
        payee="description",
        notes="notes",
        category="category",
        external_id="id",
        currency="currency",
        sign_note="Signed amount; negative is spend.",
    ),
    P(
        "revolut",
        "Revolut",
        "GB",
        (
            "type",
            "product",
            "started date",
            "completed date",
            "description",
            "amount",
            "fee",
            "currency",
            "state",
        ),
        bank="Revolut",
        date="started date",
        date_format="%Y-%m-%d %H:%M:%S",
        amount="amount",
        fee="fee",
        payee="description",
        currency="currency",
        balance="balance",
        status="state",
        skip_statuses=("REVERTED", "DECLINED", "FAILED"),
        sign_note="Signed Amount; the Fee column (positive) is subtracted; reverted/declined rows are skipped.",
    ),
    P(
        "revolut-legacy",
        "Revolut (2019 export)",
        "GB",
        ("completed date", "paid out (*", "paid in (*"),
        bank="Revolut",
        date="completed date",
        date_format="%b %d, %Y",
        amount_style=DEBIT_CREDIT,
        debit="paid out (*",
        credit="paid in (*",
        payee="reference",
        aliases=(("completed date", "reference", "paid out (*", "paid in (*"),),
        balance="balance (*",
        category="category",
        notes="notes",
        delimiter=";",
        sign_note="Separate Paid Out / Paid In columns (header names low confidence).",
    ),
    P(
        "starling",
        "Starling",
        "GB",
        ("date", "counter party", "reference", "type", "amount (*", "balance (*"),
        bank="Starling",
        date="date",
        date_format="%d/%m/%Y",
        amount="amount (*",
        payee="counter party",
        description=("reference",),
        balance="balance (*",
        category="spending category",
        notes="notes",
        sign_note="One signed amount.",
    ),
    P(
        "nationwide",
        "Nationwide",
        "GB",
        ("date", "transaction type", "description", "paid out", "paid in", "balance"),
        bank="Nationwide",
        date="date",
        date_format="%d %b %Y",
        amount_style=DEBIT_CREDIT,
        debit="paid out",
        credit="paid in",
        payee="description",
        balance="balance",
        encoding="cp1252",
        sign_note="Separate Paid out / Paid in with £ amounts; 4 preamble lines.",
    ),
    P(
        "barclays",
        "Barclays",
        "GB",
        ("number", "date", "account", "amount", "subcategory", "memo"),
        bank="Barclays",
        date="date",
        date_format="%d/%m/%Y",
        amount="amount",
        payee="memo",
        category="subcategory",
        sign_note="One signed amount.",
    ),
    P(
        "lloyds",
        "Lloyds / Halifax / Bank of Scotland",
        "GB",
        (
            "transaction date",
            "transaction type",
            "sort code",
            "account number",
            "transaction description",
            "debit amount",
            "credit amount",
            "balance",
        ),
        bank="Lloyds Bank",
        date="transaction date",
        date_format="%d/%m/%Y",
        amount_style=DEBIT_CREDIT,
        debit="debit amount",
        credit="credit amount",
        payee="transaction description",
        balance="balance",
        sign_note=(
            "Separate unsigned Debit Amount / Credit Amount. Halifax and Bank of Scotland "
            "(same group) export the same layout; some files end every line with a comma."
        ),
    ),
    # -- European Union / Switzerland ------------------------------------------------------
    P(
        "n26-2024",
        "N26 (2024+)",
        "DE",
        (
            "booking date",
            "value date",
            "partner name",
            "partner iban",
            "type",
            "payment reference",
            "amount (eur)",
        ),
        bank="N26",
        date="booking date",
        date_format="%Y-%m-%d",
        amount="amount (eur)",
        payee="partner name",
        description=("payment reference",),
        sign_note="Signed amount, '.' decimal.",
    ),
    P(
        "n26-en",
        "N26 (2019-2023, English)",
        "DE",
        (
            "date",
            "payee",
            "account number",
            "transaction type",
            "payment reference",
            "amount (eur)",
        ),
        bank="N26",
        date="date",
        date_format="%Y-%m-%d",
        amount="amount (eur)",
        payee="payee",
        description=("payment reference",),
        category="category",
        sign_note="Signed amount.",
    ),
    P(
        "n26-de",
        "N26 (2017, German)",
        "DE",
        (
            "datum",
            "empfänger",
            "kontonummer",
            "transaktionstyp",
            "verwendungszweck",
            "betrag (eur)",
        ),
        bank="N26",
        date="datum",
        date_format="%Y-%m-%d",
        amount="betrag (eur)",
        payee="empfänger",
        description=("verwendungszweck",),
        category="kategorie",
        sign_note="Signed amount with '.' decimal even in the German UI.",
    ),
    P(
        "ing-nl",
        "ING Netherlands",
        "NL",
        (
            "datum",
            "naam / omschrijving",
            "rekening",
            "tegenrekening",
            "code",
            "af bij",
            "bedrag (eur)",
        ),
        bank="ING Netherlands",
        date="datum",
        date_format="%Y%m%d",
        amount_style=INDICATOR,
        amount="bedrag (eur)",
        indicator="af bij",
        debit_values=("Af", "Debit"),
        credit_values=("Bij", "Credit"),
        payee="naam / omschrijving",
        description=("mededelingen",),
        balance="saldo na mutatie",
        decimal_mark=",",
        delimiter=";",
        sign_note="Unsigned amount; 'Af Bij' says Af (out) or Bij (in); English UI: Debit/Credit.",
    ),
    P(
        "ing-de",
        "ING Germany (ING-DiBa)",
        "DE",
        (
            "buchung",
            "valuta",
            "auftraggeber/empfänger",
            "buchungstext",
            "verwendungszweck",
            "betrag",
        ),
        bank="ING Germany",
        date="buchung",
        date_format="%d.%m.%Y",
        amount="betrag",
        payee="auftraggeber/empfänger",
        description=("verwendungszweck",),
        notes="buchungstext",
        balance="saldo",
        currency="währung@2",
        decimal_mark=",",
        delimiter=";",
        encoding="latin-1",
        sign_note="Signed Betrag, 1.234,56 numbers; about 12 preamble lines; Währung twice.",
    ),
    P(
        "sparkasse-camt",
        "Sparkasse (CSV-CAMT)",
        "DE",
        (
            "auftragskonto",
            "buchungstag",
            "valutadatum",
            "buchungstext",
            "verwendungszweck",
            "glaeubiger id",
            "beguenstigter/zahlungspflichtiger",
            "betrag",
        ),
        bank="Sparkasse",
        date="buchungstag",
        date_format="%d.%m.%y",
        amount="betrag",
        payee="beguenstigter/zahlungspflichtiger",
        description=("verwendungszweck",),
        notes="buchungstext",
        currency="waehrung",
        decimal_mark=",",
        delimiter=";",
        encoding="latin-1",
        sign_note="Signed Betrag; every field quoted.",
    ),
    P(
        "sparkasse-mt940",
        "Sparkasse (CSV-MT940)",
        "DE",
        (
            "auftragskonto",
            "buchungstag",
            "valutadatum",
            "buchungstext",
            "verwendungszweck",
            "beguenstigter/zahlungspflichtiger",
            "kontonummer",
            "blz",
            "betrag",
        ),
        bank="Sparkasse",
        date="buchungstag",
        date_format="%d.%m.%y",
        amount="betrag",
        payee="beguenstigter/zahlungspflichtiger",
        description=("verwendungszweck",),
        notes="buchungstext",
        currency="waehrung",
        decimal_mark=",",
        delimiter=";",
        encoding="latin-1",
        sign_note="Signed Betrag; every field quoted.",
    ),
    P(
        "dkb",
        "DKB (2023+)",
        "DE",
        (
            "buchungsdatum",
            "wertstellung",
            "status",
            "zahlungspflichtige*r",
            "zahlungsempfänger*in",
            "verwendungszweck",
            "betrag (*",
        ),
        bank="DKB",
        date="buchungsdatum",
        date_format="%d.%m.%y",
        amount="betrag (*",
        payee="zahlungsempfänger*in",
        payee_in="zahlungspflichtige*r",
        description=("verwendungszweck",),
        decimal_mark=",",
        delimiter=";",
        encoding="utf-8-sig",
        sign_note="Signed amount; payee is the payer for money in.",
    ),
    P(
        "dkb-legacy",
        "DKB (before 2023)",
        "DE",
        (
            "buchungstag",
            "wertstellung",
            "buchungstext",
            "auftraggeber / begünstigter",
            "verwendungszweck",
            "betrag (eur)",
        ),
        bank="DKB",
        date="buchungstag",
        date_format="%d.%m.%Y",
        amount="betrag (eur)",
        payee="auftraggeber / begünstigter",
        description=("verwendungszweck",),
        notes="buchungstext",
        decimal_mark=",",
        delimiter=";",
        encoding="latin-1",
        sign_note="Signed amount; preamble; trailing ';'.",
    ),
    P(
        "rabobank",
        "Rabobank",
        "NL",
        (
            "iban/bban",
            "munt",
            "bic",
            "volgnr",
            "datum",
            "rentedatum",
            "bedrag",
            "saldo na trn",
            "naam tegenpartij",
        ),
        bank="Rabobank",
        date="datum",
        date_format="%Y-%m-%d",
        amount="bedrag",
        payee="naam tegenpartij",
        description=("omschrijving-1", "omschrijving-2", "omschrijving-3"),
        balance="saldo na trn",
        currency="munt",
        external_id="volgnr",
        decimal_mark=",",
        encoding="latin-1",
        sign_note="Signed with explicit +/- and comma decimals.",
    ),
    P(
        "ubs-fr",
        "UBS Switzerland (French)",
        "CH",
        (
            "produit",
            "monn.",
            "description",
            "date de valeur",
            "description 1",
            "débit",
            "crédit",
            "solde",
        ),
        bank="UBS",
        date="date de valeur",
        date_format="%d.%m.%Y",
        amount_style=DEBIT_CREDIT,
        debit="débit",
        credit="crédit",
        payee="description 1",
        description=("description 2", "description 3"),
        balance="solde",
        currency="monn.",
        external_id="n° de transaction",
        delimiter=";",
        sign_note="Separate unsigned Débit/Crédit; 11'373.94 numbers.",
    ),
    P(
        "bnp-fortis",
        "BNP Paribas Fortis",
        "BE",
        ("volgnummer", "uitvoeringsdatum", "valutadatum", "bedrag", "valuta rekening"),
        bank="BNP Paribas Fortis",
        date="uitvoeringsdatum",
        date_format="%d/%m/%Y",
        amount="bedrag",
        payee="naam van de tegenpartij",
        description=("mededeling", "details"),
        currency="valuta rekening",
        decimal_mark="",
        delimiter=";",
        sign_note=(
            "Signed Bedrag; exports write '-12,05' or '-1372.26', so the decimal mark is "
            "read from the numbers. Volgnummer is not unique (card rows leave it '2026-')."
        ),
    ),
    P(
        "knab",
        "Knab",
        "NL",
        (
            "rekeningnummer",
            "transactiedatum",
            "valutacode",
            "creditdebet",
            "bedrag",
            "tegenrekeningnummer",
            "tegenrekeninghouder",
        ),
        bank="Knab",
        date="transactiedatum",
        date_format="%d-%m-%Y",
        amount_style=INDICATOR,
        amount="bedrag",
        indicator="creditdebet",
        debit_values=("D", "Afschrijving", "Afschrijvingen"),
        credit_values=("C", "Bijschrijving", "Bijschrijvingen"),
        payee="tegenrekeninghouder",
        description=("omschrijving",),
        currency="valutacode",
        decimal_mark=",",
        delimiter=";",
        sign_note=(
            "Unsigned Bedrag; CreditDebet says D (out) or C (in); a 'KNAB EXPORT' line "
            "comes before the header."
        ),
    ),
    P(
        "pko-bp",
        "PKO Bank Polski (iPKO)",
        "PL",
        ("data operacji", "data waluty", "typ transakcji", "kwota", "waluta", "opis transakcji"),
        bank="PKO Bank Polski",
        date="data operacji",
        date_format="%Y-%m-%d",
        amount="kwota",
        # The details spill into the unnamed columns after "Opis transakcji".
        description=("opis transakcji", "#8", "#9", "#10"),
        notes="typ transakcji",
        balance="saldo po transakcji",
        currency="waluta",
        decimal_mark="",
        encoding="cp1250",
        sign_note="Signed Kwota with an explicit +/-; Windows-1250 text.",
    ),
    # -- India -----------------------------------------------------------------------------
    P(
        "hdfc",
        "HDFC Bank (delimited)",
        "IN",
        (
            "date",
            "narration",
            "value dat",
            "debit amount",
            "credit amount",
            "chq/ref number",
            "closing balance",
        ),
        bank="HDFC Bank",
        date="date",
        date_format="%d/%m/%y",
        amount_style=DEBIT_CREDIT,
        debit="debit amount",
        credit="credit amount",
        payee="narration",
        balance="closing balance",
        sign_note="Separate Debit/Credit; 0.00 in the unused one.",
    ),
    P(
        "hdfc-xls",
        "HDFC Bank (XLS saved as CSV)",
        "IN",
        (
            "date",
            "narration",
            "chq./ref.no.",
            "value dt",
            "withdrawal amt.",
            "deposit amt.",
            "closing balance",
        ),
        bank="HDFC Bank",
        date="date",
        date_format="%d/%m/%y",
        amount_style=DEBIT_CREDIT,
        debit="withdrawal amt.",
        credit="deposit amt.",
        payee="narration",
        balance="closing balance",
        sign_note="Separate Withdrawal/Deposit; about 20 preamble lines.",
    ),
    P(
        "icici",
        "ICICI Bank",
        "IN",
        (
            "value date",
            "transaction date",
            "cheque number",
            "transaction remarks",
            "withdrawal amount*",
            "deposit amount*",
        ),
        bank="ICICI Bank",
        date="transaction date",
        date_format="%d/%m/%Y",
        amount_style=DEBIT_CREDIT,
        debit="withdrawal amount*",
        credit="deposit amount*",
        payee="transaction remarks",
        balance="balance*",
        sign_note="Separate Withdrawal/Deposit (INR); about 12 preamble lines.",
    ),
    P(
        "sbi",
        "State Bank of India",
        "IN",
        (
            "txn date",
            "value date",
            "description",
            "ref no./cheque no.",
            "debit",
            "credit",
            "balance",
        ),
        bank="State Bank of India",
        date="txn date",
        date_format="%d %b %Y",
        amount_style=DEBIT_CREDIT,
        debit="debit",
        credit="credit",
        payee="description",
        balance="balance",
        delimiter="\t",
        sign_note="Tab-separated; separate Debit/Credit with thousands ','; about 20 preamble lines.",
    ),
    P(
        "axis",
        "Axis Bank",
        "IN",
        ("tran date", "chqno", "particulars", "dr", "cr", "bal"),
        bank="Axis Bank",
        date="tran date",
        date_format="%d-%m-%Y",
        amount_style=DEBIT_CREDIT,
        debit="dr",
        credit="cr",
        payee="particulars",
        balance="bal",
        sign_note="Separate DR/CR columns; preamble and footer (low confidence).",
    ),
]

_BY_SLUG = {p.slug: p for p in PROFILES}


def get_profile(slug: str) -> BankProfile | None:
    return _BY_SLUG.get(slug)


def match_profile(header: list[str]) -> BankProfile | None:
    """The built-in profile whose required columns all appear in ``header`` (most specific)."""
    norm = [normalise_header(h) for h in header]
    best: tuple[int, BankProfile] | None = None
    for profile in PROFILES:
        score = profile.matches(norm)
        if score and (best is None or score > best[0]):
            best = (score, profile)
    return best[1] if best else None


def match_headerless(rows: list[list[str]]) -> BankProfile | None:
    """A header-less layout (Wells Fargo) recognised by its shape on every sample row."""
    if not rows:
        return None
    for profile in PROFILES:
        if not profile.headerless_width or profile.headerless_marker is None:
            continue
        col, value = profile.headerless_marker
        if all(len(r) == profile.headerless_width and r[col].strip() == value for r in rows):
            return profile
    return None
