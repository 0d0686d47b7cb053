"""The invoices and commits & credits dashboards in headless Chromium, through URLs from the real API."""
from __future__ import annotations

import pytest
import requests

from conftest import A, A_INVOICES, AUTH, C


def open_url(dash_duo, base: str, dashboard: str, customer: str = A, **body) -> None:
    r = requests.post(f"{base}/v1/dashboards/getEmbeddableUrl", headers=AUTH,
                      json={"customer_id": customer, "dashboard": dashboard, **body}, timeout=10)
    assert r.status_code == 200, r.text
    dash_duo.driver.get(r.json()["data"]["url"])


def listed_numbers(dash_duo) -> list[str]:
    dash_duo.wait_for_element("#invoices-list table, #invoices-list .eb-empty", timeout=10)
    return [td.text for td in dash_duo.find_elements("#invoices-table tbody tr td:first-child")]


def option(key, value):
    return {"dashboard_options": [{"key": key, "value": value}]}


@pytest.mark.parametrize("status_filter, statuses", [
    ("ALL", {"finalized", "draft", "voided"}), ("DRAFT", {"draft"}), ("FINALIZED", {"finalized"}),
    ("VOID", {"voided"}), ("FINALIZED_AND_DRAFT", {"finalized", "draft"}),
])  # fmt: skip
def test_invoice_list_respects_the_status_filter(dash_duo, live_server, billing, status_filter, statuses):
    open_url(dash_duo, live_server, "invoices", **option("invoice_status_filter", status_filter))
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    expected = [n for n in ("INV-A-2", "INV-A-4", "INV-A-3", "INV-A-1") if A_INVOICES[n][0] in statuses]
    assert listed_numbers(dash_duo) == expected  # newest first; INV-A-OLD is past 90 days
    assert dash_duo.get_logs() == []


def test_invoice_type_option_keeps_one_type(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "invoices", **option("invoice_type", "SCHEDULED"))
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    assert listed_numbers(dash_duo) == ["INV-A-4"]
    assert dash_duo.get_logs() == []


def click_invoice(dash_duo, number: str) -> None:
    for row in dash_duo.find_elements("#invoices-table tbody tr"):
        if row.text.startswith(number):
            row.click()
            dash_duo.wait_for_contains_text(".eb-detail h2", number)
            return
    raise AssertionError(f"{number} is not listed")


def line_names(dash_duo) -> list[str]:
    return [td.text for td in dash_duo.find_elements("#invoice-lines tbody tr td:first-child")]


def test_clicking_an_invoice_shows_its_line_items(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "invoices")
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    click_invoice(dash_duo, "INV-A-1")
    assert line_names(dash_duo) == ["API calls"]  # the zero-usage line is hidden by default
    cells = [td.text for td in dash_duo.find_elements("#invoice-lines tbody tr:first-child td")]
    assert cells == ["API calls", "6,500", "$0.01", "$65.00"]
    assert dash_duo.find_element("#invoice-total").text == "$65.00"
    click_invoice(dash_duo, "INV-A-2")
    assert dash_duo.find_element("#invoice-total").text == "$20.13"
    assert dash_duo.get_logs() == []


def test_zero_usage_lines_show_when_asked(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "invoices", **option("show_zero_usage_line_items", "true"))
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    click_invoice(dash_duo, "INV-A-1")
    assert line_names(dash_duo) == ["API calls", "GPU hours"]
    assert dash_duo.get_logs() == []


def test_search_filters_by_number_status_or_amount(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "invoices")
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    search = dash_duo.find_element("#invoices-search")
    search.send_keys("49.99")
    dash_duo.wait_for_text_to_equal("#invoices-table tbody tr td:first-child", "INV-A-4")
    assert listed_numbers(dash_duo) == ["INV-A-4"]
    assert dash_duo.get_logs() == []


def test_status_badges_use_the_colour_overrides(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "invoices", color_overrides=[
        {"name": "Primary_green", "value": "#00aa00"}, {"name": "Primary_red", "value": "#cc0011"}])
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    assert dash_duo.find_element(".eb-status-finalized").value_of_css_property("color") == "rgba(0, 170, 0, 1)"
    assert dash_duo.find_element(".eb-status-voided").value_of_css_property("color") == "rgba(204, 0, 17, 1)"
    assert dash_duo.get_logs() == []


def test_balances_and_ledger_show_the_worked_example(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "commits_and_credits", customer=C)
    dash_duo.wait_for_text_to_equal("#balance-total-remaining", "$20.00", timeout=10)
    assert dash_duo.find_element("#balance-total-used").text == "$85.00"
    commit, credit = dash_duo.find_element("#grant-c-commit"), dash_duo.find_element("#grant-c-credit")
    assert "$20.00 remaining" in commit.text and "$80.00 used of $100.00" in commit.text
    assert "$0.00 remaining" in credit.text and "$5.00 used of $5.00" in credit.text
    rows = [[td.text for td in tr.find_elements("css selector", "td")]
            for tr in dash_duo.find_elements("#ledger-table tbody tr")]
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        ("Deduction", "Prepaid commit", "INV-C-OCT", "-$15.00"),
        ("Deduction", "Reward credit", "INV-C-OCT", "-$5.00"),
        ("Granted", "Reward credit", "", "$5.00"),
        ("Deduction", "Prepaid commit", "INV-C-SEP", "-$65.00"),
        ("Granted", "Prepaid commit", "", "$100.00"),
    ]  # fmt: skip
    dash_duo.wait_for_element("#grants-chart .trace.bars", timeout=10)
    assert dash_duo.get_logs() == []


def test_progress_bars_use_the_colour_overrides(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "commits_and_credits", customer=C, color_overrides=[
        {"name": "Progress_bar", "value": "#112233"}, {"name": "Progress_bar_background", "value": "#ddeeff"}])
    bar = dash_duo.wait_for_element("#grant-c-commit .eb-progress", timeout=10)
    assert bar.value_of_css_property("background-color") == "rgba(221, 238, 255, 1)"
    fill = dash_duo.find_element("#grant-c-commit .eb-progress-fill")
    assert fill.value_of_css_property("background-color") == "rgba(17, 34, 51, 1)"
    assert fill.get_attribute("style") == "width: 80%;"  # $80 used of $100
    assert dash_duo.get_logs() == []


def test_credits_dashboard_shows_credits_only_and_can_hide_names(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "credits", customer=C, **option("hide_grant_name", "true"))
    dash_duo.wait_for_text_to_equal(".eb-title", "Credits", timeout=10)
    assert [g.get_attribute("id") for g in dash_duo.find_elements(".eb-grant")] == ["grant-c-credit"]
    assert "Reward credit" not in dash_duo.find_element(".eb-dashboard").text
    assert dash_duo.find_element("#balance-total-remaining").text == "$0.00"
    assert dash_duo.get_logs() == []
