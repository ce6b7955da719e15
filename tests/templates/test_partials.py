"""The shared partials at the templates root: _field, _pagination, _messages, _confirm, nav."""

import re

import pytest
from django import forms
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


class SampleForm(forms.Form):
    amount = forms.DecimalField(help_text="Negative for money out.")
    note = forms.CharField(required=False)
    cleared = forms.BooleanField(required=False, label="Cleared")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def test_a_field_has_a_label_for_its_input_and_links_help_and_errors() -> None:
    form = SampleForm(data={"amount": "lots"})
    html = render_to_string("_field.html", {"field": form["amount"]})

    assert '<label for="id_amount">Amount</label>' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_amount_helptext id_amount_error"' in html
    assert 'id="id_amount_helptext"' in html
    assert re.search(r'<ul class="errors" id="id_amount_error"><li>Enter a number.</li></ul>', html)


def test_an_optional_field_says_so_and_a_valid_one_is_not_marked_invalid() -> None:
    form = SampleForm(data={"amount": "1"})
    html = render_to_string("_field.html", {"field": form["note"]})

    assert '<span class="optional">optional</span>' in html
    assert "aria-invalid" not in html
    assert 'class="errors"' not in html


def test_a_checkbox_puts_its_label_after_the_box_and_a_radio_group_gets_a_legend() -> None:
    form = SampleForm()
    checkbox = render_to_string("_field.html", {"field": form["cleared"]})
    radios = render_to_string("_field.html", {"field": form["kind"]})

    assert "field check" in checkbox
    assert checkbox.index('type="checkbox"') < checkbox.index('<label for="id_cleared">')
    assert "<fieldset>" in radios
    assert "<legend>Kind</legend>" in radios


def test_a_hidden_field_renders_only_the_input() -> None:
    class Hidden(forms.Form):
        token = forms.CharField(widget=forms.HiddenInput)

    html = render_to_string("_field.html", {"field": Hidden()["token"]}).strip()

    assert html.startswith('<input type="hidden"')
    assert "<label" not in html


def page_html(query: str, page_number: int) -> str:
    request = RequestFactory().get(f"/transactions/?{query}")
    page = Paginator(list(range(120)), 50).page(page_number)
    return render_to_string("_pagination.html", {"page_obj": page}, request=request)


def test_pagination_keeps_the_other_query_parameters() -> None:
    html = page_html("category=4&sort=-date&page=2", 2)

    assert 'href="?category=4&amp;sort=-date&amp;page=3"' in html
    assert 'href="?category=4&amp;sort=-date"' in html, "page 1 drops ?page="
    assert "Page 2 of 3" in html


def test_pagination_disables_the_ends_and_hides_for_one_page() -> None:
    first = page_html("", 1)
    assert 'rel="prev"' not in first
    assert 'aria-disabled="true"' in first
    assert 'href="?page=2"' in first

    request = RequestFactory().get("/")
    single = Paginator([1], 50).page(1)
    html = render_to_string("_pagination.html", {"page_obj": single}, request=request)
    assert html.strip() == ""


def test_error_messages_are_alerts_and_others_are_status() -> None:
    messages = [Message(constants.ERROR, "Could not save."), Message(constants.SUCCESS, "Saved.")]
    html = render_to_string("_messages.html", {"messages": messages})

    assert re.search(r'class="message error"\s+role="alert"', html)
    assert re.search(r'class="message success"\s+role="status"', html)
    assert html.count('aria-label="Dismiss this message"') == 2


@pytest.mark.django_db
def test_the_confirmation_page_posts_to_the_action(rf) -> None:
    request = rf.get("/rules/3/delete/")
    html = render_to_string(
        "_confirm.html",
        {
            "title": "Delete this rule?",
            "action": "/rules/3/delete/",
            "confirm_label": "Delete rule",
        },
        request=request,
    )

    assert '<form method="post" action="/rules/3/delete/">' in html
    assert "csrfmiddlewaretoken" in html
    assert '<button type="submit" class="btn danger">Delete rule</button>' in html


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/", "Dashboard"),
        ("/transactions/", "Transactions"),
        ("/categories/", "Transactions"),
        ("/accounts/", "Accounts"),
        ("/budgets/", "Budgets"),
        ("/recurring/", "Budgets"),
        ("/import/", "Import"),
        ("/connections/", "Connections"),
        ("/insights/", "Insights"),
        ("/reports/", "Insights"),
        ("/settings/", "Settings"),
    ],
)
def test_the_navigation_highlights_the_current_section(
    alice_client, url: str, current: str
) -> None:
    html = alice_client.get(url).content.decode()
    side = html[html.index('<nav class="side-nav"') :]
    side = side[: side.index("</nav>")]

    highlighted = re.findall(r'aria-current="page">.*?<span>([^<]+)</span>', side, re.S)
    assert highlighted == [current]


def test_a_signed_out_page_uses_the_centered_card_without_navigation(client) -> None:
    html = client.get("/auth/login/").content.decode()

    assert 'class="layout-centered"' in html
    assert 'class="sidebar"' not in html
    assert '<main id="content"' in html
    assert 'href="#content"' in html, "skip link"


@pytest.mark.django_db
def test_pages_carry_no_inline_script_or_style(alice_client, client) -> None:
    pages = [alice_client.get("/").content.decode(), client.get("/auth/login/").content.decode()]

    for html in pages:
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
