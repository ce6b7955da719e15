import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Profile, User

pytestmark = pytest.mark.django_db

VALID = {
    "display_name": "Alice",
    "base_currency": "GBP",
    "timezone": "Europe/London",
    "number_format": "en",
    "first_day_of_week": "0",
    "month_start_day": "1",
    "monthly_income": "",
    "savings_goal": "",
}


@pytest.fixture
def newcomer(alice: User) -> User:
    Profile.objects.filter(user=alice).update(onboarded_at=None)
    return alice


@pytest.fixture
def newcomer_client(newcomer: User) -> Client:
    client = Client()
    client.force_login(newcomer)
    return client


def test_users_created_by_the_manager_have_an_onboarded_profile(alice: User):
    assert alice.profile.is_onboarded


@pytest.mark.parametrize("path", ["/", "/settings/", "/transactions/", "/settings/tokens/"])
def test_html_pages_send_a_newcomer_to_onboarding(newcomer_client: Client, path: str):
    response = newcomer_client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/onboarding/")


def test_the_redirect_remembers_where_the_newcomer_was_going(newcomer_client: Client):
    response = newcomer_client.get("/transactions/?page=2")
    assert response["Location"] == "/onboarding/?next=%2Ftransactions%2F%3Fpage%3D2"
    data = {**VALID, "next": "/transactions/?page=2"}
    response = newcomer_client.post("/onboarding/?next=/transactions/%3Fpage%3D2", data)
    assert response["Location"] == "/transactions/?page=2"


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/auth/2fa/", "/auth/email/", "/onboarding/", "/admin/login/"]
)
def test_api_auth_admin_and_onboarding_itself_are_never_redirected(
    newcomer_client: Client, path: str
):
    response = newcomer_client.get(path)
    assert not (response.status_code == 302 and response["Location"].startswith("/onboarding/"))


def test_a_newcomer_can_log_out(newcomer_client: Client):
    response = newcomer_client.post("/auth/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in newcomer_client.session


def test_anonymous_visitors_are_not_sent_to_onboarding(client: Client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


def test_onboarding_needs_login(client: Client, db):
    response = client.get("/onboarding/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


def test_onboarding_refuses_other_methods(newcomer_client: Client):
    assert newcomer_client.put("/onboarding/").status_code == 405


def test_finishing_onboarding_saves_the_profile_and_opens_the_dashboard(
    newcomer_client: Client, newcomer: User
):
    response = newcomer_client.post("/onboarding/", {**VALID, "monthly_income": "2500.50"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    profile = Profile.objects.get(user=newcomer)
    assert profile.is_onboarded
    assert profile.base_currency == "GBP"
    assert str(profile.monthly_income) == "2500.50"
    assert newcomer_client.get("/").status_code == 200


def test_an_onboarded_user_visiting_onboarding_goes_to_the_dashboard(alice_client: Client):
    response = alice_client.get("/onboarding/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_offsite_next_is_ignored(newcomer_client: Client):
    response = newcomer_client.post("/onboarding/", {**VALID, "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("base_currency", "XYZ"),
        ("base_currency", "usd"),
        ("timezone", "Mars/Olympus_Mons"),
        ("month_start_day", "29"),
        ("month_start_day", "0"),
        ("number_format", "zz"),
        ("monthly_income", "-5"),
        ("monthly_income", "lots"),
        ("savings_goal", "1e400"),
    ],
)
def test_bad_onboarding_input_shows_the_error_next_to_the_field_and_saves_nothing(
    newcomer_client: Client, newcomer: User, field: str, value: str
):
    response = newcomer_client.post("/onboarding/", {**VALID, field: value})
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert f'id="id_{field}_error"'.encode() in response.content
    profile = Profile.objects.get(user=newcomer)
    assert profile.onboarded_at is None
    assert profile.base_currency == "USD"
    assert newcomer_client.get("/").status_code == 302


def test_a_user_without_a_profile_gets_one_and_is_not_trapped(db):
    user = User.objects.create(email="legacy@example.com")
    assert not Profile.objects.filter(user=user).exists()
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    assert client.get("/settings/").status_code == 200
    assert Profile.objects.get(user=user).onboarded_at <= timezone.now()


def test_an_onboarded_user_costs_the_middleware_one_query_per_session(alice_client: Client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    alice_client.get("/settings/security/")
    with CaptureQueriesContext(connection) as queries:
        alice_client.get("/settings/security/")
    assert not any(
        "accounts_profile" in q["sql"] and "onboarded_at" in q["sql"] and "IS NULL" in q["sql"]
        for q in queries.captured_queries
    )
