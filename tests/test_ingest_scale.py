"""Ingest beyond the simple case: NDJSON, size limits, background compaction, concurrency."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import requests
from dash.testing.wait import until

from api import create_app
from api.events import MAX_EVENTS
from conftest import A, AUTH, B, CALLBACK, cell_text, cloud_event, render_request, token_of
from data.cluster import tail_rows
from data.events import count_events

T = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_ndjson_batches_are_accepted(client, world, store):
    body = "\n".join(json.dumps(cloud_event(f"nd{i}", A, "api_call", T, region="eu")) for i in range(5)) + "\n\n"
    r = client.post("/v1/events", headers=AUTH, data=body, content_type="application/x-ndjson")
    assert r.status_code == 200 and r.json["data"]["inserted"] == 5


def test_a_malformed_ndjson_line_is_named_and_nothing_is_written(client, world, store):
    before = count_events(store)
    body = json.dumps(cloud_event("ok", A, "api_call", T)) + "\n{broken\n"
    r = client.post("/v1/events", headers=AUTH, data=body, content_type="application/x-ndjson")
    assert r.status_code == 400 and r.json["error"]["field"] == "line 2"
    assert count_events(store) == before


def test_too_many_events_is_413(client, world):
    events = [cloud_event(f"x{i}", A, "api_call", T) for i in range(MAX_EVENTS + 1)]
    r = client.post("/v1/events", headers=AUTH, json=events)
    assert r.status_code == 413 and r.json["error"]["code"] == "payload_too_large"


def test_too_large_a_body_is_413(client, world):
    r = client.post("/v1/events", headers=AUTH, data=b"[" + b" " * (17 * 1024 * 1024) + b"]", content_type="application/json")
    assert r.status_code == 413 and "error" in r.json


def test_the_ingested_tail_is_compacted_in_the_background(config, store, world):
    app = create_app(replace(config, compact_rows=10), store=store)
    r = app.test_client().post("/v1/events", headers=AUTH,
                               json=[cloud_event(f"c{i}", A, "api_call", T.replace(hour=i % 24), region=f"r{i}") for i in range(50)])
    assert r.status_code == 200
    until(lambda: tail_rows(store) == 0, timeout=10)
    usage = app.test_client().get(f"/v1/customers/{A}/usage", headers=AUTH, query_string={
        "metric": "api_calls", "window_size": "none", "from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"})
    assert usage.json["data"][0]["value"] == "50"


def test_a_tail_left_by_an_earlier_server_counts_towards_compaction(config, store, world):
    left = tail_rows(store)  # the world's events, ingested by the `world` fixture's app
    app = create_app(replace(config, compact_rows=left + 5), store=store)
    r = app.test_client().post("/v1/events", headers=AUTH, json=[cloud_event(f"late{i}", A, "api_call", T) for i in range(5)])
    assert r.status_code == 200
    until(lambda: tail_rows(store) == 0, timeout=10)


def alongside(write, writers: int, read, readers: int, stop: threading.Event) -> None:
    """`writers` threads of write(w) and `readers` of read() at once; once the writers are done, `stop` ends the readers."""
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    threads += [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads[:writers]:
        t.join(timeout=120)
    stop.set()
    for t in threads[writers:]:
        t.join(timeout=30)


def test_concurrent_ingest_and_reads_lose_nothing_and_fail_nothing(live_server, world, store):
    writers, readers, batches, size = 4, 4, 10, 200
    errors: list[str] = []
    stop = threading.Event()

    def write(w: int) -> None:
        with requests.Session() as http:
            for b in range(batches):
                events = [cloud_event(f"w{w}-{b}-{i}", B if i % 2 else A, "api_call", T) for i in range(size)]
                events += events[:10]  # re-sent within the batch: no-ops
                r = http.post(f"{live_server}/v1/events", headers=AUTH, json=events, timeout=30)
                if r.status_code != 200:
                    errors.append(f"write {r.status_code}: {r.text[:200]}")

    def read() -> None:
        with requests.Session() as http:
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                r = http.get(f"{live_server}/v1/customers/{A}/usage", headers=AUTH, timeout=30, params={
                    "metric": "api_calls", "window_size": "none", "from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"})
                if r.status_code != 200:
                    errors.append(f"read {r.status_code}: {r.text[:200]}")

    alongside(write, writers, read, readers, stop)
    assert errors == []
    sent = writers * batches * size
    r = requests.get(f"{live_server}/v1/customers/{A}/usage", headers=AUTH, timeout=30, params={
        "metric": "api_calls", "window_size": "none", "from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"})
    assert int(r.json()["data"][0]["value"]) == sent // 2
    assert count_events(store, customer_id=B) == sent // 2 + 11  # plus the world's own


def test_dashboards_rendered_while_events_arrive_fail_nothing_and_end_with_every_event(live_server, world):
    writers, viewers, batches, size = 2, 3, 8, 100
    recent = datetime.now(UTC) - timedelta(hours=2)  # inside every window the page offers
    errors: list[str] = []
    stop = threading.Event()
    with requests.Session() as http:
        r = http.post(f"{live_server}/v1/dashboards/getEmbeddableUrl", headers=AUTH, json={"customer_id": A, "dashboard": "usage"})
        token = token_of(r.json()["data"]["url"])

    def rendered_calls(http: requests.Session) -> str | None:
        r = http.post(f"{live_server}{CALLBACK}", json=render_request(token), timeout=30)
        if r.status_code != 200:
            errors.append(f"render {r.status_code}: {r.text[:200]}")
            return None
        return cell_text(r.json()["response"]["usage-totals"]["children"], "usage-total-api_calls")

    with requests.Session() as http:
        before = rendered_calls(http)
    assert before is not None, errors

    def write(w: int) -> None:
        with requests.Session() as http:
            for b in range(batches):
                events = [cloud_event(f"dash-w{w}-{b}-{i}", A, "api_call", recent, region="eu") for i in range(size)]
                r = http.post(f"{live_server}/v1/events", headers=AUTH, json=events, timeout=30)
                if r.status_code != 200:
                    errors.append(f"write {r.status_code}: {r.text[:200]}")

    def view() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                rendered_calls(http)

    alongside(write, writers, view, viewers, stop)
    assert errors == []
    with requests.Session() as http:
        assert rendered_calls(http) == f"{int(before) + writers * batches * size:,}"
