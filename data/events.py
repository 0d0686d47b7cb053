"""Ingest: events go in once per (source, id), and the rollup moves with them."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.rollup import add_batch_to_rollup
from data.store import Store, one

EVENT_COLUMNS = ["source", "id", "customer_id", "type", "time", "properties"]


@dataclass(frozen=True)
class IngestResult:
    received: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted


def ingest_events(store: Store, events: pd.DataFrame) -> IngestResult:
    """Write validated events (columns EVENT_COLUMNS; `time` naive UTC, `properties` JSON text).

    A (source, id) already stored, or repeated within the batch, is skipped: the first wins.
    Events and rollup change in one transaction: all of the batch or none of it.
    """
    events = events[EVENT_COLUMNS].reset_index(drop=True)
    events["ord"] = range(len(events))
    with store.transaction() as cur:
        (batch_id,) = one(cur, "SELECT nextval('ingest_batches')")
        cur.register("incoming", events)
        try:
            cur.execute(
                """INSERT OR IGNORE INTO events (source, id, customer_id, type, time, properties, batch_id)
                   SELECT source, id, customer_id, type, CAST(time AS TIMESTAMP), CAST(properties AS JSON), ?
                   FROM incoming
                   QUALIFY row_number() OVER (PARTITION BY source, id ORDER BY ord) = 1""",
                [batch_id],
            )
        finally:
            cur.unregister("incoming")
        (inserted,) = one(cur, "SELECT count(*) FROM events WHERE batch_id = ?", [batch_id])
        add_batch_to_rollup(cur, batch_id=batch_id)
    return IngestResult(received=len(events), inserted=inserted)


def count_events(store: Store, *, customer_id: str | None = None) -> int:
    if customer_id is None:
        return one(store.cursor(), "SELECT count(*) FROM events")[0]
    return one(store.cursor(), "SELECT count(*) FROM events WHERE customer_id = ?", [customer_id])[0]
