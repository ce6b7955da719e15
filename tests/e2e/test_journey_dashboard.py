"""Journey of the dashboard: a click on the spending doughnut opens the transactions behind
the slice; the legend beside it leads to the same list."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.screenshots import shoot
from tests.e2e.test_journey_ledger import add_transaction, category

pytestmark = pytest.mark.e2e

# Where Chart.js drew a slice, in page coordinates (the middle of its arc).
SLICE_AT = """([index]) => {
  const canvas = document.getElementById("chart-categories");
  const arc = Chart.getChart(canvas).getDatasetMeta(0).data[index].tooltipPosition();
  const box = canvas.getBoundingClientRect();
  return {x: box.left + arc.x, y: box.top + arc.y};
}"""


def test_a_click_on_a_slice_opens_its_transactions(signed_in_page, e2e_user, checking) -> None:
    groceries = category(e2e_user, "Groceries")
    add_transaction(e2e_user, checking, payee="Whole Foods", amount="-80.00", category=groceries)
    add_transaction(e2e_user, checking, payee="Whole Foods", amount="-20.00", category=groceries)
    add_transaction(
        e2e_user,
        checking,
        payee="Metro card",
        amount="-15.00",
        category=category(e2e_user, "Transport"),
    )
    page = signed_in_page
    page.goto(reverse("insights:dashboard"))
    legend = page.get_by_role("list", name="Spending by category")
    expect(legend.get_by_role("link").first).to_contain_text("Groceries")
    expect(legend.get_by_role("link").first).to_contain_text("$100.00")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chart-categories'))"
    )
    page.wait_for_timeout(1200)  # the doughnut's opening animation
    shoot(page, "dashboard")

    page.goto(reverse("insights:dashboard"))
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chart-categories'))"
    )
    page.wait_for_timeout(1200)
    spot = page.evaluate(SLICE_AT, [0])
    page.mouse.click(spot["x"], spot["y"])
    page.wait_for_url(re.compile(rf"/transactions/\?.*category={groceries.pk}"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Whole Foods")

    page.go_back()
    legend.get_by_role("link", name=re.compile("Transport")).click()
    page.wait_for_url(re.compile(r"/transactions/\?.*category="))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr").first).to_contain_text("Metro card")


CHART = """(id) => window.Chart &&
  Chart.getChart(document.getElementById(id) || document.querySelector(`[data-chart="${id}"]`))"""
# The colour of a chart's axis labels, and the text colour of the theme in use.
CHART_TEXT = """(id) => {
  const canvas = document.getElementById(id) || document.querySelector(`[data-chart="${id}"]`);
  const scale = Chart.getChart(canvas).scales.x;
  const color = scale.options.ticks.color;
  return {
    ticks: typeof color === "function" ? color(scale.getContext()) : color,
    text: getComputedStyle(document.documentElement).getPropertyValue("--text").trim(),
  };
}"""


def test_the_charts_follow_the_theme_switch(signed_in_page, e2e_user, checking) -> None:
    groceries = category(e2e_user, "Groceries")
    add_transaction(e2e_user, checking, payee="Whole Foods", amount="-80.00", category=groceries)
    page = signed_in_page
    for url, chart in [
        (reverse("insights:dashboard"), "chart-months"),
        (reverse("insights:reports"), "report-USD"),
    ]:
        page.goto(url)
        page.wait_for_function(CHART, arg=chart)
        light = page.evaluate(CHART_TEXT, chart)
        assert light["ticks"] == light["text"], light

        page.locator(".sidebar").get_by_role("button", name="Dark theme").click()
        dark = page.evaluate(CHART_TEXT, chart)
        assert dark["text"] != light["text"], "the dark theme has its own text colour"
        assert dark["ticks"] == dark["text"], f"{url}: the axis labels kept the light colour"
        page.locator(".sidebar").get_by_role("button", name="System theme").click()


# What a chart's script writes: the value axis's labels, and a tooltip for `value`.
CHART_NUMBERS = """([id, axis, value]) => {
  const canvas = document.getElementById(id) || document.querySelector(`[data-chart="${id}"]`);
  const chart = Chart.getChart(canvas);
  const point = {dataset: {label: "Spent"}, label: "", parsed: {x: value, y: value}};
  return {
    ticks: chart.scales[axis].ticks.map((tick) => tick.label),
    tooltip: chart.options.plugins.tooltip.callbacks.label.call(chart.tooltip, point),
  };
}"""


def test_the_charts_write_amounts_in_the_users_number_format(
    signed_in_page, e2e_user, checking
) -> None:
    from accounts.models import Profile
    from budgets.services.budgets import budget_create

    Profile.objects.filter(user=e2e_user).update(number_format="eu")
    groceries = category(e2e_user, "Groceries")
    add_transaction(e2e_user, checking, payee="Market", amount="-1234.50", category=groceries)
    budget = budget_create(user=e2e_user, category=groceries, amount="2000")
    page = signed_in_page
    for url, chart, axis in [
        (reverse("insights:dashboard"), "chart-months", "y"),
        (reverse("insights:reports"), "report-USD", "x"),
        (reverse("budgets:budget-detail", args=[budget.pk]), "budget-history-chart", "y"),
    ]:
        page.goto(url)
        expect(page.locator("main")).to_contain_text("$1.234,50")  # the page's own amounts
        page.wait_for_function(CHART, arg=chart)
        drawn = page.evaluate(CHART_NUMBERS, [chart, axis, -1234.5])
        assert drawn["tooltip"].endswith("-$1.234,50"), (url, drawn)
        assert any("1.000" in label for label in drawn["ticks"]), (url, drawn)
        assert "1,000" not in " ".join(drawn["ticks"]), (url, drawn)
