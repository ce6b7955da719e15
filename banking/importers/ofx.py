"""OFX 1.x (SGML) and 2.x (XML) statements, QFX included.

A lenient reader of our own rather than ofxtools: real downloads break the spec in ways
ofxtools rightly rejects (SGML hybrids, values on the line after their tag, comma decimals,
a transaction after ``</BANKTRANLIST>``, invalid DTSERVER), and ofxtools converts every
timestamp to UTC, which moves a transaction posted at local midnight east of Greenwich to
the previous day. Here the date is read as the bank wrote it (the first 8 digits).

Signs are as in OFX: already from the account holder's point of view.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from banking.importers.base import (
    ImportFileError,
    ParsedRow,
    RowError,
    Source,
    StatementAccount,
    StatementResult,
    read_all,
)
from banking.importers.detect import reject_non_text

_CHARSETS = {
    "1252": "cp1252",
    "8859-1": "latin-1",
    "iso-8859-1": "latin-1",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "us-ascii": "cp1252",
    "usascii": "cp1252",
    "none": "cp1252",
}
_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._:-]*)[^>]*>([^<]*)", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_AMOUNT = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|apos|nbsp|#\d+|#x[0-9a-fA-F]+);")

# A payee for a transaction that has neither NAME nor MEMO (an ATM withdrawal, a check).
TRNTYPE_LABELS = {
    "ATM": "ATM",
    "CASH": "Cash",
    "CHECK": "Check",
    "DEP": "Deposit",
    "DIRECTDEBIT": "Direct debit",
    "DIRECTDEP": "Direct deposit",
    "DIV": "Dividend",
    "FEE": "Fee",
    "INT": "Interest",
    "PAYMENT": "Payment",
    "POS": "Card payment",
    "REPEATPMT": "Standing order",
    "SRVCHG": "Service charge",
    "XFER": "Transfer",
}

ACCOUNT_TYPES = {
    "CHECKING": "checking",
    "SAVINGS": "savings",
    "MONEYMRKT": "savings",
    "CREDITLINE": "loan",
    "CD": "savings",
}


@dataclass
class Node:
    name: str
    value: str | None = None  # a leaf's text; None for an aggregate
    children: list[Node] = field(default_factory=list)

    def iter(self, name: str) -> Iterator[Node]:
        for child in self.children:
            if child.name == name:
                yield child
            yield from child.iter(name)

    def find(self, name: str) -> Node | None:
        return next(self.iter(name), None)

    def text(self, name: str) -> str:
        """The value of the first leaf ``name`` among the direct children, then deeper."""
        for child in self.children:
            if child.name == name:
                return child.value or ""
        node = self.find(name)
        return (node.value or "") if node is not None else ""


def _decode(raw: bytes) -> str:
    head = raw[:2048].decode("latin-1")
    declared = []
    m = re.search(r"CHARSET:\s*([\w-]+)", head, re.IGNORECASE)
    if m:
        declared.append(m.group(1).lower())
    m = re.search(r"ENCODING:\s*([\w-]+)", head, re.IGNORECASE)
    if m and m.group(1).lower() in ("utf-8", "utf8"):
        declared.insert(0, "utf-8")
    m = re.search(r"""encoding\s*=\s*["']([\w-]+)["']""", head, re.IGNORECASE)
    if m:
        declared.insert(0, m.group(1).lower())
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # UTF-8 first: a file whose bytes are UTF-8 is UTF-8 whatever its header claims.
    for enc in ["utf-8", *(_CHARSETS.get(d, d) for d in declared), "cp1252"]:
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("latin-1")


def _unescape(value: str) -> str:
    value = html.unescape(value)
    if _ENTITY.search(value):  # double-escaped by the bank (&amp;lt;)
        value = html.unescape(value)
    return value


def parse_tree(text: str) -> Node:
    """A tree from OFX text: SGML leaves without closing tags, XML, or a mix of both."""
    start = re.search(r"<OFX[\s>]", text, re.IGNORECASE)
    if start is None:
        raise ImportFileError(
            "This file has no <OFX> section, so it is not an OFX/QFX statement.", code="malformed"
        )
    body = _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), text[start.start() :])
    root = Node("ROOT")
    stack = [root]
    last_leaf: Node | None = None
    for closing, raw_name, raw_text in _TOKEN.findall(body):
        name = raw_name.upper()
        if closing:
            if last_leaf is not None and last_leaf.name == name:
                last_leaf = None  # </CODE> after <CODE>0: an XML-style leaf
                continue
            last_leaf = None
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].name == name:
                    # Close it (and anything left open inside it).
                    node = stack[depth]
                    del stack[depth:]
                    if not node.children and node.value is None:
                        node.value = ""  # <CURDEF></CURDEF>: an empty leaf
                    break
            continue
        value = raw_text.strip()
        node = Node(name)
        stack[-1].children.append(node)
        if value:
            node.value = _unescape(value)
            last_leaf = node
        else:
            stack.append(node)
            last_leaf = None
    return root


def _date(value: str) -> datetime.date | None:
    digits = value.strip()[:8]
    if len(digits) < 8 or not digits.isdigit():
        return None
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _amount(value: str) -> Decimal | None:
    v = value.strip().replace(" ", "")
    if not _AMOUNT.fullmatch(v):
        return None
    return Decimal(v.replace(",", "."))


def _statement_rows(
    stmt: Node, key: str | None, currency: str | None, result: StatementResult
) -> list[ParsedRow | RowError]:
    rows: list[ParsedRow | RowError] = []
    seen: dict[str, tuple] = {}
    for index, trn in enumerate(stmt.iter("STMTTRN"), start=1):
        if trn.text("CORRECTACTION").upper() == "DELETE":
            result.notices.append(f"Transaction {index}: the bank marked it as deleted; skipped.")
            continue
        raw_amount = trn.text("TRNAMT")
        amount = _amount(raw_amount)
        if amount is None:
            rows.append(
                RowError(
                    index, "TRNAMT", f"Transaction {index}, TRNAMT: '{raw_amount}' is not a number"
                )
            )
            continue
        raw_date = trn.text("DTPOSTED") or trn.text("DTUSER")
        date = _date(raw_date)
        if date is None:
            rows.append(
                RowError(
                    index, "DTPOSTED", f"Transaction {index}, DTPOSTED: '{raw_date}' is not a date"
                )
            )
            continue
        name = trn.text("NAME")
        if not name:
            payee = trn.find("PAYEE")
            name = payee.text("NAME") if payee is not None else ""
        memo = trn.text("MEMO")
        check_number = trn.text("CHECKNUM")
        if not name and not memo:
            label = TRNTYPE_LABELS.get(trn.text("TRNTYPE").upper(), "")
            name = f"Check {check_number}" if check_number else label
        fitid = trn.text("FITID") or None
        content = (date, amount, name, memo)
        if fitid is not None:
            if fitid in seen:
                if seen[fitid] == content:
                    result.notices.append(
                        f"Transaction {index} repeats transaction FITID {fitid} exactly; skipped."
                    )
                    continue
                n = 2
                while f"{fitid}#{n}" in seen:
                    n += 1
                result.notices.append(
                    f"Transaction {index} reuses FITID {fitid} of a different transaction; kept as {fitid}#{n}."
                )
                fitid = f"{fitid}#{n}"
            seen[fitid] = content
        trn_currency = trn.text("CURSYM") or (
            trn.find("CURRENCY").text("CURSYM") if trn.find("CURRENCY") else ""
        )
        rows.append(
            ParsedRow(
                line=index,
                date=date,
                amount=amount,
                payee=name or memo,
                description=memo if name else "",
                external_id=fitid,
                currency=(trn_currency or currency) or None,
                account_key=key,
                check_number=check_number,
            )
        )
    return rows


def ofx_parse(data: Source) -> StatementResult:
    """Read an OFX/QFX file: one StatementAccount per statement (bank, card, or the cash
    lines of an investment account). Raises ImportFileError for files that are not OFX,
    are cut off, or hold only investment holdings and trades."""
    raw = read_all(data)
    reject_non_text(raw[:65536])
    text = _decode(raw)
    if not re.search(r"</OFX\s*>", text, re.IGNORECASE):
        raise ImportFileError(
            "This OFX file is cut off: it doesn't end with </OFX>. Download it again from your bank.",
            code="truncated",
        )
    root = parse_tree(text)
    result = StatementResult(format="ofx")
    org = root.find("FI")
    institution = org.text("ORG") if org is not None else ""
    for tag in ("STMTRS", "CCSTMTRS"):
        for stmt in root.iter(tag):
            currency = stmt.text("CURDEF") or None
            if tag == "CCSTMTRS":
                acct = stmt.find("CCACCTFROM")
                kind = "credit_card"
            else:
                acct = stmt.find("BANKACCTFROM")
                kind = ACCOUNT_TYPES.get(
                    (acct.text("ACCTTYPE") if acct else "").upper(), "checking"
                )
            key = (acct.text("ACCTID") if acct else "") or None
            account = StatementAccount(
                key=key,
                type=kind,
                currency=currency,
                institution=institution,
                name=f"{institution or 'Account'} {key[-4:] if key else ''}".strip(),
            )
            ledger = stmt.find("LEDGERBAL")
            if ledger is not None:
                account.balance = _amount(ledger.text("BALAMT")) if ledger.text("BALAMT") else None
                account.balance_date = _date(ledger.text("DTASOF"))
            account.rows = _statement_rows(stmt, key, currency, result)
            result.accounts.append(account)
    investment_trades = 0
    for stmt in root.iter("INVSTMTRS"):
        acct = stmt.find("INVACCTFROM")
        key = (acct.text("ACCTID") if acct else "") or None
        currency = stmt.text("CURDEF") or None
        tranlist = stmt.find("INVTRANLIST")
        trades = [
            c
            for c in (tranlist.children if tranlist else [])
            if c.name not in ("DTSTART", "DTEND", "INVBANKTRAN")
        ]
        investment_trades += len(trades)
        cash = Node("CASH", children=list(stmt.iter("INVBANKTRAN")))
        rows = _statement_rows(cash, key, currency, result)
        if rows:
            result.accounts.append(
                StatementAccount(
                    key=key,
                    type="investment",
                    currency=currency,
                    institution=institution,
                    name=f"{institution or 'Investment'} {key or ''}".strip(),
                    rows=rows,
                )
            )
        if trades:
            result.notices.append(
                f"Investment account {key or ''}: {len(trades)} trade(s) and holdings were skipped; "
                "only cash deposits and withdrawals are imported."
            )
    if not result.accounts:
        if investment_trades or root.find("INVSTMTRS") is not None:
            raise ImportFileError(
                "This is an investment statement (holdings and trades). Billfold imports bank and "
                "card transactions; this file has none to import.",
                code="investment_only",
            )
        raise ImportFileError(
            "This OFX file has no bank or credit card statement in it.", code="malformed"
        )
    return result
