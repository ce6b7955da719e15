"""Hostile input through the real entry points (hypothesis): statement files uploaded on the
import page and committed, and Plaid webhooks posted to their endpoint.

Statements: mutated real files (../shared/data/statements and the bank CSV fixtures) and
generated CSV, OFX and QIF text go through upload -> preview -> commit, each example in a
savepoint of its own. Never a 500; a refusal is a plain sentence on the page; nothing reaches
the ledger before the commit; and a commit writes all of its rows or none.

Webhooks: forged ones (no, garbage or wrongly signed JWTs) are refused with 401 and change
nothing; genuinely signed ones with arbitrary JSON are answered 200 (or 401 for a body that
is not a JSON object), never 500.
"""

import datetime
import hashlib
import io
import json
import os
import re
import time
from collections import Counter

import jwt
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm

from accounts.models import User
from banking.connections import BankItem
from banking.services.sync import bank_accounts_map, bank_item_connect
from ledger.models import Account, ImportBatch, Transaction
from tests.banking.plaid_standin import CLIENT_ID, SECRET, PlaidStandIn
from tests.banking.test_importers_fuzz import SEED_BYTES, mutated
from tests.ledger.factories import make_account
from tests.reliability.conftest import onboard, snapshot, snapshot_diff

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# Examples per strategy; CI runs the default, a longer hunt sets INPUT_FUZZ_EXAMPLES=1000.
EXAMPLES = int(os.environ.get("INPUT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Webhook requests are cheap: three times as many.
WEBHOOK_FUZZ = settings(FUZZ, max_examples=3 * EXAMPLES)
# What must never reach a person: a traceback, an exception's class name, an object's repr.
TECHNICAL = re.compile(r"Traceback|\b[A-Z][A-Za-z]+(Error|Exception)\b|object at 0x|<class ")

# --- statements ---------------------------------------------------------------------------

cell = st.one_of(
    st.sampled_from(
        [
            "2025-01-05",
            "05/01/2025",
            "1/2/25",
            "31.12.2024",
            "2025-02-30",
            "",
            "-3.50",
            "1,234.56",
            "(12.00)",
            "1.234,56",
            "12.345.678,9",
            "1e308",
            "NaN",
            "-0",
            "€4",
            "$-7.10",
            "=1+2",
            "@SUM(A1)",
            "Coffee",
            '"quoted, comma"',
            "ünïcødé",
            "\u202e",
            "9" * 40,
        ]
    ),  # fmt: skip
    st.text(max_size=20),
)


iso_date = st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31)).map(str)
amount = st.decimals(min_value=-100_000, max_value=100_000, places=2).map(str)
# Mostly well formed, so that many files reach the preview and the commit; sometimes not.
COLUMNS = {
    "D": st.one_of(iso_date, iso_date, iso_date, cell),
    "A": st.one_of(amount, amount, amount, cell),
    "T": cell,
}
CSV_LAYOUTS = {
    "Date,Payee,Description,Amount": "DTTA",
    "Date;Payee;Amount": "DTA",
    "Posted Date,Description,Debit,Credit": "DTAA",
    "date\tmemo\tamount": "DTA",
}


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from(sorted(CSV_LAYOUTS)))
    sep = next(c for c in ",;\t" if c in header)
    row = st.tuples(*(COLUMNS[kind] for kind in CSV_LAYOUTS[header]))
    rows = draw(st.lists(row, max_size=12))
    lines = [header] + [sep.join(cells) for cells in rows]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return "\n".join(lines).encode(encoding, errors="replace")


@st.composite
def qif_files(draw: st.DrawFn) -> bytes:
    lines = [draw(st.sampled_from(["!Type:Bank", "!Type:CCard", "!Type:Invst", "!Account", ""]))]
    for _ in range(draw(st.integers(0, 8))):
        for code in draw(st.lists(st.sampled_from("DTUPMLNCS$E"), max_size=6)):
            lines.append(code + draw(cell))
        lines.append(draw(st.sampled_from(["^", "^", "", "^^"])))
    return "\n".join(lines).encode("utf-8")


@st.composite
def ofx_files(draw: st.DrawFn) -> bytes:
    def tag(name: str) -> str:
        value = draw(st.one_of(cell, st.sampled_from(["20250105", "20250105120000[-5:EST]"])))
        closed = draw(st.booleans())
        return f"<{name}>{value}" + (f"</{name}>" if closed else "")

    txns = []
    for _ in range(draw(st.integers(0, 6))):
        fields = draw(
            st.lists(
                st.sampled_from(["TRNTYPE", "DTPOSTED", "TRNAMT", "FITID", "NAME", "MEMO"]),
                max_size=7,
            )
        )
        txns.append("<STMTTRN>" + "".join(tag(f) for f in fields) + "</STMTTRN>")
    header = draw(
        st.sampled_from(
            [
                "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n",
                '<?xml version="1.0"?>\n<?OFX OFXHEADER="200" VERSION="220"?>\n',
                "",
            ]
        )
    )
    body = (
        "<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
        + tag("CURDEF")
        + "<BANKACCTFROM>"
        + tag("ACCTID")
        + "</BANKACCTFROM><BANKTRANLIST>"
        + "".join(txns)
        + "</BANKTRANLIST>"
        + tag("LEDGERBAL")
        + "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    return (header + body).encode("utf-8")


def _readable(messages: list[str]) -> list[str]:
    """The messages that are empty or technical (none should be)."""
    return [m for m in messages if not m.strip() or TECHNICAL.search(m)]


def _page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def upload_and_commit(
    client: Client, account: Account, data: bytes, name: str, skip: bool
) -> tuple[str, list[str]]:
    """One person's path through the import pages: how far it got, and the problems met."""
    user = account.user
    ledger = Transaction.objects.filter(user=user)
    before = ledger.count()
    batches = set(ImportBatch.objects.filter(user=user).values_list("pk", flat=True))
    upload = io.BytesIO(data)
    upload.name = name
    response = client.post("/import/", {"account": account.pk, "file": upload})
    if response.status_code >= 500:
        return "crashed", [f"upload -> {response.status_code}"]
    if ledger.count() != before:
        return "upload", ["the upload wrote to the ledger before any commit"]
    if response.status_code != 302:
        form = response.context["form"]
        errors = [str(e) for field in form.errors.values() for e in field]
        if response.status_code != 400 or not errors:
            return "refused", [f"upload -> {response.status_code} without an error"]
        return "refused", [f"unreadable upload error: {m!r}" for m in _readable(errors)]
    batch = ImportBatch.objects.filter(user=user).exclude(pk__in=batches).get()
    page = client.get(f"/import/{batch.pk}/", follow=True)
    if page.status_code != 200:
        return "crashed", [f"import page -> {page.status_code}"]
    if batch.state != ImportBatch.State.PREVIEW:
        return (
            "questions",
            [],
        )  # waiting for answers (mapping, accounts, date order): nothing to commit
    done = client.post(
        f"/import/{batch.pk}/commit/", {"skip_errors": "on"} if skip else {}, follow=True
    )
    if done.status_code != 200:
        return "crashed", [f"commit -> {done.status_code}"]
    batch.refresh_from_db()
    added = ledger.count() - before
    if batch.state == ImportBatch.State.COMMITTED:
        if added != batch.added:
            return "committed", [f"committed {batch.added} rows; the ledger grew by {added}"]
        return "committed", []
    problems = [f"unreadable commit error: {m!r}" for m in _readable(_page_messages(done))]
    if added:
        return "commit refused", [*problems, f"a refused commit left {added} rows behind"]
    if not _page_messages(done):
        problems.append("a refused commit said nothing")
    return "commit refused", problems


def fuzz_imports(strategy, alice: User, capture) -> Counter:
    """Run the strategy's files through the pages; returns how far the examples got."""
    onboard(alice)
    account = make_account(alice, name="Checking", opening_balance="100.00")
    client = Client()
    client.force_login(alice)
    problems: list[str] = []
    outcomes: Counter = Counter()

    @FUZZ
    @given(
        data=strategy,
        name=st.sampled_from(["statement.csv", "statement.ofx", "statement.qif", "s.txt"]),
        skip=st.booleans(),
    )
    def run(data: bytes, name: str, skip: bool) -> None:
        with transaction.atomic():
            with capture(execute=True):  # the follow-up tasks run too, inline
                outcome, found = upload_and_commit(client, account, data, name, skip)
            transaction.set_rollback(True)
        outcomes[outcome] += 1
        problems.extend(f"{p} for {data[:120]!r}" for p in found)

    run()
    print(f"statement fuzz: {dict(outcomes)}")  # noqa: T201
    assert not problems, "\n".join(problems[:20])
    return outcomes


@pytest.mark.skipif(not SEED_BYTES, reason="no sample statements found")
def test_mutated_real_statements_never_crash_the_import(
    alice: User, django_capture_on_commit_callbacks
) -> None:
    outcomes = fuzz_imports(mutated(), alice, django_capture_on_commit_callbacks)

    assert outcomes.total() >= EXAMPLES // 2
    assert outcomes["committed"] and outcomes["refused"]  # both paths were walked


@pytest.mark.parametrize(
    "strategy", [csv_files(), ofx_files(), qif_files()], ids=["csv", "ofx", "qif"]
)
def test_generated_statements_never_crash_the_import(
    strategy, alice: User, django_capture_on_commit_callbacks
) -> None:
    outcomes = fuzz_imports(strategy, alice, django_capture_on_commit_callbacks)

    assert outcomes.total() >= EXAMPLES // 2
    assert outcomes["committed"] and outcomes["refused"]  # both paths were walked


def test_the_checks_above_can_fail(alice: User) -> None:
    """A technical message or a half-written commit is what the fuzzers look for."""
    assert _readable(["UnicodeDecodeError: 'utf-8' codec can't decode", ""]) == [
        "UnicodeDecodeError: 'utf-8' codec can't decode",
        "",
    ]
    assert _readable(["Row 3: the date '2025-02-30' is not a real date."]) == []


# --- webhooks -----------------------------------------------------------------------------

URL = "/banking/plaid/webhook"
KEY_ID = "fuzz-key"


@pytest.fixture
def plaid_item(settings, alice: User):
    with PlaidStandIn() as plaid:
        settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = CLIENT_ID, SECRET
        settings.PLAID_HOST = plaid.url
        settings.BANK_SYNC_BACKOFF_SECONDS = 0
        settings.PLAID_TIMEOUT_SECONDS = 2
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        private = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
        jwk.update({"alg": "ES256", "kid": KEY_ID, "use": "sig", "created_at": 1700000000})
        jwk["expired_at"] = None
        plaid.webhook_keys[KEY_ID] = jwk
        public, _ = plaid.new_item()
        item = bank_item_connect(user=alice, provider_name="plaid", public_token=public)
        bank_accounts_map(
            user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
        )
        yield item, private


def sign(body: bytes, key, *, kid: str = KEY_ID, iat: int | None = None, digest=None) -> str:
    claims = {
        "iat": int(time.time()) if iat is None else iat,
        "request_body_sha256": digest or hashlib.sha256(body).hexdigest(),
    }
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


WEBHOOK_CODES = [
    "SYNC_UPDATES_AVAILABLE",
    "ERROR",
    "LOGIN_REPAIRED",
    "PENDING_EXPIRATION",
    "PENDING_DISCONNECT",
    "USER_PERMISSION_REVOKED",
    "NEW_ACCOUNTS_AVAILABLE",
    "WEBHOOK_UPDATE_ACKNOWLEDGED",
]


def webhook_bodies(item_id: str):
    """Plaid-shaped payloads about our item (every code), the same fields holding any JSON,
    other JSON values, and bytes that are not JSON at all."""
    error = st.fixed_dictionaries(
        {},
        optional={
            "error_code": st.sampled_from(["ITEM_LOGIN_REQUIRED", "INTERNAL"]) | json_values,
            "display_message": json_values,
            "error_message": json_values,
        },
    )
    extra = {
        "error": error | json_values,
        "environment": json_values,
        "new_transactions": json_values,
    }
    shaped = st.fixed_dictionaries(
        {
            "webhook_type": st.sampled_from(["TRANSACTIONS", "ITEM"]),
            "webhook_code": st.sampled_from(WEBHOOK_CODES),
            "item_id": st.just(item_id),
        },
        optional=extra,
    )
    loose = st.fixed_dictionaries(
        {},
        optional={
            "webhook_type": st.sampled_from(["TRANSACTIONS", "ITEM", "AUTH"]) | json_values,
            "webhook_code": st.sampled_from(WEBHOOK_CODES) | json_values,
            "item_id": st.sampled_from([item_id, "item-unknown", ""]) | json_values,
            **extra,
        },
    )
    objects = (shaped | loose).map(lambda d: json.dumps(d).encode())
    other_json = json_values.map(lambda v: json.dumps(v).encode())
    return objects | other_json | st.binary(max_size=200)


def test_signed_webhooks_with_any_body_never_crash(alice: User, plaid_item) -> None:
    item, key = plaid_item
    client = Client()
    problems: list[str] = []
    handled: Counter = Counter()

    @WEBHOOK_FUZZ
    @given(body=webhook_bodies(item.item_id))
    def run(body: bytes) -> None:
        response = client.post(
            URL,
            data=body,
            content_type="application/json",
            headers={"Plaid-Verification": sign(body, key)},
        )
        try:
            is_object = isinstance(json.loads(body), dict)
        except ValueError:
            is_object = False
        expected = 200 if is_object else 401
        if response.status_code != expected:
            problems.append(f"{body[:200]!r} -> {response.status_code} (expected {expected})")
        handled[response.json().get("handled", response.status_code)] += 1
        current = BankItem.objects.get(pk=item.pk)
        if current.status not in BankItem.Status.values or len(current.status_message) > 500:
            problems.append(f"{body[:200]!r} left the item as {current.status!r}")

    run()
    print(f"signed webhooks: {dict(handled)}")  # noqa: T201
    assert handled.total() >= EXAMPLES
    assert handled["sync queued"] and handled[401]  # the deep paths were reached
    assert not problems, "\n".join(problems[:20])


def test_forged_webhooks_are_refused_and_change_nothing(alice: User, plaid_item) -> None:
    item, key = plaid_item
    other = ec.generate_private_key(ec.SECP256R1())
    client = Client()
    problems: list[str] = []
    before = snapshot()

    forged_token = st.one_of(
        st.none(),
        st.text(max_size=80),
        st.binary(max_size=60).map(lambda b: ".".join([b.hex()[:20], b.hex()[20:], ""])),
        st.just("wrong key"),
        st.just("stale"),
        st.just("other body"),
        st.just("unknown key id"),
    )

    @WEBHOOK_FUZZ
    @given(body=webhook_bodies(item.item_id), how=forged_token)
    def run(body: bytes, how) -> None:
        token = how
        if how == "wrong key":
            token = sign(body, other)
        elif how == "stale":
            token = sign(body, key, iat=int(time.time()) - 3600)
        elif how == "other body":
            token = sign(body, key, digest=hashlib.sha256(body + b" ").hexdigest())
        elif how == "unknown key id":
            token = sign(body, key, kid="not-a-key")
        headers = {} if token is None else {"Plaid-Verification": token}
        try:
            response = client.post(URL, data=body, content_type="application/json", headers=headers)
        except ValueError:  # a header value the test client itself cannot send
            return
        if response.status_code != 401:
            problems.append(f"{how!r} {body[:200]!r} -> {response.status_code}")

    run()
    assert not problems, "\n".join(problems[:20])
    assert snapshot_diff(before, snapshot()) == []
