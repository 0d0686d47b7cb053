"""Bulk loading event files: formats, dedup, and all-or-nothing files with named errors."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner

from api import create_app
from api.cli import main
from conftest import AUTH, SECRET, cloud_event
from data import Store
from data import bulk
from data.bulk import LoadError, load_events_file
from data.customers import upsert_customers
from data.events import count_events, event_properties
from data.metrics import get_metric, upsert_metrics
from data.models import BillableMetric, Customer
from data.usage import usage_series

HEADER = "id,source,type,subject,time,region,tokens"


def with_c1_and_tokens(store: Store) -> Store:
    upsert_customers(store, [Customer("c1", "One", "USD", "UTC", "en_US")])
    upsert_metrics(store, [BillableMetric("tokens", "Tokens", "tokens", "llm", "SUM", "tokens", ("region",))])
    return store


@pytest.fixture
def ready(store):
    return with_c1_and_tokens(store)


def tokens_total(store, customer="c1") -> Decimal:
    got = usage_series(store, customer_id=customer, metric=get_metric(store, "tokens"), start=datetime(2026, 1, 1, tzinfo=UTC),
                       end=datetime(2026, 2, 1, tzinfo=UTC), tz="UTC", window_size="none")
    return got.value.iloc[0] if len(got) else Decimal(0)


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> str:
    """A store file with customer c1 and the tokens metric, closed, for the CLI to open."""
    monkeypatch.setenv("EMBEDASH_SECRET_KEYS", SECRET)
    db = str(tmp_path / "s.duckdb")
    with_c1_and_tokens(Store(db)).close()
    return db


def write_csv(path, rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return str(path)


def as_parquet(csv_path: str, target, *, naive: bool = False) -> str:
    """The CSV's rows as Parquet, its times a TIMESTAMP WITH TIME ZONE column; `naive`, a
    TIMESTAMP column (no time zone) holding their UTC wall-clock times."""
    time = "timezone('UTC', CAST(time AS TIMESTAMPTZ))" if naive else "CAST(time AS TIMESTAMPTZ)"
    duckdb.connect().execute(f"""COPY (SELECT * REPLACE ({time} AS time)
        FROM read_csv('{csv_path}', all_varchar=true)) TO '{target}' (FORMAT parquet)""")
    return str(target)


def test_csv_with_property_columns_loads(ready, tmp_path):
    path = write_csv(tmp_path / "e.csv", ["1,f,llm,c1,2026-01-05T10:00:00Z,eu,1.5", "2,f,llm,c1,2026-01-05T11:00:00+02:00,us,2"])
    result = load_events_file(ready, path)
    assert (result.rows, result.inserted) == (2, 2)
    assert tokens_total(ready) == Decimal("3.5")
    props = [p for _, _, p in event_properties(ready)]
    assert props[0] == {"region": "eu", "tokens": "1.5"}


def test_parquet_with_a_data_column_and_timestamps_loads(ready, tmp_path):
    path = str(tmp_path / "e.parquet")
    duckdb.connect().execute(f"""COPY (SELECT 'p' || i AS id, 'f' AS source, 'llm' AS type, 'c1' AS subject,
        TIMESTAMPTZ '2026-01-10 00:00:00+00' + INTERVAL (i) HOUR AS time,
        json_object('tokens', i, 'region', 'eu') AS data FROM range(100) t(i)) TO '{path}' (FORMAT parquet)""")
    assert load_events_file(ready, path).inserted == 100
    assert tokens_total(ready) == Decimal(sum(range(100)))


def test_a_naive_parquet_timestamp_is_taken_as_utc(ready, tmp_path):
    """A Parquet TIMESTAMP without a time zone is a UTC wall-clock time (data.bulk, README), not the
    writer's or the server's local time."""
    path = str(tmp_path / "naive.parquet")
    duckdb.connect().execute(f"""COPY (SELECT 'n1' AS id, 'f' AS source, 'llm' AS type, 'c1' AS subject,
        TIMESTAMP '2026-01-10 09:30:00.25' AS time, json_object('tokens', 1) AS data) TO '{path}' (FORMAT parquet)""")
    assert duckdb.connect().execute(f"DESCRIBE SELECT time FROM read_parquet('{path}')").fetchone()[1] == "TIMESTAMP"
    assert load_events_file(ready, path).inserted == 1
    stored = ready.cursor().execute("SELECT time FROM events").fetchall()
    assert stored == [(datetime(2026, 1, 10, 9, 30, 0, 250000, tzinfo=UTC).replace(tzinfo=None),)]  # the store keeps naive UTC


def write_rows(path: str, fmt: str, rows: int, *, bad_last: bool = False) -> str:
    """`rows` events of c1 as Parquet or CSV; with `bad_last`, the last one's tokens are not a number."""
    tokens = f"CASE WHEN i = {rows - 1} THEN 'lots' ELSE CAST(i AS VARCHAR) END" if bad_last else "i"
    duckdb.connect().execute(f"""COPY (SELECT 'p' || i AS id, 'f' AS source, 'llm' AS type, 'c1' AS subject,
        '2026-01-10T00:00:00Z' AS time, {tokens} AS tokens, 'eu' AS region FROM range({rows}) t(i)) TO '{path}' (FORMAT {fmt})""")
    return path


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_load_reports_its_progress_rising_to_one(ready, tmp_path, fmt, monkeypatch):
    monkeypatch.setattr(bulk, "POLL_SECONDS", 0.001)
    seen = []
    assert load_events_file(ready, write_rows(str(tmp_path / f"e.{fmt}"), fmt, 200_000), progress=seen.append).inserted == 200_000
    assert any(0 < f < 1 for f in seen) and seen[-1] == 1.0
    assert seen == sorted(seen)


def test_a_failed_load_reports_progress_short_of_one_and_leaves_no_setting_behind(ready, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "POLL_SECONDS", 0.001)
    seen = []
    with pytest.raises(LoadError, match="row 200000, field data.tokens"):
        load_events_file(ready, write_rows(str(tmp_path / "bad.csv"), "csv", 200_000, bad_last=True), progress=seen.append)
    assert seen and max(seen) < 1
    assert ready.cursor().execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)


def test_ndjson_cloudevents_load(ready, tmp_path):
    path = tmp_path / "e.ndjson"
    when = datetime(2026, 1, 3, 1, tzinfo=UTC)
    path.write_text("\n".join(json.dumps(cloud_event(f"n{i}", "c1", "llm", when, tokens=i + 1, region="eu")) for i in range(3)) + "\n")
    assert load_events_file(ready, str(path)).inserted == 3
    assert tokens_total(ready) == Decimal(6)


def test_loading_the_same_file_twice_adds_nothing(ready, tmp_path):
    path = write_csv(tmp_path / "e.csv", ["1,f,llm,c1,2026-01-05T10:00:00Z,eu,1", "1,f,llm,c1,2026-01-05T10:00:00Z,eu,100"])
    first = load_events_file(ready, path)
    again = load_events_file(ready, path)
    assert (first.inserted, again.inserted, again.duplicates) == (1, 0, 2)
    assert tokens_total(ready) == Decimal(1)  # within the file the first copy wins


def test_events_sent_over_http_are_not_loaded_again_from_a_file(client, store, world, tmp_path):
    client.post("/v1/events", headers=AUTH, json=[cloud_event("same", "cust-a", "llm", datetime(2026, 1, 5, tzinfo=UTC), tokens=5, model="m")])
    path = tmp_path / "e.csv"
    path.write_text("id,source,type,subject,time,tokens,model\nsame,tests,llm,cust-a,2026-01-05T00:00:00Z,5,m\n"
                    "new,tests,llm,cust-a,2026-01-05T00:00:00Z,7,m\n")
    result = load_events_file(store, str(path))
    assert (result.inserted, result.duplicates) == (1, 1)


def test_events_loaded_by_the_cli_are_not_ingested_again_over_http(tmp_path, db_file, config):
    path = write_csv(tmp_path / "e.csv", ["1,tests,llm,c1,2026-01-05T10:00:00Z,eu,5"])
    out = CliRunner().invoke(main, ["load", "--db", db_file, "events", path])
    assert out.exit_code == 0 and "1 new" in out.output, out.output
    store = Store(db_file)
    client = create_app(replace(config, database=db_file), store=store).test_client()
    again = [cloud_event("1", "c1", "llm", datetime(2026, 1, 5, 10, tzinfo=UTC), tokens=5, region="eu"),
             cloud_event("2", "c1", "llm", datetime(2026, 1, 5, 11, tzinfo=UTC), tokens=7, region="eu")]
    r = client.post("/v1/events", headers=AUTH, json=again)
    assert r.json["data"] == {"received": 2, "inserted": 1, "duplicates": 1}
    assert tokens_total(store) == Decimal(12)
    store.close()


@pytest.mark.parametrize("row, field", [
    ("2,f,llm,c1,2026-01-05T10:00:00,eu,1", "time"),          # no offset
    ("2,f,llm,c1,yesterday,eu,1", "time"),
    ("2,f,llm,c1,20260105T100000Z,eu,1", "time"),              # basic format: not RFC 3339
    ("2,f,llm,nobody,2026-01-05T10:00:00Z,eu,1", "subject"),
    ("2,f,llm,c1,2026-01-05T10:00:00Z,eu,lots", "data.tokens"),
    (",f,llm,c1,2026-01-05T10:00:00Z,eu,1", "id"),
])  # fmt: skip
def test_a_bad_row_names_file_row_and_field_and_writes_nothing(ready, tmp_path, row, field):
    path = write_csv(tmp_path / "bad.csv", ["1,f,llm,c1,2026-01-05T10:00:00Z,eu,1", row, "3,f,llm,c1,2026-01-05T10:00:00Z,eu,1"])
    with pytest.raises(LoadError) as exc:
        load_events_file(ready, path)
    assert exc.value.problems[0].row == 2 and exc.value.problems[0].field == field
    assert str(exc.value).startswith(f"{path}: row 2, field {field}: ")
    assert count_events(ready) == 0 and tokens_total(ready) == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet", "parquet naive"])
def test_a_row_dated_more_than_a_day_ahead_names_its_row_and_writes_nothing(ready, tmp_path, fmt):
    ahead = (datetime.now(UTC) + timedelta(days=36500)).strftime("%Y-%m-%dT%H:%M:%SZ")  # 2126 for 2026: a wrong year
    path = write_csv(tmp_path / "ahead.csv", ["1,f,llm,c1,2026-01-05T10:00:00Z,eu,1", f"2,f,llm,c1,{ahead},eu,1"])
    if fmt != "csv":
        path = as_parquet(path, tmp_path / "ahead.parquet", naive=fmt == "parquet naive")
    with pytest.raises(LoadError) as exc:
        load_events_file(ready, path)
    assert str(exc.value) == f"{path}: row 2, field time: is more than 24 hours ahead of the server's clock"
    assert count_events(ready) == 0


def test_a_row_without_the_property_a_metric_sums_loads_and_counts_for_nothing(ready, tmp_path):
    path = tmp_path / "e.ndjson"
    path.write_text('{"id": "1", "source": "f", "type": "llm", "subject": "c1", "time": "2026-01-05T10:00:00Z", "data": {"tokens": 2}}\n'
                    '{"id": "2", "source": "f", "type": "llm", "subject": "c1", "time": "2026-01-05T10:00:00Z", "data": {"region": "eu"}}\n'
                    '{"id": "3", "source": "f", "type": "llm", "subject": "c1", "time": "2026-01-05T10:00:00Z", "data": {"tokens": null}}\n')
    assert load_events_file(ready, str(path)).inserted == 3
    assert tokens_total(ready) == 2


def test_a_quoted_empty_csv_field_is_an_empty_string_and_an_unquoted_one_no_value(ready, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('id,source,type,subject,time,region,model,tokens\n1,f,llm,c1,2026-01-05T10:00:00Z,"",,1\n')
    assert load_events_file(ready, str(path)).inserted == 1
    [(_, _, props)] = event_properties(ready)
    assert props == {"region": "", "model": None, "tokens": "1"}


def test_a_line_of_ndjson_that_is_not_json_is_named_by_its_row_and_writes_nothing(ready, tmp_path):
    good = '{"id": "%s", "source": "f", "type": "llm", "subject": "c1", "time": "2026-01-05T10:00:00Z", "data": {"tokens": 1}}'
    path = tmp_path / "e.ndjson"
    path.write_text("\n".join([good % 1, good % 2, "{bad", good % 4]) + "\n")
    with pytest.raises(LoadError) as exc:
        load_events_file(ready, str(path))
    assert str(exc.value) == f"{path}: row 3: is not a JSON object"
    assert count_events(ready) == 0


@pytest.mark.parametrize("extra, field", [({"specversion": "0.3"}, "specversion"), ({"tokens": 5}, "attributes")])
def test_an_ndjson_event_is_checked_as_a_cloudevent_like_over_http(ready, tmp_path, extra, field):
    event = {"id": "1", "source": "f", "type": "llm", "subject": "c1", "time": "2026-01-05T10:00:00Z", "data": {}, **extra}
    path = tmp_path / "e.ndjson"
    path.write_text(json.dumps(event) + "\n")
    with pytest.raises(LoadError) as exc:
        load_events_file(ready, str(path))
    assert [(p.row, p.field) for p in exc.value.problems] == [(1, field)]
    assert count_events(ready) == 0


def test_rfc_3339_times_with_any_separator_fraction_or_offset_load(ready, tmp_path):
    path = write_csv(tmp_path / "t.csv", ["1,f,llm,c1,2026-01-05t10:00:00z,eu,1", "2,f,llm,c1,2026-01-05 15:30:00.5+0530,eu,2"])
    assert load_events_file(ready, path).inserted == 2
    assert tokens_total(ready) == 3


def test_a_file_without_a_required_column_is_refused(ready, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("id,source,type,time\n1,f,llm,2026-01-05T10:00:00Z\n")
    with pytest.raises(LoadError, match="no column 'subject'"):
        load_events_file(ready, str(path))


def test_a_malformed_file_is_refused_with_its_name(ready, tmp_path):
    path = tmp_path / "e.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(LoadError, match=str(path)):
        load_events_file(ready, str(path))


def test_cli_loads_files_reports_and_stops_at_a_bad_one(tmp_path, db_file):
    good = write_csv(tmp_path / "good.csv", ["1,f,llm,c1,2026-01-05T10:00:00Z,eu,1"])
    bad = write_csv(tmp_path / "bad.csv", ["9,f,llm,c1,2026-01-05T10:00:00Z,eu,x"])
    out = CliRunner().invoke(main, ["load", "--db", db_file, "events", good, good])
    assert out.exit_code == 0, out.output
    assert "1 new" in out.output and "1 skipped (already stored or repeated in the file)" in out.output
    out = CliRunner().invoke(main, ["load", "--db", db_file, "events", bad])
    assert out.exit_code != 0
    assert f"{bad}: row 1, field data.tokens" in out.output and "nothing of that file was written" in out.output
    assert count_events(Store(db_file)) == 1


def test_a_property_named_with_a_dot_is_checked_as_one_property(ready, tmp_path):
    upsert_metrics(ready, [BillableMetric("usd", "Cost", "USD", "bill", "SUM", "cost.usd", ())])
    path = tmp_path / "d.csv"
    path.write_text("id,source,type,subject,time,cost.usd\n1,f,bill,c1,2026-01-05T10:00:00Z,2.5\n2,f,bill,c1,2026-01-05T11:00:00Z,abc\n")
    with pytest.raises(LoadError, match="row 2, field data.cost.usd"):
        load_events_file(ready, str(path))
    path.write_text("id,source,type,subject,time,cost.usd\n1,f,bill,c1,2026-01-05T10:00:00Z,2.5\n")
    assert load_events_file(ready, str(path)).inserted == 1


def test_a_header_with_quotes_is_data_not_sql(ready, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('id,source,type,subject,time,"re""gion",\'; DROP TABLE events; --,tokens\n'
                    "1,f,llm,c1,2026-01-05T10:00:00Z,eu,x,2\n")
    assert load_events_file(ready, str(path)).inserted == 1
    [(_, _, props)] = event_properties(ready)
    assert props == {'re"gion': "eu", "'; DROP TABLE events; --": "x", "tokens": "2"}


def test_json_numbers_keep_their_decimal_digits(ready, tmp_path):
    # stored as doubles in the VARIANT; read back through their shortest text, not DuckDB's DOUBLE -> DECIMAL cast
    path = tmp_path / "e.ndjson"
    when = datetime(2026, 1, 3, 1, tzinfo=UTC)
    path.write_text("\n".join(json.dumps(cloud_event(f"n{i}", "c1", "llm", when, tokens=v, region="eu"))
                              for i, v in enumerate([5000000000.75, 0.1, 123456789.123456])) + "\n")  # fmt: skip
    load_events_file(ready, str(path))
    assert tokens_total(ready) == Decimal("5000000000.75") + Decimal("0.1") + Decimal("123456789.123456")


def test_a_loaded_file_is_one_sorted_run_not_tail_for_compaction(ready, tmp_path):
    from data.cluster import tail_rows

    path = write_csv(tmp_path / "e.csv", ["2,f,llm,c1,2026-01-05T11:00:00Z,eu,1", "1,f,llm,c1,2026-01-05T10:00:00Z,eu,1"])
    load_events_file(ready, path)
    assert tail_rows(ready) == 0
    assert [t for (t,) in ready.cursor().execute("SELECT time FROM events").fetchall()] == sorted(
        t for (t,) in ready.cursor().execute("SELECT time FROM events").fetchall())


def test_a_data_column_must_hold_json_objects(ready, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('id,source,type,subject,time,data\n1,f,llm,c1,2026-01-05T10:00:00Z," {""tokens"": 2}"\n'
                    '2,f,llm,c1,2026-01-05T10:00:00Z,"[1, 2]"\n3,f,llm,c1,2026-01-05T10:00:00Z,"{oops"\n')
    with pytest.raises(LoadError) as exc:
        load_events_file(ready, str(path))
    assert [(p.row, p.field) for p in exc.value.problems] == [(2, "data"), (3, "data")]  # an array has no tokens to check
    assert count_events(ready) == 0
    path.write_text('id,source,type,subject,time,data\n1,f,llm,c1,2026-01-05T10:00:00Z," {""tokens"": 2}"\n')
    assert load_events_file(ready, str(path)).inserted == 1 and tokens_total(ready) == 2


def test_a_bad_row_is_refused_even_when_it_repeats_a_stored_event(ready, tmp_path):
    load_events_file(ready, write_csv(tmp_path / "a.csv", ["1,f,llm,c1,2026-01-05T10:00:00Z,eu,1"]))
    path = write_csv(tmp_path / "b.csv", ["2,f,llm,c1,2026-01-05T10:00:00Z,eu,2", "1,f,llm,c1,2026-01-05T10:00:00Z,eu,x"])
    with pytest.raises(LoadError) as exc:
        load_events_file(ready, path)
    assert [(p.row, p.field) for p in exc.value.problems] == [(2, "data.tokens")]
    assert count_events(ready) == 1


def test_parquet_rows_are_numbered_in_file_order(ready, tmp_path):
    path = str(tmp_path / "e.parquet")
    duckdb.connect().execute(f"""COPY (SELECT 'p' || i AS id, 'f' AS source, 'llm' AS type, 'c1' AS subject,
        TIMESTAMPTZ '2026-01-10 00:00:00+00' AS time, json_object('tokens', CASE WHEN i = 150000 THEN 'x' ELSE '1' END) AS data
        FROM range(200000) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 50000)""")
    with pytest.raises(LoadError) as exc:
        load_events_file(ready, path)
    assert [(p.row, p.field) for p in exc.value.problems] == [(150001, "data.tokens")]
    assert count_events(ready) == 0


def test_a_load_interrupted_in_its_statement_is_stopped_not_reported_as_a_bad_file(ready, tmp_path):
    """Interrupted (DuckDB's InterruptException), a load ends there: it does not read the
    file again to name problems it does not have, and writes nothing of it."""
    import threading

    big = str(tmp_path / "big.csv")  # long enough to be polled for its progress (every 0.2 s)
    duckdb.sql(f"""COPY (SELECT 'b' || i AS id, 'f' AS source, 'llm' AS type, 'c1' AS subject, '2026-01-05T10:00:00Z' AS time,
                         'eu' AS region, 1 AS tokens FROM range(1000000) t(i)) TO '{big}' (HEADER)""")
    loading = ready.cursor()  # the cursor of this thread, which runs the load
    stopped = threading.Event()

    def interrupt(fraction: float) -> None:
        if threading.current_thread() is not threading.main_thread() and not stopped.is_set():
            stopped.set()
            loading.interrupt()

    with pytest.raises(duckdb.InterruptException):
        load_events_file(ready, big, progress=interrupt)
    assert stopped.is_set() and tokens_total(ready) == 0
