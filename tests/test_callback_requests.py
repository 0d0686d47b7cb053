"""A callback request Dash could not read is the sender's mistake: a 400 with the API's error
shape, never a 500, and no callback runs."""
from __future__ import annotations

import json
import logging

import pytest
from conftest import A, AUTH, cloud_event, local_noon, render_request, token_of
from dashboards.invoices import clicked_invoice

CALLBACK = "/embed/_dash-update-component"
CHART = "..usage-chart.figure...usage-totals.children...usage-breakdown.children...usage-caption.children.."
OUTPUTS = [{"id": i, "property": p} for i, p in (("usage-chart", "figure"), ("usage-totals", "children"),
                                                  ("usage-breakdown", "children"), ("usage-caption", "children"))]
INPUTS = [{"id": f"usage-{k}", "property": "value", "value": None} for k in ("window", "metric", "group-by", "value")]
STATE = [{"id": "eb-url", "property": "search", "value": "?token=x"}]
SELECT = "..invoice-detail.children...invoice-selected.data.."
SELECT_OUTPUTS = [{"id": "invoice-detail", "property": "children"}, {"id": "invoice-selected", "property": "data"}]
ROW = {"id": {"type": "invoice-row", "index": "a1"}, "property": "n_clicks", "value": 1}


def render(**changes) -> dict:
    body = {"output": CHART, "outputs": OUTPUTS, "inputs": INPUTS, "state": STATE, "changedPropIds": []}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize("body", [
    [],
    {},
    {"output": "nothing.here"},
    render(output=...),
    render(inputs=INPUTS[:3]),
    render(inputs=[{"id": "usage-window", "value": "90"}, *INPUTS[1:]]),
    render(inputs="usage-window"),
    render(state=[{"property": "search"}]),
    render(outputs=[{"id": "usage-chart"}]),
    render(changedPropIds="usage-metric.value"),
    render(outputs=OUTPUTS[:1]),
    render(outputs=OUTPUTS[0]),
    render(outputs=[{"id": "x", "property": "y"}] * 4),
    render(inputs=[{"id": "usage-metric", "property": "value", "value": None}, *INPUTS[1:]]),
    render(state=[STATE]),
    {"output": "usage-view-sink.children", "outputs": {"id": "usage-view-sink", "property": "children"}, "inputs": INPUTS},
    {"output": SELECT, "outputs": SELECT_OUTPUTS, "inputs": [ROW], "state": STATE, "changedPropIds": []},
    {"output": SELECT, "outputs": SELECT_OUTPUTS, "inputs": [[ROW]], "state": STATE, "changedPropIds": ["{bad.n_clicks"]},
], ids=["array", "empty", "unknown-output", "no-output", "too-few-inputs", "input-without-property", "inputs-not-a-list",
        "state-without-id", "output-without-property", "changed-not-a-list", "too-few-outputs", "one-output-of-four",
        "other-outputs", "input-of-another-component", "state-as-a-wildcard-list", "a-clientside-callback",
        "wildcard-input-as-one-object", "changed-id-not-json"])
def test_a_malformed_callback_request_is_a_400(client, body, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.post(CALLBACK, json=body)
    assert r.status_code == 400
    assert r.json["error"]["code"] == "malformed_callback"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_body_that_is_not_json_is_a_400(client):
    r = client.post(CALLBACK, data=b"{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.json["error"]["code"] == "malformed_callback"


def test_a_body_over_the_size_limit_is_a_413_in_the_apis_shape(client):
    r = client.post(CALLBACK, data=b"[" + b" " * (17 * 1024 * 1024) + b"]",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json["error"]["code"] == "request_entity_too_large"


def test_a_well_formed_request_with_a_bad_token_still_reaches_the_callback(client):
    r = client.post(CALLBACK, json=render())
    assert r.status_code == 200
    assert "This link is not valid" in r.text


@pytest.mark.parametrize("search", [5, ["?token=x"], {"token": "x"}])
def test_a_value_of_another_type_is_treated_as_no_token(client, search):
    r = client.post(CALLBACK, json=render(state=[{"id": "eb-url", "property": "search", "value": search}]))
    assert r.status_code == 200
    assert "This link is not valid" in r.text


def test_a_selected_invoice_that_is_not_a_string_downloads_nothing(client, billing):
    url = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH, json={"customer_id": A, "dashboard": "invoices"})
    search = "?" + url.json["data"]["url"].split("?", 1)[1]
    r = client.post(CALLBACK, json={
        "output": "invoice-lines-csv-file.data", "outputs": {"id": "invoice-lines-csv-file", "property": "data"},
        "inputs": [{"id": "invoice-lines-csv", "property": "n_clicks", "value": 1}], "changedPropIds": [],
        "state": [{"id": "invoice-selected", "property": "data", "value": ["a1"]},
                  {"id": "eb-url", "property": "search", "value": search}],
    })  # fmt: skip
    assert r.status_code == 200
    assert r.json["response"]["invoice-lines-csv-file"]["data"] is None


def usage_csv(client, *, customer=A, metric="tokens", value="quantity") -> list[str]:
    url = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH, json={"customer_id": customer, "dashboard": "usage"})
    search = "?" + url.json["data"]["url"].split("?", 1)[1]
    r = client.post(CALLBACK, json={
        "output": "usage-csv-file.data", "outputs": {"id": "usage-csv-file", "property": "data"},
        "inputs": [{"id": "usage-csv", "property": "n_clicks", "value": 1}], "changedPropIds": ["usage-csv.n_clicks"],
        "state": [{"id": "usage-window", "property": "value", "value": "30"},
                  {"id": "usage-metric", "property": "value", "value": metric},
                  {"id": "usage-group-by", "property": "value", "value": ""},
                  {"id": "usage-value", "property": "value", "value": value},
                  {"id": "eb-url", "property": "search", "value": search}],
    })  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json["response"]["usage-csv-file"]["data"]["content"].splitlines()


def test_usage_csv_writes_a_total_of_1200_as_1200(client, world):
    r = client.post("/v1/customers", headers=AUTH, json={"id": "cust-csv", "name": "Csv Co", "currency": "USD",
                                                         "timezone": "UTC", "locale": "en_US"})
    assert r.status_code == 200, r.json
    event = cloud_event("csv-tok", "cust-csv", "llm", local_noon(3, "UTC"), tokens="1200", model="atlas")
    assert client.post("/v1/events", headers=AUTH, json=[event]).status_code == 200
    assert "totals,tokens,,1200,tokens" in usage_csv(client, customer="cust-csv")


def test_usage_csv_rounds_spend_to_cents(client, world):
    client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD",
                                                  "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    assert "totals,tokens,,12.35,USD" in usage_csv(client, value="spend")  # 1234.5 tokens x 0.01 = 12.345


def test_spend_of_a_metric_without_a_price_says_so_instead_of_drawing_zeros(client, world):
    client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "EUR",
                                                  "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    url = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH, json={"customer_id": A, "dashboard": "usage"})
    r = client.post(CALLBACK, json=render_request(token_of(url.json["data"]["url"]), metric="tokens", group_by="", value="spend"))
    assert r.status_code == 200, r.text
    response = r.json["response"]
    assert response["usage-chart"]["figure"]["data"] == []
    assert "Tokens has no price in USD yet." in json.dumps(response["usage-caption"]["children"])


def test_spend_chart_hovers_in_money_of_the_customers_currency(client, world):
    client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD",
                                                  "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    url = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH, json={"customer_id": A, "dashboard": "usage"})
    r = client.post(CALLBACK, json=render_request(token_of(url.json["data"]["url"]), metric="tokens", group_by="", value="spend"))
    assert r.status_code == 200, r.text
    [trace] = r.json["response"]["usage-chart"]["figure"]["data"]
    assert trace["hovertext"] == ["$12.35"] and "%{hovertext}" in trace["hovertemplate"]  # 1,234.5 x $0.01, half up


def invoices_search(client) -> str:
    url = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH, json={"customer_id": A, "dashboard": "invoices"})
    return "?" + url.json["data"]["url"].split("?", 1)[1]


def select_request(search: str, row_id, *, prop="n_clicks", changed=None) -> dict:
    """A click on an invoice row as the browser posts it; `changed` defaults to the row's own prop id."""
    if changed is None:
        changed = [json.dumps(row_id, sort_keys=True, separators=(",", ":")) + "." + prop]
    return {"output": SELECT, "outputs": SELECT_OUTPUTS, "inputs": [[{"id": row_id, "property": prop, "value": 1}]],
            "state": [{"id": "eb-url", "property": "search", "value": search}], "changedPropIds": changed}  # fmt: skip


def test_a_click_on_an_invoice_row_shows_its_lines(client, billing):
    r = client.post(CALLBACK, json=select_request(invoices_search(client), {"type": "invoice-row", "index": "a1"}))
    assert r.status_code == 200, r.text
    assert r.json["response"]["invoice-selected"]["data"] == "a1"


@pytest.mark.parametrize("row_id", [
    {"type": "invoice-row", "index": ["x"]},
    {"type": "invoice-row", "index": {"a": 1}},
    {"type": "invoice-row", "index": None},
    {"type": "invoice-row", "index": True},
    {"type": "invoice-row"},
    {"index": "a1"},
    {"type": "invoice-row", "index": "a1", "extra": "x"},
    {"type": "another-row", "index": "a1"},
    {"type": ["invoice-row"], "index": "a1"},
], ids=["index-a-list", "index-an-object", "index-null", "index-a-boolean", "no-index", "no-type", "an-extra-key",
        "another-type", "type-a-list"])  # fmt: skip
def test_a_row_id_the_page_would_not_send_is_a_400(client, billing, row_id, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.post(CALLBACK, json=select_request(invoices_search(client), row_id))
    assert r.status_code == 400, r.text
    assert r.json["error"]["code"] == "malformed_callback"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_row_property_the_callback_does_not_take_is_a_400(client, billing):
    r = client.post(CALLBACK, json=select_request(invoices_search(client), {"type": "invoice-row", "index": "a1"},
                                                  prop="children"))
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_callback"


@pytest.mark.parametrize("changed", [
    ["foo.n_clicks"],
    ['{"index":"a1","type":"invoice-row"}.children'],
    ['{"index":["x"],"type":"invoice-row"}.n_clicks'],
    ['{"type":"invoice-row"}.n_clicks'],
    ['["invoice-row"].n_clicks'],
    ["eb-url.search"],
], ids=["unknown-component", "another-property", "index-a-list", "no-index", "id-a-list", "a-state"])  # fmt: skip
def test_a_changed_prop_id_that_is_not_one_of_the_callbacks_inputs_is_a_400(client, billing, changed, caplog):
    body = select_request(invoices_search(client), {"type": "invoice-row", "index": "a1"}, changed=changed)
    with caplog.at_level(logging.ERROR):
        r = client.post(CALLBACK, json=body)
    assert r.status_code == 400, r.text
    assert r.json["error"]["code"] == "malformed_callback"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_changed_prop_id_of_a_plain_input_is_taken(client):
    assert client.post(CALLBACK, json=render(changedPropIds=["usage-metric.value"])).status_code == 200


def test_a_row_index_that_is_a_number_is_no_invoice(client, billing):
    r = client.post(CALLBACK, json=select_request(invoices_search(client), {"type": "invoice-row", "index": 7}))
    assert r.status_code == 200, r.text
    assert "No such invoice" in r.text and r.json["response"]["invoice-selected"]["data"] is None


@pytest.mark.parametrize("triggered", [None, "foo", {"type": "invoice-row"}, {"index": ["x"]}, {"index": {"a": 1}},
                                       {"index": 7}, ["a1"]])
def test_a_click_from_anything_but_a_row_names_no_invoice(triggered):
    assert clicked_invoice(triggered) is None


def test_a_click_on_a_row_names_its_invoice():
    assert clicked_invoice({"type": "invoice-row", "index": "a1"}) == "a1"


def test_a_search_with_a_lone_surrogate_matches_nothing_and_says_so(client, billing, caplog):
    body = {"output": "invoices-list.children", "outputs": {"id": "invoices-list", "property": "children"},
            "inputs": [{"id": "invoices-search", "property": "value", "value": "\ud800"}],
            "state": [{"id": "eb-url", "property": "search", "value": invoices_search(client)}],
            "changedPropIds": ["invoices-search.value"]}  # fmt: skip
    with caplog.at_level(logging.ERROR):
        r = client.post(CALLBACK, data=json.dumps(body), content_type="application/json")  # "\ud800" as JSON escapes it
    assert r.status_code == 200, r.text
    assert r.json["response"]["invoices-list"]["children"]["props"]["children"] == 'No invoices match "\ufffd".'
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_token_with_a_lone_surrogate_is_no_token(client, world, caplog):
    with caplog.at_level(logging.WARNING, logger="embedash.tokens"):
        r = client.post(CALLBACK, data=json.dumps(render(state=[{"id": "eb-url", "property": "search",
                                                                  "value": "?token=\ud800"}])),
                        content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and "This link is not valid" in r.text
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING]
