"""Deterministic, realistic demo data: customers in several zones and currencies, five
billable metrics with group keys, and events with a weekday rhythm, growth and spikes."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data.cluster import cluster
from data.customers import upsert_customers
from data.events import ingest_events
from data.grants import insert_grant
from data.invoices import upsert_invoices
from data.metrics import upsert_metrics
from data.models import BillableMetric, Customer, Grant, Invoice, LineItem, Price, Tier
from data.prices import upsert_prices
from data.rating import estimate_invoice
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
    # utc=True: an empty list (no events) has no zone to convert from otherwise
    times = pd.to_datetime([day_starts[d] for d in day_idx], utc=True).tz_convert(None) + pd.to_timedelta(seconds, unit="s")
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


# Demo list prices in USD, and rough exchange rates for the other currencies.
FX = {"USD": "1", "EUR": "0.92", "GBP": "0.79", "JPY": "150", "INR": "83", "AUD": "1.5"}
ZERO_USAGE_LINES = [("Dedicated GPU hours", "2.5"), ("Data egress (GB)", "0.09")]
NO_DRAFT = "wayne"  # this customer's current month shows as a live estimate instead
_PRICE_STEP = Decimal("0.000001")  # unit prices keep at most 6 decimals


def _local_price(currency: str):
    rate = Decimal(FX.get(currency, "1"))
    return lambda usd: (Decimal(usd) * rate).quantize(_PRICE_STEP)


def demo_prices(currencies: set[str], *, since: datetime) -> list[Price]:
    """Flat, graduated (tokens) and per-group (compute by instance type) prices per currency."""
    out = []
    start = since.replace(tzinfo=None)
    for currency in sorted(currencies):
        px = _local_price(currency)
        out += [
            Price(f"demo-{currency}-api", "api_requests", currency, start, unit_price=px("0.002")),
            Price(f"demo-{currency}-tokens", "llm_tokens", currency, start,
                  tiers=(Tier(Decimal(1_000_000), px("0.000015")), Tier(None, px("0.00001")))),
            Price(f"demo-{currency}-compute", "compute_hours", currency, start, unit_price=px("0.12"), group_key="instance_type",
                  group_prices={"cpu.large": px("0.34"), "gpu.a10": px("1.1")}),
            Price(f"demo-{currency}-storage", "storage_gb", currency, start, unit_price=px("0.023")),
            Price(f"demo-{currency}-users", "active_users", currency, start, unit_price=px("1.5")),
        ]  # fmt: skip
    return out


def _month_starts(now: datetime, tz: str, months: int) -> list[datetime]:
    """UTC instants of the first `months + 1` local month starts, the current month last but one."""
    local = now.astimezone(ZoneInfo(tz)).date().replace(day=1)
    firsts = []
    for back in range(months - 1, -2, -1):
        year, month = divmod(local.month - 1 - back, 12)
        firsts.append(date(local.year + year, month + 1, 1))
    return [datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(tz)).astimezone(UTC) for d in firsts]


def demo_invoices(store: Store, customer: Customer, *, now: datetime, months: int = 4) -> list[Invoice]:
    """Invoices for the last `months` months, rated from the customer's own usage at the demo
    prices: finalized, the month before last voided and reissued, the current month a draft."""
    rate = Decimal(FX.get(customer.currency, "1"))
    starts = _month_starts(now, customer.timezone, months)
    prefix = customer.id.split("-")[0][:4].upper()
    invoices, number = [], 0
    for i, start in enumerate(starts[:-1]):
        rated = estimate_invoice(store, customer=customer, metrics=METRICS, now=start + timedelta(days=1))
        lines = [li if li.unit_price is not None else LineItem(  # tiered or per-group: the average unit price
            f"{li.name} (average price)", li.quantity,
            (li.amount / li.quantity).quantize(_PRICE_STEP) if li.quantity else Decimal(0), li.amount, li.billable_metric)
            for li in rated.line_items]  # fmt: skip
        lines += [LineItem(name, Decimal(0), (Decimal(p) * rate).quantize(_PRICE_STEP), Decimal(0)) for name, p in ZERO_USAGE_LINES]
        current = i == months - 1
        if current and customer.id == NO_DRAFT:
            continue
        versions = ["voided", "finalized"] if i == months - 3 else ["draft" if current else "finalized"]
        for status in versions:
            number += 1
            invoices.append(Invoice(
                id=f"{customer.id}-inv-{number}", number=f"{prefix}-{number:04d}", customer_id=customer.id,
                status=status, type="USAGE", currency=customer.currency,
                issued_at=(now if current else starts[i + 1]).astimezone(UTC).replace(tzinfo=None),
                period_start=rated.period_start, period_end=rated.period_end,
                total=sum((li.amount for li in lines), Decimal(0)), line_items=tuple(lines),
            ))  # fmt: skip
    return invoices


def demo_grants(customer: Customer, invoices: list[Invoice]) -> list[Grant]:
    """A prepaid commit covering most of the usage, a reward credit, and a credit that expired."""
    charged = [inv for inv in invoices if inv.status != "voided"]
    first, last = charged[0], charged[-1]
    spend = sum((inv.total for inv in charged), Decimal(0))
    step = Decimal(1).scaleb(-2) if customer.currency != "JPY" else Decimal(1)
    far = last.period_end.replace(year=last.period_end.year + 1)
    return [
        Grant(f"{customer.id}-commit", customer.id, "commit", "Prepaid commit", (spend * Decimal("0.9")).quantize(step),
              customer.currency, 1, first.period_start, far),
        Grant(f"{customer.id}-reward", customer.id, "credit", "Reward credit", (last.total * Decimal("0.2")).quantize(step),
              customer.currency, 1, charged[-2].period_start, far),
        Grant(f"{customer.id}-trial", customer.id, "credit", "Trial credit", (first.total * Decimal("2")).quantize(step),
              customer.currency, 0, first.period_start, charged[1].period_start),
    ]  # fmt: skip


def seed_demo(store: Store, *, customers: int = 8, days: int = 90, events: int = 200_000, seed: int = 7,
              now: datetime | None = None) -> dict[str, int]:
    """Fill an empty store with demo data; returns counts of what was written."""
    now = now or datetime.now(UTC)
    people = demo_customers(customers)
    upsert_customers(store, people)
    upsert_metrics(store, METRICS)
    result = ingest_events(store, demo_events(people, days=days, events=events, seed=seed, now=now))
    cluster(store)
    upsert_prices(store, demo_prices({c.currency for c in people}, since=now - timedelta(days=days + 400)))
    invoices = 0
    for customer in people:
        bills = demo_invoices(store, customer, now=now)
        upsert_invoices(store, bills)
        for grant in demo_grants(customer, bills):
            insert_grant(store, grant)
        invoices += len(bills)
    return {"customers": len(people), "metrics": len(METRICS), "events": result.inserted, "invoices": invoices}
