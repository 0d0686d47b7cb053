"""Customers, billable metrics and events through the integrator API."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import A, AUTH, B, cloud_event

T = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def count(client, customer=A, metric="api_calls", **params):
    r = client.get(f"/v1/customers/{customer}/usage", headers=AUTH,
                   query_string={"metric": metric, "window_size": "none", "from": "2026-03-01T00:00:00Z",
                                 "to": "2026-03-03T00:00:00Z", **params})  # fmt: skip
    assert r.status_code == 200, r.json
    return sum(int(row["value"]) for row in r.json["data"])


def test_customers_upsert_list_and_get(client):
    r = client.post("/v1/customers", headers=AUTH, json={"id": "c1", "name": "One", "currency": "jpy",
                                                         "timezone": "Asia/Tokyo", "locale": "ja_JP"})
    assert r.status_code == 200 and r.json["data"][0]["currency"] == "JPY"
    client.post("/v1/customers", headers=AUTH, json={"id": "c1", "name": "Renamed"})
    assert client.get("/v1/customers/c1", headers=AUTH).json["data"]["name"] == "Renamed"
    assert [c["id"] for c in client.get("/v1/customers", headers=AUTH).json["data"]] == ["c1"]
    assert client.get("/v1/customers/zz", headers=AUTH).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"id": "c", "currency": "XYZ"}, "currency"),
    ({"id": "c", "timezone": "Mars/Olympus"}, "timezone"),
    ({"id": "c", "timezone": "localtime"}, "timezone"),  # Python's zoneinfo takes it; DuckDB's queries do not
    ({"id": "c", "locale": "xx_YY_bad"}, "locale"),
    ({"id": "a/b"}, "id"),
    ({"name": "no id"}, "id"),
    ([{"id": "ok"}, {"id": "c", "currency": "???"}], "[1].currency"),
])  # fmt: skip
def test_bad_customer_is_400_and_writes_nothing(client, body, field):
    r = client.post("/v1/customers", headers=AUTH, json=body)
    assert r.status_code == 400 and r.json["error"]["field"] == field
    assert client.get("/v1/customers", headers=AUTH).json["data"] == []


@pytest.mark.parametrize("body, field", [
    ({"slug": "m", "event_type": "e", "aggregation": "AVG"}, "aggregation"),
    ({"slug": "m", "event_type": "e", "aggregation": "SUM"}, "value_property"),
    ({"slug": "bad slug", "event_type": "e", "aggregation": "COUNT"}, "slug"),
    ({"slug": "m", "event_type": "e", "aggregation": "COUNT", "group_keys": "region"}, "group_keys"),
    ({"slug": "m", "event_type": "e", "aggregation": "COUNT", "group_keys": ["a.b"]}, "group_keys"),
    ({"slug": "m", "event_type": "e", "aggregation": "COUNT", "group_keys": ["region\n"]}, "group_keys"),
    ({"slug": "m\n", "event_type": "e", "aggregation": "COUNT"}, "slug"),  # a pattern's $ passes a trailing newline
    ({"slug": "m", "event_type": "e", "aggregation": "COUNT", "value_property": "n"}, "value_property"),  # unused: refused
])  # fmt: skip
def test_bad_billable_metric_is_400(client, body, field):
    r = client.post("/v1/billable-metrics", headers=AUTH, json=body)
    assert r.status_code == 400 and r.json["error"]["field"] == field
    assert client.get("/v1/billable-metrics", headers=AUTH).json["data"] == []


def test_resent_events_are_no_ops(client, world):
    events = [cloud_event("x1", A, "api_call", T, region="eu"), cloud_event("x2", A, "api_call", T, region="eu")]
    first = client.post("/v1/events", headers=AUTH, json=events).json["data"]
    again = client.post("/v1/events", headers=AUTH, json=events + [cloud_event("x3", A, "api_call", T)]).json["data"]
    assert first == {"received": 2, "inserted": 2, "duplicates": 0}
    assert again == {"received": 3, "inserted": 1, "duplicates": 2}
    assert count(client) == 3


@pytest.mark.parametrize("body", ['[{"specversion": "1.0", "data": {"tokens": NaN}}]', '{"id": "\\ud800"}'])
def test_what_is_not_strict_json_is_400(client, world, body):
    r = client.post("/v1/events", headers={**AUTH, "Content-Type": "application/json"}, data=body)
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_json"


def test_idempotency_is_per_customer(client, world):
    # a re-sent event carries its customer; the same (source, id) for another customer is another event
    first = client.post("/v1/events", headers=AUTH, json=[cloud_event("same", A, "api_call", T)]).json["data"]
    other = client.post("/v1/events", headers=AUTH, json=[cloud_event("same", B, "api_call", T)]).json["data"]
    assert first["inserted"] == other["inserted"] == 1
    assert count(client, A) == 1 and count(client, B) == 1


def test_a_stored_id_under_another_source_or_customer_in_the_same_batch_is_a_new_event(client, world):
    client.post("/v1/events", headers=AUTH, json=[cloud_event("kept", A, "api_call", T)])
    other_source = {**cloud_event("kept", A, "api_call", T), "source": "another-system"}
    batch = [cloud_event("kept", B, "api_call", T), other_source, cloud_event("kept", A, "api_call", T)]
    r = client.post("/v1/events", headers=AUTH, json=batch).json["data"]
    assert r == {"received": 3, "inserted": 2, "duplicates": 1}
    assert count(client, A) == 2 and count(client, B) == 1


def test_a_batch_with_any_bad_event_is_rejected_whole(client, world):
    events = [
        cloud_event("ok1", A, "api_call", T),
        {**cloud_event("bad1", A, "api_call", T), "specversion": "0.3"},
        cloud_event("ok2", A, "api_call", T),
        {**cloud_event("bad3", "nobody", "api_call", T)},
        {**cloud_event("bad4", A, "llm", T), "data": {"tokens": "lots"}},
        {**cloud_event("bad5", A, "api_call", T), "time": "2026-03-01T10:00:00"},
        {**cloud_event("bad6", A, "api_call", T), "time": "0001-01-01T01:01:00+06:08"},  # found by schemathesis: was a 500
        "not an event",
    ]
    r = client.post("/v1/events", headers=AUTH, json=events)
    assert r.status_code == 400
    details = r.json["error"]["details"]
    assert {(d["index"], d["field"]) for d in details} == {
        (1, "specversion"), (3, "subject"), (4, "data.tokens"), (5, "time"), (6, "time"), (7, "")}
    assert "nothing was written" in r.json["error"]["message"]
    assert count(client) == 0


def test_repeats_within_a_batch_keep_the_first(client, world):
    events = [cloud_event("r1", A, "llm", T, tokens=5, model="m1"), cloud_event("r2", A, "llm", T, tokens=1, model="m1"),
              cloud_event("r1", A, "llm", T, tokens=7, model="m1"), cloud_event("r1", B, "llm", T, tokens=2, model="m1")]
    r = client.post("/v1/events", headers=AUTH, json=events)
    assert r.json["data"] == {"received": 4, "inserted": 3, "duplicates": 1}
    assert count(client, A, metric="tokens") == 6 and count(client, B, metric="tokens") == 2


def test_optional_attributes_missing_time_and_data(client, world):
    bare = {"specversion": "1.0", "id": "bare", "source": "tests", "type": "api_call", "subject": A}
    extra = {**cloud_event("extra", A, "api_call", T), "datacontenttype": "application/json", "dataschema": "x"}
    r = client.post("/v1/events", headers=AUTH, json=[bare, extra])
    assert r.json["data"] == {"received": 2, "inserted": 2, "duplicates": 0}
    assert client.post("/v1/events", headers=AUTH, json=[bare]).json["data"]["duplicates"] == 1


def test_an_event_without_a_specversion_is_told_it_is_required(client, world):
    bare = {"id": "bare", "source": "tests", "type": "api_call", "subject": A}
    r = client.post("/v1/events", headers=AUTH, json=[bare])
    assert r.status_code == 400
    assert r.json["error"]["details"] == [{"index": 0, "field": "specversion", "message": 'is required: "1.0"'}]


TOO_LARGE = "must be less than 10^29 in size (quantities keep 29 digits before the point)"


@pytest.mark.parametrize("tokens", [1e29, -1e30, 10**29, "1e29", "100000000000000000000000000000.5"])
def test_a_quantity_the_store_cannot_hold_is_refused_not_left_out_of_sums(client, world, tokens):
    r = client.post("/v1/events", headers=AUTH, json=[cloud_event("huge", A, "llm", T, tokens=tokens)])
    assert r.status_code == 400
    assert r.json["error"]["details"] == [{"index": 0, "field": "data.tokens", "message": TOO_LARGE}]


def test_the_largest_quantity_the_store_holds_is_summed_exactly(client, world):
    largest = "99999999999999999999999999999.5"
    assert client.post("/v1/events", headers=AUTH, json=[cloud_event("big", A, "llm", T, tokens=largest)]).status_code == 200
    usage = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "tokens", "window_size": "none", "from": T.isoformat(), "to": (T + timedelta(hours=1)).isoformat()})
    assert usage.json["data"][0]["value"] == largest


def test_an_event_without_the_property_a_metric_sums_is_taken_and_counts_for_nothing(client, world):
    """A metric added later must not stop the events sent before it existed (and still sent) from going in."""
    r = client.post("/v1/events", headers=AUTH, json=[cloud_event("no-tokens", A, "llm", T, region="eu"),
                                                      cloud_event("null-tokens", A, "llm", T, tokens=None)])
    assert r.status_code == 200 and r.json["data"]["inserted"] == 2
    usage = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "tokens", "window_size": "none", "from": T.isoformat(), "to": (T + timedelta(hours=1)).isoformat()})
    assert [row["value"] for row in usage.json["data"]] == [None]  # events in the window, no quantity among them


@pytest.mark.parametrize("tokens", ["１２", "٣"])
def test_a_quantity_in_digits_other_than_ascii_is_refused_not_taken_and_left_out(client, world, tokens):
    r = client.post("/v1/events", headers=AUTH, json=[cloud_event("wide", A, "llm", T, tokens=tokens)])
    assert r.status_code == 400
    assert r.json["error"]["details"] == [{"index": 0, "field": "data.tokens", "message": "must be a number (a metric sums or compares it)"}]


def test_a_sum_too_large_for_the_store_is_a_422_not_a_500(client, world):
    huge = [cloud_event(f"huge-{i}", A, "llm", T, tokens="90000000000000000000000000000") for i in range(2)]
    assert client.post("/v1/events", headers=AUTH, json=huge).status_code == 200
    r = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "tokens", "window_size": "none", "from": T.isoformat(), "to": (T + timedelta(hours=1)).isoformat()})
    assert r.status_code == 422 and r.json["error"]["code"] == "out_of_range"


@pytest.mark.parametrize("time", ["20260601T000000Z", "2026-W23-1T00:00:00Z", "2026-06-01T00Z", "2026-06-01T00:00:00+05",
                                  "2026-06-01T00:00:00Z\n"])
def test_a_time_that_is_not_rfc_3339_is_refused_as_the_loader_refuses_it(client, world, time):
    r = client.post("/v1/events", headers=AUTH, json=[{**cloud_event("t", A, "api_call", T), "time": time}])
    assert r.status_code == 400 and r.json["error"]["details"][0]["field"] == "time"


@pytest.mark.parametrize("time", ["2026-03-01T09:00:00.5+05:30", "2026-03-01 09:00:00+0530", "2026-03-01t03:30:00z"])
def test_rfc_3339_times_with_any_separator_fraction_or_offset_are_taken(client, world, time):
    r = client.post("/v1/events", headers=AUTH, json=[{**cloud_event(f"t-{time}", A, "api_call", T), "time": time}])
    assert r.status_code == 200, r.json


def test_an_event_dated_more_than_a_day_ahead_is_refused(client, world):
    ahead = datetime.now(UTC) + timedelta(hours=25)
    r = client.post("/v1/events", headers=AUTH, json=[cloud_event("soon", A, "api_call", T),
                                                      {**cloud_event("typo", A, "api_call", T), "time": ahead.isoformat()}])
    assert r.status_code == 400
    assert r.json["error"]["details"] == [{"index": 1, "field": "time", "message": "is more than 24 hours ahead of the server's clock"}]


def test_an_event_dated_less_than_a_day_ahead_is_taken(client, world):
    """Clocks skew: a sender a few hours ahead still gets its events in."""
    ahead = datetime.now(UTC) + timedelta(hours=23)
    r = client.post("/v1/events", headers=AUTH, json=[{**cloud_event("skewed", A, "api_call", T), "time": ahead.isoformat()}])
    assert r.status_code == 200 and r.json["data"]["inserted"] == 1


def test_a_time_out_of_range_is_refused_naming_the_range(client, world):
    r = client.post("/v1/events", headers=AUTH, json=[{**cloud_event("late", A, "api_call", T), "time": "9999-12-31T23:59:59Z"}])
    assert r.json["error"]["details"][0]["message"] == "must be from 1970-01-01T00:00:00Z to 9999-12-31T00:00:00Z"


def test_a_batch_that_is_not_json_is_refused_saying_where(client, world):
    r = client.post("/v1/events", headers=AUTH, data='[{"id": "1", "data": {"tokens": NaN}}]', content_type="application/json")
    assert r.status_code == 400
    assert r.json["error"]["message"] == "the body is not valid JSON at line 1, column 33 (NaN and Infinity are not JSON)"


def test_invalid_events_are_described_like_before(client, world):
    events = [
        {**cloud_event("n1", A, "llm", T, tokens=True)},
        {**cloud_event("n2", A, "llm", T, tokens="lots")},
        {**cloud_event("n3", A, "llm", T, tokens=1e308), "id": "", "extra": 1, "time": 5},
        {**cloud_event("n4", A, "api_call", T), "data": None, "subject": 7},
    ]
    r = client.post("/v1/events", headers=AUTH, json=events)
    assert r.status_code == 400 and r.json["error"]["message"] == "4 of 4 events are invalid; nothing was written"
    assert r.json["error"]["details"] == [
        {"index": 0, "field": "data.tokens", "message": "must be a number (a metric sums or compares it)"},
        {"index": 1, "field": "data.tokens", "message": "must be a number (a metric sums or compares it)"},
        {"index": 2, "field": "id", "message": "is required: a non-empty string of at most 256 characters"},
        {"index": 2, "field": "extra", "message": "is not a CloudEvents attribute this API accepts"},
        {"index": 2, "field": "time", "message": "must be an RFC 3339 timestamp string"},
        {"index": 2, "field": "data.tokens", "message": TOO_LARGE},
        {"index": 3, "field": "subject", "message": "is required: a non-empty string of at most 256 characters"},
        {"index": 3, "field": "data", "message": "must be a JSON object"},
    ]


def test_a_customer_created_after_a_refused_event_is_known_at_once(client, world):
    event = cloud_event("late-customer", "c-new", "api_call", T)
    assert client.post("/v1/events", headers=AUTH, json=[event]).status_code == 400
    assert client.post("/v1/customers", headers=AUTH, json={"id": "c-new", "name": "New"}).status_code == 200
    assert client.post("/v1/events", headers=AUTH, json=[event]).json["data"]["inserted"] == 1


def test_a_single_event_object_is_accepted(client, world):
    r = client.post("/v1/events", headers=AUTH, json=cloud_event("solo", A, "api_call", T))
    assert r.json["data"]["inserted"] == 1
    assert count(client) == 1


def test_usage_api_buckets_days_in_the_customers_zone(client, world):
    client.post("/v1/events", headers=AUTH, json=[cloud_event("late", A, "api_call", T, region="eu")])
    r = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "api_calls", "from": "2026-03-01T15:00:00Z", "to": "2026-03-02T15:00:00Z"})
    assert r.json["data"] == [{"window_start": "2026-03-02T00:00:00+09:00", "window_end": "2026-03-03T00:00:00+09:00",
                               "group": None, "value": "1"}]  # fmt: skip
    utc = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "api_calls", "from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z", "tz": "UTC"})
    assert utc.json["data"][0]["window_start"] == "2026-03-01T00:00:00+00:00"


def test_usage_api_groups_and_returns_exact_decimals(client, world):
    client.post("/v1/events", headers=AUTH, json=[
        cloud_event("t1", A, "llm", T, tokens=0.1, model="m1"),
        cloud_event("t2", A, "llm", T, tokens="0.2", model="m1"),
        cloud_event("t3", A, "llm", T, tokens=5, model="m2"),
    ])  # fmt: skip
    r = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "tokens", "window_size": "none", "group_by": "model",
        "from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"})
    assert {row["group"]: row["value"] for row in r.json["data"]} == {"m1": "0.3", "m2": "5"}


@pytest.mark.parametrize("params, status, field", [
    ({"metric": "nope"}, 400, "metric"),
    ({}, 400, "metric"),
    ({"metric": "api_calls", "window_size": "week"}, 400, "window_size"),
    ({"metric": "api_calls", "group_by": "model"}, 400, "group_by"),
    ({"metric": "api_calls", "tz": "Not/AZone"}, 400, "tz"),
    ({"metric": "api_calls", "tz": "localtime"}, 400, "tz"),
    ({"metric": "api_calls", "from": "2026-03-01T00:07:00Z", "to": "2026-03-02T00:00:00Z"}, 400, "from"),
    ({"metric": "api_calls", "from": "yesterday"}, 400, "from"),
    ({"metric": "api_calls", "from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, 400, "from"),
    ({"metric": "api_calls", "window_size": "hour", "from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, 400, "to"),
])  # fmt: skip
def test_bad_usage_query_is_400_naming_the_field(client, world, params, status, field):
    r = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string=params)
    assert r.status_code == status and r.json["error"]["field"] == field


def test_usage_of_unknown_customer_is_404(client, world):
    assert client.get("/v1/customers/nobody/usage?metric=api_calls", headers=AUTH).status_code == 404


def test_usage_api_reports_a_missing_group_value_as_null(client, world):
    client.post("/v1/events", headers=AUTH, json=[cloud_event("g1", A, "api_call", T, region="eu"),
                                                  cloud_event("g2", A, "api_call", T)])
    r = client.get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "api_calls", "window_size": "none", "group_by": "region",
        "from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"})
    assert r.json["data"] and {row["group"]: row["value"] for row in r.json["data"]} == {None: "1", "eu": "1"}
    assert "NaN" not in r.text
