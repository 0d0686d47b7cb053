"""The usage rollup: per customer, metric, quarter-hour bucket and group values.

It is kept current inside the same transaction as the events it summarises, so a read
after an ingest has answered sees them. SUM, COUNT, MAX and LATEST are answered from it
(LATEST keeps the newest value and its time per bucket). UNIQUE_COUNT cannot be: distinct
values do not add up across buckets, so it is counted from the raw events of one customer
(see data.usage).

Append-only: each ingest appends the summary of its own events (tagged with its batch_id),
so one key may have several rows until `data.cluster` merges them; every read aggregates
over rows anyway, and each kept aggregate re-aggregates exactly.
"""
from __future__ import annotations

import duckdb

from data.schema import BUCKET_MINUTES

# Rows of events joined to the metrics they feed, summarised per rollup key.
# Events joined to the metrics they feed, summarised per rollup key. Grouping on the string
# key (not on the MAP of group values) is what keeps this cheap.
_SUMMARY = f"""
    SELECT customer_id, metric, bucket, group_key, any_value(groups) AS groups, count(*) AS event_count,
           sum(value) AS value_sum, max(value) AS value_max, max(time) AS last_time,
           arg_max(value, time) AS last_value, {{batch}} AS batch_id
    FROM (
        SELECT e.customer_id, m.slug AS metric, e.time, e.batch_id,
               time_bucket(INTERVAL {BUCKET_MINUTES} MINUTE, e.time) AS bucket,
               TRY_CAST(json_extract_string(e.properties, '$.' || m.value_property) AS DECIMAL(38, 9)) AS value,
               map(m.group_keys, list_transform(m.group_keys,
                   lambda k: json_extract_string(e.properties, '$.' || k))) AS groups,
               CAST(to_json(groups) AS VARCHAR) AS group_key
        FROM events e JOIN billable_metrics m ON m.event_type = e.type
        WHERE {{where}}
    )
    GROUP BY customer_id, metric, bucket, group_key
"""


def add_batch_to_rollup(cur: duckdb.DuckDBPyConnection, *, batch_id: int) -> None:
    """Fold the events of one ingest batch into the rollup (call inside its transaction)."""
    cur.execute("INSERT INTO usage_rollup " + _SUMMARY.format(where="e.batch_id = ?", batch="any_value(batch_id)"), [batch_id])


def rebuild_rollup(cur: duckdb.DuckDBPyConnection, *, metric: str) -> None:
    """Recompute one metric's rollup from all stored events (after the metric changed)."""
    cur.execute("DELETE FROM usage_rollup WHERE metric = ?", [metric])
    cur.execute("INSERT INTO usage_rollup " + _SUMMARY.format(where="m.slug = ?", batch="CAST(0 AS BIGINT)") + " ORDER BY 1, 2, 3, 4",
                [metric])
