"""Pure figure and element builders: DataFrame + palette -> figure dict; rows -> table JSON; and what
Chromium draws of data-derived labels."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
import plotly.io
from dash import Dash, dcc, html
from selenium.webdriver.support.wait import WebDriverWait

from dashboards import formatting as fmt
from dashboards.balances import chart_labels
from dashboards.figures import grant_bar_figure, usage_bar_figure
from theme import palette

TOKYO = ZoneInfo("Asia/Tokyo")


def frame(rows):
    return pd.DataFrame([(datetime(2026, 3, d, tzinfo=TOKYO), None, g, Decimal(v)) for d, g, v in rows],
                        columns=["window_start", "window_end", "group", "value"])


def build(series, **colors):
    return usage_bar_figure(series, colors=palette(colors), first_day=date(2026, 3, 1), last_day=date(2026, 3, 30),
                            unit="calls", group_names={"eu": "Europe"})


def test_one_trace_per_group_coloured_by_usage_lines_in_order():
    fig = build(frame([(1, "eu", 1), (2, "us", 2), (2, "eu", 3)]), UsageLine_0="#ff0000", UsageLine_1="#00ff00")
    assert [(t["name"], t["marker"]["color"]) for t in fig["data"]] == [("Europe", "#ff0000"), ("us", "#00ff00")]
    assert fig["data"][0]["x"] == ["2026-03-01", "2026-03-02"] and fig["data"][0]["y"] == [1.0, 3.0]
    assert fig["layout"]["showlegend"] is True


def test_ungrouped_series_has_no_legend_and_the_template_colours():
    fig = build(frame([(1, None, 5)]), White="#000000")
    assert fig["layout"]["showlegend"] is False
    assert fig["layout"]["template"]["layout"]["paper_bgcolor"] == "#000000"


def test_empty_series_is_an_empty_chart_over_the_whole_window():
    fig = build(frame([]))
    assert fig["data"] == []
    assert fig["layout"]["xaxis"]["range"] == ["2026-02-28T12:00", "2026-03-30T12:00"]


def test_plain_elements_serialise_like_dash_components():
    from dashboards.elements import element, table

    assert element("Td", "12", className="eb-num", id=None) == html.Td("12", className="eb-num").to_plotly_json()
    built = table(["Metric", "Total"], [["Calls", "3"]], table_id="t", numeric={1}, selected=0, cell_ids=["total-calls"])
    expected = html.Div(html.Table([
        html.Thead(html.Tr([html.Th("Metric"), html.Th("Total", className="eb-num")])),
        html.Tbody([html.Tr([html.Td("Calls"), html.Td("3", className="eb-num", id="total-calls")], className="eb-selected")]),
    ], className="eb-table", id="t"), className="eb-scroll")  # fmt: skip
    assert json.loads(json.dumps(built)) == json.loads(plotly.io.to_json(expected))


def grants(*rows):
    return pd.DataFrame([{"kind": k, "name": n, "currency": c, "used": Decimal(u), "remaining": Decimal(r), "expired": Decimal(0)}
                         for k, n, c, u, r in rows])


def test_grants_whose_labels_would_repeat_get_a_bar_each():
    balances = grants(("credit", "Promo", "USD", "1", "9"), ("credit", "Welcome", "USD", "2", "8"), ("commit", "Prepaid", "USD", "0", "5"))
    assert chart_labels(balances, hide_names=True) == ["Credit 1", "Credit 2", "Commit"]
    assert chart_labels(balances, hide_names=False) == ["Promo", "Welcome", "Prepaid"]


def test_grants_in_several_currencies_say_theirs_and_hover_in_their_money():
    balances = grants(("credit", "EU", "EUR", "1.5", "8.5"), ("credit", "US", "USD", "390226.644", "1"))
    assert chart_labels(balances, hide_names=False) == ["EU (EUR)", "US (USD)"]
    figure = grant_bar_figure(balances, labels=["EU", "US"], colors=palette({}),
                              money=lambda amount, currency: fmt.money(amount, currency, "en_US"))
    used = next(t for t in figure["data"] if t["name"] == "Used")
    assert used["customdata"] == ["€1.50", "$390,226.64"] and "%{customdata}" in used["hovertemplate"]


def test_the_grants_amount_axis_names_the_currency():
    figure = grant_bar_figure(grants(("credit", "Promo", "JPY", "100", "900")), labels=["Promo"], colors=palette({}),
                              money=lambda amount, currency: fmt.money(amount, currency, "ja_JP"))
    assert figure["layout"]["xaxis"]["title"]["text"] == "JPY"


def test_the_grants_amount_axis_of_several_currencies_says_each_is_its_own():
    figure = grant_bar_figure(grants(("credit", "EU", "EUR", "1", "9"), ("credit", "US", "USD", "2", "8")), labels=["EU", "US"],
                              colors=palette({}), money=lambda amount, currency: fmt.money(amount, currency, "en_US"))
    assert figure["layout"]["xaxis"]["title"]["text"] == "Amount, each grant in its own currency"


def test_spend_hovers_show_money_in_the_currency_and_locale():
    series = frame([(1, "eu", "12.3456789"), (2, "eu", "0.005"), (2, "us", "12.3456789")])
    fig = usage_bar_figure(series, colors=palette({}), first_day=date(2026, 3, 1), last_day=date(2026, 3, 30),
                           unit="USD", currency="USD", group_names={"eu": "Europe"})
    assert [t["hovertext"] for t in fig["data"]] == [["$12.35", "$0.01"], ["$12.35"]]
    assert fig["data"][0]["hovertemplate"] == "%{customdata}: %{hovertext}<extra>%{fullData.name}</extra>"
    yen = usage_bar_figure(frame([(1, None, "1234.5")]), colors=palette({}), first_day=date(2026, 3, 1),
                           last_day=date(2026, 3, 30), unit="JPY", currency="JPY", locale="ja_JP")
    assert yen["data"][0]["hovertext"] == ["￥1,235"]


def test_quantity_hovers_keep_plotlys_number_and_the_unit():
    trace = build(frame([(1, "eu", "12.3456789")]))["data"][0]
    assert trace["hovertext"] == ["calls"]
    assert trace["hovertemplate"] == "%{customdata}: %{y:,} %{hovertext}<extra>%{fullData.name}</extra>"


# Strings from integrators and their users, as a security review sent them; Plotly reads a subset
# of HTML in its labels and `%{...}` in templates.
LINK = '<a href="https://attacker.example/renew">Session expired: click to renew</a>'
MARKUP = "a<b>c&d"
TEMPLATE = "%{x} %{fullData.uid}"


def hostile(**overrides):
    return usage_bar_figure(frame([(1, "link", 1), (1, "markup", 2)]), colors=palette({}), first_day=date(2026, 3, 1),
                            last_day=date(2026, 3, 30), unit=LINK, group_names={"link": LINK, "markup": MARKUP},
                            **overrides)  # fmt: skip


def test_group_names_reach_the_legend_as_entities():
    assert [t["name"] for t in hostile()["data"]] == [
        '&lt;a href="https://attacker.example/renew"&gt;Session expired: click to renew&lt;/a&gt;', "a&lt;b&gt;c&amp;d"]


def test_the_unit_reaches_the_axis_title_and_the_hover_as_entities():
    fig = hostile()
    escaped = '&lt;a href="https://attacker.example/renew"&gt;Session expired: click to renew&lt;/a&gt;'
    assert fig["layout"]["yaxis"]["title"]["text"] == escaped
    assert fig["data"][0]["hovertext"] == [escaped]


def test_hover_templates_hold_no_data_text():
    """A name or unit with `%{...}` in it would be read as a template variable: data goes in as values."""
    quantity = usage_bar_figure(frame([(1, "g", 1)]), colors=palette({}), first_day=date(2026, 3, 1),
                                last_day=date(2026, 3, 30), unit=TEMPLATE, group_names={"g": TEMPLATE})
    spend = hostile(currency="USD")
    assert quantity["data"][0]["hovertemplate"] == "%{customdata}: %{y:,} %{hovertext}<extra>%{fullData.name}</extra>"
    assert quantity["data"][0]["name"] == TEMPLATE and quantity["data"][0]["hovertext"] == [TEMPLATE]
    assert {t["hovertemplate"] for t in spend["data"]} == {"%{customdata}: %{hovertext}<extra>%{fullData.name}</extra>"}


def test_grant_names_reach_the_grants_chart_as_entities():
    figure = grant_bar_figure(grants(("credit", LINK, "USD", "1", "9"), ("credit", MARKUP, "USD", "2", "8")),
                              labels=[LINK, MARKUP], colors=palette({}),
                              money=lambda amount, currency: fmt.money(amount, currency, "en_US"))  # fmt: skip
    assert {tuple(t["y"]) for t in figure["data"]} == {(
        '&lt;a href="https://attacker.example/renew"&gt;Session expired: click to renew&lt;/a&gt;', "a&lt;b&gt;c&amp;d")}


def test_figures_are_valid_plotly_figures():
    go.Figure(hostile())
    go.Figure(hostile(currency="USD"))
    go.Figure(grant_bar_figure(grants(("credit", MARKUP, "USD", "1", "9")), labels=[MARKUP], colors=palette({}),
                               money=lambda amount, currency: fmt.money(amount, currency, "en_US")))


# What the browser shows: the texts of SVG elements (the hover's appear within Plotly's 50 ms throttle).
SVG_TEXT = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);"
HOVERED = "const hovered = document.querySelector(arguments[0] + ' .js-plotly-plot')._hoverdata; return hovered && hovered[0].curveNumber;"
HOVER = "Plotly.Fx.hover(document.querySelector(arguments[0] + ' .js-plotly-plot'), [{curveNumber: arguments[1], pointNumber: 0}]);"


def show(dash_duo, **figures) -> None:
    app = Dash(__name__)
    app.layout = html.Div([dcc.Graph(id=graph_id, figure=figure) for graph_id, figure in figures.items()])
    dash_duo.start_server(app)
    for graph_id in figures:
        dash_duo.wait_for_element(f"#{graph_id} .js-plotly-plot .main-svg")


def hover_texts(dash_duo, graph_id: str, curve: int) -> list[str]:
    """The hover label's text and trace name over the first bar of `curve`."""
    dash_duo.driver.execute_script(HOVER, f"#{graph_id}", curve)
    WebDriverWait(dash_duo.driver, 5).until(lambda driver: driver.execute_script(HOVERED, f"#{graph_id}") == curve)
    return [text for part in ("nums", "name") for text in
            dash_duo.driver.execute_script(SVG_TEXT, f"#{graph_id} .hoverlayer .hovertext .{part}")]


def test_usage_chart_shows_names_and_units_literally_in_the_browser(dash_duo):
    show(dash_duo, usage=usage_bar_figure(frame([(1, "link", 1), (1, "markup", 2)]), colors=palette({}),
                                          first_day=date(2026, 3, 1), last_day=date(2026, 3, 30), unit=MARKUP + " " + TEMPLATE,
                                          group_names={"link": LINK, "markup": MARKUP + " " + TEMPLATE}))  # fmt: skip
    assert sorted(dash_duo.driver.execute_script(SVG_TEXT, "#usage .legendtext")) == [LINK, f"{MARKUP} {TEMPLATE}"]
    assert dash_duo.driver.execute_script(SVG_TEXT, "#usage .ytitle") == [f"{MARKUP} {TEMPLATE}"]
    assert hover_texts(dash_duo, "usage", 1) == [f"Mar 1, 2026: 2 {MARKUP} {TEMPLATE}", f"{MARKUP} {TEMPLATE}"]
    assert hover_texts(dash_duo, "usage", 0) == [f"Mar 1, 2026: 1 {MARKUP} {TEMPLATE}", LINK]
    assert dash_duo.driver.execute_script(SVG_TEXT, "#usage svg a, #usage svg [style*='bold']") == []
    assert dash_duo.get_logs() == []


def test_grants_chart_shows_grant_names_literally_in_the_browser(dash_duo):
    show(dash_duo, grants=grant_bar_figure(grants(("credit", LINK, "USD", "1", "9"), ("credit", MARKUP, "USD", "2", "8")),
                                           labels=[LINK, MARKUP], colors=palette({}),
                                           money=lambda amount, currency: fmt.money(amount, currency, "en_US")))  # fmt: skip
    assert sorted(dash_duo.driver.execute_script(SVG_TEXT, "#grants .ytick")) == [LINK, MARKUP]
    assert hover_texts(dash_duo, "grants", 0)[0] == f"{LINK}: $1.00"
    assert dash_duo.driver.execute_script(SVG_TEXT, "#grants svg a, #grants svg [style*='bold']") == []
    assert dash_duo.get_logs() == []


def test_a_long_grant_name_widens_the_charts_margin_rather_than_being_cut():
    figure = grant_bar_figure(grants(("credit", "Promotional credit for the spring launch of 2026", "USD", "1", "9")),
                              labels=["Promotional credit for the spring launch of 2026"], colors=palette({}),
                              money=lambda amount, currency: fmt.money(amount, currency, "en_US"))
    assert figure["layout"]["yaxis"]["automargin"] is True
