"""The server's log: one timestamped line a record on stderr, and waitress's queue warnings
summed up instead of one a request.

Waitress warns "Task queue depth is N" each time a request arrives while every worker thread
is busy: under an ordinary burst (fifty viewers on eight threads) that is a line for nearly
every request (492 for 500 callbacks), a log nobody can read; and a server whose stderr is a
pipe nobody drains stops at its next line once the pipe fills.
`QueueDepthSummary` lets one through per interval, saying how deep the queue got since the
last one and how many it held back.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUEUE_LOGGER = "waitress.queue"
QUEUE_SUMMARY_SECONDS = 60.0
_DEPTH = re.compile(r"Task queue depth is (\d+)")


def configure_logging(level: str = "INFO") -> None:
    """Log records at `level` and above to stderr, times in UTC. Leaves a logging setup that
    is already there alone (a host process's, or pytest's)."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(FORMAT.replace("%(asctime)s", "%(asctime)sZ"))
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=[handler])


class QueueDepthSummary(logging.Filter):
    """Passes the first queue-depth warning, then at most one per `interval` seconds, rewritten
    to say the deepest the queue was since the last one passed and how many were held back.
    Other records pass unchanged."""

    def __init__(self, interval: float = QUEUE_SUMMARY_SECONDS, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval, self.clock = interval, clock
        self._lock = threading.Lock()
        self._last: float | None = None  # when one last passed
        self._held, self._deepest = 0, 0

    def filter(self, record: logging.LogRecord) -> bool:
        match = _DEPTH.fullmatch(record.getMessage())
        if match is None:
            return True
        depth, now = int(match.group(1)), self.clock()
        with self._lock:
            self._deepest = max(self._deepest, depth)
            if self._last is not None and now - self._last < self.interval:
                self._held += 1
                return False
            held, deepest, since = self._held, self._deepest, None if self._last is None else now - self._last
            self._last, self._held, self._deepest = now, 0, 0
        record.msg, record.args = _summary(depth, deepest, held, since), ()
        return True


def _summary(depth: int, deepest: int, held: int, since: float | None) -> str:
    text = f"Task queue depth is {depth} (requests waiting for a worker thread)"
    if held:
        text += f"; deepest {deepest}, {held} more such warnings held back in the last {since:.0f} s"
    return text


def summarise_queue_warnings(interval: float = QUEUE_SUMMARY_SECONDS) -> None:
    """Put one QueueDepthSummary on waitress's queue logger (once, however often it is called)."""
    logger = logging.getLogger(QUEUE_LOGGER)
    if not any(isinstance(f, QueueDepthSummary) for f in logger.filters):
        logger.addFilter(QueueDepthSummary(interval))
