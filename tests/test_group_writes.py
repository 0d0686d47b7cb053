"""Event batches written in groups: one statement and one commit for the batches that arrive
together, each batch answered as if written alone, in order, and failing alone."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from dash.testing.wait import until

from data.customers import upsert_customers
from data.events import GroupWriter, count_events, ingest_batches, ingest_rows
from data.models import Customer

T = datetime(2026, 3, 1, 9)


def row(id_: str, customer: str = "a", time=T) -> tuple:
    return ("src", id_, customer, "call", time, {"n": 1})


@pytest.fixture
def two_customers(store):
    upsert_customers(store, [Customer("a", "A", "USD", "UTC", "en_US"), Customer("b", "B", "USD", "UTC", "en_US")])
    return store


def test_batches_written_together_answer_as_if_written_one_after_another(two_customers):
    ingest_rows(two_customers, [row("stored")])
    results = ingest_batches(two_customers, [
        [row("1"), row("2"), row("1")],            # a repeat within the batch
        [row("2"), row("stored"), row("3", "b")],  # an earlier batch's event, a stored one, a new one
        [row("4")],
    ])  # fmt: skip
    assert [(r.received, r.inserted) for r in results] == [(3, 2), (3, 1), (1, 1)]
    assert count_events(two_customers) == 5


def test_each_batch_of_a_group_gets_a_batch_id_of_its_own(two_customers):
    ingest_batches(two_customers, [[row("1"), row("2")], [row("3", "b")]])
    ids = two_customers.cursor().execute("SELECT batch_id, count(*) FROM events GROUP BY ALL ORDER BY ALL").fetchall()
    assert len(ids) == 2 and [n for _, n in ids] == [2, 1] and all(b > 0 for b, _ in ids)


def send_all(writer: GroupWriter, batches: dict[str, list]) -> tuple[list[threading.Thread], dict]:
    """One thread a batch, each writing it; their answers (or errors) by name."""
    answers: dict[str, object] = {}

    def send(name: str) -> None:
        try:
            answers[name] = writer.write(batches[name])
        except Exception as exc:  # the answer under test
            answers[name] = exc

    threads = [threading.Thread(target=send, args=(name,)) for name in batches]
    return threads, answers


def test_batches_that_wait_together_go_in_together_and_a_bad_one_fails_alone(two_customers):
    writer = GroupWriter(two_customers)
    first, rest = send_all(writer, {"first": [row("f")]}), send_all(writer, {
        "good": [row("g1"), row("g2", "b")], "bad": [row("x", time="not a time")], "late": [row("l")]})
    with two_customers.transaction():  # holds the write lock: the first batch waits inside its write
        first[0][0].start()
        until(lambda: writer.writing, timeout=10)
        for t in rest[0]:
            t.start()
        until(lambda: writer.waiting == 3, timeout=10)  # queued behind the first: one group
    for t in first[0] + rest[0]:
        t.join(timeout=30)
    answers = {**first[1], **rest[1]}
    assert answers["first"].inserted == 1 and answers["good"].inserted == 2 and answers["late"].inserted == 1
    assert isinstance(answers["bad"], Exception)
    assert count_events(two_customers) == 4


def test_many_concurrent_writers_lose_nothing_and_count_each_repeat_once(two_customers):
    writer = GroupWriter(two_customers, max_rows=50)
    batches = {f"w{w}": [row(f"{w}-{i}", "ab"[i % 2]) for i in range(20)] + [row("shared")] for w in range(12)}
    threads, answers = send_all(writer, batches)
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not isinstance(a, Exception) for a in answers.values()), answers
    assert sum(a.inserted for a in answers.values()) == 12 * 20 + 1  # "shared" goes in once
    assert count_events(two_customers) == 12 * 20 + 1
