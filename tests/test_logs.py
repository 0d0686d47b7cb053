"""The server's log: waitress's queue warnings summed up, not written once a request."""
from __future__ import annotations

import logging

import pytest

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
def passed(clock):
    """The messages a queue logger with a 60 s summary lets through."""
    logger = logging.getLogger("test.queue")
    out: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: out.append(record.getMessage())
    summary = QueueDepthSummary(60, clock=clock)
    logger.addHandler(handler)
    logger.addFilter(summary)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)
    logger.removeFilter(summary)


def test_the_first_queue_warning_passes(passed):
    logger, out = passed
    logger.warning("Task queue depth is %d", 3)
    assert out == ["Task queue depth is 3 (requests waiting for a worker thread)"]


def test_queue_warnings_within_the_interval_are_held_back(passed, clock):
    logger, out = passed
    for depth in (1, 7, 4):
        logger.warning("Task queue depth is %d", depth)
        clock.now += 10
    assert len(out) == 1


def test_the_next_warning_after_the_interval_says_the_deepest_and_how_many_were_held(passed, clock):
    logger, out = passed
    for depth in (1, 7, 4):
        logger.warning("Task queue depth is %d", depth)
        clock.now += 10
    clock.now += 40
    logger.warning("Task queue depth is %d", 2)
    assert out[1] == ("Task queue depth is 2 (requests waiting for a worker thread); "
                      "deepest 7, 2 more such warnings held back in the last 70 s")


def test_other_records_of_the_logger_pass_unchanged(passed):
    logger, out = passed
    logger.warning("Task queue depth is %d", 1)
    logger.warning("something else %s", "entirely")
    assert out[1] == "something else entirely"


def test_servers_made_share_one_summary_on_waitress_queue_logger():
    servers = [make_server(lambda environ, start: [], port=0) for _ in range(2)]
    try:
        filters = logging.getLogger(QUEUE_LOGGER).filters
        assert sum(isinstance(f, QueueDepthSummary) for f in filters) == 1
    finally:
        for server in servers:
            server.close()
