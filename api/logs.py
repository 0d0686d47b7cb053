"""The server's log: one timestamped line a record on stderr, and waitress's queue warnings
summed up instead of one a request.

Waitress warns "Task queue depth is N" each time a request arrives while every worker thread
is busy: under an ordinary burst (fifty viewers on eight threads) that is a line for nearly
every request (492 for 500 callbacks), a log nobody can read; and a server whose stderr is a
pipe nobody drains stops at its next line once the pipe fills. `QueueDepthSummary` lets the
first one through, holds back the rest for an interval, then writes one line saying how
deep the queue got and how many it held back.
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
    is already there alone, its level too (a host process's, or pytest's)."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(FORMAT.replace("%(asctime)s", "%(asctime)sZ"))
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=[handler])


def _later(delay: float, action: Callable[[], None]) -> None:
    timer = threading.Timer(delay, action)
    timer.daemon = True
    timer.start()


class QueueDepthSummary(logging.Filter):
    """On `logger_name`'s records: passes a queue-depth warning when none passed or was summed
    up in the last `interval` seconds, holds back the rest, and at the interval's end writes one
    warning with the deepest the queue got and how many were held. Other records pass unchanged."""

    def __init__(self, logger_name: str = QUEUE_LOGGER, interval: float = QUEUE_SUMMARY_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 schedule: Callable[[float, Callable[[], None]], None] = _later):
        super().__init__()
        self.logger_name, self.interval, self.clock, self.schedule = logger_name, interval, clock, schedule
        self._lock = threading.Lock()
        self._last: float | None = None  # when one last passed, or the held ones were summed up
        self._held, self._deepest, self._pending = 0, 0, False

    def filter(self, record: logging.LogRecord) -> bool:
        match = _DEPTH.fullmatch(record.getMessage())
        if match is None:
            return True
        depth, now = int(match.group(1)), self.clock()
        with self._lock:
            if self._last is not None and now - self._last < self.interval:
                self._held += 1
                self._deepest = max(self._deepest, depth)
                if not self._pending:
                    self._pending = True
                    self.schedule(self._last + self.interval - now, self.flush)
                return False
            self._last = now
        record.msg, record.args = f"Task queue depth is {depth} (requests waiting for a worker thread)", ()
        return True

    def flush(self) -> None:
        """Write the warnings held back since the last one as one line (none if none were)."""
        now = self.clock()
        with self._lock:
            held, deepest, since = self._held, self._deepest, now - (self._last or now)
            self._held, self._deepest, self._pending = 0, 0, False
            if held:
                self._last = now
        if held:
            logging.getLogger(self.logger_name).warning(
                "Task queue depth reached %d in the last %.0f s (%d more such warnings held back)", deepest, since, held)


def summarise_queue_warnings(interval: float = QUEUE_SUMMARY_SECONDS) -> None:
    """Put one QueueDepthSummary on waitress's queue logger (once, however often it is called)."""
    logger = logging.getLogger(QUEUE_LOGGER)
    if not any(isinstance(f, QueueDepthSummary) for f in logger.filters):
        logger.addFilter(QueueDepthSummary(QUEUE_LOGGER, interval))
