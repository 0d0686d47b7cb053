"""Spend: usage rated by prices, exact to the last decimal.

Rating works on quarter-hour buckets of the customer's events, in time order. Each bucket's quantity is priced by
the price in effect at that bucket (so a price change mid-period splits the period exactly); a price that takes
effect inside a quarter hour splits that bucket at its effective_from.
Graduated tiers count units cumulatively within the billing period, a calendar month in the
customer's time zone, across all group values, in time order: bucket by bucket. A bucket's events
are simultaneous at its resolution, so no group value's units come before another's: the bucket
is rated whole, from the units before it, and its cost is shared across its group values in
proportion to their quantities (`pro_rata`). Crossing a tier boundary, every group value pays the
bucket's blended rate, whatever the values are called; a period's total is the rating of its
buckets' totals, the same however its events are grouped. Per-group prices pick the unit price by the
bucket's value of the price's group key, falling back to the price's `unit_price`.

Spend over time is defined for SUM and COUNT metrics, whose units add up; MAX, LATEST and
UNIQUE_COUNT are rated once per billing period (see `estimate_invoice`).
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

import pandas as pd

from data.columns import PropertyColumns, fetch
from data.models import BillableMetric, Customer, Invoice, LineItem, Price, Tier
from data.money import EXACT
from data.prices import list_prices
from data.store import Store, frame
from data.schema import BUCKET_MINUTES
from data.usage import SERIES_COLUMNS, aggregate_sql, clipped, group_sql, is_bucket_aligned, usage_series

ADDITIVE = ("SUM", "COUNT")
ZERO = Decimal(0)
# A share of a bucket's cost keeps 15 places, a quantity's 9 and a unit price's 6: the share of
# units all at one price is then exact. The product of a cost and a quantity, each within EXACT's
# digits, is exact within WIDE's before it is divided.
SHARE_STEP = Decimal("1e-15")
WIDE = Context(prec=2 * EXACT.prec)


def price_at(prices: list[Price], instant: datetime) -> Price | None:
    """The price in effect at `instant` (prices sorted by effective_from, at most one a start: data.prices)."""
    i = bisect_right([p.effective_from for p in prices], instant)
    return prices[i - 1] if i else None


def tiered_amount(tiers: tuple[Tier, ...], position: Decimal, quantity: Decimal) -> Decimal:
    """The cost of units (position, position + quantity] under graduated tiers."""
    amount, remaining = ZERO, quantity
    for tier in tiers:
        if remaining <= 0:
            break
        if tier.up_to is not None and position >= tier.up_to:
            continue
        room = remaining if tier.up_to is None else min(remaining, tier.up_to - position)
        amount += room * tier.unit_price
        position += room
        remaining -= room
    return amount


def unit_amount(price: Price, quantity: Decimal, *, position: Decimal, groups: dict[str, str | None]) -> Decimal:
    if price.tiers:
        return tiered_amount(price.tiers, position, quantity)
    if price.group_key is not None:
        return quantity * price.group_prices.get(groups.get(price.group_key) or "", price.unit_price or ZERO)
    return quantity * (price.unit_price or ZERO)


def pro_rata(amount: Decimal, quantities: list[Decimal]) -> list[Decimal]:
    """`amount` shared in proportion to `quantities`, each share to SHARE_STEP (half even), the
    last taking what rounding left, so that the shares add up to `amount` exactly. Zero is all
    zeros (tiers charge nothing for a bucket whose quantities net to zero or less)."""
    if amount == 0:
        return [ZERO] * len(quantities)
    total = sum(quantities, ZERO)
    shares = [WIDE.divide(WIDE.multiply(amount, q), total).quantize(SHARE_STEP, context=EXACT)
              for q in quantities[:-1]]
    return [*shares, amount - sum(shares, ZERO)]


def bucket_amounts(price: Price | None, position: Decimal, rows: list[tuple[dict, Decimal]]) -> list[Decimal]:
    """The amount of each (group values, quantity) of one bucket whose units follow `position`
    units of the period. Under tiers the bucket is rated whole and shared pro rata (see the module)."""
    if price is None:
        return [ZERO] * len(rows)
    if price.tiers:
        quantities = [qty for _, qty in rows]
        return pro_rata(tiered_amount(price.tiers, position, sum(quantities, ZERO)), quantities)
    return [unit_amount(price, qty, position=position, groups=groups) for groups, qty in rows]


def month_start(instant: datetime, zone: ZoneInfo) -> datetime:
    local = instant.astimezone(zone)
    return datetime(local.year, local.month, 1, tzinfo=zone).astimezone(UTC)


def next_month_start(instant: datetime, zone: ZoneInfo) -> datetime:
    local = instant.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, tzinfo=zone).astimezone(UTC)


def rated_buckets(store: Store, *, customer_id: str, metric: BillableMetric, start: datetime, end: datetime,
                  billing_tz: str, prices: list[Price]) -> list[tuple[datetime, dict, Decimal, Decimal]]:
    """(bucket UTC, group values, quantity, amount) for [start, end), tiers counted from the
    start of the billing period that `start` falls in: a calendar month in `billing_tz`, the
    customer's zone (not the zone a page shows, which a token may override)."""
    if metric.aggregation not in ADDITIVE:
        raise ValueError(f"spend over time needs a SUM or COUNT metric; {metric.slug} is {metric.aggregation}")
    zone = ZoneInfo(billing_tz)
    period_from = month_start(start, zone)
    keys = list(metric.group_keys)
    # Within a quarter hour, groups come in the order of their values' JSON text, so which one
    # takes what rounding leaves of a shared tiered cost (pro_rata) is fixed.
    order = f", CAST(to_json(map(?, [{', '.join(f'g{i}' for i in range(len(keys)))}])) AS VARCHAR)" if keys else ""

    # A price that takes effect inside a quarter hour splits it: the events from its
    # effective_from on form a bucket of their own, starting there, so each is priced by the
    # price in effect at its own time. Prices that start on a quarter hour (the usual case)
    # leave the buckets as they are.
    first, last = period_from.replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None)
    cuts = sorted({p.effective_from for p in prices
                   if not is_bucket_aligned(p.effective_from) and first < p.effective_from < last})
    bucket = f"time_bucket(INTERVAL {BUCKET_MINUTES} MINUTE, time)"
    if cuts:
        bucket = f"greatest({bucket}, coalesce(list_max(list_filter(CAST(? AS TIMESTAMP[]), lambda c: c <= time)), {bucket}))"

    def query(columns: PropertyColumns) -> tuple[str, list]:
        quantity, params = aggregate_sql(metric, columns)
        groups = [group_sql(columns, k) for k in keys]
        groups_sql = "".join(f", {sql} AS g{i}" for i, (sql, _) in enumerate(groups))
        return (f"""SELECT * FROM (
                        SELECT {bucket} AS bucket, CAST({quantity} AS VARCHAR){groups_sql}
                        FROM events WHERE customer_id = ? AND type = ? AND time >= ? AND time < ? GROUP BY ALL)
                    ORDER BY bucket{order}""",
                [*([cuts] if cuts else []), *params, *(p for _, group_params in groups for p in group_params), customer_id,
                 metric.event_type, period_from.replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None),
                 *([keys] if keys else [])])

    position: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    out = []
    for bucket, group_rows in groupby(fetch(store, query), key=itemgetter(0)):
        # exact text, as in usage_series: faster out of DuckDB than a Decimal
        rows = [(dict(zip(keys, values)), Decimal(qty or 0)) for _, qty, *values in group_rows]
        when = bucket.replace(tzinfo=UTC)
        local = when.astimezone(zone)
        period = (local.year, local.month)
        amounts = bucket_amounts(price_at(prices, bucket), position[period], rows)
        position[period] += sum((qty for _, qty in rows), ZERO)
        if when >= start:
            out.extend((when, groups, qty, amount) for (groups, qty), amount in zip(rows, amounts))
    return out


def spend_series(store: Store, *, customer_id: str, metric: BillableMetric, currency: str, start: datetime,
                 end: datetime, tz: str, billing_tz: str, window_size: str = "day", group_by: str | None = None) -> pd.DataFrame:
    """Spend per window (and group value), in `currency`: the columns of `usage_series`. Windows
    are days or hours in `tz`; tiers count within calendar months in `billing_tz` (the customer's)."""
    prices = list_prices(store, metric=metric.slug, currency=currency)
    zone = ZoneInfo(tz)
    first, last = start.astimezone(zone), end.astimezone(zone)
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    for when, groups, _, amount in rated_buckets(store, customer_id=customer_id, metric=metric, start=start, end=end,
                                                 billing_tz=billing_tz, prices=prices):  # fmt: skip
        local = when.astimezone(zone)
        if window_size == "day":
            w_start = datetime(local.year, local.month, local.day, tzinfo=zone)
            w_end = datetime.combine(w_start.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        elif window_size == "hour":
            # The local hour's start, found in UTC: wall-clock arithmetic on `local` would lose which
            # of a clock change's two 01:00s it is in (and a bucket split by a price change starts
            # inside its hour, seconds and all).
            utc = when - timedelta(minutes=local.minute, seconds=local.second, microseconds=local.microsecond)
            w_start, w_end = utc.astimezone(zone), (utc + timedelta(hours=1)).astimezone(zone)
        else:
            w_start, w_end = first, last
        sums[(*clipped(w_start, w_end, first, last), groups.get(group_by) if group_by else None)] += amount
    # In time order as instants (a clock change's two 01:00s are equal to Python's comparison).
    rows = sorted(sums.items(), key=lambda kv: (kv[0][0].timestamp(), kv[0][2] is not None, kv[0][2] or ""))
    return frame([(*key, value) for key, value in rows], SERIES_COLUMNS)


def estimate_invoice(store: Store, *, customer: Customer, metrics: list[BillableMetric], now: datetime) -> Invoice | None:
    """The current billing period's invoice computed live from usage x prices, or None when
    no metric has a price in the customer's currency in effect during the period. Additive
    metrics are rated bucket by bucket; the others once, on the period's value, at the price in
    effect at its start (else the first to take effect in it). Its id
    names the period by its first day in the customer's zone, the same all period long (the UTC
    date of that midnight is the day before in zones ahead of UTC)."""
    zone = ZoneInfo(customer.timezone)
    start, end = month_start(now, zone), next_month_start(now, zone)
    first, after = start.replace(tzinfo=None), end.replace(tzinfo=None)  # as prices keep their starts
    lines = []
    for metric in metrics:
        # The prices in effect at some time in the period: the one at its start and any taking effect in it.
        prices = list_prices(store, metric=metric.slug, currency=customer.currency)
        at_start = price_at(prices, first)
        prices = [p for p in prices if p is at_start or first <= p.effective_from < after]
        if not prices:  # no price yet (or only from a later period): nothing to estimate
            continue
        if metric.aggregation in ADDITIVE:
            rated = rated_buckets(store, customer_id=customer.id, metric=metric, start=start, end=end,
                                  billing_tz=customer.timezone, prices=prices)  # fmt: skip
            quantity, amount = sum((r[2] for r in rated), ZERO), sum((r[3] for r in rated), ZERO)
        else:
            total = usage_series(store, customer_id=customer.id, metric=metric, start=start, end=end,
                                 tz=customer.timezone, window_size="none")  # fmt: skip
            quantity = Decimal(total["value"].iloc[0]) if len(total) else ZERO
            price = at_start or prices[0]  # at its start, else the first to take effect in it
            amount = unit_amount(price, quantity, position=ZERO, groups={})
        flat = [p for p in prices if not p.tiers and p.group_key is None]
        unit = flat[-1].unit_price if len(flat) == len(prices) and len({p.unit_price for p in flat}) == 1 else None
        lines.append(LineItem(metric.name, quantity, unit, amount, metric.slug))
    if not lines:
        return None
    return Invoice(
        id=f"estimate:{customer.id}:{start.astimezone(zone).date()}", number="Estimate", customer_id=customer.id,
        status="draft", type="USAGE", currency=customer.currency, issued_at=now.astimezone(UTC).replace(tzinfo=None),
        period_start=first, period_end=after,
        total=sum((li.amount for li in lines), ZERO), line_items=tuple(lines),
    )  # fmt: skip
