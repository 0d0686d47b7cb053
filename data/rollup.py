"""The usage rollup: per customer, metric, quarter-hour bucket and group values.

It is kept current inside the same transaction as the events it summarises, so a read
after an ingest has answered sees them. SUM, COUNT, MAX and LATEST are answered from it
(LATEST keeps the newest value and its time per bucket). UNIQUE_COUNT cannot be: distinct
values do not add up across buckets, so it is counted from the raw events of one customer
(see data.usage).
"""
from __future__ import annotations

import duckdb

from data.schema import BUCKET_MINUTES

# Rows of events joined to the metrics they feed, summarised per rollup key.
_SUMMARY = f"""
    SELECT e.customer_id, m.slug AS metric,
           time_bucket(INTERVAL {BUCKET_MINUTES} MINUTE, e.time) AS bucket,
           CAST(to_json(g.groups) AS VARCHAR) AS group_key,
           g.groups,
           count(*) AS event_count,
           sum(v.value) AS value_sum,
           max(v.value) AS value_max,
           max(e.time) AS last_time,
           arg_max(v.value, e.time) AS last_value
    FROM events e
    JOIN billable_metrics m ON m.event_type = e.type
    CROSS JOIN LATERAL (
        SELECT TRY_CAST(json_extract_string(e.properties, '$.' || m.value_property) AS DECIMAL(38, 9)) AS value
    ) v
    CROSS JOIN LATERAL (
        SELECT map(m.group_keys, list_transform(m.group_keys,
                   lambda k: json_extract_string(e.properties, '$.' || k))) AS groups
    ) g
    WHERE {{where}}
    GROUP BY ALL
"""

_UPSERT = """
    ON CONFLICT (customer_id, metric, bucket, group_key) DO UPDATE SET
        event_count = usage_rollup.event_count + excluded.event_count,
        value_sum = coalesce(usage_rollup.value_sum, 0) + coalesce(excluded.value_sum, 0),
        value_max = greatest(usage_rollup.value_max, excluded.value_max),
        last_value = CASE WHEN excluded.last_time >= usage_rollup.last_time
                          THEN excluded.last_value ELSE usage_rollup.last_value END,
        last_time = greatest(usage_rollup.last_time, excluded.last_time)
"""


def add_batch_to_rollup(cur: duckdb.DuckDBPyConnection, *, batch_id: int) -> None:
    """Fold the events of one ingest batch into the rollup (call inside its transaction)."""
    sql = "INSERT INTO usage_rollup " + _SUMMARY.format(where="e.batch_id = ?") + _UPSERT
    cur.execute(sql, [batch_id])


def rebuild_rollup(cur: duckdb.DuckDBPyConnection, *, metric: str) -> None:
    """Recompute one metric's rollup from all stored events (after the metric changed)."""
    cur.execute("DELETE FROM usage_rollup WHERE metric = ?", [metric])
    cur.execute("INSERT INTO usage_rollup " + _SUMMARY.format(where="m.slug = ?"), [metric])
