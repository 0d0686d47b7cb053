"""Which time zone names a customer or a token may carry: those both Python (formatting,
day bounds) and DuckDB (bucketing events into local days) know. Python alone accepts
names such as `localtime` (the machine's own zone, whatever that is) that DuckDB refuses
in a query, so a zone checked by Python alone could break every page of that customer."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb


@lru_cache(maxsize=1)
def _duckdb_zones() -> frozenset[str]:
    with duckdb.connect() as con:
        return frozenset(name for (name,) in con.execute("SELECT name FROM pg_timezone_names()").fetchall())


def is_zone(name: str) -> bool:
    if name not in _duckdb_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
