"""SWIFT MT940 statements (and the MT942 intraday variant): ``:61:`` lines with ``:86:``
details in the Dutch ``/TRTP/../NAME/../REMI/`` style, the German ``?00?20?32`` style, or
free text."""

from __future__ import annotations

import datetime
import re
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
from banking.importers.detect import decode_head, reject_non_text, sniff_encoding

_FIELD = re.compile(r"^:(\d{2}[A-Z]?):", re.MULTILINE)
_LINE61 = re.compile(
    r"(?P<date>\d{6})(?P<entry>\d{4})?(?P<mark>R?[CD])(?P<funds>[A-Z])?(?P<amount>\d+,\d*)"
    r"(?P<type>[NFS][A-Z0-9]{3})?(?P<cref>[^/\n]*?)(?://(?P<bref>[^\n]*))?(?:\n(?P<extra>.*))?$",
    re.DOTALL,
)
_BALANCE = re.compile(r"(?P<mark>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>\d+,\d*)")
_DUTCH = re.compile(r"/([A-Z]{3,4})/")


def _date(yymmdd: str) -> datetime.date | None:
    try:
        return datetime.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return None


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


# German structured details: an optional transaction code (GVC), then ?NN subfields:
# "166?00SEPA ÜBERWEISUNG?20Rechnung 4711?32MÜLLER GMBH".
_SUBFIELDS = re.compile(r"^(?:[A-Z0-9]{2,4})?\?\d\d")
# A bank's own transaction code before free text: "A44?Librairie Gibert Joseph", then the
# description on the next line.
_CODE_PREFIX = re.compile(r"^[A-Z0-9]{2,4}\?")


def _details(info: str, extra: str = "") -> tuple[str, str]:
    """(payee, description) from a :86: field; ``extra`` is the :61: field's supplementary
    details (its second line), which some banks repeat at the end of the payee."""
    flat = " ".join(part.strip() for part in info.splitlines())
    if flat.startswith("/") and _DUTCH.match(flat):
        parts = re.split(
            r"/(TRTP|IBAN|BIC|NAME|REMI|EREF|ORDP|BENM|CSID|MARF|ADDR|CNTP|RTRN|ULTD|ULTC|PURP)/",
            "/" + flat.lstrip("/") + "/",
        )
        values: dict[str, str] = {}
        for key, value in zip(parts[1::2], parts[2::2], strict=False):
            values.setdefault(key, value.strip("/ ").strip())
        name = values.get("NAME", "")
        remi = values.get("REMI", "")
        return name, remi or values.get("TRTP", "")
    if _SUBFIELDS.match(flat):
        fields: dict[str, str] = {}
        for code, value in re.findall(r"\?(\d\d)([^?]*)", flat):
            fields[code] = fields.get(code, "") + value
        purpose = "".join(
            fields.get(f"{n}", "")
            for n in [*(str(i) for i in range(20, 30)), "60", "61", "62", "63"]
        )
        payee = (fields.get("32", "") + fields.get("33", "")).strip()
        return payee, purpose.strip() or fields.get("00", "").strip()
    prefix = _CODE_PREFIX.match(flat)
    if prefix:
        first, *rest = [line.strip() for line in info.splitlines() if line.strip()]
        payee = first[len(prefix.group()) :].strip()
        description = " ".join(rest)
        extra = extra.strip()
        if not description and extra and len(payee) > len(extra) and payee.endswith(extra):
            # "B32?TREMBLAY, MARIE Paiement mobile" after a :61: whose details are
            # "Paiement mobile": the payee is the rest (the details stay in the notes).
            payee = payee[: -len(extra)].strip()
        return payee, description
    return flat.strip(), ""


def mt940_parse(data: Source) -> StatementResult:
    """Read an MT940 file: one StatementAccount per statement (``:20:`` .. ``:62F:``)."""
    raw = read_all(data)
    reject_non_text(raw[:65536])
    text = (
        decode_head(raw, sniff_encoding(raw[:262144]), complete=True)
        .replace("\r\n", "\n")
        .replace("\r", "\n")
    )
    matches = list(_FIELD.finditer(text))
    if not matches:
        raise ImportFileError("This file has no MT940 fields (:20:, :61:...).", code="malformed")
    fields: list[tuple[str, str]] = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end() : end]
        value = re.sub(r"\n-\}.*$", "", value, flags=re.DOTALL).strip("\n")
        fields.append((m.group(1), value))
    result = StatementResult(format="mt940")
    account: StatementAccount | None = None
    pending: ParsedRow | None = None
    index = 0

    def flush() -> None:
        nonlocal pending
        if pending is not None and account is not None:
            account.rows.append(pending)
        pending = None

    for tag, value in fields:
        if tag == "20":
            flush()
            account = None
        elif tag == "25":
            flush()
            key = value.strip()
            account = next((a for a in result.accounts if a.key == key), None)
            if account is None:
                account = StatementAccount(key=key, type="checking", name=key)
                result.accounts.append(account)
        elif tag in ("60F", "60M") and account is not None:
            m = _BALANCE.match(value.strip())
            if m and account.currency is None:
                account.currency = m.group("ccy")
        elif tag == "61":
            flush()
            if account is None:
                account = StatementAccount(key=None, type="checking")
                result.accounts.append(account)
            index += 1
            m = _LINE61.match(value.strip())
            if not m:
                account.rows.append(
                    RowError(
                        index, ":61:", f"Entry {index}: ':61:{value.strip()[:40]}' can't be read"
                    )
                )
                continue
            date = _date(m.group("date"))
            if date is None:
                account.rows.append(
                    RowError(index, ":61:", f"Entry {index}: '{m.group('date')}' is not a date")
                )
                continue
            amount = _amount(m.group("amount"))
            if m.group("mark") in ("D", "RC"):
                amount = -amount
            bref = (m.group("bref") or "").strip()
            cref = (m.group("cref") or "").strip()
            ref = (
                bref if bref and bref != "NONREF" else (cref if cref and cref != "NONREF" else None)
            )
            pending = ParsedRow(
                line=index,
                date=date,
                amount=amount,
                payee=(m.group("extra") or "").strip(),
                external_id=ref,
                currency=account.currency,
                account_key=account.key,
            )
        elif tag == "86" and pending is not None:
            extra = pending.payee
            payee, description = _details(value, extra)
            pending = ParsedRow(
                line=pending.line,
                date=pending.date,
                amount=pending.amount,
                payee=payee or extra or description,
                description=description if payee else "",
                notes=extra if payee and extra else "",
                external_id=pending.external_id,
                currency=pending.currency,
                account_key=pending.account_key,
            )
        elif tag in ("62F", "62M") and account is not None:
            flush()
            m = _BALANCE.match(value.strip())
            if m:
                bal = _amount(m.group("amount"))
                account.balance = -bal if m.group("mark") == "D" else bal
                account.balance_date = _date(m.group("date"))
    flush()
    if not result.accounts:
        raise ImportFileError("This MT940 file has no statement in it.", code="malformed")
    return result
