"""The commits & credits dashboard (`/embed/credits` is the same page, credits only):
overall remaining and used, a progress bar per grant, used vs remaining per grant, and the
ledger of grants and deductions with the invoice each deduction paid."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashboards import formatting as fmt
from dashboards.figures import grant_bar_figure
from dashboards.export import csv_download, notice_area, notice_when_expired
from dashboards.options import option_value
from dashboards.shell import EmbedDeps, Look, look_of, verified
from data.customers import get_customer
from data.drawdown import DrawDown, customer_draw_down
from data.money import money_text

NAMES = ("commits_and_credits", "credits")
KIND_LABELS = {"commit": "Commit", "credit": "Credit"}
ENTRY_LABELS = {"grant": "Granted", "deduction": "Deduction", "expiration": "Expired"}


def _only_credits(result: DrawDown) -> DrawDown:
    return DrawDown(
        ledger=result.ledger[result.ledger["grant_kind"] == "credit"],
        balances=result.balances[result.balances["kind"] == "credit"],
        uncovered=result.uncovered.iloc[0:0],
    )


def _grant_label(row: Any, hide_names: bool) -> str:
    return KIND_LABELS[row.kind] if hide_names else row.name


def chart_labels(balances: Any, hide_names: bool) -> list[str]:
    """A label a grant, none twice (a chart stacks equal labels into one bar): numbered where
    they would repeat ("Credit 1", "Credit 2" with names hidden), and with the currency where
    grants are in more than one."""
    several = len(set(balances["currency"])) > 1
    labels = [_grant_label(g, hide_names) + (f" ({g.currency})" if several else "") for g in balances.itertuples()]
    counts, seen, out = Counter(labels), Counter(), []
    for label in labels:
        seen[label] += 1
        out.append(f"{label} {seen[label]}" if counts[label] > 1 else label)
    return out


def _summary(totals: dict[str, Decimal], currency: str, locale: str, suffix: str = "") -> html.Div:
    """One row of cards, all in `currency`; `suffix` ends the ids of the row (`-EUR`)."""
    cards = [("Remaining", "remaining"), ("Used", "used")]
    cards += [(label, key) for label, key in (("Expired", "expired"), ("Not covered", "uncovered")) if totals[key] > 0]
    return html.Div(
        [html.Div([html.Div(label, className="eb-card-label"),
                   html.Div(fmt.money(totals[key], currency, locale), className="eb-card-value", id=f"balance-total-{key}{suffix}")],
                  className="eb-card")
         for label, key in cards],
        className="eb-cards", id=f"balance-totals{suffix}",
    )  # fmt: skip


def _summaries(result: DrawDown, currency: str, locale: str) -> list[html.Div]:
    """The customer's currency with the ids of old, then a row per other currency present."""
    return [_summary(result.totals(c), c, locale, "" if c == currency else f"-{c}") for c in result.currencies(currency)]


def _grant_rows(result: DrawDown, look: Look, hide_names: bool) -> html.Div:
    loc, tz = look.locale, look.tz
    rows = []
    for g in result.balances.itertuples():
        share = float(g.used / g.amount * 100) if g.amount else 0.0
        status = f"Expired {fmt.day(g.ending_before, tz, loc)}" if g.state == "expired" else f"Expires {fmt.day(g.ending_before, tz, loc)}"
        rows.append(html.Div(
            [
                html.Div([html.Span(_grant_label(g, hide_names), className="eb-grant-name"),
                          html.Span(KIND_LABELS[g.kind], className=f"eb-badge eb-kind-{g.kind}")],
                         className="eb-grant-head"),
                html.Div(html.Div(className="eb-progress-fill", style={"width": f"{share:.2f}%"}), className="eb-progress",
                         role="progressbar", **{"aria-valuenow": f"{share:.0f}", "aria-valuemin": "0", "aria-valuemax": "100"}),
                html.Div([
                    html.Span([html.B(fmt.money(g.remaining, g.currency, loc), className="eb-grant-remaining"), " remaining"]),
                    html.Span([fmt.money(g.used, g.currency, loc), " used of ", fmt.money(g.amount, g.currency, loc)],
                              className="eb-grant-used"),
                    *([html.Span([fmt.money(g.expired, g.currency, loc), " expired"], className="eb-grant-expired")]
                      if g.expired > 0 else []),
                ], className="eb-grant-figures"),
                html.Div(f"Priority {g.priority} · from {fmt.day(g.starting_at, tz, loc)} · {status}", className="eb-caption"),
            ],
            className=f"eb-grant eb-grant-state-{g.state}", id=f"grant-{g.id}",
        ))  # fmt: skip
    return html.Div(rows, className="eb-grants")


def _ledger_table(result: DrawDown, look: Look, hide_names: bool) -> html.Div:
    loc, tz = look.locale, look.tz
    currency = dict(zip(result.balances["id"], result.balances["currency"]))
    head = html.Thead(html.Tr([html.Th("Date"), html.Th("Entry"), html.Th("Grant"), html.Th("Invoice"),
                               html.Th("Amount", className="eb-num"), html.Th("Grant balance", className="eb-num")]))
    body = [
        html.Tr([
            html.Td(fmt.day(e.time, tz, loc)), html.Td(ENTRY_LABELS[e.entry]),
            html.Td(KIND_LABELS[e.grant_kind] if hide_names else e.grant_name), html.Td(e.invoice_number or ""),
            html.Td(fmt.money(e.amount, currency[e.grant_id], loc), className="eb-num"),
            html.Td(fmt.money(e.grant_remaining, currency[e.grant_id], loc), className="eb-num"),
        ])
        for e in result.ledger.iloc[::-1].itertuples()  # newest first
    ]  # fmt: skip
    return html.Div(html.Table([head, html.Tbody(body)], className="eb-table", id="ledger-table"), className="eb-scroll")


def shown(deps: EmbedDeps, claims: Any) -> tuple[DrawDown, Look, bool, str]:
    """The draw-down the token may see (credits only on /embed/credits), its look, whether names
    hide, and the customer's currency."""
    customer = get_customer(deps.store, claims.customer_id)
    result = customer_draw_down(deps.store, customer_id=customer.id, as_of=datetime.now(UTC).replace(tzinfo=None))
    if claims.dashboard == "credits":
        result = _only_credits(result)
    hide = option_value(claims.dashboard, claims.options, "hide_grant_name") == "true"
    return result, look_of(claims, customer), hide, customer.currency


def layout(claims: Any, deps: EmbedDeps, state: dict[str, str]) -> html.Div:
    result, look, hide, currency = shown(deps, claims)
    title = "Credits" if claims.dashboard == "credits" else "Commits & credits"
    if result.balances.empty:
        return html.Div([html.H1(title, className="eb-title"), html.P("No commits or credits yet.", className="eb-empty")],
                        className="eb-dashboard eb-balances")
    figure = grant_bar_figure(result.balances, labels=chart_labels(result.balances, hide), colors=look.colors,
                              locale=look.locale, font=look.font,
                              money=lambda amount, cur: fmt.money(amount, cur, look.locale))  # fmt: skip
    return html.Div(
        [
            html.Div(html.H1(title, className="eb-title"), className="eb-header"),
            *_summaries(result, currency, look.locale),
            _grant_rows(result, look, hide),
            dcc.Graph(id="grants-chart", figure=figure, config={"displayModeBar": False, "responsive": True}),
            html.H2("Ledger", className="eb-subtitle"),
            _ledger_table(result, look, hide),
            html.Button("Download CSV", id="ledger-csv", className="eb-button"),
            dcc.Download(id="ledger-csv-file"),
            notice_area("ledger-csv"),
        ],
        className="eb-dashboard eb-balances",
    )


def register(app: dash.Dash, deps: EmbedDeps) -> None:
    @app.callback(Output("ledger-csv-file", "data"), Input("ledger-csv", "n_clicks"), State("eb-url", "search"),
                  prevent_initial_call=True)
    def _ledger_csv(_: int, search: str | None):
        claims = verified(deps, search, *NAMES)
        if claims is None:
            return None
        result, look, hide, _ = shown(deps, claims)
        currency = dict(zip(result.balances["id"], result.balances["currency"]))
        # dates as the ledger on screen shows them: in the page's zone
        rows = [[fmt.local_date(e.time, look.tz), e.entry, KIND_LABELS[e.grant_kind] if hide else e.grant_name,
                 e.invoice_number or "", currency[e.grant_id], money_text(e.amount, currency[e.grant_id]),
                 money_text(e.grant_remaining, currency[e.grant_id])]
                for e in result.ledger.iloc[::-1].itertuples()]  # fmt: skip
        return csv_download(["date", "entry", "grant", "invoice", "currency", "amount", "grant_balance"], rows, "ledger.csv")

    notice_when_expired(app, deps, "ledger-csv", *NAMES)
