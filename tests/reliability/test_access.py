"""The URL walker: every route of the project (HTML and API, found from the resolver) with an
anonymous client, with alice on her own objects and with bob on alice's objects.

New routes are walked automatically; a route whose path parameter the walker cannot fill
fails `test_every_route_with_parameters_has_an_object` until OBJECT_FOR_PREFIX names it.
"""

from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import User
from accounts.tokens import api_token_create
from tests.reliability.conftest import World, snapshot, snapshot_diff
from tests.reliability.routes import (
    BODY_ADDRESSED,
    METHODS,
    NOT_WALKED,
    OBJECT_FOR_PREFIX,
    PUBLIC,
    Route,
    all_routes,
    is_walked,
    walked_routes,
)

pytestmark = pytest.mark.django_db

MISSING_PK = 987654321
# What a stranger sends: plausible fields, so that a view that forgot its scope would write.
PAYLOAD = {
    "name": "bob was here",
    "payee": "bob was here",
    "title": "bob was here",
    "amount": "1.00",
    "date": "2025-02-01",
    "currency": "USD",
    "confirm": "1",
    "delete_transactions": "1",
    "archived": "1",
    "up": "1",
    "version": "1",
    "parts": [],
    "ids": [],
}


class Walker:
    """Sends one request and turns a crash into a status 500 with its reason."""

    def __init__(self, client: Client, bearer: str = "") -> None:
        self.client = client
        self.bearer = bearer

    def send(self, route: Route, method: str, pk: int | None = None) -> tuple[int, str]:
        url = route.url(pk)
        kwargs: dict = {}
        if route.is_api:
            if self.bearer:
                kwargs["headers"] = {"Authorization": f"Bearer {self.bearer}"}
            if method != "get":
                kwargs.update(data=PAYLOAD, content_type="application/json")
        elif method == "post":
            kwargs["data"] = PAYLOAD
        try:
            response = getattr(self.client, method)(url, **kwargs)
        except Exception as exc:  # a crash is what the walker looks for
            return 500, f"{type(exc).__name__}: {exc}"
        return response.status_code, response.get("Location", "")


def object_pk(world: World, route: Route) -> int | None:
    if not route.params:
        return None
    return getattr(world, OBJECT_FOR_PREFIX[route.prefix]).pk


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_walker_finds_the_routes_of_every_app() -> None:
    routes = walked_routes()
    templates = [route.template for route in routes]

    assert len(routes) > 100
    for prefix in ("api/v1/", "transactions/", "import/", "budgets/", "review/", "auth/"):
        assert any(t.replace("^", "").startswith(prefix) for t in templates), prefix
    # The list of routes left out stays short.
    assert len(NOT_WALKED) <= 5
    left_out = [r for r in all_routes() if not is_walked(r)]
    assert len([r for r in left_out if not r.template.startswith("admin/")]) <= 3


def test_every_route_with_parameters_has_an_object() -> None:
    unknown = [
        r.template
        for r in walked_routes()
        if r.params and not r.starts_with(PUBLIC) and r.prefix not in OBJECT_FOR_PREFIX
    ]

    assert not unknown, f"add these to OBJECT_FOR_PREFIX in tests/reliability/routes.py: {unknown}"


def test_anonymous_gets_the_login_page_or_401_everywhere(world: World) -> None:
    walker = Walker(Client())
    before = snapshot()
    problems = []
    for route in walked_routes():
        pk = object_pk(world, route)
        for method in METHODS:
            status, detail = walker.send(route, method, pk)
            if route.starts_with(PUBLIC):
                ok = status < 500
            elif route.is_api:
                ok = status == 401
            else:
                ok = (status == 302 and detail.startswith("/auth/login/")) or status == 405
            if not ok:
                problems.append(f"{method.upper()} {route.url(pk)} -> {status} {detail}")

    assert not problems, _report(problems)
    assert snapshot_diff(before, snapshot()) == []


def test_alice_reaches_her_own_objects_with_every_method(
    world: World, django_capture_on_commit_callbacks
) -> None:
    """Each request runs in a savepoint that is rolled back, so a delete cannot hide the
    object from the next route; a session the request ended is restored the same way. What
    the request queued with on_commit (background tasks, inline in tests) runs too."""
    client = Client()
    client.force_login(world.user)
    cookies = SimpleCookie(client.cookies)
    walker = Walker(client, bearer=world.token_secret)
    problems = []
    for route in walked_routes():
        pk = object_pk(world, route)
        for method in METHODS:
            with transaction.atomic():
                try:
                    with django_capture_on_commit_callbacks(execute=True):
                        status, detail = walker.send(route, method, pk)
                except Exception as exc:  # a task the request queued crashed
                    status, detail = 500, f"on commit: {type(exc).__name__}: {exc}"
                transaction.set_rollback(True)
            client.cookies = SimpleCookie(cookies)
            may_404 = route.starts_with(PUBLIC) or route.name in BODY_ADDRESSED
            if status >= 500 or (status == 404 and not may_404):
                problems.append(f"{method.upper()} {route.url(pk)} -> {status} {detail}")

    assert not problems, _report(problems)


def test_bob_gets_404_for_alices_objects_with_every_method(world: World, bob: User) -> None:
    """Same answer as for an id that does not exist (404, or 405 for a method the route never
    takes), and nothing of anyone changes."""
    client = Client()
    client.force_login(bob)
    _, secret = api_token_create(user=bob, name="stranger")
    walker = Walker(client, bearer=secret)
    before = snapshot()
    problems = []
    walked = 0
    for route in walked_routes():
        if not route.params or route.starts_with(PUBLIC):
            continue
        pk = object_pk(world, route)
        for method in METHODS:
            walked += 1
            status, detail = walker.send(route, method, pk)
            missing, _ = walker.send(route, method, MISSING_PK)
            if status not in (404, 405) or status != missing:
                problems.append(
                    f"{method.upper()} {route.url(pk)} -> {status} {detail} "
                    f"(a missing id gets {missing})"
                )

    assert walked > 200
    assert not problems, _report(problems)
    assert snapshot_diff(before, snapshot()) == []


def test_the_admin_is_closed_to_users(world: World, bob: User) -> None:
    client = Client()
    client.force_login(bob)
    for url in ("/admin/", f"/admin/ledger/transaction/{world.transaction.pk}/change/"):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
