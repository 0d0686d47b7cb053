"""Invoices and their line items, as the integrator sends them; stored exactly."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd

from data.models import Invoice, LineItem
from data.store import Store, frame

INVOICE_COLUMNS = ["id", "number", "customer_id", "status", "type", "currency", "issued_at", "period_start",
                   "period_end", "total"]  # fmt: skip
LINE_COLUMNS = ["position", "name", "billable_metric", "group_values", "quantity", "unit_price", "amount"]


class InvoiceOfAnotherCustomer(Exception):
    """An invoice id that is stored for another customer: `invoices[index]` would move it to its own."""

    def __init__(self, index: int, invoice_id: str, owner: str):
        super().__init__(f"invoice {invoice_id!r} belongs to another customer")
        self.index, self.invoice_id, self.owner = index, invoice_id, owner


def upsert_invoices(store: Store, invoices: Iterable[Invoice]) -> None:
    """Create or replace invoices with all their line items, in one transaction. An invoice stays
    with the customer it was stored for: an id stored for another customer raises
    InvoiceOfAnotherCustomer and writes nothing. The ids must be distinct."""
    invoices = list(invoices)
    with store.transaction() as cur:
        owners = dict(cur.execute("SELECT id, customer_id FROM invoices WHERE list_contains(?, id)",
                                  [[i.id for i in invoices]]).fetchall())  # fmt: skip
        for index, inv in enumerate(invoices):
            if owners.get(inv.id, inv.customer_id) != inv.customer_id:
                raise InvoiceOfAnotherCustomer(index, inv.id, owners[inv.id])
        cur.executemany(
            f"INSERT OR REPLACE INTO invoices ({', '.join(INVOICE_COLUMNS)}) VALUES ({', '.join('?' * len(INVOICE_COLUMNS))})",
            [[getattr(inv, c) for c in INVOICE_COLUMNS] for inv in invoices],
        )
        cur.execute("DELETE FROM invoice_line_items WHERE list_contains(?, invoice_id)", [[i.id for i in invoices]])
        lines = [
            [inv.id, pos, li.name, li.billable_metric, li.group_values, li.quantity, li.unit_price, li.amount]
            for inv in invoices
            for pos, li in enumerate(inv.line_items)
        ]
        if lines:
            cur.executemany("INSERT INTO invoice_line_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)", lines)


def list_invoices(store: Store, *, customer_id: str, statuses: Iterable[str] | None = None, type: str | None = None,
                  issued_from: datetime | None = None, issued_to: datetime | None = None) -> pd.DataFrame:
    """One customer's invoices, newest first: columns INVOICE_COLUMNS (instants naive UTC, total Decimal)."""
    sql = f"SELECT {', '.join(INVOICE_COLUMNS)} FROM invoices WHERE customer_id = ?"
    params: list = [customer_id]
    if statuses is not None:
        sql += " AND list_contains(?, status)"
        params.append(list(statuses))
    if type is not None:
        sql += " AND type = ?"
        params.append(type)
    if issued_from is not None:
        sql += " AND issued_at >= ?"
        params.append(issued_from)
    if issued_to is not None:
        sql += " AND issued_at < ?"
        params.append(issued_to)
    rows = store.cursor().execute(sql + " ORDER BY issued_at DESC, number DESC", params).fetchall()
    return frame(rows, INVOICE_COLUMNS)


def invoice_lines(store: Store, *, customer_id: str, invoice_id: str) -> pd.DataFrame:
    """The line items of one of this customer's invoices (empty if the invoice is not theirs)."""
    rows = store.cursor().execute(
        f"""SELECT {', '.join('l.' + c for c in LINE_COLUMNS)} FROM invoice_line_items l
            JOIN invoices i ON i.id = l.invoice_id
            WHERE i.customer_id = ? AND l.invoice_id = ? ORDER BY l.position""",
        [customer_id, invoice_id],
    ).fetchall()
    return frame(rows, LINE_COLUMNS)


def get_invoice(store: Store, invoice_id: str) -> Invoice | None:
    rows = store.cursor().execute(
        f"SELECT {', '.join(INVOICE_COLUMNS)} FROM invoices WHERE id = ?", [invoice_id]
    ).fetchall()
    if not rows:
        return None
    head = dict(zip(INVOICE_COLUMNS, rows[0]))
    lines = invoice_lines(store, customer_id=head["customer_id"], invoice_id=invoice_id)
    items = tuple(
        LineItem(name=r.name, quantity=r.quantity, unit_price=r.unit_price, amount=r.amount,
                 billable_metric=r.billable_metric, group_values=r.group_values)
        for r in lines.itertuples()
    )  # fmt: skip
    return Invoice(**head, line_items=items)
