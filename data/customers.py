"""Customers: the integrator's own ids, with currency, time zone and locale."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from data.models import Customer
from data.store import Store, one

_COLUMNS = "id, name, currency, timezone, locale"


_UPSERT = f"""INSERT INTO customers ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
      timezone = excluded.timezone, locale = excluded.locale,
      updated_at = timezone('UTC', now())"""
# What a new customer gets for a field it is created without (and its name: its id).
DEFAULTS = {"currency": "USD", "timezone": "UTC", "locale": "en_US"}


def upsert_customers(store: Store, customers: Iterable[Customer]) -> None:
    """Create or replace customers, every field as given."""
    rows = [[c.id, c.name, c.currency, c.timezone, c.locale] for c in customers]
    with store.transaction() as cur:
        cur.executemany(_UPSERT, rows)


def upsert_customer_fields(store: Store, items: Iterable[dict[str, str]]) -> list[Customer]:
    """Create or update customers from the fields given: each item has `id` and any of name,
    currency, timezone and locale. A stored customer keeps the fields an item leaves out; a new
    one gets DEFAULTS. Items apply in order, in one transaction; returns each item's customer as
    it then is."""
    items = list(items)
    with store.transaction() as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM customers WHERE list_contains(?, id)",
                           [sorted({i["id"] for i in items})]).fetchall()  # fmt: skip
        current = {r[0]: Customer(*r) for r in rows}
        out = []
        for item in items:
            base = current.get(item["id"]) or Customer(id=item["id"], name=item["id"], **DEFAULTS)
            current[base.id] = replace(base, **{k: v for k, v in item.items() if k != "id"})
            out.append(current[base.id])
        cur.executemany(_UPSERT, [[c.id, c.name, c.currency, c.timezone, c.locale] for c in current.values()])
    return out


def get_customer(store: Store, customer_id: str) -> Customer | None:
    def read() -> Customer | None:
        row = one(store.cursor(), f"SELECT {_COLUMNS} FROM customers WHERE id = ?", [customer_id])
        return Customer(*row) if row else None

    return store.memo(("customer", customer_id), read)


def list_customers(store: Store) -> list[Customer]:
    rows = store.cursor().execute(f"SELECT {_COLUMNS} FROM customers ORDER BY id").fetchall()
    return [Customer(*r) for r in rows]


def existing_customer_ids(store: Store, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    rows = store.cursor().execute(
        "SELECT id FROM customers WHERE list_contains(?, id)", [wanted]
    ).fetchall()
    return {r[0] for r in rows}
