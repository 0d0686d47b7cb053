"""`GET /v1/customers/{id}/usage`: the numbers the usage dashboard shows, as JSON;
`value=spend` rates them by the metric's prices in the customer's currency."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, jsonify, request

from api.errors import bad_request, not_found
from api.services import services
from api.validation import decimal_text, instant, zone_name
from data.customers import get_customer
from data.metrics import list_metrics
from data.prices import list_prices
from data.schema import BUCKET_MINUTES
from data.rating import ADDITIVE, spend_series
from data.usage import WINDOW_SIZES, is_bucket_aligned, trailing_days, usage_series

bp = Blueprint("usage", __name__)
MAX_RANGE = timedelta(days=400)
MAX_HOUR_RANGE = timedelta(days=31)


@bp.get("/customers/<customer_id>/usage")
def get_usage(customer_id: str):
    svc, args = services(), request.args
    customer = get_customer(svc.store, customer_id)
    if customer is None:
        raise not_found(f"no customer {customer_id!r}", field="customer_id")
    metrics = {m.slug: m for m in list_metrics(svc.store)}
    slug = args.get("metric")
    if slug not in metrics:
        raise bad_request(f"unknown metric {slug!r}" if slug else "metric is required", field="metric",
                          allowed=sorted(metrics))
    metric = metrics[slug]
    window_size = args.get("window_size", "day")
    if window_size not in WINDOW_SIZES:
        raise bad_request(f"unknown window_size {window_size!r}", field="window_size", allowed=list(WINDOW_SIZES))
    group_by = args.get("group_by") or None
    if group_by is not None and group_by not in metric.group_keys:
        raise bad_request(f"{slug} cannot be grouped by {group_by!r}", field="group_by", allowed=list(metric.group_keys))
    tz = zone_name(args["tz"], field="tz") if args.get("tz") else customer.timezone
    default_start, default_end = trailing_days(30, tz, datetime.now(UTC))
    start = instant(args["from"], field="from") if args.get("from") else default_start
    end = instant(args["to"], field="to") if args.get("to") else default_end
    for name, value in (("from", start), ("to", end)):
        if not is_bucket_aligned(value):
            raise bad_request(f"{name} must fall on a {BUCKET_MINUTES}-minute boundary", field=name)
    if not start < end:
        raise bad_request("from must be before to", field="from")
    if end - start > MAX_RANGE or (window_size == "hour" and end - start > MAX_HOUR_RANGE):
        limit = MAX_HOUR_RANGE if window_size == "hour" else MAX_RANGE
        raise bad_request(f"the range may span at most {limit.days} days for window_size={window_size}", field="to")
    value = args.get("value", "quantity")
    if value not in ("quantity", "spend"):
        raise bad_request(f"unknown value {value!r}", field="value", allowed=["quantity", "spend"])
    query = {"customer_id": customer.id, "metric": metric, "start": start, "end": end, "tz": tz,
             "window_size": window_size, "group_by": group_by}
    if value == "spend":
        if metric.aggregation not in ADDITIVE:
            raise bad_request(f"spend over time needs a SUM or COUNT metric; {slug} is {metric.aggregation}",
                              field="value", allowed=["quantity"])
        if not list_prices(svc.store, metric=slug, currency=customer.currency):  # a 0 would read as free
            raise bad_request(f"{slug} has no price in {customer.currency}, the customer's currency (POST /v1/prices); "
                              "ask for value=quantity", field="value", code="no_price", allowed=["quantity"])  # fmt: skip
        series = spend_series(svc.store, currency=customer.currency, billing_tz=customer.timezone, **query)
    else:
        series = usage_series(svc.store, **query)
    data = [
        {"window_start": row.window_start.isoformat(), "window_end": row.window_end.isoformat(),
         "group": row.group, "value": decimal_text(row.value)}
        for row in series.itertuples()
    ]  # fmt: skip
    meta = {"metric": slug, "group_by": group_by, "window_size": window_size, "tz": tz, "value": value}
    if value == "spend":
        meta["currency"] = customer.currency
    return jsonify({"data": data, **meta})
