"""Spend: usage rated by prices, checked against hand-worked numbers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pandas as pd
import pytest

from conftest import AUTH, cloud_event
from data.customers import upsert_customers
from data.events import ingest_events
from data.metrics import get_metric, upsert_metrics
from data.models import BillableMetric, Customer, Price, Tier
from data.prices import upsert_prices
from data.rating import estimate_invoice, spend_series

MAR, APR = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
CUSTOMER = Customer("c", "C", "USD", "UTC", "en_US")
TIERS = (Tier(D(1000), D("0.01")), Tier(None, D("0.005")))


@pytest.fixture
def store_with_tokens(store):
    upsert_customers(store, [CUSTOMER])
    upsert_metrics(store, [BillableMetric("tokens", "Tokens", "tokens", "llm", "SUM", "tokens", ("region",)),
                           BillableMetric("calls", "Calls", "calls", "llm", "COUNT", None, ())])
    return store


def send(store, *rows):
    ingest_events(store, pd.DataFrame(
        [("s", f"{t.isoformat()}-{i}", "c", "llm", t.replace(tzinfo=None), f'{{"tokens": "{q}", "region": "{r}"}}')
         for i, (t, q, r) in enumerate(rows)],
        columns=["source", "id", "customer_id", "type", "time", "properties"]))  # fmt: skip


def price(**kw):
    return Price(id=kw.pop("id", "p"), metric=kw.pop("metric", "tokens"), currency="USD",
                 effective_from=kw.pop("effective_from", datetime(2026, 1, 1)), **kw)


def spend(store, start=MAR, end=APR, window="day", group_by=None, metric="tokens"):
    got = spend_series(store, customer_id="c", metric=get_metric(store, metric), currency="USD", start=start, end=end,
                       tz="UTC", billing_tz="UTC", window_size=window, group_by=group_by)
    return [(w.date().isoformat() if window == "day" else None, g, v) for w, g, v in zip(got.window_start, got.group, got.value)]


def test_spend_of_the_hour_a_clock_change_repeats_is_two_windows(store_with_tokens):
    upsert_prices(store_with_tokens, [price(unit_price=D("1"))])
    send(store_with_tokens, (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "1", "eu"), (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "2", "eu"))
    got = spend_series(store_with_tokens, customer_id="c", metric=get_metric(store_with_tokens, "tokens"), currency="USD",
                       start=datetime(2026, 11, 1, 4, tzinfo=UTC), end=datetime(2026, 11, 1, 8, tzinfo=UTC),
                       tz="America/New_York", billing_tz="UTC", window_size="hour")  # fmt: skip
    assert [(s.isoformat(), e.isoformat(), v) for s, e, v in zip(got.window_start, got.window_end, got.value)] == [
        ("2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", D("1")),
        ("2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00", D("2"))]  # fmt: skip


def test_flat_price(store_with_tokens):
    upsert_prices(store_with_tokens, [price(unit_price=D("0.002"))])
    send(store_with_tokens, (datetime(2026, 3, 1, 9, tzinfo=UTC), "1000", "eu"), (datetime(2026, 3, 2, 9, tzinfo=UTC), "500", "eu"))
    assert spend(store_with_tokens) == [("2026-03-01", None, D("2")), ("2026-03-02", None, D("1"))]


def test_graduated_tiers_accumulate_within_the_month_and_reset_after(store_with_tokens):
    upsert_prices(store_with_tokens, [price(tiers=(Tier(D(1000), D("0.01")), Tier(None, D("0.005"))))])
    send(store_with_tokens, (datetime(2026, 3, 1, 9, tzinfo=UTC), "800", "eu"), (datetime(2026, 3, 2, 9, tzinfo=UTC), "800", "eu"),
         (datetime(2026, 4, 1, 9, tzinfo=UTC), "800", "eu"))
    # Mar 1: 800 x 0.01 = 8; Mar 2: 200 x 0.01 + 600 x 0.005 = 5; Apr 1: a new month, 800 x 0.01 = 8
    assert spend(store_with_tokens, end=datetime(2026, 4, 2, tzinfo=UTC)) == [
        ("2026-03-01", None, D(8)), ("2026-03-02", None, D(5)), ("2026-04-01", None, D(8))]  # fmt: skip


def test_a_window_starting_mid_month_counts_tiers_from_the_month_start(store_with_tokens):
    upsert_prices(store_with_tokens, [price(tiers=(Tier(D(1000), D("0.01")), Tier(None, D("0.005"))))])
    send(store_with_tokens, (datetime(2026, 3, 1, 9, tzinfo=UTC), "800", "eu"), (datetime(2026, 3, 2, 9, tzinfo=UTC), "800", "eu"))
    assert spend(store_with_tokens, start=datetime(2026, 3, 2, tzinfo=UTC)) == [("2026-03-02", None, D(5))]


def test_tiers_count_within_the_customers_month_whatever_zone_the_view_is_in(store_with_tokens):
    upsert_prices(store_with_tokens, [price(tiers=(Tier(D(1000), D("0.01")), Tier(None, D("0.005"))))])
    send(store_with_tokens, (datetime(2026, 3, 31, 20, tzinfo=UTC), "800", "eu"), (datetime(2026, 4, 1, 9, tzinfo=UTC), "800", "eu"))
    # The customer bills in UTC: 800 in March, 800 in April, each 800 x 0.01 = 8. Seen from Tokyo,
    # both fall on April 1 there, and the day still costs 16 (not 8 + 200 x 0.01 + 600 x 0.005 = 13).
    got = spend_series(store_with_tokens, customer_id="c", metric=get_metric(store_with_tokens, "tokens"), currency="USD",
                       start=datetime(2026, 3, 31, 15, tzinfo=UTC), end=datetime(2026, 4, 1, 15, tzinfo=UTC),
                       tz="Asia/Tokyo", billing_tz="UTC")
    assert [(w.date().isoformat(), v) for w, v in zip(got.window_start, got.value)] == [("2026-04-01", D(16))]


def send_a_crossing_quarter_hour(store, big, small):
    """900 tokens on Mar 1, then a quarter hour on Mar 2 whose 400 cross the 1000-token boundary:
    `big` sends 300 at its start, `small` 100 at its end."""
    send(store, (datetime(2026, 3, 1, 9, tzinfo=UTC), "900", "eu"), (datetime(2026, 3, 2, 9, tzinfo=UTC), "300", big),
         (datetime(2026, 3, 2, 9, 14, tzinfo=UTC), "100", small))


@pytest.mark.parametrize("big, small", [("us", "apac"), ("apac", "us")])
def test_a_quarter_hour_crossing_a_tier_boundary_shares_its_cost_pro_rata_whatever_the_groups_are_called(
        store_with_tokens, big, small):
    upsert_prices(store_with_tokens, [price(tiers=TIERS)])
    send_a_crossing_quarter_hour(store_with_tokens, big, small)
    # Mar 2 09:00-09:15 holds units 901-1300: 100 x 0.01 + 300 x 0.005 = 2.5, shared 300:100
    # as 1.875 and 0.625 (each 0.00625 a unit), not 100 cheap units to whichever name sorts first
    got = {g: v for _, g, v in spend(store_with_tokens, window="none", group_by="region")}
    assert got == {"eu": D(9), big: D("1.875"), small: D("0.625")}


def test_sharing_a_crossing_quarter_hour_changes_the_split_not_the_periods_total(store_with_tokens):
    upsert_metrics(store_with_tokens, [BillableMetric("all_tokens", "All tokens", "tokens", "llm", "SUM", "tokens", ())])
    upsert_prices(store_with_tokens, [price(tiers=TIERS), price(id="all", metric="all_tokens", tiers=TIERS)])
    send_a_crossing_quarter_hour(store_with_tokens, "us", "apac")
    estimate = estimate_invoice(store_with_tokens, customer=CUSTOMER, now=datetime(2026, 3, 20, tzinfo=UTC),
                                metrics=[get_metric(store_with_tokens, m) for m in ("tokens", "all_tokens")])
    # 1300 units: 1000 x 0.01 + 300 x 0.005 = 11.5, grouped by region (9 + 1.875 + 0.625) or not,
    # and as for a metric whose units are all in one group
    assert sum(v for *_, v in spend(store_with_tokens, window="none", group_by="region")) == D("11.5")
    assert spend(store_with_tokens, window="none") == spend(store_with_tokens, window="none", metric="all_tokens") == [
        (None, None, D("11.5"))]  # fmt: skip
    assert [li.amount for li in estimate.line_items] == [D("11.5"), D("11.5")]


def test_shares_that_do_not_end_keep_15_places_and_the_last_group_takes_what_is_left(store_with_tokens):
    upsert_prices(store_with_tokens, [price(tiers=(Tier(D(1), D(1)), Tier(None, D("0.5"))))])
    t = datetime(2026, 3, 3, 9, tzinfo=UTC)
    send(store_with_tokens, (t, "1", "a"), (t, "1", "b"), (t, "1", "c"))
    # units 1-3 cost 1 + 2 x 0.5 = 2, a third each: 0.666666666666667 to 15 places (half even)
    # for a and b; c, last by name, takes the rest, so the three add up to 2 exactly
    got = spend(store_with_tokens, window="none", group_by="region")
    assert got == [(None, "a", D("0.666666666666667")), (None, "b", D("0.666666666666667")),
                   (None, "c", D("0.666666666666666"))]  # fmt: skip
    assert sum(v for *_, v in got) == D(2)


def test_a_share_exactly_on_a_half_rounds_to_the_even_neighbour(store_with_tokens):
    upsert_prices(store_with_tokens, [price(tiers=(Tier(D("7.999999996"), D("0.125")), Tier(None, D("0.125001"))))])
    t = datetime(2026, 3, 3, 9, tzinfo=UTC)
    send(store_with_tokens, (t, "1", "a"), (t, "3", "b"), (t, "4", "c"))
    # units 1-8 cost 7.999999996 x 0.125 + 0.000000004 x 0.125001 = 1.000000000000004. a's eighth,
    # 0.1250000000000005, is a tie at the 15th place and keeps the even 0 (half up: ...001); b's
    # three eighths, 0.3750000000000015, go up to the even 2 (half down: ...001); c takes the rest
    assert spend(store_with_tokens, window="none", group_by="region") == [
        (None, "a", D("0.125000000000000")), (None, "b", D("0.375000000000002")), (None, "c", D("0.500000000000002"))]  # fmt: skip


def test_prices_per_group_value_with_a_default(store_with_tokens):
    upsert_prices(store_with_tokens, [price(unit_price=D("0.03"), group_key="region",
                                            group_prices={"eu": D("0.02"), "us": D("0.01")})])
    t = datetime(2026, 3, 3, 9, tzinfo=UTC)
    send(store_with_tokens, (t, "100", "eu"), (t, "100", "us"), (t, "100", "apac"))
    assert spend(store_with_tokens, window="none", group_by="region") == [
        (None, "apac", D(3)), (None, "eu", D(2)), (None, "us", D(1))]  # fmt: skip


def test_a_price_change_mid_period_splits_it_exactly(store_with_tokens):
    upsert_prices(store_with_tokens, [price(id="old", unit_price=D("0.01")),
                                      price(id="new", unit_price=D("0.02"), effective_from=datetime(2026, 3, 15, 12))])
    send(store_with_tokens, (datetime(2026, 3, 15, 6, tzinfo=UTC), "100", "eu"), (datetime(2026, 3, 15, 18, tzinfo=UTC), "100", "eu"))
    assert spend(store_with_tokens, window="none") == [(None, None, D(3))]


def test_a_price_change_inside_a_quarter_hour_prices_each_event_at_its_own_time(store_with_tokens):
    upsert_prices(store_with_tokens, [price(id="old", unit_price=D("0.01")),
                                      price(id="new", unit_price=D("0.02"), effective_from=datetime(2026, 3, 15, 12, 7, 30))])
    send(store_with_tokens, (datetime(2026, 3, 15, 12, 5, tzinfo=UTC), "100", "eu"),
         (datetime(2026, 3, 15, 12, 7, 30, tzinfo=UTC), "100", "eu"), (datetime(2026, 3, 15, 12, 10, tzinfo=UTC), "100", "eu"))
    # 12:05 at the old price (1), 12:07:30 (the change itself) and 12:10 at the new one (2 + 2)
    assert spend(store_with_tokens) == [("2026-03-15", None, D(5))]


def test_an_hour_split_by_a_price_change_is_still_one_window(store_with_tokens):
    upsert_prices(store_with_tokens, [price(id="old", unit_price=D("0.01")),
                                      price(id="new", unit_price=D("0.02"), effective_from=datetime(2026, 3, 15, 12, 7, 30))])
    send(store_with_tokens, (datetime(2026, 3, 15, 12, 5, tzinfo=UTC), "100", "eu"), (datetime(2026, 3, 15, 12, 10, tzinfo=UTC), "100", "eu"))
    got = spend_series(store_with_tokens, customer_id="c", metric=get_metric(store_with_tokens, "tokens"), currency="USD",
                       start=datetime(2026, 3, 15, 12, tzinfo=UTC), end=datetime(2026, 3, 15, 13, tzinfo=UTC),
                       tz="UTC", billing_tz="UTC", window_size="hour")
    assert [(w.isoformat(), e.isoformat(), v) for w, e, v in zip(got.window_start, got.window_end, got.value)] == [
        ("2026-03-15T12:00:00+00:00", "2026-03-15T13:00:00+00:00", D(3))]  # fmt: skip


def test_the_live_draft_prices_each_event_at_its_own_time_around_a_change(store_with_tokens):
    upsert_prices(store_with_tokens, [price(id="old", unit_price=D("0.01")),
                                      price(id="new", unit_price=D("0.02"), effective_from=datetime(2026, 3, 15, 12, 7))])
    send(store_with_tokens, (datetime(2026, 3, 15, 12, 1, tzinfo=UTC), "100", "eu"), (datetime(2026, 3, 15, 12, 14, tzinfo=UTC), "100", "eu"))
    estimate = estimate_invoice(store_with_tokens, customer=CUSTOMER, now=datetime(2026, 3, 20, tzinfo=UTC),
                                metrics=[get_metric(store_with_tokens, "tokens")])
    assert estimate.total == D(3)  # 100 x 0.01 + 100 x 0.02


def test_a_price_for_the_same_start_replaces_the_earlier_one_in_spend_and_the_live_draft(store_with_tokens):
    send(store_with_tokens, *[(datetime(2026, 3, 2, h, tzinfo=UTC), "1", "eu") for h in range(5)])
    # ids that sort against the order they are posted in: the last posted wins, not the last id
    for unit, id_ in ((1, "d"), (2, "c"), (3, "b"), (4, "a")):
        upsert_prices(store_with_tokens, [price(id=id_, metric="calls", unit_price=D(unit))])
        assert spend(store_with_tokens, window="none", metric="calls") == [(None, None, D(5 * unit))]
    estimate = estimate_invoice(store_with_tokens, customer=CUSTOMER, now=datetime(2026, 3, 20, tzinfo=UTC),
                                metrics=[get_metric(store_with_tokens, "calls")])
    assert estimate.total == D(20) and estimate.line_items[0].unit_price == D(4)


def test_spend_is_exact_with_six_decimal_prices(store_with_tokens):
    upsert_prices(store_with_tokens, [price(unit_price=D("0.000001"))])
    send(store_with_tokens, *[(datetime(2026, 3, 4, h, tzinfo=UTC), "0.1", "eu") for h in range(3)])
    assert spend(store_with_tokens, window="none") == [(None, None, D("0.0000003"))]


def test_live_draft_equals_the_sum_of_rated_usage(store_with_tokens):
    upsert_prices(store_with_tokens, [price(tiers=(Tier(D(1000), D("0.01")), Tier(None, D("0.005")))),
                                      price(id="pc", metric="calls", unit_price=D("0.25"))])
    send(store_with_tokens, *[(datetime(2026, 3, d, 9, tzinfo=UTC), "400", "eu") for d in range(1, 6)])
    estimate = estimate_invoice(store_with_tokens, customer=CUSTOMER, now=datetime(2026, 3, 20, tzinfo=UTC),
                                metrics=[get_metric(store_with_tokens, "tokens"), get_metric(store_with_tokens, "calls")])
    rated = sum(v for *_, v in spend(store_with_tokens, window="none")) + sum(
        v for *_, v in spend(store_with_tokens, window="none", metric="calls"))
    assert estimate.total == rated == D(10) + D(5) + D("1.25")  # 1000 x 0.01 + 1000 x 0.005 + 5 calls x 0.25
    assert [(li.name, li.quantity, li.amount) for li in estimate.line_items] == [
        ("Tokens", D(2000), D(15)), ("Calls", D(5), D("1.25"))]  # fmt: skip
    assert estimate.period_start == datetime(2026, 3, 1) and estimate.status == "draft"


@pytest.mark.parametrize("zone, now", [
    ("Pacific/Auckland", datetime(2026, 2, 28, 11, tzinfo=UTC)),  # Mar 1 00:00 there (+13), Feb 28 in UTC
    ("Pacific/Auckland", datetime(2026, 3, 31, 10, 59, tzinfo=UTC)),  # Mar 31 23:59 there
    ("America/Los_Angeles", datetime(2026, 3, 1, 8, tzinfo=UTC)),  # Mar 1 00:00 there (-8)
    ("America/Los_Angeles", datetime(2026, 4, 1, 6, 59, tzinfo=UTC)),  # Mar 31 23:59 there (-7), Apr 1 in UTC
])  # fmt: skip
def test_the_live_estimates_id_names_its_period_by_its_first_day_in_the_customers_zone(store_with_tokens, zone, now):
    upsert_prices(store_with_tokens, [price(metric="calls", unit_price=D(1))])
    customer = Customer("c", "C", "USD", zone, "en_US")
    estimate = estimate_invoice(store_with_tokens, customer=customer, now=now, metrics=[get_metric(store_with_tokens, "calls")])
    assert estimate.id == "estimate:c:2026-03-01"


def test_no_price_no_estimate(store_with_tokens):
    assert estimate_invoice(store_with_tokens, customer=CUSTOMER, now=datetime(2026, 3, 20, tzinfo=UTC),
                            metrics=[get_metric(store_with_tokens, "tokens")]) is None


def test_a_price_that_takes_effect_after_the_period_is_not_in_its_estimate(store_with_tokens):
    upsert_metrics(store_with_tokens, [BillableMetric("peak", "Peak", "tokens", "llm", "MAX", "tokens", ())])
    upsert_prices(store_with_tokens, [price(metric="peak", unit_price=D(10), effective_from=datetime(2026, 4, 1)),
                                      price(id="q", metric="tokens", unit_price=D(10), effective_from=datetime(2026, 4, 1))])
    send(store_with_tokens, (datetime(2026, 3, 2, 10, tzinfo=UTC), "5", "eu"))
    assert estimate_invoice(store_with_tokens, customer=CUSTOMER, now=datetime(2026, 3, 20, tzinfo=UTC),
                            metrics=[get_metric(store_with_tokens, "peak"), get_metric(store_with_tokens, "tokens")]) is None


def test_a_price_that_takes_effect_mid_period_prices_the_estimate_from_then(store_with_tokens):
    upsert_prices(store_with_tokens, [price(unit_price=D(2), effective_from=datetime(2026, 3, 10)),
                                      price(id="q", unit_price=D(3), effective_from=datetime(2026, 4, 1))])
    send(store_with_tokens, (datetime(2026, 3, 2, 10, tzinfo=UTC), "5", "eu"), (datetime(2026, 3, 12, tzinfo=UTC), "7", "eu"))
    estimate = estimate_invoice(store_with_tokens, customer=CUSTOMER, now=datetime(2026, 3, 20, tzinfo=UTC),
                                metrics=[get_metric(store_with_tokens, "tokens")])
    (line,) = estimate.line_items
    assert (line.quantity, line.unit_price, line.amount) == (D(12), D(2), D(14))


@pytest.mark.parametrize("body, field", [
    ({"metric": "nope", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z", "unit_price": "1"}, "metric"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z", "unit_price": "0.0000001"}, "unit_price"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z"}, "unit_price"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z",
      "tiers": [{"up_to": "10", "unit_price": "1"}, {"up_to": "5", "unit_price": "1"}, {"unit_price": "1"}]}, "tiers[1].up_to"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z",
      "tiers": [{"up_to": "10", "unit_price": "1"}]}, "tiers[0].up_to"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z", "unit_price": "1",
      "group_key": "region", "group_prices": {"a": "1"}}, "group_key"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01", "unit_price": "1"}, "effective_from"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z", "unit_price": "-0.01"}, "unit_price"),
    ({"metric": "tokens", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z",
      "tiers": [{"up_to": "10", "unit_price": "1"}, {"unit_price": "-1"}]}, "tiers[1].unit_price"),
])  # fmt: skip
def test_bad_price_is_400_and_writes_nothing(client, world, body, field):
    r = client.post("/v1/prices", headers=AUTH, json=body)
    assert r.status_code == 400 and r.json["error"]["field"] == field, r.json
    assert client.get("/v1/prices", headers=AUTH).json["data"] == []


def test_usage_api_answers_spend(client, world):
    client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD",
                                                  "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    r = client.get("/v1/customers/cust-a/usage", headers=AUTH, query_string={"metric": "tokens", "value": "spend", "window_size": "none"})
    assert r.status_code == 200 and r.json["currency"] == "USD"
    assert [row["value"] for row in r.json["data"]] == ["12.345"]  # 1234.5 tokens x 0.01
    bad = client.get("/v1/customers/cust-a/usage", headers=AUTH, query_string={"metric": "tokens", "value": "cost"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "value"


def test_spend_of_a_metric_without_a_price_in_the_customers_currency_is_a_400_not_zero(client, world):
    client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "EUR",
                                                  "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.01"})
    r = client.get("/v1/customers/cust-a/usage", headers=AUTH, query_string={"metric": "tokens", "value": "spend", "window_size": "none"})
    assert r.status_code == 400 and r.json["error"]["code"] == "no_price" and r.json["error"]["field"] == "value"
    assert "USD" in r.json["error"]["message"]


def test_spend_keeps_every_digit_of_a_large_quantity_times_a_small_price(client, world):
    client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD",
                                                  "effective_from": "2020-01-01T00:00:00Z", "unit_price": "0.000001"})
    when = datetime(2025, 6, 1, 10, tzinfo=UTC)  # an hour with no other events
    event = cloud_event("huge-tokens", "cust-a", "llm", when, tokens="12345678901234567890.123456789")
    assert client.post("/v1/events", headers=AUTH, json=[event]).status_code == 200
    r = client.get("/v1/customers/cust-a/usage", headers=AUTH, query_string={
        "metric": "tokens", "value": "spend", "window_size": "none", "from": when.isoformat(),
        "to": (when + timedelta(hours=1)).isoformat()})
    assert [row["value"] for row in r.json["data"]] == ["12345678901234.567890123456789"]


def post_price(client, unit, *, start="2026-01-01T00:00:00Z", **extra):
    r = client.post("/v1/prices", headers=AUTH, json={"metric": "calls", "currency": "USD", "effective_from": start,
                                                      "unit_price": str(unit), **extra})  # fmt: skip
    assert r.status_code == 200, r.json
    return r.json["data"][0]


def calls_spend(client):
    r = client.get("/v1/customers/c/usage", headers=AUTH, query_string={
        "metric": "calls", "value": "spend", "window_size": "none", "from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"})
    assert r.status_code == 200, r.json
    return [row["value"] for row in r.json["data"]]


def test_the_last_price_posted_for_a_start_is_the_one_spend_uses(client, store_with_tokens):
    send(store_with_tokens, *[(datetime(2026, 3, 2, h, tzinfo=UTC), "1", "eu") for h in range(5)])
    for unit, id_ in ((1, "d"), (2, "c"), (3, "b"), (4, "a")):  # ids sorting against the order posted
        assert post_price(client, unit, id=id_)["id"] == id_
        assert calls_spend(client) == [str(5 * unit)]


def test_prices_lists_one_price_for_a_start_the_last_posted(client, store_with_tokens):
    posted = [post_price(client, unit) for unit in (1, 2, 3, 4)]
    listed = client.get("/v1/prices", headers=AUTH, query_string={"metric": "calls"}).json["data"]
    assert listed == [posted[-1]] and listed[0]["unit_price"] == "4"


def test_a_price_at_another_start_is_kept_beside_a_replaced_one(client, store_with_tokens):
    post_price(client, 1)
    later = post_price(client, 9, start="2026-03-15T00:00:00Z")
    latest = post_price(client, 4)
    listed = client.get("/v1/prices", headers=AUTH, query_string={"metric": "calls"}).json["data"]
    assert listed == [latest, later]


def test_a_later_price_in_one_request_replaces_an_earlier_one_for_the_same_start(client, store_with_tokens):
    body = [{"metric": "calls", "currency": "USD", "effective_from": "2026-01-01T00:00:00Z", "unit_price": unit} for unit in "12"]
    assert client.post("/v1/prices", headers=AUTH, json=body).status_code == 200
    listed = client.get("/v1/prices", headers=AUTH, query_string={"metric": "calls"}).json["data"]
    assert [p["unit_price"] for p in listed] == ["2"]


def test_an_amount_with_too_many_digits_says_so(client, world):
    r = client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD",
                                                      "effective_from": "2026-01-01T00:00:00Z", "unit_price": "1" * 33})
    assert r.status_code == 400 and r.json["error"]["message"] == "unit_price may have at most 29 digits before the point"
