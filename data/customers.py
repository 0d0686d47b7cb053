"""Customers: the integrator's own ids, with currency, time zone and locale."""
from __future__ import annotations

from collections.abc import Iterable

from data.models import Customer
from data.store import Store, one

_COLUMNS = "id, name, currency, timezone, locale"


def upsert_customers(store: Store, customers: Iterable[Customer]) -> None:
    rows = [[c.id, c.name, c.currency, c.timezone, c.locale] for c in customers]
    with store.transaction() as cur:
        cur.executemany(
            f"""INSERT INTO customers ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
                  timezone = excluded.timezone, locale = excluded.locale,
                  updated_at = now()::TIMESTAMP""",
            rows,
        )


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
