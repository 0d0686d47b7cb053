"""The usage aggregations as pure functions over a store: no HTTP, no browser."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from data.customers import upsert_customers
from data.events import count_events, ingest_events
from data.metrics import get_metric, upsert_metrics
from data.models import BillableMetric, Customer
from data.usage import fixed_offset_minutes, trailing_days, usage_series, usage_totals

T0, T1 = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)
METRICS = [
    BillableMetric("sum_m", "Sum", "u", "e", "SUM", "v", ("region",)),
    BillableMetric("count_m", "Count", "u", "e", "COUNT", None, ("region",)),
    BillableMetric("max_m", "Max", "u", "e", "MAX", "v", ()),
    BillableMetric("latest_m", "Latest", "u", "e", "LATEST", "v", ()),
    BillableMetric("unique_m", "Unique", "u", "e", "UNIQUE_COUNT", "user", ("region",)),
]


def events(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [("s", str(i), cust, "e", t, json.dumps(props)) for i, (cust, t, props) in enumerate(rows)],
        columns=["source", "id", "customer_id", "type", "time", "properties"],
    )


@pytest.fixture
def filled(store):
    upsert_customers(store, [Customer("a", "A", "USD", "Asia/Tokyo", "en_US"), Customer("b", "B", "USD", "UTC", "en_US")])
    upsert_metrics(store, METRICS)
    ingest_events(store, events([
        ("a", datetime(2026, 3, 1, 14, 59), {"v": "1.25", "region": "eu", "user": "u1"}),   # Tokyo: Mar 1 23:59
        ("a", datetime(2026, 3, 1, 23, 30), {"v": "2.5", "region": "eu", "user": "u1"}),    # Tokyo: Mar 2 08:30
        ("a", datetime(2026, 3, 2, 1, 0), {"v": "0.125", "region": "us", "user": "u2"}),    # Tokyo: Mar 2 10:00
        ("b", datetime(2026, 3, 2, 1, 0), {"v": "1000", "region": "eu", "user": "u9"}),
    ]))  # fmt: skip
    return store


def series(store, slug, **kw):
    kw = {"customer_id": "a", "start": T0, "end": T1, "tz": "Asia/Tokyo", **kw}
    return usage_series(store, metric=get_metric(store, slug), **kw)


def test_event_at_2330_utc_counts_on_the_next_day_in_tokyo(filled):
    got = series(filled, "count_m")
    assert [(w.date().isoformat(), v) for w, v in zip(got.window_start, got.value)] == [
        ("2026-03-01", Decimal(1)), ("2026-03-02", Decimal(2))]  # fmt: skip


def test_the_same_events_fall_on_other_days_in_utc(filled):
    got = series(filled, "count_m", tz="UTC")
    assert [(w.day, v) for w, v in zip(got.window_start, got.value)] == [(1, 2), (2, 1)]


def test_sum_is_exact_decimal(filled):
    got = series(filled, "sum_m", window_size="none")
    assert got.value.tolist() == [Decimal("3.875")]
    assert isinstance(got.value[0], Decimal)


def test_max_latest_and_unique_count(filled):
    assert series(filled, "max_m", window_size="none").value.tolist() == [Decimal("2.5")]
    assert series(filled, "latest_m", window_size="none").value.tolist() == [Decimal("0.125")]
    assert series(filled, "unique_m", window_size="none").value.tolist() == [2]
    by_day = series(filled, "unique_m")  # distinct per day, not summed across buckets
    assert by_day.value.tolist() == [1, 2]


def test_group_by_splits_by_property(filled):
    got = series(filled, "sum_m", window_size="none", group_by="region")
    assert dict(zip(got.group, got.value)) == {"eu": Decimal("3.75"), "us": Decimal("0.125")}


def test_hour_windows_in_a_half_hour_zone(filled):
    got = series(filled, "count_m", tz="Asia/Kolkata", window_size="hour")
    starts = [w.strftime("%m-%d %H:%M%z") for w in got.window_start]
    assert starts == ["03-01 20:00+0530", "03-02 05:00+0530", "03-02 06:00+0530"]


def test_other_customers_events_are_never_counted(filled):
    assert series(filled, "sum_m", window_size="none", customer_id="b").value.tolist() == [Decimal("1000")]
    assert series(filled, "sum_m", window_size="none", customer_id="nobody").empty


@pytest.mark.parametrize("window_size, group_by", [("none", None), ("none", "region"), ("day", None), ("hour", "region")])
def test_a_customer_without_events_has_an_empty_series_however_it_is_cut(filled, window_size, group_by):
    assert series(filled, "sum_m", window_size=window_size, group_by=group_by, customer_id="nobody").empty


def test_resent_events_are_no_ops(filled):
    again = ingest_events(filled, events([("a", datetime(2026, 3, 1, 14, 59), {"v": "1.25"})]))
    assert (again.inserted, again.duplicates) == (0, 1)
    assert count_events(filled) == 4
    assert series(filled, "sum_m", window_size="none").value.tolist() == [Decimal("3.875")]


def test_duplicates_within_one_batch_keep_the_first(store):
    upsert_metrics(store, METRICS)
    frame = events([("a", datetime(2026, 3, 1, 1), {"v": "1"}), ("a", datetime(2026, 3, 1, 2), {"v": "5"})])
    frame["id"] = "same"
    assert ingest_events(store, frame).inserted == 1
    assert series(store, "sum_m", window_size="none").value.tolist() == [Decimal("1")]


def test_metric_defined_after_its_events_still_counts_them(filled):
    upsert_metrics(filled, [BillableMetric("late", "Late", "u", "e", "SUM", "v", ())])
    assert series(filled, "late", window_size="none").value.tolist() == [Decimal("3.875")]


def test_unaligned_bounds_are_refused(filled):
    with pytest.raises(ValueError, match="15-minute"):
        series(filled, "sum_m", start=datetime(2026, 3, 1, 0, 7, tzinfo=UTC))


def test_totals_include_metrics_without_usage_as_zero(filled):
    totals = usage_totals(filled, customer_id="a", metrics=[get_metric(filled, "sum_m")], start=T0, end=T1, tz="UTC")
    assert totals.value.tolist() == [Decimal("3.875")]
    empty = usage_totals(filled, customer_id="nobody", metrics=[get_metric(filled, "sum_m")], start=T0, end=T1, tz="UTC")
    assert empty.value.tolist() == [Decimal(0)]


def test_totals_of_metrics_over_several_properties_and_types_are_each_metrics_own_total(store):
    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US")])
    metrics = [BillableMetric("w_sum", "W", "u", "e", "SUM", "w", ()), BillableMetric("v_max", "V", "u", "e", "MAX", "v", ()),
               BillableMetric("v_sum_f", "F", "u", "f", "SUM", "v", ()), BillableMetric("w_last", "L", "u", "f", "LATEST", "w", ()),
               BillableMetric("f_count", "C", "u", "f", "COUNT", None, ())]
    upsert_metrics(store, metrics)
    ingest_events(store, pd.DataFrame([
        ("s", "1", "a", "e", datetime(2026, 3, 1, 1), '{"v": "4", "w": "1.5"}'),
        ("s", "2", "a", "e", datetime(2026, 3, 2, 1), '{"v": "9"}'),
        ("s", "3", "a", "f", datetime(2026, 3, 1, 2), '{"v": "2", "w": "7"}'),
        ("s", "4", "a", "f", datetime(2026, 3, 3, 2), '{"v": "0.25", "w": "3"}'),
    ], columns=["source", "id", "customer_id", "type", "time", "properties"]))  # fmt: skip
    totals = usage_totals(store, customer_id="a", metrics=metrics, start=T0, end=T1, tz="UTC")
    assert dict(zip(totals.metric, totals.value)) == {"w_sum": Decimal("1.5"), "v_max": Decimal(9), "v_sum_f": Decimal("2.25"),
                                                      "w_last": Decimal(3), "f_count": Decimal(2)}


def test_trailing_days_are_whole_local_days_including_today():
    start, end = trailing_days(30, "Asia/Tokyo", datetime(2026, 3, 31, 16, 0, tzinfo=UTC))  # Apr 1 01:00 in Tokyo
    assert start == datetime(2026, 3, 2, 15, tzinfo=UTC)  # Mar 3 00:00 Tokyo
    assert end == datetime(2026, 4, 1, 15, tzinfo=UTC)  # Apr 2 00:00 Tokyo


def all_answers(store):
    return {slug: series(store, slug, group_by="region" if slug in ("sum_m", "count_m", "unique_m") else None).values.tolist()
            for slug in ("sum_m", "count_m", "max_m", "latest_m", "unique_m")}


def test_compaction_and_clustering_change_no_answer(filled):
    from data.cluster import cluster, compact_tail, tail_rows

    # a second batch lands after the first as its own run: the unsorted tail
    ingest_events(filled, events([("a", datetime(2026, 3, 1, 14, 50), {"v": "10", "region": "eu", "user": "u3"})]).assign(id="late"))
    before = all_answers(filled)
    assert tail_rows(filled) > 0
    assert compact_tail(filled) > 0 and tail_rows(filled) == 0
    assert all_answers(filled) == before
    cluster(filled)
    assert all_answers(filled) == before
    order = filled.cursor().execute("SELECT customer_id, type, time FROM events").fetchall()
    assert order == sorted(order)  # one run in (customer, type, time) order after clustering


def test_days_in_a_half_hour_zone_follow_its_offset(filled):
    got = series(filled, "count_m", tz="Asia/Kolkata", window_size="day", start=T0 - timedelta(hours=6))
    assert [(w.strftime("%m-%d"), v) for w, v in zip(got.window_start, got.value)] == [("03-01", 1), ("03-02", 2)]


def test_a_daylight_saving_change_inside_the_window_moves_later_events_by_its_hour(store):
    upsert_customers(store, [Customer("ny", "NY", "USD", "America/New_York", "en_US")])
    upsert_metrics(store, METRICS)
    # 04:30 UTC is 00:30 EDT on Oct 31, but 23:30 EST on Nov 1 once clocks went back (Nov 1, 06:00 UTC).
    ingest_events(store, events([("ny", datetime(2026, 10, 31, 4, 30), {}), ("ny", datetime(2026, 11, 2, 4, 30), {})]))
    start, end = datetime(2026, 10, 30, 4, tzinfo=UTC), datetime(2026, 11, 4, 5, tzinfo=UTC)
    got = usage_series(store, metric=get_metric(store, "count_m"), customer_id="ny", start=start, end=end, tz="America/New_York")
    assert [w.strftime("%m-%d") for w in got.window_start] == ["10-31", "11-01"]


def test_the_hour_a_clock_change_repeats_is_two_windows_of_an_hour_each(store):
    upsert_customers(store, [Customer("ny", "NY", "USD", "America/New_York", "en_US")])
    upsert_metrics(store, METRICS)
    # Nov 1, 2026: 01:00-02:00 happens in EDT (05:00-06:00 UTC), then again in EST (06:00-07:00 UTC).
    ingest_events(store, events([("ny", datetime(2026, 11, 1, 5, 30), {}), ("ny", datetime(2026, 11, 1, 6, 30), {})]))
    got = usage_series(store, metric=get_metric(store, "count_m"), customer_id="ny", start=datetime(2026, 11, 1, 4, tzinfo=UTC),
                       end=datetime(2026, 11, 1, 8, tzinfo=UTC), tz="America/New_York", window_size="hour")  # fmt: skip
    assert [(s.isoformat(), e.isoformat(), v) for s, e, v in zip(got.window_start, got.window_end, got.value)] == [
        ("2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", 1),
        ("2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00", 1)]  # fmt: skip


def test_fixed_offset_is_found_only_where_no_clock_change_falls(store):
    assert fixed_offset_minutes(store, "Asia/Kolkata", T0, T1) == 330
    assert fixed_offset_minutes(store, "America/New_York", datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 2, 5, tzinfo=UTC)) == -300
    assert fixed_offset_minutes(store, "America/New_York", datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)) is None


@pytest.mark.parametrize("tz", ["Africa/Casablanca", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "Europe/Berlin"])
def test_days_agree_with_converting_each_event_in_duckdb(store, tz):
    """The fixed-offset shortcut and DuckDB's own conversion put every event on the same day
    (both use DuckDB's zone data; Python's disagrees for Casablanca)."""
    upsert_customers(store, [Customer("z", "Z", "USD", tz, "en_US")])
    upsert_metrics(store, METRICS)
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    times = [start + timedelta(hours=h, minutes=m) for h in range(0, 24 * 30, 7) for m in (0, 29, 44)]
    ingest_events(store, events([("z", t.replace(tzinfo=None), {}) for t in times]))
    got = usage_series(store, metric=get_metric(store, "count_m"), customer_id="z", start=start, end=end, tz=tz)
    expected = store.cursor().execute(
        """SELECT date_trunc('day', timezone(?, timezone('UTC', time))) AS d, count(*) FROM events
           WHERE customer_id = 'z' GROUP BY d ORDER BY d""", [tz]).fetchall()
    assert [(w.date(), v) for w, v in zip(got.window_start, got.value)] == [(d.date(), n) for d, n in expected]


@pytest.mark.parametrize("order", [("x", "y"), ("y", "x")])
def test_latest_of_events_at_the_same_instant_is_the_greatest_source_and_id(store, order):
    from data.cluster import cluster

    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US")])
    upsert_metrics(store, METRICS)
    values = {"x": "5", "y": "3"}
    at = datetime(2026, 3, 1, 12)
    for event_id in order:  # two ingests: two runs, in either order
        ingest_events(store, events([("a", at, {"v": values[event_id]})]).assign(id=event_id))

    def answers():
        kw = {"customer_id": "a", "start": T0, "end": T1, "tz": "UTC"}
        totals = usage_totals(store, metrics=[get_metric(store, "latest_m")], **kw)
        return (list(series(store, "latest_m", tz="UTC", window_size="none").value), list(totals.value))

    assert answers() == ([Decimal(3)], [Decimal(3)])  # "y" > "x"
    cluster(store)
    assert answers() == ([Decimal(3)], [Decimal(3)])


def test_a_series_is_in_window_order_and_within_a_window_events_lacking_the_group_come_first(store):
    upsert_customers(store, [Customer("a", "A", "USD", "Asia/Tokyo", "en_US")])
    upsert_metrics(store, METRICS)
    ingest_events(store, events([
        ("a", datetime(2026, 3, 2, 1, 0), {"v": "1", "region": "us"}),
        ("a", datetime(2026, 3, 2, 2, 0), {"v": "2"}),
        ("a", datetime(2026, 3, 1, 3, 0), {"v": "3", "region": "eu"}),
        ("a", datetime(2026, 3, 2, 3, 0), {"v": "4", "region": "eu"}),
        ("a", datetime(2026, 3, 1, 4, 0), {"v": "5"}),
    ]))  # fmt: skip
    got = series(store, "sum_m", group_by="region")
    assert [(w.day, g, v) for w, g, v in zip(got.window_start, got.group, got.value)] == [
        (1, None, Decimal(5)), (1, "eu", Decimal(3)), (2, None, Decimal(2)), (2, "eu", Decimal(4)), (2, "us", Decimal(1))]
