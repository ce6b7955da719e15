from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_a_working_token_once(alice: User):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", user="ALICE@example.com", name="cron", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("bf_")
    assert "shown only now" in err.getvalue()
    token = ApiToken.objects.get(user=alice)
    assert token.name == "cron"
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.json()["email"] == alice.email


def test_create_api_token_names_an_unknown_user(db):
    with pytest.raises(CommandError, match="nobody@example.com"):
        call_command("create_api_token", user="nobody@example.com", name="cron")
    assert not ApiToken.objects.exists()


def test_create_api_token_needs_both_arguments(alice: User):
    with pytest.raises(CommandError):
        call_command("create_api_token", user=alice.email)
