"""ISO 20022 CAMT.053 (statement), CAMT.052 (account report) and CAMT.054 (notification).

Any schema version (001.02 to 001.13): elements are matched by local name, ignoring the
namespace. Untrusted XML: the stdlib parser runs on expat >= 2.4.1, which limits entity
amplification (billion laughs, quadratic blow-up), and ElementTree never fetches external
entities; on top of that a CAMT file has no business carrying a DTD, so any
``<!DOCTYPE``/``<!ENTITY`` is refused before parsing (no defusedxml dependency needed).
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal, InvalidOperation

from banking.importers.base import (
    ImportFileError,
    ParsedRow,
    RowError,
    Source,
    StatementAccount,
    StatementResult,
    read_all,
)
from banking.importers.detect import decode_head, reject_non_text, sniff_encoding

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: ET.Element) -> None:
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = _local(el.tag)


def _text(el: ET.Element | None, path: str) -> str:
    if el is None:
        return ""
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _date(el: ET.Element | None) -> datetime.date | None:
    """A date from <X><Dt>..</Dt></X>, <X><DtTm>..</DtTm></X> or <X><Dt><DtTm>..</DtTm></Dt></X>."""
    if el is None:
        return None
    for path in ("Dt", "DtTm", "Dt/DtTm", "Dt/Dt"):
        value = _text(el, path)
        if len(value) >= 10:
            try:
                return datetime.date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def _signed(el: ET.Element) -> Decimal | None:
    raw = _text(el, "Amt")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return -amount if _text(el, "CdtDbtInd").upper() == "DBIT" else amount


def _party_name(party: ET.Element | None) -> str:
    if party is None:
        return ""
    return _text(party, "Nm") or _text(party, "Pty/Nm")


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _parse_xml(raw: bytes) -> ET.Element:
    """Parse as declared; when the declared encoding is unknown or wrong (Latin-1 bytes in
    a file that says UTF-8), decode it ourselves and parse the text."""
    try:
        return ET.fromstring(raw)
    except (ET.ParseError, LookupError, ValueError) as exc:
        first_error: Exception = exc
    text = decode_head(raw, sniff_encoding(raw[:262144]), complete=True)
    try:
        return ET.fromstring(_DECLARATION.sub("", text, count=1))
    except (ET.ParseError, ValueError):
        pass
    position = getattr(first_error, "position", None)
    line = position[0] if position else "?"
    truncated = "no element found" in str(first_error) or "unclosed" in str(first_error)
    raise ImportFileError(
        f"This CAMT/XML file is broken or cut off (at line {line}). Download it again from your bank.",
        code="truncated" if truncated else "malformed",
    )


def camt_parse(data: Source) -> StatementResult:
    """Read a CAMT file: one StatementAccount per <Stmt>/<Rpt>/<Ntfctn>."""
    raw = read_all(data)
    reject_non_text(raw[:65536])
    if _DTD.search(raw[:65536]) or _DTD.search(raw):
        raise ImportFileError(
            "This XML file declares a DTD or entities, which bank statements never do; it was not read.",
            code="malformed",
        )
    root = _parse_xml(raw)
    _strip_namespaces(root)
    result = StatementResult(format="camt")
    blocks = [el for el in root.iter() if el.tag in ("Stmt", "Rpt", "Ntfctn")]
    if not blocks:
        raise ImportFileError(
            "This XML file has no CAMT statement (<Stmt>) in it.", code="unrecognised"
        )
    skipped_pending = 0
    for stmt in blocks:
        acct = stmt.find("Acct")
        key = _text(acct, "Id/IBAN") or _text(acct, "Id/Othr/Id") or None
        currency = _text(acct, "Ccy") or None
        account = StatementAccount(
            key=key,
            type="checking",
            currency=currency,
            name=_text(acct, "Nm") or (f"…{key[-4:]}" if key else "Account"),
            institution=_text(acct, "Svcr/FinInstnId/Nm")
            or _text(acct, "Svcr/FinInstnId/BICFI")
            or _text(acct, "Svcr/FinInstnId/BIC"),
        )
        if currency is None:
            # No <Acct><Ccy>: the currency the entries are booked in says it best (balances
            # may be listed in several currencies, as in genkgo's camt053.v8 sample).
            booked = Counter(
                amt.get("Ccy") for amt in stmt.findall("Ntry/Amt") if amt.get("Ccy")
            ).most_common(1)
            currency = account.currency = booked[0][0] if booked else None
        for bal in stmt.findall("Bal"):
            code = _text(bal, "Tp/CdOrPrtry/Cd")
            if code in ("CLBD", "ITBD") and account.balance is None:
                account.balance = _signed(bal)
                account.balance_date = _date(bal.find("Dt"))
                if currency is None:
                    amt = bal.find("Amt")
                    currency = account.currency = amt.get("Ccy") if amt is not None else None
        for index, entry in enumerate(stmt.findall("Ntry"), start=1):
            status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
            if status and status.upper() not in ("BOOK",):
                skipped_pending += 1
                continue
            amount = _signed(entry)
            if amount is None:
                account.rows.append(
                    RowError(
                        index,
                        "Amt",
                        f"Entry {index}: amount '{_text(entry, 'Amt')}' is not a number",
                    )
                )
                continue
            date = _date(entry.find("BookgDt")) or _date(entry.find("ValDt"))
            if date is None:
                account.rows.append(
                    RowError(index, "BookgDt", f"Entry {index}: it has no booking date")
                )
                continue
            amt_el = entry.find("Amt")
            row_currency = (amt_el.get("Ccy") if amt_el is not None else None) or currency
            details = entry.findall("NtryDtls/TxDtls")
            debit = amount < 0
            payee = ""
            texts: list[str] = []
            for tx in details:
                parties = tx.find("RltdPties")
                if not payee and parties is not None:
                    first, second = ("Cdtr", "Dbtr") if debit else ("Dbtr", "Cdtr")
                    payee = _party_name(parties.find(first)) or _party_name(
                        parties.find(f"Ultmt{first}")
                    )
                    if not payee:
                        payee = _party_name(parties.find(second))
                for ustrd in tx.findall("RmtInf/Ustrd"):
                    if ustrd.text and ustrd.text.strip():
                        texts.append(ustrd.text.strip())
            extra = _text(entry, "AddtlNtryInf")
            description = " ".join(texts)
            external_id = (
                _text(entry, "AcctSvcrRef")
                or _text(entry, "NtryRef")
                or next(
                    (
                        t
                        for t in (
                            _text(tx, "Refs/AcctSvcrRef") or _text(tx, "Refs/TxId")
                            for tx in details
                        )
                        if t
                    ),
                    "",
                )
                or None
            )
            account.rows.append(
                ParsedRow(
                    line=index,
                    date=date,
                    amount=amount,
                    payee=payee or description or extra,
                    description=description if payee else ("" if description else ""),
                    notes=extra if (payee or description) else "",
                    external_id=external_id,
                    currency=row_currency,
                    account_key=key,
                )
            )
        result.accounts.append(account)
    if skipped_pending:
        result.notices.append(
            f"{skipped_pending} pending (not yet booked) entr{'y was' if skipped_pending == 1 else 'ies were'} skipped."
        )
    return result
