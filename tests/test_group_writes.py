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
def customers(store):
    upsert_customers(store, [Customer(c, c.upper(), "USD", "UTC", "en_US") for c in ("a", "b", "c", "x", "y", "z")])
    return store


def test_batches_written_together_answer_as_if_written_one_after_another(customers):
    ingest_rows(customers, [row("stored")])
    results = ingest_batches(customers, [
        [row("1"), row("2"), row("1")],            # a repeat within the batch
        [row("2"), row("stored"), row("3", "b")],  # an earlier batch's event, a stored one, a new one
        [row("4")],
    ])  # fmt: skip
    assert [(r.received, r.inserted) for r in results] == [(3, 2), (3, 1), (1, 1)]
    assert count_events(customers) == 5


def test_each_batch_of_a_group_gets_a_batch_id_of_its_own(customers):
    ingest_batches(customers, [[row("1"), row("2")], [row("3", "b")]])
    ids = customers.cursor().execute("SELECT batch_id, count(*) FROM events GROUP BY ALL ORDER BY ALL").fetchall()
    assert len(ids) == 2 and [n for _, n in ids] == [2, 1] and all(b > 0 for b, _ in ids)


class Senders:
    """Callers of one GroupWriter, each in its own thread, queued in the order they are started
    while the store's write lock is held (so all but the first wait in the queue)."""

    def __init__(self, store, writer: GroupWriter):
        self.store, self.writer, self.answers, self.threads = store, writer, {}, []

    def _send(self, name: str, rows: list) -> None:
        try:
            self.answers[name] = self.writer.write(rows)
        except Exception as exc:  # the answer under test
            self.answers[name] = exc

    def queue(self, batches: dict[str, list]) -> dict:
        with self.store.transaction():  # holds the write lock: the first batch waits inside its write
            for i, (name, rows) in enumerate(batches.items()):
                thread = threading.Thread(target=self._send, args=(name, rows), daemon=True)
                thread.start()
                self.threads.append(thread)
                if i == 0:
                    until(lambda: self.writer.writing, timeout=10)
                else:
                    until(lambda: self.writer.waiting == i, timeout=10)  # in the order given
        for thread in self.threads:
            thread.join(timeout=30)
            assert not thread.is_alive()
        return self.answers


def test_batches_that_wait_together_go_in_as_one_group_each_with_its_own_answer(customers):
    writer = GroupWriter(customers)
    answers = Senders(customers, writer).queue({
        "first": [row("f")],
        "one": [row("1a"), row("shared")],
        "two": [row("2a"), row("2b"), row("shared"), row("2c")],
        "three": [row("shared"), row("3a"), row("3b")],
    })  # fmt: skip
    assert writer.groups == 2  # the first alone, then the three that waited together
    assert {n: (a.received, a.inserted) for n, a in answers.items()} == {
        "first": (1, 1), "one": (2, 2), "two": (4, 3), "three": (3, 2)}  # "shared" goes to the first in the queue
    assert count_events(customers) == 8


def test_a_bad_batch_in_a_group_fails_alone(customers):
    writer = GroupWriter(customers)
    answers = Senders(customers, writer).queue({
        "first": [row("f")], "good": [row("g1"), row("g2", "b")], "bad": [row("x", time="not a time")], "late": [row("l")]})
    assert isinstance(answers["bad"], Exception)
    assert (answers["first"].inserted, answers["good"].inserted, answers["late"].inserted) == (1, 2, 1)
    assert count_events(customers) == 4


def test_batches_of_customers_far_apart_are_not_grouped(customers):
    writer = GroupWriter(customers)
    answers = Senders(customers, writer).queue({
        "first": [row("f")], "a-b": [row("1", "a"), row("2", "b")], "x-z": [row("3", "x"), row("4", "z")], "b-c": [row("5", "c")]})
    assert writer.groups == 4  # [a, b] and [x, z] do not overlap, nor [x, z] and [c]
    assert all(not isinstance(a, Exception) for a in answers.values())


def test_many_concurrent_writers_lose_nothing_and_count_each_repeat_once(customers):
    writer = GroupWriter(customers, max_rows=50)
    batches = {f"w{w}": [row(f"{w}-{i}", "ab"[i % 2]) for i in range(20)] + [row("shared")] for w in range(12)}
    answers = {}

    def send(name: str) -> None:
        answers[name] = writer.write(batches[name])

    threads = [threading.Thread(target=send, args=(name,), daemon=True) for name in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()
    assert sorted(a.inserted for a in answers.values()) == [20] * 11 + [21]  # "shared" goes in once
    assert count_events(customers) == 12 * 20 + 1
