"""The DuckDB store: schema, ingest, clustering and one pure function per aggregation.

Imports nothing from api, dashboards or theme.
"""
from data.store import Store

__all__ = ["Store"]
