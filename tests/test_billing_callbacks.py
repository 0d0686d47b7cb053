"""Billing dashboard callbacks over HTTP: token scoping of the selection, the CSV downloads, the
zones dates are in, and what a click says once the link has expired."""
from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from api.tokens import EmbedTokens
from conftest import A, AUTH, B_SECRET_REGION, C, SECRET, cell_text, cloud_event, invoice_body, iso_days_ago, line

CALLBACK = "/embed/_dash-update-component"


def token(client, dashboard="invoices", customer=A, **extra) -> str:
    r = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH,
                    json={"customer_id": customer, "dashboard": dashboard, **extra})
    return parse_qs(urlparse(r.json["data"]["url"]).query)["token"][0]


def select(client, tok: str, invoice_id: str):
    row = {"id": {"type": "invoice-row", "index": invoice_id}, "property": "n_clicks", "value": 1}
    return client.post(CALLBACK, json={
        "output": "..invoice-detail.children...invoice-selected.data..",
        "outputs": [{"id": "invoice-detail", "property": "children"}, {"id": "invoice-selected", "property": "data"}],
        "inputs": [[row]], "changedPropIds": ['{"index":"%s","type":"invoice-row"}.n_clicks' % invoice_id],
        "state": [{"id": "eb-url", "property": "search", "value": f"?token={tok}"}],
    })  # fmt: skip


def download_request(client, tok: str, button: str, state: dict, clicks: int | None = 1):
    """A click on a CSV download button (`clicks` None: the button just drawn, not clicked);
    `state` is the callback's state before the URL's search."""
    return client.post(CALLBACK, json={
        "output": f"{button}-file.data", "outputs": {"id": f"{button}-file", "property": "data"},
        "inputs": [{"id": button, "property": "n_clicks", "value": clicks}], "changedPropIds": [f"{button}.n_clicks"],
        "state": [{"id": k, "property": prop, "value": v} for k, (prop, v) in state.items()]
                 + [{"id": "eb-url", "property": "search", "value": f"?token={tok}"}],
    })  # fmt: skip


def csv_request(client, tok: str, *, search_text=None):
    return download_request(client, tok, "invoices-csv", {"invoices-search": ("value", search_text)})


def test_selecting_own_invoice_returns_its_lines(client, billing):
    r = select(client, token(client), "a1")
    assert r.status_code == 200
    assert "API calls" in r.text and "$65.00" in r.text


def test_forged_selection_of_another_customers_invoice_gets_nothing(client, billing):
    r = select(client, token(client), "b1")
    assert "INV-B-SECRET" not in r.text and B_SECRET_REGION not in r.text and "123,456.78" not in r.text
    assert "No such invoice" in r.text


def test_selection_of_an_invoice_the_tokens_filter_hides_gets_nothing(client, billing):
    tok = token(client, dashboard_options=[{"key": "invoice_status_filter", "value": "DRAFT"}])
    assert "No such invoice" in select(client, tok, "a1").text


def lines_csv_request(client, tok: str, invoice_id: str, clicks: int | None = 1):
    return download_request(client, tok, "invoice-lines-csv", {"invoice-selected": ("data", invoice_id)}, clicks)


def test_drawing_an_invoices_detail_downloads_nothing_until_its_button_is_clicked(client, billing):
    r = lines_csv_request(client, token(client), "a1", clicks=None)
    assert r.status_code == 200 and r.json["response"]["invoice-lines-csv-file"]["data"] is None


def test_list_csv_holds_exactly_the_shown_invoices(client, billing):
    body = csv_request(client, token(client)).json["response"]["invoices-csv-file"]["data"]
    lines = body["content"].strip().splitlines()
    assert lines[0] == "number,period_first_day,period_last_day,status,currency,amount"
    assert [row.split(",")[0] for row in lines[1:]] == ["INV-A-2", "INV-A-4", "INV-A-3", "INV-A-1"]
    assert "INV-B-SECRET" not in body["content"] and "INV-A-OLD" not in body["content"]
    assert lines[1].endswith(",USD,20.13")  # 20.125 rounded half up to cents


def test_list_csv_respects_the_search(client, billing):
    body = csv_request(client, token(client), search_text="void").json["response"]["invoices-csv-file"]["data"]
    assert [row.split(",")[0] for row in body["content"].strip().splitlines()[1:]] == ["INV-A-3"]


def test_lines_csv_of_another_customers_invoice_is_refused(client, billing):
    r = client.post(CALLBACK, json={
        "output": "invoice-lines-csv-file.data", "outputs": {"id": "invoice-lines-csv-file", "property": "data"},
        "inputs": [{"id": "invoice-lines-csv", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["invoice-lines-csv.n_clicks"],
        "state": [{"id": "invoice-selected", "property": "data", "value": "b1"},
                  {"id": "eb-url", "property": "search", "value": f"?token={token(client)}"}],
    })  # fmt: skip
    assert B_SECRET_REGION not in r.text and "123456.78" not in r.text


def test_lines_csv_writes_quantities_and_prices_exactly_and_amounts_in_cents(client, billing):
    body = invoice_body("a-tok", "INV-A-TOK", A, "finalized", "10", [line("Tokens", "1000", "0.01", "10")], days_ago=5)
    assert client.post("/v1/invoices", headers=AUTH, json=[body]).status_code == 200
    data = lines_csv_request(client, token(client), "a-tok").json["response"]["invoice-lines-csv-file"]["data"]
    assert data["content"].splitlines() == ["item,quantity,unit_price,amount", "Tokens,1000,0.01,10.00"]


def page(client, tok: str, dashboard: str):
    """The router callback: the page the browser renders for this link."""
    r = client.post(CALLBACK, json={
        "output": "eb-page.children", "outputs": {"id": "eb-page", "property": "children"},
        "inputs": [{"id": "eb-url", "property": "pathname", "value": f"/embed/{dashboard}"},
                   {"id": "eb-url", "property": "search", "value": f"?token={tok}"}],
        "changedPropIds": ["eb-url.pathname"], "state": [{"id": "eb-url", "property": "hash", "value": ""}],
    })  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json["response"]["eb-page"]["children"]


def test_balance_cards_of_another_currency_are_a_row_of_their_own(client, billing):
    assert client.post(f"/v1/customers/{C}/grants", headers=AUTH, json={
        "id": "c-eur", "kind": "credit", "name": "Euro credit", "amount": "100", "currency": "EUR",
        "starting_at": "2024-09-01T00:00:00Z", "ending_before": "2030-01-01T00:00:00Z"}).status_code == 201
    assert client.post("/v1/invoices", headers=AUTH, json=invoice_body(
        "c-jpy", "INV-C-JPY", C, "finalized", "30", [line("Usage", "1", "30", "30")], currency="JPY")).status_code == 200
    tree = page(client, token(client, "commits_and_credits", customer=C), "commits_and_credits")
    cards = {i: cell_text(tree, i) for i in ("balance-total-remaining", "balance-total-used", "balance-total-uncovered",
                                             "balance-total-remaining-EUR", "balance-total-uncovered-JPY")}
    assert cards == {"balance-total-remaining": "$20.00", "balance-total-used": "$85.00", "balance-total-uncovered": None,
                     "balance-total-remaining-EUR": "€100.00", "balance-total-uncovered-JPY": "¥30"}  # fmt: skip


def list_request(client, tok: str, search_text: str | None = None):
    """The invoice list callback: what the list shows for this search."""
    return client.post(CALLBACK, json={
        "output": "invoices-list.children", "outputs": {"id": "invoices-list", "property": "children"},
        "inputs": [{"id": "invoices-search", "property": "value", "value": search_text}],
        "changedPropIds": ["invoices-search.value"],
        "state": [{"id": "eb-url", "property": "search", "value": f"?token={tok}"}],
    })  # fmt: skip


TOKYO = ZoneInfo("Asia/Tokyo")  # customer A's billing zone


def tokyo_period(client, first: date, last: date) -> None:
    """A finalized invoice of A's for the whole Tokyo days first..last, issued at its end."""
    start, end = (datetime.combine(d, datetime.min.time(), TOKYO).astimezone(UTC) for d in (first, last + timedelta(days=1)))
    iso = [t.isoformat().replace("+00:00", "Z") for t in (start, end)]
    body = {**invoice_body("a-tokyo", "INV-A-TOKYO", A, "finalized", "7", [line("Usage", "1", "7", "7")]),
            "period_start": iso[0], "period_end": iso[1], "issued_at": iso[1]}
    assert client.post("/v1/invoices", headers=AUTH, json=body).status_code == 200


def recent_days() -> tuple[date, date]:
    """Ten whole Tokyo days ending yesterday: an invoice for them is in the 90-day list."""
    today = datetime.now(TOKYO).date()
    return today - timedelta(days=10), today - timedelta(days=1)


def test_a_period_is_labelled_in_the_customers_billing_zone_whatever_zone_the_token_shows(client, billing):
    first, last = recent_days()
    tokyo_period(client, first, last)
    tok = token(client, dashboard_options=[{"key": "timezone", "value": "America/New_York"}])
    label = f"{first:%b} {first.day}, {first.year} – {last:%b} {last.day}, {last.year}"
    assert label in list_request(client, tok).text  # New York would start it a day early


def test_list_csv_gives_each_period_its_first_and_last_day_in_the_billing_zone(client, billing):
    first, last = recent_days()
    tokyo_period(client, first, last)
    body = csv_request(client, token(client), search_text="INV-A-TOKYO").json["response"]["invoices-csv-file"]["data"]
    assert list(csv.reader(io.StringIO(body["content"])))[1][:3] == ["INV-A-TOKYO", first.isoformat(), last.isoformat()]


def test_a_search_that_matches_nothing_says_so(client, billing):
    text = list_request(client, token(client), "no-such-invoice").text
    assert 'No invoices match \\"no-such-invoice\\".' in text and "in the last 90 days" not in text


def test_ledger_csv_dates_are_the_days_the_ledger_shows_in_the_pages_zone(client, billing):
    tok = token(client, "commits_and_credits", customer=C, dashboard_options=[{"key": "timezone", "value": "America/New_York"}])
    r = download_request(client, tok, "ledger-csv", {})
    rows = list(csv.reader(io.StringIO(r.json["response"]["ledger-csv-file"]["data"]["content"])))
    # INV-C-OCT draws on both grants at its period's start, 2024-10-01T00:00Z: Sep 30 in New York
    assert [row[0] for row in rows[1:] if row[3] == "INV-C-OCT"] == ["2024-09-30", "2024-09-30"]


def notice_request(client, button: str, search: str, clicks: int | None = 1):
    return client.post(CALLBACK, json={
        "output": f"{button}-notice.children", "outputs": {"id": f"{button}-notice", "property": "children"},
        "inputs": [{"id": button, "property": "n_clicks", "value": clicks}], "changedPropIds": [f"{button}.n_clicks"],
        "state": [{"id": "eb-url", "property": "search", "value": search}],
    })  # fmt: skip


@pytest.mark.parametrize("button", ["invoices-csv", "invoice-lines-csv", "ledger-csv", "usage-csv"])
def test_a_download_clicked_with_a_forged_link_shows_the_not_valid_notice(client, button):
    r = notice_request(client, button, "?token=forged")
    assert r.status_code == 200 and "This link is not valid" in r.text and "eb-expired" in r.text


@pytest.mark.parametrize("button", ["invoices-csv", "ledger-csv"])
def test_a_download_clicked_after_the_link_expired_shows_the_expired_notice(client, store, button):
    dashboard = "invoices" if button.startswith("invoice") else "commits_and_credits"
    expired, _ = EmbedTokens([SECRET], store, clock=lambda: time.time() - 3600).issue(customer_id=A, dashboard=dashboard, ttl=60)
    r = notice_request(client, button, f"?token={expired}")
    assert r.status_code == 200 and "This link has expired" in r.text


def test_a_download_clicked_while_the_link_works_leaves_the_notice_area_empty(client, billing):
    r = notice_request(client, "invoices-csv", f"?token={token(client)}")
    assert r.status_code == 200 and r.json["response"] == {}  # nothing updated


def test_a_lines_button_drawn_anew_says_nothing_until_clicked(client):
    r = notice_request(client, "invoice-lines-csv", "?token=expired-or-forged", clicks=None)
    assert r.status_code == 200 and r.json["response"] == {}


def priced_usage_now(client) -> None:
    """Tokens priced, and some used a minute ago: A's current period has something to estimate."""
    assert client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD", "unit_price": "0.01",
                                                         "effective_from": "2020-01-01T00:00:00Z"}).status_code == 200
    now = datetime.now(UTC)
    event = cloud_event("now", A, "llm", now - timedelta(minutes=1), tokens="10", model="atlas")
    assert client.post("/v1/events", headers=AUTH, json=[event]).status_code == 200


def draft_covering_today(client, type: str) -> None:
    body = {**invoice_body("a-now", "INV-A-NOW", A, "draft", "49.99", [line("Platform fee", "1", "49.99", "49.99")],
                           type=type), "period_start": iso_days_ago(5), "period_end": iso_days_ago(-5)}
    assert client.post("/v1/invoices", headers=AUTH, json=body).status_code == 200


def estimate_id(client, tok: str) -> str | None:
    """The id of the estimate row the list shows, if it shows one."""
    ids = [m.group(1) for m in re.finditer(r'"index":\s*"(estimate:[^"]+)"', list_request(client, tok).text)]
    return ids[0] if ids else None


def test_a_scheduled_draft_covering_today_leaves_the_usage_estimate_listed(client, billing):
    priced_usage_now(client)
    draft_covering_today(client, "SCHEDULED")  # a fixed fee: it says nothing of the usage
    assert estimate_id(client, token(client)) is not None


def test_a_usage_draft_covering_today_takes_the_estimates_place(client, billing):
    priced_usage_now(client)
    draft_covering_today(client, "USAGE")
    assert estimate_id(client, token(client)) is None


def test_the_estimates_heading_names_its_period_not_a_number(client, billing):
    priced_usage_now(client)
    tok = token(client)
    text = select(client, tok, estimate_id(client, tok)).text
    assert "Estimate for " in text and "Invoice Estimate" not in text


# What an integrator's (or their users') data could smuggle into a spreadsheet that opens a download.
HYPERLINK = '=HYPERLINK("https://attacker.example","x")'


def csv_rows(response, output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.json["response"][output]["data"]["content"])))


def post_invoice(client, number: str, lines: list[dict], total: str) -> None:
    r = client.post("/v1/invoices", headers=AUTH, json=[invoice_body("a-csv", number, A, "finalized", total, lines, days_ago=5)])
    assert r.status_code == 200, r.json


def test_lines_csv_shows_an_item_name_a_spreadsheet_would_run_as_text(client, billing):
    post_invoice(client, "INV-A-CSV", [line(HYPERLINK, "1", "10", "10")], "10")
    rows = csv_rows(lines_csv_request(client, token(client), "a-csv"), "invoice-lines-csv-file")
    assert rows[1] == ["'" + HYPERLINK, "1", "10", "10.00"]


def test_lines_csv_keeps_a_negative_amount_a_number(client, billing):
    post_invoice(client, "INV-A-CSV", [line("Usage", "1", "400", "400"), line("Discount", "-1", "363.61", "-363.61")], "36.39")
    rows = csv_rows(lines_csv_request(client, token(client), "a-csv"), "invoice-lines-csv-file")
    assert rows[2] == ["Discount", "-1", "363.61", "-363.61"]


def test_lines_csv_file_name_keeps_only_safe_characters_of_the_invoice_number(client, billing):
    post_invoice(client, HYPERLINK + "<img src=x>", [line("Usage", "1", "10", "10")], "10")
    data = lines_csv_request(client, token(client), "a-csv").json["response"]["invoice-lines-csv-file"]["data"]
    assert data["filename"] == "invoice-_HYPERLINK__https___attacker.example___x___img_src_x_.csv"


def test_list_csv_shows_an_invoice_number_a_spreadsheet_would_run_as_text(client, billing):
    post_invoice(client, HYPERLINK, [line("Usage", "1", "10", "10")], "10")
    rows = csv_rows(csv_request(client, token(client), search_text="HYPERLINK"), "invoices-csv-file")
    assert [row[0] for row in rows[1:]] == ["'" + HYPERLINK]


def test_ledger_csv_shows_a_grant_name_a_spreadsheet_would_run_as_text(client, billing):
    grant = {"id": "c-evil", "kind": "credit", "name": "@SUM(1+1)*cmd|' /C calc'!A0", "amount": "1", "currency": "USD",
             "priority": 9, "starting_at": "2024-09-01T00:00:00Z", "ending_before": "2030-01-01T00:00:00Z"}
    assert client.post(f"/v1/customers/{C}/grants", headers=AUTH, json=grant).status_code == 201
    rows = csv_rows(download_request(client, token(client, "commits_and_credits", customer=C), "ledger-csv", {}), "ledger-csv-file")
    assert [row[2] for row in rows[1:] if row[1] == "grant" and row[5] == "1.00"] == ["'@SUM(1+1)*cmd|' /C calc'!A0"]


def test_usage_csv_shows_a_group_value_a_spreadsheet_would_run_as_text(client, world):
    event = cloud_event("a-csv", A, "api_call", datetime.now(UTC) - timedelta(days=1), region=HYPERLINK)
    assert client.post("/v1/events", headers=AUTH, json=[event]).status_code == 200
    state = {"usage-window": ("value", "30"), "usage-metric": ("value", "api_calls"), "usage-group-by": ("value", "region"),
             "usage-value": ("value", "quantity")}  # fmt: skip
    rows = csv_rows(download_request(client, token(client, "usage"), "usage-csv", state), "usage-csv-file")
    assert ["by region", "api_calls", "'" + HYPERLINK, "1", "calls"] in rows
