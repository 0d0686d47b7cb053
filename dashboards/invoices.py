"""The invoices dashboard: the last 90 days of invoices, newest first, with a search box; a
click shows an invoice's line items. Both tables download as CSV through verified callbacks.
When the integrator has sent no usage draft for the current period, an estimate computed live
from usage x prices leads the list, labelled as such.

A billing period is a calendar fact of the invoice: its bounds are midnights in the customer's
billing zone, so periods are labelled in that zone whatever display zone the token asks for.
The list's CSV writes them so too: `period_first_day` and `period_last_day` (inclusive), ISO
dates in the customer's zone, as the Period column reads."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import dash
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashboards import formatting as fmt
from dashboards.export import csv_download, notice_area, notice_when_expired
from dashboards.options import option_value
from dashboards.shell import EmbedDeps, Look, look_of, refused_notice, verified
from data.customers import get_customer
from data.invoices import INVOICE_COLUMNS, LINE_COLUMNS, invoice_lines, list_invoices
from data.metrics import list_metrics
from data.models import Invoice
from data.money import exact_text, money_text
from data.rating import estimate_invoice
from data.store import frame

NAME = "invoices"
WINDOW = timedelta(days=90)
STATUS_FILTERS = {
    "ALL": None, "DRAFT": ["draft"], "FINALIZED": ["finalized"], "VOID": ["voided"],
    "FINALIZED_AND_DRAFT": ["finalized", "draft"],
}  # fmt: skip
STATUS_LABELS = {"draft": "Draft", "finalized": "Finalized", "voided": "Void", "estimate": "Estimate"}
_SURROGATE = re.compile("[\ud800-\udfff]")
ESTIMATE_NOTE = "Estimate: computed live from usage and prices; the final invoice may differ."


def layout(claims: Any, deps: EmbedDeps, state: dict[str, str]) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Invoices", className="eb-title"),
                    dcc.Input(id="invoices-search", type="search", placeholder="Search number, status or amount",
                              debounce=0.3, className="eb-search"),
                ],
                className="eb-header",
            ),
            html.Div(id="invoices-list"),
            html.Button("Download CSV", id="invoices-csv", className="eb-button"),
            dcc.Download(id="invoices-csv-file"),
            notice_area("invoices-csv"),
            dcc.Store(id="invoice-selected"),
            html.Div(id="invoice-detail"),
            dcc.Download(id="invoice-lines-csv-file"),
            notice_area("invoice-lines-csv"),
        ],
        className="eb-dashboard eb-invoices",
    )


@dataclass(frozen=True)
class Shown:
    """The invoices a token may see (search applied), with display columns; its look; and the
    live estimate if one leads the list (rated once, for the list and its lines alike)."""

    rows: pd.DataFrame
    look: Look
    estimate: Invoice | None


def searched(search: str | None) -> str:
    """What the search box holds, without the spaces around it ("" for nothing). A lone
    surrogate (a browser's string can hold one, and JSON carry it) is no character, and could
    not be sent back to say nothing matched: it reads as U+FFFD, which matches no invoice."""
    return _SURROGATE.sub("\ufffd", search.strip()) if isinstance(search, str) else ""


def clicked_invoice(triggered_id: Any) -> str | None:
    """The invoice of the row a click came from, or None where the id is not a row's (the
    request is the browser's, so its ids are whatever it says)."""
    index = triggered_id.get("index") if isinstance(triggered_id, dict) else None
    return index if isinstance(index, str) else None


def shown_invoices(deps: EmbedDeps, claims: Any, search: str | None) -> Shown:
    """The invoices the token may see and the search keeps, with display columns added: periods
    in the customer's billing zone, the first day and the last (`period_first`, `period_last`)."""
    customer = get_customer(deps.store, claims.customer_id)
    look = look_of(claims, customer)
    invoice_type = option_value(NAME, claims.options, "invoice_type")
    statuses = STATUS_FILTERS[option_value(NAME, claims.options, "invoice_status_filter")]
    rows = list_invoices(
        deps.store, customer_id=claims.customer_id, statuses=statuses,
        type=None if invoice_type == "ALL" else invoice_type,
        issued_from=(datetime.now(UTC) - WINDOW).replace(tzinfo=None),
    )  # fmt: skip
    estimate = None
    if (statuses is None or "draft" in statuses) and invoice_type in ("ALL", "USAGE"):
        estimate = live_estimate(deps, customer)
        if estimate is not None:
            row = frame([tuple(getattr(estimate, c) for c in INVOICE_COLUMNS)], INVOICE_COLUMNS).assign(status="estimate")
            rows = pd.concat([row, rows], ignore_index=True) if len(rows) else row
    rows["status_label"] = rows["status"].map(STATUS_LABELS)
    rows["period_first"] = [fmt.local_date(start, customer.timezone) for start in rows["period_start"]]
    rows["period_last"] = [fmt.last_day(end, customer.timezone) for end in rows["period_end"]]
    rows["period_label"] = [fmt.days(r.period_first, r.period_last, look.locale) for r in rows.itertuples()]
    rows["amount_label"] = [fmt.money(r.total, r.currency, look.locale) for r in rows.itertuples()]
    needle = searched(search).lower()
    if needle:
        haystack = rows["number"] + " " + rows["status_label"] + " " + rows["amount_label"] + " " + rows["total"].map(str)
        rows = rows[haystack.str.lower().str.contains(needle, regex=False)]
    return Shown(rows, look, estimate)


def _list_table(rows: pd.DataFrame, search: str | None) -> html.Div | html.P:
    if rows.empty:
        needle = searched(search)
        return html.P(f'No invoices match "{needle}".' if needle else "No invoices in the last 90 days.", className="eb-empty")
    head = html.Thead(html.Tr([html.Th("Invoice"), html.Th("Period"), html.Th("Status"), html.Th("Amount", className="eb-num")]))
    body = [
        html.Tr(
            [
                html.Td(html.Button(r.number, type="button", className="eb-row-button")), html.Td(r.period_label),
                html.Td(html.Span(r.status_label, className=f"eb-badge eb-status-{r.status}")),
                html.Td(r.amount_label, className="eb-num"),
            ],
            id={"type": "invoice-row", "index": r.id}, n_clicks=0, className="eb-clickable",
        )
        for r in rows.itertuples()
    ]  # fmt: skip
    return html.Div(html.Table([head, html.Tbody(body)], className="eb-table", id="invoices-table"), className="eb-scroll")


def live_estimate(deps: EmbedDeps, customer: Any):
    """The current period's estimate, unless the integrator sent a usage draft covering now (a
    scheduled one is a fixed fee beside the usage, which it does not estimate)."""
    now = datetime.now(UTC)
    naive_now = now.replace(tzinfo=None)
    drafts = list_invoices(deps.store, customer_id=customer.id, statuses=["draft"], type="USAGE")
    if any(r.period_start <= naive_now < r.period_end for r in drafts.itertuples()):
        return None
    return estimate_invoice(deps.store, customer=customer, metrics=list_metrics(deps.store), now=now)


def shown_lines(deps: EmbedDeps, claims: Any, invoice_id: str, estimate: Invoice | None) -> pd.DataFrame:
    """One invoice's line items, only if the invoice is the token customer's; zero lines per option."""
    if invoice_id.startswith("estimate:"):
        items = estimate.line_items if estimate is not None and estimate.id == invoice_id else ()
        lines = frame([(i, li.name, li.billable_metric, li.group_values, li.quantity, li.unit_price, li.amount)
                       for i, li in enumerate(items)], LINE_COLUMNS)  # fmt: skip
    else:
        lines = invoice_lines(deps.store, customer_id=claims.customer_id, invoice_id=invoice_id)
    if option_value(NAME, claims.options, "show_zero_usage_line_items") == "false":
        lines = lines[[q != 0 for q in lines["quantity"]]]
    return lines


def _detail(rows: pd.DataFrame, lines: pd.DataFrame, invoice_id: str, look: Look) -> html.Div:
    inv = rows[rows["id"] == invoice_id].iloc[0]
    cur, loc = inv.currency, look.locale
    body = [
        html.Tr([html.Td(li.name), html.Td(fmt.number(li.quantity, loc), className="eb-num"),
                 html.Td("—" if li.unit_price is None else fmt.unit_price(li.unit_price, cur, loc), className="eb-num"),
                 html.Td(fmt.money(li.amount, cur, loc), className="eb-num")])
        for li in lines.itertuples()
    ]  # fmt: skip
    subtotal = sum(lines["amount"], Decimal(0))
    foot = html.Tfoot([
        html.Tr([html.Td("Subtotal", colSpan=3), html.Td(fmt.money(subtotal, cur, loc), className="eb-num", id="invoice-subtotal")]),
        html.Tr([html.Td("Total", colSpan=3), html.Td(fmt.money(inv.total, cur, loc), className="eb-num", id="invoice-total")],
                className="eb-total"),
    ])  # fmt: skip
    head = html.Thead(html.Tr([html.Th("Item"), html.Th("Quantity", className="eb-num"),
                               html.Th("Unit price", className="eb-num"), html.Th("Amount", className="eb-num")]))
    return html.Div(
        [
            *_heading(inv),
            html.Div(html.Table([head, html.Tbody(body), foot], className="eb-table", id="invoice-lines"), className="eb-scroll"),
            html.Button("Download CSV", id="invoice-lines-csv", className="eb-button"),
        ],
        className="eb-detail",
    )


def _heading(inv: Any) -> list:
    """An invoice's number, status and period; the estimate, whose number is "Estimate", is
    named by its period instead, with the note that says what it is."""
    if inv.status == "estimate":
        return [html.H2(f"Estimate for {inv.period_label}", className="eb-subtitle"),
                html.P(ESTIMATE_NOTE, className="eb-caption eb-estimate-note")]  # fmt: skip
    return [html.H2([f"Invoice {inv.number} ", html.Span(inv.status_label, className=f"eb-badge eb-status-{inv.status}")],
                    className="eb-subtitle"),
            html.P(inv.period_label, className="eb-caption")]  # fmt: skip


def register(app: dash.Dash, deps: EmbedDeps) -> None:
    @app.callback(Output("invoices-list", "children"), Input("invoices-search", "value"), State("eb-url", "search"))
    def _list(search_text: str | None, search: str | None):
        claims = verified(deps, search, NAME)
        if claims is None:
            return refused_notice()
        return _list_table(shown_invoices(deps, claims, search_text).rows, search_text)

    @app.callback(
        Output("invoice-detail", "children"),
        Output("invoice-selected", "data"),
        Input({"type": "invoice-row", "index": ALL}, "n_clicks"),
        State("eb-url", "search"),
        prevent_initial_call=True,
    )
    def _select(clicks: list[int | None], search: str | None):
        if not ctx.triggered_id or not any(clicks):
            return dash.no_update, dash.no_update
        claims = verified(deps, search, NAME)
        if claims is None:
            return refused_notice(), None
        invoice_id = clicked_invoice(ctx.triggered_id)
        shown = shown_invoices(deps, claims, None)
        if invoice_id not in set(shown.rows["id"]):  # none, not this customer's, or filtered out by the token's options
            return html.P("No such invoice.", className="eb-empty"), None
        lines = shown_lines(deps, claims, invoice_id, shown.estimate)
        return _detail(shown.rows, lines, invoice_id, shown.look), invoice_id

    @app.callback(
        Output("invoices-csv-file", "data"),
        Input("invoices-csv", "n_clicks"),
        State("invoices-search", "value"),
        State("eb-url", "search"),
        prevent_initial_call=True,
    )
    def _list_csv(_: int, search_text: str | None, search: str | None):
        claims = verified(deps, search, NAME)
        if claims is None:
            return None
        rows = shown_invoices(deps, claims, search_text).rows
        table = [[r.number, r.period_first, r.period_last, r.status_label, r.currency, money_text(r.total, r.currency)]
                 for r in rows.itertuples()]  # fmt: skip
        header = ["number", "period_first_day", "period_last_day", "status", "currency", "amount"]
        return csv_download(header, table, "invoices.csv")

    @app.callback(
        Output("invoice-lines-csv-file", "data"),
        Input("invoice-lines-csv", "n_clicks"),
        State("invoice-selected", "data"),
        State("eb-url", "search"),
        prevent_initial_call=True,
    )
    def _lines_csv(clicks: int | None, invoice_id: str | None, search: str | None):
        claims = verified(deps, search, NAME)
        # The button is drawn anew with each invoice's detail, and Dash runs this for the new
        # button: only a click downloads.
        if not clicks or claims is None or not isinstance(invoice_id, str) or not invoice_id:  # the browser's store, so any JSON
            return None
        shown = shown_invoices(deps, claims, None)
        if invoice_id not in set(shown.rows["id"]):
            return None
        invoice = shown.rows[shown.rows["id"] == invoice_id].iloc[0]
        number, currency = invoice.number, invoice.currency
        lines = shown_lines(deps, claims, invoice_id, shown.estimate)
        table = [[li.name, exact_text(li.quantity), "" if li.unit_price is None else exact_text(li.unit_price),
                  money_text(li.amount, currency)] for li in lines.itertuples()]  # fmt: skip
        return csv_download(["item", "quantity", "unit_price", "amount"], table, f"invoice-{number}.csv")

    notice_when_expired(app, deps, "invoices-csv", NAME)
    notice_when_expired(app, deps, "invoice-lines-csv", NAME)
