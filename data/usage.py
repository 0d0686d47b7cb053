"""Usage over time for one customer: pure functions over the store, returning DataFrames.

SUM, COUNT, MAX and LATEST read the quarter-hour rollup; UNIQUE_COUNT counts distinct
values in that customer's raw events, because distinct counts do not add up across
buckets. Either way the query filters on customer_id first, and the tables are kept
clustered by customer (data.cluster), so the cost follows one customer's rows, not the store.

Windows are days or hours in the zone asked for (a day in Asia/Tokyo starts at 15:00 UTC),
and `start`/`end` must fall on quarter hours so every window is an exact union of buckets.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from data.models import BillableMetric
from data.schema import BUCKET_MINUTES
from data.store import Store, frame

WINDOW_SIZES = ("hour", "day", "none")
SERIES_COLUMNS = ["window_start", "window_end", "group", "value"]

_ROLLUP_AGGREGATE = {
    "SUM": "sum(value_sum)",
    "COUNT": "sum(event_count)",
    "MAX": "max(value_max)",
    "LATEST": "arg_max(last_value, last_time)",
}


def is_bucket_aligned(instant: datetime) -> bool:
    return instant.second == 0 and instant.microsecond == 0 and instant.minute % BUCKET_MINUTES == 0


def trailing_days(days: int, tz: str, now: datetime) -> tuple[datetime, datetime]:
    """The last `days` whole local days, today included, as UTC instants [start, end)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    return _local_midnight(today - timedelta(days=days - 1), zone), _local_midnight(
        today + timedelta(days=1), zone
    )


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _naive_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(UTC).replace(tzinfo=None)


def usage_series(
    store: Store,
    *,
    customer_id: str,
    metric: BillableMetric,
    start: datetime,
    end: datetime,
    tz: str,
    window_size: str = "day",
    group_by: str | None = None,
) -> pd.DataFrame:
    """Usage of one metric per window (and group value): columns SERIES_COLUMNS.

    `window_start`/`window_end` are aware datetimes in `tz`; `group` is the value of
    `group_by` (None when not grouped or when an event lacked it); `value` is a Decimal.
    Raises ValueError for a window size, group key or unaligned bound the metric cannot answer.
    """
    if window_size not in WINDOW_SIZES:
        raise ValueError(f"window_size must be one of {WINDOW_SIZES}")
    if group_by is not None and group_by not in metric.group_keys:
        raise ValueError(f"{metric.slug} has no group key {group_by!r}")
    if not (is_bucket_aligned(start) and is_bucket_aligned(end)):
        raise ValueError(f"start and end must fall on {BUCKET_MINUTES}-minute boundaries")
    zone = ZoneInfo(tz)

    if metric.aggregation == "UNIQUE_COUNT":
        table, time_col = "events", "time"
        group_sql = "json_extract_string(properties, '$.' || ?)"
        value_sql = "count(DISTINCT json_extract_string(properties, '$.' || ?))"
        value_params = [metric.value_property]
        where_sql = "customer_id = ? AND type = ? AND time >= ? AND time < ?"
        where_params = [customer_id, metric.event_type]
    else:
        table, time_col = "usage_rollup", "bucket"
        group_sql = "groups[?]"
        value_sql = _ROLLUP_AGGREGATE[metric.aggregation]
        value_params = []
        where_sql = "customer_id = ? AND metric = ? AND bucket >= ? AND bucket < ?"
        where_params = [customer_id, metric.slug]

    local = f"timezone(?, timezone('UTC', {time_col}))"
    if window_size == "day":
        window_sql, window_params = f"date_trunc('day', {local})", [tz]
    elif window_size == "hour":
        # The local hour plus the offset in force, so the repeated hour of a DST change stays two windows.
        window_sql = f"date_trunc('hour', {local}) - ({local} - {time_col})"
        window_params = [tz, tz]
    else:
        window_sql, window_params = "NULL", []
    if group_by is None:
        group_sql, group_params = "NULL", []
    else:
        group_params = [group_by]

    sql = f"""
        SELECT {window_sql} AS w, {group_sql} AS grp, {value_sql} AS value
        FROM {table} WHERE {where_sql}
        GROUP BY ALL HAVING count(*) > 0 ORDER BY w NULLS FIRST, grp NULLS FIRST"""
    params = [*window_params, *group_params, *value_params, *where_params, _naive_utc(start), _naive_utc(end)]
    rows = store.cursor().execute(sql, params).fetchall()

    out = []
    for w, grp, value in rows:
        if window_size == "day":
            w_start = datetime(w.year, w.month, w.day, tzinfo=zone)
            w_end = datetime.combine(w.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        elif window_size == "hour":
            w_start = w.replace(tzinfo=UTC).astimezone(zone)  # w is the window's UTC start
            w_end = w_start + timedelta(hours=1)
        else:
            w_start, w_end = start.astimezone(zone), end.astimezone(zone)
        w_start = max(w_start, start.astimezone(zone))
        w_end = min(w_end, end.astimezone(zone))
        out.append((w_start, w_end, grp, Decimal(value) if value is not None else None))
    return frame(out, SERIES_COLUMNS)


def usage_totals(
    store: Store,
    *,
    customer_id: str,
    metrics: list[BillableMetric],
    start: datetime,
    end: datetime,
    tz: str,
) -> pd.DataFrame:
    """One row per metric: metric, name, unit, aggregation, value (Decimal; 0 when no usage).

    Every rollup-backed metric is answered by one query; each UNIQUE_COUNT metric by its own."""
    from_rollup = [m.slug for m in metrics if m.aggregation != "UNIQUE_COUNT"]
    by_metric: dict[str, tuple] = {}
    if from_rollup:
        rows = store.cursor().execute(
            """SELECT metric, sum(value_sum), sum(event_count), max(value_max), arg_max(last_value, last_time)
               FROM usage_rollup WHERE customer_id = ? AND list_contains(?, metric) AND bucket >= ? AND bucket < ?
               GROUP BY metric""",
            [customer_id, from_rollup, _naive_utc(start), _naive_utc(end)],
        ).fetchall()
        by_metric = {r[0]: r[1:] for r in rows}
    pick = {"SUM": 0, "COUNT": 1, "MAX": 2, "LATEST": 3}
    out = []
    for m in metrics:
        if m.aggregation == "UNIQUE_COUNT":
            series = usage_series(store, customer_id=customer_id, metric=m, start=start, end=end, tz=tz, window_size="none")
            value = series["value"].iloc[0] if len(series) else None
        else:
            value = by_metric.get(m.slug, (None,) * 4)[pick[m.aggregation]]
        out.append((m.slug, m.name, m.unit, m.aggregation, Decimal(0) if value is None else Decimal(value)))
    return frame(out, ["metric", "name", "unit", "aggregation", "value"])
