"""The import pages: upload, mapping with preview, batch page, commit, history, undo."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Profile
from banking.services.imports import import_commit, import_preview, import_start
from ledger.models import Account, ImportBatch, Transaction
from tests.ledger.factories import make_account, make_transaction

CSV = b"Date,Payee,Description,Amount\n2024-01-05,Coffee Shop,Latte,-3.50\n2024-01-05,Coffee Shop,Latte,-3.50\n2024-01-06,ACME,Salary,2500.00\n"
AMBIGUOUS = b"Date,Payee,Amount\n01/02/2024,Shop,-3.50\n03/04/2024,Shop,-4.50\n"
State = ImportBatch.State


def upload(client, account, data: bytes = CSV, name: str = "statement.csv", **extra):
    return client.post(
        reverse("banking:import"),
        {"account": str(account.pk), "file": SimpleUploadedFile(name, data), **extra},
    )


def test_the_import_page_shows_the_form_and_the_limit(alice_client, checking, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 7
    response = alice_client.get(reverse("banking:import"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Checking" in body and "New account" in body and "7 MB" in body


def test_upload_of_a_known_layout_goes_to_the_preview_then_commits(alice_client, alice, checking):
    response = upload(alice_client, checking)
    batch = ImportBatch.objects.get(user=alice)
    assert response.status_code == 302
    assert response.url == reverse("banking:import-detail", args=[batch.pk])
    page = alice_client.get(response.url)
    assert page.status_code == 200
    assert batch.state == State.PREVIEW
    assert b"Import 3 transactions" in page.content
    assert b"Uncategorized" in page.content

    response = alice_client.post(reverse("banking:import-commit", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED and batch.added == 3
    page = alice_client.get(reverse("banking:import-detail", args=[batch.pk]))
    assert b"Undo this import" in page.content


def test_a_new_account_can_be_created_inline(alice_client, alice):
    response = alice_client.post(
        reverse("banking:import"),
        {
            "account": "new",
            "new_account_name": "Travel card",
            "new_account_type": "credit_card",
            "new_account_currency": "eur",
            "file": SimpleUploadedFile("s.csv", CSV),
        },
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get(user=alice)
    assert (batch.account.name, batch.account.type, batch.account.currency) == (
        "Travel card",
        "credit_card",
        "EUR",
    )


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", b"empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b"image"),
        (b"PK\x03\x04" + b"\0" * 64, b"zip"),
    ],
)
def test_a_bad_file_shows_a_message_on_the_page(alice_client, checking, data, text):
    response = upload(alice_client, checking, data)
    assert response.status_code == 400
    assert text in response.content.lower()
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(alice_client, checking, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    response = upload(alice_client, checking, CSV * 40000)
    assert response.status_code == 400
    assert b"1 MB" in response.content
    assert not ImportBatch.objects.exists()


def test_someone_elses_account_is_not_offered(alice_client, bob_account):
    response = upload(alice_client, bob_account)
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_the_mapping_screen_asks_and_previews(alice_client, alice, checking):
    response = upload(alice_client, checking, AMBIGUOUS)
    batch = ImportBatch.objects.get(user=alice)
    assert response.url == reverse("banking:import-detail", args=[batch.pk])
    assert alice_client.get(response.url).url == reverse("banking:import-mapping", args=[batch.pk])
    page = alice_client.get(reverse("banking:import-mapping", args=[batch.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "day/month" in body and "Flip sign" in body and "Save as profile" in body
    assert "2 Jan 2024" in body  # the guess (month first), shown as it would be saved

    form = {
        "date": "0",
        "date_format": "%d/%m/%Y",
        "amount_style": "signed",
        "amount": "2",
        "payee": "1",
        "decimal_mark": ".",
    }
    partial = alice_client.post(reverse("banking:import-mapping-preview", args=[batch.pk]), form)
    assert partial.status_code == 200
    assert b"1 Feb 2024" in partial.content and b"<html" not in partial.content
    # Without JavaScript the Preview button re-renders the page.
    page = alice_client.post(
        reverse("banking:import-mapping", args=[batch.pk]), {**form, "preview": "1"}
    )
    assert b"1 Feb 2024" in page.content

    response = alice_client.post(
        reverse("banking:import-mapping", args=[batch.pk]),
        {**form, "flip_sign": "on", "profile_name": "Shop bank"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == State.PREVIEW
    assert alice.import_profiles.get().name == "Shop bank"
    alice_client.post(reverse("banking:import-commit", args=[batch.pk]))
    assert sorted(Transaction.objects.values_list("date", "amount")) == [
        (datetime.date(2024, 2, 1), 3.5),
        (datetime.date(2024, 4, 3), 4.5),
    ]

    upload(alice_client, checking, AMBIGUOUS.replace(b"03/04", b"05/04"), name="next.csv")
    latest = ImportBatch.objects.filter(user=alice).first()
    assert latest.state == State.PREVIEW
    page = alice_client.get(reverse("banking:import-detail", args=[latest.pk]))
    assert b"Recognised: Shop bank" in page.content


def test_possible_duplicates_get_a_choice_on_the_preview(alice_client, alice, checking):
    typed = make_transaction(
        checking, amount="-3.50", date=datetime.date(2024, 1, 4), payee="coffee shop"
    )
    upload(alice_client, checking)
    batch = ImportBatch.objects.get(user=alice)
    page = alice_client.get(reverse("banking:import-detail", args=[batch.pk]))
    assert b"Possible duplicates" in page.content and b"Link to the existing one" in page.content
    key = batch.meta["summary"]["possible"][0]["key"]
    alice_client.post(reverse("banking:import-commit", args=[batch.pk]), {f"d_{key}": "link"})
    typed.refresh_from_db()
    assert typed.fingerprint == key
    assert Transaction.objects.count() == 3


def test_rows_with_errors_are_listed_and_need_the_choice(alice_client, alice, checking):
    upload(
        alice_client, checking, b"Date,Payee,Amount\n2024-01-05,Shop,-3.50\n2024-01-06,Shop,oops\n"
    )
    batch = ImportBatch.objects.get(user=alice)
    page = alice_client.get(reverse("banking:import-detail", args=[batch.pk]))
    assert b"Rows with errors" in page.content and b"Import without the bad rows" in page.content
    response = alice_client.post(reverse("banking:import-commit", args=[batch.pk]), follow=True)
    assert b"could not be read" in response.content
    assert not Transaction.objects.exists()
    alice_client.post(reverse("banking:import-commit", args=[batch.pk]), {"skip_errors": "on"})
    batch.refresh_from_db()
    assert batch.added == 1
    page = alice_client.get(reverse("banking:import-detail", args=[batch.pk]))
    assert b"Skipped rows" in page.content and b"oops" in page.content


def test_status_endpoint_reports_progress(alice_client, alice, checking):
    upload(alice_client, checking)
    batch = ImportBatch.objects.get(user=alice)
    data = alice_client.get(reverse("banking:import-status", args=[batch.pk])).json()
    assert data["state"] == "preview"
    assert data["progress_done"] == data["progress_total"] == 3


def test_the_batch_page_of_a_background_import_shows_a_progress_bar(alice_client, alice, checking):
    upload(alice_client, checking)
    batch = ImportBatch.objects.get(user=alice)
    ImportBatch.objects.filter(pk=batch.pk).update(state=State.PROCESSING, progress_done=1)
    page = alice_client.get(reverse("banking:import-detail", args=[batch.pk]))
    assert b"<progress" in page.content and b"data-status-url" in page.content


def test_history_lists_batches_and_undo_asks_then_removes(alice_client, alice, checking):
    upload(alice_client, checking)
    batch = ImportBatch.objects.get(user=alice)
    alice_client.post(reverse("banking:import-commit", args=[batch.pk]))
    history = alice_client.get(reverse("banking:import-history"))
    assert b"statement.csv" in history.content

    edited = Transaction.objects.first()
    edited.payee = "Changed"
    edited.version = 2
    edited.save()
    confirm = alice_client.get(reverse("banking:import-undo", args=[batch.pk]))
    assert b"You changed 1 of them" in confirm.content
    # Which one, with a link to it; the others are not listed.
    assert list(confirm.context["changed"]) == [edited]
    assert reverse("ledger:transaction-edit", args=[edited.pk]).encode() in confirm.content
    assert b"css/imports" in confirm.content  # the warning's own style
    response = alice_client.post(reverse("banking:import-undo", args=[batch.pk]))
    assert response.status_code == 400
    assert Transaction.objects.count() == 3
    response = alice_client.post(
        reverse("banking:import-undo", args=[batch.pk]), {"confirm_edited": "on"}
    )
    assert response.status_code == 302
    assert not Transaction.objects.exists()
    batch.refresh_from_db()
    assert batch.state == State.UNDONE


def test_undo_lists_each_edited_row_in_its_own_accounts_currency(alice_client, alice, checking):
    two_accounts = (
        b"!Account\nNChecking\nTBank\n^\n!Type:Bank\nD01/02/2024\nT-10.00\nPShop\n^\n"
        b"!Account\nNSavings\nTBank\n^\n!Type:Bank\nD01/03/2024\nT50.00\nPInterest\n^\n"
    )
    euros = make_account(alice, name="Euro savings", type="savings", currency="EUR")
    batch = import_start(
        user=alice, account=checking, file=io.BytesIO(two_accounts), file_name="two.qif"
    )
    keys = [a["key"] for a in batch.meta["statement"]["accounts"]]
    import_preview(
        batch=batch, account_map={keys[0]: checking.pk, keys[1]: euros.pk}, date_order="mdy"
    )
    batch.refresh_from_db()
    import_commit(batch=batch)
    assert batch.account == checking  # the batch's own account is the dollar one
    Transaction.objects.filter(account=euros).update(notes="Mine", version=2)
    confirm = alice_client.get(reverse("banking:import-undo", args=[batch.pk])).content.decode()
    assert "You changed 1 of them" in confirm
    assert "€50.00" in confirm and "$50.00" not in confirm


def test_discard_drops_an_uncommitted_import(alice_client, alice, checking):
    upload(alice_client, checking)
    batch = ImportBatch.objects.get(user=alice)
    response = alice_client.post(reverse("banking:import-discard", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == State.DISCARDED
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("number_format", "total", "done"), [("en", "60,000", "2,000"), ("eu", "60.000", "2.000")]
)
def test_the_batch_page_of_a_large_commit_shows_a_moving_bar_until_rows_are_counted(
    alice_client, alice, checking, number_format, total, done
):
    Profile.objects.filter(user=alice).update(number_format=number_format)
    upload(alice_client, checking)
    batch = ImportBatch.objects.get(user=alice)
    batch.state = State.PROCESSING
    batch.meta["stage"] = "committing"
    batch.progress_done, batch.progress_total = 0, 60000
    batch.save()
    page = alice_client.get(reverse("banking:import-detail", args=[batch.pk])).content.decode()
    assert f"Saving about {total} rows in one go" in page  # grouped like every count
    assert '<progress id="import-progress">' in page  # no value: indeterminate
    batch.progress_done = 2000
    batch.save()
    page = alice_client.get(reverse("banking:import-detail", args=[batch.pk])).content.decode()
    assert f"{done} of about {total} rows" in page
    assert 'value="2000"' in page  # the bar's own numbers stay plain
    # The page's script rewrites the label as rows are saved, in the same format.
    group, decimal = total[2], "." if number_format == "en" else ","
    assert '<script id="number-format" type="application/json">' in page
    assert f'"group": "{group}", "decimal": "{decimal}"' in page


def test_history_has_an_empty_state(alice_client):
    response = alice_client.get(reverse("banking:import-history"))
    assert b"No imports yet" in response.content


PAGES = [
    ("banking:import", False),
    ("banking:import-history", False),
    ("banking:import-detail", True),
    ("banking:import-status", True),
    ("banking:import-mapping", True),
    ("banking:import-accounts", True),
    ("banking:import-undo", True),
]
POSTS = ["banking:import-commit", "banking:import-discard", "banking:import-mapping-preview"]


@pytest.fixture
def batch(alice_client, alice, checking) -> ImportBatch:
    upload(alice_client, checking)
    return ImportBatch.objects.get(user=alice)


@pytest.mark.parametrize("name", [n for n, _ in PAGES] + POSTS)
def test_every_page_needs_login(client, batch, name):
    args = [batch.pk] if name not in ("banking:import", "banking:import-history") else []
    response = (
        client.get(reverse(name, args=args))
        if name not in POSTS
        else client.post(reverse(name, args=args))
    )
    assert response.status_code == 302
    assert "/auth/" in response.url or "login" in response.url


@pytest.mark.parametrize("name", [n for n, needs in PAGES if needs] + POSTS)
def test_a_stranger_gets_404(bob_client, batch, name):
    url = reverse(name, args=[batch.pk])
    response = bob_client.post(url) if name in POSTS else bob_client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("name", POSTS)
def test_actions_refuse_get(alice_client, batch, name):
    assert alice_client.get(reverse(name, args=[batch.pk])).status_code == 405


@pytest.mark.parametrize("name", ["banking:import-status", "banking:import-detail"])
def test_read_only_pages_refuse_post(alice_client, batch, name):
    assert alice_client.post(reverse(name, args=[batch.pk])).status_code == 405


def test_the_import_page_refuses_delete(alice_client):
    assert alice_client.delete(reverse("banking:import")).status_code == 405


TWO_ACCOUNTS_QIF = (
    b"!Option:AutoSwitch\n!Account\nNChecking\nTBank\n^\nNSavings\nTBank\n^\n"
    b"!Clear:AutoSwitch\n"
    b"!Account\nNChecking\nTBank\n^\n!Type:Bank\nD2024-01-02\nT-10.00\nPShop\n^\n"
    b"!Account\nNSavings\nTBank\n^\n!Type:Bank\nD2024-01-03\nT50.00\nPInterest\n^\n"
)


def test_the_new_account_on_the_import_page_starts_in_the_base_currency(alice_client, alice):
    alice.profile.base_currency = "EUR"
    alice.profile.save()

    response = alice_client.get(reverse("banking:import"))

    assert response.context["form"]["new_account_currency"].value() == "EUR"


def test_accounts_made_for_a_statement_without_currencies_are_in_the_base_currency(
    alice_client, alice
):
    alice.profile.base_currency = "EUR"
    alice.profile.save()
    # Started without an account, as the API can; the page then asks where each one goes.
    batch = import_start(user=alice, file=io.BytesIO(TWO_ACCOUNTS_QIF), file_name="two.qif")
    assert len(batch.meta["statement"]["accounts"]) == 2

    response = alice_client.post(
        reverse("banking:import-accounts", args=[batch.pk]),
        {"acct_0": "new", "acct_1": "new", "date_order": "mdy"},
    )

    assert response.status_code == 302, response.content.decode()
    made = Account.objects.for_user(alice).order_by("name")
    assert [(a.name, a.currency) for a in made] == [("Checking", "EUR"), ("Savings", "EUR")]
