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
JSON), and every read sees a property only through that text, so nothing a read can see is lost.

Columns are registered in `property_columns` (named `n1`, `t2`, ...: DuckDB compares
identifiers without case, property names are data) and added when a metric first reads a
property. Events stored before their column existed keep the property in the VARIANT, so a
read takes the column and falls back to the VARIANT: a metric created later reads older
events, a little slower, until `embedash cluster` moves those values into the columns.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import orjson

NUMBER, TEXT = "number", "text"
NUMBER_TYPE = "DECIMAL(38, 9)"
# The decimal's text without trailing zeros: 22.800000000 -> 22.8, 100.000000000 -> 100.
# A number column holds a property alone (it leaves the VARIANT) when this equals its text.
_DECIMAL_TEXT = "rtrim(rtrim(CAST({} AS VARCHAR), '0'), '.')"


@dataclass(frozen=True)
class PropertyColumns:
    """Which column holds which property: property -> column name, per kind."""

    number: tuple[tuple[str, str], ...] = ()
    text: tuple[tuple[str, str], ...] = ()

    def column(self, kind: str, prop: str) -> str | None:
        return dict(self.number if kind == NUMBER else self.text).get(prop)

    @property
    def empty(self) -> bool:
        return not (self.number or self.text)


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
    rows = cur.execute("SELECT kind, property, column_name FROM property_columns ORDER BY column_name").fetchall()
    return PropertyColumns(number=tuple((p, c) for k, p, c in rows if k == NUMBER),
                           text=tuple((p, c) for k, p, c in rows if k == TEXT))


def property_columns(store) -> PropertyColumns:
    """The columns as of the last commit (they change only with the metrics)."""
    return store.memo("property-columns", lambda: read_columns(store.cursor()))


def add_columns(cur: duckdb.DuckDBPyConnection) -> bool:
    """Add the columns the stored metrics read that `events` lacks; True if it added any.
    Call in the write transaction that stores metrics. Columns are never dropped: one that no
    metric reads any more still serves the reads of its property."""
    metrics = cur.execute("SELECT aggregation, value_property, group_keys FROM billable_metrics").fetchall()
    have = {(k, p) for k, p in cur.execute("SELECT kind, property FROM property_columns").fetchall()}
    missing = sorted(wanted(metrics) - have)
    for kind, prop in missing:
        (number,) = cur.execute("SELECT nextval('property_column_numbers')").fetchall()[0]
        name = f"{kind[0]}{number}"
        cur.execute(f"ALTER TABLE events ADD COLUMN {name} {NUMBER_TYPE if kind == NUMBER else 'VARCHAR'}")
        cur.execute("INSERT INTO property_columns (kind, property, column_name) VALUES (?, ?, ?)", [kind, prop, name])
    return bool(missing)


def _variant_text(prop: str) -> tuple[str, list]:
    return "CAST(variant_extract(properties, ?) AS VARCHAR)", [prop]


def text_sql(columns: PropertyColumns, prop: str) -> tuple[str, list]:
    """A property's text per event row (NULL when the event lacks it), with its parameters."""
    variant, params = _variant_text(prop)
    parts = [c for c in (columns.column(TEXT, prop),) if c] + [variant]
    if number := columns.column(NUMBER, prop):  # held by the number column alone: its decimal's text
        parts.append(_DECIMAL_TEXT.format(number))
    return (parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"), params


def number_sql(columns: PropertyColumns, prop: str) -> tuple[str, list]:
    """A property as a quantity per event row: DECIMAL(38, 9), NULL when missing or not a number.
    Through text, not DOUBLE: DuckDB's DOUBLE -> DECIMAL cast invents digits (5000000000.75
    gives 5000000000.750000128), while the text of a JSON number is the number as parsed."""
    text, params = text_sql(PropertyColumns(text=columns.text), prop)  # the number column comes first
    converted = f"TRY_CAST({text} AS {NUMBER_TYPE})"
    number = columns.column(NUMBER, prop)
    return (f"coalesce({number}, {converted})" if number else converted), params


def pointer(prop: str) -> str:
    """The JSON Pointer (RFC 6901) of a top-level property: any name, no path syntax to escape."""
    return "/" + prop.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Extraction:
    """How rows holding a JSON object become rows of `events`: `inner`, a select item over
    those rows, names `_texts` (every column's property text), and `values` are the stored
    (column, expression over `_texts`) with the VARIANT last; `params` are named ($...)."""

    inner: str
    values: tuple[tuple[str, str], ...]
    params: dict

    @property
    def names(self) -> str:
        return ", ".join(name for name, _ in self.values)

    @property
    def outer(self) -> str:
        return ", ".join(value for _, value in self.values)


def extraction(columns: PropertyColumns, json: str = "properties") -> Extraction:
    """The SQL that splits a JSON object (`json`, an expression over the inner rows) into the
    columns and what stays in the VARIANT. With no columns, the VARIANT takes it all."""
    cols = [(NUMBER, p, c) for p, c in columns.number] + [(TEXT, p, c) for p, c in columns.text]
    variant = f"CAST(CAST(coalesce({json}, '{{}}') AS JSON) AS VARIANT)"
    if not cols:
        return Extraction(inner="", values=(("properties", variant),), params={})
    params: dict = {"column_paths": [pointer(p) for _, p, _ in cols]}
    values, removed = [], []
    text_props = {p for p, _ in columns.text}
    for i, (kind, prop, name) in enumerate(cols, start=1):
        key = f"$column_key{i}"  # the merge patch member that removes the property
        if kind == TEXT:
            values.append((name, f"_texts[{i}]"))
            removed.append(key)
        else:
            number = f"TRY_CAST(_texts[{i}] AS {NUMBER_TYPE})"
            values.append((name, number))
            if prop in text_props:  # the text column holds it whole
                continue
            removed.append(f"CASE WHEN {_DECIMAL_TEXT.format(number)} = _texts[{i}] THEN {key} END")
        params[key[1:]] = orjson.dumps(prop).decode() + ":null"
    patch = f"'{{' || concat_ws(',', {', '.join(removed)}) || '}}'"
    # Nothing left is NULL, not an empty object: nothing to store or to look into.
    rest = f"nullif(CAST(json_merge_patch(coalesce({json}, '{{}}'), {patch}) AS VARCHAR), '{{}}')"
    values.append(("properties", f"CAST(CAST({rest} AS JSON) AS VARIANT)"))
    return Extraction(inner=f"json_extract_string({json}, $column_paths) AS _texts", values=tuple(values), params=params)


def properties_sql(columns: PropertyColumns) -> tuple[str, list]:
    """Each event's properties as one JSON object again, with its parameters: the VARIANT's,
    and each column's property as its text (the form every read sees)."""
    members, params = [], []
    texts = {p for p, _ in columns.text}
    held = list(columns.text) + [(p, _DECIMAL_TEXT.format(c)) for p, c in columns.number if p not in texts]
    for prop, value in held:
        members.append(f"CASE WHEN {value} IS NOT NULL THEN ? || ':' || to_json({value}) END")
        params.append(orjson.dumps(prop).decode())
    if not members:
        return "coalesce(CAST(properties AS JSON), '{}')", []
    # The VARIANT's members win: it keeps what a number column does not say in full.
    return (f"json_merge_patch('{{' || concat_ws(',', {', '.join(members)}) || '}}', coalesce(CAST(properties AS JSON), '{{}}'))",
            params)
