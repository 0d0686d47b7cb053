"""Invoices dashboard callbacks over HTTP: token scoping of the selection and the CSV downloads."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from conftest import A, AUTH, B_SECRET_REGION, C, cell_text, invoice_body, line

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
    assert lines[0] == "number,period_start,period_end,status,currency,amount"
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
