"""Fixtures: a fresh store and app per test, a two-customer world ingested through the real
API, a real waitress server on a free port, and headless Chromium for dash_duo."""
from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, time as dtime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.chrome.options import Options

from api import create_app
from api.config import Config
from api.server import serving
from data import Store

API_KEY = "test-api-key"
SECRET = "test-secret-key-newest-0123456789"
AUTH = {"Authorization": f"Bearer {API_KEY}"}

# Customer A (Tokyo) and B (New York). A's api_calls: 3 in the last 30 local days, 7 in 90.
A, B = "cust-a", "cust-b"
A_CALL_DAYS_AGO = [1, 5, 10, 40, 50, 70, 80]
B_CALLS = 11
B_SECRET_REGION = "b-only-secret-region"


def pytest_setup_options():
    """Chromium flags for this machine: no sandbox as root, no background network traffic."""
    options = Options()
    for flag in ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1200,1000"):
        options.add_argument(flag)
    if shutil.which("chromium"):
        options.binary_location = shutil.which("chromium")
    return options


def pytest_collection_modifyitems(config, items):
    """Browser tests need chromium + chromedriver: under CI=true their absence fails the run."""
    if shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("google-chrome")):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but chromium/chromedriver are missing: browser tests cannot run")
    skip = pytest.mark.skip(reason="chromium/chromedriver not installed (apt-get install chromium chromium-driver)")
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()) or item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture
def config() -> Config:
    return Config(database=":memory:", secret_keys=[SECRET], api_keys=[API_KEY], token_ttl=3600)


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


@pytest.fixture(params=["pandas' row conversion", "the public constructor"])
def frame_path(request, monkeypatch):
    """Both ways `frame` builds: with pandas' own list-to-array step, and without (a pandas that moved it)."""
    if request.param == "the public constructor":
        monkeypatch.setattr("data.store._object_rows", None)


@pytest.fixture
def app(config, store):
    return create_app(config, store=store)


@pytest.fixture
def client(app):
    return app.test_client()


def cloud_event(i: int | str, customer: str, type_: str, time: datetime, **data) -> dict:
    return {"specversion": "1.0", "id": str(i), "source": "tests", "type": type_, "subject": customer,
            "time": time.isoformat(), "data": data}  # fmt: skip


def local_noon(days_ago: int, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    day = datetime.now(UTC).astimezone(zone).date() - timedelta(days=days_ago)
    return datetime.combine(day, dtime(12), tzinfo=zone).astimezone(UTC)


@pytest.fixture
def world(client):
    """Two customers, two metrics and their events, all through the integrator API."""
    r = client.post("/v1/customers", headers=AUTH, json=[
        {"id": A, "name": "Acme KK", "currency": "USD", "timezone": "Asia/Tokyo", "locale": "en_US"},
        {"id": B, "name": "Bravo Inc", "currency": "EUR", "timezone": "America/New_York", "locale": "de_DE"},
    ])  # fmt: skip
    assert r.status_code == 200, r.json
    r = client.post("/v1/billable-metrics", headers=AUTH, json=[
        {"slug": "api_calls", "name": "API calls", "unit": "calls", "event_type": "api_call",
         "aggregation": "COUNT", "group_keys": ["region"]},
        {"slug": "tokens", "name": "Tokens", "unit": "tokens", "event_type": "llm",
         "aggregation": "SUM", "value_property": "tokens", "group_keys": ["model"]},
    ])  # fmt: skip
    assert r.status_code == 200, r.json
    events = [cloud_event(f"a{i}", A, "api_call", local_noon(d, "Asia/Tokyo"), region="eu" if i % 2 else "us")
              for i, d in enumerate(A_CALL_DAYS_AGO)]
    events += [cloud_event(f"b{i}", B, "api_call", local_noon(2, "America/New_York"), region=B_SECRET_REGION)
               for i in range(B_CALLS)]
    events += [cloud_event("a-tok", A, "llm", local_noon(3, "Asia/Tokyo"), tokens="1234.5", model="atlas")]
    r = client.post("/v1/events", headers=AUTH, json=events)
    assert r.status_code == 200, r.json
    return {"events": events}


@pytest.fixture
def live_server(app):
    """The app behind the production server (waitress, threads) on a free loopback port."""
    with serving(app) as base_url:
        yield base_url



# Customer C carries the worked example of DESIGN.md; A has recent invoices of every kind.
C = "cust-c"


def iso_days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def line(name, quantity, unit_price, amount, metric=None):
    return {"name": name, "quantity": quantity, "unit_price": unit_price, "amount": amount,
            **({"billable_metric": metric} if metric else {})}  # fmt: skip


def invoice_body(id, number, customer, status, total, lines, *, days_ago=30, type="USAGE", currency="USD"):
    return {"id": id, "number": number, "customer_id": customer, "status": status, "type": type,
            "currency": currency, "issued_at": iso_days_ago(days_ago), "period_start": iso_days_ago(days_ago + 30),
            "period_end": iso_days_ago(days_ago), "total": total, "line_items": lines}  # fmt: skip


A_INVOICES = {  # number -> (status, type)
    "INV-A-1": ("finalized", "USAGE"), "INV-A-2": ("draft", "USAGE"), "INV-A-3": ("voided", "USAGE"),
    "INV-A-4": ("finalized", "SCHEDULED"),
}  # fmt: skip


@pytest.fixture
def billing(client, world):
    """A: four recent invoices (one with a zero-usage line); B: one secret invoice; C: the worked example."""
    r = client.post("/v1/customers", headers=AUTH, json={"id": C, "name": "Charlie LLC", "currency": "USD",
                                                         "timezone": "UTC", "locale": "en_US"})
    assert r.status_code == 200
    invoices = [
        invoice_body("a1", "INV-A-1", A, "finalized", "65.00", [
            line("API calls", "6500", "0.01", "65.00", "api_calls"), line("GPU hours", "0", "2.5", "0")], days_ago=40),
        invoice_body("a2", "INV-A-2", A, "draft", "20.125", [line("API calls", "2012.5", "0.01", "20.125")], days_ago=1),
        invoice_body("a3", "INV-A-3", A, "voided", "999", [line("API calls", "99900", "0.01", "999")], days_ago=20),
        invoice_body("a4", "INV-A-4", A, "finalized", "49.99", [line("Platform fee", "1", "49.99", "49.99")],
                     days_ago=10, type="SCHEDULED"),
        invoice_body("a-old", "INV-A-OLD", A, "finalized", "1", [line("Old", "1", "1", "1")], days_ago=200),
        invoice_body("b1", "INV-B-SECRET", B, "finalized", "123456.78", [line(B_SECRET_REGION, "1", "123456.78", "123456.78")]),
        {**invoice_body("c-sep", "INV-C-SEP", C, "finalized", "65", [line("Usage", "1", "65", "65")]),
         "period_start": "2024-09-01T00:00:00Z", "period_end": "2024-10-01T00:00:00Z", "issued_at": "2024-10-01T00:00:00Z"},
        {**invoice_body("c-oct", "INV-C-OCT", C, "finalized", "20", [line("Usage", "1", "20", "20")]),
         "period_start": "2024-10-01T00:00:00Z", "period_end": "2024-11-01T00:00:00Z", "issued_at": "2024-11-01T00:00:00Z"},
    ]  # fmt: skip
    r = client.post("/v1/invoices", headers=AUTH, json=invoices)
    assert r.status_code == 200, r.json
    for body in (
        {"id": "c-commit", "kind": "commit", "name": "Prepaid commit", "amount": "100", "currency": "USD",
         "priority": 1, "starting_at": "2024-09-01T00:00:00Z", "ending_before": "2030-01-01T00:00:00Z"},
        {"id": "c-credit", "kind": "credit", "name": "Reward credit", "amount": "5", "currency": "USD",
         "priority": 1, "starting_at": "2024-10-01T00:00:00Z", "ending_before": "2030-01-01T00:00:00Z"},
    ):  # fmt: skip
        assert client.post(f"/v1/customers/{C}/grants", headers=AUTH, json=body).status_code == 201
    return invoices


CALLBACK = "/embed/_dash-update-component"


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def render_request(token: str, *, window="90", metric="api_calls", group_by="region", value="quantity", extra_inputs=(),
                   **extra) -> dict:
    """The JSON the browser posts for the usage render callback."""
    return {
        "output": "..usage-chart.figure...usage-totals.children...usage-breakdown.children...usage-caption.children..",
        "outputs": [{"id": "usage-chart", "property": "figure"}, {"id": "usage-totals", "property": "children"},
                    {"id": "usage-breakdown", "property": "children"}, {"id": "usage-caption", "property": "children"}],
        "inputs": [{"id": "usage-window", "property": "value", "value": window},
                   {"id": "usage-metric", "property": "value", "value": metric},
                   {"id": "usage-group-by", "property": "value", "value": group_by},
                   {"id": "usage-value", "property": "value", "value": value}, *extra_inputs],
        "changedPropIds": ["usage-window.value"],
        "state": [{"id": "eb-url", "property": "search", "value": f"?token={token}&customer_id={B}"}],
        **extra,
    }  # fmt: skip


def cell_text(tree, cell_id: str) -> str | None:
    """The children of the element with this id, anywhere in a callback's component JSON."""
    if isinstance(tree, list):
        return next((t for t in (cell_text(c, cell_id) for c in tree) if t is not None), None)
    if isinstance(tree, dict) and "props" in tree:
        props = tree["props"]
        return props.get("children") if props.get("id") == cell_id else cell_text(props.get("children"), cell_id)
    return None
