"""`/demo`: a host page whose server side asks the API for URLs and embeds them with embed.js."""
from __future__ import annotations

import pytest
from dash.testing.wait import until

from api import create_app
from api.server import serving
from data.demo import seed_demo


@pytest.fixture
def demo_server(config, store):
    seed_demo(store, customers=3, days=35, events=3000, seed=1)
    with serving(create_app(config, store=store, demo=True)) as base_url:
        yield base_url


def test_demo_page_embeds_the_three_dashboards_in_iframes(dash_duo, demo_server):
    dash_duo.driver.get(f"{demo_server}/demo")
    frame = dash_duo.wait_for_element("#embed-usage iframe", timeout=10)
    dash_duo.driver.switch_to.frame(frame)
    dash_duo.wait_for_element(".js-plotly-plot .trace.bars", timeout=15)
    dash_duo.wait_for_contains_text(".eb-table", "API requests")
    dash_duo.driver.switch_to.default_content()
    for dashboard, text in (("invoices", "Finalized"), ("commits_and_credits", "Prepaid commit")):
        dash_duo.driver.switch_to.frame(dash_duo.wait_for_element(f"#embed-{dashboard} iframe", timeout=10))
        dash_duo.wait_for_contains_text(".eb-dashboard", text, timeout=15)
        dash_duo.driver.switch_to.default_content()
    # the iframe took the dashboard's height (embedash:resize), so it never scrolls inside the host
    until(lambda: int(frame.get_attribute("offsetHeight")) > 600, timeout=10)
    assert dash_duo.get_logs() == []


def test_demo_is_not_mounted_unless_asked(client):
    assert client.get("/demo").status_code == 404
