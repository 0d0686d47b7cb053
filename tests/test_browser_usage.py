"""The usage dashboard in headless Chromium, served by waitress, through URLs from the real API."""
from __future__ import annotations

import time

import requests
from selenium.webdriver.common.by import By

from api.tokens import EmbedTokens
from conftest import A, AUTH, SECRET


def api_url(base: str, **body) -> dict:
    r = requests.post(f"{base}/v1/dashboards/getEmbeddableUrl", headers=AUTH,
                      json={"customer_id": A, "dashboard": "usage", **body}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def open_dashboard(dash_duo, url: str) -> None:
    dash_duo.driver.get(url)
    dash_duo.wait_for_element(".js-plotly-plot .main-svg", timeout=15)


def assert_only_the_denial_in_logs(dash_duo, status: int) -> None:
    """Chromium logs the page's own 401/403 as a failed resource; nothing else may be there."""
    logs = dash_duo.get_logs()
    assert all(f"status of {status}" in entry["message"] and "/embed/usage" in entry["message"] for entry in logs), logs


def bar_fill(dash_duo) -> str:
    path = dash_duo.find_element(".js-plotly-plot .trace.bars .point path")
    return path.value_of_css_property("fill")


def test_url_from_the_api_renders_the_usage_chart_and_totals(dash_duo, live_server, world):
    open_dashboard(dash_duo, api_url(live_server)["url"])
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3")
    dash_duo.wait_for_text_to_equal("#usage-total-tokens", "1,234.5")
    assert dash_duo.find_element(".eb-title").text == "Usage"
    assert "Asia/Tokyo" in dash_duo.find_element("#usage-caption").text
    assert dash_duo.get_logs() == []


def test_series_colour_is_the_usage_line_0_override(dash_duo, live_server, world):
    url = api_url(live_server, color_overrides=[{"name": "UsageLine_0", "value": "#e4007c"}])["url"]
    open_dashboard(dash_duo, url)
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3")
    assert bar_fill(dash_duo) == "rgb(228, 0, 124)"
    assert dash_duo.get_logs() == []


def test_switching_30_to_90_days_changes_the_totals(dash_duo, live_server, world):
    open_dashboard(dash_duo, api_url(live_server)["url"])
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3")
    dash_duo.find_element("#usage-window input[value='90']").find_element(By.XPATH, "./ancestor::label").click()
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "7")
    assert "Last 90 days" in dash_duo.find_element("#usage-caption").text
    assert dash_duo.get_logs() == []


def test_default_window_option_opens_on_90_days(dash_duo, live_server, world):
    open_dashboard(dash_duo, api_url(live_server, dashboard_options=[{"key": "default_window", "value": "90"}])["url"])
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "7")
    assert dash_duo.get_logs() == []


def test_group_by_uses_the_override_names(dash_duo, live_server, world):
    url = api_url(live_server, bm_group_key_overrides=[
        {"group_key_name": "region", "display_name": "Data centre", "value_display_names": {"eu": "Europe"}}])["url"]
    open_dashboard(dash_duo, url)
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3")
    dash_duo.select_dcc_dropdown("#usage-group-by", "Data centre")
    dash_duo.wait_for_contains_text(".js-plotly-plot .legend", "Europe")
    assert dash_duo.get_logs() == []


def test_expired_url_shows_the_expired_page(dash_duo, live_server, app, world):
    tokens = EmbedTokens([SECRET], app.extensions["embedash"].store, clock=lambda: time.time() - 7200)
    token, _ = tokens.issue(customer_id=A, dashboard="usage", ttl=60)
    dash_duo.driver.get(f"{live_server}/embed/usage?token={token}")
    dash_duo.wait_for_text_to_equal(".eb-denied h2", "This link has expired")
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")
    assert_only_the_denial_in_logs(dash_duo, 401)


def test_revoked_url_shows_the_expired_page(dash_duo, live_server, world):
    data = api_url(live_server)
    requests.post(f"{live_server}/v1/tokens/revoke", headers=AUTH, json={"token_id": data["token_id"]}, timeout=10)
    dash_duo.driver.get(data["url"])
    dash_duo.wait_for_text_to_equal(".eb-denied h2", "This link is no longer valid")
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")
    assert_only_the_denial_in_logs(dash_duo, 403)


def test_link_revoked_while_open_stops_showing_data(dash_duo, live_server, world):
    data = api_url(live_server)
    open_dashboard(dash_duo, data["url"])
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3")
    requests.post(f"{live_server}/v1/tokens/revoke", headers=AUTH, json={"token_id": data["token_id"]}, timeout=10)
    dash_duo.find_element("#usage-window input[value='60']").find_element(By.XPATH, "./ancestor::label").click()
    dash_duo.wait_for_text_to_equal(".eb-expired h2", "This link is no longer valid")
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#usage-total-api_calls")
    assert dash_duo.get_logs() == []


def test_a_link_that_stops_working_while_open_leaves_only_its_notice(dash_duo, live_server, world):
    """No empty axes, controls, totals or CSV button that no longer work beside the notice."""
    data = api_url(live_server)
    open_dashboard(dash_duo, data["url"])
    dash_duo.wait_for_element("#usage-chart .xtick")
    requests.post(f"{live_server}/v1/tokens/revoke", headers=AUTH, json={"token_id": data["token_id"]}, timeout=10)
    dash_duo.find_element("#usage-window input[value='60']").find_element(By.XPATH, "./ancestor::label").click()
    dash_duo.wait_for_text_to_equal(".eb-expired h2", "This link is no longer valid")
    dash_duo.wait_for_no_elements("#usage-chart .xtick, #usage-chart .ytick, #usage-chart .xtitle, #usage-chart .ytitle")
    for selector in (".eb-header", ".eb-controls", "#usage-chart", "#usage-totals", "#usage-csv"):
        assert not dash_duo.find_element(selector).is_displayed(), selector
    assert dash_duo.get_logs() == []


# The text of the elements an element's aria-labelledby names, in order, as a screen reader joins them.
LABELLED_BY = """return (arguments[0].getAttribute("aria-labelledby") || "").split(/\\s+/)
    .map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent.trim()).join(" ");"""


def test_dropdowns_are_named_by_their_labels(dash_duo, live_server, world):
    open_dashboard(dash_duo, api_url(live_server)["url"])
    dash_duo.wait_for_text_to_equal("#usage-metric .dash-dropdown-value", "API calls")
    dash_duo.wait_for_text_to_equal("#usage-group-by .dash-dropdown-value", "No grouping")
    for dropdown_id, name in (("usage-metric", "Metric API calls"), ("usage-group-by", "Group by No grouping")):
        target = dash_duo.find_element(f"#{dropdown_id}").find_element(By.XPATH, "preceding-sibling::input")
        dash_duo.driver.execute_script("arguments[0].focus()", target)  # as a Tab onto it does
        focused = dash_duo.driver.switch_to.active_element  # the focus target hands focus to the dropdown's button
        assert focused.get_attribute("id") == dropdown_id
        assert dash_duo.driver.execute_script(LABELLED_BY, focused) == name
        assert focused.accessible_name == name  # as Chromium computes it
    assert dash_duo.get_logs() == []


def test_spend_view_rates_usage_by_price(dash_duo, live_server, world):
    r = requests.post(f"{live_server}/v1/prices", headers=AUTH, timeout=10, json={
        "metric": "tokens", "currency": "USD", "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    assert r.status_code == 200
    open_dashboard(dash_duo, api_url(live_server)["url"])
    dash_duo.wait_for_text_to_equal("#usage-total-tokens", "1,234.5")
    dash_duo.find_element("#usage-value input[value='spend']").find_element(By.XPATH, "./ancestor::label").click()
    dash_duo.wait_for_text_to_equal("#usage-total-tokens", "$12.35")  # 1,234.5 x $0.01 = $12.345, shown half up
    assert dash_duo.find_element("#usage-total-api_calls").text == "—"  # no price: not free, just unpriced
    assert "spend in USD" in dash_duo.find_element("#usage-caption").text
    assert dash_duo.get_logs() == []
