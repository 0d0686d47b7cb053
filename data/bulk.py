"""Bulk loading of event files (Parquet, CSV, NDJSON) with DuckDB's own readers.

A file is one transaction: every row is checked in SQL as it is written, and a bad row
stops it with the file, row and field named, with nothing of it written. Its events are deduplicated on
customer and (source, id) against the store and within the file (the first wins), as with
the HTTP API, and go in as one run in clustered order.

Columns: `id`, `source`, `type`, `subject` (the customer id; `customer_id` also works),
`time` (RFC 3339 with an offset, or a Parquet timestamp), and `data` (a JSON object). In a
file without `data`, every other column becomes a property of `data`.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data.columns import Extraction, pointer, read_columns
from data.events import insert_new_events, named
from data.store import Store
from data.zones import AHEAD_MESSAGE, INSTANT_TEXT, latest_event_time

FORMATS = {".parquet": "parquet", ".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "ndjson"}
_READERS = {
    "parquet": "read_parquet($path)",
    # A quoted empty field is an empty string, as `""` is over HTTP; an unquoted empty one is no value.
    "csv": "read_csv($path, header = true, all_varchar = true, allow_quoted_nulls = false)",
    # Each line a CloudEvent, as over HTTP: its keys are kept (`attributes`) so one outside the
    # envelope is refused, not dropped (a property sent beside `data` would be lost without a word).
    "ndjson": """(SELECT j->>'specversion' AS specversion, j->>'id' AS id, j->>'source' AS source, j->>'type' AS type,
                        j->>'subject' AS subject, j->>'customer_id' AS customer_id, j->>'time' AS time,
                        nullif(CAST(j->'data' AS VARCHAR), 'null') AS data, json_keys(j) AS attributes
                 FROM read_ndjson_objects($path) AS lines(j))""",
}
_REQUIRED = ("id", "source", "type", "subject", "time")
_ENVELOPE = {*_REQUIRED, "customer_id", "data", "specversion", "datacontenttype", "dataschema"}
MAX_REPORTED = 10


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1-based data row (for CSV, the line after the header)
    field: str | None
    message: str


class LoadError(ValueError):
    """A file that cannot be loaded; nothing of it was written."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path, self.problems = path, problems
        first = problems[0]
        where = ", ".join(part for part in (f"row {first.row}" if first.row else "", f"field {first.field}" if first.field else "") if part)
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{path}: {where + ': ' if where else ''}{first.message}{more}")


@dataclass(frozen=True)
class LoadResult:
    path: str
    rows: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.rows - self.inserted


def file_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise LoadError(path, [Problem(None, None, f"unknown file type {suffix!r}; use one of {sorted(FORMATS)}")])
    return FORMATS[suffix]


def _identifier(name: str) -> str:
    """A column name from a file's header, quoted for SQL (a header is data, not code)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(cur: duckdb.DuckDBPyConnection, reader: str, path: str) -> dict[str, str]:
    return {row[0]: row[1] for row in cur.execute(f"DESCRIBE SELECT * FROM {reader}", {"path": path}).fetchall()}


def _normalised(cur: duckdb.DuckDBPyConnection, fmt: str, path: str) -> str:
    """A query over the file, read in one pass: row, source, id, customer_id, type, time_ok,
    time (naive UTC), properties (JSON text or NULL); its parameter is `$path`."""
    reader = _READERS[fmt]
    cols = _columns(cur, reader, path)
    if "subject" not in cols and "customer_id" in cols:
        subject = "customer_id"
    elif "subject" in cols and "customer_id" in cols:
        subject = "coalesce(subject, customer_id)"
    else:
        subject = "subject"
    missing = [c for c in _REQUIRED if c not in cols and not (c == "subject" and "customer_id" in cols)]
    if missing:
        raise LoadError(path, [Problem(None, missing[0], f"the file has no column {missing[0]!r} (it has {sorted(cols)})")])
    if "data" in cols:
        data = "CAST(data AS VARCHAR)" if cols["data"] in ("JSON", "VARCHAR") else "CAST(to_json(data) AS VARCHAR)"
    else:
        extra = [c for c in cols if c not in _ENVELOPE]
        fields = ", ".join(f"{_literal(c)}: {_identifier(c)}" for c in extra)
        data = f"CAST(to_json({{{fields}}}) AS VARCHAR)" if extra else "'{}'"
    time_type = cols["time"]
    if time_type.startswith("TIMESTAMP WITH TIME ZONE"):
        time_utc, time_ok = "CAST(timezone('UTC', time) AS TIMESTAMP)", "time IS NOT NULL"
    elif time_type.startswith("TIMESTAMP"):  # Parquet timestamps are UTC instants
        time_utc, time_ok = "CAST(time AS TIMESTAMP)", "time IS NOT NULL"
    else:
        parsed = "TRY_CAST(upper(CAST(time AS VARCHAR)) AS TIMESTAMPTZ)"  # RFC 3339 allows t and z; the cast wants T and Z
        time_utc = f"CAST(timezone('UTC', {parsed}) AS TIMESTAMP)"
        time_ok = f"regexp_full_match(CAST(time AS VARCHAR), '{INSTANT_TEXT}') AND {parsed} IS NOT NULL"
    row = "row_number() OVER ()"
    if fmt == "parquet" and "file_row_number" not in cols:  # the reader numbers the rows: no window over the file
        row, reader = "file_row_number + 1", "read_parquet($path, file_row_number = true)"
    specversion = "CAST(specversion AS VARCHAR)" if "specversion" in cols else "NULL"
    attributes = "attributes" if fmt == "ndjson" else "CAST(NULL AS VARCHAR[])"
    return f"""SELECT {row} AS row, CAST(source AS VARCHAR) AS source, CAST(id AS VARCHAR) AS id,
                      CAST({subject} AS VARCHAR) AS customer_id, CAST(type AS VARCHAR) AS type, {time_ok} AS time_ok,
                      {time_utc} AS time, {data} AS properties, {specversion} AS specversion, {attributes} AS attributes
               FROM {reader}"""


def _checks(cur: duckdb.DuckDBPyConnection, split: Extraction | None = None) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Every check a row must pass, as (field, condition on a row of `_normalised`, message), with their parameters.

    A property a metric sums or compares must be a number where a row has it; a row without it
    (or with null) passes, as over HTTP (api.events).

    With `split`, the checks of the load's own statement: its rows are `split.rows(...)` of
    the file's, and a quantity check reads the text and the value the property's number column
    takes, one check a property over all its event types (so a row's JSON is parsed once, not
    once more for each check, and compared once a property, not once a type). They give the
    same answer for every row that is JSON; a row that is not fails the statement in the JSON
    reader instead (its fields are not named). Without, the checks stand alone, never fail
    themselves and name a field and event type each: what names a failed file's problems
    (`_problems`)."""
    checks = [
        (field, f"coalesce(trim({column}), '') = ''", "is missing or empty")
        for field, column in (("id", "id"), ("source", "source"), ("type", "type"), ("subject", "customer_id"))
    ]
    checks += [
        ("time", "NOT coalesce(time_ok, false)", "is not an RFC 3339 timestamp with an offset"),
        ("time", "coalesce(time_ok, false) AND time > $latest", AHEAD_MESSAGE),
        # valid JSON whose first character past JSON whitespace is "{" is an object: one parse, not two
        ("data", r"properties IS NOT NULL AND NOT (json_valid(properties) AND ltrim(properties, E' \t\n\r') LIKE '{%')",
         "is not a JSON object"),
        ("subject", "customer_id NOT IN (SELECT id FROM customers) AND coalesce(trim(customer_id), '') <> ''",
         "is not a known customer"),
        ("specversion", "specversion IS NOT NULL AND specversion <> '1.0'", 'must be "1.0"'),
        ("attributes", "len(list_filter(attributes, lambda k: NOT list_contains($envelope, k))) > 0",
         "holds a key that is not a CloudEvents attribute this loader takes (event properties go in data)"),
    ]
    numeric = cur.execute("""SELECT DISTINCT event_type, value_property FROM billable_metrics
                             WHERE value_property IS NOT NULL AND aggregation <> 'UNIQUE_COUNT' ORDER BY ALL""").fetchall()
    params: dict = {"envelope": sorted(_ENVELOPE), "latest": latest_event_time()}
    for i, (event_type, prop) in enumerate(numeric):
        params[f"type{i}"], params[f"prop{i}"] = event_type, pointer(prop)  # a name with "." or "/" is one property
    if split is not None and all(split.quantity(prop) for _, prop in numeric):
        types: dict[str, list[str]] = {}
        for i, (_, prop) in enumerate(numeric):
            types.setdefault(prop, []).append(f"$type{i}")
        for prop, names in types.items():
            text, value = split.quantity(prop)
            checks.append((f"data.{prop}", f"type IN ({', '.join(names)}) AND {text} IS NOT NULL AND {value} IS NULL",
                           "must be a number"))
        return checks, params
    for i, (event_type, prop) in enumerate(numeric):  # TRY: DuckDB may extract before json_valid has ruled a row out
        text = f"TRY(json_extract_string(properties, $prop{i}))"
        checks.append((f"data.{prop}", f"""type = $type{i} AND properties IS NOT NULL AND json_valid(properties)
                                           AND {text} IS NOT NULL AND TRY_CAST({text} AS DECIMAL(38, 9)) IS NULL""",
                       f"must be a number (a {event_type} metric sums or compares it)"))
    return checks, params


def _problems(cur: duckdb.DuckDBPyConnection, relation: str, path: str) -> list[Problem]:
    """The first MAX_REPORTED problems in file order, found in one scan of `relation`."""
    checks, params = _checks(cur)
    flags = ", ".join(f"({condition}) AS c{i}" for i, (_, condition, _) in enumerate(checks))
    query = (f"SELECT * FROM (SELECT row, {flags} FROM {relation}) WHERE {' OR '.join(f'c{i}' for i in range(len(checks)))} "
             f"ORDER BY row LIMIT {MAX_REPORTED}")
    rows = cur.execute(query, named(query, {**params, "path": path})).fetchall()
    problems = [Problem(row, field, message) for row, *failed in rows
                for (field, _, message), bad in zip(checks, failed) if bad]
    return sorted(problems, key=lambda p: (p.row or 0, p.field or ""))[:MAX_REPORTED]


def _relation(cur: duckdb.DuckDBPyConnection, fmt: str, path: str, on_read: Callable[[], None] | None = None) -> str:
    """The file's rows for the queries that follow: a Parquet file is read again by each (a
    columnar read costs less than keeping a copy), a text file is parsed once into a temp table
    (`on_read` is called before that read)."""
    query = _normalised(cur, fmt, path)
    if fmt == "parquet":
        return f"({query})"
    if on_read:
        on_read()
    cur.execute(f"CREATE TEMP TABLE normalised AS {query}", {"path": path})
    return "normalised"


POLL_SECONDS = 0.2
CAP = 0.999  # what polling may show: only the committed load is 1


class _Watch:
    """Reports how far a load has got, as a fraction of its file (0 to 1), from DuckDB's own
    progress of the statement it runs: each statement that reads the file is an equal share."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, report: Callable[[float], None] | None, reads: int):
        self._cur, self._report, self._reads = cur, report, reads
        self._done, self._shown = -1, 0.0
        self._stop = threading.Event()

    def next_read(self) -> None:
        self._done += 1

    def _fraction(self) -> float:
        """How far the statements have got; below 1 until the load has committed."""
        percent = self._cur.query_progress()  # -1 when no statement is running or it cannot tell
        return min(CAP, (max(0, self._done) + max(0.0, min(percent, 100.0)) / 100) / self._reads)

    def poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._show(self._fraction())

    def _show(self, fraction: float) -> None:
        if fraction > self._shown:  # never backwards: a statement's estimate can dip
            self._report(fraction)
            self._shown = fraction

    @contextmanager
    def running(self) -> Iterator[_Watch]:
        """Polls while the body runs (with nothing to report to, it only counts). Enter it outside
        the load's transaction: a failed statement aborts the transaction, and the settings could
        then not be reset."""
        if self._report is None:
            yield self
            return
        self._cur.execute("SET enable_progress_bar = true")
        self._cur.execute("SET enable_progress_bar_print = false")
        thread = threading.Thread(target=self.poll, name="embedash-load-progress", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self._cur.execute("RESET enable_progress_bar")
            self._cur.execute("RESET enable_progress_bar_print")


def load_events_file(store: Store, path: str, progress: Callable[[float], None] | None = None) -> LoadResult:
    """Load one file in one transaction. Raises LoadError (nothing written) for a bad file or row.
    `progress`, if given, is called from another thread with the fraction of the file loaded so
    far (rising, up to 1 once it is in).

    A good file costs two reads: one for its counts, one that checks every row, drops what is
    stored or repeated and writes the rest in order (a failed check fails that statement). Only
    a file that fails is read once more, to name its first problems."""
    fmt = file_format(path)
    if not Path(path).is_file():
        raise LoadError(path, [Problem(None, None, "no such file")])
    try:
        # Events of any customer in the file: every remembered usage goes, the small tables' memos stay.
        with _Watch(store.cursor(), progress, reads=2 if fmt == "parquet" else 3).running() as watch:  # the transaction's cursor
            with store.transaction(events_only=True) as cur:  # a rollback also drops the temp table
                relation = _relation(cur, fmt, path, on_read=watch.next_read)
                _, params = _checks(cur)

                def check(split: Extraction) -> str:
                    return " OR ".join(f"({condition})" for _, condition, _ in _checks(cur, split)[0])

                rows, inserted = insert_new_events(cur, relation, read_columns(cur), order="row", tail=False,
                                                   params={**params, "path": path}, on_read=watch.next_read, check=check)
                if relation == "normalised":
                    cur.execute("DROP TABLE normalised")
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.InterruptException):  # stopped, not a bad file: no second read to name its problems
            raise
        raise LoadError(path, _problems_of(store, fmt, path) or [Problem(None, None, str(exc).splitlines()[0])]) from None
    if progress:
        progress(1.0)
    return LoadResult(path=path, rows=rows, inserted=inserted)


def _problems_of(store: Store, fmt: str, path: str) -> list[Problem]:
    """The problems of a file that failed to load (none if it failed for another reason)."""
    try:
        with store.transaction(events_only=True, customers=()) as cur:  # writes nothing but a temp table it drops
            relation = _relation(cur, fmt, path)
            problems = _problems(cur, relation, path)
            if relation == "normalised":
                cur.execute("DROP TABLE normalised")
        return problems
    except (duckdb.Error, LoadError):
        return _first_bad_line(path) if fmt == "ndjson" else []


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _first_bad_line(path: str) -> list[Problem]:
    """The first record of an NDJSON file that is not a JSON object, where DuckDB's reader stops
    with a message of its own (and its line numbers count from another place): rows count the
    lines that are not blank, as the reader does."""
    row = 0
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            row += 1
            try:
                if isinstance(json.loads(line, parse_constant=_not_json), dict):
                    continue
            except ValueError:
                pass
            return [Problem(row, None, "is not a JSON object" + (f" (line {number})" if number != row else ""))]
    return []
