"""Typed columns for the properties metrics read (data.columns): where a property is kept
changes no answer, and nothing a read can see is lost."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from data import Store
from data.cluster import cluster
from data.columns import _DECIMAL_TEXT, _OWN_TEXT, NUMBER_TYPE, read_columns
from data.customers import upsert_customers
from data.events import EVENT_COLUMNS, event_properties, ingest_events, ingest_rows
from data.metrics import get_metric, list_metrics, upsert_metrics
from data.models import BillableMetric, Customer
from data.usage import usage_series, usage_totals

T0, T1 = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
METRICS = [
    BillableMetric("sum_m", "Sum", "u", "e", "SUM", "v", ("region",)),
    BillableMetric("max_m", "Max", "u", "e", "MAX", "v", ()),
    BillableMetric("latest_m", "Latest", "u", "e", "LATEST", "v", ()),
    BillableMetric("unique_m", "Unique", "u", "e", "UNIQUE_COUNT", "user", ("region",)),
]
BY_V = BillableMetric("by_v", "By value", "u", "e", "COUNT", None, ("v",))  # a number read as a group
# Numbers as they come (written otherwise than their decimal too), a value that is no
# number, a missing one, objects and odd names.
ROWS = [
    ("s", "1", "a", "e", datetime(2026, 3, 1, 1), {"v": 1.25, "region": "eu", "user": "u1", "x": {"k": [1]}}),
    ("s", "2", "a", "e", datetime(2026, 3, 1, 2), {"v": "2.50", "region": "eu", "user": "u2"}),
    ("s", "3", "a", "e", datetime(2026, 3, 1, 3), {"v": 1e3, "region": "us", "user": "u1"}),
    ("s", "4", "a", "e", datetime(2026, 3, 2, 4), {"v": "lots", "region": None, "user": "u3"}),
    ("s", "5", "a", "e", datetime(2026, 3, 2, 5), {"region": "us", "Region": "US", "a/b": "slash", 'q"': 1}),
    ("s", "6", "a", "e", datetime(2026, 3, 2, 6), {"v": 0.1234567891234, "region": "us"}),
    ("s", "7", "a", "e", datetime(2026, 3, 2, 7), {"v": 3, "region": "eu"}),  # all of it in the columns
]


def answers(store: Store) -> dict:
    """Every read of customer a's usage: series by day and group, totals."""
    out = {}
    for m in list_metrics(store):
        for group_by in (None, *m.group_keys):
            got = usage_series(store, customer_id="a", metric=m, start=T0, end=T1, tz="UTC", group_by=group_by)
            out[(m.slug, group_by)] = list(zip(got.window_start, got.group, got.value))
    totals = usage_totals(store, customer_id="a", metrics=list_metrics(store), start=T0, end=T1, tz="UTC")
    out["totals"] = list(zip(totals.metric, totals.value))
    return out


def new_store(metrics_first: bool) -> Store:
    store = Store()
    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US")])
    if metrics_first:
        upsert_metrics(store, METRICS)
    ingest_rows(store, ROWS)
    if not metrics_first:
        upsert_metrics(store, METRICS)
    return store


@pytest.fixture
def columns_first():
    store = new_store(metrics_first=True)
    yield store
    store.close()


def test_properties_metrics_read_get_typed_columns_and_leave_the_variant(columns_first):
    cols = read_columns(columns_first.cursor())
    assert {c.prop for c in cols.number} == {"v"} and {c.prop for c in cols.text} == {"region", "user"}
    assert all(c.complete for c in cols.columns)  # made before any event: nothing of theirs in the VARIANT
    row = columns_first.cursor().execute("SELECT properties FROM events WHERE id = '1'").fetchall()[0][0]
    assert row == {"x": {"k": [1]}}  # v, region and user live in their columns


def test_an_event_whose_properties_the_columns_hold_whole_keeps_no_variant(columns_first):
    kept = dict(columns_first.cursor().execute("SELECT id, properties FROM events WHERE id IN ('2', '7')").fetchall())
    assert kept == {"7": None, "2": {"v": "2.50"}}  # 2.50 is not its decimal's text: the VARIANT keeps it as written


# Texts as a JSON property can hold them, and numbers as JSON writes them.
NUMBER_TEXTS = ["0", "-0", "0.0", "0.5", "-0.5", "-0.50", "5.", ".5", "1e3", "1E3", "007", "-007", "10", "100", "1.10",
                "0.123456789", "0.1234567891", "1.000000001", "1.0000000001", "9" * 29, "9" * 30, "-" + "9" * 29,
                "9" * 29 + ".999999999", " 5", "5 ", "+5", "1_000", "0x10", "Infinity", "NaN", "-", "", "12.5e-3", "--1"]


@pytest.mark.parametrize("text", NUMBER_TEXTS)
def test_a_number_column_holds_a_text_alone_exactly_when_it_is_its_decimals_text(text):
    number = f"TRY_CAST(? AS {NUMBER_TYPE})"
    same, matched = duckdb.connect().execute(
        f"SELECT coalesce({_DECIMAL_TEXT.format(number)} = ?, false), {number} IS NOT NULL AND regexp_full_match(?, '{_OWN_TEXT}')",
        [text, text, text, text]).fetchall()[0]
    assert matched == same


def test_the_answers_are_the_same_wherever_the_properties_are_kept(columns_first):
    expected = answers(columns_first)
    late = new_store(metrics_first=False)  # the events stored before their columns existed: read from the VARIANT
    try:
        assert answers(late) == expected
        assert not any(c.complete for c in read_columns(late.cursor()).columns)
        cluster(late)  # ... and moved into the columns, which are then read alone
        assert all(c.complete for c in read_columns(late.cursor()).columns)
        assert late.cursor().execute("SELECT properties FROM events WHERE id = '1'").fetchall()[0][0] == {"x": {"k": [1]}}
        assert answers(late) == expected
    finally:
        late.close()


def test_quantities_keep_nine_decimals(columns_first):
    totals = dict(answers(columns_first)["totals"])
    assert totals["sum_m"] == Decimal("1.25") + Decimal("2.50") + Decimal("1000") + Decimal("0.123456789") + 3


def test_a_number_grouped_by_later_reads_as_it_was_written(columns_first):
    upsert_metrics(columns_first, [BY_V])  # v's number column held 1.25 alone: its text comes from the decimal

    def groups():
        got = usage_series(columns_first, customer_id="a", metric=BY_V, start=T0, end=T1, tz="UTC", window_size="none", group_by="v")
        return dict(zip(got.group, got.value))

    expected = {"1.25": 1, "2.50": 1, "1000.0": 1, "lots": 1, None: 1, "0.1234567891234": 1, "3": 1}
    assert groups() == expected
    cluster(columns_first)  # the text moves into v's new text column
    assert groups() == expected


def test_nothing_a_read_sees_is_lost(columns_first):
    props = {id_: p for _, id_, p in event_properties(columns_first)}
    assert props["2"] == {"v": "2.50", "region": "eu", "user": "u2"}  # kept as written, not as 2.5
    assert props["4"] == {"v": "lots", "user": "u3"}  # no number; a null property reads as a missing one
    assert props["5"] == {"region": "us", "Region": "US", "a/b": "slash", 'q"': 1}
    assert props["6"]["v"] == 0.1234567891234  # more decimals than the number column keeps
    assert props["1"] == {"v": "1.25", "region": "eu", "user": "u1", "x": {"k": [1]}}  # held by the columns: as text
    assert props["7"] == {"v": "3", "region": "eu"}


def test_names_differing_only_in_case_get_their_own_columns(columns_first):
    upsert_metrics(columns_first, [BillableMetric("cased", "Cased", "u", "e", "COUNT", None, ("Region", "a/b"))])
    got = usage_series(columns_first, customer_id="a", metric=get_metric(columns_first, "cased"), start=T0, end=T1, tz="UTC",
                       window_size="none", group_by="Region")
    assert list(zip(got.group, got.value)) == [(None, 6), ("US", 1)]


def test_a_store_whose_metrics_predate_their_columns_gets_them_when_opened(tmp_path):
    path = str(tmp_path / "old.duckdb")
    store = Store(path)
    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US")])
    upsert_metrics(store, METRICS)
    ingest_rows(store, ROWS)
    expected = answers(store)
    with store.transaction() as cur:  # back to how schema 5 kept it: every property in the VARIANT
        cur.execute("DELETE FROM events")
        for column in read_columns(cur).columns:
            cur.execute(f"ALTER TABLE events DROP COLUMN {column.name}")
        cur.execute("DELETE FROM property_columns")
    ingest_rows(store, ROWS)
    store.close()
    reopened = Store(path)
    try:
        assert not read_columns(reopened.cursor()).empty
        assert answers(reopened) == expected
    finally:
        reopened.close()


def test_a_column_added_while_dashboards_read_breaks_no_read(columns_first):
    errors, stop = [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                answers(columns_first)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for i in range(20):
        upsert_metrics(columns_first, [BillableMetric(f"late{i}", "Late", "u", "e", "SUM", f"p{i}", (f"k{i}",))])
    stop.set()
    for t in readers:
        t.join()
    assert errors == [] and len(read_columns(columns_first.cursor()).number) == 21


def test_a_number_column_added_after_a_text_column_is_filled_by_cluster(columns_first):
    upsert_metrics(columns_first, [BillableMetric("by_user", "Users", "u", "e", "COUNT", None, ("tokens",))])  # text column
    ingest_rows(columns_first, [("s", "t1", "a", "e", datetime(2026, 3, 1, 9), {"tokens": 5})])
    summed = BillableMetric("tokens", "Tokens", "u", "e", "SUM", "tokens", ())  # its number column comes later

    def total():
        upsert_metrics(columns_first, [summed])
        got = usage_series(columns_first, customer_id="a", metric=summed, start=T0, end=T1, tz="UTC", window_size="none")
        return got.value.iloc[0]

    assert total() == 5
    cluster(columns_first)
    assert total() == 5


def test_a_property_reads_the_same_whether_its_event_came_before_its_column_or_after(columns_first):
    # (Not an object nor an integer past 64 bits: data.columns.extraction says why.)
    odd = '{"f": 1e16, "t": 1.5e-7, "big": 1234567890123456789, "s": "{not json", "meta": "[1, 2]"}'  # as a file sends it

    def ingest(id_):
        ingest_events(columns_first, pd.DataFrame([("s", id_, "a", "e", datetime(2026, 3, 1, 9), odd)], columns=EVENT_COLUMNS))

    ingest("o1")  # kept in the VARIANT
    keys = ("meta", "f", "t", "big", "s")
    upsert_metrics(columns_first, [BillableMetric("odd", "Odd", "u", "e", "COUNT", None, keys),
                                   BillableMetric("metas", "Metas", "u", "e", "UNIQUE_COUNT", "meta", ())])
    ingest("o2")  # into the new columns

    def groups():
        metric = get_metric(columns_first, "odd")
        out = {key: dict(zip(*[usage_series(columns_first, customer_id="a", metric=metric, start=T0, end=T1, tz="UTC",
                                            window_size="none", group_by=key)[c] for c in ("group", "value")]))
               for key in keys}  # fmt: skip
        distinct = usage_series(columns_first, customer_id="a", metric=get_metric(columns_first, "metas"), start=T0, end=T1,
                                tz="UTC", window_size="none")
        return out, distinct.value.iloc[0]

    before = groups()
    assert all(2 in counts.values() for counts in before[0].values()) and before[1] == 1
    cluster(columns_first)
    assert groups() == before


def test_stored_properties_include_what_a_new_text_column_has_not_taken_yet(columns_first):
    upsert_metrics(columns_first, [BY_V])  # v gets a text column beside its number column, empty for stored events
    props = {id_: p for _, id_, p in event_properties(columns_first)}
    assert props["7"] == {"v": "3", "region": "eu"}


def test_stored_properties_keep_nulls_inside_objects(columns_first):
    ingest_rows(columns_first, [("s", "n1", "a", "e", datetime(2026, 3, 1, 9), {"v": 1, "x": {"a": None, "b": 1}})])
    props = {id_: p for _, id_, p in event_properties(columns_first)}
    assert props["n1"] == {"v": "1", "x": {"a": None, "b": 1}}


def test_a_read_written_for_columns_a_commit_replaced_runs_again(columns_first, monkeypatch):
    import data.columns

    real, calls = data.columns.property_columns, []
    metric = BillableMetric("by_zone", "Zones", "u", "e", "COUNT", None, ("zone",))

    def columns_then_a_metric_and_an_ingest_commit(store):
        got = real(store)
        if not calls:  # between reading the columns and running the query, in another thread
            upsert_metrics(store, [metric])
            ingest_rows(store, [("s", "z1", "a", "e", datetime(2026, 3, 1, 9), {"zone": "z-9"})])
        calls.append(got)
        return got

    monkeypatch.setattr(data.columns, "property_columns", columns_then_a_metric_and_an_ingest_commit)
    got = usage_series(columns_first, customer_id="a", metric=metric, start=T0, end=T1, tz="UTC", window_size="none",
                       group_by="zone")
    assert ("z-9", 1) in list(zip(got.group, got.value)) and calls[0] != calls[-1]
