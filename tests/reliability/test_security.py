"""Security checks across the whole app: CSRF on every form, cookies and hashing under production
settings, CSP, login throttling, encrypted bank tokens, no secrets in logs, uploads never
served back as HTML, CSV formulas neutralised.

`check --deploy` with production settings is tested by the platform suite
(tests/platform/test_settings.py::test_check_deploy_reports_nothing_with_production_settings);
this file reuses its production environment instead of repeating the check.
"""

import csv
import hashlib
import io
import json
import logging
import os
import re
import runpy
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test import Client, override_settings
from jwt.algorithms import ECAlgorithm

from accounts.models import User
from banking.connections import BankItem
from banking.models import ImportFile
from banking.services.sync import bank_accounts_map
from tests.banking.plaid_standin import CLIENT_ID as PLAID_CLIENT_ID
from tests.banking.plaid_standin import SECRET as PLAID_SECRET
from tests.banking.plaid_standin import PlaidStandIn, plaid_transaction
from tests.insights.openai_standin import StandIn as LlmStandIn
from tests.ledger.factories import make_account, make_category, make_tag, make_transaction
from tests.platform.test_settings import PRODUCTION
from tests.reliability.conftest import World, onboard
from tests.reliability.routes import METHODS, PUBLIC, all_routes, walked_routes

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
PASSWORD = "Tr0ub4dor&3-very-secret-passphrase"


@pytest.fixture
def production(monkeypatch, tmp_path: Path) -> dict[str, Any]:
    """config/settings.py read afresh with the production environment of the platform suite."""
    for name in list(os.environ):
        if name not in {"PATH", "HOME", "LANG"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("BILLFOLD_VAR_DIR", str(tmp_path / "var"))
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


# --- CSRF ---------------------------------------------------------------------------------


def test_every_html_post_needs_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    exempt = {"banking:plaid-webhook"}  # called by Plaid, verified by its signature instead
    problems, checked = [], 0
    for route in walked_routes():
        if route.is_api or route.name in exempt:
            continue
        pk = getattr(world, _object(route), None)
        url = route.url(pk.pk if pk is not None else None)
        checked += 1
        status = client.post(url, {"name": "x", "confirm": "1"}).status_code
        if status != 403:
            problems.append(f"POST {url} -> {status}")

    assert checked > 80
    assert not problems, problems


def test_the_api_needs_a_csrf_token_when_signed_in_by_session_cookie(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    problems = []
    for route in walked_routes():
        if not route.is_api:
            continue
        pk = getattr(world, _object(route), None)
        url = route.url(pk.pk if pk is not None else None)
        for method in METHODS[1:]:
            response = getattr(client, method)(url, data={}, content_type="application/json")
            if response.status_code not in (403, 405):
                problems.append(f"{method.upper()} {url} -> {response.status_code}")

    assert not problems, problems


def _object(route) -> str:
    from tests.reliability.routes import OBJECT_FOR_PREFIX

    return OBJECT_FOR_PREFIX.get(route.prefix, "") if route.params else ""


# --- Production settings ------------------------------------------------------------------


def test_production_cookies_are_secure_http_only_and_same_site(production) -> None:
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_production_hashes_passwords_with_argon2(production) -> None:
    assert production["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_cookies_carry_the_flags_on_a_real_login(production, alice: User) -> None:
    flags = {
        name: production[name]
        for name in (
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE",
            "CSRF_COOKIE_SAMESITE",
        )
    }
    client = Client()
    with override_settings(**flags):
        client.get("/auth/login/")
        response = client.post(
            "/auth/login/", {"login": alice.email, "password": "correct horse battery staple"}
        )

    session, csrf = response.cookies["sessionid"], client.cookies["csrftoken"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_argon2_really_hashes_with_production_hashers(production, db) -> None:
    with override_settings(PASSWORD_HASHERS=production["PASSWORD_HASHERS"]):
        user = User.objects.create_user("carol@example.com", PASSWORD)

    assert user.password.startswith("argon2$")
    assert PASSWORD not in user.password


# --- Content-Security-Policy --------------------------------------------------------------


def _csp(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip() != ""}


def test_every_page_allows_only_our_own_files(world: World, settings) -> None:
    client = Client()
    client.force_login(world.user)
    allowed = {"'self'", "'none'", "data:"}
    for sources in settings.CSP_EXTRA.values():
        allowed.update(sources)
    pages = 0
    for route in walked_routes():
        if route.is_api or route.starts_with(PUBLIC) or route.template.startswith("api/"):
            continue
        pk = getattr(world, _object(route), None)
        response = client.get(route.url(pk.pk if pk is not None else None))
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        policy = _csp(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], route.template
        for directive, sources in policy.items():
            assert set(sources) <= allowed, (route.template, directive, sources)

    assert pages > 30


# --- Login throttling ---------------------------------------------------------------------


def test_login_is_throttled_after_repeated_failures(production, alice: User) -> None:
    """allauth's login_failed limit (5 per address per 5 minutes in production): once it is
    used up, even the right password is refused with a plain message."""
    client = Client()
    with override_settings(ACCOUNT_RATE_LIMITS=production["ACCOUNT_RATE_LIMITS"]):
        for _ in range(5):
            client.post("/auth/login/", {"login": alice.email, "password": "wrong"})
        right = client.post(
            "/auth/login/", {"login": alice.email, "password": "correct horse battery staple"}
        )

    assert "Too many failed login attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_same_password_works_without_the_failures(production, alice: User) -> None:
    client = Client()
    with override_settings(
        ACCOUNT_RATE_LIMITS=production["ACCOUNT_RATE_LIMITS"], ACCOUNT_EMAIL_VERIFICATION="none"
    ):
        client.post(
            "/auth/login/", {"login": alice.email, "password": "correct horse battery staple"}
        )

    assert client.session["_auth_user_id"] == str(alice.pk)


# --- Bank tokens --------------------------------------------------------------------------


def test_bank_access_tokens_are_ciphertext_in_the_database(world: World) -> None:
    item = BankItem.objects.get(pk=world.bank_item.pk)
    secret = item.access_token
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT access_token_encrypted FROM {BankItem._meta.db_table} WHERE id = %s",
            [item.pk],
        )
        (stored,) = cursor.fetchone()

    assert secret and stored
    assert secret not in stored
    assert len(stored) > len(secret)


# --- Logs ---------------------------------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [record.getMessage(), repr(record.args), repr(record.__dict__)]
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        self.lines.append(" ".join(parts))


@contextmanager
def captured_logs() -> Iterator[Capture]:
    """Every record that reaches the root logger, from DEBUG up, while the block runs."""
    capture = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)


def test_no_secret_token_or_password_reaches_the_logs(
    db, settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    """Sign-up, logins (a wrong password too), a personal token used and misused, a bank
    connected and synced, a statement imported; the tasks they queue run as well."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    with captured_logs() as capture, django_capture_on_commit_callbacks(execute=True):
        client = Client()
        response = client.post(
            "/auth/signup/",
            {"email": "dora@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 302, response.content[:500]
        user = User.objects.get(email="dora@example.com")
        client.post("/auth/logout/")
        client.post("/auth/login/", {"login": user.email, "password": "wrong " + PASSWORD})
        client.post("/auth/login/", {"login": user.email, "password": PASSWORD})
        onboard(user)
        client.post("/settings/tokens/", {"name": "script", "expires_in_days": ""})
        page = client.get("/settings/tokens/").content.decode()
        token = re.search(r"bf_[A-Za-z0-9_-]{40,}", page).group(0)
        api = Client()
        assert (
            api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        )
        api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"})
        client.post("/connections/demo/")
        item = BankItem.objects.get(user=user)
        bank_token = item.access_token
        client.post(f"/connections/{item.pk}/sync/")
        account = make_account(user, name="Everyday")
        csv_bytes = b"Date,Payee,Description,Amount\n2025-01-05,Coffee,Latte,-3.50\n"
        upload = io.BytesIO(csv_bytes)
        upload.name = "statement.csv"
        client.post("/import/", {"account": account.pk, "file": upload})

    text = "\n".join(capture.lines)
    assert "bank sync item=" in text  # the queued sync ran and logged
    for secret in (PASSWORD, token, bank_token, settings.SECRET_KEY):
        assert secret not in text


def test_bank_and_llm_credentials_never_reach_the_logs(
    alice: User, settings, django_capture_on_commit_callbacks
) -> None:
    """Plaid connected, synced and sending a signed webhook, the LLM categorizing what came
    in, and Plaid refusing a sync: its secret, the tokens, the webhook JWT, the encryption
    key and the LLM key appear in no record, at DEBUG and above."""
    onboard(alice)
    for name in ("Groceries", "Dining"):
        make_category(alice, name=name)
    fernet_key = Fernet.generate_key().decode()
    signing_key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(ECAlgorithm.to_jwk(signing_key.public_key()))
    jwk.update({"alg": "ES256", "kid": "k1", "use": "sig", "created_at": 1, "expired_at": None})
    client = Client()
    client.force_login(alice)

    def decide(txn: dict, names: list[str]) -> tuple[str, float]:
        return names[0], 0.99

    with (
        PlaidStandIn() as plaid,
        LlmStandIn(decide) as llm,
        captured_logs() as capture,
    ):
        settings.PLAID_CLIENT_ID, settings.PLAID_SECRET = PLAID_CLIENT_ID, PLAID_SECRET
        settings.PLAID_HOST = plaid.url
        settings.BANK_SYNC_BACKOFF_SECONDS = 0
        settings.FIELD_ENCRYPTION_KEYS = [fernet_key]
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "test-key", llm.url
        settings.OPENAI_MODEL = "test-model"
        plaid.webhook_keys["k1"] = jwk
        public, remote = plaid.new_item()
        for n in range(3):
            plaid.add(
                remote,
                plaid_transaction(
                    transaction_id=f"t{n}",
                    account_id="acc-checking",
                    amount="12.50",
                    date="2025-01-10",
                    name=f"CORNER SHOP {n}",
                ),
            )
        exchanged = client.post("/connections/plaid/exchange/", {"public_token": public})
        assert exchanged.status_code == 200, exchanged.content
        item = BankItem.objects.get(user=alice)
        bank_accounts_map(
            user=alice, item=item, mapping={ba.pk: "new" for ba in item.accounts.all()}
        )
        with django_capture_on_commit_callbacks(execute=True):  # the sync and the LLM run
            client.post(f"/connections/{item.pk}/sync/")
        body = json.dumps(
            {
                "webhook_type": "TRANSACTIONS",
                "webhook_code": "SYNC_UPDATES_AVAILABLE",
                "item_id": remote.item_id,
            }
        ).encode()
        claims = {"iat": int(time.time()), "request_body_sha256": hashlib.sha256(body).hexdigest()}
        webhook_jwt = jwt.encode(claims, signing_key, algorithm="ES256", headers={"kid": "k1"})
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                "/banking/plaid/webhook",
                data=body,
                content_type="application/json",
                headers={"Plaid-Verification": webhook_jwt},
            )
        remote.login_required = True
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/connections/{item.pk}/sync/")

    text = "\n".join(capture.lines)
    assert "bank sync item=" in text and llm.requests, "the flow did not reach the bank and LLM"
    for secret in (
        PLAID_SECRET,
        public,
        remote.access_token,
        webhook_jwt,
        webhook_jwt.split(".")[2],  # the signature alone
        fernet_key,
        "test-key",
        item.access_token_encrypted,
    ):
        assert secret not in text, secret


# --- Uploads ------------------------------------------------------------------------------


def test_an_uploaded_file_is_never_served_back_as_html(world: World) -> None:
    marker = "<script>alert('billfold')</script>"
    client = Client()
    client.force_login(world.user)
    upload = io.BytesIO(f"Date,Payee,Description,Amount\n2025-01-05,{marker},x,-3.50\n".encode())
    upload.name = f"{marker}.html"
    client.post("/import/", {"account": world.account.pk, "file": upload})
    stored = ImportFile.objects.filter(user=world.user).order_by("-pk").first()
    urls = []
    if stored is not None and stored.file:
        urls.append("/" + stored.file.name)
        urls.append(f"/media/{stored.file.name}")
        world.batch = stored.batch
    problems = []
    for route in walked_routes():
        if route.is_api:
            continue
        pk = getattr(world, _object(route), None)
        urls.append(route.url(pk.pk if pk is not None else None))
    for url in urls:
        response = client.get(url)
        body = response.content.decode(errors="replace") if not response.streaming else ""
        if response.get("Content-Type", "").startswith("text/html") and marker in body:
            problems.append(url)

    assert not problems, problems


# --- CSV exports --------------------------------------------------------------------------


REPORT = "/reports/?format=csv&period=custom&start=2025-01-01&end=2025-12-31&group="


@pytest.mark.parametrize(
    "route",
    [
        "/transactions/export.csv",
        "/settings/data/transactions.csv",
        *(REPORT + group for group in ("payee", "category", "account", "tag")),
    ],
)
def test_csv_exports_neutralise_formula_cells(world: World, route: str) -> None:
    """Every name a person can type (payee, notes, category, tag, account) lands in a cell."""
    evil = ['=HYPERLINK("http://x")', "+SUM(1)", "-2+3", "@cmd", "\t=1"]
    for n, text in enumerate(evil):
        account = make_account(world.user, name=f"{text} {n}")
        make_transaction(
            account,
            payee=text,
            notes=text,
            category=make_category(world.user, name=f"{text} {n}"),
            tags=[make_tag(world.user, f"{text} {n}")],
        )
    client = Client()
    client.force_login(world.user)

    response = client.get(route)
    body = b"".join(response) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode())))

    assert response.status_code == 200
    cells = [cell for row in rows[1:] for cell in row]
    dangerous = [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r"))]
    dangerous += [c for c in cells if c.startswith("-") and not re.fullmatch(r"-[\d.]+", c)]
    assert dangerous == []
    named = [f"{text} {n}" for n, text in enumerate(evil)]  # accounts, categories, tags
    expected = {"payee": evil, "": evil + named}.get(route.partition("group=")[2], named)
    for text in expected:  # each reached the file, made harmless
        assert "'" + text in cells


def test_the_walker_and_the_security_checks_see_the_same_routes() -> None:
    assert {r.name for r in walked_routes()} <= {r.name for r in all_routes()}
