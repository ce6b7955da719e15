import pytest
from django.test import Client

from accounts.models import User
from accounts.tokens import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(db) -> Client:
    admin = User.objects.create_superuser("root@example.com", "root password here")
    client = Client()
    client.force_login(admin)
    return client


def test_admin_lists_and_edits_users_by_email(admin_client_: Client, alice: User):
    assert b"alice@example.com" in admin_client_.get("/admin/accounts/user/").content
    assert admin_client_.get(f"/admin/accounts/user/{alice.pk}/change/").status_code == 200
    response = admin_client_.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "password1": "a long pass phrase 1",
            "password2": "a long pass phrase 1",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").profile.is_onboarded


def test_admin_shows_profiles(admin_client_: Client, alice: User):
    assert admin_client_.get("/admin/accounts/profile/").status_code == 200
    assert (
        admin_client_.get(f"/admin/accounts/profile/{alice.profile.pk}/change/").status_code == 200
    )


def test_admin_never_shows_token_hashes_or_secrets(admin_client_: Client, alice: User):
    token, secret = api_token_create(user=alice, name="cli")
    for path in ("/admin/accounts/apitoken/", f"/admin/accounts/apitoken/{token.pk}/change/"):
        response = admin_client_.get(path)
        assert response.status_code == 200
        assert token.prefix.encode() in response.content
        assert token.token_hash.encode() not in response.content
        assert secret.encode() not in response.content
    assert admin_client_.get("/admin/accounts/apitoken/add/").status_code == 403


def test_admin_shows_background_tasks_and_schedules(admin_client_: Client):
    from django.core.management import call_command

    call_command("billfold_setup")
    index = admin_client_.get("/admin/").content.decode()
    for model in ("schedule", "success", "failure", "ormq"):
        assert f"/admin/django_q/{model}/" in index
        assert admin_client_.get(f"/admin/django_q/{model}/").status_code == 200
    assert b"billfold:heartbeat" in admin_client_.get("/admin/django_q/schedule/").content
