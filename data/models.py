"""Plain records passed between the store and its callers."""
from __future__ import annotations

from dataclasses import dataclass, field

AGGREGATIONS = ("SUM", "COUNT", "MAX", "UNIQUE_COUNT", "LATEST")


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    currency: str
    timezone: str
    locale: str


@dataclass(frozen=True)
class BillableMetric:
    slug: str
    name: str
    unit: str
    event_type: str
    aggregation: str
    value_property: str | None = None
    group_keys: tuple[str, ...] = field(default_factory=tuple)
