"""The production WSGI server: waitress with a thread pool (never Flask's development server)."""
from __future__ import annotations

from flask import Flask
from waitress.server import create_server


def make_server(app: Flask, *, host: str = "127.0.0.1", port: int = 8050, threads: int = 8):
    """A waitress server bound and ready; `.run()` blocks until `stop_server` is called.
    Port 0 picks a free port: read it back from `.effective_port`."""
    return create_server(app, host=host, port=port, threads=threads, ident="embedash")


def stop_server(server) -> None:
    """Stop accepting, drop open keep-alive connections (they keep waitress's loop alive),
    and let the worker threads finish."""
    server.close()
    for channel in list(server._map.values()):
        channel.close()
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
