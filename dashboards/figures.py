"""Pure figure builders: (DataFrame, palette, locale) -> Plotly figure as a plain dict (fast to build).

Dates and number separators come from Babel, so charts read like the rest of the page in
the customer's locale without loading Plotly's locale bundles."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import pandas as pd
from babel.dates import format_date, format_skeleton
from babel.numbers import get_decimal_symbol, get_group_symbol

from dashboards.formatting import money
from data.store import columns
from theme import plotly_template, series_colors

NO_GROUP = "(none)"


def literal(text: str) -> str:
    """`text` as Plotly shows it literally: Plotly reads a subset of HTML in every label (`<a href>`
    draws a live link) and decodes entities after parsing tags, so `&`, `<` and `>` go in as entities.

    Data also stays out of template text (`hovertemplate`), where `%{...}` would be read as a variable."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=8192)
def day_label(day: date, locale: str, style: str = "medium") -> str:
    """A day as the locale writes it; cached, since every render shows the same days again."""
    return format_skeleton("MMMd", day, locale=locale) if style == "tick" else format_date(day, style, locale=locale)


@lru_cache(maxsize=64)
def separators(locale: str) -> str:
    """Plotly's `layout.separators`: the decimal then the thousands symbol of the locale."""
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def _stacked_layout(colors: Mapping[str, str], font: str, locale: str, **layout) -> dict:
    """What every embedash chart shares: the palette's template, the locale's separators, stacked bars."""
    return {"template": plotly_template(colors, font), "separators": separators(locale), "barmode": "stack", **layout}


@lru_cache(maxsize=8192)
def _day_texts(day: date, locale: str) -> tuple[str, str]:
    """A day as Plotly's x (ISO) and as the hover shows it (the locale's medium date, literal)."""
    return day.isoformat(), literal(day_label(day, locale))


@lru_cache(maxsize=1024)
def _day_ticks(first_day: date, last_day: date, locale: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    days = (last_day - first_day).days + 1
    step = max(1, round(days / 6))
    ticks = [last_day - timedelta(days=i) for i in range(0, days, step)][::-1]
    return tuple(d.isoformat() for d in ticks), tuple(literal(day_label(d, locale, "tick")) for d in ticks)


def usage_bar_figure(
    series: pd.DataFrame,
    *,
    colors: Mapping[str, str],
    first_day: date,
    last_day: date,
    unit: str,
    locale: str = "en_US",
    font: str = "system",
    group_names: Mapping[str, str] | None = None,
    currency: str | None = None,
) -> dict:
    """Stacked daily bars, one trace per group value; `series` has window_start, group, value.

    With a `currency` the values are spend: each hover shows it as money in the locale, rounded
    to the currency's minor unit (Plotly's own `%{y}` would show the float drawn, `12.3456789`)."""
    palette = series_colors(colors)
    group_names = group_names or {}
    # Plain loops over the columns as lists: a pandas groupby costs more than the whole figure
    # here, and this runs once a bar (up to 450 a chart).
    starts, groups, values = columns(series, "window_start", "group", "value")
    rows_of: dict[str | None, list[int]] = {}  # group -> its rows, in the series' order
    for i, group in enumerate(groups):
        missing = group is None or (isinstance(group, float) and group != group)  # None, or NaN from a non-object frame
        rows_of.setdefault(None if missing else str(group), []).append(i)
    grouped = any(g is not None for g in rows_of)
    # Each window's day as Plotly's x and as the hover's label, once a window, not once a bar.
    days = {start: _day_texts(start.date(), locale) for start in set(starts)}
    # Each distinct amount formatted once; bars of a daily series repeat amounts.
    amounts = {v: literal(money(v, currency, locale)) for v in set(values)} if currency else None
    # The unit comes from the integrator: it reaches the hover as a value, never as template text.
    shown_unit = literal(unit)
    value_text = "%{hovertext}" if currency else "%{y:,} %{hovertext}"
    traces = []
    for i, group in enumerate(sorted(g for g in rows_of if g is not None) + ([None] if None in rows_of else [])):
        raw = NO_GROUP if group is None else group
        rows = rows_of[group]
        texts = [days[starts[r]] for r in rows]
        traces.append(
            {
                "type": "bar",
                "name": literal(group_names.get(raw, raw)),
                "x": [t[0] for t in texts],
                "y": [float(values[r]) for r in rows],  # floats for drawing only; totals stay Decimal
                "customdata": [t[1] for t in texts],
                "marker": {"color": palette[i % len(palette)]},
                "hovertemplate": "%{customdata}: " + value_text + "<extra>%{fullData.name}</extra>",
                "hovertext": [amounts[values[r]] for r in rows] if amounts is not None else [shown_unit] * len(rows),
            }
        )
    tickvals, ticktext = _day_ticks(first_day, last_day, locale)
    return {
        "data": traces,
        "layout": _stacked_layout(
            colors, font, locale,
            height=320,
            margin={"l": 56, "r": 16, "t": 16, "b": 40},
            showlegend=grouped,
            legend={"orientation": "h", "y": -0.15},
            # Half a day of margin either side, so every day of the window has its slot.
            xaxis={"type": "date", "range": [f"{first_day - timedelta(days=1)}T12:00", f"{last_day}T12:00"],
                   "tickvals": list(tickvals), "ticktext": list(ticktext)},
            yaxis={"title": {"text": shown_unit}, "rangemode": "tozero"},
        ),  # fmt: skip
    }


def grant_bar_figure(balances: pd.DataFrame, *, labels: list[str], colors: Mapping[str, str], locale: str = "en_US",
                     money: Callable[[Decimal, str], str], font: str = "system") -> dict:
    """Used, remaining (and expired) per grant as horizontal stacked bars; `labels` name the
    bars (one each: equal labels would stack two grants into one bar), `money` writes an amount
    in a currency for the hover (each grant in its own)."""
    parts = [("used", "Used", colors["Progress_bar"]), ("remaining", "Remaining", colors["UsageLine_1"]),
             ("expired", "Expired", colors["Gray_light"])]  # fmt: skip
    currencies = sorted(set(balances["currency"]))
    shown_labels = [literal(label) for label in labels]  # grant names are the integrator's
    traces = [
        {"type": "bar", "orientation": "h", "name": name, "y": shown_labels, "x": [float(v) for v in balances[column]],
         "customdata": [literal(money(v, c)) for v, c in zip(balances[column], balances["currency"])],
         "marker": {"color": color}, "hovertemplate": "%{y}: %{customdata}<extra>" + name + "</extra>"}
        for column, name, color in parts
        if column != "expired" or any(v > 0 for v in balances[column])
    ]  # fmt: skip
    return {
        "data": traces,
        "layout": _stacked_layout(
            colors, font, locale,
            height=100 + 44 * len(labels),
            margin={"l": 140, "r": 16, "t": 32, "b": 48},
            # Above the bars, so the amount axis's title has the space below to itself.
            legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
            yaxis={"autorange": "reversed", "automargin": True},  # the margin grows to fit a long grant name
            # The amount axis says what its numbers are, as the usage chart's spend axis does.
            xaxis={"title": {"text": literal(currencies[0]) if len(currencies) == 1
                             else "Amount, each grant in its own currency"}},
        ),  # fmt: skip
    }
