"""Embeds that fit the host: colours, dark preset, self-sizing iframes, refresh of expired
links, and the origin check, with the host page on another origin than embedash."""
from __future__ import annotations

import socket
from dataclasses import replace

import pytest
import requests
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from api import create_app
from api.server import serving
from conftest import A, AUTH, cloud_event, local_noon
from theme import DARK


def rgb(hex_color: str, alpha: bool = False) -> str:
    r, g, b = bytes.fromhex(hex_color.lstrip("#"))
    return f"rgba({r}, {g}, {b}, 1)" if alpha else f"rgb({r}, {g}, {b})"


def open_usage(dash_duo, base: str, **body) -> None:
    r = requests.post(f"{base}/v1/dashboards/getEmbeddableUrl", headers=AUTH,
                      json={"customer_id": A, "dashboard": "usage", **body}, timeout=10)
    dash_duo.driver.get(r.json()["data"]["url"])
    dash_duo.wait_for_element(".js-plotly-plot .main-svg", timeout=15)
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3")


def css(dash_duo, selector: str, prop: str) -> str:
    return dash_duo.find_element(selector).value_of_css_property(prop)


def test_text_background_selection_and_action_colours_follow_the_overrides(dash_duo, live_server, world):
    colors = {"Gray_dark": "#102030", "White": "#fdf6e3", "Primary_medium": "#aa0055", "Primary_light": "#ffe0f0",
              "Action": "#006644", "Gray_extralight": "#eeeeff"}  # fmt: skip
    open_usage(dash_duo, live_server, color_overrides=[{"name": k, "value": v} for k, v in colors.items()])
    assert css(dash_duo, "body", "color") == rgb(colors["Gray_dark"], alpha=True)
    assert css(dash_duo, "body", "background-color") == rgb(colors["White"], alpha=True)
    assert css(dash_duo, ".eb-segmented .selected", "background-color") == rgb(colors["Primary_light"], alpha=True)
    assert css(dash_duo, ".eb-segmented .selected", "color") == rgb(colors["Primary_medium"], alpha=True)
    assert css(dash_duo, "#usage-csv", "background-color") == rgb(colors["Action"], alpha=True)
    assert css(dash_duo, ".eb-table th", "background-color") == rgb(colors["Gray_extralight"], alpha=True)
    assert dash_duo.get_logs() == []


def test_each_series_takes_its_usage_line_colour(dash_duo, live_server, world):
    open_usage(dash_duo, live_server, color_overrides=[{"name": "UsageLine_0", "value": "#ff0000"},
                                                        {"name": "UsageLine_1", "value": "#0000ff"}])
    dash_duo.select_dcc_dropdown("#usage-group-by", "region")
    dash_duo.wait_for_element("#usage-breakdown-table")
    fills = [p.value_of_css_property("fill") for p in
             [trace.find_element(By.CSS_SELECTOR, ".point path") for trace in dash_duo.find_elements(".trace.bars")]]
    assert fills == ["rgb(255, 0, 0)", "rgb(0, 0, 255)"]
    assert dash_duo.get_logs() == []


def test_dark_preset_applies_and_explicit_overrides_win(dash_duo, live_server, world):
    open_usage(dash_duo, live_server, dashboard_options=[{"key": "theme", "value": "dark"}],
               color_overrides=[{"name": "Action", "value": "#ff8800"}])
    assert css(dash_duo, "body", "background-color") == rgb(DARK["White"], alpha=True)
    assert css(dash_duo, "body", "color") == rgb(DARK["Gray_dark"], alpha=True)
    assert css(dash_duo, "#usage-csv", "background-color") == rgb("#ff8800", alpha=True)
    paper = dash_duo.find_element(".js-plotly-plot .main-svg").value_of_css_property("background-color")
    assert paper == rgb(DARK["White"], alpha=True)  # the chart's paper follows the preset too
    assert dash_duo.get_logs() == []


def test_font_family_option_uses_a_system_stack(dash_duo, live_server, world):
    open_usage(dash_duo, live_server, dashboard_options=[{"key": "font_family", "value": "serif"}])
    assert css(dash_duo, "body", "font-family").startswith("Georgia")
    assert dash_duo.get_logs() == []


def test_locale_and_timezone_options_change_numbers_and_days(dash_duo, live_server, world):
    open_usage(dash_duo, live_server, dashboard_options=[{"key": "locale", "value": "de_DE"},
                                                          {"key": "timezone", "value": "America/New_York"}])
    dash_duo.wait_for_text_to_equal("#usage-total-tokens", "1.234,5")
    assert "America/New_York" in dash_duo.find_element("#usage-caption").text
    assert dash_duo.get_logs() == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cross_origin(config, store, world):
    """/demo served as http://localhost:P; embedash's URLs are http://127.0.0.1:P, another origin."""
    port = _free_port()
    config = replace(config, public_url=f"http://127.0.0.1:{port}", frame_ancestors=[f"http://localhost:{port}"])
    with serving(create_app(config, store=store, demo=True), port=port):
        yield f"http://localhost:{port}", f"http://127.0.0.1:{port}"


def into_usage_frame(dash_duo):
    dash_duo.driver.switch_to.default_content()
    frame = dash_duo.wait_for_element("#embed-usage iframe", timeout=10)
    dash_duo.driver.switch_to.frame(frame)
    return frame


def choose_window(dash_duo, days: str) -> None:
    dash_duo.find_element(f"#usage-window input[value='{days}']").find_element(By.XPATH, "./ancestor::label").click()


def frame_height(dash_duo) -> int:
    dash_duo.driver.switch_to.default_content()
    return int(dash_duo.find_element("#embed-usage iframe").get_attribute("offsetHeight"))


def test_iframe_height_follows_the_content_both_ways(dash_duo, cross_origin, client):
    host, _ = cross_origin
    # a region seen only 75 days ago: the 90-day breakdown has one row more than the 30-day one
    client.post("/v1/events", headers=AUTH, json=[cloud_event("apac", A, "api_call", local_noon(75, "Asia/Tokyo"), region="apac")])
    dash_duo.driver.get(f"{host}/demo")
    into_usage_frame(dash_duo)
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3", timeout=15)
    dash_duo.select_dcc_dropdown("#usage-group-by", "region")
    dash_duo.wait_for_element("#usage-breakdown-table")
    until(lambda: frame_height(dash_duo) > 0, timeout=5)
    short = frame_height(dash_duo)
    into_usage_frame(dash_duo)
    choose_window(dash_duo, "90")
    dash_duo.wait_for_contains_text("#usage-breakdown-table", "apac")
    until(lambda: frame_height(dash_duo) > short, timeout=5)
    tall = frame_height(dash_duo)
    into_usage_frame(dash_duo)
    choose_window(dash_duo, "30")
    until(lambda: frame_height(dash_duo) < tall, timeout=5)
    assert frame_height(dash_duo) == short
    messages = dash_duo.driver.execute_script("return window.embedashMessages.map(m => m.type)")
    assert "embedash:ready" in messages and "embedash:resize" in messages
    assert dash_duo.get_logs() == []


def test_expired_link_is_refreshed_in_place_keeping_the_view(dash_duo, cross_origin, client):
    host, _ = cross_origin
    dash_duo.driver.get(f"{host}/demo")
    into_usage_frame(dash_duo)
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3", timeout=15)
    dash_duo.driver.switch_to.default_content()
    first_src = dash_duo.find_element("#embed-usage iframe").get_attribute("src")
    into_usage_frame(dash_duo)
    client.post("/v1/tokens/revoke", headers=AUTH, json={"customer_id": A})  # every link of A dies now
    choose_window(dash_duo, "60")  # the next callback finds the token revoked: the page says expired
    dash_duo.driver.switch_to.default_content()
    until(lambda: dash_duo.find_element("#embed-usage iframe").get_attribute("src") != first_src, timeout=10)
    assert "#window=60" in dash_duo.find_element("#embed-usage iframe").get_attribute("src")
    into_usage_frame(dash_duo)
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "5", timeout=15)  # 60 days, with a fresh token
    assert dash_duo.find_element("#usage-window input[value='60']").is_selected()
    dash_duo.driver.switch_to.default_content()
    assert "embedash:expired" in dash_duo.driver.execute_script("return window.embedashMessages.map(m => m.type)")


def test_messages_from_a_foreign_origin_are_ignored(dash_duo, cross_origin):
    host, _ = cross_origin
    dash_duo.driver.get(f"{host}/demo")
    into_usage_frame(dash_duo)
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3", timeout=15)
    dash_duo.driver.switch_to.default_content()
    until(lambda: frame_height(dash_duo) > 100, timeout=5)
    before = frame_height(dash_duo)
    # the host's own origin is not the embed's: a forged resize and a forged expiry change nothing
    dash_duo.driver.execute_script(
        "window.postMessage({type: 'embedash:resize', height: 7}, '*');"
        "window.postMessage({type: 'embedash:expired'}, '*');")
    dash_duo.driver.execute_script("return new Promise(r => setTimeout(r, 0))")  # let the messages be delivered
    assert frame_height(dash_duo) == before
    types = dash_duo.driver.execute_script("return window.embedashMessages.map(m => m.type)")
    assert "embedash:expired" not in types
    assert dash_duo.get_logs() == []


def test_a_link_refused_again_right_after_a_refresh_is_not_refreshed_in_a_loop(dash_duo, cross_origin):
    host, embed = cross_origin
    dash_duo.driver.get(f"{host}/demo")
    dash_duo.wait_for_element("#embed-usage iframe", timeout=10)
    # a second embed whose link, and every refreshed link, is refused
    dash_duo.driver.execute_script("""
        window.refreshes = 0; window.expiries = 0;
        const box = document.createElement("div"); document.body.appendChild(box);
        Embedash.mount(box, {url: arguments[0], refresh: () => { window.refreshes += 1; return arguments[0] + "&again=" + window.refreshes; },
                             onMessage: (m) => { if (m.type === "embedash:expired") window.expiries += 1; }});
    """, f"{embed}/embed/usage?token=refused")
    until(lambda: dash_duo.driver.execute_script("return window.expiries") >= 2, timeout=15)
    assert dash_duo.driver.execute_script("return window.refreshes") == 1
