"""Schema migrations, applied in order; the applied version is kept in `schema_version`.
Read them in order: a later one may replace a table an earlier one made (5 replaces the
events table and drops the rollup, 7 the prices table). Columns of `events` past these are added by data.columns.

Every instant is a naive TIMESTAMP holding UTC. Conversion to a customer's zone happens
in the query with `timezone(tz, ...)`, never through the session's TimeZone setting.
"""
from __future__ import annotations

import duckdb

BUCKET_MINUTES = 15

MIGRATIONS: list[str] = [
    # 1: customers, metrics, raw events, the quarter-hour rollup, revocations.
    f"""
    CREATE TABLE customers (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        timezone VARCHAR NOT NULL,
        locale VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP),
        updated_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP)
    );
    CREATE TABLE billable_metrics (
        slug VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        event_type VARCHAR NOT NULL,
        aggregation VARCHAR NOT NULL,
        value_property VARCHAR,
        group_keys VARCHAR[] NOT NULL
    );
    -- Raw events. (source, id) is the idempotency key: a re-sent event is a no-op.
    -- batch_id grows with every ingest, so "the rows of this batch" is a zonemap-pruned scan.
    CREATE TABLE events (
        source VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        time TIMESTAMP NOT NULL,
        properties JSON,
        batch_id BIGINT NOT NULL,
        PRIMARY KEY (source, id)
    );
    CREATE SEQUENCE ingest_batches START 1;
    -- One row per customer, metric, {BUCKET_MINUTES}-minute UTC bucket and combination of
    -- group values. Quarter hours, not hours, because every zone in use today is offset from
    -- UTC by a multiple of 15 minutes (Asia/Kolkata +5:30, Asia/Kathmandu +5:45): days in
    -- any customer's zone are exact unions of buckets.
    CREATE TABLE usage_rollup (
        customer_id VARCHAR NOT NULL,
        metric VARCHAR NOT NULL,
        bucket TIMESTAMP NOT NULL,
        group_key VARCHAR NOT NULL,
        groups MAP(VARCHAR, VARCHAR) NOT NULL,
        event_count BIGINT NOT NULL,
        value_sum DECIMAL(38, 9),
        value_max DECIMAL(38, 9),
        last_time TIMESTAMP NOT NULL,
        last_value DECIMAL(38, 9),
        PRIMARY KEY (customer_id, metric, bucket, group_key)
    );
    CREATE TABLE revoked_tokens (
        token_id VARCHAR PRIMARY KEY,
        revoked_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP)
    );
    -- Every token for the customer issued at or before revoked_before_ms is revoked.
    CREATE TABLE customer_revocations (
        customer_id VARCHAR PRIMARY KEY,
        revoked_before_ms BIGINT NOT NULL
    );
    """,
    # 2: invoices with their line items, and grants (commits and credits).
    """
    CREATE TABLE invoices (
        id VARCHAR PRIMARY KEY,
        number VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        status VARCHAR NOT NULL,          -- draft | finalized | voided
        type VARCHAR NOT NULL,            -- USAGE | SCHEDULED
        currency VARCHAR NOT NULL,
        issued_at TIMESTAMP NOT NULL,
        period_start TIMESTAMP NOT NULL,
        period_end TIMESTAMP NOT NULL,
        total DECIMAL(38, 9) NOT NULL,
        updated_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP)
    );
    CREATE INDEX invoices_customer ON invoices (customer_id);
    CREATE TABLE invoice_line_items (
        invoice_id VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        billable_metric VARCHAR,
        group_values MAP(VARCHAR, VARCHAR),
        quantity DECIMAL(38, 9) NOT NULL,
        unit_price DECIMAL(38, 9) NOT NULL,   -- validated to at most 6 decimals
        amount DECIMAL(38, 9) NOT NULL,
        PRIMARY KEY (invoice_id, position)
    );
    CREATE TABLE grants (
        id VARCHAR PRIMARY KEY,
        customer_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,            -- commit | credit
        name VARCHAR NOT NULL,
        amount DECIMAL(38, 9) NOT NULL,
        currency VARCHAR NOT NULL,
        priority INTEGER NOT NULL,
        starting_at TIMESTAMP NOT NULL,
        ending_before TIMESTAMP NOT NULL,
        product VARCHAR,
        created_at TIMESTAMP NOT NULL DEFAULT (now()::TIMESTAMP)
    );
    CREATE INDEX grants_customer ON grants (customer_id);
    """,
    # 3: the rollup becomes append-only. Every aggregate it keeps decomposes (sums, counts,
    # maxima, latest-by-time), so each ingest appends its own summary rows and reads
    # re-aggregate; `data.cluster` merges duplicates and restores customer order. This drops
    # the primary-key index whose upkeep cost most of an ingest. batch_id 0 marks rows
    # already compacted; the rest are the unsorted tail.
    """
    CREATE TABLE usage_rollup_v3 AS
        SELECT customer_id, metric, bucket, group_key, groups, event_count, value_sum, value_max, last_time,
               last_value, CAST(0 AS BIGINT) AS batch_id
        FROM usage_rollup ORDER BY customer_id, metric, bucket, group_key;
    DROP TABLE usage_rollup;
    ALTER TABLE usage_rollup_v3 RENAME TO usage_rollup;
    """,
    # 4: prices per billable metric and currency, changing over time.
    """
    CREATE TABLE prices (
        id VARCHAR PRIMARY KEY,
        metric VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        effective_from TIMESTAMP NOT NULL,
        unit_price DECIMAL(38, 9),        -- flat price, or the default beside group_prices
        tiers JSON,                       -- graduated: [{"up_to": "1000" or null, "unit_price": "0.01"}]
        group_key VARCHAR,                -- with group_prices: which group value sets the price
        group_prices JSON                 -- {"eu-west": "0.012", ...}
    );
    """,
    # 5: events are the only usage table. Measured at 10M events (bench/README.md): at a
    # realistic density the quarter-hour rollup held nearly one row per event, doubling the
    # store without shortening a read, while one customer's read from events kept in
    # (customer, type, time) order costs the same few milliseconds. Properties become a
    # VARIANT (DuckDB shreds it into typed columns: ~3 bytes an event instead of ~15 as
    # JSON text), and the primary-key index on (source, id) goes: its upkeep dominated every
    # ingest. Re-sent events are found by an anti-join over the same customer's events
    # (data.events), which the ordering keeps to that customer's row groups.
    # batch_id 0 marks rows in clustered order; higher ones are the unsorted tail.
    """
    CREATE TABLE events_v5 (
        customer_id VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        time TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        properties VARIANT,
        batch_id BIGINT NOT NULL
    );
    INSERT INTO events_v5
        SELECT customer_id, type, time, source, id, CAST(coalesce(properties, '{}') AS VARIANT), 0
        FROM events ORDER BY customer_id, type, time;
    DROP TABLE events;
    ALTER TABLE events_v5 RENAME TO events;
    DROP TABLE usage_rollup;
    """,
    # 6: typed columns for the properties metrics read (data.columns), added to `events` as
    # metrics need them (ALTER TABLE) and named here; the VARIANT keeps the rest.
    """
    CREATE TABLE property_columns (
        kind VARCHAR NOT NULL,            -- number | text
        property VARCHAR NOT NULL,
        column_name VARCHAR NOT NULL UNIQUE,
        position BIGINT NOT NULL,         -- the order they were added in
        complete BOOLEAN NOT NULL,        -- holds the property of every stored event
        PRIMARY KEY (kind, property)
    );
    CREATE SEQUENCE property_column_numbers START 1;
    """,
    # 7: a price is identified by its metric, currency and effective_from: one posted for a
    # start that has a price replaces it (data.prices). Before, both were kept and rating took
    # the one whose id sorts last (random ids: any of them). Of prices sharing a start, the one
    # with the greatest id stays, the one rating used: prices have no created time to go by.
    """
    CREATE TABLE prices_v7 (
        id VARCHAR PRIMARY KEY,
        metric VARCHAR NOT NULL,
        currency VARCHAR NOT NULL,
        effective_from TIMESTAMP NOT NULL,
        unit_price DECIMAL(38, 9),
        tiers JSON,
        group_key VARCHAR,
        group_prices JSON,
        UNIQUE (metric, currency, effective_from)
    );
    INSERT INTO prices_v7
        SELECT id, metric, currency, effective_from, unit_price, tiers, group_key, group_prices FROM prices
        QUALIFY row_number() OVER (PARTITION BY metric, currency, effective_from ORDER BY id DESC) = 1;
    DROP TABLE prices;
    ALTER TABLE prices_v7 RENAME TO prices;
    """,
    # 8: the times a row was written are stamped in UTC, as every instant here is. The defaults
    # were `now()::TIMESTAMP`, the clock of DuckDB's session zone (the machine's): west of UTC,
    # hours early. Rows they wrote keep their values, the zone they were written in unknown
    # here; nothing reads these columns but data.revocations, which allows for it (ZONE_MARGIN).
    """
    ALTER TABLE customers ALTER COLUMN created_at SET DEFAULT (timezone('UTC', now()));
    ALTER TABLE customers ALTER COLUMN updated_at SET DEFAULT (timezone('UTC', now()));
    ALTER TABLE revoked_tokens ALTER COLUMN revoked_at SET DEFAULT (timezone('UTC', now()));
    ALTER TABLE invoices ALTER COLUMN updated_at SET DEFAULT (timezone('UTC', now()));
    ALTER TABLE grants ALTER COLUMN created_at SET DEFAULT (timezone('UTC', now()));
    """,
]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations this database has not seen yet; return the schema version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0] or 0
    for version, sql in enumerate(MIGRATIONS[current:], start=current + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?)", [version])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)
