"""Ingest: events go in once per customer and (source, id), in one transaction a batch.

A re-sent event is a no-op. It is found by an anti-join against the stored events of the
batch's own customers: the table is kept in customer order (data.cluster), so the join
reads those customers' row groups, not the store. (source, id) is therefore unique per
customer; the same pair sent for two customers is two events.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from data.store import Store, one

EVENT_COLUMNS = ["source", "id", "customer_id", "type", "time", "properties"]


@dataclass(frozen=True)
class IngestResult:
    received: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted


def insert_new_events(cur: duckdb.DuckDBPyConnection, relation: str, *, order: str, tail: bool = True) -> int:
    """Append the rows of `relation` (EVENT_COLUMNS, `time` naive UTC, `properties` JSON text)
    that are not stored yet, the first of each repeat within it by `order`; returns how many.

    The batch goes in as one run sorted like the clustered table. With `tail` (API batches,
    small runs) it gets a fresh batch_id, so compaction merges it with the other small runs;
    without (a loaded file, one large run) batch_id 0: it is left as it is.
    Call inside a transaction."""
    (batch_id,) = one(cur, "SELECT nextval('ingest_batches')") if tail else (0,)
    (low, high, repeats) = one(cur, f"""SELECT min(customer_id), max(customer_id),
                                              count(*) - count(DISTINCT (customer_id, source, id)) FROM {relation}""")
    if low is None:
        return 0
    first_of_each = f"QUALIFY row_number() OVER (PARTITION BY customer_id, source, id ORDER BY {order}) = 1" if repeats else ""
    (inserted,) = one(
        cur,
        f"""INSERT INTO events (customer_id, type, time, source, id, properties, batch_id)
            SELECT customer_id, type, time, source, id, CAST(CAST(coalesce(properties, '{{}}') AS JSON) AS VARIANT), ?
            FROM (
                SELECT * FROM {relation} i
                WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id BETWEEN ? AND ?
                                  AND e.customer_id = i.customer_id AND e.source = i.source AND e.id = i.id)
                {first_of_each}
            )
            ORDER BY customer_id, type, time""",
        [batch_id, low, high],
    )
    return inserted


def ingest_events(store: Store, events: pd.DataFrame) -> IngestResult:
    """Write validated events (columns EVENT_COLUMNS; `time` naive UTC, `properties` JSON text):
    all of the batch or none of it. A repeat, stored or within the batch, is skipped: the first wins."""
    events = events[EVENT_COLUMNS].reset_index(drop=True)
    events["ord"] = range(len(events))
    with store.transaction() as cur:
        cur.register("incoming", events)
        try:
            inserted = insert_new_events(cur, "(SELECT * REPLACE (CAST(time AS TIMESTAMP) AS time) FROM incoming)", order="ord")
        finally:
            cur.unregister("incoming")
    return IngestResult(received=len(events), inserted=inserted)


def count_events(store: Store, *, customer_id: str | None = None) -> int:
    if customer_id is None:
        return one(store.cursor(), "SELECT count(*) FROM events")[0]
    return one(store.cursor(), "SELECT count(*) FROM events WHERE customer_id = ?", [customer_id])[0]
