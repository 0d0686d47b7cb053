"""The server's log: waitress's queue warnings summed up, not written once a request."""
from __future__ import annotations

import logging

import pytest
from waitress.task import ThreadedTaskDispatcher

from api.logs import QUEUE_LOGGER, QueueDepthSummary
from api.server import make_server


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def scheduled():
    """What the summary asked to run later: (delay, action)."""
    return []


@pytest.fixture
def passed(clock, scheduled):
    """A logger with a 60 s summary, and the messages it lets through."""
    logger = logging.getLogger("test.queue")
    out: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: out.append(record.getMessage())
    summary = QueueDepthSummary("test.queue", 60, clock=clock, schedule=lambda delay, action: scheduled.append((delay, action)))
    logger.addHandler(handler)
    logger.addFilter(summary)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)
    logger.removeFilter(summary)


def burst(logger, clock, depths=(1, 7, 4)):
    logger.warning("Task queue depth is %d", 3)
    for depth in depths:
        clock.now += 10
        logger.warning("Task queue depth is %d", depth)


def test_the_first_queue_warning_passes(passed):
    logger, out = passed
    logger.warning("Task queue depth is %d", 3)
    assert out == ["Task queue depth is 3 (requests waiting for a worker thread)"]


def test_queue_warnings_within_the_interval_are_held_back(passed, clock):
    logger, out = passed
    burst(logger, clock)
    assert len(out) == 1


def test_a_summary_is_scheduled_for_the_end_of_the_interval_once(passed, clock, scheduled):
    logger, _ = passed
    burst(logger, clock)
    assert [delay for delay, _ in scheduled] == [50]  # 60 s after the one that passed, asked at its 10th


def test_at_the_interval_end_one_line_says_the_deepest_and_how_many_were_held(passed, clock, scheduled):
    logger, out = passed
    burst(logger, clock)
    clock.now += 30
    scheduled[0][1]()
    assert out[1:] == ["Task queue depth reached 7 in the last 60 s (3 more such warnings held back)"]


def test_after_a_summary_the_next_interval_is_held_back_too(passed, clock, scheduled):
    logger, out = passed
    burst(logger, clock)
    clock.now += 30
    scheduled[0][1]()
    clock.now += 1
    logger.warning("Task queue depth is %d", 2)
    assert len(out) == 2 and len(scheduled) == 2


def test_a_summary_with_nothing_held_writes_nothing(passed, clock, scheduled):
    logger, out = passed
    burst(logger, clock)
    flush = scheduled[0][1]
    flush()
    flush()
    assert len(out) == 2


def test_a_warning_after_a_quiet_interval_passes(passed, clock):
    logger, out = passed
    logger.warning("Task queue depth is %d", 3)
    clock.now += 61
    logger.warning("Task queue depth is %d", 5)
    assert out[1] == "Task queue depth is 5 (requests waiting for a worker thread)"


def test_other_records_of_the_logger_pass_unchanged(passed):
    logger, out = passed
    logger.warning("Task queue depth is %d", 1)
    logger.warning("something else %s", "entirely")
    assert out[1] == "something else entirely"


def test_waitress_own_warning_is_the_one_summed_up(caplog):
    """Waitress's wording, as its dispatcher writes it: a new wording would pass unsummed."""
    logger = logging.getLogger(QUEUE_LOGGER)
    installed = [f for f in logger.filters if isinstance(f, QueueDepthSummary)]
    for f in installed:  # a fresh summary: servers of other tests may have warned within its interval
        logger.removeFilter(f)
    logger.addFilter(summary := QueueDepthSummary(QUEUE_LOGGER, schedule=lambda delay, action: None))
    try:
        with caplog.at_level(logging.WARNING, logger=QUEUE_LOGGER):
            dispatcher = ThreadedTaskDispatcher()  # no threads: every task waits
            dispatcher.add_task(object())
            dispatcher.add_task(object())
    finally:
        logger.removeFilter(summary)
        for f in installed:
            logger.addFilter(f)
    assert [r.getMessage() for r in caplog.records if r.name == QUEUE_LOGGER] == [
        "Task queue depth is 1 (requests waiting for a worker thread)"]


def test_servers_made_share_one_summary_on_waitress_queue_logger():
    servers = [make_server(lambda environ, start: [], port=0) for _ in range(2)]
    try:
        filters = logging.getLogger(QUEUE_LOGGER).filters
        assert sum(isinstance(f, QueueDepthSummary) for f in filters) == 1
    finally:
        for server in servers:
            server.close()
