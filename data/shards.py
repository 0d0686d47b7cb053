"""Events live in SHARDS tables, each customer's in one of them, so a customer's read looks
at a fraction of the store's row groups.

DuckDB keeps min/max per row group and checks them for every row group of a table a query
scans: at 100M events (815 row groups of 122,880 rows) that check alone costs about 1 ms of
a 3-5 ms usage query, whatever the customer's size, and it grows with the store. Reading
the customer's own table checks an eighth of them (bench/README.md has the measurements).

A customer's table is `md5(customer id) mod SHARDS`: the same in SQL (`md5_number_upper`
is the first 8 bytes of the digest, little-endian) and in Python, stable across versions
and machines, and needing no lookup. `events` is a view over all of them, for whole-store
reads (counts, exports, tests); writes and a customer's reads name the customer's table.
"""
from __future__ import annotations

import hashlib

SHARDS = 8  # schema migration 6 splits the store by it: another number needs a migration that moves rows
TABLES = tuple(f"events_{i}" for i in range(SHARDS))


def shard_sql(column: str = "customer_id") -> str:
    """The SQL expression of a customer's shard number, on a column of customer ids."""
    return f"CAST(md5_number_upper({column}) % {SHARDS} AS INTEGER)"


def shard_of(customer_id: str) -> int:
    return int.from_bytes(hashlib.md5(customer_id.encode()).digest()[:8], "little") % SHARDS


def table_of(customer_id: str) -> str:
    """The table holding the customer's events: a name from TABLES, never the id itself."""
    return TABLES[shard_of(customer_id)]


def all_events_view() -> str:
    return "CREATE VIEW events AS " + " UNION ALL ".join(f"SELECT * FROM {t}" for t in TABLES)
