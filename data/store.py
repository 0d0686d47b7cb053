"""One DuckDB database per process: a cursor per thread, one writer at a time."""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb
import pandas as pd

from data.schema import migrate

T = TypeVar("T")
MEMO_ENTRIES = 10_000


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
    so concurrent ingests queue instead of failing on DuckDB's write-write conflicts.

    `memo` keeps what every page render reads from the small tables (customers, metrics,
    prices, revocations) until a write commits. This process is the store's only writer
    (DuckDB allows one writer process) and every write goes through `transaction`, so
    nothing it returns is ever staler than the last commit."""

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
        self._generation = 0  # commits that may have changed what `memo` holds
        self._memo: dict[Hashable, tuple[int, object]] = {}

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self._con.cursor()
        return cur

    @contextmanager
    def transaction(self, *, events_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction: all or nothing, one at a time in this process. Say
        `events_only` when it writes nothing but the events table, so memos survive it."""
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
            if not events_only:
                # After the commit, never before: a reader that computes between a bump and the
                # commit would keep the old rows under the new generation.
                self._generation += 1

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, remembered under `key` until the next write transaction commits.
        For reads of the small tables only; the value must not be mutated."""
        generation = self._generation  # read first: a commit during compute leaves the entry stale, hence unused
        hit = self._memo.get(key)
        if hit is not None and hit[0] == generation:
            return hit[1]  # type: ignore[return-value]
        value = compute()
        if len(self._memo) >= MEMO_ENTRIES:
            self._memo.clear()
        self._memo[key] = (generation, value)
        return value

    def close(self) -> None:
        self._con.close()
