import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.tokens import api_token_authenticate, api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_a_new_token_is_returned_once_and_stored_only_as_a_hash(alice: User):
    token, secret = api_token_create(user=alice, name="  backup script ")
    assert secret.startswith("bf_")
    assert len(secret) == 46
    token.refresh_from_db()
    assert token.name == "backup script"
    assert token.prefix == secret[:8]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert secret not in {str(value) for value in stored.values()}


def test_every_token_is_different(alice: User):
    secrets = {api_token_create(user=alice, name=f"t{i}")[1] for i in range(20)}
    assert len(secrets) == 20


def test_authenticating_finds_the_owner_and_notes_the_time(alice: User):
    token, secret = api_token_create(user=alice, name="cli")
    found = api_token_authenticate(secret)
    assert found == token
    assert found.user == alice
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(alice: User, django_assert_num_queries):
    token, secret = api_token_create(user=alice, name="cli")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api_token_authenticate(secret)
        with django_assert_num_queries(1):  # the lookup only, no write
            api_token_authenticate(secret)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api_token_authenticate(secret)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_revoked_expired_and_unknown_tokens_do_not_authenticate(alice: User):
    revoked, revoked_secret = api_token_create(user=alice, name="old")
    api_token_revoke(user=alice, token_id=revoked.pk)
    _, expired_secret = api_token_create(
        user=alice, name="short", expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert api_token_authenticate(revoked_secret) is None
    assert api_token_authenticate(expired_secret) is None
    assert api_token_authenticate("bf_" + "x" * 43) is None
    assert api_token_authenticate("not-ours") is None
    assert api_token_authenticate("bf_" + "x" * 5000) is None


def test_a_deactivated_users_tokens_stop_working(alice: User):
    _, secret = api_token_create(user=alice, name="cli")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert api_token_authenticate(secret) is None


def test_a_stranger_cannot_revoke_someone_elses_token(alice: User, bob: User):
    token, _ = api_token_create(user=alice, name="cli")
    with pytest.raises(Http404):
        api_token_revoke(user=bob, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_is_a_404(alice: User):
    token, _ = api_token_create(user=alice, name="cli")
    api_token_revoke(user=alice, token_id=token.pk)
    with pytest.raises(Http404):
        api_token_revoke(user=alice, token_id=token.pk)
