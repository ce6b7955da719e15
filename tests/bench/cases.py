"""The benchmarks. Each takes the run context and returns Results; targets from DESIGN.md."""

import datetime
import json
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.bench.data import BIG_USER, SMALL_USER, Scale
from tests.bench.harness import ROOT, Result, measure, summarize


@dataclass
class Context:
    scale: Scale
    repeat: int
    load_seconds: int


def _client(user_id: int) -> Client:
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def _page(
    name: str, client: Client, url: str, ctx: Context, target: float | None, **headers
) -> Result:
    def get() -> None:
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)

    get()  # the first request of a session also saves the session: count a steady one
    queries = _queries(get)
    median, spread = summarize(measure(get, repeat=ctx.repeat))
    return Result(
        name, median, spread, "ms", target, notes=f"{queries} queries", extra={"queries": queries}
    )


def transactions_pages(ctx: Context) -> list[Result]:
    client = _client(BIG_USER)
    big = f"{ctx.scale.big // 1000}k"
    return [
        _page(f"transactions page, user with {big}", client, "/transactions/", ctx, 50),
        _page(
            f"transactions page filtered (q + month), user with {big}",
            client,
            "/transactions/?q=coffee&period=last-year",
            ctx,
            50,
        ),
        _page(
            f"API transactions page of 50, user with {big}", client, "/api/v1/transactions", ctx, 50
        ),
    ]


def bulk_api_create(ctx: Context) -> list[Result]:
    from ledger.models import Account, Transaction

    client = _client(SMALL_USER)
    account = Account.objects.filter(user_id=SMALL_USER).first()
    rows = [
        {
            "account": account.pk,
            "date": (datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 300)).isoformat(),
            "amount": f"-{(i % 90) + 1}.25",
            "payee": f"Bulk payee {i}",
        }
        for i in range(1000)
    ]
    body = json.dumps({"transactions": rows})

    def create() -> None:
        response = client.post("/api/v1/transactions/bulk", body, content_type="application/json")
        assert response.status_code in (200, 201), response.content[:300]
        Transaction.objects.filter(user_id=SMALL_USER, payee__startswith="Bulk payee").delete()

    median, spread = summarize(measure(create, repeat=max(3, ctx.repeat // 3), warmup=1))
    return [Result("API bulk create of 1,000 transactions (+ cleanup)", median, spread, "ms")]


def dashboard(ctx: Context) -> list[Result]:
    from accounts.models import User
    from insights.periods import current_pay_month, shift
    from insights.selectors import months_build

    results = []
    times = {}
    for user_id, label in (
        (BIG_USER, f"{ctx.scale.big // 1000}k"),
        (SMALL_USER, f"{ctx.scale.small // 1000}k"),
    ):
        client = _client(user_id)
        cache.clear()
        client.get("/")  # warm the month aggregates
        result = _page(f"dashboard (warm), user with {label}", client, "/", ctx, 60)
        result.extra["queries"] <= 12 or setattr(result, "notes", result.notes + " (over 12!)")
        times[user_id] = result.median
        results.append(result)

        def cold(client=client) -> None:
            cache.clear()
            client.get("/")

        median, spread = summarize(measure(cold, repeat=max(5, ctx.repeat // 2)))
        results.append(
            Result(
                f"dashboard (cold cache: 12 months rebuilt), user with {label}",
                median,
                spread,
                "ms",
            )
        )

        # The raw SQL of the same 12-month aggregate, timed with the database alone.
        user = User.objects.get(pk=user_id)
        start, _, _ = current_pay_month(user)
        starts = [shift(start, -i) for i in range(12)]
        sql_times = []
        for _ in range(ctx.repeat):
            with CaptureQueriesContext(connection) as captured:
                months_build(user_id=user_id, starts=starts)
            sql_times.append(sum(float(q["time"]) for q in captured.captured_queries))
        median, spread = summarize(sql_times)
        results.append(
            Result(f"  raw SQL of the 12-month aggregates, user with {label}", median, spread, "ms")
        )
    ratio = times[BIG_USER] / times[SMALL_USER]
    results.append(
        Result("dashboard time ratio big/small user (warm)", round(ratio, 2), 0.0, "x", 1.5)
    )
    return results


def bank_sync(ctx: Context) -> list[Result]:
    from django.conf import settings

    from accounts.models import User
    from banking.services.sync import bank_accounts_map, bank_item_connect, bank_item_sync
    from tests.banking.plaid_standin import CLIENT_ID, SECRET, PlaidStandIn, plaid_transaction

    count = 10_000 if ctx.scale.total >= 100_000 else 1_000
    user = User.objects.get(pk=SMALL_USER)
    times = []
    with PlaidStandIn() as plaid:
        settings.PLAID_CLIENT_ID, settings.PLAID_SECRET, settings.PLAID_HOST = (
            CLIENT_ID,
            SECRET,
            plaid.url,
        )
        settings.PLAID_SYNC_PAGE_SIZE = count // 20
        for run in range(3):
            public, remote = plaid.new_item()
            for n in range(count):
                plaid.add(
                    remote,
                    plaid_transaction(
                        transaction_id=f"r{run}-t{n}",
                        account_id="acc-checking" if n % 3 else "acc-card",
                        amount=f"{(n % 200) + 1}.{n % 100:02d}",
                        date=f"2026-{(n % 10) + 1:02d}-{(n % 27) + 1:02d}",
                        name=f"MERCHANT {n % 500}",
                        merchant_name=f"Merchant {n % 500}",
                        pfc_detailed="FOOD_AND_DRINK_GROCERIES",
                    ),
                )
            item = bank_item_connect(user=user, provider_name="plaid", public_token=public)
            bank_accounts_map(
                user=user, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
            )
            start = time.perf_counter()
            result = bank_item_sync(item_id=item.pk)
            times.append(time.perf_counter() - start)
            assert result.added == count and not result.error, result
            from banking.services.sync import bank_item_remove

            bank_item_remove(user=user, item=item, delete_transactions=True)
    median, spread = summarize(times, scale=1)
    return [
        Result(
            f"bank sync of {count:,} transactions in 20 pages (stand-in)",
            median,
            spread,
            "s",
            5 if count == 10_000 else None,
        )
    ]


def rules_throughput(ctx: Context) -> list[Result]:
    """The big user's 200 rules over all 100k of their transactions, in memory."""
    from accounts.models import User
    from ledger.models import Transaction
    from ledger.services.rules import rules_compile

    ruleset = rules_compile(user=User.objects.get(pk=BIG_USER))
    rows = list(
        Transaction.objects.filter(user_id=BIG_USER).values_list(
            "payee", "description", "notes", "amount", "account_id"
        )
    )

    def run() -> None:
        evaluate = ruleset.evaluate
        for payee, description, notes, amount, account_id in rows:
            evaluate(
                payee=payee,
                description=description,
                notes=notes,
                amount=amount,
                account_id=account_id,
            )

    median_s, spread_s = summarize(measure(run, repeat=3, warmup=1), scale=1)
    rate = round(len(rows) / median_s)
    return [
        Result(
            f"rules: {len(ruleset)} rules over {len(rows):,} transactions",
            rate,
            round(rate * spread_s / median_s),
            "txn/s",
            50_000,
            direction="min",
        )
    ]


def _write_csv(path, rows: int, *, seed: int, start_day: datetime.date) -> None:
    import random

    rng = random.Random(seed)
    merchants = [
        "WHOLEFDS MKT",
        "STARBUCKS",
        "SHELL OIL",
        "AMZN Mktp US",
        "UBER *TRIP",
        "TARGET",
        "CHIPOTLE",
        "NETFLIX.COM",
        "CVS/PHARMACY",
        "TRADER JOE S",
    ]
    with open(path, "w", newline="") as f:
        f.write("Date,Description,Amount\n")
        for i in range(rows):
            day = start_day + datetime.timedelta(days=i * 1000 // max(rows, 1))
            amount = Decimal(rng.randint(100, 20000)) / 100
            f.write(f"{day:%Y-%m-%d},{rng.choice(merchants)} #{i % 977},-{amount}\n")


def _import(path, account_id: int) -> dict:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "import_statement",
        str(path),
        "--user",
        f"user{BIG_USER}@bench.invalid",
        "--account",
        str(account_id),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


COPY_SQL = (
    "COPY bench_copy (id, user_id, account_id, date, amount, payee, description, notes, "
    "status, source, fingerprint, categorized_by, version, created_at, updated_at) FROM STDIN"
)


# The same columns into the real table, its own sequence giving the ids.
TABLE_COPY_SQL = COPY_SQL.replace("bench_copy (id, ", "ledger_transaction (")


def _copy_rows(path, account) -> list[tuple]:
    """The rows of a generated statement, as the import would store them."""
    import csv
    import hashlib

    from django.utils import timezone

    now = timezone.now()
    rows = []
    with open(path, newline="") as f:
        for n, (day, description, amount) in enumerate(list(csv.reader(f))[1:], start=1):
            digest = hashlib.sha256(f"{account.pk}{day}{amount}{description}{n}".encode())
            rows.append(
                (
                    10_000_000 + n,
                    account.user_id,
                    account.pk,
                    day,
                    amount,
                    description,
                    description,
                    "",
                    "cleared",
                    "file",
                    digest.hexdigest(),
                    "",
                    1,
                    now,
                    now,
                )
            )
    return rows


def statement_import(ctx: Context) -> list[Result]:
    """CSV imports into the big user's account (1M rows in the database): new, then again."""
    import subprocess
    import sys

    from django.conf import settings

    from ledger.models import Account, Transaction

    folder = settings.VAR_DIR / "bench-files"
    folder.mkdir(parents=True, exist_ok=True)
    small, large = (10_000, 100_000) if ctx.scale.total >= 100_000 else (1_000, 5_000)
    results = []
    for rows in (small, large):
        path = folder / f"statement-{rows}.csv"
        _write_csv(path, rows, seed=rows, start_day=datetime.date(2031, 1, 1))
        account = Account.objects.create(
            user_id=BIG_USER, name=f"Bench import {rows}", currency="USD"
        )
        try:
            first_times, again_times = [], []
            for _ in range(3 if rows == small else 2):
                start = time.perf_counter()
                first = _import(path, account.pk)
                first_times.append(time.perf_counter() - start)
                assert first["added"] == rows, first
                start = time.perf_counter()
                again = _import(path, account.pk)
                again_times.append(time.perf_counter() - start)
                assert again["added"] == 0, again
                Transaction.objects.filter(account=account).delete()
            target_new = 1 if rows == 10_000 else 10 if rows == 100_000 else None
            median, spread = summarize(first_times, scale=1)
            results.append(
                Result(
                    f"import {rows:,}-row CSV (parse, dedupe, rules, insert)",
                    median,
                    spread,
                    "s",
                    target_new,
                )
            )
            median_again, spread_again = summarize(again_times, scale=1)
            results.append(
                Result(
                    f"import the same {rows:,} rows again (all duplicates)",
                    median_again,
                    spread_again,
                    "s",
                    1 if rows == 10_000 else None,
                )
            )
            if rows == large:
                copy_times = []
                rows_for_copy = _copy_rows(path, account)
                for _ in range(3):
                    with connection.cursor() as cursor:
                        # The same rows into a table shaped and indexed like the real one.
                        cursor.execute(
                            "CREATE TEMP TABLE bench_copy "
                            "(LIKE ledger_transaction INCLUDING DEFAULTS INCLUDING INDEXES)"
                        )
                        start = time.perf_counter()
                        with cursor.cursor.copy(COPY_SQL) as copy:
                            for row in rows_for_copy:
                                copy.write_row(row)
                        copy_times.append(time.perf_counter() - start)
                        cursor.execute("DROP TABLE bench_copy")
                copy_median, copy_spread = summarize(copy_times, scale=1)
                results.append(
                    Result(
                        f"  PostgreSQL COPY of the same {rows:,} rows",
                        copy_median,
                        copy_spread,
                        "s",
                        notes="into a temporary look-alike: no WAL, no foreign keys",
                    )
                )
                results.append(
                    Result(
                        f"import {rows:,} rows / COPY of them",
                        round(median / copy_median, 2),
                        0.0,
                        "x",
                        3,
                    )
                )
                # The same COPY into the real table, committed: the write the import itself
                # must make (WAL, and a foreign-key check per row and key at commit).
                table_times = []
                for _ in range(3):
                    start = time.perf_counter()
                    with (
                        transaction.atomic(),
                        connection.cursor() as cursor,
                        cursor.cursor.copy(TABLE_COPY_SQL) as copy,
                    ):
                        for row in rows_for_copy:
                            copy.write_row(row[1:])
                    table_times.append(time.perf_counter() - start)
                    Transaction.objects.filter(account=account).delete()
                table_median, table_spread = summarize(table_times, scale=1)
                results.append(
                    Result(
                        f"  PostgreSQL COPY of the same {rows:,} rows into the table, committed",
                        table_median,
                        table_spread,
                        "s",
                    )
                )
                results.append(
                    Result(
                        f"import {rows:,} rows / COPY of them into the table",
                        round(median / table_median, 2),
                        0.0,
                        "x",
                    )
                )
        finally:
            account.delete()

    # Peak memory of a whole import in a process of its own (streaming keeps it flat).
    huge = 1_000_000 if ctx.scale.total >= 1_000_000 else 20_000
    path = folder / f"statement-{huge}.csv"
    _write_csv(path, huge, seed=3, start_day=datetime.date(2040, 1, 1))
    account = Account.objects.create(user_id=BIG_USER, name="Bench import huge", currency="USD")
    try:
        # Plain output: --json would also list every row of the run, which is not what
        # streaming a large file costs.
        script = (
            "import django; django.setup();"
            "from io import StringIO; from django.core.management import call_command;"
            "from tests.bench.harness import peak_rss_mb;"
            f"call_command('import_statement', {str(path)!r}, '--user', 'user{BIG_USER}@bench.invalid',"
            f" '--account', '{account.pk}', stdout=StringIO());"
            "print(peak_rss_mb())"
        )
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
        )
        if run.returncode:
            raise RuntimeError(run.stderr[-1500:])
        elapsed = time.perf_counter() - start
        rss = float(run.stdout.strip().splitlines()[-1])
        added = Transaction.objects.filter(account=account).count()
        assert added == huge, (added, huge)
        data = {"rss": rss}
        results.append(
            Result(
                f"import {huge:,}-row CSV: peak memory of its process",
                round(data["rss"], 1),
                0.0,
                "MB",
                300 if huge == 1_000_000 else None,
                notes=f"took {elapsed:.1f} s",
            )
        )
    finally:
        Transaction.objects.filter(account=account).delete()
        account.delete()
        # A million rows deleted: clean up so the benchmarks after this one are not slowed.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE ledger_transaction")
    return results


def classifier_throughput(ctx: Context) -> list[Result]:
    """The learned classifier of insights: trained on 10k of the big user's categorized
    transactions, then guessing the category of 10k others (as an import would). The
    model's per-text cache starts empty in every timed run."""
    from insights.classifier import WEIGHTS, Example, Model, Predictor
    from insights.merchants import merchant_book
    from ledger.models import Category, Transaction

    rows = list(
        Transaction.objects.filter(user_id=BIG_USER, category__isnull=False, transfer__isnull=True)
        .order_by("id")
        .values_list("payee", "description", "amount", "category_id", "categorized_by")[:20_000]
    )
    half = min(10_000, len(rows) // 2)
    train, test = rows[:half], rows[half : half * 2]
    examples = [Example(p or "", d or "", a, c, WEIGHTS.get(by, 1.0)) for p, d, a, c, by in train]

    start = time.perf_counter()
    model = Model.train(examples)
    train_s = time.perf_counter() - start
    predictor = Predictor(
        model=model,
        categories=list(Category.objects.filter(user_id=BIG_USER)),
        book=merchant_book(),
    )
    right = 0

    def run() -> None:
        nonlocal right
        model._cache.clear()
        model._tokens.clear()
        guess = predictor.guess
        right = 0
        for payee, description, amount, category_id, _ in test:
            found = guess(payee or "", description or "", amount)
            right += found is not None and found.category_id == category_id

    median_s, spread_s = summarize(measure(run, repeat=max(3, ctx.repeat // 3), warmup=1), scale=1)
    rate = round(len(test) / median_s)
    return [
        Result(
            f"classifier: predictions/s after training on {len(train) // 1000 or len(train)}"
            f"{'k' if len(train) >= 1000 else ''}",
            rate,
            round(rate * spread_s / median_s),
            "pred/s",
            20_000,
            direction="min",
            notes=f"{len(test):,} guesses, {right / max(len(test), 1):.0%} right; "
            f"training took {train_s * 1000:.0f} ms",
        )
    ]


def budgets_page(ctx: Context) -> list[Result]:
    """The budgets page with 30 budgets for the big user (one per category plus all spending)."""
    from accounts.models import User
    from budgets.models import Budget
    from budgets.services.budgets import budget_create
    from ledger.models import Category

    user = User.objects.get(pk=BIG_USER)
    Budget.objects.filter(user=user).delete()
    categories = list(Category.objects.filter(user=user, kind="expense")[:29])
    extra = [
        Category.objects.create(user=user, name=f"Bench budget {n}", kind="expense")
        for n in range(29 - len(categories))
    ]
    categories += extra
    for category in categories:
        budget_create(user=user, amount="300", category=category)
    budget_create(user=user, amount="5000")
    client = _client(BIG_USER)
    try:
        result = _page(
            f"budgets page, {len(categories) + 1} budgets, user with {ctx.scale.big // 1000}k",
            client,
            "/budgets/",
            ctx,
            50,
        )
        if result.extra["queries"] > 10:
            result.notes += " (over 10!)"
        return [result]
    finally:
        Budget.objects.filter(user=user).delete()
        Category.objects.filter(pk__in=[c.pk for c in extra]).delete()


def reports_page(ctx: Context) -> list[Result]:
    """A year report by category (with its two comparisons) and the year matrix."""
    client = _client(BIG_USER)
    big = f"{ctx.scale.big // 1000}k"
    year = datetime.date.today().year - 1
    return [
        _page(
            f"report: a year by category, user with {big}",
            client,
            f"/reports/?period=year&month={year}-01&group=category",
            ctx,
            None,
        ),
        _page(
            f"report: a year by payee, user with {big}",
            client,
            f"/reports/?period=year&month={year}-01&group=payee",
            ctx,
            None,
        ),
        _page(
            f"report: category x month matrix, user with {big}",
            client,
            f"/reports/year/?year={year}",
            ctx,
            None,
        ),
    ]


CASES = {
    "pages": transactions_pages,
    "bulk": bulk_api_create,
    "dashboard": dashboard,
    "sync": bank_sync,
    "rules": rules_throughput,
    "import": statement_import,
    "budgets": budgets_page,
    "reports": reports_page,
    "classifier": classifier_throughput,
}

__all__ = ["CASES", "Context", "Decimal"]
