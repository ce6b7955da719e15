"""Journey of a statement import: upload a bank CSV, map its columns with a live preview,
commit, re-import the same file (nothing added), undo the batch; and a statement large enough
to be checked and saved by a real worker process, with the page following its progress."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.screenshots import shoot

pytestmark = pytest.mark.e2e

# A generic export: one signed amount column, and dates that read both as month/day and as
# day/month, so the mapping screen has a question to ask.
STATEMENT = (
    "Date,Description,Amount\r\n"
    "03/04/2025,TRADER JOE'S #552,-54.21\r\n"
    "03/07/2025,PAYROLL ACME CORP,2400.00\r\n"
    "03/11/2025,SHELL OIL 57442,-38.90\r\n"
)
FILE = {"name": "march-statement.csv", "mimeType": "text/csv", "buffer": STATEMENT.encode()}


def upload(page) -> None:
    page.goto(reverse("banking:import"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a statement")
    page.get_by_label("Into account").select_option(label="Everyday checking (USD)")
    page.locator("input[type=file]").set_input_files(FILE)
    expect(page.locator("[data-dropzone-name]")).to_have_text("march-statement.csv")
    page.get_by_role("button", name="Upload and check").click()


def counts(page) -> dict[str, str]:
    """The number cards of the batch page, by their heading."""
    cards = page.locator(".counts .card")
    return {
        cards.nth(i).locator("h2").inner_text().strip(): cards.nth(i)
        .locator(".count")
        .inner_text()
        .strip()
        for i in range(cards.count())
    }


def test_a_bank_csv_is_mapped_previewed_committed_reimported_and_undone(
    signed_in_page, checking, live_server
) -> None:
    page = signed_in_page
    upload(page)

    # The dates are ambiguous: the mapping screen asks, and its preview follows the answer.
    page.wait_for_url("**/import/*/mapping/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Map the columns")
    main = page.locator("main")
    expect(main).to_contain_text("march-statement.csv")
    expect(main).to_contain_text("into Everyday checking")
    expect(page.get_by_role("status").filter(has_text="Please check")).to_contain_text("month/day")
    expect(page.get_by_label("Date", exact=True).locator("option:checked")).to_have_text("1. Date")
    preview = page.locator("[data-mapping-preview] tbody tr")
    expect(preview).to_have_count(3)
    page.get_by_label("Date format").select_option(label="DD/MM/YYYY")
    expect(preview.nth(1)).to_contain_text("3 Jul 2025")
    page.get_by_label("Date format").select_option(label="MM/DD/YYYY")
    expect(preview.nth(1)).to_contain_text("7 Mar 2025")
    expect(preview.nth(0)).to_contain_text("4 Mar 2025")
    expect(preview.nth(0).locator(".amount").first).to_have_text("-54.21")
    expect(preview.nth(1).locator(".amount").first).to_have_text("2400.00")
    shoot(page, "import-mapping")
    page.get_by_label("Save as profile").fill("My credit union")
    page.get_by_role("button", name="Continue").click()

    # The batch preview: three new, nothing already there; then commit.
    page.wait_for_url(re.compile(r".*/import/\d+/$"))
    assert counts(page) == {
        "New": "3",
        "Already imported": "0",
        "Possible duplicates": "0",
        "Rows with errors": "0",
    }
    new_rows = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="New transactions")
    )
    expect(new_rows.locator("tbody tr")).to_have_count(3)
    expect(new_rows).to_contain_text("SHELL OIL 57442")
    shoot(page, "import-preview")
    page.get_by_role("button", name="Import 3 transactions").click()

    expect(page.get_by_role("status").filter(has_text="Imported")).to_contain_text(
        "Imported 3 transactions."
    )
    assert counts(page)["Added"] == "3"
    expect(page.locator("[data-state-label]")).to_have_text("Imported")
    first_batch = page.url
    shoot(page, "import-done")

    page.goto(reverse("ledger:transaction-list"))
    rows = page.locator("table.transactions tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator(".totals")).to_contain_text("In $2,400.00")
    expect(page.locator(".totals")).to_contain_text("Net $2,306.89")

    # The same file again: the saved profile maps it, and every row is already there.
    upload(page)
    page.wait_for_url(re.compile(r".*/import/\d+/$"))
    expect(page.locator("main")).to_contain_text("Recognised: My credit union")
    assert counts(page)["New"] == "0"
    assert counts(page)["Already imported"] == "3"
    page.get_by_role("button", name="Import 0 transactions").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_contain_text(
        "Imported 0 transactions."
    )
    page.goto(reverse("ledger:transaction-list"))
    expect(page.locator("table.transactions tbody tr")).to_have_count(3)

    # Undo the first batch, after its confirmation page.
    page.goto(first_batch)
    page.get_by_role("link", name="Undo this import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Undo this import?")
    expect(page.locator("main")).to_contain_text("This removes the 3 transactions imported")
    shoot(page, "import-undo")
    # Automatic categorization after the import is not the user's edit: no extra question.
    expect(page.get_by_label("Remove them anyway, with my changes")).to_have_count(0)
    page.get_by_role("button", name="Undo import").click()
    expect(page.get_by_role("status").filter(has_text="Undone")).to_contain_text(
        "removed 3 transactions"
    )
    expect(page.locator("[data-state-label]")).to_have_text("Undone")
    page.goto(reverse("ledger:transaction-list"))
    expect(page.get_by_role("heading", name="No transactions yet")).to_be_visible()


def test_undoing_an_untouched_import_asks_nothing_more(signed_in_page, e2e_user, checking) -> None:
    import io

    from banking.services.imports import import_commit, import_start

    # Unambiguous dates: the file goes straight to its preview, then is committed as is.
    statement = STATEMENT.replace("03/04/2025", "2025-03-04").replace("03/07/2025", "2025-03-07")
    statement = statement.replace("03/11/2025", "2025-03-11")
    batch = import_start(
        user=e2e_user,
        file=io.BytesIO(statement.encode()),
        file_name="march.csv",
        account=checking,
    )
    batch.refresh_from_db()
    if batch.state != "preview":
        pytest.fail(f"the import did not reach its preview: {batch.state} {batch.meta}")
    import_commit(batch=batch)

    page = signed_in_page
    page.goto(reverse("banking:import-undo", args=[batch.pk]))
    if page.get_by_role("heading", level=1).inner_text() != "Undo this import?":
        pytest.fail("the undo confirmation page did not open")
    expect(page.locator("main")).not_to_contain_text("You changed")
    expect(page.get_by_label("Remove them anyway, with my changes")).to_have_count(0)


def test_a_background_import_shows_its_progress_without_a_reload(
    signed_in_page, e2e_user, checking
) -> None:
    from ledger.models import ImportBatch

    batch = ImportBatch.objects.create(
        user=e2e_user,
        account=checking,
        file_name="year.csv",
        format="csv",
        state=ImportBatch.State.PROCESSING,
        progress_total=60000,
        meta={"stage": "committing"},
    )
    page = signed_in_page
    page.goto(reverse("banking:import-detail", args=[batch.pk]))
    label = page.locator("[data-progress-label]")
    # Saving, with nothing counted yet (SQLite cannot show the count before the end).
    expect(label).to_have_text("Saving about 60,000 rows in one go…")
    page.evaluate("window.notReloaded = true")

    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=20000)
    expect(label).to_have_text("20,000 of about 60,000 rows")
    expect(page.locator("progress")).to_have_js_property("value", 20000)
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=45000)
    expect(label).to_have_text("45,000 of about 60,000 rows")
    shoot(page, "import-progress")
    if page.evaluate("window.notReloaded") is not True:
        pytest.fail("the page reloaded to show the progress")

    # Finished: the page moves on to the batch's result by itself.
    ImportBatch.objects.filter(pk=batch.pk).update(
        state=ImportBatch.State.FAILED, meta={"failure": "The database refused a row (test)."}
    )
    expect(page.get_by_role("heading", name="This import stopped")).to_be_visible()
    shoot(page, "import-progress-finished")


def test_the_progress_counts_follow_the_users_number_format(
    signed_in_page, e2e_user, checking
) -> None:
    from accounts.models import Profile
    from ledger.models import ImportBatch

    Profile.objects.filter(user=e2e_user).update(number_format="eu")
    batch = ImportBatch.objects.create(
        user=e2e_user,
        account=checking,
        file_name="year.csv",
        format="csv",
        state=ImportBatch.State.PROCESSING,
        progress_done=1500,
        progress_total=60000,
    )
    page = signed_in_page
    page.goto(reverse("banking:import-detail", args=[batch.pk]))
    label = page.locator("[data-progress-label]")
    expect(label).to_have_text("1.500 of about 60.000 rows")  # from the page
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=20000)
    expect(label).to_have_text("20.000 of about 60.000 rows")  # from the page's script
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=0, meta={"stage": "committing"})
    expect(label).to_have_text("Saving about 60.000 rows in one go…")


def test_a_large_statement_is_checked_and_imported_by_the_worker(
    signed_in_page, e2e_user, checking, worker
) -> None:
    from django.conf import settings

    rows = settings.IMPORT_BACKGROUND_ROWS + 500  # more than the page does while you wait
    lines = ["Date,Description,Amount"]
    for i in range(rows):
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=i % 365)
        lines.append(f"{day.isoformat()},FARMSTAND {i:05d},-{1 + i % 90}.{i % 100:02d}")
    statement = ("\r\n".join(lines) + "\r\n").encode()
    expected_net = sum(Decimal(line.rsplit(",", 1)[1]) for line in lines[1:])

    page = signed_in_page
    page.goto(reverse("banking:import"))
    page.get_by_label("Into account").select_option(label="Everyday checking (USD)")
    page.locator("input[type=file]").set_input_files(
        {"name": "year.csv", "mimeType": "text/csv", "buffer": statement}
    )
    page.get_by_role("button", name="Upload and check").click()

    # Checking the file is the worker's job; the page follows it and moves on by itself.
    page.wait_for_url(re.compile(r".*/import/\d+/$"))
    expect(page.locator("main")).to_contain_text("This runs in the background")
    expect(page.get_by_role("heading", name="Checking the file…")).to_be_visible()
    # The count, first from the page, then from the polls ("1,234 of about 5,500 rows").
    expect(page.locator("[data-progress-label]")).to_contain_text(
        re.compile(rf"of about {rows:,} rows".replace(",", ",?"))
    )
    expect(page.locator("[data-state-label]")).to_have_text("Ready to review", timeout=60_000)
    assert counts(page) == {
        "New": f"{rows:,}",  # grouped like every count
        "Already imported": "0",
        "Possible duplicates": "0",
        "Rows with errors": "0",
    }

    # Saving is the worker's job too.
    page.get_by_role("button", name=f"Import {rows:,} transactions").click()
    expect(page.get_by_role("heading", name="Importing…")).to_be_visible()
    expect(page.locator("[data-state-label]")).to_have_text("Imported", timeout=60_000)
    assert counts(page)["Added"] == f"{rows:,}"
    worker.wait_until_idle()
    assert worker.processed().count("banking.tasks.import_process") == 2, worker.output()

    page.goto(reverse("ledger:transaction-list"))
    totals = page.locator(".totals")
    expect(totals).to_contain_text(f"USD · {rows:,} transactions")
    expect(totals).to_contain_text(f"Net -${-expected_net:,.2f}")
