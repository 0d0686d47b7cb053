"""The invoices and commits & credits dashboards in headless Chromium, through URLs from the real API."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import A, A_INVOICES, AUTH, C, cloud_event
from dashboards.formatting import money


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


def test_live_estimate_leads_the_list_when_no_draft_covers_today(dash_duo, live_server, billing):
    r = requests.post(f"{live_server}/v1/prices", headers=AUTH, timeout=10, json={
        "metric": "tokens", "currency": "USD", "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    assert r.status_code == 200
    now = datetime.now(UTC)
    requests.post(f"{live_server}/v1/events", headers=AUTH, timeout=10,
                  json=[cloud_event("now", A, "llm", now - timedelta(minutes=1), tokens="10", model="atlas")])
    zone = ZoneInfo("Asia/Tokyo")
    local = now.astimezone(zone)
    first = datetime(local.year, local.month, 1, tzinfo=zone)
    after = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    spend = requests.get(f"{live_server}/v1/customers/{A}/usage", headers=AUTH, timeout=10, params={
        "metric": "tokens", "value": "spend", "window_size": "none", "from": first.isoformat(), "to": after.isoformat()}).json()
    expected = money(Decimal(spend["data"][0]["value"]), "USD", "en_US")
    open_url(dash_duo, live_server, "invoices")
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    assert listed_numbers(dash_duo)[0] == "Estimate"
    assert dash_duo.find_element(".eb-status-estimate").text == "Estimate"
    click_invoice(dash_duo, "Estimate")
    assert "computed live from usage and prices" in dash_duo.find_element(".eb-estimate-note").text
    assert dash_duo.find_element("#invoice-total").text == expected  # the usage API's spend this month, to the cent
    assert dash_duo.get_logs() == []


def test_no_estimate_when_the_filter_hides_drafts(dash_duo, live_server, billing):
    requests.post(f"{live_server}/v1/prices", headers=AUTH, timeout=10, json={
        "metric": "tokens", "currency": "USD", "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    open_url(dash_duo, live_server, "invoices", **option("invoice_status_filter", "FINALIZED"))
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    assert "Estimate" not in listed_numbers(dash_duo)
    assert dash_duo.get_logs() == []


def test_the_keyboard_reaches_an_invoice_and_opens_it(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "invoices")
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    dash_duo.find_element("#invoices-search").click()
    ActionChains(dash_duo.driver).send_keys(Keys.TAB).perform()  # from the search box to the first row
    assert dash_duo.driver.execute_script("return document.activeElement.textContent") == "INV-A-2"
    ActionChains(dash_duo.driver).send_keys(Keys.ENTER).perform()
    dash_duo.wait_for_contains_text("#invoice-detail .eb-subtitle", "Invoice INV-A-2")
    assert dash_duo.find_element("#invoice-total").text == "$20.13"
    assert dash_duo.get_logs() == []


def test_a_download_clicked_after_the_link_was_revoked_says_the_link_is_no_longer_valid(dash_duo, live_server, billing):
    open_url(dash_duo, live_server, "invoices")
    dash_duo.wait_for_element("#invoices-table", timeout=10)
    r = requests.post(f"{live_server}/v1/tokens/revoke", headers=AUTH, json={"customer_id": A}, timeout=10)
    assert r.status_code == 200
    dash_duo.find_element("#invoices-csv").click()
    dash_duo.wait_for_text_to_equal("#invoices-csv-notice h2", "This link is no longer valid")
    assert not dash_duo.find_element("#invoices-csv").is_displayed()  # the page shows only the notice
    assert dash_duo.get_logs() == []
