"""Deterministic, realistic demo data: customers in several zones and currencies, five
billable metrics with group keys, and events with a weekday rhythm, growth and spikes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from data.cluster import cluster
from data.customers import upsert_customers
from data.events import ingest_events
from data.metrics import upsert_metrics
from data.models import BillableMetric, Customer
from data.store import Store

CUSTOMERS = [
    Customer("acme-corp", "Acme Corp", "USD", "America/New_York", "en_US"),
    Customer("globex", "Globex GmbH", "EUR", "Europe/Berlin", "de_DE"),
    Customer("initech", "Initech KK", "JPY", "Asia/Tokyo", "ja_JP"),
    Customer("umbrella", "Umbrella Ltd", "GBP", "Europe/London", "en_GB"),
    Customer("hooli-india", "Hooli India", "INR", "Asia/Kolkata", "en_IN"),
    Customer("soylent", "Soylent Pty", "AUD", "Australia/Sydney", "en_AU"),
    Customer("stark", "Stark Industries", "USD", "America/Los_Angeles", "en_US"),
    Customer("wayne", "Wayne Enterprises", "USD", "America/Chicago", "en_US"),
]

METRICS = [
    BillableMetric("api_requests", "API requests", "requests", "api_request", "COUNT", None, ("region", "endpoint")),
    BillableMetric("llm_tokens", "LLM tokens", "tokens", "llm_completion", "SUM", "tokens", ("model", "region")),
    BillableMetric("compute_hours", "Compute", "hours", "compute_usage", "SUM", "hours", ("region", "instance_type")),
    BillableMetric("storage_gb", "Storage", "GB", "storage_snapshot", "LATEST", "gb", ("region",)),
    BillableMetric("active_users", "Active users", "users", "user_login", "UNIQUE_COUNT", "user_id", ("region",)),
]

_TYPES = np.array(["api_request", "llm_completion", "compute_usage", "storage_snapshot", "user_login"])
_TYPE_SHARE = np.array([0.45, 0.30, 0.15, 0.03, 0.07])
_REGIONS = np.array(["us-east", "eu-west", "ap-northeast"])
_ENDPOINTS = np.array(["/v1/search", "/v1/chat", "/v1/embed"])
_MODELS = np.array(["atlas-large", "atlas-small", "embed-v2"])
_INSTANCES = np.array(["cpu.small", "cpu.large", "gpu.a10"])


def demo_customers(n: int) -> list[Customer]:
    extra = [
        Customer(f"customer-{i:03d}", f"Customer {i:03d}", "USD", "UTC", "en_US")
        for i in range(len(CUSTOMERS) + 1, n + 1)
    ]
    return (CUSTOMERS + extra)[:n]


def demo_events(customers: list[Customer], *, days: int, events: int, seed: int, now: datetime) -> pd.DataFrame:
    """`events` events over the last `days` UTC days, spread by customer size and day shape."""
    rng = np.random.default_rng(seed)
    first_day = (now.astimezone(UTC) - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day_starts = np.array([first_day + timedelta(days=d) for d in range(days)])
    weekday = np.array([d.weekday() for d in day_starts])
    shape = np.where(weekday >= 5, 0.45, 1.0) * np.linspace(0.7, 1.3, days)  # weekends quieter, growth
    shape = shape * np.where(rng.random(days) < 0.05, 3.0, 1.0)  # occasional spikes
    size = rng.lognormal(mean=0.0, sigma=1.0, size=len(customers))  # a few large, many small
    cell = np.outer(size, shape).ravel()
    counts = rng.multinomial(events, cell / cell.sum())
    cust_idx, day_idx = np.divmod(np.repeat(np.arange(cell.size), counts), days)

    n = int(counts.sum())
    seconds = rng.integers(0, 86_400, size=n)
    times = pd.to_datetime([day_starts[d] for d in day_idx]).tz_convert(None) + pd.to_timedelta(seconds, unit="s")
    kinds = _TYPES[rng.choice(len(_TYPES), size=n, p=_TYPE_SHARE)]
    region = _REGIONS[rng.choice(3, size=n, p=[0.5, 0.3, 0.2])]
    frame = pd.DataFrame(
        {
            "customer_id": np.array([c.id for c in customers])[cust_idx],
            "type": kinds,
            "time": times,
            "region": region,
            "endpoint": _ENDPOINTS[rng.choice(3, size=n, p=[0.5, 0.35, 0.15])],
            "model": _MODELS[rng.choice(3, size=n, p=[0.3, 0.5, 0.2])],
            "tokens": rng.lognormal(6.5, 0.8, size=n).astype(int) + 1,
            "instance_type": _INSTANCES[rng.choice(3, size=n, p=[0.6, 0.3, 0.1])],
            "hours": rng.integers(1, 16, size=n) * 0.25,
            "gb": (50 + 5 * day_idx + rng.integers(0, 20, size=n)).astype(int),
            "user_id": rng.integers(1, 200, size=n),
        }
    ).sort_values("time", kind="stable")
    frame["id"] = [f"demo-{seed}-{i}" for i in range(n)]
    frame["source"] = "demo"
    frame["properties"] = _properties(frame)
    return frame[["source", "id", "customer_id", "type", "time", "properties"]]


def _properties(f: pd.DataFrame) -> list[str]:
    import duckdb

    return (
        duckdb.connect()
        .execute(
            """SELECT CAST(CASE type
                 WHEN 'api_request' THEN to_json({'region': region, 'endpoint': endpoint})
                 WHEN 'llm_completion' THEN to_json({'model': model, 'region': region, 'tokens': tokens})
                 WHEN 'compute_usage' THEN to_json({'region': region, 'instance_type': instance_type, 'hours': hours::DECIMAL(8,2)})
                 WHEN 'storage_snapshot' THEN to_json({'region': region, 'gb': gb})
                 ELSE to_json({'region': region, 'user_id': 'user-' || user_id}) END AS VARCHAR)
               FROM f""",
        )
        .df()
        .iloc[:, 0]
        .tolist()
    )


def seed_demo(store: Store, *, customers: int = 8, days: int = 90, events: int = 200_000, seed: int = 7,
              now: datetime | None = None) -> dict[str, int]:
    """Fill an empty store with demo data; returns counts of what was written."""
    now = now or datetime.now(UTC)
    people = demo_customers(customers)
    upsert_customers(store, people)
    upsert_metrics(store, METRICS)
    result = ingest_events(store, demo_events(people, days=days, events=events, seed=seed, now=now))
    cluster(store)
    return {"customers": len(people), "metrics": len(METRICS), "events": result.inserted}
