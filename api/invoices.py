"""Invoices: `POST /v1/invoices`, `GET /v1/customers/{id}/invoices`, `GET /v1/invoices/{id}`.

Amounts travel as decimal strings and are stored exactly. A line-item sum that disagrees
with the invoice total is refused; a batch is written whole or not at all. An invoice stays with
the customer it was stored for: its id sent for another customer is a 409, and writes nothing."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, jsonify, request

from api.errors import bad_request, conflict, not_found
from api.services import services
from api.validation import (EXTERNAL_ID, currency_code, decimal_string, decimal_text, each_item, iso_utc, item_prefix,
                            json_body, reject_unknown, stored_instant, stored_range, text)
from data.customers import existing_customer_ids, get_customer
from data.invoices import InvoiceOfAnotherCustomer, get_invoice, list_invoices, upsert_invoices
from data.metrics import list_metrics
from data.models import INVOICE_STATUSES, INVOICE_TYPES, Invoice, LineItem

bp = Blueprint("invoices", __name__)
_FIELDS = {"id", "number", "customer_id", "status", "type", "currency", "issued_at", "period_start", "period_end",
           "total", "line_items"}  # fmt: skip
_LINE_FIELDS = {"name", "billable_metric", "group_values", "quantity", "unit_price", "amount"}


def _choice(item: dict, key: str, allowed: tuple[str, ...], *, upper: bool) -> str:
    raw = text(item, key)
    value = raw.upper() if upper else raw.lower()
    if value not in allowed:
        raise bad_request(f"unknown {key} {raw!r}", field=key, allowed=list(allowed))
    return value


def _line(item: object, where: str, metrics: set[str]) -> LineItem:
    if not isinstance(item, dict):
        raise bad_request("must be an object", field=where)
    reject_unknown(item, _LINE_FIELDS, prefix=where + ".")
    metric = text(item, "billable_metric", field=f"{where}.billable_metric", required=False)
    if metric is not None and metric not in metrics:
        raise bad_request(f"unknown billable metric {metric!r}", field=f"{where}.billable_metric", allowed=sorted(metrics))
    groups = item.get("group_values")
    if groups is not None and not (isinstance(groups, dict) and all(isinstance(v, str) for v in groups.values())):
        raise bad_request("must be an object of strings", field=f"{where}.group_values")
    return LineItem(
        name=text(item, "name", field=f"{where}.name"),
        quantity=decimal_string(item.get("quantity"), field=f"{where}.quantity"),
        unit_price=decimal_string(item.get("unit_price"), field=f"{where}.unit_price", places=6),
        amount=decimal_string(item.get("amount"), field=f"{where}.amount"),
        billable_metric=metric,
        group_values=groups,
    )


def _invoice(item: dict, metrics: set[str]) -> Invoice:
    reject_unknown(item, _FIELDS)
    lines = item.get("line_items", [])
    if not isinstance(lines, list):
        raise bad_request("must be a list", field="line_items")
    items = tuple(_line(li, f"line_items[{i}]", metrics) for i, li in enumerate(lines))
    start, end = stored_instant(item.get("period_start"), field="period_start"), stored_instant(item.get("period_end"), field="period_end")
    if not start < end:
        raise bad_request("period_end must be after period_start", field="period_end")
    total = decimal_string(item.get("total"), field="total")
    if sum((li.amount for li in items), Decimal(0)) != total:
        raise bad_request(f"total {total} is not the sum of the line items' amounts "
                          f"({sum(li.amount for li in items)})", field="total", code="total_mismatch")  # fmt: skip
    return Invoice(
        id=text(item, "id", pattern=EXTERNAL_ID, max_len=128), number=text(item, "number", max_len=64),
        customer_id=text(item, "customer_id", max_len=128),
        status=_choice(item, "status", INVOICE_STATUSES, upper=False), type=_choice(item, "type", INVOICE_TYPES, upper=True),
        currency=currency_code(item.get("currency"), field="currency"),
        issued_at=stored_instant(item.get("issued_at"), field="issued_at"), period_start=start, period_end=end,
        total=total, line_items=items,
    )  # fmt: skip


def invoice_json(row, lines: tuple[LineItem, ...] | None = None) -> dict:
    out = {
        "id": row.id, "number": row.number, "customer_id": row.customer_id, "status": row.status, "type": row.type,
        "currency": row.currency, "issued_at": iso_utc(row.issued_at), "period_start": iso_utc(row.period_start),
        "period_end": iso_utc(row.period_end), "total": decimal_text(row.total),
    }  # fmt: skip
    if lines is not None:
        out["line_items"] = [
            {"name": li.name, "billable_metric": li.billable_metric, "group_values": li.group_values,
             "quantity": decimal_text(li.quantity), "unit_price": decimal_text(li.unit_price),
             "amount": decimal_text(li.amount)}
            for li in lines
        ]  # fmt: skip
    return out


@bp.post("/invoices")
def post_invoices():
    svc = services()
    metrics = {m.slug for m in list_metrics(svc.store)}
    body = json_body()
    invoices = each_item(body, lambda item: _invoice(item, metrics))
    first = {}
    for i, inv in enumerate(invoices):
        if first.setdefault(inv.id, i) != i:
            raise bad_request(f"invoice {inv.id!r} is sent twice in this request (also at [{first[inv.id]}])",
                              field=item_prefix(body, i) + "id")  # fmt: skip
    customers = {inv.customer_id for inv in invoices}
    missing = sorted(customers - existing_customer_ids(svc.store, customers))
    if missing:
        raise not_found(f"no customer {missing[0]!r}", field="customer_id")
    try:
        upsert_invoices(svc.store, invoices)
    except InvoiceOfAnotherCustomer as exc:
        raise conflict(f"invoice {exc.invoice_id!r} belongs to another customer; an invoice cannot move "
                       f"to another customer, send it under a new id", field=item_prefix(body, exc.index) + "id") from None
    return jsonify({"data": [invoice_json(inv, inv.line_items) for inv in invoices]})


@bp.get("/customers/<customer_id>/invoices")
def get_customer_invoices(customer_id: str):
    svc, args = services(), request.args
    if get_customer(svc.store, customer_id) is None:
        raise not_found(f"no customer {customer_id!r}", field="customer_id")
    statuses = None
    if args.get("status"):
        statuses = [s.strip().lower() for s in args["status"].split(",")]
        bad = [s for s in statuses if s not in INVOICE_STATUSES]
        if bad:
            raise bad_request(f"unknown status {bad[0]!r}", field="status", allowed=list(INVOICE_STATUSES))
    start, end = stored_range(args)
    rows = list_invoices(svc.store, customer_id=customer_id, statuses=statuses, issued_from=start, issued_to=end)
    return jsonify({"data": [invoice_json(r) for r in rows.itertuples()]})


@bp.get("/invoices/<invoice_id>")
def get_one_invoice(invoice_id: str):
    invoice = get_invoice(services().store, invoice_id)
    if invoice is None:
        raise not_found(f"no invoice {invoice_id!r}", field="invoice_id")
    return jsonify({"data": invoice_json(invoice, invoice.line_items)})
