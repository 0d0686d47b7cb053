"""Pure figure builders: (DataFrame, palette) -> Plotly figure as a plain dict (fast to build)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd

from theme import plotly_template, series_colors

NO_GROUP = "(none)"


def usage_bar_figure(
    series: pd.DataFrame,
    *,
    colors: Mapping[str, str],
    first_day: date,
    last_day: date,
    unit: str,
    group_names: Mapping[str, str] | None = None,
) -> dict:
    """Stacked daily bars, one trace per group value; `series` has window_start, group, value."""
    palette = series_colors(colors)
    group_names = group_names or {}
    traces = []
    grouped = bool(series["group"].notna().any()) if len(series) else False
    if len(series):
        days = series["window_start"].map(lambda t: t.date().isoformat())
        by_group = series.assign(day=days).groupby("group", dropna=False, sort=True)
        for i, (group, rows) in enumerate(by_group):
            raw = NO_GROUP if group is None or pd.isna(group) else str(group)
            traces.append(
                {
                    "type": "bar",
                    "name": group_names.get(raw, raw),
                    "x": rows["day"].tolist(),
                    "y": [float(v) for v in rows["value"]],  # floats for drawing only; totals stay Decimal
                    "marker": {"color": palette[i % len(palette)]},
                    "hovertemplate": "%{x|%b %d}: %{y:,}" + f" {unit}<extra>%{{fullData.name}}</extra>",
                }
            )
    return {
        "data": traces,
        "layout": {
            "template": plotly_template(colors),
            "barmode": "stack",
            "height": 320,
            "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
            "showlegend": grouped,
            "legend": {"orientation": "h", "y": -0.15},
            "xaxis": {
                "type": "date",
                # Half a day of margin either side, so every day of the window has its slot.
                "range": [f"{first_day - timedelta(days=1)}T12:00", f"{last_day}T12:00"],
            },
            "yaxis": {"title": {"text": unit}, "rangemode": "tozero"},
        },
    }


def grant_bar_figure(balances: pd.DataFrame, *, labels: list[str], colors: Mapping[str, str]) -> dict:
    """Used, remaining (and expired) per grant as horizontal stacked bars."""
    parts = [("used", "Used", colors["Progress_bar"]), ("remaining", "Remaining", colors["UsageLine_1"]),
             ("expired", "Expired", colors["Gray_light"])]  # fmt: skip
    traces = [
        {"type": "bar", "orientation": "h", "name": name, "y": labels, "x": [float(v) for v in balances[column]],
         "marker": {"color": color}, "hovertemplate": "%{y}: %{x:,.2f}<extra>" + name + "</extra>"}
        for column, name, color in parts
        if column != "expired" or any(v > 0 for v in balances[column])
    ]  # fmt: skip
    return {
        "data": traces,
        "layout": {
            "template": plotly_template(colors),
            "barmode": "stack",
            "height": 80 + 44 * len(labels),
            "margin": {"l": 140, "r": 16, "t": 8, "b": 40},
            "legend": {"orientation": "h", "y": -0.25},
            "yaxis": {"autorange": "reversed"},
        },
    }
