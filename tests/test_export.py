"""CSV downloads: what a spreadsheet would run as a formula is shown as text, numbers stay numbers,
and file names hold nothing but letters, digits, `-`, `_` and `.`."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from dashboards.export import csv_download

HYPERLINK = '=HYPERLINK("https://attacker.example","x")'


def cells(*row) -> list[str]:
    """The one row after the header, as a spreadsheet's CSV reader splits it."""
    content = csv_download(["a"] * len(row), [row], "x.csv")["content"]
    return list(csv.reader(io.StringIO(content)))[1]


@pytest.mark.parametrize("text", [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"])
def test_text_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote(text):
    assert cells(text) == ["'" + text]


@pytest.mark.parametrize("number", ["-363.61", "-0.000000001", "1000", "0.01", "-7"])
def test_numbers_as_the_dashboards_write_them_stay_plain(number):
    assert cells(number) == [number]


def test_number_values_stay_plain():
    assert cells(Decimal("-363.61"), -7, 1.5) == ["-363.61", "-7", "1.5"]


@pytest.mark.parametrize("text", ["-", "-1e5", "-1.", "-.5", "-1,000", "-1 + 2", "-١٢"])
def test_a_minus_that_does_not_start_a_plain_decimal_is_text(text):
    assert cells(text) == ["'" + text]


def test_other_text_stays_as_it_is():
    assert cells("INV-A-1", "a=b", "2026-03-01", "", None, "'quoted") == ["INV-A-1", "a=b", "2026-03-01", "", "", "'quoted"]


def test_the_header_is_written_as_given():
    assert csv_download(["item", "amount"], [], "x.csv")["content"].splitlines() == ["item,amount"]


def test_a_file_name_keeps_letters_digits_dashes_underscores_and_dots():
    assert csv_download([], [], "invoice-INV_2026.03-Ä1請求.csv")["filename"] == "invoice-INV_2026.03-Ä1請求.csv"


def test_other_characters_in_a_file_name_become_underscores():
    name = csv_download([], [], f'invoice-{HYPERLINK}<img src=x onerror=alert(1)>/../\\x\r\n.csv')["filename"]
    assert name == "invoice-_HYPERLINK__https___attacker.example___x___img_src_x_onerror_alert_1___..__x__.csv"
