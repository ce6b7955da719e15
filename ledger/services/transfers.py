"""Transfers: money moved between two of the user's own accounts, kept as a linked pair of
transactions (out of one, negative; into the other, positive). Never income or expense."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from ledger.changes import ledger_touched
from ledger.models import Account, Status, Transaction, Transfer
from ledger.services.validation import FieldErrors, clean_amount, clean_date, clean_text


def transfer_sides(transfer: Transfer) -> tuple[Transaction, Transaction]:
    """(out, in): the negative side and the positive side of a transfer."""
    sides = sorted(
        Transaction.objects.filter(transfer=transfer).select_related("account"),
        key=lambda t: (t.amount >= 0, t.pk),
    )
    if len(sides) != 2:
        raise ValidationError("This transfer is incomplete: one of its sides is missing.")
    return sides[0], sides[1]


def _clean_transfer(errors: FieldErrors, user: User, f: dict[str, Any]) -> dict[str, Any]:
    from_account, to_account = f["from_account"], f["to_account"]
    for name in ("from_account", "to_account"):
        acc = f[name]
        if acc is None:
            errors.add(name, "Choose an account.")
        elif not isinstance(acc, Account) or acc.user_id != user.pk:
            errors.add(name, "Choose one of your own.")
    cleaned: dict[str, Any] = {"date": clean_date(errors, f["date"])}
    if errors.errors.keys() & {"from_account", "to_account"}:
        return cleaned
    if from_account.pk == to_account.pk:
        errors.add("to_account", "Choose a different account to transfer to.")
        return cleaned
    amount = clean_amount(errors, f["amount"], from_account.currency)
    if amount is not None and amount <= 0:
        errors.add("amount", "Enter the amount that leaves the first account, above zero.")
    to_amount = f["to_amount"]
    if from_account.currency == to_account.currency:
        if to_amount not in (None, ""):
            to_amount = clean_amount(errors, to_amount, to_account.currency, "to_amount")
            if amount is not None and to_amount is not None and to_amount != amount:
                errors.add(
                    "to_amount", "Both accounts use the same currency: the amounts must match."
                )
        to_amount = amount
    elif to_amount in (None, ""):
        errors.add(
            "to_amount",
            f"Enter the amount that arrives in {to_account.currency}: "
            "the accounts use different currencies.",
        )
    else:
        to_amount = clean_amount(errors, to_amount, to_account.currency, "to_amount")
        if to_amount is not None and to_amount <= 0:
            errors.add("to_amount", "Enter the amount that arrives, above zero.")
    cleaned.update(amount=amount, to_amount=to_amount)
    for name in ("payee", "notes"):
        cleaned[name] = clean_text(errors, f.get(name, ""), Transaction, name)
    status = f.get("status", Status.CLEARED)
    if status not in Status.values:
        errors.add("status", "Choose pending or cleared.")
    cleaned["status"] = status
    return cleaned


@db_transaction.atomic
def transfer_create(
    *,
    user: User,
    from_account: Account,
    to_account: Account,
    date: datetime.date | str,
    amount: Decimal | str | int,
    to_amount: Decimal | str | int | None = None,
    payee: str = "",
    notes: str = "",
    status: str = Status.CLEARED,
) -> Transfer:
    """Move `amount` (positive, in from_account's currency) out of `from_account` and
    `to_amount` into `to_account`; `to_amount` is needed only when currencies differ."""
    errors = FieldErrors()
    c = _clean_transfer(
        errors,
        user,
        {
            "from_account": from_account,
            "to_account": to_account,
            "date": date,
            "amount": amount,
            "to_amount": to_amount,
            "payee": payee,
            "notes": notes,
            "status": status,
        },
    )
    errors.raise_if_any()
    transfer = Transfer.objects.create(user=user)
    ledger_touched(user_id=user.pk, dates=[c["date"]])  # bulk_create sends no signals
    common = {"user": user, "date": c["date"], "notes": c["notes"], "status": c["status"]}
    Transaction.objects.bulk_create(
        [
            Transaction(
                account=from_account,
                amount=-c["amount"],
                payee=c["payee"] or f"Transfer to {to_account.name}",
                transfer=transfer,
                **common,
            ),
            Transaction(
                account=to_account,
                amount=c["to_amount"],
                payee=c["payee"] or f"Transfer from {from_account.name}",
                transfer=transfer,
                **common,
            ),
        ]
    )
    return transfer


@db_transaction.atomic
def transfer_update(*, user: User, transfer: Transfer, **fields: Any) -> Transfer:
    """Change any of from_account, to_account, date, amount, to_amount, payee, notes,
    status; both sides change together."""
    unknown = set(fields) - {
        "from_account",
        "to_account",
        "date",
        "amount",
        "to_amount",
        "payee",
        "notes",
        "status",
    }
    if unknown:
        raise TypeError(f"transfer_update() got unexpected fields: {sorted(unknown)}")
    if transfer.user_id != user.pk:
        errors = FieldErrors()
        errors.add("transfer", "Choose one of your own.")
        errors.raise_if_any()
    out, into = transfer_sides(transfer)
    current = {
        "from_account": out.account,
        "to_account": into.account,
        "date": out.date,
        "amount": -out.amount,
        "to_amount": into.amount,
        "payee": None,
        "notes": out.notes,
        "status": out.status,
    }
    merged = {**current, **fields}
    accounts_changed = {"from_account", "to_account"} & set(fields)
    if "amount" in fields and "to_amount" not in fields and not accounts_changed:
        merged["to_amount"] = None  # recomputed for one currency, required for two
    if accounts_changed and merged["from_account"].currency == merged["to_account"].currency:
        merged["to_amount"] = fields.get("to_amount")
    # An amount kept from before is in the old account's currency: when a side moves to an
    # account with another currency, what moved there must be given again.
    for side_field, amount_field, side in (
        ("from_account", "amount", out),
        ("to_account", "to_amount", into),
    ):
        account = merged[side_field]
        if (
            isinstance(account, Account)
            and account.currency != side.account.currency
            and amount_field not in fields
        ):
            merged[amount_field] = None
    errors = FieldErrors()
    c = _clean_transfer(errors, user, {**merged, "payee": merged["payee"] or ""})
    errors.raise_if_any()
    now = timezone.now()
    for side, account, amount, label in (
        (out, merged["from_account"], -c["amount"], "to"),
        (into, merged["to_account"], c["to_amount"], "from"),
    ):
        other = merged["to_account"] if label == "to" else merged["from_account"]
        changes: dict[str, Any] = {
            "account": account,
            "amount": amount,
            "date": c["date"],
            "notes": c["notes"],
            "status": c["status"],
        }
        if "payee" in fields:
            changes["payee"] = c["payee"] or f"Transfer {label} {other.name}"
        Transaction.objects.filter(pk=side.pk).update(
            **changes, version=F("version") + 1, updated_at=now
        )
        ledger_touched(user_id=user.pk, dates=[side.date, c["date"]])
    return transfer


@db_transaction.atomic
def transfer_delete(*, user: User, transfer: Transfer) -> None:
    """Delete both sides of a transfer."""
    if transfer.user_id != user.pk:
        errors = FieldErrors()
        errors.add("transfer", "Choose one of your own.")
        errors.raise_if_any()
    Transaction.objects.filter(user=user, transfer=transfer).delete()
    transfer.delete()


@db_transaction.atomic
def transaction_convert_to_transfer(
    *,
    user: User,
    transaction: Transaction,
    other_account: Account,
    other_amount: Decimal | str | int | None = None,
) -> Transfer:
    """Turn an existing transaction into one side of a transfer, adding the other side in
    `other_account` (same date; the opposite amount, or `other_amount` across currencies).
    Its category and split go: transfers are neither income nor expense."""
    errors = FieldErrors()
    txn = transaction
    if txn.user_id != user.pk:
        errors.add("transaction", "Choose one of your own.")
    if not isinstance(other_account, Account) or other_account.user_id != user.pk:
        errors.add("other_account", "Choose one of your own.")
    errors.raise_if_any()
    if txn.transfer_id:
        errors.add("transaction", "This transaction is already part of a transfer.")
    if other_account.pk == txn.account_id:
        errors.add("other_account", "Choose a different account for the other side.")
    if txn.amount == 0:
        errors.add("amount", "A transfer moves some money: the amount cannot be zero.")
    errors.raise_if_any()
    if other_account.currency == txn.account.currency:
        amount = -txn.amount
    elif other_amount in (None, ""):
        errors.add(
            "other_amount",
            f"Enter the amount in {other_account.currency}: the accounts use different currencies.",
        )
        errors.raise_if_any()
    else:
        amount = clean_amount(errors, other_amount, other_account.currency, "other_amount")
        if amount == 0:
            errors.add("other_amount", "Enter an amount other than zero.")
        errors.raise_if_any()
        amount = -abs(amount) if txn.amount > 0 else abs(amount)
    transfer = Transfer.objects.create(user=user)
    txn.splits.all().delete()
    Transaction.objects.filter(pk=txn.pk).update(
        transfer=transfer,
        category=None,
        categorized_by="",
        confidence=None,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    ledger_touched(user_id=user.pk, dates=[txn.date])  # no longer spending or income
    label = "from" if amount > 0 else "to"
    Transaction.objects.create(
        user=user,
        account=other_account,
        date=txn.date,
        amount=amount,
        payee=f"Transfer {label} {txn.account.name}",
        notes=txn.notes,
        status=txn.status,
        transfer=transfer,
    )
    txn.refresh_from_db()
    return transfer
