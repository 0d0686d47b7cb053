"""Bulk loading of event files (Parquet, CSV, NDJSON) with DuckDB's own readers.

A file is one transaction: it is checked whole in SQL first, and a bad row stops it with
the file, row and field named, with nothing of it written. Its events are deduplicated on
(source, id) against the store and within the file (the first wins), and the rollup moves
in the same transaction, as with the HTTP API.

Columns: `id`, `source`, `type`, `subject` (the customer id; `customer_id` also works),
`time` (RFC 3339 with an offset, or a Parquet timestamp), and `data` (a JSON object). In a
file without `data`, every other column becomes a property of `data`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from data.rollup import add_batch_to_rollup
from data.store import Store, one

FORMATS = {".parquet": "parquet", ".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "ndjson"}
_READERS = {
    "parquet": "read_parquet(?)",
    "csv": "read_csv(?, header = true, all_varchar = true)",
    "ndjson": """read_json(?, format = 'newline_delimited', columns = {specversion: 'VARCHAR', id: 'VARCHAR',
                 source: 'VARCHAR', type: 'VARCHAR', subject: 'VARCHAR', customer_id: 'VARCHAR', time: 'VARCHAR',
                 data: 'JSON'})""",
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


def _columns(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {name: type_ for name, type_ in cur.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'staged' AND database_name = 'temp'").fetchall()}


def _normalise(cur: duckdb.DuckDBPyConnection, path: str) -> None:
    """`normalised`: row, source, id, customer_id, type, time_ok, time (naive UTC), data (JSON text or NULL)."""
    cols = _columns(cur)
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
        extra = [c for c in cols if c not in _ENVELOPE and c != "row"]
        fields = ", ".join(f"{_literal(c)}: {_identifier(c)}" for c in extra)
        data = f"CAST(to_json({{{fields}}}) AS VARCHAR)" if extra else "'{}'"
    time_type = cols["time"]
    if time_type.startswith("TIMESTAMP WITH TIME ZONE"):
        time_utc, time_ok = "CAST(timezone('UTC', time) AS TIMESTAMP)", "time IS NOT NULL"
    elif time_type.startswith("TIMESTAMP"):  # Parquet timestamps are UTC instants
        time_utc, time_ok = "CAST(time AS TIMESTAMP)", "time IS NOT NULL"
    else:
        time_utc = "CAST(timezone('UTC', TRY_CAST(time AS TIMESTAMPTZ)) AS TIMESTAMP)"
        time_ok = r"regexp_matches(CAST(time AS VARCHAR), '(Z|z|[+-]\d\d:?\d\d)$') AND TRY_CAST(time AS TIMESTAMPTZ) IS NOT NULL"
    cur.execute(f"""CREATE TEMP TABLE normalised AS
        SELECT row, CAST(source AS VARCHAR) AS source, CAST(id AS VARCHAR) AS id, CAST({subject} AS VARCHAR) AS customer_id,
               CAST(type AS VARCHAR) AS type, {time_ok} AS time_ok, {time_utc} AS time, {data} AS data
        FROM staged""")


def _problems(cur: duckdb.DuckDBPyConnection) -> list[Problem]:
    checks = [(field, f"coalesce(trim({column}), '') = ''", "is missing or empty")
              for field, column in (("id", "id"), ("source", "source"), ("type", "type"), ("subject", "customer_id"))]
    checks += [
        ("time", "NOT coalesce(time_ok, false)", "is not an RFC 3339 timestamp with an offset"),
        ("data", "data IS NOT NULL AND NOT (json_valid(data) AND json_type(data::JSON) = 'OBJECT')", "is not a JSON object"),
        ("subject", "customer_id NOT IN (SELECT id FROM customers) AND coalesce(trim(customer_id), '') <> ''", "is not a known customer"),
    ]
    problems: list[Problem] = []
    for field, condition, message in checks:
        for (row,) in cur.execute(f"SELECT row FROM normalised WHERE {condition} ORDER BY row LIMIT ?", [MAX_REPORTED]).fetchall():
            problems.append(Problem(row, field, message))
    numeric = cur.execute("""SELECT DISTINCT event_type, value_property FROM billable_metrics
                             WHERE value_property IS NOT NULL AND aggregation <> 'UNIQUE_COUNT'""").fetchall()
    for event_type, prop in numeric:
        rows = cur.execute(
            """SELECT row FROM normalised WHERE type = ? AND data IS NOT NULL AND json_valid(data)
                 AND TRY_CAST(json_extract_string(data, '$.' || ?) AS DECIMAL(38, 9)) IS NULL ORDER BY row LIMIT ?""",
            [event_type, prop, MAX_REPORTED]).fetchall()  # fmt: skip
        problems += [Problem(row, f"data.{prop}", f"must be a number (a {event_type} metric sums or compares it)") for (row,) in rows]
    return sorted(problems, key=lambda p: (p.row or 0, p.field or ""))[:MAX_REPORTED]


def load_events_file(store: Store, path: str) -> LoadResult:
    """Load one file in one transaction. Raises LoadError (nothing written) for a bad file or row."""
    reader = _READERS[file_format(path)]
    if not Path(path).is_file():
        raise LoadError(path, [Problem(None, None, "no such file")])
    with store.transaction() as cur:  # a rollback also drops the temp tables
        try:
            cur.execute(f"CREATE TEMP TABLE staged AS SELECT row_number() OVER () AS row, * FROM {reader}", [path])
            _normalise(cur, path)
            problems = _problems(cur)
            if problems:
                raise LoadError(path, problems)
            (batch_id,) = one(cur, "SELECT nextval('ingest_batches')")
            cur.execute(
                """INSERT OR IGNORE INTO events (source, id, customer_id, type, time, properties, batch_id)
                   SELECT source, id, customer_id, type, time, CAST(coalesce(data, '{}') AS JSON), ?
                   FROM normalised QUALIFY row_number() OVER (PARTITION BY source, id ORDER BY row) = 1""",
                [batch_id],
            )
            (rows,) = one(cur, "SELECT count(*) FROM normalised")
            (inserted,) = one(cur, "SELECT count(*) FROM events WHERE batch_id = ?", [batch_id])
            add_batch_to_rollup(cur, batch_id=batch_id)
            cur.execute("DROP TABLE normalised")
            cur.execute("DROP TABLE staged")
        except duckdb.Error as exc:
            raise LoadError(path, [Problem(None, None, str(exc).splitlines()[0])]) from None
    return LoadResult(path=path, rows=rows, inserted=inserted)
