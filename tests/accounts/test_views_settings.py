import re

import pytest
from django.test import Client

from accounts.models import ApiToken, Profile, User
from accounts.tokens import api_token_create

pytestmark = pytest.mark.django_db

PROFILE = {
    "display_name": "Ally",
    "base_currency": "CHF",
    "timezone": "Europe/Zurich",
    "number_format": "ch",
    "first_day_of_week": "6",
    "month_start_day": "15",
    "monthly_income": "7000",
    "savings_goal": "1000.25",
}


@pytest.mark.parametrize(
    "path", ["/settings/", "/settings/security/", "/settings/tokens/", "/settings/tokens/1/revoke/"]
)
def test_settings_pages_need_login(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/settings/"),
        ("delete", "/settings/tokens/"),
        ("post", "/settings/security/"),
        ("patch", "/settings/tokens/1/revoke/"),
    ],
)
def test_settings_pages_refuse_other_methods(alice_client: Client, method: str, path: str):
    assert getattr(alice_client, method)(path).status_code == 405


def test_the_profile_tab_shows_my_preferences(alice_client: Client, alice: User):
    Profile.objects.filter(user=alice).update(base_currency="JPY")
    response = alice_client.get("/settings/")
    assert response.status_code == 200
    assert response.context["form"].initial["base_currency"] == "JPY"
    html = response.content.decode()
    for label in ("Profile", "Security", "API tokens", "Data"):
        assert f">{label}</a>" in html
    assert 'href="/settings/data/"' in html


def test_saving_the_profile(alice_client: Client, alice: User):
    response = alice_client.post("/settings/", PROFILE)
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    profile = Profile.objects.get(user=alice)
    assert (profile.display_name, profile.base_currency, profile.timezone) == (
        "Ally",
        "CHF",
        "Europe/Zurich",
    )
    assert (profile.first_day_of_week, profile.month_start_day) == (6, 15)
    assert str(profile.savings_goal) == "1000.25"


@pytest.mark.parametrize(
    ("field", "value"), [("base_currency", "ABC"), ("timezone", "Europe/Atlantis")]
)
def test_a_bad_profile_value_is_shown_next_to_the_field_and_nothing_is_saved(
    alice_client: Client, alice: User, field: str, value: str
):
    response = alice_client.post("/settings/", {**PROFILE, field: value})
    assert response.status_code == 400
    assert f'id="id_{field}_error"'.encode() in response.content
    profile = Profile.objects.get(user=alice)
    assert profile.display_name == ""
    assert profile.base_currency == "USD"


def test_the_security_tab_links_to_password_email_and_two_factor(alice_client: Client):
    html = alice_client.get("/settings/security/").content.decode()
    for path in ("/auth/password/change/", "/auth/email/", "/auth/2fa/totp/activate/"):
        assert f'href="{path}"' in html
    assert "Session ends" in html


def test_creating_a_token_shows_the_secret_once(alice_client: Client, alice: User):
    response = alice_client.post("/settings/tokens/", {"name": "laptop", "expires_in_days": "30"})
    assert response.status_code == 302
    page = alice_client.get("/settings/tokens/")
    secret = re.search(r"bf_[A-Za-z0-9_-]{43}", page.content.decode()).group(0)
    token = ApiToken.objects.get(user=alice)
    assert token.prefix == secret[:8]
    assert token.expires_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200

    again = alice_client.get("/settings/tokens/").content.decode()
    assert secret not in again
    assert "laptop" in again
    assert f"{token.prefix}…" in again


def test_a_token_without_a_name_is_refused(alice_client: Client):
    response = alice_client.post("/settings/tokens/", {"name": "  "})
    assert response.status_code == 400
    assert b'id="id_name_error"' in response.content
    assert not ApiToken.objects.exists()


def test_the_token_list_is_empty_state_then_lists_only_mine(
    alice_client: Client, alice: User, bob: User
):
    assert b"No API tokens yet" in alice_client.get("/settings/tokens/").content
    api_token_create(user=bob, name="bobs token")
    api_token_create(user=alice, name="alices token")
    html = alice_client.get("/settings/tokens/").content.decode()
    assert "alices token" in html
    assert "bobs token" not in html


def test_revoking_asks_for_confirmation_first(alice_client: Client, alice: User):
    token, _ = api_token_create(user=alice, name="cli")
    page = alice_client.get(f"/settings/tokens/{token.pk}/revoke/")
    assert page.status_code == 200
    assert b"Revoke" in page.content
    token.refresh_from_db()
    assert token.revoked_at is None

    response = alice_client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert list(alice_client.get("/settings/tokens/").context["tokens"]) == []


def test_bob_gets_404_for_alices_token(bob_client: Client, alice: User):
    token, _ = api_token_create(user=alice, name="cli")
    assert bob_client.get(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    assert bob_client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_list_uses_a_constant_number_of_queries(
    alice_client: Client, alice: User, django_assert_max_num_queries
):
    for i in range(5):
        api_token_create(user=alice, name=f"t{i}")
    with django_assert_max_num_queries(8):
        assert alice_client.get("/settings/tokens/").status_code == 200


def test_the_security_tab_lists_every_signed_in_device_and_signs_out_the_others(alice):
    from allauth.account.models import EmailAddress
    from allauth.usersessions.models import UserSession
    from django.test import Client
    from django.urls import reverse

    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        response = device.post(
            reverse("account_login"),
            {"login": alice.email, "password": "correct horse battery staple"},
        )
        assert response.status_code == 302
    assert UserSession.objects.filter(user=alice).count() == 2
    security = laptop.get(reverse("accounts:security")).content.decode()
    assert reverse("usersessions_list") in security
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    laptop.post(reverse("usersessions_list"), {"action": "logout"})
    assert UserSession.objects.filter(user=alice).count() == 1
    assert phone.get(reverse("accounts:security")).status_code == 302  # signed out
    assert laptop.get(reverse("accounts:security")).status_code == 200


def test_the_device_list_names_each_device_and_marks_this_one(alice):
    from allauth.account.models import EmailAddress
    from django.test import Client
    from django.urls import reverse

    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    )
    laptop, phone = Client(HTTP_USER_AGENT=firefox), Client(HTTP_USER_AGENT=iphone)
    for device in (laptop, phone):
        device.post(
            reverse("account_login"),
            {"login": alice.email, "password": "correct horse battery staple"},
        )

    page = laptop.get(reverse("usersessions_list")).content.decode()

    assert "Firefox on Windows" in page
    assert "Safari on iPhone" in page
    (current,) = [item for item in page.split("<li>") if "This device" in item]
    assert "Firefox on Windows" in current
    assert "Sign out the other 1 device<" in page
    assert "base.html" in [t.name for t in laptop.get(reverse("usersessions_list")).templates]

    laptop.post(reverse("usersessions_list"))
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Safari on iPhone" not in page
    assert "This is the only device signed in." in page
