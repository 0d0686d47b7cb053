"""The usage dashboard: a 30/60/90-day window, a metric and group-by picker, quantity or spend,
a stacked daily chart, a totals table and a breakdown by group, in the customer's (or the
token's) zone and locale."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboards import formatting as fmt
from dashboards.elements import element, table
from dashboards.export import csv_download, notice_area, notice_when_expired
from dashboards.figures import NO_GROUP, day_label, usage_bar_figure
from dashboards.options import option_value
from dashboards.shell import EmbedDeps, Look, look_of, refused_notice, verified
from data.customers import get_customer
from data.metrics import list_metrics
from data.money import exact_text, money_text
from data.models import BillableMetric, Customer
from data.prices import list_prices
from data.rating import ADDITIVE, spend_series
from data.store import columns, frame
from data.usage import SERIES_COLUMNS, trailing_days, usage_series, usage_totals

WINDOWS = ("30", "60", "90")
VALUES = ("quantity", "spend")
NAME = "usage"
EMPTY_FIGURE = {"data": [], "layout": {"height": 320}}
# Once the link has stopped working the page shows only the notice: no empty axes beside it.
NO_FIGURE = {"data": [], "layout": {"height": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                                    "xaxis": {"visible": False}, "yaxis": {"visible": False},
                                    "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}}

# Sends the page's view to the host page, so embed.js can restore it after refreshing a link.
POST_VIEW = """function (window_, metric, groupBy, value) {
    if (window.parent !== window) {
        window.parent.postMessage({type: "embedash:state",
                                   state: {window: window_, metric: metric, group_by: groupBy || "", value: value}}, "*");
    }
    return "";
}"""


def _group_names(claims: Any, key: str | None) -> tuple[str, dict[str, str]]:
    """Display name of a group key and of its values, from the token's bm_group_key_overrides."""
    override = claims.group_overrides.get(key or "", {})
    return override.get("display_name") or key or "", dict(override.get("values") or {})


def _labelled_dropdown(label: str, *, id: str, **props: Any) -> html.Label:
    """A single-choice dropdown named by its label. Dash 4's dropdown is a button whose
    aria-labelledby names only `<id>-value-count` (shown when several values are chosen, so never
    here) and `<id>-value` (the choice): the wrapping <label> is ignored, and it takes no aria
    props. The label's text takes the first id, so the button is named "Metric API calls"."""
    return html.Label([html.Span(label, id=f"{id}-value-count"),
                       dcc.Dropdown(id=id, clearable=False, searchable=False, **props)])


def layout(claims: Any, deps: EmbedDeps, state: dict[str, str]) -> html.Div:
    metrics = list_metrics(deps.store)
    slugs = [m.slug for m in metrics]
    window = state.get("window") if state.get("window") in WINDOWS else option_value(NAME, claims.options, "default_window")
    metric = state.get("metric") if state.get("metric") in slugs else (slugs[0] if slugs else None)
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Usage", className="eb-title"),
                    dcc.RadioItems(id="usage-window", options=[{"label": f"{w} days", "value": w} for w in WINDOWS],
                                   value=window, className="eb-segmented", inline=True),
                ],
                className="eb-header",
            ),
            html.Div(
                [
                    _labelled_dropdown("Metric", id="usage-metric", value=metric,
                                       options=[{"label": m.name, "value": m.slug} for m in metrics]),
                    _labelled_dropdown("Group by", id="usage-group-by", options=[], value=state.get("group_by", "")),
                    html.Label(["Show", dcc.RadioItems(id="usage-value", options=[{"label": "Quantity", "value": "quantity"},
                                                                                  {"label": "Spend", "value": "spend"}],
                                                       value=state.get("value") if state.get("value") in VALUES else "quantity",
                                                       className="eb-segmented", inline=True)], className="eb-value"),
                ],
                className="eb-controls",
            ),
            html.Div(id="usage-caption", className="eb-caption"),
            dcc.Graph(id="usage-chart", config={"displayModeBar": False, "responsive": True}, figure=EMPTY_FIGURE),
            html.H2("Totals", className="eb-subtitle"),
            html.Div(id="usage-totals"),
            html.Div(id="usage-breakdown"),
            html.Button("Download CSV", id="usage-csv", className="eb-button"),
            dcc.Download(id="usage-csv-file"),
            notice_area("usage-csv"),
            html.Span(id="usage-view-sink", hidden=True),
        ],
        className="eb-dashboard eb-usage",
    )


_FOLDS = {"SUM": sum, "COUNT": sum, "MAX": max}  # aggregations whose daily values fold into the window's


def _per_group(daily: pd.DataFrame, metric: BillableMetric) -> pd.DataFrame:
    """The window's value per group, folded from the daily series (saves a query)."""
    fold = _FOLDS[metric.aggregation]
    values: dict[Any, list] = {}
    for group, value in zip(*columns(daily, "group", "value")):
        of_group = values.get(group)
        if of_group is None:
            of_group = values[group] = []
        if value is not None:
            of_group.append(value)
    rows = [(None, None, g, fold(v) if v else None)
            for g, v in sorted(values.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))]
    return frame(rows, SERIES_COLUMNS)


class _Shown:
    """What the page shows for one token, window, metric and grouping: used by the render and the CSV."""

    def __init__(self, deps: EmbedDeps, claims: Any, customer: Customer, window: str | None, metric_slug: str | None,
                 group_by: str | None, value: str | None = "quantity"):
        self.spend, self.currency = value == "spend", customer.currency
        self.look: Look = look_of(claims, customer)
        self.days = int(window) if window in WINDOWS else int(option_value(NAME, claims.options, "default_window"))
        self.metrics = list_metrics(deps.store)
        self.metric: BillableMetric | None = next((m for m in self.metrics if m.slug == metric_slug), None) or (
            self.metrics[0] if self.metrics else None)
        self.group_by = group_by if self.metric and group_by in self.metric.group_keys else None
        self.start, self.end = trailing_days(self.days, self.look.tz, datetime.now(UTC))
        zone = ZoneInfo(self.look.tz)
        self.first_day, self.last_day = self.start.astimezone(zone).date(), (self.end - timedelta(seconds=1)).astimezone(zone).date()
        query = {"customer_id": customer.id, "start": self.start, "end": self.end, "tz": self.look.tz}
        self.breakdown = None

        def series(metric: BillableMetric, **kw):
            if self.spend:
                return spend_series(deps.store, metric=metric, currency=self.currency, billing_tz=customer.timezone, **query, **kw)
            return usage_series(deps.store, metric=metric, **query, **kw)

        def totals() -> pd.DataFrame:
            if not self.spend:
                return usage_totals(deps.store, metrics=self.metrics, **query)
            priced = {p.metric for p in list_prices(deps.store, currency=self.currency)}  # spend per priced metric that adds up
            return frame([(m.slug, m.name, m.unit, m.aggregation,
                           sum(series(m, window_size="none")["value"], Decimal(0))
                           if m.aggregation in ADDITIVE and m.slug in priced else None) for m in self.metrics],
                         ["metric", "name", "unit", "aggregation", "value"])  # fmt: skip

        # Read beside the chart's series, and remembered until this customer's events change:
        # the totals stay the same while the viewer switches metric or grouping.
        # The metrics are part of the key: read before the memo's generation, they could be older than it.
        key = ("usage-page-totals", customer.id, tuple(self.metrics), self.spend, self.currency, self.start, self.end,
               self.look.tz)
        pending_totals = deps.queries.submit(deps.store.memo, key, totals, usage_of=customer.id)
        # Spend the metric has none of is said so, not drawn as zeros (which read as free): spend of a
        # metric that does not add up (a max, a distinct count), or of one with no price in the currency.
        self.not_additive = self.spend and self.metric is not None and self.metric.aggregation not in ADDITIVE
        self.unpriced = (self.spend and self.metric is not None and not self.not_additive
                         and not list_prices(deps.store, metric=self.metric.slug, currency=self.currency))
        if self.metric is not None and not (self.not_additive or self.unpriced):
            self.series = series(self.metric, window_size="day", group_by=self.group_by)
            if self.group_by:
                self.breakdown = _per_group(self.series, self.metric) if self.metric.aggregation in _FOLDS else series(
                    self.metric, window_size="none", group_by=self.group_by)
        else:
            self.series = frame([], SERIES_COLUMNS)
        self.totals = pending_totals.result()
        self.key_name, self.value_names = _group_names(claims, self.group_by)

    def group_label(self, value: str | None) -> str:
        raw = NO_GROUP if value is None else value
        return self.value_names.get(raw, raw)

    def shown_value(self, value) -> str:
        if value is None:
            return "—"
        return fmt.money(value, self.currency, self.look.locale) if self.spend else fmt.number(value, self.look.locale)

    def csv_value(self, value) -> str:
        """Spend rounded to the currency's minor unit, a quantity exact; plain text either way."""
        return money_text(value, self.currency) if self.spend else exact_text(value)

    def unit(self, metric: BillableMetric) -> str:
        return self.currency if self.spend else metric.unit

    def totals_rows(self) -> list[list[Any]]:
        units = {m.slug: self.unit(m) for m in self.metrics}
        return [[name, self.shown_value(value), units[slug]]
                for slug, name, value in zip(*columns(self.totals, "metric", "name", "value"))]

    def breakdown_rows(self) -> list[list[Any]]:
        unit = self.unit(self.metric)
        return [[self.group_label(g), self.shown_value(v), unit] for g, v in zip(*columns(self.breakdown, "group", "value"))]


def register(app: dash.Dash, deps: EmbedDeps) -> None:
    @app.callback(
        Output("usage-group-by", "options"),
        Output("usage-group-by", "value"),
        Input("usage-metric", "value"),
        State("usage-group-by", "value"),
        State("eb-url", "search"),
    )
    def _group_by_choices(metric_slug: str | None, current: str | None, search: str | None):
        claims = verified(deps, search, NAME)
        metric = next((m for m in list_metrics(deps.store) if m.slug == metric_slug), None)
        options = [{"label": "No grouping", "value": ""}]
        if claims is None or metric is None:
            return options, ""
        options += [{"label": _group_names(claims, key)[0], "value": key} for key in metric.group_keys]
        return options, current if current in metric.group_keys else ""

    @app.callback(
        Output("usage-chart", "figure"),
        Output("usage-totals", "children"),
        Output("usage-breakdown", "children"),
        Output("usage-caption", "children"),
        Input("usage-window", "value"),
        Input("usage-metric", "value"),
        Input("usage-group-by", "value"),
        Input("usage-value", "value"),
        State("eb-url", "search"),
    )
    def _render(window: str | None, metric_slug: str | None, group_by: str | None, value: str | None, search: str | None):
        claims = verified(deps, search, NAME)
        customer = claims and get_customer(deps.store, claims.customer_id)
        if customer is None:
            return NO_FIGURE, [], [], refused_notice()
        shown = _Shown(deps, claims, customer, window, metric_slug, group_by, value)
        if shown.metric is None:
            return EMPTY_FIGURE, [], [], html.P("No usage metrics yet.", className="eb-empty")
        look, metric = shown.look, shown.metric
        figure = usage_bar_figure(shown.series, colors=look.colors, font=look.font, locale=look.locale,
                                  first_day=shown.first_day, last_day=shown.last_day, unit=shown.unit(metric),
                                  group_names={NO_GROUP: metric.name, **shown.value_names},
                                  currency=shown.currency if shown.spend else None)  # fmt: skip
        totals = table(["Metric", "Total", "Unit"], shown.totals_rows(), table_id="usage-totals-table", numeric={1},
                        selected=[m.slug for m in shown.metrics].index(metric.slug),
                        cell_ids=[f"usage-total-{m.slug}" for m in shown.metrics])  # fmt: skip
        breakdown = []
        if shown.breakdown is not None:
            breakdown = [element("H2", f"{metric.name} by {shown.key_name}", className="eb-subtitle"),
                         table([shown.key_name, "Total", "Unit"], shown.breakdown_rows(), table_id="usage-breakdown-table",
                                numeric={1})]  # fmt: skip
        span = f"{day_label(shown.first_day, look.locale)} – {day_label(shown.last_day, look.locale)}"
        caption = [element("Span", f"Last {shown.days} days · {span} · {look.tz}" + (f" · spend in {shown.currency}" if shown.spend else ""))]
        if shown.unpriced:
            caption.append(element("P", f"{metric.name} has no price in {shown.currency} yet.", className="eb-empty"))
        elif shown.not_additive:
            caption.append(element("P", f"Spend is shown for metrics that add up; {metric.name} is a {metric.aggregation.lower()}.",
                                  className="eb-empty"))
        elif shown.series.empty:
            caption.append(element("P", f"No usage of {metric.name} in the last {shown.days} days.", className="eb-empty"))
        return figure, totals, breakdown, caption

    @app.callback(
        Output("usage-csv-file", "data"),
        Input("usage-csv", "n_clicks"),
        State("usage-window", "value"),
        State("usage-metric", "value"),
        State("usage-group-by", "value"),
        State("usage-value", "value"),
        State("eb-url", "search"),
        prevent_initial_call=True,
    )
    def _csv(_: int, window: str | None, metric_slug: str | None, group_by: str | None, value: str | None,
             search: str | None):
        claims = verified(deps, search, NAME)
        customer = claims and get_customer(deps.store, claims.customer_id)
        if customer is None:
            return None
        shown = _Shown(deps, claims, customer, window, metric_slug, group_by, value)
        units = {m.slug: shown.unit(m) for m in shown.metrics}
        rows = [["totals", r.metric, "", "" if r.value is None else shown.csv_value(r.value), units[r.metric]]
                for r in shown.totals.itertuples()]  # fmt: skip
        if shown.breakdown is not None:
            rows += [[f"by {shown.group_by}", shown.metric.slug, shown.group_label(r.group), shown.csv_value(r.value),
                      shown.unit(shown.metric)] for r in shown.breakdown.itertuples()]  # fmt: skip
        return csv_download(["table", "metric", "group", "total", "unit"], rows,
                            f"usage-{shown.first_day}-{shown.last_day}.csv")  # fmt: skip

    notice_when_expired(app, deps, "usage-csv", NAME)

    app.clientside_callback(
        POST_VIEW,
        Output("usage-view-sink", "children"),
        Input("usage-window", "value"),
        Input("usage-metric", "value"),
        Input("usage-group-by", "value"),
        Input("usage-value", "value"),
    )
