"""Error pages: 500 renders with nothing but static files; 404 and 403 use the app layout."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views.defaults import permission_denied, server_error


def test_the_500_page_renders_without_a_request_or_database() -> None:
    # No django_db mark: any query here would fail the test.
    response = server_error(RequestFactory().get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "css/app.css" in html


@pytest.mark.django_db
def test_the_404_page_helps_a_signed_in_person_back(alice_client) -> None:
    response = alice_client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "We can’t find that page" in html
    assert 'class="sidebar"' in html


@pytest.mark.django_db
def test_the_403_page_says_access_is_missing(alice) -> None:
    request = RequestFactory().get("/somewhere/")
    request.user = alice

    response = permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    assert "You can’t open this page" in response.content.decode()
