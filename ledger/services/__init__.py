"""Writes to the ledger: every caller (pages, API, imports, syncs, recurring) goes through here.

One module per resource. All services are keyword-only and atomic, check that every row
they are given belongs to `user`, and raise `django.core.exceptions.ValidationError` with a
{field: [message]} dict on bad input (forms: `form.add_error(None, exc)` or per field via
`exc.message_dict`). Amounts may be Decimal, int or str ("1,234.56"); they are checked
against the account currency's minor units (USD 2, JPY 0, KWD 3) and |amount| < 10**12.

New transactions from transaction_create / transactions_bulk_create (not hand-categorized,
not transfers) are queued, after commit, to "insights.tasks.classify_batch" (one task per
call). Writes that bypass model signals (bulk_create, bulk_update, QuerySet.update, SET_NULL)
call `ledger.changes.ledger_touched` so cached aggregates rebuild; after a bulk_update of
transactions, call `ledger.services.rules.touch_transactions(rows)`.

accounts:     account_create(*, user, name, type="checking", currency="" (the user's base
                  currency), opening_balance=0, opening_date=None, institution="") -> Account
              account_update(*, user, account, **fields) -> Account
              account_archive(*, user, account, archived=True) -> Account
              account_delete(*, user, account) -> None
categories:   categories_create_defaults(*, user) -> list[Category]   (idempotent)
              category_create(*, user, name, kind="expense", parent=None, color, icon="")
              category_update(*, user, category, **fields)  name/kind/parent/color/icon/is_archived
              category_archive(*, user, category, archived=True)
              category_merge(*, user, source, target) -> target
              category_delete(*, user, category) -> None
tags:         tag_create(*, user, name), tags_get_or_create(*, user, names) -> list[Tag],
              tag_update(*, user, tag, name), tag_delete(*, user, tag)
transactions: transaction_create(*, user, account, date, amount, payee="", description="",
                  notes="", category=None, tags=(), status="cleared", source="manual",
                  external_id=None, fingerprint=None, import_batch=None,
                  categorized_by=None, confidence=None) -> Transaction
              transaction_update(*, user, transaction, expected_version=None, **fields)
                  -> Transaction   (conflict: ValidationError with code "conflict")
              transaction_delete(*, user, transaction)   (a transfer goes with both sides)
              transactions_bulk_create(*, user, rows) -> list[Transaction]
                  (<= 1000; BulkValidationError.row_errors = {index: {field: [msg]}})
              transactions_bulk_update_category(*, user, ids, category) -> int
              transactions_bulk_tag(*, user, ids, add=(), remove=()) -> int
              transactions_bulk_delete(*, user, ids) -> int
transfers:    transfer_create(*, user, from_account, to_account, date, amount,
                  to_amount=None, payee="", notes="", status="cleared") -> Transfer
              transfer_update(*, user, transfer, **fields), transfer_delete(*, user, transfer)
              transfer_sides(transfer) -> (out, in)
              transaction_convert_to_transfer(*, user, transaction, other_account,
                  other_amount=None) -> Transfer
splits:       transaction_split(*, user, transaction, parts) -> list[TransactionSplit]
                  parts: [(category, amount, notes)] or [{"category", "amount", "notes"}]
              transaction_unsplit(*, user, transaction, category=None) -> Transaction
data:         user_data_export(*, user) -> dict
              transactions_write_csv(*, transactions, out) -> int
              user_delete(*, user) -> None
"""
