"""manage.py evaluate_categorizer on a user's history and on the shared labeled files."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.insights.synthetic import history
from tests.ledger.factories import make_transaction

LABELED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "labeled"


def run(*args) -> str:
    out = StringIO()
    call_command("evaluate_categorizer", *args, stdout=out)
    return out.getvalue()


def test_it_meets_the_target_on_a_user_with_500_categorized_transactions(
    alice, checking, categories
):
    for p, d, a, cat in history(520):
        make_transaction(checking, payee=p, description=d, amount=a, category=categories[cat])
    figures = json.loads(run("--user", "alice@example.com", "--json"))
    assert {"payee", "text", "learned", "cold", "pipeline"} <= set(figures)
    assert figures["learned"]["accuracy"] >= 0.9
    assert figures["learned"]["coverage"] >= 0.8


def test_the_text_report_has_per_category_precision_and_recall(alice, checking, categories):
    for p, d, a, cat in history(60):
        make_transaction(checking, payee=p, description=d, amount=a, category=categories[cat])
    text = run("--user", "alice@example.com", "--folds", "3")
    assert "learned: accuracy" in text
    assert "Groceries" in text and "precision" in text and "recall" in text


def test_cold_start_alone_on_the_users_history(alice, checking, categories):
    make_transaction(checking, payee="TESCO STORES 1", category=categories["Groceries"])
    make_transaction(checking, payee="NETFLIX.COM", category=categories["Entertainment"])
    make_transaction(checking, payee="MY LANDLORD", category=categories["Housing"])
    figures = json.loads(run("--user", "alice@example.com", "--cold", "--json"))
    assert list(figures) == ["cold"]
    assert figures["cold"]["accuracy"] == 1.0
    assert figures["cold"]["coverage"] == pytest.approx(2 / 3, abs=0.001)


def test_a_labeled_file_with_the_standard_columns(tmp_path):
    path = tmp_path / "labeled.csv"
    lines = ["payee,description,amount,category"]
    lines += [f"{p},{d},{a},{c}" for p, d, a, c in history(200)]
    path.write_text("\n".join(lines))
    figures = json.loads(run("--file", str(path), "--json"))
    assert figures["learned"]["accuracy"] >= 0.9


@pytest.mark.skipif(not LABELED.exists(), reason="the shared labeled data is not beside the repo")
def test_the_beancount_file_with_narration_column():
    figures = json.loads(run("--file", str(LABELED / "beancount_example_labeled.csv"), "--json"))
    assert figures["learned"]["n"] == 780
    assert figures["learned"]["accuracy"] >= 0.95


@pytest.mark.skipif(not LABELED.exists(), reason="the shared labeled data is not beside the repo")
def test_the_yassirawad_file_with_description_and_label_columns():
    path = LABELED / "yassirawad_bank-transaction-classifier_transactions.csv"
    figures = json.loads(run("--file", str(path), "--json"))
    # 451 rows over 44 overlapping labels: a few rows have corrupt amounts and are skipped.
    assert 440 <= figures["learned"]["n"] <= 451
    assert figures["learned"]["accuracy"] >= 0.9


def test_a_label_map_lets_the_cold_start_be_measured_on_a_files_own_labels(tmp_path):
    path = tmp_path / "labeled.csv"
    path.write_text(
        "payee,description,amount,label\n"
        "TESCO STORES 12,,-20.00,Expenses:Food:Groceries\n"
        "NETFLIX.COM,,-9.99,Expenses:Fun:Streaming\n"
        "CORNER DELI,,-5.00,Expenses:Food:Groceries\n"
        "ACME PAYROLL,SALARY NOV,2500.00,Income:Job\n"
    )
    labels = tmp_path / "map.csv"
    labels.write_text(
        "label,category\n"
        "Expenses:Food:Groceries,Groceries\n"
        "Expenses:Fun:Streaming,Subscriptions\n"
        "Income:Job,Salary\n"
    )
    unmapped = json.loads(run("--file", str(path), "--cold", "--json"))
    assert unmapped["cold"]["accuracy"] == 0.0  # its labels are not Billfold's names
    mapped = json.loads(run("--file", str(path), "--map", str(labels), "--cold", "--json"))
    # Tesco, Netflix and the payroll are known to the merchant book; the deli is not.
    assert mapped["cold"]["coverage"] == 0.75
    assert mapped["cold"]["accuracy"] == 1.0
    assert mapped["cold"]["accuracy_all"] == 0.75
    with_training = json.loads(run("--file", str(path), "--map", str(labels), "--json"))
    assert "pipeline" in with_training


def test_a_map_without_the_right_columns_or_without_a_file_is_a_plain_error(tmp_path, db):
    path = tmp_path / "labeled.csv"
    path.write_text("payee,amount,category\nX,-1,A\nY,-2,B\n")
    bad = tmp_path / "map.csv"
    bad.write_text("from,to\nA,Groceries\n")
    with pytest.raises(CommandError, match="label and category"):
        run("--file", str(path), "--map", str(bad))
    with pytest.raises(CommandError, match="No such file"):
        run("--file", str(path), "--map", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="goes with --file"):
        run("--user", "alice@example.com", "--map", str(bad))


def test_it_needs_a_user_or_a_file():
    with pytest.raises(CommandError, match="either"):
        run()


def test_an_unknown_user_is_a_plain_error(db):
    with pytest.raises(CommandError, match="No user"):
        run("--user", "nobody@example.com")
