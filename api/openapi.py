"""The OpenAPI 3.1 document of the integrator API, served at /v1/openapi.json.

It is kept beside the code and checked against it: a test compares its operations with the
app's /v1 routes, and a schemathesis run sends generated requests to the real app and
checks every response (status, content type, body) against it."""
from __future__ import annotations

from typing import Any

from api.config import MAX_TOKEN_TTL
from api.events import MAX_BODY_BYTES, MAX_EVENTS
from api.jsonio import MAX_DEPTH
from dashboards import DASHBOARDS
from data.models import AGGREGATIONS, GRANT_KINDS, INVOICE_STATUSES, INVOICE_TYPES
from data.usage import WINDOW_SIZES
from theme import COLOR_NAMES

DECIMAL = {"type": "string", "pattern": r"^-?[0-9]{1,29}(\.[0-9]+)?$", "examples": ["12.50"]}
# What the API takes (validation.decimal_string): amounts and quantities to 9 places, line prices to 6.
AMOUNT_IN = {**DECIMAL, "pattern": r"^-?[0-9]{1,29}(\.[0-9]{1,9})?$", "description": "a decimal string with up to 9 places"}
LINE_PRICE_IN = {**DECIMAL, "pattern": r"^-?[0-9]{1,29}(\.[0-9]{1,6})?$", "examples": ["0.000015"],
                 "description": "a decimal string with up to 6 places"}
# A negative zero ("-0", "-0.000") is zero, not negative: the API takes it, so the pattern does too.
UNIT_PRICE = {"type": "string", "pattern": r"^([0-9]{1,29}(\.[0-9]{1,6})?|-0{1,29}(\.0{1,6})?)$", "examples": ["0.000015"],
              "description": "a decimal string, not negative, with up to 6 places"}
TIME = {"type": "string", "format": "date-time", "examples": ["2026-11-01T00:00:00Z"]}
TEXT = {"type": "string", "minLength": 1, "maxLength": 256}
NULLABLE_TEXT = {"type": ["string", "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: tuple[str, ...] = (), *, closed: bool = True, **extra) -> dict:
    return {"type": "object", "properties": properties, "required": list(required), **({"additionalProperties": False} if closed else {}), **extra}


def data_of(schema: dict) -> dict:
    return obj({"data": schema}, ("data",), closed=False)


def one_or_many(name: str) -> dict:
    return {"oneOf": [ref(name), {"type": "array", "items": ref(name), "minItems": 1, "maxItems": 1000}]}


SCHEMAS: dict[str, Any] = {
    "Error": obj({"error": obj({
        "code": {"type": "string"}, "message": {"type": "string"}, "field": NULLABLE_TEXT,
        "allowed": {"type": "array", "items": {"type": "string"}},
        "details": {"type": "array", "items": obj({"index": {"type": "integer"}, "field": {"type": "string"},
                                                   "message": {"type": "string"}}, closed=False)},
    }, ("code", "message", "field"))}, ("error",), closed=False,
        examples=[{"error": {"code": "invalid_request", "message": "unknown colour name 'Primary'", "field": "color_overrides[0].name",
                             "allowed": ["Gray_dark", "Primary_medium"]}},
                  {"error": {"code": "conflict", "message": "invoice 'inv-2026-10' belongs to another customer; an invoice "
                             "cannot move to another customer, send it under a new id", "field": "[0].id"}}]),
    "EmbedRequest": obj({
        "customer_id": {"type": "string"}, "dashboard": {"enum": list(DASHBOARDS)},
        "color_overrides": {"type": "array", "items": obj({"name": {"enum": list(COLOR_NAMES)},
                                                           "value": {"type": "string", "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"}},
                                                          ("name", "value"))},
        "dashboard_options": {"type": "array", "items": obj({"key": {"type": "string"}, "value": {"type": ["string", "integer", "boolean"]}}, ("key", "value"))},
        "bm_group_key_overrides": {"type": "array", "items": obj({
            "group_key_name": {"type": "string"}, "display_name": {"type": "string"},
            "value_display_names": {"type": "object", "additionalProperties": {"type": "string"}}}, ("group_key_name",))},
        "expires_in": {"type": "integer", "minimum": 60, "maximum": MAX_TOKEN_TTL},
    }, ("customer_id", "dashboard"), examples=[{"customer_id": "acme-corp", "dashboard": "usage",
                                                "color_overrides": [{"name": "UsageLine_0", "value": "#e4007c"}]}]),
    "EmbedUrl": obj({"url": {"type": "string"}, "expires_at": TIME, "token_id": {"type": "string"}}, ("url", "expires_at", "token_id"),
                    examples=[{"url": "https://embed.example.com/embed/usage?token=eyJjIjoiYWNtZS1jb3JwIn0.Z2x1.c2ln",
                               "expires_at": "2026-11-01T13:00:00Z", "token_id": "tok_4f9c2e7a1b"}]),
    "Revoked": obj({"revoked": {"oneOf": [obj({"token_id": {"type": "string"}}, ("token_id",)),
                                          obj({"customer_id": {"type": "string"}}, ("customer_id",))]}}, ("revoked",),
                   examples=[{"revoked": {"token_id": "tok_4f9c2e7a1b"}}]),
    "Revoke": {"oneOf": [obj({"token_id": {"type": "string"}}, ("token_id",)), obj({"customer_id": {"type": "string"}}, ("customer_id",))]},
    "CustomerInput": obj({"id": {"type": "string", "pattern": r"^[^\s/?#]{1,128}$"}, "name": TEXT, "currency": {"type": "string"},
                          "timezone": {"type": "string"}, "locale": {"type": "string"}}, ("id",),
                         description="A customer by its id. For a customer stored already, the fields left out keep their "
                                     "stored values; a new one gets the defaults: name its id, currency USD, timezone UTC, "
                                     "locale en_US.",
                         examples=[{"id": "acme-corp", "name": "Acme", "currency": "USD", "timezone": "America/New_York", "locale": "en_US"}]),
    "Customer": obj({k: {"type": "string"} for k in ("id", "name", "currency", "timezone", "locale")},
                    ("id", "name", "currency", "timezone", "locale"),
                    examples=[{"id": "acme-corp", "name": "Acme", "currency": "USD", "timezone": "America/New_York", "locale": "en_US"}]),
    "MetricInput": obj({"slug": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"}, "name": TEXT, "unit": {"type": "string"},
                        "event_type": TEXT, "aggregation": {"enum": list(AGGREGATIONS)}, "value_property": {"type": "string"},
                        "group_keys": {"type": "array", "items": {"type": "string"}, "maxItems": 8}},
                       ("slug", "event_type", "aggregation"),
                       examples=[{"slug": "tokens", "name": "Tokens", "unit": "tokens", "event_type": "llm", "aggregation": "SUM",
                                  "value_property": "tokens", "group_keys": ["model"]}]),
    "Metric": obj({"slug": {"type": "string"}, "name": {"type": "string"}, "unit": {"type": "string"}, "event_type": {"type": "string"},
                   "aggregation": {"enum": list(AGGREGATIONS)}, "value_property": NULLABLE_TEXT,
                   "group_keys": {"type": "array", "items": {"type": "string"}}},
                  ("slug", "name", "unit", "event_type", "aggregation", "value_property", "group_keys"),
                  examples=[{"slug": "tokens", "name": "Tokens", "unit": "tokens", "event_type": "llm", "aggregation": "SUM",
                             "value_property": "tokens", "group_keys": ["model"]}]),
    "CloudEvent": obj({"specversion": {"const": "1.0"}, "id": TEXT, "source": TEXT, "type": TEXT, "subject": TEXT, "time": TIME,
                       "data": {"type": "object"}, "datacontenttype": {"type": "string"}, "dataschema": {"type": "string"}},
                      ("specversion", "id", "source", "type", "subject"),
                      examples=[{"specversion": "1.0", "id": "evt-1", "source": "api-gw", "type": "llm", "subject": "acme-corp",
                                 "time": "2026-11-01T12:00:00Z", "data": {"tokens": 1200, "model": "atlas"}}]),
    "IngestResult": obj({"received": {"type": "integer"}, "inserted": {"type": "integer"}, "duplicates": {"type": "integer"}},
                        ("received", "inserted", "duplicates"), examples=[{"received": 1000, "inserted": 998, "duplicates": 2}]),
    "UsageWindow": obj({"window_start": TIME, "window_end": TIME, "group": NULLABLE_TEXT, "value": {"oneOf": [DECIMAL, {"type": "null"}]}},
                       ("window_start", "window_end", "group", "value"),
                       examples=[{"window_start": "2026-11-01T00:00:00-04:00", "window_end": "2026-11-02T00:00:00-05:00",
                                  "group": "atlas", "value": "48210.5"}]),
    "LineItemInput": obj({"name": TEXT, "billable_metric": {"type": "string"}, "group_values": {"type": "object", "additionalProperties": {"type": "string"}},
                          "quantity": AMOUNT_IN, "unit_price": LINE_PRICE_IN, "amount": AMOUNT_IN}, ("name", "quantity", "unit_price", "amount")),
    "InvoiceInput": obj({"id": {"type": "string"}, "number": TEXT, "customer_id": {"type": "string"},
                         "status": {"enum": list(INVOICE_STATUSES)}, "type": {"enum": list(INVOICE_TYPES)}, "currency": {"type": "string"},
                         "issued_at": TIME, "period_start": TIME, "period_end": TIME, "total": AMOUNT_IN,
                         "line_items": {"type": "array", "items": ref("LineItemInput")}},
                        ("id", "number", "customer_id", "status", "type", "currency", "issued_at", "period_start", "period_end", "total")),
    "Invoice": obj({"id": {"type": "string"}, "number": {"type": "string"}, "customer_id": {"type": "string"},
                    "status": {"enum": list(INVOICE_STATUSES)}, "type": {"enum": list(INVOICE_TYPES)}, "currency": {"type": "string"},
                    "issued_at": TIME, "period_start": TIME, "period_end": TIME, "total": DECIMAL,
                    "line_items": {"type": "array", "items": obj({"name": {"type": "string"}, "billable_metric": NULLABLE_TEXT,
                                                                  "group_values": {"type": ["object", "null"]}, "quantity": DECIMAL,
                                                                  "unit_price": DECIMAL, "amount": DECIMAL})}},
                   ("id", "number", "customer_id", "status", "type", "currency", "issued_at", "period_start", "period_end", "total"),
                   examples=[{"id": "inv-2026-10", "number": "INV-0042", "customer_id": "acme-corp", "status": "finalized", "type": "USAGE",
                              "currency": "USD", "issued_at": "2026-11-01T00:00:00Z", "period_start": "2026-10-01T00:00:00Z",
                              "period_end": "2026-11-01T00:00:00Z", "total": "123.45",
                              "line_items": [{"name": "Tokens", "billable_metric": "tokens", "group_values": {"model": "atlas"},
                                              "quantity": "8230000", "unit_price": "0.000015", "amount": "123.45"}]}]),
    "GrantInput": obj({"id": {"type": "string"}, "kind": {"enum": list(GRANT_KINDS)}, "name": TEXT, "amount": AMOUNT_IN, "currency": {"type": "string"},
                       "priority": {"type": "integer", "minimum": 0, "maximum": 1_000_000}, "starting_at": TIME, "ending_before": TIME,
                       "product": {"type": "string", "description": "a label shown with the grant; it does not limit which "
                                   "invoices the grant pays (every invoice in its currency draws it down)"}},
                      ("kind", "name", "amount", "currency", "starting_at", "ending_before")),
    "Grant": obj({"id": {"type": "string"}, "kind": {"enum": list(GRANT_KINDS)}, "name": {"type": "string"}, "currency": {"type": "string"},
                  "amount": DECIMAL, "priority": {"type": "integer"}, "starting_at": TIME, "ending_before": TIME, "product": NULLABLE_TEXT},
                 ("id", "kind", "name", "currency", "amount", "priority", "starting_at", "ending_before"), closed=False,
                 examples=[{"id": "grant-1", "kind": "commit", "name": "Prepaid commit", "currency": "USD", "amount": "100", "priority": 0,
                             "starting_at": "2026-09-01T00:00:00Z", "ending_before": "2027-09-01T00:00:00Z", "product": None}]),
    "Balances": obj({"as_of": TIME, "grants": {"type": "array", "items": {"allOf": [ref("Grant")], "properties": {
        "used": DECIMAL, "expired": DECIMAL, "remaining": DECIMAL, "state": {"enum": ["active", "expired"]}}}},
        "totals": ref("CurrencyTotals"),
        "totals_by_currency": {"type": "array", "items": ref("CurrencyTotals"), "minItems": 1, "description":
                               "one per currency that has a grant or an uncovered amount, the customer's currency first "
                               "(always present, so the first item equals `totals`); currencies are never added up"},
        "uncovered": {"type": "array", "items": obj({"invoice_id": {"type": "string"}, "invoice_number": {"type": "string"},
                                                     "time": TIME, "currency": {"type": "string"}, "amount": DECIMAL})}},
        ("as_of", "grants", "totals", "totals_by_currency", "uncovered"),
        examples=[{"as_of": "2026-11-01T00:00:00Z",
                   "grants": [{"id": "grant-1", "kind": "commit", "name": "Prepaid commit", "currency": "USD", "amount": "100",
                               "priority": 0, "starting_at": "2026-09-01T00:00:00Z", "ending_before": "2027-09-01T00:00:00Z",
                               "product": None, "used": "80", "expired": "0", "remaining": "20", "state": "active"}],
                   "totals": {"currency": "USD", "amount": "100", "used": "80", "remaining": "20", "expired": "0", "uncovered": "0"},
                   "totals_by_currency": [{"currency": "USD", "amount": "100", "used": "80", "remaining": "20", "expired": "0",
                                           "uncovered": "0"}],
                   "uncovered": []},
                  {"as_of": "2026-11-01T00:00:00Z",
                   "grants": [{"id": "grant-1", "kind": "commit", "name": "Prepaid commit", "currency": "USD", "amount": "100",
                               "priority": 0, "starting_at": "2026-09-01T00:00:00Z", "ending_before": "2027-09-01T00:00:00Z",
                               "product": None, "used": "80", "expired": "0", "remaining": "20", "state": "active"},
                              {"id": "grant-eu", "kind": "credit", "name": "EU credit", "currency": "EUR", "amount": "100",
                               "priority": 1, "starting_at": "2026-09-01T00:00:00Z", "ending_before": "2027-09-01T00:00:00Z",
                               "product": None, "used": "0", "expired": "0", "remaining": "100", "state": "active"}],
                   "totals": {"currency": "USD", "amount": "100", "used": "80", "remaining": "20", "expired": "0", "uncovered": "0"},
                   "totals_by_currency": [
                       {"currency": "USD", "amount": "100", "used": "80", "remaining": "20", "expired": "0", "uncovered": "0"},
                       {"currency": "EUR", "amount": "100", "used": "0", "remaining": "100", "expired": "0", "uncovered": "0"},
                       {"currency": "JPY", "amount": "0", "used": "0", "remaining": "0", "expired": "0", "uncovered": "30"}],
                   "uncovered": [{"invoice_id": "inv-jp-10", "invoice_number": "INV-JP-10", "time": "2026-10-01T00:00:00Z",
                                  "currency": "JPY", "amount": "30"}]}]),
    "CurrencyTotals": obj({"currency": {"type": "string"}, **{k: DECIMAL for k in ("amount", "used", "remaining", "expired", "uncovered")}},
                          ("currency", "amount", "used", "remaining", "expired", "uncovered"),
                          description="the totals of the grants and uncovered amounts in one currency",
                          examples=[{"currency": "EUR", "amount": "100", "used": "0", "remaining": "100", "expired": "0", "uncovered": "0"}]),
    "LedgerEntry": obj({"time": TIME, "entry": {"enum": ["grant", "deduction", "expiration"]}, "grant_id": {"type": "string"},
                        "grant_name": {"type": "string"}, "grant_kind": {"enum": list(GRANT_KINDS)}, "amount": DECIMAL,
                        "grant_remaining": DECIMAL, "invoice_id": NULLABLE_TEXT, "invoice_number": NULLABLE_TEXT},
                       examples=[{"time": "2026-10-01T00:00:00Z", "entry": "deduction", "grant_id": "grant-1", "grant_name": "Prepaid commit",
                                  "grant_kind": "commit", "amount": "-65", "grant_remaining": "35", "invoice_id": "inv-2026-09",
                                  "invoice_number": "INV-0041"}]),
    "Tier": obj({"up_to": {"oneOf": [AMOUNT_IN, {"type": "null"}]}, "unit_price": UNIT_PRICE}, ("unit_price",)),
    "PriceInput": obj({"id": {"type": "string"}, "metric": {"type": "string"}, "currency": {"type": "string"}, "effective_from": TIME,
                       "unit_price": UNIT_PRICE, "tiers": {"type": "array", "items": ref("Tier"), "minItems": 1},
                       "group_key": {"type": "string"}, "group_prices": {"type": "object", "additionalProperties": UNIT_PRICE}},
                      ("metric", "currency", "effective_from"),
                      examples=[{"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z",
                                 "tiers": [{"up_to": "1000000", "unit_price": "0.000015"}, {"unit_price": "0.00001"}]}]),
    "Price": obj({"id": {"type": "string"}, "metric": {"type": "string"}, "currency": {"type": "string"}, "effective_from": TIME,
                  "unit_price": {"oneOf": [DECIMAL, {"type": "null"}]}, "tiers": {"type": ["array", "null"], "items": ref("Tier")},
                  "group_key": NULLABLE_TEXT, "group_prices": {"type": ["object", "null"], "additionalProperties": DECIMAL}},
                 ("id", "metric", "currency", "effective_from"),
                 examples=[{"id": "tokens-usd-2026", "metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z",
                            "unit_price": None, "tiers": [{"up_to": "1000000", "unit_price": "0.000015"}, {"up_to": None, "unit_price": "0.00001"}],
                            "group_key": None, "group_prices": None}]),
}  # fmt: skip

ERRORS = {"400": "a field is wrong (the error names it)", "401": "no or a wrong API key", "404": "no such resource",
          "409": "exists already", "413": "too large a request",
          "422": "a total too large for the store's numbers (29 digits before the point): ask for smaller windows"}
# What else a request with a body is refused for (api.jsonio), before any field is looked at.
NOT_STRICT_JSON = (f"; or the body is not strict JSON (NaN, Infinity and lone surrogates are not JSON) "
                   f"or nests arrays and objects more than {MAX_DEPTH} deep")


def operation(summary: str, *, ok: dict, body: dict | None = None, params: tuple = (), errors=("400", "401"),
              ok_status: str = "200", more_bodies: dict | None = None, error_notes: dict | None = None) -> dict:
    """One operation; `body` is its JSON request's schema, `more_bodies` other media types it takes,
    `error_notes` what an error status means here when ERRORS does not say it."""
    notes = {**ERRORS, **(error_notes or {})}
    if body is not None and "400" in notes:
        notes["400"] += NOT_STRICT_JSON
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": list(params),
        "responses": {
            ok_status: {"description": "OK", "content": {"application/json": {"schema": ok}}},
            **{code: {"description": notes[code], "content": {"application/json": {"schema": ref("Error")}}} for code in errors},
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}, **(more_bodies or {})}}
    return op


def path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": r"^[^\s/?#]{1,128}$"}}


def query(name: str, schema: dict, *, required: bool = False, description: str | None = None) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            **({"description": description} if description else {})}


CUSTOMER = path_param("customer_id")
RANGE = (query("from", TIME, description="inclusive"),
         query("to", TIME, description="exclusive: the range is [from, to), as for every range of this API"))


def document() -> dict:
    events_body = {"oneOf": [ref("CloudEvent"), {"type": "array", "items": ref("CloudEvent"), "minItems": 1, "maxItems": MAX_EVENTS}]}
    paths = {
        "/v1/dashboards/getEmbeddableUrl": {"post": operation("A signed, expiring URL for one customer's dashboard",
                                                              body=ref("EmbedRequest"), ok=data_of(ref("EmbedUrl")), errors=("400", "401", "404"))},
        "/v1/tokens/revoke": {"post": operation("Stop a link, or all of a customer's links, at once", body=ref("Revoke"),
                                                ok=data_of(ref("Revoked")), errors=("400", "401", "404"))},
        "/v1/customers": {
            "post": operation("Create or update customers", body=one_or_many("CustomerInput"), ok=data_of({"type": "array", "items": ref("Customer")})),
            "get": operation("All customers", ok=data_of({"type": "array", "items": ref("Customer")}), errors=("401",)),
        },
        "/v1/customers/{customer_id}": {"get": operation("One customer", params=(CUSTOMER,), ok=data_of(ref("Customer")), errors=("401", "404"))},
        "/v1/billable-metrics": {
            "post": operation("Create or replace billable metrics", body=one_or_many("MetricInput"), ok=data_of({"type": "array", "items": ref("Metric")})),
            "get": operation("All billable metrics", ok=data_of({"type": "array", "items": ref("Metric")}), errors=("401",)),
        },
        "/v1/events": {"post": operation(
            f"Ingest CloudEvents: one, or an array, as JSON; or one a line as application/x-ndjson. All or nothing. "
            f"An event already stored for the same customer (subject) with the same source and id is a no-op. "
            f"At most {MAX_EVENTS:,} events and {MAX_BODY_BYTES // 2**20} MiB a request, else 413", body=events_body,
            more_bodies={"application/x-ndjson": {"schema": {"type": "array", "items": ref("CloudEvent"), "minItems": 1,
                                                             "maxItems": MAX_EVENTS, "description": "one JSON object a line"}}},
            ok=data_of(ref("IngestResult")), errors=("400", "401", "413"))},
        "/v1/customers/{customer_id}/usage": {"get": operation(
            "Usage or spend of one metric per window",
            ok=obj({"data": {"type": "array", "items": ref("UsageWindow")}, "metric": {"type": "string"}, "group_by": NULLABLE_TEXT,
                    "window_size": {"enum": list(WINDOW_SIZES)}, "tz": {"type": "string"}, "value": {"enum": ["quantity", "spend"]},
                    "currency": {"type": "string", "description": "with value=spend: the currency the values are in"}},
                   ("data", "metric", "group_by", "window_size", "tz", "value")),
            params=(CUSTOMER, query("metric", {"type": "string"}, required=True), *RANGE,
                    query("window_size", {"enum": list(WINDOW_SIZES)}), query("group_by", {"type": "string"}),
                    query("tz", {"type": "string"}), query("value", {"enum": ["quantity", "spend"]})),
            errors=("400", "401", "404", "422"))},
        "/v1/invoices": {"post": operation(
            "Create or replace invoices with their line items; all or nothing. An invoice stays with the customer it was "
            "stored for", body=one_or_many("InvoiceInput"), ok=data_of({"type": "array", "items": ref("Invoice")}),
            errors=("400", "401", "404", "409"),
            error_notes={"409": "an invoice id stored for another customer (the error names the field); nothing is written"})},
        "/v1/invoices/{invoice_id}": {"get": operation("One invoice with its line items", params=(path_param("invoice_id"),),
                                                       ok=data_of(ref("Invoice")), errors=("401", "404"))},
        "/v1/customers/{customer_id}/invoices": {"get": operation(
            "A customer's invoices, newest first", params=(CUSTOMER, query("status", {"type": "string"}), *RANGE),
            ok=data_of({"type": "array", "items": ref("Invoice")}), errors=("400", "401", "404"))},
        "/v1/customers/{customer_id}/grants": {"post": operation("Grant a commit or a credit", params=(CUSTOMER,), body=ref("GrantInput"),
                                                                 ok=data_of(ref("Grant")), ok_status="201", errors=("400", "401", "404", "409"))},
        "/v1/customers/{customer_id}/balances": {"get": operation("Balances of every grant as of a time", params=(CUSTOMER, query("as_of", TIME)),
                                                                  ok=data_of(ref("Balances")), errors=("400", "401", "404"))},
        "/v1/customers/{customer_id}/ledger": {"get": operation("Grants, deductions and expirations in time order", params=(CUSTOMER, *RANGE),
                                                                ok=data_of({"type": "array", "items": ref("LedgerEntry")}), errors=("400", "401", "404"))},
        "/v1/prices": {
            "post": {**operation("Set prices", body=one_or_many("PriceInput"), ok=data_of({"type": "array", "items": ref("Price")})),
                     "description": "A price for the same metric, currency and effective_from as a stored one replaces it "
                                    "(as does one with a stored id), in one transaction with the rest of the request; later "
                                    "items replace earlier ones. The answer lists each posted price with its id."},
            "get": operation("Prices", params=(query("metric", {"type": "string"}),), ok=data_of({"type": "array", "items": ref("Price")}), errors=("401",)),
        },
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {"title": "embedash integrator API", "version": "1",
                 "description": "Signed embed URLs for billing dashboards, and the data behind them. Amounts are exact decimal strings."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": SCHEMAS},
        "paths": paths,
    }
