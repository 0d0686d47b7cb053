"""Money, numbers and dates for people, in the customer's locale (Babel)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest

from dashboards import formatting as fmt
from dashboards.figures import separators

NBSP = "\xa0"


@pytest.mark.parametrize("currency, locale, expected", [
    ("USD", "en_US", "$1,234.57"),
    ("EUR", "de_DE", f"1.234,57{NBSP}€"),
    ("EUR", "fr_FR", f"1{chr(0x202f)}234,57{NBSP}€"),
    ("JPY", "ja_JP", "￥1,235"),
    ("JPY", "en_US", "¥1,235"),
    ("BHD", "en_US", "BHD1,234.568"),  # CLDR's English pattern: no space after the code
])  # fmt: skip
def test_money_uses_the_currency_symbol_minor_unit_and_locale(currency, locale, expected):
    assert fmt.money(D("1234.5675"), currency, locale) == expected


def test_money_rounds_half_up_at_display_only():
    assert fmt.money(D("0.125"), "USD", "en_US") == "$0.13"
    assert fmt.money(D("2.5"), "JPY", "en_US") == "¥3"


def test_money_that_rounds_to_zero_has_no_minus_sign_as_in_the_csvs():
    assert fmt.money(D("-0.004"), "USD", "en_US") == "$0.00"


def test_unit_prices_keep_at_least_the_currencys_minor_unit():
    assert fmt.unit_price(D("1.5"), "BHD", "en_US") == "BHD1.500"
    assert fmt.unit_price(D("0.5"), "JPY", "en_US") == "¥0.5"
    assert fmt.unit_price(D("2"), "JPY", "en_US") == "¥2"


def test_unit_prices_put_the_currency_where_the_locale_puts_it():
    assert fmt.unit_price(D("0.00184"), "EUR", "de_DE") == "0,00184\xa0€"
    assert fmt.unit_price(D("0.00184"), "EUR", "de_DE")[-1] == fmt.money(D("0.66"), "EUR", "de_DE")[-1]


def test_unit_prices_keep_up_to_six_decimals():  # the API refuses more
    assert fmt.unit_price(D("0.000125"), "USD", "en_US") == "$0.000125"
    assert fmt.unit_price(D("10"), "USD", "en_US") == "$10.00"


def test_numbers_follow_the_locale():
    assert fmt.number(D("1234567.500000000"), "en_US") == "1,234,567.5"
    assert fmt.number(D("1234567.5"), "de_DE") == "1.234.567,5"
    assert separators("de_DE") == ",." and separators("en_US") == ".,"


def test_periods_are_local_days_with_an_exclusive_end():
    # Oct 1 00:00 to Nov 1 00:00 in Tokyo, stored as UTC
    tokyo = (fmt.local_date(datetime(2026, 9, 30, 15), "Asia/Tokyo"), fmt.last_day(datetime(2026, 10, 31, 15), "Asia/Tokyo"))
    assert fmt.days(*tokyo, "en_US") == "Oct 1, 2026 – Oct 31, 2026"
    utc = (fmt.local_date(datetime(2026, 9, 30, 15), "UTC"), fmt.last_day(datetime(2026, 10, 31, 15), "UTC"))
    assert fmt.days(*utc, "de_DE") == "30.09.2026 – 30.10.2026"


def test_stored_amounts_of_38_digits_are_not_rounded_to_decimals_default_28():
    from api.validation import decimal_text
    from data.money import round_money

    assert decimal_text(D("99999999999999999999999999999.123456789")) == "99999999999999999999999999999.123456789"
    assert round_money(D("12345678901234567890123456.789"), "USD") == D("12345678901234567890123456.79")


def test_csv_amounts_in_yen_have_no_decimals_and_no_exponent():
    from data.money import money_text

    assert money_text(D("1E+3"), "JPY") == "1000"


def test_csv_amounts_that_round_to_zero_have_no_minus_sign():
    from data.money import money_text

    assert money_text(D("-0.001"), "USD") == "0.00"
