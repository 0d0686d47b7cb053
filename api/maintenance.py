"""Background upkeep of the store while the server runs."""
from __future__ import annotations

import logging
import threading

from data import Store
from data.cluster import compact_tail, tail_rows

log = logging.getLogger("embedash.maintenance")


class Compactor:
    """Merges the events ingested since the last compaction (the unsorted tail) into one
    sorted run, in a background thread, once they pass `threshold` events, so one
    customer's reads stay cheap as events arrive out of customer order.
    One compaction at a time; ingests never wait for it beyond the store's write lock."""

    def __init__(self, store: Store, threshold: int):
        self._store, self._threshold = store, threshold
        self._running = threading.Lock()
        # Counted here rather than asked of the store on every ingest (a scan of batch ids).
        self._tail = tail_rows(store) if threshold > 0 else 0
        self._counting = threading.Lock()  # ingests nudge from many request threads

    def nudge(self, inserted: int) -> None:
        """An ingest appended `inserted` events to the tail."""
        with self._counting:
            self._tail += inserted
            due = self._threshold > 0 and self._tail >= self._threshold
        if due and not self._running.locked():
            threading.Thread(target=self._run, name="embedash-compactor", daemon=True).start()

    def _reset(self, rows: int) -> None:
        with self._counting:
            self._tail = rows

    def _run(self) -> None:
        if not self._running.acquire(blocking=False):
            return
        self._reset(0)  # what arrives from now on is the next tail (a few counted twice start it sooner)
        try:
            rows = compact_tail(self._store)
            log.info("compacted %d events", rows)
        except Exception:
            self._reset(tail_rows(self._store))
            log.exception("compaction failed; it will be tried again after the next ingest")
        finally:
            self._running.release()
