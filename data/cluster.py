"""Re-clustering: rewrite events and rollup ordered by (customer, time).

DuckDB keeps min/max per row group (zonemaps); when a table is ordered by customer, a
filter on one customer skips every row group of the others, so one customer's query
reads a few row groups whatever the store holds. Ingest appends in arrival order, which
spreads a customer across the tail; `cluster` folds the tail back in. `seed-demo` runs it
after seeding; a store fed continuously should run it periodically (`embedash cluster`).
"""
from __future__ import annotations

from data.store import Store

_ORDER = {
    "events": "customer_id, type, time",
    "usage_rollup": "customer_id, metric, bucket, group_key",
}


def cluster(store: Store) -> None:
    """Rewrite each table in customer order, in place, in one transaction."""
    with store.transaction() as cur:
        for table, order in _ORDER.items():
            cur.execute(f"CREATE TEMP TABLE clustered AS SELECT * FROM {table} ORDER BY {order}")
            cur.execute(f"DELETE FROM {table}")
            cur.execute(f"INSERT INTO {table} SELECT * FROM clustered")
            cur.execute("DROP TABLE clustered")
    store.cursor().execute("CHECKPOINT")
