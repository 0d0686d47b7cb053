"""Typed columns for the properties metrics read, beside the `properties` VARIANT.

Reading a property out of the VARIANT and converting it costs more than the rest of a usage
query (bench/README.md: a customer's window totals 7.8 ms from the VARIANT, 3.1 ms from a
DECIMAL column, at 100M events). So each property a metric reads gets a column of `events`:

- a number column, DECIMAL(38, 9), when a SUM, MAX or LATEST metric reads it as a quantity;
- a text column, VARCHAR, when a metric groups by it or counts its distinct values;
- both when metrics read it both ways.

The VARIANT keeps the rest: every property no column holds, and a number column's property
whenever the column does not hold all of it: a value that is not a number, or a number
written otherwise than as its decimal (`1.50`, `1e3`, more than 9 decimals). A property's
text is what `json_extract_string` gives (strings unquoted, numbers as parsed, objects as
JSON; the VARIANT's fallback reads give the same, but for the two exceptions `extraction`
names), and every read sees a property only through that text, so nothing a read can see is
lost.

Columns are registered in `property_columns` (named `n1`, `t2`, ...: DuckDB compares
identifiers without case, property names are data) and added when a metric first reads a
property. Events stored before their column existed keep the property in the VARIANT, so
until then a read takes the column and falls back to the VARIANT: a metric created later
reads older events, a little slower, until `embedash cluster` moves those values into the
columns and marks them complete. A complete column is read alone: scanning the VARIANT
beside it, even for nothing, costs a usage series most of what the column saves.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb
import orjson

NUMBER, TEXT = "number", "text"
NUMBER_TYPE = "DECIMAL(38, 9)"
# A property's text out of the VARIANT, as `extraction` takes it out of JSON text.
_VARIANT_TEXT = "json_extract_string(CAST(variant_extract(properties, ?) AS JSON), '$')"
# The decimal's text without trailing zeros: 22.800000000 -> 22.8, 100.000000000 -> 100.
# A number column holds a property alone (it leaves the VARIANT) when this equals its text.
_DECIMAL_TEXT = "rtrim(rtrim(CAST({} AS VARCHAR), '0'), '.')"
# The texts a number column holds alone, told without writing the decimal as text (which
# costs a load four times this match): for every text the cast reads, the same answer as
# comparing the text with _DECIMAL_TEXT of its cast (tests/test_columns.py).
_OWN_TEXT = r"^(-?[1-9][0-9]*(\.[0-9]{0,8}[1-9])?|0(\.[0-9]{0,8}[1-9])?|-0\.[0-9]{0,8}[1-9])$"


@dataclass(frozen=True)
class Column:
    kind: str  # NUMBER or TEXT
    prop: str
    name: str
    complete: bool  # holds the property of every stored event: no read need look in the VARIANT


@dataclass(frozen=True)
class PropertyColumns:
    """Which column holds which property, in the order they were added."""

    columns: tuple[Column, ...] = ()

    def column(self, kind: str, prop: str) -> Column | None:
        return next((c for c in self.columns if c.kind == kind and c.prop == prop), None)

    @property
    def number(self) -> list[Column]:
        return [c for c in self.columns if c.kind == NUMBER]

    @property
    def text(self) -> list[Column]:
        return [c for c in self.columns if c.kind == TEXT]

    @property
    def empty(self) -> bool:
        return not self.columns


def wanted(metrics: Iterable[tuple[str, str | None, Iterable[str]]]) -> set[tuple[str, str]]:
    """(kind, property) for every way metrics, given as (aggregation, value property, group
    keys), read a property."""
    out: set[tuple[str, str]] = set()
    for aggregation, value_property, group_keys in metrics:
        if value_property and aggregation in ("SUM", "MAX", "LATEST"):
            out.add((NUMBER, value_property))
        elif value_property and aggregation == "UNIQUE_COUNT":
            out.add((TEXT, value_property))
        out.update((TEXT, key) for key in group_keys)
    return out


def read_columns(cur: duckdb.DuckDBPyConnection) -> PropertyColumns:
    rows = cur.execute("SELECT kind, property, column_name, complete FROM property_columns ORDER BY position").fetchall()
    return PropertyColumns(tuple(Column(*row) for row in rows))


def property_columns(store) -> PropertyColumns:
    """The columns as of the last commit (they change only with the metrics and `cluster`)."""
    return store.memo("property-columns", lambda: read_columns(store.cursor()))


def add_columns(cur: duckdb.DuckDBPyConnection) -> None:
    """Add the columns the stored metrics read that `events` lacks. Call in the write transaction that stores metrics. A column added while no event is
    stored is complete; else it stays incomplete until `cluster` fills it. Columns are never
    dropped: one that no metric reads any more still serves the reads of its property."""
    metrics = cur.execute("SELECT aggregation, value_property, group_keys FROM billable_metrics").fetchall()
    have = {(k, p) for k, p in cur.execute("SELECT kind, property FROM property_columns").fetchall()}
    missing = sorted(wanted(metrics) - have)
    if missing:
        (empty,) = cur.execute("SELECT NOT EXISTS (SELECT 1 FROM events)").fetchall()[0]
    for kind, prop in missing:
        (position,) = cur.execute("SELECT nextval('property_column_numbers')").fetchall()[0]
        name = f"{kind[0]}{position}"
        cur.execute(f"ALTER TABLE events ADD COLUMN {name} {NUMBER_TYPE if kind == NUMBER else 'VARCHAR'}")
        cur.execute("INSERT INTO property_columns (kind, property, column_name, position, complete) VALUES (?, ?, ?, ?, ?)",
                    [kind, prop, name, position, empty])


def mark_complete(cur: duckdb.DuckDBPyConnection) -> None:
    """Every column holds its property for every event (after `cluster` has moved them all)."""
    cur.execute("UPDATE property_columns SET complete = true WHERE NOT complete")


def text_sql(columns: PropertyColumns, prop: str) -> tuple[str, list]:
    """A property's text per event row (NULL when the event lacks it), with its parameters."""
    text = columns.column(TEXT, prop)
    if text and text.complete:
        return text.name, []
    parts = ([text.name] if text else []) + [_VARIANT_TEXT]
    if number := columns.column(NUMBER, prop):  # held by the number column alone: its decimal's text
        parts.append(_DECIMAL_TEXT.format(number.name))
    return (parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"), [prop]


def number_sql(columns: PropertyColumns, prop: str) -> tuple[str, list]:
    """A property as a quantity per event row: DECIMAL(38, 9), NULL when missing or not a number.
    Through text, not DOUBLE: DuckDB's DOUBLE -> DECIMAL cast invents digits (5000000000.75
    gives 5000000000.750000128), while the text of a JSON number is the number as parsed."""
    number = columns.column(NUMBER, prop)
    if number and number.complete:  # a value it does not hold is no number
        return number.name, []
    text, params = text_sql(PropertyColumns(tuple(columns.text)), prop)  # the number column comes first
    converted = f"TRY_CAST({text} AS {NUMBER_TYPE})"
    return (f"coalesce({number.name}, {converted})" if number else converted), params


def pointer(prop: str) -> str:
    """The JSON Pointer (RFC 6901) of a top-level property: any name, no path syntax to escape."""
    return "/" + prop.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Extraction:
    """How rows holding a JSON object become rows of `events`: `values` are the stored
    (column, expression over a row of `rows(...)`) with the VARIANT last; `params` are named ($...)."""

    values: tuple[tuple[str, str], ...]
    params: dict
    parsed: tuple[tuple[str, str], ...] = ()  # (helper column, expression over the JSON): read once a row
    # (property, its text and its number column's value over a row of `rows(...)`)
    quantities: tuple[tuple[str, str, str], ...] = ()

    def quantity(self, prop: str) -> tuple[str, str] | None:
        """The text of `prop` in a row of `rows(...)` (NULL: the object lacks it) and what its
        number column takes of it (NULL: not a number), if it has a number column."""
        return next(((text, value) for p, text, value in self.quantities if p == prop), None)

    @property
    def names(self) -> str:
        return ", ".join(name for name, _ in self.values)

    @property
    def outer(self) -> str:
        return ", ".join(value for _, value in self.values)

    @property
    def helpers(self) -> list[str]:
        return [name for name, _ in self.parsed]

    def rows(self, relation: str) -> str:
        """`relation` with the helper columns `values` read."""
        if not self.parsed:
            return relation
        return f"(SELECT *, {', '.join(f'{value} AS {name}' for name, value in self.parsed)} FROM {relation})"


def extraction(columns: PropertyColumns, json: str = "properties") -> Extraction:
    """The SQL that splits a JSON object (`json`, an expression over a row) into the columns
    and what stays in the VARIANT. With no columns, the VARIANT takes it all.

    A property's text is `json_extract_string` of it, as the VARIANT fallback reads it too,
    with two exceptions: an object (the VARIANT sorts its keys) and an integer past 64 bits
    (the VARIANT keeps a double). Such a value reads as sent from a column and as the VARIANT
    has it from an event stored before the column existed. Making them agree here cost every
    ingest about 5 ms of planning (measured on 2026-12-01), more than a whole small batch.

    Each JSON function parses the text anew, and parsing is most of what a load costs: the
    columns' texts come from one multi-path extract, and the merge patch that leaves the
    VARIANT the rest (two parses and a write) runs only for an object with a property no
    column takes whole; for the others the object's keys (one parse) say nothing is left.
    With _OWN_TEXT in place of writing each decimal as text, a load of 5M events took 10.5 s
    instead of 17.9 (10.6 s of CPU instead of 21.5; 2026-12-01)."""
    params: dict = {}
    values, removed, taken, quantities = [], [], [], []  # taken: for each property the columns take whole, 1 if the object has it (SQL)
    text_props = {c.prop for c in columns.text}
    for i, column in enumerate(columns.number + columns.text, start=1):
        params[f"column_path{i}"] = pointer(column.prop)
        text = f"_texts[{i}]"
        key = f"$column_key{i}"  # the merge patch member that removes the property
        if column.kind == TEXT:
            values.append((column.name, text))
            removed.append(key)
            taken.append(f"CAST({text} IS NOT NULL AS INTEGER)")
        else:
            number = f"TRY_CAST({text} AS {NUMBER_TYPE})"
            values.append((column.name, number))
            quantities.append((column.prop, text, number))
            if column.prop in text_props:  # the text column holds it whole
                continue
            whole = f"{number} IS NOT NULL AND regexp_full_match({text}, '{_OWN_TEXT}')"
            removed.append(f"CASE WHEN {whole} THEN {key} END")
            taken.append(f"CAST(coalesce({whole}, false) AS INTEGER)")
        params[key[1:]] = orjson.dumps(column.prop).decode() + ":null"
    if not values:
        return Extraction(values=(("properties", f"CAST(CAST(coalesce({json}, '{{}}') AS JSON) AS VARIANT)"),), params={})
    paths = ", ".join(f"$column_path{i}" for i in range(1, len(values) + 1))
    parsed = (("_texts", f"json_extract_string({json}, [{paths}])"), ("_keys", f"json_keys({json})"))
    patch = f"'{{' || concat_ws(',', {', '.join(removed)}) || '}}'"
    # Nothing left is NULL, not an empty object: nothing to store or to look into.
    rest = f"nullif(CAST(json_merge_patch({json}, {patch}) AS VARCHAR), '{{}}')"
    # Something is left unless every key is one the columns take whole: as many keys as such
    # properties found. A property whose value is null counts as not found, so an object with
    # one (or with a key twice) takes the merge patch, which gives the same answer, slower.
    left = f"len(_keys) <> {' + '.join(taken)}"
    values.append(("properties", f"CASE WHEN {json} IS NOT NULL AND {left} THEN CAST(CAST({rest} AS JSON) AS VARIANT) END"))
    return Extraction(values=tuple(values), params=params, parsed=parsed, quantities=tuple(quantities))


def settled(columns: PropertyColumns, where: str) -> tuple[str, dict]:
    """The events `where` selects, each property that has a column moved into it out of the
    VARIANT, as if the event had arrived after the column existed; with its parameters. A
    column added beside another of the same property also takes what that one holds."""
    if columns.empty:
        return f"SELECT * FROM events WHERE {where}", {}
    split = extraction(columns, json="CAST(properties AS JSON)")
    values = []
    for column, (name, value) in zip(columns.number + columns.text + [None], split.values):
        if column is None:  # the VARIANT: what no column holds
            values.append(f"{value} AS {name}")
            continue
        parts = [name, value]
        if column.kind == TEXT and (number := columns.column(NUMBER, column.prop)):
            parts.append(_DECIMAL_TEXT.format(number.name))
        if column.kind == NUMBER and (text := columns.column(TEXT, column.prop)):  # ingest took it out of the VARIANT
            parts.append(f"TRY_CAST({text.name} AS {NUMBER_TYPE})")
        values.append(f"coalesce({', '.join(parts)}) AS {name}")
    exclude = f"EXCLUDE ({', '.join(split.helpers)}) " if split.helpers else ""
    return f"SELECT * {exclude}REPLACE ({', '.join(values)}) FROM {split.rows(f'(SELECT * FROM events WHERE {where})')}", split.params


def properties_sql(columns: PropertyColumns) -> tuple[str, list]:
    """Each event's properties as one JSON object again, with its parameters: the VARIANT's,
    and each property a column holds as its text (the form every read sees), unless the
    VARIANT keeps that property itself (a number the decimal does not hold whole)."""
    members, params = [], []
    for prop in dict.fromkeys(c.prop for c in columns.columns):
        text, number = columns.column(TEXT, prop), columns.column(NUMBER, prop)
        held = [text.name] if text else []
        held += [_DECIMAL_TEXT.format(number.name)] if number else []
        value = held[0] if len(held) == 1 else f"coalesce({', '.join(held)})"
        members.append(f"CASE WHEN {value} IS NOT NULL AND variant_extract(properties, ?) IS NULL "
                       f"THEN ? || ':' || to_json({value}) END")
        params += [prop, orjson.dumps(prop).decode()]
    rest = "coalesce(CAST(properties AS JSON), '{}')"
    if not members:
        return rest, []
    # The columns' members patch the VARIANT's object: none is null, so nothing of it goes.
    return f"json_merge_patch({rest}, '{{' || concat_ws(',', {', '.join(members)}) || '}}')", params


class OutOfRange(ArithmeticError):
    """An aggregate too large for the store's numbers: a sum of quantities past DECIMAL(38, 9)
    (each quantity is below 10^29, but two of them need not be)."""


def fetch(store, build: Callable[[PropertyColumns], tuple[str, list]]) -> list[tuple]:
    """The rows of the query `build` writes for the columns. Should the columns change while it
    runs (a metric adding one, then an ingest filling it), it may have been written for columns
    older than what it read: it is written and run again for the new ones. Raises OutOfRange
    for an aggregate the store's numbers cannot hold."""
    columns = property_columns(store)
    while True:
        sql, params = build(columns)
        try:
            rows = store.cursor().execute(sql, params).fetchall()
        except duckdb.OutOfRangeException as exc:
            raise OutOfRange(str(exc).splitlines()[0]) from None
        latest = property_columns(store)
        if latest == columns:
            return rows
        columns = latest
