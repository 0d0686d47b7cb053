"""The usage dashboard: a 30/60/90-day window, a metric and group-by picker, a stacked daily
chart and a totals table, in the customer's time zone and locale."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
from babel.dates import format_date
from babel.numbers import format_decimal
from dash import Input, Output, State, dcc, html

from dashboards.figures import NO_GROUP, usage_bar_figure
from dashboards.options import option_value
from dashboards.shell import EmbedDeps, expired_notice, verified
from data.customers import get_customer
from data.metrics import list_metrics
from data.usage import trailing_days, usage_series, usage_totals
from theme import palette

WINDOWS = ("30", "60", "90")
NAME = "usage"


def _group_names(claims: Any, key: str | None) -> tuple[str, dict[str, str]]:
    """Display name of a group key and of its values, from the token's bm_group_key_overrides."""
    override = claims.group_overrides.get(key or "", {})
    return override.get("display_name") or key or "", dict(override.get("values") or {})


def layout(claims: Any, deps: EmbedDeps) -> html.Div:
    metrics = list_metrics(deps.store)
    window = option_value(NAME, claims.options, "default_window")
    metric_options = [{"label": m.name, "value": m.slug} for m in metrics]
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Usage", className="eb-title"),
                    dcc.RadioItems(
                        id="usage-window",
                        options=[{"label": f"{w} days", "value": w} for w in WINDOWS],
                        value=window,
                        className="eb-segmented",
                        inline=True,
                    ),
                ],
                className="eb-header",
            ),
            html.Div(
                [
                    html.Label(["Metric", dcc.Dropdown(id="usage-metric", options=metric_options,
                                                       value=metrics[0].slug if metrics else None,
                                                       clearable=False, searchable=False)]),
                    html.Label(["Group by", dcc.Dropdown(id="usage-group-by", options=[], value="",
                                                         clearable=False, searchable=False)]),
                ],
                className="eb-controls",
            ),
            html.Div(id="usage-caption", className="eb-caption"),
            dcc.Graph(id="usage-chart", config={"displayModeBar": False, "responsive": True},
                      figure={"data": [], "layout": {"height": 320}}),
            html.H2("Totals", className="eb-subtitle"),
            html.Div(id="usage-totals"),
        ],
        className="eb-dashboard eb-usage",
    )


def _totals_table(totals, *, locale: str, selected: str | None) -> html.Table:
    rows = [
        html.Tr(
            [
                html.Td(row.name),
                html.Td(format_decimal(row.value, locale=locale), id=f"usage-total-{row.metric}", className="eb-num"),
                html.Td(row.unit),
            ],
            className="eb-selected" if row.metric == selected else None,
        )
        for row in totals.itertuples()
    ]
    head = html.Thead(html.Tr([html.Th("Metric"), html.Th("Total", className="eb-num"), html.Th("Unit")]))
    return html.Table([head, html.Tbody(rows)], className="eb-table")


def register(app: dash.Dash, deps: EmbedDeps) -> None:
    @app.callback(
        Output("usage-group-by", "options"),
        Output("usage-group-by", "value"),
        Input("usage-metric", "value"),
        State("eb-url", "search"),
    )
    def _group_by_choices(metric_slug: str | None, search: str | None):
        claims = verified(deps, search, NAME)
        metric = next((m for m in list_metrics(deps.store) if m.slug == metric_slug), None)
        if claims is None or metric is None:
            return [{"label": "No grouping", "value": ""}], ""
        options = [{"label": "No grouping", "value": ""}]
        options += [{"label": _group_names(claims, key)[0], "value": key} for key in metric.group_keys]
        return options, ""

    @app.callback(
        Output("usage-chart", "figure"),
        Output("usage-totals", "children"),
        Output("usage-caption", "children"),
        Input("usage-window", "value"),
        Input("usage-metric", "value"),
        Input("usage-group-by", "value"),
        State("eb-url", "search"),
    )
    def _render(window: str | None, metric_slug: str | None, group_by: str | None, search: str | None):
        claims = verified(deps, search, NAME)
        customer = claims and get_customer(deps.store, claims.customer_id)
        if customer is None:
            return {"data": [], "layout": {"height": 320}}, [], expired_notice()
        colors = palette(claims.colors)
        days = int(window) if window in WINDOWS else int(option_value(NAME, claims.options, "default_window"))
        metrics = list_metrics(deps.store)
        if not metrics:
            return {"data": [], "layout": {"height": 320}}, [], html.P("No usage metrics yet.", className="eb-empty")
        metric = next((m for m in metrics if m.slug == metric_slug), metrics[0])
        group_by = group_by if group_by in metric.group_keys else None
        tz = customer.timezone
        zone = ZoneInfo(tz)
        start, end = trailing_days(days, tz, datetime.now(UTC))
        series = usage_series(deps.store, customer_id=customer.id, metric=metric, start=start, end=end, tz=tz,
                              window_size="day", group_by=group_by)
        totals = usage_totals(deps.store, customer_id=customer.id, metrics=metrics, start=start, end=end, tz=tz)
        first_day = start.astimezone(zone).date()
        last_day = (end - timedelta(seconds=1)).astimezone(zone).date()
        _, value_names = _group_names(claims, group_by)
        figure = usage_bar_figure(series, colors=colors, first_day=first_day, last_day=last_day, unit=metric.unit,
                                  group_names={NO_GROUP: metric.name, **value_names})
        span = f"{format_date(first_day, 'medium', locale=customer.locale)} – {format_date(last_day, 'medium', locale=customer.locale)}"
        caption = [html.Span(f"Last {days} days · {span} · {tz}")]
        if series.empty:
            caption.append(html.P(f"No {metric.name.lower()} in the last {days} days.", className="eb-empty"))
        return figure, _totals_table(totals, locale=customer.locale, selected=metric.slug), caption
