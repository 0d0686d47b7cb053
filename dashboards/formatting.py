"""Numbers, money and dates for people: Babel in the customer's locale, money rounded to the
currency's minor unit only here, at display time."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from data.money import EXACT, minor_units, round_money


@lru_cache(maxsize=64)
def parsed(locale: str) -> Locale:
    """Babel parses a locale name on every call; pages format hundreds of values per render."""
    return Locale.parse(locale)


# Pages show the same totals again on every render (and the totals are remembered), so
# the formatted text is cached too. Decimal("1.0") and Decimal("1") share a cache entry,
# which is right: both format alike.
@lru_cache(maxsize=65536)
def money(amount: Decimal, currency: str, locale: str) -> str:
    """`$1,234.57`, `¥1,235`, `BHD 1.235`: rounded half up to the currency's minor unit; an
    amount that rounds to zero is `$0.00` whatever its sign, as in the CSVs (data.money.money_text)."""
    rounded = round_money(amount, currency)
    return format_currency(rounded.copy_abs() if rounded.is_zero() else rounded, currency, locale=parsed(locale))


def unit_price(amount: Decimal, currency: str, locale: str) -> str:
    """A unit price with at least the minor unit and up to 6 decimals, laid out as the locale
    lays out money: `$0.000125`, `0,00184 €`."""
    return format_currency(amount.normalize(EXACT), currency, format=_unit_price_pattern(locale, minor_units(currency)),
                           currency_digits=False, locale=parsed(locale))


@lru_cache(maxsize=256)
def _unit_price_pattern(locale: str, minor: int) -> str:
    """The locale's currency pattern with the currency's minor digits and optional ones up to six."""
    return parsed(locale).currency_formats["standard"].pattern.replace("0.00", "0." + "0" * minor + "#" * (6 - minor))


@lru_cache(maxsize=65536)
def number(value: Decimal, locale: str) -> str:
    return format_decimal(Decimal(value).normalize(EXACT), locale=parsed(locale))


def local_date(naive_utc: datetime, tz: str) -> date:
    return naive_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


def day(naive_utc: datetime, tz: str, locale: str) -> str:
    return format_date(local_date(naive_utc, tz), "medium", locale=parsed(locale))


def last_day(end_exclusive: datetime, tz: str) -> date:
    """The last local day of a period that ends (exclusive) at `end_exclusive`, naive UTC: the
    day before the one the end falls on (periods end at the midnight that follows them)."""
    return local_date(end_exclusive, tz) - timedelta(days=1)


def days(first: date, last: date, locale: str) -> str:
    """`Oct 1, 2026 – Oct 31, 2026`: a span of whole days, both ends included."""
    loc = parsed(locale)
    return f"{format_date(first, 'medium', locale=loc)} – {format_date(last, 'medium', locale=loc)}"
