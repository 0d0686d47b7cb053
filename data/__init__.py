"""The DuckDB store: schema, ingest, clustering and one pure function per aggregation.

Imports nothing from api, dashboards or theme.
"""
from data.zones import use_packaged_zone_data

use_packaged_zone_data()  # before any zone is read: Python's zones must be DuckDB's

from data.store import Store  # noqa: E402

__all__ = ["Store"]
