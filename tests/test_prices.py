"""Storing prices: what a posted price replaces, within a call and against the store."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from data.models import Price
from data.prices import list_prices, upsert_prices

JAN, MAR = datetime(2026, 1, 1), datetime(2026, 3, 1)


def price(id_: str, start: datetime, unit: str, currency: str = "USD") -> Price:
    return Price(id_, "calls", currency, start, Decimal(unit))


def stored(store) -> list[tuple[str, datetime, Decimal]]:
    return [(p.id, p.effective_from, p.unit_price) for p in list_prices(store, metric="calls")]


def test_a_later_price_in_one_call_replaces_an_earlier_one_with_its_id_or_start(store):
    upsert_prices(store, [price("a", JAN, "1"), price("b", JAN, "2"), price("c", MAR, "3"), price("c", JAN, "4")])
    assert stored(store) == [("c", JAN, Decimal(4))]


def test_a_call_replaces_stored_prices_by_every_posted_id_and_start_as_one_at_a_time_would(store):
    upsert_prices(store, [price("s", JAN, "1"), price("t", MAR, "2")])
    # "a" at January replaces "s"; "a" again, at March, replaces that "a" and "t"
    upsert_prices(store, [price("a", JAN, "5"), price("a", MAR, "6")])
    assert stored(store) == [("a", MAR, Decimal(6))]


def test_prices_in_other_currencies_at_the_same_start_are_kept(store):
    upsert_prices(store, [price("usd", JAN, "1"), price("eur", JAN, "2", "EUR")])
    upsert_prices(store, [price("usd2", JAN, "3")])
    assert sorted(stored(store)) == [("eur", JAN, Decimal(2)), ("usd2", JAN, Decimal(3))]


def test_a_call_of_prices_at_many_scales_stores_each_exactly(store):
    units = ["0.000001", "12345678901234567890123.123457", "7"]
    upsert_prices(store, [price(f"p{i}", datetime(2026, 1 + i, 1), u) for i, u in enumerate(units)])
    assert [p for _, _, p in stored(store)] == [Decimal(u) for u in units]


def test_an_empty_call_stores_nothing(store):
    upsert_prices(store, [])
    assert stored(store) == []
