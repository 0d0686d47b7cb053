"""The OpenAPI document matches the code: every /v1 route is documented and nothing else is,
and generated requests to the real app get responses that conform to it (schemathesis)."""
from __future__ import annotations

import json
import os
import re
import time
import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
import jsonschema_rs
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.jsonio import MAX_DEPTH
from api.openapi import document
from conftest import AUTH


def test_spec_is_served_without_auth_and_is_openapi_31(client):
    spec = client.get("/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0" and spec["paths"]


def test_every_v1_route_is_documented_and_nothing_else(app, client):
    spec = client.get("/v1/openapi.json").json
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1/") and rule.endpoint != "openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes


def test_every_request_body_has_an_example(client):
    spec = client.get("/v1/openapi.json").json
    for name in ("EmbedRequest", "CustomerInput", "MetricInput", "CloudEvent", "PriceInput"):
        assert spec["components"]["schemas"][name]["examples"], name


def test_every_operation_with_a_body_says_a_body_that_is_not_strict_json_is_a_400(client):
    spec = client.get("/v1/openapi.json").json
    with_body = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items() if "requestBody" in op]
    assert len(with_body) >= 5
    for path, method, op in with_body:
        refused = op["responses"]["400"]["description"]
        assert "NaN" in refused and f"more than {MAX_DEPTH} deep" in refused, (method, path)


def _example_holder(spec: dict, schema: dict) -> dict | None:
    """The schema whose examples show what `schema` answers: through `$ref`, a `data` envelope and array items."""
    while True:
        if "examples" in schema:
            return schema
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "data" in schema.get("properties", {}):
            schema = schema["properties"]["data"]
        elif schema.get("type") == "array":
            schema = schema["items"]
        else:
            return None


@pytest.mark.parametrize("path, method", [(p, m) for p, ops in document()["paths"].items() for m in ops])
def test_every_answer_has_an_example(path, method):
    spec = document()
    for status, response in spec["paths"][path][method]["responses"].items():
        schema = response["content"]["application/json"]["schema"]
        assert _example_holder(spec, schema) is not None, (method, path, status)


@pytest.mark.parametrize("name", [n for n, s in document()["components"]["schemas"].items() if "examples" in s])
def test_every_example_is_valid_against_its_schema(name):
    spec = document()
    # The whole document as the root, so the schema's "#/components/..." references resolve.
    validator = jsonschema_rs.Draft202012Validator({**spec, "$ref": f"#/components/schemas/{name}"}, validate_formats=True)
    for example in spec["components"]["schemas"][name]["examples"]:
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, (name, errors)


# Unit prices the API takes and refuses, at the edges of its rule: zero and negative zero, negatives,
# 6 places and 7, 29 digits and 30, and forms Decimal() parses but the API refuses.
UNIT_PRICE_TEXTS = ["0", "-0", "-00", "-0.000", "-0.000000", "-0.0000000", "-0.000001", "-1", "-1.5", "0.000015", "1.123456",
                    "1.1234567", "1.0000000", "9" * 29, "9" * 29 + ".999999", "9" * 30, "00012", "1e3", "-0e0", "+1", "+0",
                    " 1", "1 ", "1\n", "\t1", "1.", ".5", "-", "", "NaN", "\u0661"]  # fmt: skip


@pytest.mark.parametrize("text", UNIT_PRICE_TEXTS, ids=repr)
def test_unit_price_pattern_takes_exactly_what_the_api_takes(client, text):
    """Schemathesis only sends what the pattern allows, so a pattern stricter than the API (it refused
    "-0") goes unnoticed there: this asks the API itself."""
    spec = client.get("/v1/openapi.json").json
    pattern = spec["components"]["schemas"]["PriceInput"]["properties"]["unit_price"]["pattern"]
    r = client.post("/v1/billable-metrics", headers=AUTH, json={"slug": "tokens", "event_type": "llm", "aggregation": "SUM",
                                                                "value_property": "tokens"})
    assert r.status_code == 200, r.json
    r = client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD",
                                                      "effective_from": "2026-01-01T00:00:00Z", "unit_price": text})
    assert r.status_code in (200, 400) and (r.status_code == 200 or r.json["error"]["field"] == "unit_price"), r.json
    assert (r.status_code == 200) == bool(re.fullmatch(pattern, text)), r.json


# An invoice's line: a unit price to 6 places, an amount to 9 (the API's rule), at each edge.
LINE_TEXTS = [("unit_price", "1.123456"), ("unit_price", "1.1234567"), ("unit_price", "-2.5"),
              ("amount", "1.123456789"), ("amount", "1.1234567891"), ("amount", "-1")]  # fmt: skip


@pytest.mark.parametrize("field, text", LINE_TEXTS)
def test_line_item_patterns_take_exactly_what_the_api_takes(client, field, text):
    spec = client.get("/v1/openapi.json").json
    pattern = spec["components"]["schemas"]["LineItemInput"]["properties"][field]["pattern"]
    assert client.post("/v1/customers", headers=AUTH, json={"id": "c1"}).status_code == 200
    line = {"name": "Usage", "quantity": "1", "unit_price": "1", "amount": "1", field: text}
    r = client.post("/v1/invoices", headers=AUTH, json={
        "id": "i1", "number": "INV-1", "customer_id": "c1", "status": "draft", "type": "USAGE", "currency": "USD",
        "issued_at": "2026-11-01T00:00:00Z", "period_start": "2026-10-01T00:00:00Z", "period_end": "2026-11-01T00:00:00Z",
        "total": line["amount"], "line_items": [line]})  # fmt: skip
    assert r.status_code == 200 or r.json["error"]["field"] == f"line_items[0].{field}", r.json
    assert (r.status_code == 200) == bool(re.fullmatch(pattern, text)), r.json


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx, value) -> bytes:
    """Events one a line, as `POST /v1/events` takes them (anything else generated: one line of JSON)."""
    lines = value if isinstance(value, list) else [value]
    return "\n".join(json.dumps(line) for line in lines).encode()


OPERATIONS = [(path, method.upper()) for path, ops in document()["paths"].items() for method in ops]


def test_events_are_sent_both_as_json_and_as_ndjson(app):
    operation = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)["/v1/events"]["POST"]
    media_types = set()

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case):
        media_types.add(case.media_type)

    run()
    assert media_types == {"application/json", "application/x-ndjson"}


# Bounds of each operation's run: examples (derandomized, so CI sees the same cases every run)
# and seconds; past the time, the cases left are not sent (a slow machine checks fewer, never fails for it).
EXAMPLES = int(os.environ.get("EMBEDASH_FUZZ_EXAMPLES", "25"))
SECONDS = float(os.environ.get("EMBEDASH_FUZZ_SECONDS", "30"))


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_conforms_to_its_openapi_document(path, method, app, world):
    """Generated requests (bounded in number and time) get no 5xx and only documented, schema-valid answers."""
    operation = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)[path][method]
    deadline, unsent = time.monotonic() + SECONDS, 0

    @given(case=operation.as_strategy())
    # Derandomized: CI sees the same cases every run, so a failure always reproduces. For a deeper,
    # exploring run: EMBEDASH_FUZZ_EXAMPLES=500 EMBEDASH_FUZZ_RANDOM=1 EMBEDASH_FUZZ_SECONDS=600 pytest tests/test_openapi.py
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize=not os.environ.get("EMBEDASH_FUZZ_RANDOM"), suppress_health_check=list(HealthCheck))
    def run(case):
        nonlocal unsent
        if time.monotonic() > deadline:
            unsent += 1
            return
        # Schema-valid data may still break a business rule the schema cannot state (line items
        # must add up to the total, a referenced metric must exist): those are 400s naming the
        # field, so "schema-valid means accepted" is not checked. Invalid data must be refused.
        case.call_and_validate(headers=AUTH, excluded_checks=[positive_data_acceptance])

    run()
    if unsent:
        warnings.warn(f"{method} {path}: {unsent} generated cases not sent, past the {SECONDS:g} s bound")
