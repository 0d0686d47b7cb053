"""Time zones: Python's and DuckDB's are one database, and windows are cut as instants."""
from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from conftest import AUTH, cloud_event

CALLS = {"slug": "calls", "name": "Calls", "unit": "calls", "event_type": "call", "aggregation": "COUNT"}
PRICE = {"metric": "calls", "currency": "USD", "effective_from": "2020-01-01T00:00:00Z", "unit_price": "1"}


def test_python_reads_the_same_offsets_as_duckdb_for_every_zone_both_know():
    """Every six hours of 2025-2027: DuckDB buckets events into local days with its own zone
    data, Python cuts the windows and dates them; a zone they disagree on loses events."""
    con = duckdb.connect()
    start, steps = datetime(2025, 1, 1), 4 * 365 * 3
    con.execute("CREATE TABLE t AS SELECT CAST(? AS TIMESTAMP) + to_hours(6 * i) AS t FROM range(?) r(i)", [start, steps])
    both = sorted(zoneinfo.available_timezones() & {z for (z,) in con.execute("SELECT name FROM pg_timezone_names()").fetchall()})
    instants = [(start + timedelta(hours=6 * i)).replace(tzinfo=UTC) for i in range(steps)]
    differ = []
    for zone in both:
        theirs = [o for (o,) in con.execute("SELECT CAST(epoch(timezone(?, timezone('UTC', t)) - t) AS BIGINT) FROM t", [zone]).fetchall()]
        tz = zoneinfo.ZoneInfo(zone)
        ours = [int(i.astimezone(tz).utcoffset().total_seconds()) for i in instants]
        if ours != theirs:
            differ.append(zone)
    assert len(both) > 500 and differ == []


def setup(client, customer: str, tz: str, *events):
    assert client.post("/v1/customers", headers=AUTH, json={"id": customer, "timezone": tz}).status_code == 200
    assert client.post("/v1/billable-metrics", headers=AUTH, json=CALLS).status_code == 200
    assert client.post("/v1/prices", headers=AUTH, json=PRICE).status_code == 200
    sent = [cloud_event(i, customer, "call", at) for i, at in enumerate(events)]
    assert client.post("/v1/events", headers=AUTH, json=sent).status_code == 200


def usage(client, customer: str, **query) -> list[tuple[str, str, str]]:
    r = client.get(f"/v1/customers/{customer}/usage", headers=AUTH, query_string={"metric": "calls", **query})
    assert r.status_code == 200, r.json
    return [(d["window_start"], d["window_end"], d["value"]) for d in r.json["data"]]


def test_an_event_in_vancouver_counts_in_the_day_that_holds_it_in_quantity_and_spend(client):
    # 07:30 UTC on Dec 2 is 00:30 there at -07:00 (British Columbia keeps summer time from
    # November 2026); the machine's older zone data had -08:00, so the day read Dec 1.
    setup(client, "v", "America/Vancouver", datetime(2026, 12, 2, 7, 30, tzinfo=UTC))
    span = {"from": "2026-11-30T07:00:00Z", "to": "2026-12-04T07:00:00Z"}
    window = [("2026-12-02T00:00:00-07:00", "2026-12-03T00:00:00-07:00", "1")]
    assert usage(client, "v", **span) == window
    assert usage(client, "v", value="spend", **span) == window


@pytest.mark.parametrize("value", ["quantity", "spend"])
def test_hours_after_a_clock_goes_back_start_where_they_start(client, value):
    # New York, 2025-11-02: 01:00-01:59 EDT, then 01:00-01:59 EST; `from` is 01:30 EDT.
    setup(client, "ny", "America/New_York", datetime(2025, 11, 2, 5, 50, tzinfo=UTC), datetime(2025, 11, 2, 6, 20, tzinfo=UTC))
    rows = usage(client, "ny", window_size="hour", value=value, **{"from": "2025-11-02T05:30:00Z", "to": "2025-11-02T08:00:00Z"})
    assert rows == [("2025-11-02T01:30:00-04:00", "2025-11-02T01:00:00-05:00", "1"),
                    ("2025-11-02T01:00:00-05:00", "2025-11-02T02:00:00-05:00", "1")]


def test_an_hour_before_a_clock_goes_back_ends_at_the_ranges_end(client):
    setup(client, "ny", "America/New_York", datetime(2025, 11, 2, 5, 5, tzinfo=UTC))
    rows = usage(client, "ny", window_size="hour", **{"from": "2025-11-02T04:00:00Z", "to": "2025-11-02T05:15:00Z"})
    assert rows == [("2025-11-02T01:00:00-04:00", "2025-11-02T01:15:00-04:00", "1")]
