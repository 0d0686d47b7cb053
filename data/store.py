"""One DuckDB database per process: a cursor per thread, one writer at a time."""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd

from data.columns import add_columns
from data.schema import migrate

try:  # pandas' own conversion of a list of rows into a 2-D object array, the first step of its constructor
    from pandas._libs.lib import to_object_array_tuples as _object_rows
except ImportError:  # a pandas that has moved it: the public constructor, about three times slower
    _object_rows = None

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
    index = _column_index(tuple(columns))
    if not rows:  # a third of the time pandas takes to make it from an empty list
        return pd.DataFrame(np.empty((0, len(columns)), dtype=object), columns=index, dtype=object, copy=False)
    if _object_rows is None:
        return pd.DataFrame(rows, columns=index, dtype=object)
    # One 2-D object array, one block: a quarter of the constructor's time for a 400-row series.
    return pd.DataFrame(_object_rows(rows), columns=index, dtype=object, copy=False)


def columns(df: pd.DataFrame, *names: str) -> list[list]:
    """The named columns as lists, read off the frame's one array (a frame's from `frame`):
    `df[name].tolist()` makes a Series each time (pandas 3 keeps no cache of them), four times
    the cost, and a render reads a dozen columns."""
    values = df.to_numpy(dtype=object, copy=False)
    return [values[:, df.columns.get_loc(name)].tolist() for name in names]


@functools.lru_cache(maxsize=256)
def _column_index(columns: tuple[str, ...]) -> pd.Index:
    """The columns' Index, made once: from a list, pandas makes it anew for every frame, which
    was a third of a page render's frame (its dtype inferred each time). An Index cannot be
    changed in place, so the frames can share it."""
    return pd.Index(columns, dtype=object)


class StoreLocked(RuntimeError):
    """Another process holds the database file (DuckDB allows one writer process)."""


def connect(path: str) -> duckdb.DuckDBPyConnection:
    """The file's DuckDB connection, unmigrated. Raises StoreLocked if another process holds it."""
    try:
        return duckdb.connect(path)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreLocked(
                f"{path} is in use by another process (DuckDB allows one writer); "
                "stop the server or send the data through its API"
            ) from exc
        raise


class Store:
    """Owns the connection. Readers get a thread-local cursor; writers also take a lock,
    so concurrent ingests queue instead of failing on DuckDB's write-write conflicts.

    `memo` keeps what every page render reads from the small tables (customers, metrics,
    prices, revocations) until a write commits, and a customer's usage until their events
    change. This process is the store's only writer (DuckDB allows one writer process) and
    every write goes through `transaction`, so nothing it returns is staler than the last
    commit. An ingest says which customers it touched, so it does not wipe what other
    customers' pages remembered."""

    def __init__(self, path: str = ":memory:"):
        self.path = path
        self._con = connect(path)
        migrate(self._con)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._generation = 0  # commits that may have changed anything `memo` holds
        self._usage_generation = 0  # commits that added events of any customer
        self._customer_generation: dict[str, int] = {}  # commits that added events of one customer
        self._memo: dict[Hashable, tuple[tuple, object]] = {}
        with self.transaction() as cur:  # a store whose metrics predate their columns gets them now
            add_columns(cur)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self._con.cursor()
        return cur

    @contextmanager
    def transaction(self, *, events_only: bool = False,
                    customers: Iterable[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction: all or nothing, one at a time in this process. Say `events_only`
        when it writes nothing but events, so what `memo` keeps of the small tables survives
        it, and `customers` when those events are all these customers', so the usage others'
        pages remember survives too."""
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
            # After the commit, never before: a reader that computed between a bump and the
            # commit would keep the old rows under the new generation.
            if not events_only:
                self._generation += 1
            elif customers is None:
                self._usage_generation += 1
            else:
                for customer_id in set(customers):
                    self._customer_generation[customer_id] = self._customer_generation.get(customer_id, 0) + 1

    def memo(self, key: Hashable, compute: Callable[[], T], *, usage_of: str | None = None) -> T:
        """`compute()`, remembered under `key` until the next write transaction commits; with
        `usage_of`, also until events of that customer arrive. For reads of the small tables,
        and of one customer's usage; the value must not be mutated."""
        # Read first: a commit while `compute` runs leaves the entry stale, hence never used.
        generation: tuple = (self._generation,)
        if usage_of is not None:
            generation = (self._generation, self._usage_generation, self._customer_generation.get(usage_of, 0))
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
