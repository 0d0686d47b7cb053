"""Events are split by customer into tables: each customer's events in one, found the same
way in Python and in SQL, whichever way they arrive."""
from __future__ import annotations

from datetime import datetime

import pytest

from data.bulk import load_events_file
from data.customers import upsert_customers
from data.events import count_events, ingest_rows
from data.metrics import upsert_metrics
from data.models import BillableMetric, Customer
from data.shards import SHARDS, TABLES, shard_of, shard_sql, table_of

CUSTOMERS = [f"cust-{i}" for i in range(40)]


@pytest.fixture
def many(store):
    upsert_customers(store, [Customer(c, c, "USD", "UTC", "en_US") for c in CUSTOMERS])
    upsert_metrics(store, [BillableMetric("calls", "Calls", "calls", "call", "COUNT", None, ())])
    return store


def where_they_are(store) -> dict[str, set[str]]:
    """customer -> the tables holding any of their events"""
    out: dict[str, set[str]] = {}
    for table in TABLES:
        for (customer,) in store.cursor().execute(f"SELECT DISTINCT customer_id FROM {table}").fetchall():
            out.setdefault(customer, set()).add(table)
    return out


def test_python_and_sql_put_a_customer_in_the_same_shard(store):
    ids = [*CUSTOMERS, "", "a", "Zürich GmbH", "顧客-42", "x" * 300, "c00500", "it's"]
    in_sql = store.cursor().execute(f"SELECT customer_id, {shard_sql()} FROM unnest(?) AS t(customer_id)", [ids]).fetchall()
    assert {c: s for c, s in in_sql} == {c: shard_of(c) for c in ids}


def test_customers_spread_over_every_shard():
    assert {shard_of(c) for c in CUSTOMERS} == set(range(SHARDS))


def test_an_api_batch_of_many_customers_lands_each_in_its_own_table(many):
    rows = [("s", f"e{i}", c, "call", datetime(2026, 3, 1, 12, i % 60), {}) for i, c in enumerate(CUSTOMERS * 2)]
    assert ingest_rows(many, rows).inserted == len(rows)
    assert where_they_are(many) == {c: {table_of(c)} for c in CUSTOMERS}
    assert all(count_events(many, customer_id=c) == 2 for c in CUSTOMERS)


def test_a_resent_batch_of_many_customers_adds_nothing(many):
    rows = [("s", f"e{i}", c, "call", datetime(2026, 3, 1, 12), {}) for i, c in enumerate(CUSTOMERS)]
    ingest_rows(many, rows)
    again = ingest_rows(many, rows)
    assert (again.received, again.inserted) == (len(rows), 0)
    assert count_events(many) == len(rows)


def test_a_loaded_file_of_many_customers_lands_each_in_its_own_table(many, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("id,source,type,subject,time\n" + "".join(
        f"{i},f,call,{c},2026-03-01T12:00:00Z\n" for i, c in enumerate(CUSTOMERS)))
    assert load_events_file(many, str(path)).inserted == len(CUSTOMERS)
    assert where_they_are(many) == {c: {table_of(c)} for c in CUSTOMERS}
    assert load_events_file(many, str(path)).inserted == 0  # found again across the tables
