"""Changing the password and the sign-in email address from Settings › Security."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.accounts.conftest import PASSWORD, link_in, login_with_password

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new staple horse"


@pytest.fixture
def signed_in(client: Client, verified_alice: User) -> Client:
    assert login_with_password(client, "alice@example.com").status_code == 302
    return client


def test_changing_the_password_keeps_me_signed_in_and_the_new_one_works(
    signed_in: Client, verified_alice: User
):
    response = signed_in.post(
        "/auth/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    verified_alice.refresh_from_db()
    assert verified_alice.check_password(NEW_PASSWORD)
    assert signed_in.get("/settings/security/").status_code == 200
    signed_in.post("/auth/logout/")
    assert login_with_password(signed_in, "alice@example.com", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"oldpassword": "not it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            "oldpassword",
        ),
        ({"oldpassword": PASSWORD, "password1": "12345678", "password2": "12345678"}, "password1"),
        ({"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": "other"}, "password2"),
    ],
    ids=["wrong-current-password", "weak-new-password", "mismatched"],
)
def test_a_bad_password_change_is_refused_next_to_the_field(
    signed_in: Client, verified_alice: User, data: dict, field: str
):
    response = signed_in.post("/auth/password/change/", data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"'.encode() in response.content
    verified_alice.refresh_from_db()
    assert verified_alice.check_password(PASSWORD)


def test_changing_the_email_takes_effect_once_the_new_address_is_confirmed(
    signed_in: Client, verified_alice: User
):
    response = signed_in.post("/auth/email/", {"email": "Alice@New.example", "action_add": ""})

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["alice@new.example"]]
    verified_alice.refresh_from_db()
    assert verified_alice.email == "alice@example.com"  # not until confirmed

    confirm = link_in(mail.outbox[0].body)
    assert signed_in.post(confirm).status_code == 302

    verified_alice.refresh_from_db()
    assert verified_alice.email == "alice@new.example"
    assert list(
        EmailAddress.objects.filter(user=verified_alice).values_list("email", "primary")
    ) == [("alice@new.example", True)]
    signed_in.post("/auth/logout/")
    assert login_with_password(signed_in, "alice@new.example").status_code == 302


def test_an_invalid_new_email_is_refused_next_to_the_field(signed_in: Client, verified_alice: User):
    response = signed_in.post("/auth/email/", {"email": "not-an-email", "action_add": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert b"Enter a valid email address." in response.content
    assert not mail.outbox
    verified_alice.refresh_from_db()
    assert verified_alice.email == "alice@example.com"


@pytest.mark.parametrize("bob_signed_up", [True, False], ids=["signed-up", "made-by-operator"])
def test_another_accounts_address_is_never_taken_over(
    signed_in: Client, verified_alice: User, bob: User, bob_signed_up: bool
):
    # allauth does not say the address is taken (that would tell anyone who has an account);
    # the confirmation goes to its owner, and confirming it changes nothing.
    if bob_signed_up:
        EmailAddress.objects.create(user=bob, email=bob.email, verified=True, primary=True)
    assert (
        signed_in.post("/auth/email/", {"email": "Bob@Example.com", "action_add": ""}).status_code
        == 302
    )
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]

    response = signed_in.post(link_in(mail.outbox[0].body), follow=True)

    assert response.status_code == 200
    verified_alice.refresh_from_db()
    bob.refresh_from_db()
    assert (verified_alice.email, bob.email) == ("alice@example.com", "bob@example.com")
    assert not EmailAddress.objects.filter(
        user=verified_alice, email__iexact=bob.email, verified=True
    ).exists()


def test_a_pending_change_can_be_sent_again_or_cancelled(signed_in: Client, verified_alice: User):
    signed_in.post("/auth/email/", {"email": "alice@new.example", "action_add": ""})
    page = signed_in.get("/auth/email/").content.decode()
    assert "Waiting for you to confirm <strong>alice@new.example</strong>" in page
    assert "style=" not in page  # the Content-Security-Policy allows no inline style

    signed_in.post("/auth/email/", {"email": "alice@new.example", "action_send": ""})
    assert [m.to for m in mail.outbox] == [["alice@new.example"]] * 2

    signed_in.post("/auth/email/", {"email": "alice@new.example", "action_remove": ""})
    assert "Waiting for you to confirm" not in signed_in.get("/auth/email/").content.decode()
    assert list(
        EmailAddress.objects.filter(user=verified_alice).values_list("email", flat=True)
    ) == ["alice@example.com"]
