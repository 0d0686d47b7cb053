"""The usage page's breakdown by group, folded from the chart's daily series (no query of its own)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from dashboards.usage import _per_group
from data.store import frame
from data.usage import SERIES_COLUMNS

DAY = datetime(2026, 9, 7, tzinfo=UTC)


def daily(*rows: tuple[int, str | None, str | None]) -> object:
    """(day, group, value) -> the chart's series."""
    return frame([(DAY + timedelta(days=d), DAY + timedelta(days=d + 1), g, None if v is None else Decimal(v))
                  for d, g, v in rows], SERIES_COLUMNS)


def folded(series, aggregation: str) -> list[tuple]:
    out = _per_group(series, SimpleNamespace(aggregation=aggregation))
    return list(zip(out["group"], out["value"]))


def test_a_sum_adds_each_groups_days_exactly():
    assert folded(daily((0, "eu", "0.1"), (1, "eu", "0.2"), (0, "us", "5")), "SUM") == [
        ("eu", Decimal("0.3")), ("us", Decimal("5"))]


def test_a_max_takes_each_groups_largest_day():
    assert folded(daily((0, "eu", "3"), (1, "eu", "9"), (2, "eu", "4")), "MAX") == [("eu", Decimal("9"))]


def test_events_without_the_group_come_first_then_groups_in_order():
    assert [g for g, _ in folded(daily((0, "us", "1"), (0, None, "2"), (1, "apac", "3")), "COUNT")] == [None, "apac", "us"]


def test_a_group_with_no_value_on_any_day_has_none():
    assert folded(daily((0, "eu", None), (1, "eu", None), (0, "us", "2")), "MAX") == [("eu", None), ("us", Decimal("2"))]
