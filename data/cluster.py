"""Compaction and clustering: keep one customer's reads cheap whatever the store holds.

DuckDB keeps min/max per row group (zonemaps); when a table is ordered by customer, a
filter on one customer skips every row group of the others. Ingest appends in arrival
order, so new rows form an unsorted tail that every query has to scan.

- `compact_tail` merges the rollup rows appended since the last compaction and writes them
  back sorted by customer: cost follows the tail, not the store. The server runs it in the
  background once the tail passes a threshold (`EMBEDASH_COMPACT_ROWS`).
- `cluster` rewrites events and the whole rollup in customer order, merging every key into
  one row: cost follows the store. `seed-demo` and `load` run it; `embedash cluster` runs it
  by hand (a store fed only through the API should run it now and then, e.g. nightly).
"""
from __future__ import annotations

from data.store import Store, one

_KEY = "customer_id, metric, bucket, group_key"
_MERGED = f"""
    SELECT {_KEY}, any_value(groups) AS groups, sum(event_count) AS event_count, sum(value_sum) AS value_sum,
           max(value_max) AS value_max, max(last_time) AS last_time, arg_max(last_value, last_time) AS last_value,
           CAST(0 AS BIGINT) AS batch_id
    FROM usage_rollup WHERE {{where}} GROUP BY {_KEY} ORDER BY {_KEY}
"""


def tail_rows(store: Store) -> int:
    """Rollup rows appended since the last compaction."""
    return one(store.cursor(), "SELECT count(*) FROM usage_rollup WHERE batch_id > 0")[0]


def compact_tail(store: Store) -> int:
    """Merge and sort the rollup's unsorted tail; returns how many rows it held."""
    with store.transaction() as cur:
        (rows,) = one(cur, "SELECT count(*) FROM usage_rollup WHERE batch_id > 0")
        if rows:
            cur.execute("CREATE TEMP TABLE compacted AS " + _MERGED.format(where="batch_id > 0"))
            cur.execute("DELETE FROM usage_rollup WHERE batch_id > 0")
            cur.execute("INSERT INTO usage_rollup SELECT * FROM compacted")
            cur.execute("DROP TABLE compacted")
    return rows


def cluster(store: Store) -> None:
    """Rewrite events and the rollup in customer order, in one transaction."""
    with store.transaction() as cur:
        cur.execute("CREATE TEMP TABLE clustered AS SELECT * FROM events ORDER BY customer_id, type, time")
        cur.execute("DELETE FROM events")
        cur.execute("INSERT INTO events SELECT * FROM clustered")
        cur.execute("DROP TABLE clustered")
        cur.execute("CREATE TEMP TABLE clustered AS " + _MERGED.format(where="true"))
        cur.execute("DELETE FROM usage_rollup")
        cur.execute("INSERT INTO usage_rollup SELECT * FROM clustered")
        cur.execute("DROP TABLE clustered")
    store.cursor().execute("CHECKPOINT")
