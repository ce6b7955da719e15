from django.test import Client, override_settings

ALLOWED = "https://budget-app.example.com"


def test_the_api_is_closed_to_other_sites_by_default(alice_client: Client) -> None:
    response = alice_client.get("/api/v1/me", HTTP_ORIGIN=ALLOWED)

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_a_listed_origin_may_call_the_api(alice_client: Client) -> None:
    response = alice_client.get("/api/v1/me", HTTP_ORIGIN=ALLOWED)

    assert response["Access-Control-Allow-Origin"] == ALLOWED


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_an_unlisted_origin_still_gets_no_cors_header(alice_client: Client) -> None:
    response = alice_client.get("/api/v1/me", HTTP_ORIGIN="https://evil.example.net")

    assert "Access-Control-Allow-Origin" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_pages_outside_the_api_never_answer_cors(alice_client: Client) -> None:
    response = alice_client.get("/healthz", HTTP_ORIGIN=ALLOWED)

    assert "Access-Control-Allow-Origin" not in response
