"""Schema migrations: a store written by an earlier version opens with its data intact."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from data import Store
from data.customers import upsert_customers
from data.grants import insert_grant
from data.invoices import upsert_invoices
from data.metrics import get_metric
from data.models import Customer, Grant, Invoice, Price
from data.prices import list_prices, upsert_prices
from data.schema import MIGRATIONS
from data.usage import usage_series


def store_at_version(path: str, version: int) -> duckdb.DuckDBPyConnection:
    """A store file as the migrations up to `version` left it."""
    con = duckdb.connect(path)
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for applied, sql in enumerate(MIGRATIONS[:version], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?)", [applied])
    return con


def test_a_version_4_store_keeps_its_events_when_migrated(tmp_path):
    path = str(tmp_path / "v4.duckdb")
    con = store_at_version(path, 4)
    con.execute("INSERT INTO customers (id, name, currency, timezone, locale) VALUES ('a', 'A', 'USD', 'UTC', 'en_US')")
    con.execute("INSERT INTO billable_metrics VALUES ('tokens', 'Tokens', 'tokens', 'llm', 'SUM', 'tokens', ['region'])")
    con.execute("""INSERT INTO events VALUES
        ('s', 'e1', 'a', 'llm', TIMESTAMP '2026-03-01 10:00', '{"tokens": "1.25", "region": "eu"}', 1),
        ('s', 'e2', 'a', 'llm', TIMESTAMP '2026-03-01 11:00', '{"tokens": 2, "region": "us"}', 1),
        ('s', 'e3', 'a', 'llm', TIMESTAMP '2026-03-02 09:00', '{"tokens": "0.75", "region": "eu"}', 2)""")
    con.close()

    store = Store(path)
    series = usage_series(store, customer_id="a", metric=get_metric(store, "tokens"), start=datetime(2026, 3, 1, tzinfo=UTC),
                          end=datetime(2026, 3, 3, tzinfo=UTC), tz="UTC", group_by="region")  # fmt: skip
    assert [(r.window_start.day, r.group, r.value) for r in series.itertuples()] == [
        (1, "eu", Decimal("1.25")), (1, "us", Decimal("2")), (2, "eu", Decimal("0.75"))]
    assert store.cursor().execute("SELECT count(*) FROM events WHERE batch_id = 0").fetchall() == [(3,)]
    assert [t for (t,) in store.cursor().execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'usage%'").fetchall()] == []


def test_a_version_6_store_with_prices_sharing_a_start_keeps_one_when_migrated(tmp_path):
    path = str(tmp_path / "v6.duckdb")
    con = store_at_version(path, 6)
    con.execute("""INSERT INTO prices (id, metric, currency, effective_from, unit_price) VALUES
        ('price_b', 'calls', 'USD', TIMESTAMP '2026-01-01', 2), ('price_d', 'calls', 'USD', TIMESTAMP '2026-01-01', 4),
        ('price_a', 'calls', 'USD', TIMESTAMP '2026-01-01', 1), ('price_e', 'calls', 'EUR', TIMESTAMP '2026-01-01', 5),
        ('price_c', 'calls', 'USD', TIMESTAMP '2026-03-01', 3)""")
    con.close()

    store = Store(path)
    # of those sharing a start, the one rating used (the greatest id) stays; the rest as they were
    assert [(p.id, p.currency, p.effective_from.month, p.unit_price) for p in list_prices(store, metric="calls")] == [
        ("price_e", "EUR", 1, Decimal(5)), ("price_d", "USD", 1, Decimal(4)), ("price_c", "USD", 3, Decimal(3))]
    upsert_prices(store, [Price("new", "calls", "USD", datetime(2026, 1, 1), Decimal(6))])
    assert [p.id for p in list_prices(store, metric="calls", currency="USD")] == ["new", "price_c"]


def _away_from_utc(store: Store) -> None:
    """DuckDB's session zone defaults to the machine's: make it one far from UTC."""
    store.cursor().execute("SET TimeZone = 'America/Los_Angeles'")


def _write_one_of_each(store: Store) -> None:
    day = datetime(2026, 3, 1)
    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US")])
    upsert_customers(store, [Customer("a", "A again", "USD", "UTC", "en_US")])  # stamps updated_at
    upsert_invoices(store, [Invoice("inv1", "1", "a", "finalized", "USAGE", "USD", day, day, day, Decimal(1))])
    insert_grant(store, Grant("g1", "a", "credit", "Credit", Decimal(5), "USD", 1, day, datetime(2026, 4, 1)))
    store.cursor().execute("INSERT INTO revoked_tokens (token_id) VALUES ('tok')")


@pytest.mark.parametrize("table, column", [("customers", "created_at"), ("customers", "updated_at"),
                                           ("invoices", "updated_at"), ("grants", "created_at"),
                                           ("revoked_tokens", "revoked_at")])  # fmt: skip
def test_the_time_a_row_is_written_is_stamped_in_utc_whatever_duckdbs_session_zone(store, table, column):
    _away_from_utc(store)
    _write_one_of_each(store)
    (stamped,) = store.cursor().execute(f"SELECT {column} FROM {table}").fetchall()[0]
    assert abs(stamped - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


def test_a_version_7_store_stamps_in_utc_once_migrated_and_keeps_its_rows(tmp_path):
    path = str(tmp_path / "v7.duckdb")
    con = store_at_version(path, 7)
    con.execute("INSERT INTO customers (id, name, currency, timezone, locale, created_at, updated_at) "
                "VALUES ('old', 'Old', 'USD', 'UTC', 'en_US', TIMESTAMP '2026-01-01 04:00', TIMESTAMP '2026-01-01 04:00')")
    con.close()

    store = Store(path)
    _away_from_utc(store)
    _write_one_of_each(store)
    stamps = dict(store.cursor().execute("SELECT id, created_at FROM customers").fetchall())
    assert stamps["old"] == datetime(2026, 1, 1, 4)
    assert abs(stamps["a"] - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
