"""CSV downloads: exactly the rows a table shows, handed to a `dcc.Download`, with dates as the
table shows them (the same days, in the same zone).

A click once the link has stopped working downloads nothing and shows the expired notice in
the page's notice area for that button, which frame.js sees and tells the host."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import dash
from dash import Input, Output, State, html

from dashboards.shell import EmbedDeps, refused_notice, verified


# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as the dashboards write one (money_text, exact_text): a negative amount stays a number.
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
NOT_IN_FILENAME = re.compile(r"[^\w.-]")  # \w: letters and digits of any script, and `_`


def cell(value: Any) -> Any:
    """`value` as a spreadsheet shows it: text it would run as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_filename(name: str) -> str:
    """`name` with only letters, digits, `-`, `_` and `.`; anything else (from an invoice number) is `_`."""
    return NOT_IN_FILENAME.sub("_", name)


def csv_download(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return {"content": out.getvalue(), "filename": safe_filename(filename), "type": "text/csv"}


def notice_area(button: str) -> html.Div:
    """Where a click on `button` says the link has expired: a child of the dashboard's root, so
    the page's one CSS rule hides everything beside the notice."""
    return html.Div(id=f"{button}-notice")


def notice_when_expired(app: dash.Dash, deps: EmbedDeps, button: str, *dashboards: str) -> None:
    """A callback of its own beside the download's, so the download keeps its one output: a
    click on `button` whose link no longer verifies fills `notice_area(button)`."""

    @app.callback(Output(f"{button}-notice", "children"), Input(button, "n_clicks"), State("eb-url", "search"),
                  prevent_initial_call=True)
    def _notice(clicks: int | None, search: str | None):
        # A button drawn anew (the invoice detail's) runs this unclicked: only a click tells.
        if not clicks or verified(deps, search, *dashboards) is not None:
            return dash.no_update
        return refused_notice()
