"""Prices: `POST /v1/prices` (one or a list) and `GET /v1/prices?metric=`. A price posted for a metric, currency
and effective_from that has one replaces it; the answer lists each posted price with its (new) id."""
from __future__ import annotations

import secrets

from flask import Blueprint, jsonify, request

from api.errors import bad_request
from api.services import services
from api.validation import (EXTERNAL_ID, currency_code, decimal_string, decimal_text, each_item, iso_utc, json_body,
                            reject_unknown, stored_instant, text)
from data.metrics import list_metrics
from data.models import Price, Tier
from data.prices import list_prices, upsert_prices

bp = Blueprint("prices", __name__)
_FIELDS = {"id", "metric", "currency", "effective_from", "unit_price", "tiers", "group_key", "group_prices"}


def _money(value, field: str):
    """A unit price: up to 6 places, never negative (a credit is a grant, not a price)."""
    price = decimal_string(value, field=field, places=6)
    if price < 0:
        raise bad_request(f"{field} must not be negative (give credits as grants)", field=field)
    return price


def _tiers(items, metric) -> tuple[Tier, ...]:
    if not isinstance(items, list) or not items:
        raise bad_request("must be a non-empty list of {up_to, unit_price}", field="tiers")
    tiers, last = [], None
    for i, item in enumerate(items):
        where = f"tiers[{i}]"
        if not isinstance(item, dict):
            raise bad_request("must be an object", field=where)
        reject_unknown(item, {"up_to", "unit_price"}, prefix=where + ".")
        up_to = item.get("up_to")
        bound = None if up_to is None else decimal_string(up_to, field=f"{where}.up_to", positive=True)
        if (bound is None) != (i == len(items) - 1):
            raise bad_request("every tier but the last needs up_to; the last has none", field=f"{where}.up_to")
        if bound is not None and last is not None and bound <= last:
            raise bad_request("up_to must grow from tier to tier", field=f"{where}.up_to")
        tiers.append(Tier(bound, _money(item.get("unit_price"), f"{where}.unit_price")))
        last = bound
    return tuple(tiers)


def _price(item: dict, metrics: dict) -> Price:
    reject_unknown(item, _FIELDS)
    slug = text(item, "metric")
    if slug not in metrics:
        raise bad_request(f"unknown billable metric {slug!r}", field="metric", allowed=sorted(metrics))
    metric = metrics[slug]
    unit = _money(item["unit_price"], "unit_price") if item.get("unit_price") is not None else None
    tiers = _tiers(item["tiers"], metric) if item.get("tiers") is not None else ()
    group_key, group_prices = item.get("group_key"), item.get("group_prices")
    if tiers and (unit is not None or group_prices is not None):
        raise bad_request("a tiered price has no unit_price or group_prices", field="tiers")
    if group_prices is not None:
        if group_key not in metric.group_keys:
            raise bad_request(f"group_key must be a group key of {slug}", field="group_key", allowed=list(metric.group_keys))
        if not isinstance(group_prices, dict) or not group_prices:
            raise bad_request("must be an object of {group value: unit price}", field="group_prices")
        if unit is None:
            raise bad_request("group_prices needs a unit_price for the group values it does not list", field="unit_price")
        group_prices = {k: _money(v, f"group_prices.{k}") for k, v in group_prices.items()}
    elif group_key is not None:
        raise bad_request("group_key goes with group_prices", field="group_key")
    if unit is None and not tiers:
        raise bad_request("give a unit_price or tiers", field="unit_price")
    return Price(
        id=text(item, "id", required=False, pattern=EXTERNAL_ID, max_len=128) or "price_" + secrets.token_urlsafe(9),
        metric=slug, currency=currency_code(item.get("currency"), field="currency"),
        effective_from=stored_instant(item.get("effective_from"), field="effective_from"),
        unit_price=unit, tiers=tiers, group_key=group_key, group_prices=group_prices or {},
    )  # fmt: skip


def price_json(p: Price) -> dict:
    return {
        "id": p.id, "metric": p.metric, "currency": p.currency, "effective_from": iso_utc(p.effective_from),
        "unit_price": decimal_text(p.unit_price),
        "tiers": [{"up_to": decimal_text(t.up_to), "unit_price": decimal_text(t.unit_price)} for t in p.tiers] or None,
        "group_key": p.group_key,
        "group_prices": {k: decimal_text(v) for k, v in p.group_prices.items()} or None,
    }  # fmt: skip


@bp.post("/prices")
def post_prices():
    svc = services()
    metrics = {m.slug: m for m in list_metrics(svc.store)}
    prices = each_item(json_body(), lambda item: _price(item, metrics))
    upsert_prices(svc.store, prices)
    return jsonify({"data": [price_json(p) for p in prices]})


@bp.get("/prices")
def get_prices():
    return jsonify({"data": [price_json(p) for p in list_prices(services().store, metric=request.args.get("metric") or None)]})
