"""The production WSGI server: waitress with a thread pool (never Flask's development server)."""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from waitress.server import create_server

from api.logs import summarise_queue_warnings


def make_server(app: Flask, *, host: str = "127.0.0.1", port: int = 8050, threads: int = 8):
    """A waitress server bound and ready; `.run()` blocks until `stop_server` is called.
    Port 0 picks a free port: read it back from `.effective_port`. Waitress's warning of a
    request queued behind busy threads is summed up, not written once a request (api.logs)."""
    summarise_queue_warnings()
    return create_server(app, host=host, port=port, threads=threads, ident="embedash")


def settle_heap() -> None:
    """Once the app is built, before serving: collect the start's garbage, then freeze what is
    left (the modules, Dash's app, the store) out of the collector's reach. Left in, it made every
    full collection walk it all, about 40 ms at a time under the 50 viewers, with each request in
    flight waiting; two fell in a run of them and were its slowest tenth."""
    gc.collect()
    gc.freeze()


def stop_server(server) -> None:
    """Stop accepting, drop open keep-alive connections (they keep waitress's loop alive),
    and let the worker threads finish. The sockets are closed by waitress's own loop thread
    (through its trigger): closed from here, a loop waiting in select() fails with EBADF."""
    def close_everything() -> None:
        for channel in list(server._map.values()):  # the listening socket, the trigger, each connection
            channel.close()

    try:
        server.trigger.pull_trigger(close_everything)
    except OSError:  # its trigger is closed already (seen once, under three test runs at once on two
        close_everything()  # cores): the loop cannot be woken, so close from here; its select() ends it
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)


@contextmanager
def serving(app: Flask, *, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> Iterator[str]:
    """Run the app on waitress in a background thread; yields its base URL (tests, benchmarks)."""
    server = make_server(app, host=host, port=port, threads=threads)
    thread = threading.Thread(target=server.run, name="embedash-waitress", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.effective_port}"
    finally:
        stop_server(server)
        thread.join(timeout=5)
        if thread.is_alive():
            raise RuntimeError("the server did not stop")
