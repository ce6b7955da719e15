"""The import pipeline through its services: idempotency, duplicates, undo, all-or-nothing."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection

from banking.importers import CsvMapping, ImportFileError
from banking.models import ImportFile, ImportProfile
from banking.services.imports import (
    IMPORT,
    LINK,
    SKIP,
    ImportFlowError,
    import_commit,
    import_discard,
    import_preview,
    import_start,
    import_undo,
)
from ledger.models import ImportBatch, Transaction
from ledger.services.data import transactions_write_csv
from tests.banking.conftest import csv_file, stored_files
from tests.ledger.factories import make_account, make_category, make_transaction

State = ImportBatch.State

COFFEES = (
    "2024-01-05,Coffee Shop,Latte,-3.50",
    "2024-01-05,Coffee Shop,Latte,-3.50",
    "2024-01-06,ACME Corp,Salary,2500.00",
)


def start(user, account, data: io.BytesIO, name: str = "statement.csv", **kwargs):
    return import_start(user=user, file=data, file_name=name, account=account, **kwargs)


def run(user, account, data: io.BytesIO, **commit_kwargs) -> ImportBatch:
    batch = start(user, account, data)
    assert batch.state == State.PREVIEW, batch.meta
    import_commit(batch=batch, **commit_kwargs)
    batch.refresh_from_db()
    return batch


def test_two_identical_rows_both_import_and_a_reimport_adds_none(alice, checking):
    first = run(alice, checking, csv_file(*COFFEES))
    assert first.state == State.COMMITTED
    assert first.added == 3
    coffees = Transaction.objects.filter(account=checking, payee="Coffee Shop")
    assert coffees.count() == 2
    assert len(set(coffees.values_list("fingerprint", flat=True))) == 2

    again = run(alice, checking, csv_file(*COFFEES))
    assert again.added == 0
    assert again.meta["result"]["duplicates"] == 3
    assert Transaction.objects.filter(account=checking).count() == 3


def test_the_preview_counts_new_and_duplicate_rows_without_writing(alice, checking):
    run(alice, checking, csv_file(*COFFEES[:2]))
    batch = start(alice, checking, csv_file(*COFFEES))
    summary = batch.meta["summary"]
    assert (summary["new"], summary["duplicates"], summary["errors"]) == (1, 2, 0)
    assert Transaction.objects.filter(account=checking).count() == 2


def test_an_overlapping_file_adds_only_the_new_rows(alice, checking):
    run(alice, checking, csv_file("2024-02-01,Rent,,-900.00", "2024-02-03,Grocer,,-45.10"))
    batch = run(
        alice,
        checking,
        csv_file(
            "2024-02-03,Grocer,,-45.10", "2024-02-04,Cinema,,-12.00", "2024-02-05,Bakery,,-4.00"
        ),
    )
    assert batch.added == 2
    assert sorted(Transaction.objects.filter(account=checking).values_list("payee", flat=True)) == [
        "Bakery",
        "Cinema",
        "Grocer",
        "Rent",
    ]


def test_the_same_rows_in_another_account_are_not_duplicates(alice, checking):
    other = make_account(alice, name="Other")
    run(alice, checking, csv_file(*COFFEES))
    assert run(alice, other, csv_file(*COFFEES)).added == 3


def test_rows_with_the_same_external_id_are_already_imported(alice, checking):
    header = "Date,Payee,Amount,Transaction ID"
    run(alice, checking, csv_file("2024-03-01,Shop,-5.00,T-1", header=header))
    # The bank changed the payee text, but the id says it is the same transaction.
    batch = run(alice, checking, csv_file("2024-03-01,SHOP LTD,-5.00,T-1", header=header))
    assert batch.added == 0
    assert Transaction.objects.get(account=checking).external_id == "T-1"


def hand_typed(account):
    return make_transaction(
        account, amount="-45.10", date=datetime.date(2024, 2, 2), payee="grocer"
    )


GROCER_FILE = ("2024-02-03,GROCER #1234 LONDON,,-45.10", "2024-02-04,Cinema,,-12.00")


def test_a_hand_typed_transaction_is_a_possible_duplicate(alice, checking):
    typed = hand_typed(checking)
    batch = start(alice, checking, csv_file(*GROCER_FILE))
    summary = batch.meta["summary"]
    assert summary["possible_duplicates"] == 1
    assert summary["new"] == 1  # skipped by default
    (item,) = summary["possible"]
    assert item["existing"]["id"] == typed.pk
    assert item["line"] == 2


def test_a_different_amount_or_a_far_date_is_not_a_possible_duplicate(alice, checking):
    make_transaction(checking, amount="-45.11", date=datetime.date(2024, 2, 3), payee="Grocer")
    make_transaction(checking, amount="-45.10", date=datetime.date(2024, 1, 20), payee="Grocer")
    make_transaction(checking, amount="-45.10", date=datetime.date(2024, 2, 3), payee="Airline")
    batch = start(alice, checking, csv_file(*GROCER_FILE))
    assert batch.meta["summary"]["possible_duplicates"] == 0


@pytest.mark.parametrize(
    ("decision", "added", "total"),
    [(SKIP, 1, 2), (IMPORT, 2, 3), (LINK, 1, 2)],
)
def test_each_choice_for_a_possible_duplicate(alice, checking, decision, added, total):
    typed = hand_typed(checking)
    batch = start(alice, checking, csv_file(*GROCER_FILE))
    key = batch.meta["summary"]["possible"][0]["key"]
    import_commit(batch=batch, decisions={key: decision})
    batch.refresh_from_db()
    assert batch.added == added
    assert Transaction.objects.filter(account=checking).count() == total
    typed.refresh_from_db()
    if decision == LINK:
        assert typed.fingerprint == key
        assert batch.updated == 1
    # Whatever was chosen, importing the file again adds nothing new.
    again = start(alice, checking, csv_file(*GROCER_FILE))
    assert again.meta["summary"]["new"] == 0
    if decision == LINK:
        assert again.meta["summary"]["possible_duplicates"] == 0


def test_undo_removes_the_batch_and_unlinks_what_it_linked(alice, checking):
    typed = hand_typed(checking)
    batch = start(alice, checking, csv_file(*GROCER_FILE))
    key = batch.meta["summary"]["possible"][0]["key"]
    import_commit(batch=batch, decisions={key: LINK})
    batch.refresh_from_db()
    assert import_undo(batch=batch) == 1
    batch.refresh_from_db()
    assert batch.state == State.UNDONE and batch.undone_at is not None
    assert list(Transaction.objects.filter(account=checking)) == [typed]
    typed.refresh_from_db()
    assert typed.fingerprint is None


def test_undo_asks_first_when_rows_were_edited_since(alice, checking):
    batch = run(alice, checking, csv_file(*COFFEES))
    edited = Transaction.objects.filter(account=checking).first()
    edited.notes = "my note"
    edited.version = 2
    edited.save()
    with pytest.raises(ImportFlowError) as exc:
        import_undo(batch=batch)
    assert exc.value.code == "edited"
    assert "1 of these" in str(exc.value)
    assert Transaction.objects.filter(account=checking).count() == 3
    assert import_undo(batch=batch, confirm_edited=True) == 3
    assert not Transaction.objects.filter(account=checking).exists()


def test_after_undo_the_file_imports_again(alice, checking):
    batch = run(alice, checking, csv_file(*COFFEES))
    import_undo(batch=batch)
    assert run(alice, checking, csv_file(*COFFEES)).added == 3


def add_failing_constraint(payee: str) -> None:
    """Make the database itself refuse rows with this payee (as a real constraint would)."""
    table = Transaction._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT test_no_boom CHECK (payee <> %s)", [payee]
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER test_no_boom BEFORE INSERT ON {table} "
                f"WHEN NEW.payee = '{payee}' BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed'); END"
            )


def test_a_failure_mid_commit_leaves_nothing(alice, checking, settings):
    settings.IMPORT_CHUNK_ROWS = 10  # the bad row is in the third chunk
    rows = [f"2024-04-{1 + i % 28:02d},Shop {i},,-{i + 1}.00" for i in range(25)]
    rows.append("2024-04-28,BOOM,,-1.00")
    batch = start(alice, checking, csv_file(*rows))
    assert batch.meta["summary"]["new"] == 26
    add_failing_constraint("BOOM")
    with pytest.raises(ImportFlowError) as exc:
        import_commit(batch=batch)
    assert exc.value.code == "database"
    assert "nothing was saved" in str(exc.value)
    assert not Transaction.objects.filter(account=checking).exists()
    batch.refresh_from_db()
    assert batch.state == State.FAILED
    assert batch.added == 0
    assert ImportFile.objects.filter(batch=batch).exists()  # kept, to retry or discard


def test_bad_rows_are_imported_only_when_asked_and_are_listed(alice, checking):
    data = csv_file(
        "2024-05-01,Shop,,-1.00", "2024-05-02,Shop,,not money", "2024-05-03,Shop,,-3.00"
    )
    batch = start(alice, checking, data)
    assert batch.meta["summary"]["errors"] == 1
    (error,) = batch.errors
    assert error["line"] == 3 and error["column"] and error["message"]
    with pytest.raises(ImportFlowError) as exc:
        import_commit(batch=batch)
    assert exc.value.code == "row_errors"
    assert not Transaction.objects.exists()
    import_commit(batch=batch, skip_errors=True)
    batch.refresh_from_db()
    assert batch.added == 2
    assert batch.error_count == 1
    assert batch.errors[0]["line"] == 3


def test_a_ragged_csv_reports_the_short_rows(alice, checking):
    data = io.BytesIO(b"Date,Payee,Amount\n2024-01-05,Shop,-3.50\n2024-01-07\n")
    batch = start(alice, checking, data)
    assert batch.meta["summary"]["errors"] == 1
    assert batch.errors[0]["line"] == 3


def test_an_amount_too_large_for_the_ledger_is_a_row_error(alice, checking):
    batch = start(
        alice, checking, csv_file("2024-05-01,Shop,,-1.00", "2024-05-02,Shop,,99999999999999.00")
    )
    assert batch.meta["summary"]["errors"] == 1
    assert "too large" in batch.errors[0]["message"]


def test_formula_cells_are_kept_as_plain_text(alice, checking):
    run(
        alice,
        checking,
        csv_file('2024-01-05,"=HYPERLINK(""http://x"")",,-3.50', "2024-01-06,@SUM(A1),,-1.00"),
    )
    payees = set(Transaction.objects.filter(account=checking).values_list("payee", flat=True))
    assert payees == {'=HYPERLINK("http://x")', "@SUM(A1)"}

    # Exported again as CSV, a spreadsheet shows them as text instead of running them.
    out = io.StringIO()
    transactions_write_csv(transactions=Transaction.objects.for_user(alice), out=out)
    cells = {cell for row in csv.reader(io.StringIO(out.getvalue())) for cell in row}
    assert {'\'=HYPERLINK("http://x")', "'@SUM(A1)"} <= cells
    assert not any(c.startswith(("=", "@")) for c in cells)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image"),
        (b"PK\x03\x04" + b"\0" * 64, "archive"),
        (b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><SIGNONMSGSRSV1><SONRS>", "truncated"),
    ],
    ids=["empty", "binary", "image", "zip", "truncated-ofx"],
)
def test_a_bad_file_gets_a_clear_message_and_writes_nothing(
    alice, checking, _media_root, data, code
):
    with pytest.raises(ImportFileError) as exc:
        start(alice, checking, io.BytesIO(data))
    assert exc.value.code == code
    assert str(exc.value)
    assert not ImportBatch.objects.exists()
    assert stored_files(_media_root) == []


def test_a_file_over_the_size_limit_names_the_limit(alice, checking, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    data = csv_file(*["2024-01-05,Coffee Shop,Latte,-3.50"] * 40000)
    with pytest.raises(ImportFileError) as exc:
        start(alice, checking, data)
    assert exc.value.code == "too_large"
    assert "1 MB" in str(exc.value)
    assert not ImportBatch.objects.exists()


class CountingFile(io.BytesIO):
    """A file that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def test_an_oversized_file_is_refused_before_it_is_read(alice, checking, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    data = CountingFile(b"Date,Payee,Amount\n" + b"2024-01-05,Coffee,-3.50\n" * 100_000)
    with pytest.raises(ImportFileError, match="largest file you can import is 1 MB"):
        start(alice, checking, data)
    assert data.read_bytes == 0


CARD_CHARGES_POSITIVE = (
    b"Posted,Merchant,Charge\n"
    b"2026-03-02,GROCERY MART,54.20\n"
    b"2026-03-04,COFFEE HOUSE,4.75\n"
    b"2026-03-09,GAS STATION,40.00\n"
    b"2026-03-15,PAYMENT RECEIVED THANK YOU,-500.00\n"
)


@pytest.mark.parametrize("new", [False, True], ids=["existing card", "card created with it"])
def test_an_unknown_card_layout_with_positive_charges_is_flipped(alice, new):
    target = (
        {"new_account": {"name": "Visa", "type": "credit_card", "currency": "USD"}}
        if new
        else {"account": make_account(alice, name="Visa", type="credit_card")}
    )
    batch = import_start(
        user=alice, file=io.BytesIO(CARD_CHARGES_POSITIVE), file_name="visa.csv", **target
    )
    assert batch.meta["mapping"]["flip_sign"] is True
    assert any("flipped" in n for n in batch.meta["notices"])
    import_commit(batch=batch)
    amounts = dict(Transaction.objects.filter(user=alice).values_list("payee", "amount"))
    assert amounts["GROCERY MART"] == Decimal("-54.20")
    assert amounts["PAYMENT RECEIVED THANK YOU"] == Decimal("500.00")


def test_the_same_file_into_a_checking_account_is_not_flipped(alice, checking):
    batch = start(alice, checking, io.BytesIO(CARD_CHARGES_POSITIVE))
    assert batch.meta["mapping"]["flip_sign"] is False


def test_a_latin1_csv_is_decoded(alice, checking):
    data = io.BytesIO("Date,Payee,Amount\n2024-01-05,Café Crème,-3.50\n".encode("cp1252"))
    run(alice, checking, data)
    assert Transaction.objects.get(account=checking).payee == "Café Crème"


def test_a_utf16_csv_is_decoded(alice, checking):
    data = io.BytesIO("Date,Payee,Amount\n2024-01-05,Café,-3.50\n".encode("utf-16"))
    run(alice, checking, data)
    assert Transaction.objects.get(account=checking).payee == "Café"


def test_a_known_bank_layout_is_recognised_and_needs_no_mapping(alice):
    card = make_account(alice, name="Card", type="credit_card")
    data = io.BytesIO(
        b"Transaction Date,Post Date,Description,Category,Type,Amount,Memo\n"
        b"01/05/2024,01/06/2024,STARBUCKS,Food & Drink,Sale,-4.50,\n"
        b"01/07/2024,01/08/2024,Payment Thank You,,Payment,100.00,\n"
    )
    batch = start(alice, card, data)
    assert batch.state == State.PREVIEW
    assert batch.meta["profile"]["kind"] == "builtin"
    assert "Chase" in batch.meta["profile"]["name"]
    import_commit(batch=batch)
    amounts = sorted(Transaction.objects.filter(account=card).values_list("amount", flat=True))
    assert amounts == [Decimal("-4.50"), Decimal("100.00")]


def test_the_category_named_in_the_file_is_used_when_it_exists(alice, checking):
    food = make_category(alice, name="Food & Drink")
    data = csv_file(
        "2024-01-05,Cafe,-4.50,Food & Drink",
        "2024-01-06,Shop,-1.00,Misc",
        header="Date,Payee,Amount,Category",
    )
    batch = start(alice, checking, data)
    names = {c["name"]: c["count"] for c in batch.meta["summary"]["categories"]}
    assert names == {"Food & Drink": 1, "Uncategorized": 1}
    import_commit(batch=batch)
    cafe = Transaction.objects.get(payee="Cafe")
    assert cafe.category == food and cafe.categorized_by == "manual"
    assert "Misc" in Transaction.objects.get(payee="Shop").notes


AMBIGUOUS = b"Date,Payee,Amount\n01/02/2024,Shop,-3.50\n03/04/2024,Shop,-4.50\n"


def test_ambiguous_dates_wait_for_an_answer_then_a_saved_profile_is_reused(alice, checking):
    batch = start(alice, checking, io.BytesIO(AMBIGUOUS))
    assert batch.state == State.PENDING
    assert any("day/month" in n for n in batch.meta["needs"])
    with pytest.raises(ImportFlowError):
        import_commit(batch=batch)
    mapping = CsvMapping.from_dict(batch.meta["mapping"])
    mapping.date_format = "%d/%m/%Y"
    import_preview(batch=batch, mapping=mapping, save_profile_as="My bank")
    batch.refresh_from_db()
    assert batch.state == State.PREVIEW
    import_commit(batch=batch)
    dates = sorted(Transaction.objects.filter(account=checking).values_list("date", flat=True))
    assert dates == [datetime.date(2024, 2, 1), datetime.date(2024, 4, 3)]
    assert ImportProfile.objects.filter(user=alice, name="My bank").exists()

    # The next file with the same header is read with the saved profile at once.
    data = io.BytesIO(b"Date,Payee,Amount\n05/06/2024,Shop,-7.00\n")
    again = start(alice, checking, data)
    assert again.state == State.PREVIEW
    assert again.meta["profile"] == {"kind": "user", "name": "My bank"}
    import_commit(batch=again)
    assert Transaction.objects.filter(date=datetime.date(2024, 6, 5)).exists()


def test_a_flipped_mapping_turns_card_charges_negative(alice):
    card = make_account(alice, name="Card", type="credit_card")
    batch = start(alice, card, io.BytesIO(AMBIGUOUS))
    mapping = CsvMapping.from_dict(batch.meta["mapping"])
    mapping.flip_sign = True
    import_preview(batch=batch, mapping=mapping)
    batch.refresh_from_db()
    import_commit(batch=batch)
    assert set(Transaction.objects.filter(account=card).values_list("amount", flat=True)) == {
        Decimal("3.50"),
        Decimal("4.50"),
    }


def test_commit_deletes_the_stored_file_and_discard_too(
    alice, checking, _media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = start(alice, checking, csv_file(*COFFEES))
    assert len(stored_files(_media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        import_commit(batch=batch)
    assert stored_files(_media_root) == []
    assert not ImportFile.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        other = start(alice, checking, csv_file("2024-09-09,New,,-1.00"))
    with django_capture_on_commit_callbacks(execute=True):
        import_discard(batch=other)
    other.refresh_from_db()
    assert other.state == State.DISCARDED
    assert stored_files(_media_root) == []
    with pytest.raises(ImportFlowError):
        import_commit(batch=other)


def test_a_committed_batch_cannot_be_committed_twice(alice, checking):
    batch = run(alice, checking, csv_file(*COFFEES))
    with pytest.raises(ImportFlowError):
        import_commit(batch=batch)
    assert Transaction.objects.count() == 3


def test_a_large_file_runs_in_the_background_with_progress(
    alice, checking, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 5
    settings.IMPORT_CHUNK_ROWS = 4
    rows = [f"2024-06-{1 + i % 28:02d},Shop {i},,-{i + 1}.00" for i in range(12)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = start(alice, checking, csv_file(*rows))
    assert len(callbacks) == 1  # the task was queued after the batch was saved
    batch.refresh_from_db()
    # Tasks run inline in tests: the analysis is already done.
    assert batch.state == State.PREVIEW
    assert (batch.progress_done, batch.progress_total) == (12, 12)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_commit(batch=batch) is None  # queued, not done here
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED
    assert batch.added == 12
    assert batch.progress_done == batch.progress_total == 12


def test_the_background_task_leaves_a_finished_batch_alone(alice, checking):
    from banking.tasks import import_process

    batch = run(alice, checking, csv_file(*COFFEES))
    import_process(batch.pk)
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED and batch.added == 3
    assert Transaction.objects.count() == 3


def test_a_file_with_several_accounts_maps_each_one(alice, checking):
    qif = (
        b"!Option:AutoSwitch\n!Account\nNChecking\nTBank\n^\nNSavings\nTBank\n^\n"
        b"!Clear:AutoSwitch\n"
        b"!Account\nNChecking\nTBank\n^\n!Type:Bank\nD01/02/2024\nT-10.00\nPShop\n^\n"
        b"!Account\nNSavings\nTBank\n^\n!Type:Bank\nD01/03/2024\nT50.00\nPInterest\n^\n"
    )
    batch = start(alice, checking, io.BytesIO(qif), name="two.qif")
    if batch.state == State.PREVIEW:
        pytest.skip("the QIF reader saw one account in this file")
    keys = [a["key"] for a in batch.meta["statement"]["accounts"]]
    assert len(keys) == 2
    savings = make_account(alice, name="Savings", type="savings")
    import_preview(
        batch=batch, account_map={keys[0]: checking.pk, keys[1]: savings.pk}, date_order="mdy"
    )
    batch.refresh_from_db()
    import_commit(batch=batch)
    assert Transaction.objects.get(account=checking).amount == Decimal("-10.00")
    assert Transaction.objects.get(account=savings).amount == Decimal("50.00")


def test_an_account_of_someone_else_is_refused(alice, bob_account):
    with pytest.raises(ImportFlowError):
        start(alice, bob_account, csv_file(*COFFEES))
    assert not ImportBatch.objects.exists()


def test_the_answer_to_the_qif_date_question_is_used(alice, checking):
    qif = b"!Type:Bank\nD01/02/2024\nT-10.00\nPShop\n^\nD03/04/2024\nT-5.00\nPShop\n^\n"
    batch = start(alice, checking, io.BytesIO(qif), name="q.qif")
    assert batch.state == State.PENDING
    assert any("order" in n for n in batch.meta["needs"])
    import_preview(batch=batch, date_order="dmy")
    batch.refresh_from_db()
    import_commit(batch=batch)
    dates = sorted(Transaction.objects.filter(account=checking).values_list("date", flat=True))
    assert dates == [datetime.date(2024, 2, 1), datetime.date(2024, 4, 3)]


def test_uploads_left_unconfirmed_are_discarded_after_a_week(alice, checking):
    from banking.tasks import imports_discard_stale

    old = start(alice, checking, csv_file(*COFFEES))
    ImportBatch.objects.filter(pk=old.pk).update(
        created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    fresh = start(alice, checking, csv_file("2024-09-09,New,,-1.00"))
    assert imports_discard_stale() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == State.DISCARDED and not ImportFile.objects.filter(batch=old).exists()
    assert fresh.state == State.PREVIEW
