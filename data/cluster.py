"""Clustering: keep one customer's reads cheap whatever the store holds.

DuckDB keeps min/max per row group (zonemaps); when events are ordered by customer, a
filter on one customer skips every row group of the others. Every ingest appends its
batch as one run sorted by (customer, type, time), so a customer's rows sit in one row
group of each run; many small runs (HTTP batches) add up, and this module bounds them.

- `compact_tail` rewrites the rows the API appended since the last compaction (batch_id > 0)
  as one sorted run: cost follows the tail, not the store. The server runs it in the
  background once the tail passes `EMBEDASH_COMPACT_ROWS` rows. A loaded file is one large
  sorted run already and goes in as batch 0.
- `cluster` rewrites the whole table in order: cost follows the store. `seed-demo` runs
  it; `embedash cluster` runs it by hand (a store fed through many loads or a long-running
  API should run it now and then, e.g. nightly). It also moves into their typed columns the
  properties stored before a metric first read them (data.columns). DuckDB keeps the freed
  blocks for reuse rather than shrinking the file, so right after a cluster the file holds
  about twice the data.
"""
from __future__ import annotations

from data.columns import mark_complete, read_columns, settled
from data.store import Store, one

_ORDER = "ORDER BY customer_id, type, time"


def tail_rows(store: Store) -> int:
    """Events appended since the last compaction."""
    return one(store.cursor(), "SELECT count(*) FROM events WHERE batch_id > 0")[0]


def _rewrite(store: Store, where: str, *, settle: bool = False) -> int:
    # The same events in another order: no answer changes, so no memo is forgotten, unless
    # settling moves properties into columns and marks them complete, which changes how reads
    # are written: then every memo goes.
    with store.transaction(events_only=not settle, customers=()) as cur:
        (rows,) = one(cur, f"SELECT count(*) FROM events WHERE {where}")
        if rows:
            select, params = settled(read_columns(cur), where) if settle else (f"SELECT * FROM events WHERE {where}", {})
            cur.execute(f"CREATE TEMP TABLE clustered AS SELECT * REPLACE (0 AS batch_id) FROM ({select}) {_ORDER}", params)
            cur.execute(f"DELETE FROM events WHERE {where}")
            cur.execute("INSERT INTO events BY NAME SELECT * FROM clustered")
            cur.execute("DROP TABLE clustered")
        if settle:
            mark_complete(cur)
    return rows


def compact_tail(store: Store) -> int:
    """Rewrite the unsorted tail as one sorted run; returns how many events it held."""
    return _rewrite(store, "batch_id > 0")


def cluster(store: Store) -> None:
    """Rewrite all events in customer order, in one transaction, and reclaim the space;
    properties a column was added for after their events arrived move into it (data.columns)."""
    _rewrite(store, "true", settle=True)
    store.cursor().execute("CHECKPOINT")
