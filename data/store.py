"""One DuckDB database per process: a cursor per thread, one writer at a time."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from data.schema import migrate


def one(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, with the result drained (DuckDB refuses new work on a
    connection while a result is still open)."""
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """A small result as a DataFrame of plain Python values: Decimal stays Decimal and None
    stays None (pandas 3 would infer a str dtype and turn None into NaN)."""
    return pd.DataFrame(rows, columns=columns, dtype=object)


class StoreLocked(RuntimeError):
    """Another process holds the database file (DuckDB allows one writer process)."""


class Store:
    """Owns the connection. Readers get a thread-local cursor; writers also take a lock,
    so concurrent ingests queue instead of failing on DuckDB's write-write conflicts."""

    def __init__(self, path: str = ":memory:"):
        self.path = path
        try:
            self._con = duckdb.connect(path)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreLocked(
                    f"{path} is in use by another process (DuckDB allows one writer); "
                    "stop the server or send the data through its API"
                ) from exc
            raise
        migrate(self._con)
        self._local = threading.local()
        self._write_lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self._con.cursor()
        return cur

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction: all or nothing, one at a time in this process."""
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        self._con.close()
