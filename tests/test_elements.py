"""The hot callbacks' HTML elements: the JSON Dash's renderer reads, as dash.html's components give it."""
from __future__ import annotations

import json

from dash import html
from plotly.io.json import to_json_plotly

from dashboards.elements import table


def as_sent(tree) -> dict:
    """The JSON sent for `tree`, without unset props (Dash sends `children: null`; a prop left out reads the same)."""
    def drop_unset(value):
        if isinstance(value, dict):
            return {k: drop_unset(v) for k, v in value.items() if v is not None}
        return [drop_unset(v) for v in value] if isinstance(value, list) else value

    return drop_unset(json.loads(to_json_plotly(tree)))


def test_a_table_is_sent_as_the_same_table_of_dash_html_components():
    rows = [["API calls", "1,234", "calls"], ["Tokens", None, "tokens"]]
    built = table(["Metric", "Total", "Unit"], rows, table_id="t", numeric={1}, selected=1, cell_ids=["a", "b"])
    expected = html.Div(html.Table([
        html.Thead(html.Tr([html.Th("Metric"), html.Th("Total", className="eb-num"), html.Th("Unit")])),
        html.Tbody([
            html.Tr([html.Td("API calls"), html.Td("1,234", className="eb-num", id="a"), html.Td("calls")]),
            html.Tr([html.Td("Tokens"), html.Td(className="eb-num", id="b"), html.Td("tokens")], className="eb-selected"),
        ]),
    ], className="eb-table", id="t"), className="eb-scroll")  # fmt: skip
    assert as_sent(built) == as_sent(expected)
