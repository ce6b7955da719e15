"""A checkbox's label on a narrow screen, with the app's real stylesheet and field template.

Rendered in headless Chromium (no server needed): the label of a checkbox field wraps beside
its box, on every page, not dropped whole below it. The import pages used to carry their own
fix for their "Flip sign" checkbox; app.css now does it everywhere.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django import forms
from django.template.loader import render_to_string

pytestmark = pytest.mark.e2e

STATIC = Path(__file__).resolve().parents[2] / "static" / "css"
LONG = "Flip sign: this card's file writes charges as positive numbers, so save them as money out"


class CheckForm(forms.Form):
    flip = forms.BooleanField(label=LONG, required=False, help_text="Only for card accounts.")
    short = forms.BooleanField(label="Include pending", required=False)


@pytest.fixture(scope="module")
def chromium_page() -> Iterator:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.skip("Chromium not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 340, "height": 700})
        yield page
        browser.close()


def show(page, body: str) -> None:  # type: ignore[no-untyped-def]
    css = (STATIC / "app.css").read_text()
    page.set_content(
        f"<!doctype html><html><head><style>{css}</style></head><body>{body}</body></html>"
    )


def boxes(page, name: str) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    box = page.locator(f"#id_{name}").bounding_box()
    label = page.locator(f"label[for=id_{name}]").bounding_box()
    return box, label


def test_a_long_checkbox_label_wraps_beside_its_box(chromium_page) -> None:
    form = CheckForm()
    show(
        chromium_page,
        f"<main><form>{render_to_string('_field.html', {'field': form['flip']})}</form></main>",
    )
    box, label = boxes(chromium_page, "flip")
    assert label["x"] > box["x"] + box["width"]  # to the right of the box
    assert label["y"] <= box["y"] + box["height"]  # starting on the box's row, not below it
    assert label["height"] > 2 * box["height"]  # and wrapped over several lines
    help_box = chromium_page.locator("#id_flip_helptext").bounding_box()
    assert help_box["y"] >= label["y"] + label["height"] - 1  # the help goes under both


def test_a_checkbox_in_a_toolbar_keeps_its_label_on_one_line(chromium_page) -> None:
    form = CheckForm()
    show(
        chromium_page,
        "<main><form class='toolbar'>"
        + render_to_string("_field.html", {"field": form["short"]})
        + "<button>Go</button></form></main>",
    )
    box, label = boxes(chromium_page, "short")
    assert label["x"] > box["x"] + box["width"]
    assert label["height"] < 2 * box["height"] + 8  # one line
