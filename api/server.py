"""The production WSGI server: waitress with a thread pool (never Flask's development server)."""
from __future__ import annotations

from flask import Flask
from waitress.server import create_server


def make_server(app: Flask, *, host: str = "127.0.0.1", port: int = 8050, threads: int = 8):
    """A waitress server bound and ready; call `.run()` (blocks) and `.close()` to stop.
    Port 0 picks a free port: read it back from `.effective_port`."""
    return create_server(app, host=host, port=port, threads=threads, ident="embedash")
