"""Every body of the integrator API is read the same strict way (api.jsonio): a lone surrogate,
or nesting past 64 levels, is a 400 `malformed_json` naming the problem, and nothing is written."""
from __future__ import annotations

import json
import logging

import pytest

from api.jsonio import MAX_DEPTH
from conftest import A, AUTH, CALLBACK, cloud_event, local_noon

SURROGATE = '"\\ud800"'  # the JSON escape, six characters: no character of any text


def post(client, path: str, text: str):
    return client.post(path, headers=AUTH, data=text, content_type="application/json")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_surrogate(body: dict, field: str) -> str:
    """`body` as JSON text with `field`'s value a lone surrogate; `field` may be a dotted path."""
    marker = "@@SURROGATE@@"
    target = body
    *parents, last = field.split(".")
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[last] = marker
    return json.dumps(body).replace(json.dumps(marker), SURROGATE)


GRANT = {"kind": "credit", "name": "x", "amount": "5", "currency": "USD", "priority": 1,
         "starting_at": "2024-10-01T00:00:00Z", "ending_before": "2030-01-01T00:00:00Z"}  # fmt: skip
METRIC = {"slug": "m", "name": "x", "unit": "u", "event_type": "t", "aggregation": "COUNT"}
EMBED = {"customer_id": A, "dashboard": "usage",
         "bm_group_key_overrides": [{"group_key_name": "region", "display_name": "x"}]}  # fmt: skip


@pytest.mark.parametrize("path, body, field", [
    ("/v1/tokens/revoke", {"token_id": "x"}, "token_id"),
    ("/v1/tokens/revoke", {"customer_id": "x"}, "customer_id"),
    ("/v1/customers", {"id": "new", "name": "x"}, "name"),
    ("/v1/billable-metrics", METRIC, "name"),
    (f"/v1/customers/{A}/grants", GRANT, "name"),
    ("/v1/dashboards/getEmbeddableUrl", EMBED, "bm_group_key_overrides.0.display_name"),
], ids=["revoke-token", "revoke-customer", "customer-name", "metric-name", "grant-name", "group-display-name"])  # fmt: skip
def test_a_lone_surrogate_is_a_400_saying_so(client, world, path, body, field, caplog):
    with caplog.at_level(logging.ERROR):
        r = post(client, path, with_surrogate(body, field))
    assert r.status_code == 400, r.text
    assert r.json["error"]["code"] == "malformed_json"
    assert "lone surrogate" in r.json["error"]["message"]
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_customer_named_with_a_lone_surrogate_is_not_written(client, world):
    post(client, "/v1/customers", with_surrogate({"id": "new", "name": "x"}, "name"))
    assert client.get("/v1/customers/new", headers=AUTH).status_code == 404


def test_a_grant_named_with_a_lone_surrogate_is_not_written(client, world):
    post(client, f"/v1/customers/{A}/grants", with_surrogate(dict(GRANT), "name"))
    assert client.get(f"/v1/customers/{A}/balances", headers=AUTH).json["data"]["grants"] == []


def test_a_pair_of_surrogates_is_one_character_and_taken(client, world):
    r = post(client, "/v1/customers", '{"id": "new", "name": "\\ud83d\\ude00"}')
    assert r.status_code == 200, r.text
    assert client.get("/v1/customers/new", headers=AUTH).json["data"]["name"] == "\U0001F600"


@pytest.mark.parametrize("path", ["/v1/dashboards/getEmbeddableUrl", "/v1/customers", "/v1/tokens/revoke", "/v1/events",
                                  "/v1/billable-metrics", "/v1/prices", "/v1/invoices", f"/v1/customers/{A}/grants"])
@pytest.mark.parametrize("depth", [1000, 5000])
def test_a_body_nested_too_deep_is_a_400(client, world, path, depth, caplog):
    with caplog.at_level(logging.ERROR):
        r = post(client, path, nested(depth))
    assert r.status_code == 400, r.text
    assert r.json["error"]["code"] == "malformed_json"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_value_nested_past_the_limit_is_refused_naming_it(client, world):
    r = post(client, "/v1/customers", f'{{"id": "new", "name": {nested(MAX_DEPTH)}}}')
    assert r.status_code == 400
    assert r.json["error"]["message"] == f"the body is nested more than {MAX_DEPTH} deep"


def test_an_event_property_nested_past_the_limit_is_a_400_not_a_500(client, world, caplog):
    event = json.dumps(cloud_event("deep", A, "api_call", local_noon(1, "UTC"))).replace('"data": {}', f'"data": {{"x": {nested(300)}}}')
    with caplog.at_level(logging.ERROR):
        r = post(client, "/v1/events", event)
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_json"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_an_event_property_nested_to_the_limit_is_taken(client, world):
    event = cloud_event("deep", A, "api_call", local_noon(1, "UTC"))
    value: object = "leaf"
    for _ in range(MAX_DEPTH - 2):  # the event and its data are two levels
        value = [value]
    event["data"] = {"x": value}
    r = client.post("/v1/events", headers=AUTH, json=event)
    assert r.status_code == 200, r.text
    assert r.json["data"]["inserted"] == 1


@pytest.mark.parametrize("text", ['{"id": "new", "name": NaN}', '{"id": "new", "name": "x", "tag": Infinity}'])
def test_nan_and_infinity_are_not_json_on_any_route(client, world, text):
    r = post(client, "/v1/customers", text)
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_json"


@pytest.mark.parametrize("depth", [1000, 5000])
def test_a_callback_body_nested_too_deep_is_a_400(client, depth, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.post(CALLBACK, data=nested(depth), content_type="application/json")
    assert r.status_code == 400
    assert r.json["error"]["code"] == "malformed_callback"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
