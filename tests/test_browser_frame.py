"""How an embed lives in its host page: it scrolls in a plain iframe that is too short and
not in one embed.js sizes, it fits a narrow frame, `embedash:ready` waits for the first data,
and it names its language, shows keyboard focus and has controls whose edges can be seen.
The host pages here are on embedash's own origin, so a test can look into the frame at the
moment the frame posts a message."""
from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator

import pytest
import requests
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from api import create_app
from api.server import serving
from conftest import AUTH, A, B, C
from theme import DARK, LIGHT, contrast_ratio

# Replaces the host's postMessage: the frame, on the same origin, calls it while it posts, so
# `window.seenAtReady` is what the frame showed when it said it was ready.
RECORDER = """<script>
window.messages = []; window.seenAtReady = null;
const deliver = window.postMessage.bind(window);
window.postMessage = function (message, targetOrigin) {
  window.messages.push(message);
  if (message && message.type === "embedash:ready" && window.seenAtReady === null) {
    window.seenAtReady = (%s)(document.querySelector("iframe").contentDocument);
  }
  return deliver(message, targetOrigin);
};
</script>"""


class Host:
    """Embedash on a free port with host pages of the test's making on the same origin."""

    def __init__(self, base: str, pages: dict[str, str]):
        self.base, self._pages = base, pages

    def embed_url(self, dashboard: str, customer: str = A, **options: str) -> str:
        r = requests.post(f"{self.base}/v1/dashboards/getEmbeddableUrl", headers=AUTH, timeout=10,
                          json={"customer_id": customer, "dashboard": dashboard,
                                "dashboard_options": [{"key": k, "value": v} for k, v in options.items()]})
        return r.json()["data"]["url"]

    def page(self, body: str) -> str:
        name = f"p{len(self._pages)}"
        self._pages[name] = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                             f"<title>host</title></head><body style='margin:0'>{body}</body></html>")
        return f"{self.base}/host/{name}"


@pytest.fixture
def host(config, store, billing) -> Iterator[Host]:
    pages: dict[str, str] = {}
    app = create_app(config, store=store)
    app.add_url_rule("/host/<name>", "host", lambda name: pages[name])
    with serving(app) as base:
        yield Host(base, pages)


def plain_iframe(url: str, style: str) -> str:
    return f'<iframe src="{html.escape(url)}" title="Billing" style="border:0;{style}"></iframe>'


def in_frame(dash_duo) -> None:
    dash_duo.driver.switch_to.default_content()
    dash_duo.driver.switch_to.frame(dash_duo.wait_for_element("iframe", timeout=10))


def wait_for_content(dash_duo, selector: str, text: str) -> None:
    """Waits for the text in the DOM, seen or not (Selenium's text is only what shows)."""
    until(lambda: dash_duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e && e.textContent", selector) == text, timeout=15)


def frame_script(dash_duo, script: str):
    in_frame(dash_duo)
    try:
        return dash_duo.driver.execute_script(script)
    finally:
        dash_duo.driver.switch_to.default_content()


def frame_heights(dash_duo) -> tuple[int, list[int]]:
    """The iframe's height on the host page, and every height the embed posted."""
    return tuple(dash_duo.driver.execute_script(
        "return [document.querySelector('iframe').offsetHeight,"
        " window.messages.filter(m => m.type === 'embedash:resize').map(m => m.height)]"))


def css_rgb(hex_color: str) -> str:
    r, g, b = bytes.fromhex(hex_color.lstrip("#"))
    return f"rgba({r}, {g}, {b}, 1)"


def as_hex(css_color: str) -> str:
    """`rgb(75, 85, 99)` or `rgba(75, 85, 99, 1)` as `#4b5563`."""
    channels = css_color[css_color.index("(") + 1:-1].split(",")[:3]
    return "#" + "".join(f"{int(c):02x}" for c in channels)


# 1. Scrolling


def test_a_plain_iframe_too_short_for_the_page_scrolls_to_its_end(dash_duo, host):
    dash_duo.driver.get(host.page(plain_iframe(host.embed_url("usage"), "width:800px;height:240px")))
    in_frame(dash_duo)
    wait_for_content(dash_duo, "#usage-total-api_calls", "3")
    dash_duo.wait_for_element("#usage-chart .trace.bars")
    button = dash_duo.find_element("#usage-csv")  # at the bottom of the page, below the frame's 240 px
    assert button.location["y"] > 240
    ActionChains(dash_duo.driver).scroll_from_origin(ScrollOrigin.from_viewport(400, 120), 0, 2000).perform()
    until(lambda: dash_duo.driver.execute_script("return arguments[0].getBoundingClientRect().bottom <= innerHeight", button),
          timeout=5)
    assert dash_duo.get_logs() == []


def test_an_iframe_mounted_by_embed_js_fits_its_page_without_a_scrollbar(dash_duo, host):
    dash_duo.driver.get(host.page(
        '<div id="box"></div><script src="/embed.js"></script><script>window.messages = [];'
        f"Embedash.mount(document.getElementById('box'), {{url: {json.dumps(host.embed_url('usage'))},"
        " onMessage: (m) => window.messages.push(m)});</script>"))
    until(lambda: dash_duo.driver.execute_script("return window.messages.some(m => m.type === 'embedash:ready')"), timeout=20)
    until(lambda: frame_heights(dash_duo)[0] == frame_heights(dash_duo)[1][-1], timeout=5)
    posted = len(frame_heights(dash_duo)[1])
    fits = frame_script(dash_duo, "const e = document.documentElement; return [e.scrollHeight <= e.clientHeight,"
                                  " e.scrollWidth <= e.clientWidth, innerWidth === e.clientWidth]")
    assert fits == [True, True, True]  # nothing to scroll, and no scrollbar taking the width
    dash_duo.driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert len(frame_heights(dash_duo)[1]) == posted  # sized once: no loop of resizes
    assert dash_duo.get_logs() == []


# 2. Narrow frames

# What reaches past the viewport's right edge, leaving out what is inside an element that
# scrolls sideways (a table in a narrow frame): clipped or widening the page, either is lost.
PAST_THE_EDGE = """
const page = document.documentElement, width = page.clientWidth;
const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
const inScroller = (e) => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true; return false; };
return [...document.body.querySelectorAll("*")]
  .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !inScroller(e))
  .map((e) => e.outerHTML.slice(0, 100))
  .concat(page.scrollWidth > width ? [`the page is ${page.scrollWidth} px wide`] : []);
"""


def show_usage_with_a_breakdown(dash_duo) -> None:
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3", timeout=15)
    dash_duo.select_dcc_dropdown("#usage-group-by", "region")
    dash_duo.wait_for_contains_text("#usage-breakdown-table", "eu")


def show_an_invoice(dash_duo) -> None:
    dash_duo.wait_for_contains_text("#invoices-table", "INV-A-4", timeout=15)
    dash_duo.find_elements("#invoices-table tbody tr")[1].click()
    dash_duo.wait_for_contains_text("#invoice-lines", "Platform fee")


def show_the_ledger(dash_duo) -> None:
    dash_duo.wait_for_contains_text("#ledger-table", "INV-C-OCT", timeout=15)
    dash_duo.wait_for_element("#grants-chart .trace.bars")


@pytest.mark.parametrize("dashboard, customer, show", [
    ("usage", A, show_usage_with_a_breakdown), ("invoices", A, show_an_invoice), ("commits_and_credits", C, show_the_ledger),
])  # fmt: skip
def test_a_page_fits_a_320_px_window(dash_duo, host, dashboard, customer, show: Callable):
    dash_duo.driver.set_window_size(320, 1000)
    dash_duo.driver.get(host.embed_url(dashboard, customer))
    show(dash_duo)
    assert dash_duo.driver.execute_script("return innerWidth") == 320
    # a chart follows its container a moment after a vertical scrollbar narrows the page
    until(lambda: dash_duo.driver.execute_script(PAST_THE_EDGE) == [], timeout=5)
    assert dash_duo.get_logs() == []


def test_a_table_spans_a_frame_narrower_than_640_px(dash_duo, host):
    dash_duo.driver.set_window_size(600, 1000)
    dash_duo.driver.get(host.embed_url("usage"))
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3", timeout=15)
    widths = dash_duo.driver.execute_script(
        "return [document.querySelector('#usage-totals-table tr').offsetWidth, document.getElementById('usage-totals').clientWidth]")
    assert widths[0] == widths[1]  # three short columns, their rows spread over the frame's width
    assert dash_duo.get_logs() == []


# 3. Ready means the first data is on screen

# What of its data a frame shows: bars drawn in a chart, and text in an element.
SEEN = """d => ({
  bars: d.querySelectorAll("#%s .trace.bars .point path").length,
  text: d.getElementById("%s")?.textContent || "",
})"""


@pytest.mark.parametrize("dashboard, customer, chart, element, text", [
    ("usage", A, "usage-chart", "usage-total-api_calls", "3"),
    ("invoices", A, "none", "invoices-list", "INV-A-1"),  # no chart
    ("commits_and_credits", C, "grants-chart", "ledger-table", "INV-C-OCT"),
])  # fmt: skip
def test_ready_is_posted_once_the_first_data_is_drawn(dash_duo, host, dashboard, customer, chart, element, text):
    recorder = RECORDER % (SEEN % (chart, element))
    dash_duo.driver.get(host.page(recorder + plain_iframe(host.embed_url(dashboard, customer), "width:900px;height:700px")))
    until(lambda: dash_duo.driver.execute_script("return window.seenAtReady") is not None, timeout=20)
    at_ready = dash_duo.driver.execute_script("return window.seenAtReady")
    assert text in at_ready["text"]
    assert at_ready["bars"] > 0 or chart == "none"
    assert [m["type"] for m in dash_duo.driver.execute_script("return window.messages")].count("embedash:ready") == 1
    assert dash_duo.get_logs() == []


# 4. Accessibility


@pytest.mark.parametrize("customer, options, lang", [(A, {}, "en"), (B, {}, "de"), (A, {"locale": "ja_JP"}, "ja")])
def test_the_page_declares_the_language_of_its_locale(dash_duo, host, customer, options, lang):
    dash_duo.driver.get(host.embed_url("usage", customer, **options))
    dash_duo.wait_for_text_to_equal(".eb-title", "Usage", timeout=15)
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == lang
    assert dash_duo.get_logs() == []


def test_a_segmented_option_reached_by_keyboard_shows_a_focus_ring(dash_duo, host):
    dash_duo.driver.get(host.embed_url("usage"))
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3", timeout=15)
    option = dash_duo.find_element("#usage-window input[value='30']").find_element(By.XPATH, "./ancestor::label")
    assert option.value_of_css_property("outline-style") == "none"
    ActionChains(dash_duo.driver).send_keys(Keys.TAB).perform()  # the page's first control: the window's checked radio
    assert dash_duo.driver.execute_script("return document.activeElement.value") == "30"
    assert option.value_of_css_property("outline-style") == "solid"
    assert option.value_of_css_property("outline-width") == "2px"
    assert option.value_of_css_property("outline-color") == css_rgb(LIGHT["Primary_medium"])
    assert dash_duo.get_logs() == []

@pytest.mark.parametrize("theme, colors", [("light", LIGHT), ("dark", DARK)])
def test_borders_of_inputs_and_dropdowns_stand_out_3_to_1_from_the_page(dash_duo, host, theme, colors):
    def border_contrast(selector: str) -> float:
        return contrast_ratio(as_hex(dash_duo.find_element(selector).value_of_css_property("border-top-color")), colors["White"])

    dash_duo.driver.get(host.embed_url("usage", theme=theme))
    dash_duo.wait_for_text_to_equal("#usage-total-api_calls", "3", timeout=15)
    assert border_contrast("#usage-metric") >= 3  # a dropdown
    assert border_contrast("#usage-window") >= 3  # a segmented control
    dash_duo.driver.get(host.embed_url("invoices", theme=theme))
    dash_duo.wait_for_contains_text("#invoices-table", "INV-A-1", timeout=15)
    assert border_contrast(".eb-search") >= 3  # the box Dash wraps the search input in draws its border
    assert dash_duo.get_logs() == []
