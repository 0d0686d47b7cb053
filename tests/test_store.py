"""The store's memo of small-table reads: never staler than the last commit. Its frames."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from data.customers import get_customer, upsert_customers
from data.models import Customer
from data.store import frame


def test_memo_computes_once_until_a_write_commits(store):
    calls = []
    read = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert store.memo("k", read) == 1
    assert store.memo("k", read) == 1
    with store.transaction():
        pass
    assert store.memo("k", read) == 2


def test_value_computed_while_a_write_commits_is_not_kept(store):
    def read_during_a_write():
        with store.transaction():
            pass
        return "stale"

    assert store.memo("k", read_during_a_write) == "stale"
    assert store.memo("k", lambda: "fresh") == "fresh"


def test_events_only_write_keeps_memos_of_the_small_tables(store):
    store.memo("k", lambda: "kept")
    with store.transaction(events_only=True):
        pass
    assert store.memo("k", lambda: "recomputed") == "kept"


def test_rolled_back_write_keeps_memos(store):
    store.memo("k", lambda: "kept")
    try:
        with store.transaction():
            raise RuntimeError("abandoned")
    except RuntimeError:
        pass
    assert store.memo("k", lambda: "recomputed") == "kept"


def test_customer_change_shows_at_once(store):
    upsert_customers(store, [Customer("c1", "Old name", "USD", "UTC", "en_US")])
    assert get_customer(store, "c1").name == "Old name"
    upsert_customers(store, [Customer("c1", "New name", "EUR", "UTC", "en_US")])
    assert get_customer(store, "c1") == Customer("c1", "New name", "EUR", "UTC", "en_US")


def test_usage_memo_survives_other_customers_events(store):
    store.memo("totals-a", lambda: "kept", usage_of="a")
    with store.transaction(events_only=True, customers=["b"]):
        pass
    assert store.memo("totals-a", lambda: "recomputed", usage_of="a") == "kept"


def test_usage_memo_is_forgotten_when_the_customers_events_change(store):
    store.memo("totals-a", lambda: "old", usage_of="a")
    with store.transaction(events_only=True, customers=["a"]):
        pass
    assert store.memo("totals-a", lambda: "new", usage_of="a") == "new"


def test_usage_memo_is_forgotten_when_any_customers_events_may_have_changed(store):
    store.memo("totals-a", lambda: "old", usage_of="a")
    with store.transaction(events_only=True):  # a loaded file: any customer
        pass
    assert store.memo("totals-a", lambda: "new", usage_of="a") == "new"


def test_an_ingest_forgets_only_its_own_customers_usage(store):
    from datetime import datetime

    from data.events import ingest_rows

    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US"), Customer("b", "B", "USD", "UTC", "en_US")])
    store.memo("totals-a", lambda: "a before", usage_of="a")
    store.memo("totals-b", lambda: "b before", usage_of="b")
    ingest_rows(store, [("src", "1", "b", "call", datetime(2026, 3, 1), {})])
    assert store.memo("totals-a", lambda: "a after", usage_of="a") == "a before"
    assert store.memo("totals-b", lambda: "b after", usage_of="b") == "b after"


def test_a_loaded_file_forgets_every_customers_usage_but_not_the_small_tables(store, tmp_path):
    from data.bulk import load_events_file

    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US")])
    path = tmp_path / "events.ndjson"
    path.write_text('{"id": "1", "source": "s", "type": "call", "subject": "a", "time": "2026-03-01T00:00:00Z"}\n')
    store.memo("totals-a", lambda: "before", usage_of="a")
    store.memo("k", lambda: "kept")
    load_events_file(store, str(path))
    assert store.memo("totals-a", lambda: "after", usage_of="a") == "after"
    assert store.memo("k", lambda: "recomputed") == "kept"


def test_a_frame_holds_each_value_as_python_gave_it(frame_path):
    when = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Paris"))
    rows = [(when, "eu", Decimal("1.10"), ("a", "b")), (when, None, None, ())]
    got = frame(rows, ["when", "group", "value", "keys"])
    assert list(got.columns) == ["when", "group", "value", "keys"] and set(map(str, got.dtypes)) == {"object"}
    assert [tuple(r) for r in got.itertuples(index=False)] == rows
    assert got["value"].tolist()[0].as_tuple() == Decimal("1.10").as_tuple()  # the Decimal itself, its exponent kept


def test_a_column_added_to_one_frame_is_not_in_the_next(frame_path):
    first = frame([(1, 2)], ["a", "b"])
    first["c"] = 3
    assert list(frame([(1, 2)], ["a", "b"]).columns) == ["a", "b"] and list(frame([], ["a", "b"]).columns) == ["a", "b"]


def test_columns_reads_the_named_columns_as_lists_whatever_the_frame(store):
    import pandas as pd

    from data.store import columns

    built = frame([("a", Decimal("1.5"), None), ("b", Decimal(2), "x")], ["name", "value", "group"])
    assert columns(built, "group", "name") == [[None, "x"], ["a", "b"]]
    mixed = pd.DataFrame({"n": [1, 2], "s": ["a", None]})  # typed columns, not one object array
    assert columns(mixed, "s", "n") == [mixed["s"].tolist(), mixed["n"].tolist()]
