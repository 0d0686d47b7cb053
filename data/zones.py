"""Which time zone names a customer or a token may carry: those both Python (formatting,
day bounds) and DuckDB (bucketing events into local days) know. Python alone accepts
names such as `localtime` (the machine's own zone, whatever that is) that DuckDB refuses
in a query, so a zone checked by Python alone could break every page of that customer."""
from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb


def use_packaged_zone_data() -> None:
    """Read every zone from the `tzdata` package, not the machine's /usr/share/zoneinfo.

    Events are bucketed into local days by DuckDB, with the zone data it bundles; window
    bounds, month starts and dates on screen are Python's. The two must be one database: a
    machine's copy lags (Debian's 2025b still puts America/Vancouver on -08:00 in December
    2026, where DuckDB and tzdata 2026 have -07:00), and then an event falls outside the
    window that counts it. tests/test_zones.py checks that Python and DuckDB agree on every zone."""
    zoneinfo.reset_tzpath(to=[])
    ZoneInfo.clear_cache()


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


# An instant as events and the API take it, over HTTP and in files alike: RFC 3339's date-time
# (`T`, `t` or a space between date and time, seconds required, any fraction), with `Z` or an
# offset (`+05:30`; `+0530` too, as loaders commonly write it). Python's fromisoformat and
# DuckDB's TIMESTAMPTZ cast each take more than this (`20260601T000000Z`, week dates, `+05`),
# and not the same more, so both paths check this first.
INSTANT_TEXT = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$"


# An event dated more than this ahead of the server's clock is refused, over HTTP and in files:
# such a time is a wrong year or a swapped day and month, not usage, and it would sit unseen in
# a future period until it surprised someone on an invoice. A day leaves room for skewed clocks.
MAX_AHEAD = timedelta(hours=24)
AHEAD_MESSAGE = "is more than 24 hours ahead of the server's clock"


def latest_event_time() -> datetime:
    """The latest event time taken now, as the store keeps times (naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None) + MAX_AHEAD
