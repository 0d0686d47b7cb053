"""Schema migrations: a store written by an earlier version opens with its data intact."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import duckdb

from data import Store
from data.metrics import get_metric
from data.models import Price
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
