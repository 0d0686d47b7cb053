"""Customers and billable metrics: `POST/GET /v1/customers`, `POST/GET /v1/billable-metrics`.

A customer upsert changes the fields it sends; the others keep their stored values (a new
customer gets the defaults: USD, UTC, en_US, its id as its name)."""
from __future__ import annotations

from dataclasses import asdict
from babel import Locale, UnknownLocaleError
from flask import Blueprint, jsonify

from api.errors import bad_request, not_found
from api.services import services
from api.validation import EXTERNAL_ID, IDENTIFIER, currency_code, each_item, json_body, reject_unknown, text, zone_name
from data.customers import get_customer, list_customers, upsert_customer_fields
from data.metrics import list_metrics, upsert_metrics
from data.models import AGGREGATIONS, BillableMetric, Customer

bp = Blueprint("customers", __name__)


def _customer(item: dict) -> dict[str, str]:
    """The fields the item gives, checked: `id` and any of name, currency, timezone, locale. The
    ones it leaves out keep their stored values, or get the defaults for a new customer."""
    reject_unknown(item, {"id", "name", "currency", "timezone", "locale"})
    fields = {"id": text(item, "id", pattern=EXTERNAL_ID, max_len=128)}
    if item.get("name") is not None:
        fields["name"] = text(item, "name")
    if item.get("currency") is not None:
        fields["currency"] = currency_code(text(item, "currency"), field="currency")
    if item.get("timezone") is not None:
        fields["timezone"] = zone_name(text(item, "timezone"), field="timezone")
    if item.get("locale") is not None:
        locale = fields["locale"] = text(item, "locale")
        try:
            Locale.parse(locale)
        except (UnknownLocaleError, ValueError):
            raise bad_request(f"unknown locale {locale!r} (use e.g. en_US, de_DE, ja_JP)", field="locale") from None
    return fields


def _metric(item: dict) -> BillableMetric:
    reject_unknown(item, {"slug", "name", "unit", "event_type", "aggregation", "value_property", "group_keys"})
    slug = text(item, "slug", pattern=IDENTIFIER, max_len=64)
    aggregation = text(item, "aggregation").upper()
    if aggregation not in AGGREGATIONS:
        raise bad_request(f"unknown aggregation {aggregation!r}", field="aggregation", allowed=list(AGGREGATIONS))
    if aggregation == "COUNT" and item.get("value_property") is not None:
        raise bad_request("COUNT counts events: it reads no value_property (SUM adds one up)", field="value_property")
    value_property = text(item, "value_property", required=aggregation != "COUNT", pattern=IDENTIFIER)
    group_keys = item.get("group_keys", [])
    if not isinstance(group_keys, list) or len(group_keys) > 8 or not all(
        isinstance(k, str) and IDENTIFIER.fullmatch(k) for k in group_keys
    ):
        raise bad_request("must be a list of at most 8 property names (letters, digits, _)", field="group_keys")
    if len(set(group_keys)) != len(group_keys):
        raise bad_request("group keys must be distinct", field="group_keys")
    return BillableMetric(
        slug=slug, name=text(item, "name", required=False, default=slug), unit=text(item, "unit", required=False, default=""),
        event_type=text(item, "event_type"), aggregation=aggregation, value_property=value_property,
        group_keys=tuple(group_keys),
    )  # fmt: skip


def customer_json(c: Customer) -> dict:
    return asdict(c)


def metric_json(m: BillableMetric) -> dict:
    return {**asdict(m), "group_keys": list(m.group_keys)}


@bp.post("/customers")
def post_customers():
    customers = upsert_customer_fields(services().store, each_item(json_body(), _customer))
    return jsonify({"data": [customer_json(c) for c in customers]})


@bp.get("/customers")
def get_customers():
    return jsonify({"data": [customer_json(c) for c in list_customers(services().store)]})


@bp.get("/customers/<customer_id>")
def get_one_customer(customer_id: str):
    customer = get_customer(services().store, customer_id)
    if customer is None:
        raise not_found(f"no customer {customer_id!r}", field="customer_id")
    return jsonify({"data": customer_json(customer)})


@bp.post("/billable-metrics")
def post_metrics():
    metrics = each_item(json_body(), _metric)
    upsert_metrics(services().store, metrics)
    return jsonify({"data": [metric_json(m) for m in metrics]})


@bp.get("/billable-metrics")
def get_metrics():
    return jsonify({"data": [metric_json(m) for m in list_metrics(services().store)]})
