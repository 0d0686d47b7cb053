"""A seeded benchmark store: many customers with a realistic skew, 20 metrics, N events,
written as Parquet by DuckDB and loaded through `embedash load`'s own code path."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from data import Store
from data.bulk import load_events_file
from data.customers import upsert_customers
from data.metrics import upsert_metrics
from data.models import BillableMetric, Customer

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata"]


def metrics(count: int) -> list[BillableMetric]:
    out = []
    for i in range(count):
        if i % 2:
            out.append(BillableMetric(f"m{i:02d}", f"Metric {i:02d}", "units", f"type{i:02d}", "SUM", "value", ("region", "model")))
        else:
            out.append(BillableMetric(f"m{i:02d}", f"Metric {i:02d}", "calls", f"type{i:02d}", "COUNT", None, ("region", "model")))
    return out


def customers(count: int) -> list[Customer]:
    return [Customer(f"c{i:05d}", f"Customer {i:05d}", "USD", ZONES[i % len(ZONES)], "en_US") for i in range(count)]


def write_events(path: Path, *, events: int, customers: int, metrics: int, days: int, seed: int, now: datetime) -> None:
    """Events as Parquet. Customer i gets a share ~ 1/(i+1)^0.8 (a few large, a long tail)."""
    start = (now - timedelta(days=days)).replace(tzinfo=None)
    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
    con.execute(f"""COPY (
        SELECT 'bench' AS source, 'e' || i AS id,
               'c' || lpad(CAST(least({customers - 1}, floor(pow(random(), 3) * {customers})) AS BIGINT)::VARCHAR, 5, '0') AS subject,
               'type' || lpad(CAST(floor(random() * {metrics}) AS BIGINT)::VARCHAR, 2, '0') AS type,
               CAST(TIMESTAMP '{start:%Y-%m-%d %H:%M:%S}' + to_microseconds(CAST(random() * {days} * 86400e6 AS BIGINT)) AS TIMESTAMP) AS time,
               CAST(to_json({{'region': ['us-east', 'eu-west', 'ap-northeast', 'sa-east', 'af-south'][CAST(floor(random() * 5) AS INT) + 1],
                              'model': ['atlas', 'boreas', 'cirrus'][CAST(floor(random() * 3) AS INT) + 1],
                              'value': round(random() * 100, 2)}}) AS VARCHAR) AS data
        FROM range({events}) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")


def arrival_copy(db: Path) -> Path:
    """Where the events sit as they arrived: the baselines' table."""
    return db.with_suffix(".arrival.duckdb")


def engine_floor(parquet: Path, target: Path, *, clustered: bool = False) -> float:
    """Seconds DuckDB itself takes to copy the file into a table, with no checks, dedup or
    VARIANT: the baselines the load is compared with. Without `clustered`, in arrival order:
    the table it leaves (properties as JSON text) is the baseline the usage query is compared
    with. With it, sorted as a load writes its run (customer, type, time), the order the
    usage queries need; that table is not kept."""
    for stale in (target, Path(f"{target}.wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    t = time.perf_counter()
    con.execute(f"CREATE TABLE events AS SELECT * FROM read_parquet(?){' ORDER BY subject, type, time' if clustered else ''}",
                [str(parquet)])
    con.execute("CHECKPOINT")
    elapsed = time.perf_counter() - t
    con.close()
    if clustered:
        for copy in (target, Path(f"{target}.wal")):
            copy.unlink(missing_ok=True)
    return elapsed


def build(db: Path, *, events: int, customer_count: int = 10_000, metric_count: int = 20, days: int = 120,
          seed: int = 1, now: datetime | None = None) -> dict[str, float]:
    """Create the store at `db` (replacing it) with `embedash load`'s code; returns the load's
    seconds and the engine floors' (arrival order, clustered order). A load writes its file
    as one run in customer order, so a fresh store needs no clustering."""
    now = now or datetime.now(UTC)
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    parquet = db.with_suffix(".parquet")
    write_events(parquet, events=events, customers=customer_count, metrics=metric_count, days=days, seed=seed, now=now)
    store = Store(str(db))
    upsert_customers(store, customers(customer_count))
    upsert_metrics(store, metrics(metric_count))
    t0 = time.perf_counter()
    load_events_file(store, str(parquet))
    load_s = time.perf_counter() - t0
    store.cursor().execute("CHECKPOINT")
    store.close()
    floor_s = engine_floor(parquet, arrival_copy(db))
    clustered_s = engine_floor(parquet, db.with_suffix(".clustered.duckdb"), clustered=True)
    parquet.unlink()
    return {"load_s": load_s, "floor_s": floor_s, "clustered_floor_s": clustered_s}
