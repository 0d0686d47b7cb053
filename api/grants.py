"""Commits and credits: grant them, read balances and the ledger of their draw-down."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request

from api.errors import ApiError, bad_request, not_found
from api.services import services
from api.validation import (EXTERNAL_ID, currency_code, decimal_string, decimal_text, iso_utc, json_body,
                            reject_unknown, stored_instant, stored_range, text)
from data.customers import get_customer
from data.drawdown import DrawDown, customer_draw_down
from data.grants import grant_exists, insert_grant
from data.models import GRANT_KINDS, Grant

bp = Blueprint("grants", __name__)
_FIELDS = {"id", "kind", "name", "amount", "currency", "priority", "starting_at", "ending_before", "product"}


def _customer_or_404(customer_id: str):
    customer = get_customer(services().store, customer_id)
    if customer is None:
        raise not_found(f"no customer {customer_id!r}", field="customer_id")
    return customer


def _grant(body: object, customer_id: str) -> Grant:
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object", field=None)
    reject_unknown(body, _FIELDS)
    kind = text(body, "kind").lower()
    if kind not in GRANT_KINDS:
        raise bad_request(f"unknown kind {body['kind']!r}", field="kind", allowed=list(GRANT_KINDS))
    priority = body.get("priority", 1)
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 1_000_000:
        raise bad_request("priority must be a whole number from 0 (first) to 1000000", field="priority")
    start = stored_instant(body.get("starting_at"), field="starting_at")
    end = stored_instant(body.get("ending_before"), field="ending_before")
    if not start < end:
        raise bad_request("ending_before must be after starting_at", field="ending_before")
    return Grant(
        id=text(body, "id", required=False, pattern=EXTERNAL_ID, max_len=128) or "grant_" + secrets.token_urlsafe(9),
        customer_id=customer_id, kind=kind, name=text(body, "name", max_len=200),
        amount=decimal_string(body.get("amount"), field="amount", positive=True),
        currency=currency_code(body.get("currency"), field="currency"), priority=priority, starting_at=start,
        ending_before=end, product=text(body, "product", required=False, max_len=200),
    )  # fmt: skip


def grant_json(row) -> dict:
    return {
        "id": row.id, "kind": row.kind, "name": row.name, "currency": row.currency,
        "amount": decimal_text(row.amount), "priority": row.priority, "starting_at": iso_utc(row.starting_at),
        "ending_before": iso_utc(row.ending_before), "product": row.product,
    }  # fmt: skip


@bp.post("/customers/<customer_id>/grants")
def post_grant(customer_id: str):
    _customer_or_404(customer_id)
    grant = _grant(json_body(), customer_id)
    if grant_exists(services().store, grant.id):
        raise ApiError(409, "conflict", f"a grant {grant.id!r} exists already", field="id")
    insert_grant(services().store, grant)
    return jsonify({"data": grant_json(grant)}), 201


def _as_of() -> datetime:
    if request.args.get("as_of"):
        return stored_instant(request.args["as_of"], field="as_of")
    return datetime.now(UTC).replace(tzinfo=None)


@bp.get("/customers/<customer_id>/balances")
def get_balances(customer_id: str):
    customer = _customer_or_404(customer_id)
    as_of = _as_of()
    result = customer_draw_down(services().store, customer_id=customer_id, as_of=as_of)
    grants = [
        {**grant_json(r), "used": decimal_text(r.used), "expired": decimal_text(r.expired),
         "remaining": decimal_text(r.remaining), "state": r.state}
        for r in result.balances.itertuples()
    ]  # fmt: skip
    uncovered = [
        {"invoice_id": r.invoice_id, "invoice_number": r.invoice_number, "time": iso_utc(r.time),
         "currency": r.currency, "amount": decimal_text(r.amount)}
        for r in result.uncovered.itertuples()
    ]  # fmt: skip
    by_currency = [totals_json(result, c) for c in result.currencies(customer.currency)]
    return jsonify({"data": {"as_of": iso_utc(as_of), "grants": grants, "totals": by_currency[0],
                             "totals_by_currency": by_currency, "uncovered": uncovered}})  # fmt: skip


def totals_json(result: DrawDown, currency: str) -> dict:
    return {"currency": currency, **{k: decimal_text(v) for k, v in result.totals(currency).items()}}


@bp.get("/customers/<customer_id>/ledger")
def get_ledger(customer_id: str):
    """The entries in [from, to), half-open like every range of the API, so that adjacent ranges
    neither repeat nor drop an entry at their shared bound. Drawn down as of `to` (or now, if
    sooner): nothing after it changes an entry before it."""
    _customer_or_404(customer_id)
    start, end = stored_range(request.args)
    now = datetime.now(UTC).replace(tzinfo=None)
    ledger = customer_draw_down(services().store, customer_id=customer_id, as_of=min(end, now) if end else now).ledger
    if start is not None:
        ledger = ledger[ledger.time >= start]
    if end is not None:
        ledger = ledger[ledger.time < end]
    entries = [
        {"time": iso_utc(r.time), "entry": r.entry, "grant_id": r.grant_id, "grant_name": r.grant_name,
         "grant_kind": r.grant_kind, "amount": decimal_text(r.amount), "grant_remaining": decimal_text(r.grant_remaining),
         "invoice_id": r.invoice_id, "invoice_number": r.invoice_number}
        for r in ledger.itertuples()
    ]  # fmt: skip
    return jsonify({"data": entries})
