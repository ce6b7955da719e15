"""OFX 1.x (SGML) and 2.x (XML) statements, QFX included.

Read with ofxtools first: its header check, its parser and its models (which validate the
file against the OFX specification) give the statements, accounts and transactions. Many
real downloads break the spec in ways ofxtools rightly rejects (no header, SGML hybrids,
values on the line after their tag, a transaction after ``</BANKTRANLIST>``, an invalid
DTSERVER, a BANKID longer than nine characters, no LEDGERBAL), so a file ofxtools refuses
is read by the lenient reader below instead; ``StatementResult.reader`` says which one did.

Both readers turn a transaction into a row by the same rules (``_rows``), so a file both
can read gives the same rows, and a file imported before ofxtools was used gets the same
fingerprints and external ids again (no duplicates on re-import). To that end:

- the text is decoded here, not by ofxtools: a file whose bytes are UTF-8 is UTF-8 whatever
  its header claims, and CDATA sections are resolved before parsing;
- the date is read as the bank wrote it (the first 8 digits of DTPOSTED): ofxtools converts
  every timestamp to UTC, which moves a transaction posted at local midnight east of
  Greenwich to the previous day;
- payee, memo, FITID and check number are the parsed element's text, unescaped as the
  lenient reader does (banks double-escape entities); amounts, transaction types, account
  types and currencies are ofxtools' typed values.

Signs are as in OFX: already from the account holder's point of view.
"""

from __future__ import annotations

import datetime
import html
import io
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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

logger = logging.getLogger(__name__)

#: Which reader read a file (``StatementResult.reader``).
READER_OFXTOOLS = "ofxtools"
READER_LENIENT = "lenient"

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


@dataclass(slots=True)
class _Trn:
    """One STMTTRN as either reader saw it, before the shared row rules apply."""

    trntype: str
    raw_date: str
    raw_amount: str
    amount: Decimal | None  # None: TRNAMT is not a number
    fitid: str
    name: str  # NAME, or the NAME of a PAYEE aggregate
    memo: str
    checknum: str
    correctaction: str
    currency: str  # the CURRENCY aggregate's CURSYM: the amount is in that currency


@dataclass(slots=True)
class _Statement:
    """One STMTRS / CCSTMTRS / INVSTMTRS as either reader saw it."""

    tag: str
    acctid: str
    accttype: str
    currency: str
    balance: Decimal | None = None
    balance_date: datetime.date | None = None
    trns: list[_Trn] = field(default_factory=list)
    trades: int = 0  # investment buys, sells, reinvestments... (skipped)


def _rows(
    trns: Iterable[_Trn], key: str | None, currency: str | None, result: StatementResult
) -> list[ParsedRow | RowError]:
    """Rows from a statement's transactions: the rules both readers share."""
    rows: list[ParsedRow | RowError] = []
    seen: dict[str, tuple] = {}
    for index, trn in enumerate(trns, start=1):
        if trn.correctaction.upper() == "DELETE":
            result.notices.append(f"Transaction {index}: the bank marked it as deleted; skipped.")
            continue
        amount = trn.amount
        if amount is None or not amount.is_finite():
            rows.append(
                RowError(
                    index,
                    "TRNAMT",
                    f"Transaction {index}, TRNAMT: '{trn.raw_amount}' is not a number",
                )
            )
            continue
        date = _date(trn.raw_date)
        if date is None:
            rows.append(
                RowError(
                    index,
                    "DTPOSTED",
                    f"Transaction {index}, DTPOSTED: '{trn.raw_date}' is not a date",
                )
            )
            continue
        name, memo, check_number = trn.name, trn.memo, trn.checknum
        if not name and not memo:
            label = TRNTYPE_LABELS.get(trn.trntype.upper(), "")
            name = f"Check {check_number}" if check_number else label
        fitid = trn.fitid or None
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
        rows.append(
            ParsedRow(
                line=index,
                date=date,
                amount=amount,
                payee=name or memo,
                description=memo if name else "",
                external_id=fitid,
                currency=(trn.currency or currency) or None,
                account_key=key,
                check_number=check_number,
            )
        )
    return rows


def _result(statements: list[_Statement], institution: str, reader: str) -> StatementResult:
    """One StatementAccount per bank or card statement, and per investment statement with
    cash lines; an investment-only file is refused."""
    result = StatementResult(format="ofx", reader=reader)
    investment_trades = 0
    has_investment = False
    for stmt in statements:
        key = stmt.acctid or None
        currency = stmt.currency or None
        if stmt.tag == "INVSTMTRS":
            has_investment = True
            investment_trades += stmt.trades
            rows = _rows(stmt.trns, key, currency, result)
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
            if stmt.trades:
                result.notices.append(
                    f"Investment account {key or ''}: {stmt.trades} trade(s) and holdings were "
                    "skipped; only cash deposits and withdrawals are imported."
                )
            continue
        if stmt.tag == "CCSTMTRS":
            kind = "credit_card"
        else:
            kind = ACCOUNT_TYPES.get(stmt.accttype.upper(), "checking")
        account = StatementAccount(
            key=key,
            type=kind,
            currency=currency,
            institution=institution,
            name=f"{institution or 'Account'} {key[-4:] if key else ''}".strip(),
            balance=stmt.balance,
            balance_date=stmt.balance_date,
        )
        account.rows = _rows(stmt.trns, key, currency, result)
        result.accounts.append(account)
    if not result.accounts:
        if investment_trades or has_investment:
            raise ImportFileError(
                "This is an investment statement (holdings and trades). Billfold imports bank and "
                "card transactions; this file has none to import.",
                code="investment_only",
            )
        raise ImportFileError(
            "This OFX file has no bank or credit card statement in it.", code="malformed"
        )
    return result


# --- the lenient reader -------------------------------------------------------------------


def _lenient_trn(trn: Node) -> _Trn:
    name = trn.text("NAME")
    if not name:
        payee = trn.find("PAYEE")
        name = payee.text("NAME") if payee is not None else ""
    currency = trn.find("CURRENCY")
    raw_amount = trn.text("TRNAMT")
    return _Trn(
        trntype=trn.text("TRNTYPE"),
        raw_date=trn.text("DTPOSTED") or trn.text("DTUSER"),
        raw_amount=raw_amount,
        amount=_amount(raw_amount),
        fitid=trn.text("FITID"),
        name=name,
        memo=trn.text("MEMO"),
        checknum=trn.text("CHECKNUM"),
        correctaction=trn.text("CORRECTACTION"),
        currency=currency.text("CURSYM") if currency is not None else "",
    )


def _lenient_statements(root: Node) -> list[_Statement]:
    statements: list[_Statement] = []
    for tag, acct_tag in (("STMTRS", "BANKACCTFROM"), ("CCSTMTRS", "CCACCTFROM")):
        for stmt in root.iter(tag):
            acct = stmt.find(acct_tag)
            found = _Statement(
                tag=tag,
                acctid=acct.text("ACCTID") if acct else "",
                accttype=acct.text("ACCTTYPE") if acct else "",
                currency=stmt.text("CURDEF"),
                trns=[_lenient_trn(t) for t in stmt.iter("STMTTRN")],
            )
            ledger = stmt.find("LEDGERBAL")
            if ledger is not None:
                found.balance = _amount(ledger.text("BALAMT")) if ledger.text("BALAMT") else None
                found.balance_date = _date(ledger.text("DTASOF"))
            statements.append(found)
    for stmt in root.iter("INVSTMTRS"):
        acct = stmt.find("INVACCTFROM")
        tranlist = stmt.find("INVTRANLIST")
        statements.append(
            _Statement(
                tag="INVSTMTRS",
                acctid=acct.text("ACCTID") if acct else "",
                accttype="",
                currency=stmt.text("CURDEF"),
                trns=[
                    _lenient_trn(t)
                    for cash in stmt.iter("INVBANKTRAN")
                    for t in cash.iter("STMTTRN")
                ],
                trades=sum(
                    1
                    for c in (tranlist.children if tranlist else [])
                    if c.name not in ("DTSTART", "DTEND", "INVBANKTRAN")
                ),
            )
        )
    return statements


def _read_lenient(text: str) -> StatementResult:
    root = parse_tree(text)
    org = root.find("FI")
    institution = org.text("ORG") if org is not None else ""
    return _result(_lenient_statements(root), institution, READER_LENIENT)


# --- the ofxtools reader ------------------------------------------------------------------


class _Rejected(Exception):
    """ofxtools refused the file (the reason is logged); the lenient reader takes over."""


def _leaf(elem: ET.Element | None, path: str) -> str:
    """A leaf's text as the lenient reader would give it (unescaped, stripped)."""
    if elem is None:
        return ""
    value = elem.findtext(path)
    return _unescape(value.strip()) if value else ""


def _pairs(
    models: Iterable[Any], raws: list[ET.Element], what: str
) -> list[tuple[Any, ET.Element]]:
    """ofxtools' models beside the parsed elements they came from (same order)."""
    models = list(models)
    if len(models) != len(raws):
        raise ValueError(f"{len(models)} {what} read, {len(raws)} in the file")
    return list(zip(models, raws, strict=True))


def _ofxtools_trn(model: Any, raw: ET.Element) -> _Trn:
    raw_amount = _leaf(raw, "TRNAMT")
    return _Trn(
        trntype=model.trntype or "",
        raw_date=_leaf(raw, "DTPOSTED"),
        raw_amount=raw_amount,
        # ofxtools' Decimal also takes "1E3" or "NaN"; hold it to what a bank writes.
        amount=model.trnamt if _amount(raw_amount) is not None else None,
        fitid=_leaf(raw, "FITID"),
        name=_leaf(raw, "NAME") or _leaf(raw, "PAYEE/NAME"),
        memo=_leaf(raw, "MEMO"),
        checknum=_leaf(raw, "CHECKNUM"),
        correctaction=model.correctaction or "",
        currency=(model.currency.cursym if model.currency is not None else "") or "",
    )


def _ofxtools_statements(ofx: Any, root: ET.Element) -> list[_Statement]:
    statements: list[_Statement] = []
    models = ofx.statements
    for tag, acct_tag in (("STMTRS", "BANKACCTFROM"), ("CCSTMTRS", "CCACCTFROM")):
        of_tag = [m for m in models if type(m).__name__ == tag]
        for model, raw in _pairs(of_tag, list(root.iter(tag)), "statements"):
            tranlist = raw.find("BANKTRANLIST")
            trns = _pairs(
                model.banktranlist if model.banktranlist is not None else [],
                tranlist.findall("STMTTRN") if tranlist is not None else [],
                "transactions",
            )
            acct = model.bankacctfrom if tag == "STMTRS" else model.ccacctfrom
            found = _Statement(
                tag=tag,
                acctid=_leaf(raw, f"{acct_tag}/ACCTID"),
                accttype=getattr(acct, "accttype", "") or "",
                currency=model.curdef or "",
                trns=[_ofxtools_trn(m, r) for m, r in trns],
            )
            if model.ledgerbal is not None:
                found.balance = model.ledgerbal.balamt
                found.balance_date = _date(_leaf(raw, "LEDGERBAL/DTASOF"))
            statements.append(found)
    of_tag = [m for m in models if type(m).__name__ == "INVSTMTRS"]
    for model, raw in _pairs(of_tag, list(root.iter("INVSTMTRS")), "statements"):
        tranlist = raw.find("INVTRANLIST")
        items = list(tranlist) if tranlist is not None else []
        cash = _pairs(
            [i for i in (model.invtranlist or []) if type(i).__name__ == "INVBANKTRAN"],
            [i for i in items if i.tag == "INVBANKTRAN"],
            "cash transactions",
        )
        statements.append(
            _Statement(
                tag="INVSTMTRS",
                acctid=_leaf(raw, "INVACCTFROM/ACCTID"),
                accttype="",
                currency=model.curdef or "",
                trns=[_ofxtools_trn(m.stmttrn, r.find("STMTTRN")) for m, r in cash],
                trades=sum(
                    1 for item in items if item.tag not in ("DTSTART", "DTEND", "INVBANKTRAN")
                ),
            )
        )
    return statements


def _read_ofxtools(raw: bytes, text: str) -> StatementResult:
    """Read with ofxtools; raises _Rejected when it refuses the file."""
    # Imported here: ofxtools takes a third of a second to import, which every web and
    # worker process would otherwise pay at start-up for files most users never upload.
    from ofxtools.header import parse_header
    from ofxtools.models.base import OFXAggregateWarning
    from ofxtools.Parser import OFXTree, TreeBuilder
    from ofxtools.Types import OFXTypeWarning

    try:
        with warnings.catch_warnings():
            # ofxtools warns about every proprietary tag (INTU.BID, AMEX.BASICACCT...) and
            # every NAME over 32 characters: normal in bank downloads, nothing we read changes.
            warnings.simplefilter("ignore", OFXAggregateWarning)
            warnings.simplefilter("ignore", OFXTypeWarning)
            parse_header(io.BytesIO(raw))  # the header, as the spec wants it
            start = text.find("<OFX>")
            if start < 0:
                raise ValueError("no <OFX> tag in upper case")
            body = _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), text[start:])
            builder = TreeBuilder()
            builder.feed(body.strip())
            root = builder.close()
            ofx = OFXTree(root).convert()  # validates the whole file against the spec
            statements = _ofxtools_statements(ofx, root)
    except Exception as exc:  # any refusal at all: a header, parse or spec error
        logger.debug("ofxtools refused the file: %s: %s", type(exc).__name__, exc)
        raise _Rejected(f"{type(exc).__name__}: {exc}") from exc
    return _result(statements, _leaf(root.find(".//FI"), "ORG"), READER_OFXTOOLS)


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
    try:
        return _read_ofxtools(raw, text)
    except _Rejected:
        return _read_lenient(text)
