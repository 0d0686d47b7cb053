"""Ingest: events go in once per customer and (source, id), in one transaction a batch (or a
group of batches that concurrent callers sent, GroupWriter).

A re-sent event is a no-op. It is found by an anti-join against the stored events of the
batch's own customers: the table is kept in customer order (data.cluster), so the join
reads those customers' row groups, not the store. (source, id) is therefore unique per
customer; the same pair sent for two customers is two events.
"""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import orjson
import pandas as pd

from data.columns import Extraction, PropertyColumns, extraction, properties_sql, property_columns
from data.store import Store, one

EVENT_COLUMNS = ["source", "id", "customer_id", "type", "time", "properties"]


@dataclass(frozen=True)
class IngestResult:
    received: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted


CHECK_FAILED = "embedash: a row failed the load checks"
_NAMED = re.compile(r"\$([A-Za-z_]\w*)")


def named(sql: str, params: dict) -> dict:
    """The named parameters `sql` uses (DuckDB refuses any it does not)."""
    return {name: params[name] for name in set(_NAMED.findall(sql)) if name in params}


def insert_new_events(cur: duckdb.DuckDBPyConnection, relation: str, columns: PropertyColumns, *, order: str,
                      tail: bool = True, check: Callable[[Extraction], str] | None = None, params: dict | None = None,
                      on_read: Callable[[], None] | None = None) -> tuple[int, int]:
    """Append the rows of `relation` (EVENT_COLUMNS, `time` naive UTC, `properties` JSON text)
    that are not stored yet, the first of each repeat within it by `order`; returns how many
    rows it had and how many went in.

    The batch goes in as one run sorted like the clustered table. With `tail` (API batches,
    small runs) it gets a fresh batch_id, so compaction merges it with the other small runs;
    without (a loaded file, one large run) batch_id 0: it is left as it is.
    `check` writes a condition on a row for the extraction it is given; the statement fails
    (DuckDB error CHECK_FAILED, or the JSON reader's own error for a row that is not JSON) if
    any row meets it, repeats included. Its rows carry the extraction's helper columns (each
    row's JSON is parsed once, for the check and the columns alike: `Extraction.quantity`).
    `params` are the named parameters of `relation` and `check`.
    `columns` say where each property goes (data.columns); `on_read` is called before each of
    its two statements that read `relation` (a load's progress). Call inside a transaction."""
    params = dict(params or {})
    (batch_id,) = one(cur, "SELECT nextval('ingest_batches')") if tail else (0,)
    stats = f"SELECT count(*), min(customer_id), max(customer_id), count(*) - count(DISTINCT (customer_id, source, id)) FROM {relation}"
    if on_read:
        on_read()
    (rows, low, high, repeats) = one(cur, stats, named(stats, params))
    if not rows:
        return 0, 0
    split = extraction(columns)
    checked = relation
    if check:
        checked = f"(SELECT * FROM {split.rows(relation)} WHERE CASE WHEN {check(split)} THEN error('{CHECK_FAILED}') ELSE true END)"
    first_of_each = f"QUALIFY row_number() OVER (PARTITION BY customer_id, source, id ORDER BY {order}) = 1" if repeats else ""
    insert = _insert_sql(split, batch_id="$batch_id", parsed=check is not None, new_rows=f"""
                SELECT * FROM {checked} i
                WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id BETWEEN $low AND $high
                                  AND e.customer_id = i.customer_id AND e.source = i.source AND e.id = i.id)
                {first_of_each}""")
    params.update(split.params)
    if on_read:
        on_read()
    (inserted,) = one(cur, insert, named(insert, {**params, "batch_id": batch_id, "low": low, "high": high}))
    return rows, inserted


def _insert_sql(split: Extraction, *, batch_id: str, new_rows: str, parsed: bool = False) -> str:
    """Write `new_rows` (EVENT_COLUMNS, `properties` JSON; with `parsed`, the extraction's
    helper columns too) as one run in clustered order, each property where data.columns keeps it."""
    return f"""INSERT INTO events (customer_id, type, time, source, id, batch_id, {split.names})
            SELECT customer_id, type, time, source, id, {batch_id}, {split.outer}
            FROM {f"({new_rows})" if parsed else split.rows(f"({new_rows})")}
            ORDER BY customer_id, type, time"""


# One statement per batch: the rows arrive as one JSON text (an array of
# [source, id, customer_id, type, time, properties] arrays), so no DataFrame is built and
# no list is bound value by value. json_each yields one element a row and one multi-path
# extract reads its fields (cheaper than an extract per field); `properties` stays JSON
# until it is split into its columns and the VARIANT.
# The stored events a batch repeats are first found by id alone (`stored`): DuckDB then
# pushes the batch's range of ids into the scan of the customer's events, and their zonemaps
# skip every row group whose ids fall outside it. Ids that grow with time (UUIDv7, ULID, a
# counter) fall inside the newest row groups only, so the dedup stops costing in proportion
# to the customer's history: 5M stored events, 1,000 new, 180 ms -> 3 ms (random UUIDs, which
# no range narrows, cost as before). The anti-join on all three keys is kept for the answer.
# `insert_new_events` (files) keeps the plain anti-join: a file spans many customers, and the
# same ids stored for other customers made finding them by id first 15-20% dearer (2M rows
# loaded into the 10M store, 7.3 s against 5.9-6.6 s; a re-load 2.8 s against 2.2-2.4 s).
# A row's seventh element is the batch_id it is written with: one per batch of a group.
_NEW_ROWS = """
    WITH incoming AS (
        SELECT f[3] AS customer_id, f[4] AS type, CAST(f[5] AS TIMESTAMP) AS time, f[1] AS source, f[2] AS id,
               json_extract(value, '$[5]') AS properties, CAST(f[6] AS BIGINT) AS batch_id
        FROM (SELECT value, json_extract_string(value, ['$[0]', '$[1]', '$[2]', '$[3]', '$[4]', '$[6]']) AS f
              FROM json_each($payload))
    ), stored AS (
        SELECT customer_id, source, id FROM events
        WHERE customer_id BETWEEN $low AND $high AND id IN (SELECT id FROM incoming)
    )
    SELECT * FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM stored e WHERE e.customer_id = i.customer_id AND e.source = i.source AND e.id = i.id)"""


def ingest_rows(store: Store, rows: Sequence[Sequence]) -> IngestResult:
    """Write validated events given as rows (source, id, customer_id, type, time, properties):
    `time` a naive UTC datetime, `properties` a JSON object as parsed (a dict of JSON values).
    All of the batch or none of it; a repeat, stored or within the batch, is skipped: the first wins.

    The same as `ingest_events` without pandas: the first of each repeat is kept here, and the
    rows reach DuckDB as one JSON text (orjson writes each `properties` exactly as it would alone)."""
    return ingest_batches(store, [rows])[0]


def ingest_batches(store: Store, batches: Sequence[Sequence[Sequence]]) -> list[IngestResult]:
    """Write batches of rows (each as `ingest_rows` takes it) in one transaction and one
    statement, each with a batch_id of its own; their answers are those of writing them one
    after another in this order (an event an earlier batch holds is a repeat in a later one).
    All of them or none. Most of a statement's cost is fixed (its planning, the dedup's scan of
    the newest row groups, the commit), so a group costs much less than its batches alone."""
    fresh: list[list] = []
    seen: set[tuple] = set()
    for b, rows in enumerate(batches):
        for r in rows:
            if (key := (r[2], r[0], r[1])) not in seen:
                seen.add(key)
                fresh.append([*r[:6], b])
    if not fresh:
        return [IngestResult(received=len(rows), inserted=0) for rows in batches]
    customers = {k[0] for k in seen}
    low, high = min(customers), max(customers)  # str order is DuckDB's VARCHAR order
    with store.transaction(events_only=True, customers=customers) as cur:
        split = extraction(property_columns(store))  # remembered: they change only in a transaction of their own
        params = {**split.params, "low": low, "high": high}
        if len(batches) == 1:  # one batch_id, and only a count back (a statement and a fetch fewer)
            insert = _insert_sql(split, batch_id="(SELECT nextval('ingest_batches'))", new_rows=_NEW_ROWS)
            (inserted,) = one(cur, insert, {**params, "payload": orjson.dumps(fresh).decode()})
            return [IngestResult(received=len(batches[0]), inserted=inserted)]
        ids = [i for (i,) in cur.execute("SELECT nextval('ingest_batches') FROM range(?)", [len(batches)]).fetchall()]
        for row in fresh:
            row[6] = ids[row[6]]
        insert = _insert_sql(split, batch_id="batch_id", new_rows=_NEW_ROWS) + " RETURNING batch_id"
        written = Counter(b for (b,) in cur.execute(insert, {**params, "payload": orjson.dumps(fresh).decode()}).fetchall())
    return [IngestResult(received=len(rows), inserted=written[ids[b]]) for b, rows in enumerate(batches)]


@dataclass
class _Pending:
    rows: Sequence[Sequence]
    low: str | None  # the batch's customers, lowest and highest id (None: no rows)
    high: str | None
    result: IngestResult | None = None
    error: BaseException | None = None
    finished: bool = False


# Errors that no batch causes: the store is closed or broken, or the write was interrupted.
# A group failing with one of them fails every batch in it; any other failure may be one
# batch's, so each is written again alone.
_STORE_ERRORS = (duckdb.ConnectionException, duckdb.FatalException, duckdb.InterruptException)


class GroupWriter:
    """Writes the batches of concurrent callers in groups: a batch that arrives while a group
    is being written waits, and goes in with the others that arrived meanwhile, in one
    statement and one commit (`ingest_batches`). Each caller gets its own answer, once its
    batch is committed. A group that fails is written again batch by batch, so a batch fails
    alone. One caller at a time writes (the others wait on it), so this adds no writer.

    A group holds only batches whose customer ranges overlap (oldest first, up to max_rows
    events): the dedup reads the stored events of the group's whole customer range, and with
    ids that do not grow with time, two far-apart customers' batches in one group would read
    every customer's events between them."""

    def __init__(self, store: Store, *, max_rows: int = 20_000):
        self._store, self._max_rows = store, max_rows
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._writing = False
        self.groups = 0  # groups written (a batch alone is a group of one)

    def write(self, rows: Sequence[Sequence]) -> IngestResult:
        """`ingest_rows(store, rows)`, maybe in a group with other callers' batches."""
        customers = [r[2] for r in rows]
        me = _Pending(rows, min(customers, default=None), max(customers, default=None))
        with self._cond:
            self._queue.append(me)
        try:
            while not self._lead_or_wait(me):
                pass
        except BaseException:
            with self._cond:  # interrupted while waiting or writing: never written later for nobody
                if me in self._queue:
                    self._queue.remove(me)
            raise
        if me.error is not None:
            raise me.error
        if me.result is None:  # the write of its group was interrupted (KeyboardInterrupt, SystemExit)
            raise RuntimeError("the batch may not have been written: the write of its group was interrupted")
        return me.result

    def _lead_or_wait(self, me: _Pending) -> bool:
        """Wait until `me` is written or nobody is writing; in that case write the next group.
        True once `me` is finished."""
        with self._cond:
            while not me.finished and self._writing:
                self._cond.wait()
            if me.finished:
                return True
            self._writing = True  # not written and nobody writing: `me` is still in the queue
            group = self._take()
        try:
            self._write(group)
        finally:
            with self._cond:
                for pending in group:
                    pending.finished = True
                self._writing = False
                self._cond.notify_all()
        return me.finished

    @property
    def writing(self) -> bool:
        """Whether a group is being written."""
        with self._cond:
            return self._writing

    @property
    def waiting(self) -> int:
        """Batches waiting for the group being written."""
        with self._cond:
            return len(self._queue)

    def _take(self) -> list[_Pending]:
        """The oldest waiting batch, and those after it whose customers overlap the group's
        range, while they fit in max_rows events."""
        group = [self._queue.pop(0)]
        low, high, rows = group[0].low, group[0].high, len(group[0].rows)
        while self._queue:
            nxt = self._queue[0]
            if rows + len(nxt.rows) > self._max_rows or nxt.low is None or low is None or nxt.low > high or nxt.high < low:
                break
            group.append(self._queue.pop(0))
            low, high, rows = min(low, nxt.low), max(high, nxt.high), rows + len(nxt.rows)
        return group

    def _write(self, group: list[_Pending]) -> None:
        self.groups += 1
        if len(group) > 1:
            try:
                for pending, result in zip(group, ingest_batches(self._store, [p.rows for p in group])):
                    pending.result = result
                return
            except _STORE_ERRORS as exc:
                for pending in group:
                    pending.error = exc
                return
            except Exception:  # nothing of the group was written (one transaction): each batch alone says why
                pass
        for pending in group:
            try:
                pending.result = ingest_rows(self._store, pending.rows)
            except Exception as exc:
                pending.error = exc


def ingest_events(store: Store, events: pd.DataFrame) -> IngestResult:
    """Write validated events (columns EVENT_COLUMNS; `time` naive UTC, `properties` JSON text):
    all of the batch or none of it. A repeat, stored or within the batch, is skipped: the first wins."""
    events = events[EVENT_COLUMNS].reset_index(drop=True)
    events["ord"] = range(len(events))
    with store.transaction(events_only=True, customers=set(events["customer_id"])) as cur:
        cur.register("incoming", events)
        try:
            _, inserted = insert_new_events(cur, "(SELECT * REPLACE (CAST(time AS TIMESTAMP) AS time) FROM incoming)",
                                            property_columns(store), order="ord")
        finally:
            cur.unregister("incoming")
    return IngestResult(received=len(events), inserted=inserted)


def count_events(store: Store, *, customer_id: str | None = None) -> int:
    if customer_id is None:
        return one(store.cursor(), "SELECT count(*) FROM events")[0]
    return one(store.cursor(), "SELECT count(*) FROM events WHERE customer_id = ?", [customer_id])[0]


def event_properties(store: Store, *, customer_id: str | None = None) -> list[tuple[str, str, dict]]:
    """(source, id, properties) of stored events, by source and id: each event's properties
    as one object again, the values its typed columns hold as their text (data.columns)."""
    sql, params = properties_sql(property_columns(store))
    where, more = ("WHERE customer_id = ?", [customer_id]) if customer_id is not None else ("", [])
    rows = store.cursor().execute(f"SELECT source, id, CAST({sql} AS VARCHAR) FROM events {where} ORDER BY source, id",
                                  [*params, *more]).fetchall()
    return [(source, id_, json.loads(props)) for source, id_, props in rows]  # json: a stored 1e400 reads as Infinity
