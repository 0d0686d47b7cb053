"""Billable metrics: which events count, how they aggregate, which properties group them."""
from __future__ import annotations

from collections.abc import Iterable

from data.columns import add_columns
from data.models import BillableMetric
from data.store import Store

_COLUMNS = "slug, name, unit, event_type, aggregation, value_property, group_keys"


def _metric(row: tuple) -> BillableMetric:
    *head, group_keys = row
    return BillableMetric(*head, group_keys=tuple(group_keys))


def upsert_metrics(store: Store, metrics: Iterable[BillableMetric]) -> None:
    """Create or replace metrics. Reads aggregate the stored events under the metric as it
    is now, so a metric defined (or changed) after its events arrived shows them. A property
    no metric read before gets its typed column (data.columns) in the same transaction."""
    metrics = list(metrics)
    with store.transaction() as cur:
        cur.executemany(
            f"""INSERT OR REPLACE INTO billable_metrics ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                [m.slug, m.name, m.unit, m.event_type, m.aggregation, m.value_property, list(m.group_keys)]
                for m in metrics
            ],
        )
        add_columns(cur)


def list_metrics(store: Store) -> list[BillableMetric]:
    def read() -> tuple[BillableMetric, ...]:
        rows = store.cursor().execute(f"SELECT {_COLUMNS} FROM billable_metrics ORDER BY name, slug").fetchall()
        return tuple(_metric(r) for r in rows)

    return list(store.memo("metrics", read))


def get_metric(store: Store, slug: str) -> BillableMetric | None:
    return next((m for m in list_metrics(store) if m.slug == slug), None)
