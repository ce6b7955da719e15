"""A database outage gives a 503 page (or JSON for the API), never a traceback or a 500."""

import json

import pytest
from django.test import Client, RequestFactory

from accounts.models import User
from config.health import server_error
from tests.platform.conftest import database_unreachable


@pytest.fixture
def signed_in(transactional_db) -> Client:
    user = User.objects.create_user("carol@example.com", "a long enough password 42")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_a_page_answers_a_friendly_503_page(signed_in: Client) -> None:
    with database_unreachable():
        response = signed_in.get("/transactions/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Billfold is temporarily unavailable" in body
    assert "cannot reach its database" in body
    assert "Traceback" not in body


def test_a_view_that_finds_the_database_gone_answers_503(transactional_db) -> None:
    client = Client(raise_request_exception=False)

    with database_unreachable():  # the login view looks the user up: fails inside the view
        response = client.post(
            "/auth/login/", {"login": "carol@example.com", "password": "whatever it is"}
        )

    assert response.status_code == 503
    assert "Billfold is temporarily unavailable" in response.content.decode()


def test_the_api_answers_503_json(transactional_db) -> None:
    client = Client(raise_request_exception=False)

    with database_unreachable():
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer bf_not_a_real_token")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Billfold cannot reach its database right now. Nothing was lost; "
        "please try again in a minute."
    }


def test_requests_work_again_once_the_database_is_back(signed_in: Client) -> None:
    with database_unreachable():
        assert signed_in.get("/api/v1/me").status_code == 503

    response = signed_in.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "carol@example.com"


def test_other_errors_stay_500s() -> None:
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/api/v1/me"))

    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "Something went wrong on our side."}
