"""Plain records passed between the store and its callers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

AGGREGATIONS = ("SUM", "COUNT", "MAX", "UNIQUE_COUNT", "LATEST")
INVOICE_STATUSES = ("draft", "finalized", "voided")
INVOICE_TYPES = ("USAGE", "SCHEDULED")
GRANT_KINDS = ("commit", "credit")


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


@dataclass(frozen=True)
class LineItem:
    name: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    billable_metric: str | None = None
    group_values: dict[str, str] | None = None


@dataclass(frozen=True)
class Invoice:
    """Instants are naive UTC datetimes, as in the store."""

    id: str
    number: str
    customer_id: str
    status: str
    type: str
    currency: str
    issued_at: datetime
    period_start: datetime
    period_end: datetime
    total: Decimal
    line_items: tuple[LineItem, ...] = ()


@dataclass(frozen=True)
class Grant:
    """A commit or credit, usable from `starting_at` until (not including) `ending_before`."""

    id: str
    customer_id: str
    kind: str
    name: str
    amount: Decimal
    currency: str
    priority: int
    starting_at: datetime
    ending_before: datetime
    product: str | None = None


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # cumulative units in the billing period; None: no upper bound
    unit_price: Decimal


@dataclass(frozen=True)
class Price:
    """A metric's price in one currency from `effective_from` (naive UTC) until the next one.
    Flat (`unit_price`), graduated (`tiers`), or per group value (`group_prices`, with
    `unit_price` for values not listed)."""

    id: str
    metric: str
    currency: str
    effective_from: datetime
    unit_price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    group_key: str | None = None
    group_prices: dict[str, Decimal] = field(default_factory=dict)
