import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings

from accounts.models import Profile, User
from tests.accounts.conftest import PASSWORD, link_in, login_with_password

pytestmark = pytest.mark.django_db

SIGNUP = "/auth/signup/"


def test_signing_up_verifying_email_and_onboarding_leads_to_the_dashboard(client: Client):
    response = client.post(
        SIGNUP, {"email": "Carol@Example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="carol@example.com")
    assert user.profile.onboarded_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carol@example.com"]

    confirm_path = link_in(mail.outbox[0].body)
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert b'method="post"' in page.content
    response = client.post(confirm_path, follow=True)
    assert EmailAddress.objects.get(user=user).verified
    assert response.wsgi_request.user == user
    assert response.redirect_chain[-1][0].startswith("/onboarding/")

    # Every page sends the new user back to onboarding until it is done.
    assert client.get("/transactions/")["Location"].startswith("/onboarding/")

    response = client.post(
        "/onboarding/",
        {
            "display_name": "Carol",
            "base_currency": "EUR",
            "timezone": "Europe/Paris",
            "number_format": "eu",
            "first_day_of_week": "0",
            "month_start_day": "25",
            "monthly_income": "3200.00",
            "savings_goal": "400",
        },
        follow=True,
    )
    assert response.redirect_chain[-1] == ("/", 302)
    assert response.status_code == 200
    profile = Profile.objects.get(user=user)
    assert profile.is_onboarded
    assert (profile.base_currency, profile.timezone, profile.month_start_day) == (
        "EUR",
        "Europe/Paris",
        25,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD}, "email"),
        ({"email": "dave@example.com", "password1": "123", "password2": "123"}, "password1"),
        (
            {"email": "dave@example.com", "password1": "password", "password2": "password"},
            "password1",
        ),
        (
            {"email": "dave@example.com", "password1": PASSWORD, "password2": PASSWORD + "x"},
            "password2",
        ),
    ],
    ids=["invalid-email", "short-password", "common-password", "mismatched-passwords"],
)
def test_bad_sign_up_input_shows_field_errors_and_saves_nothing(client: Client, data, field):
    response = client.post(SIGNUP, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert b'class="errors"' in response.content
    assert not User.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    "path",
    [
        SIGNUP,
        "/auth/login/",
        "/auth/password/reset/",
        "/auth/password/reset/done/",
        "/auth/confirm-email/",
    ],
)
def test_sign_in_pages_use_the_billfold_layout_and_field_partial(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    templates = [t.name for t in response.templates]
    assert "base.html" in templates
    assert "allauth/layouts/base.html" in templates
    assert b"css/app.css" in response.content
    if "form" in response.context:
        assert "_field.html" in templates


@pytest.mark.parametrize(
    "path", ["/auth/password/change/", "/auth/email/", "/auth/2fa/", "/auth/reauthenticate/"]
)
def test_account_management_pages_use_the_billfold_layout(alice_client: Client, path: str):
    response = alice_client.get(path)
    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]
    assert b'href="/settings/security/"' in response.content


def test_a_verified_user_logs_in_and_out(client: Client, verified_alice: User):
    response = login_with_password(client, "alice@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/settings/").wsgi_request.user == verified_alice

    response = client.post("/auth/logout/")
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 302
    assert not client.session.get("_auth_user_id")


def test_a_wrong_password_shows_a_message_and_does_not_sign_in(
    client: Client, verified_alice: User
):
    response = login_with_password(client, "alice@example.com", "wrong password")
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert "_auth_user_id" not in client.session


def test_an_unverified_user_is_asked_to_verify_before_signing_in(client: Client, alice: User):
    response = login_with_password(client, "alice@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/auth/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1


def test_password_reset_by_email_link(client: Client, verified_alice: User):
    response = client.post("/auth/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1

    key_path = link_in(mail.outbox[0].body)
    response = client.get(key_path, follow=True)
    assert response.status_code == 200
    set_password_path = response.redirect_chain[-1][0]
    new_password = "a brand new staple horse"
    response = client.post(
        set_password_path, {"password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    assert response["Location"] == "/auth/password/reset/key/done/"
    assert client.get(response["Location"]).status_code == 200

    verified_alice.refresh_from_db()
    assert verified_alice.check_password(new_password)
    assert login_with_password(client, "alice@example.com", new_password).status_code == 302


def test_a_password_reset_link_cannot_be_used_twice(client: Client, verified_alice: User):
    client.post("/auth/password/reset/", {"email": "alice@example.com"})
    key_path = link_in(mail.outbox[0].body)
    set_password_path = client.get(key_path, follow=True).redirect_chain[-1][0]
    client.post(
        set_password_path,
        {"password1": "a brand new staple horse", "password2": "a brand new staple horse"},
    )

    response = client.get(key_path, follow=True)
    assert b"invalid" in response.content.lower()


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/m/ip,3/300s/key", "login": "6/m/ip"})
def test_repeated_failed_logins_are_rate_limited(client: Client, verified_alice: User):
    for _ in range(3):
        response = login_with_password(client, "alice@example.com", "wrong password")
        assert response.status_code == 200
        assert b"not correct" in response.content

    # Even the right password is refused while the limit holds.
    response = login_with_password(client, "alice@example.com")
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session

    statuses = [
        login_with_password(client, "alice@example.com", "wrong").status_code for _ in range(3)
    ]
    assert statuses[-1] == 429


@override_settings(
    ACCOUNT_RATE_LIMITS={"login_failed": "3/m/ip", "login": "30/m/ip"},
    ALLAUTH_TRUSTED_PROXY_COUNT=1,
)
def test_behind_a_proxy_one_visitors_failed_logins_do_not_lock_out_the_others(
    verified_alice: User,
):
    # Both come through the same reverse proxy (REMOTE_ADDR 127.0.0.1), which appends the
    # visitor's address to X-Forwarded-For.
    guesser = Client(HTTP_X_FORWARDED_FOR="203.0.113.5")
    alice = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(3):
        login_with_password(guesser, "alice@example.com", "wrong password")
    refused = login_with_password(guesser, "alice@example.com")
    assert b"Too many failed login attempts" in refused.content

    response = login_with_password(alice, "alice@example.com")

    assert response.status_code == 302
    assert alice.session["_auth_user_id"] == str(verified_alice.pk)
