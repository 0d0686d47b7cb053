"""Prices as the integrator sets them, stored exactly (amounts as decimal text in JSON)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from data.models import Price, Tier
from data.store import Store

_COLUMNS = "id, metric, currency, effective_from, unit_price, tiers, group_key, group_prices"


def upsert_prices(store: Store, prices: Iterable[Price]) -> None:
    """Store prices in order, in one transaction. A price is identified by its metric, currency
    and effective_from: one for a start that has a price replaces it (the correction wins), as
    does one whose id is stored already (wherever that price starts). Within one call, a later
    price replaces an earlier one the same way."""
    prices = list(prices)
    kept: list[Price] = []
    for p in prices:
        kept = [k for k in kept if k.id != p.id and _key(k) != _key(p)]
        kept.append(p)
    if not kept:
        return
    rows = [
        [p.id, p.metric, p.currency, p.effective_from, p.unit_price,
         json.dumps([{"up_to": None if t.up_to is None else str(t.up_to), "unit_price": str(t.unit_price)} for t in p.tiers])
         if p.tiers else None,
         p.group_key, json.dumps({k: str(v) for k, v in p.group_prices.items()}) if p.group_prices else None]
        for p in kept
    ]  # fmt: skip
    with store.transaction() as cur:  # a write: the next list_prices reads the table again
        # Every posted price's id and start replace what is stored, a price later replaced in this call too.
        cur.execute("""DELETE FROM prices WHERE list_contains($ids, id) OR EXISTS (
                           SELECT 1 FROM (SELECT unnest($metrics) AS metric, unnest($currencies) AS currency,
                                                 unnest($starts) AS effective_from) posted
                           WHERE posted.metric = prices.metric AND posted.currency = prices.currency
                             AND posted.effective_from = prices.effective_from)""",
                    {"ids": [p.id for p in prices], "metrics": [p.metric for p in prices],
                     "currencies": [p.currency for p in prices], "starts": [p.effective_from for p in prices]})
        columns = [list(c) for c in zip(*rows)]
        cur.execute(f"INSERT INTO prices ({_COLUMNS}) SELECT {', '.join(f'unnest(${i + 1})' for i in range(len(columns)))}",
                    columns)


def _key(p: Price) -> tuple:
    return p.metric, p.currency, p.effective_from


def _price(row: tuple) -> Price:
    id_, metric, currency, effective_from, unit_price, tiers, group_key, group_prices = row
    return Price(
        id=id_, metric=metric, currency=currency, effective_from=effective_from, unit_price=unit_price,
        tiers=tuple(Tier(None if t["up_to"] is None else Decimal(t["up_to"]), Decimal(t["unit_price"]))
                    for t in json.loads(tiers)) if tiers else (),
        group_key=group_key,
        group_prices={k: Decimal(v) for k, v in json.loads(group_prices).items()} if group_prices else {},
    )  # fmt: skip


def list_prices(store: Store, *, metric: str | None = None, currency: str | None = None) -> list[Price]:
    """Prices in effective order (oldest first); remembered until the next write."""
    def read() -> tuple[Price, ...]:
        sql, params = f"SELECT {_COLUMNS} FROM prices WHERE true", []
        if metric is not None:
            sql += " AND metric = ?"
            params.append(metric)
        if currency is not None:
            sql += " AND currency = ?"
            params.append(currency)
        rows = store.cursor().execute(sql + " ORDER BY metric, currency, effective_from, id", params).fetchall()
        return tuple(_price(r) for r in rows)

    return list(store.memo(("prices", metric, currency), read))
