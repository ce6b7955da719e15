"""manage.py import_statement."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from banking.models import ImportProfile
from ledger.models import Account, ImportBatch, Transaction
from tests.banking.test_importers_ofx import bank_stmt, card_stmt, spec_file, spec_trn
from tests.ledger.factories import make_account, make_transaction

CSV = "Date,Payee,Description,Amount\n2024-01-05,Coffee Shop,Latte,-3.50\n2024-01-05,Coffee Shop,Latte,-3.50\n2024-01-06,ACME,Salary,2500.00\n"
AMBIGUOUS = "Date,Payee,Amount\n01/02/2024,Shop,-3.50\n03/04/2024,Shop,-4.50\n"


@pytest.fixture
def statement(tmp_path):
    def write(text: str = CSV, name: str = "statement.csv"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_statement", *args, stdout=out)
    return out.getvalue()


def test_json_output_has_the_documented_shape(alice, checking, statement):
    payload = json.loads(
        run(statement(), "--user", alice.email, "--account", str(checking.pk), "--json")
    )
    assert set(payload) == {
        "account",
        "format",
        "profile",
        "added",
        "duplicates",
        "possible_duplicates",
        "errors",
        "transactions",
    }
    assert payload["account"] == checking.pk
    assert payload["format"] == "csv"
    assert (
        payload["added"],
        payload["duplicates"],
        payload["possible_duplicates"],
        payload["errors"],
    ) == (3, 0, 0, 0)
    assert payload["transactions"][0] == {
        "date": "2024-01-05",
        "amount": "-3.50",
        "payee": "Coffee Shop",
        "description": "Latte",
    }
    again = json.loads(
        run(statement(), "--user", alice.email, "--account", str(checking.pk), "--json")
    )
    assert (again["added"], again["duplicates"], again["transactions"]) == (0, 3, [])


def test_plain_output_prints_the_counts(alice, checking, statement):
    out = run(statement(), "--user", alice.email, "--account", str(checking.pk))
    assert "Added 3" in out and "already imported 0" in out


def test_new_account_is_created_with_type_and_currency(alice, statement):
    payload = json.loads(
        run(
            statement(),
            "--user",
            alice.email,
            "--new-account",
            "Wallet",
            "--type",
            "cash",
            "--currency",
            "eur",
            "--json",
        )
    )
    account = Account.objects.get(pk=payload["account"], user=alice)
    assert (account.name, account.type, account.currency) == ("Wallet", "cash", "EUR")
    assert Transaction.objects.filter(account=account).count() == 3


def test_dry_run_writes_nothing(alice, checking, statement):
    payload = json.loads(
        run(
            statement(), "--user", alice.email, "--account", str(checking.pk), "--dry-run", "--json"
        )
    )
    assert payload["added"] == 3 and len(payload["transactions"]) == 3
    assert not Transaction.objects.exists()
    assert not ImportBatch.objects.exists()


def test_dry_run_with_a_new_account_leaves_no_account(alice, statement):
    run(
        statement(),
        "--user",
        alice.email,
        "--new-account",
        "Tmp",
        "--type",
        "cash",
        "--currency",
        "USD",
        "--dry-run",
    )
    assert not Account.objects.filter(user=alice).exists()


def test_ambiguous_dates_are_named_in_the_error(alice, checking, statement):
    with pytest.raises(CommandError) as exc:
        run(statement(AMBIGUOUS), "--user", alice.email, "--account", str(checking.pk))
    assert "day/month" in str(exc.value)
    assert "01/02/2024 is 2 January 2024 or 1 February 2024" in str(exc.value)
    assert "--date-order dmy" in str(exc.value)
    assert not ImportBatch.objects.exists()


def test_date_order_answers_the_question(alice, checking, statement):
    payload = json.loads(
        run(
            statement(AMBIGUOUS),
            "--user",
            alice.email,
            "--account",
            str(checking.pk),
            "--date-order",
            "dmy",
            "--json",
        )
    )
    assert [t["date"] for t in payload["transactions"]] == ["2024-02-01", "2024-04-03"]


def test_a_saved_profile_can_be_named(alice, checking, statement):
    ImportProfile.objects.create(
        user=alice,
        name="My bank",
        header_signature="x",
        mapping={"date": 0, "date_format": "%d/%m/%Y", "amount": 2, "payee": 1},
    )
    payload = json.loads(
        run(
            statement(AMBIGUOUS),
            "--user",
            alice.email,
            "--account",
            str(checking.pk),
            "--profile",
            "my bank",
            "--json",
        )
    )
    assert payload["profile"] == "My bank"
    assert payload["transactions"][0]["date"] == "2024-02-01"


def test_an_unknown_profile_is_an_error(alice, checking, statement):
    with pytest.raises(CommandError, match="no saved or built-in profile"):
        run(statement(), "--user", alice.email, "--account", str(checking.pk), "--profile", "Nope")


def test_possible_duplicates_are_skipped_by_default_and_can_be_imported(alice, checking, statement):
    import datetime

    make_transaction(checking, amount="-3.50", date=datetime.date(2024, 1, 4), payee="coffee shop")
    payload = json.loads(
        run(statement(), "--user", alice.email, "--account", str(checking.pk), "--json")
    )
    assert (payload["added"], payload["possible_duplicates"]) == (2, 1)
    payload = json.loads(
        run(
            statement(),
            "--user",
            alice.email,
            "--account",
            str(checking.pk),
            "--possible-duplicates",
            "import",
            "--json",
        )
    )
    assert payload["added"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody@example.com", "--account", "1"], "No user"),
        (["--user", "alice@example.com", "--new-account", "X"], "--type and --currency"),
    ],
)
def test_bad_arguments_are_clear_errors(alice, statement, args, message):
    with pytest.raises(CommandError, match=message):
        run(statement(), *args)


def test_someone_elses_account_is_refused(alice, bob_account, statement):
    with pytest.raises(CommandError, match="has no account"):
        run(statement(), "--user", alice.email, "--account", str(bob_account.pk))


def test_a_bad_file_is_a_clear_error(alice, checking, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(CommandError, match="image"):
        run(str(path), "--user", alice.email, "--account", str(checking.pk))
    assert not ImportBatch.objects.exists()


def test_bad_rows_need_the_flag(alice, checking, statement):
    text = "Date,Payee,Amount\n2024-01-05,Shop,-3.50\n2024-01-06,Shop,oops\n"
    with pytest.raises(CommandError, match="could not be read"):
        run(statement(text), "--user", alice.email, "--account", str(checking.pk))
    assert not Transaction.objects.exists()
    payload = json.loads(
        run(
            statement(text),
            "--user",
            alice.email,
            "--account",
            str(checking.pk),
            "--skip-bad-rows",
            "--json",
        )
    )
    assert (payload["added"], payload["errors"]) == (1, 1)


# -- files with several accounts ------------------------------------------------------------


@pytest.fixture
def two_accounts(tmp_path):
    """An OFX file with a savings account (111, two rows) and a card (4111, one row)."""
    path = tmp_path / "download.ofx"
    path.write_bytes(
        spec_file(
            bank_stmt(
                spec_trn("1500.00", fitid="B1", payee="<NAME>Salary", trntype="CREDIT")
                + spec_trn("-3.50", fitid="B2", payee="<NAME>Coffee")
            ),
            card_stmt(spec_trn("-7.25", fitid="C1", payee="<NAME>Cinema")),
        )
    )
    return str(path)


@pytest.fixture
def eur_accounts(alice):
    return (
        make_account(alice, name="Savings", currency="EUR"),
        make_account(alice, name="Visa", type="credit_card", currency="EUR"),
    )


def test_a_file_with_several_accounts_names_them_and_how_to_map_them(
    alice, eur_accounts, two_accounts
):
    savings, _ = eur_accounts
    with pytest.raises(CommandError) as exc:
        run(two_accounts, "--user", alice.email, "--account", str(savings.pk))
    message = str(exc.value)
    assert (
        "The file has 2 accounts: “111” (EUR, savings, 2 rows), “4111” (EUR, credit card, 1 row)"
        in message
    )
    assert '--account-map "111=ID" --account-map "4111=ID"' in message
    assert "import page" not in message
    assert not ImportBatch.objects.exists()
    assert not Transaction.objects.exists()


def test_account_map_imports_each_account_of_the_file_into_its_own(
    alice, eur_accounts, two_accounts
):
    savings, visa = eur_accounts
    args = [two_accounts, "--user", alice.email, "--account-map", f"111={savings.pk}"]
    args += ["--account-map", f"4111={visa.pk}"]
    payload = json.loads(run(*args, "--json"))
    assert set(payload) == {
        "account",
        "format",
        "profile",
        "added",
        "duplicates",
        "possible_duplicates",
        "errors",
        "transactions",
    }
    assert (payload["format"], payload["added"], payload["errors"]) == ("ofx", 3, 0)
    assert payload["account"] in (savings.pk, visa.pk)
    assert sorted(t["payee"] for t in payload["transactions"]) == ["Cinema", "Coffee", "Salary"]
    assert sorted(Transaction.objects.filter(account=savings).values_list("payee", flat=True)) == [
        "Coffee",
        "Salary",
    ]
    assert list(Transaction.objects.filter(account=visa).values_list("payee", flat=True)) == [
        "Cinema"
    ]
    again = run(*args)
    assert f"into accounts {savings.pk}, {visa.pk}: Added 0, already imported 3" in again


def test_account_map_can_leave_an_account_out_but_must_name_each(alice, eur_accounts, two_accounts):
    savings, _ = eur_accounts
    with pytest.raises(CommandError) as exc:
        run(two_accounts, "--user", alice.email, "--account-map", f"111={savings.pk}")
    assert "does not say where “4111” goes" in str(exc.value)
    assert not ImportBatch.objects.exists()
    payload = json.loads(
        run(
            two_accounts,
            "--user",
            alice.email,
            "--account-map",
            f"111={savings.pk}",
            "--account-map",
            "4111=skip",
            "--json",
        )
    )
    assert (payload["account"], payload["added"]) == (savings.pk, 2)
    assert Transaction.objects.filter(user=alice).count() == 2


def test_account_map_with_a_dry_run_saves_nothing(alice, eur_accounts, two_accounts):
    savings, visa = eur_accounts
    payload = json.loads(
        run(
            two_accounts,
            "--user",
            alice.email,
            "--account-map",
            f"111={savings.pk}",
            "--account-map",
            f"4111={visa.pk}",
            "--dry-run",
            "--json",
        )
    )
    assert payload["added"] == 3 and payload["dry_run"] is True
    assert not Transaction.objects.exists()
    assert not ImportBatch.objects.exists()


def test_the_multi_account_sample_imports_from_the_command(alice, statements):
    bank, checking = make_account(alice), make_account(alice)
    path = str(statements / "qif/gnucash_canada.qif")
    args = [path, "--user", alice.email, "--account-map", f"canadian bank={bank.pk}"]
    args += ["--account-map", f"Dave's Checking={checking.pk}", "--json"]
    payload = json.loads(run(*args))
    assert payload["added"] == 5
    assert Transaction.objects.filter(account=bank).count() == 2
    assert Transaction.objects.filter(account=checking).count() == 3
    assert json.loads(run(*args))["added"] == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--account-map", "111"], "give KEY=ID"),
        (["--account-map", "111=savings"], "give KEY=ID"),
        (["--account-map", "111={savings}", "--account-map", "111={visa}"], "“111” twice"),
        (["--account-map", "111={savings}", "--account-map", "999={visa}"], "no account “999”"),
        (["--account-map", "111={bob}", "--account-map", "4111=skip"], "has no account with id"),
        (["--account-map", "111={usd}", "--account-map", "4111=skip"], "is in EUR"),
        (["--account-map", "111=skip", "--account-map", "4111=skip"], "at least one account"),
        (
            ["--new-account", "X", "--type", "cash", "--currency", "EUR", "--account-map", "1=2"],
            "does not go with --new-account",
        ),
        ([], "Say where the rows go"),
    ],
)
def test_bad_account_maps_are_clear_errors(
    alice, bob_account, checking, eur_accounts, two_accounts, extra, message
):
    savings, visa = eur_accounts
    ids = {"savings": savings.pk, "visa": visa.pk, "bob": bob_account.pk, "usd": checking.pk}
    with pytest.raises(CommandError) as exc:
        run(two_accounts, "--user", alice.email, *[e.format(**ids) for e in extra])
    assert message in str(exc.value)
    assert not ImportBatch.objects.exists()
    assert not Transaction.objects.exists()


def test_account_map_is_not_for_a_csv(alice, checking, statement):
    with pytest.raises(CommandError, match="a CSV file goes into --account"):
        run(statement(), "--user", alice.email, "--account-map", f"x={checking.pk}")
    assert not ImportBatch.objects.exists()
