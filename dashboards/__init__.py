"""The embedded dashboards, mounted under /embed/ on the Flask server the app factory gives.

Imports theme and data, never api: the factory hands in the token verifier and the store.
"""
from __future__ import annotations

import dash
from flask import Flask

from dashboards import balances, invoices, usage
from dashboards.callbacks import refuse_malformed_callbacks
from dashboards.options import DASHBOARDS, OptionError, validate_options
from dashboards.shell import ASSETS, PREFIX, EmbedDash, EmbedDeps, Verifier, install_gate, register_router, shell_layout
from data import Store

__all__ = ["DASHBOARDS", "OptionError", "mount_dashboards", "validate_options"]

PAGES = {usage.NAME: usage, invoices.NAME: invoices, **{name: balances for name in balances.NAMES}}


def mount_dashboards(server: Flask, *, store: Store, verify: Verifier) -> dash.Dash:
    """Build the Dash app on `server` at /embed/ and register every page's callbacks."""
    deps = EmbedDeps(store=store, verify=verify)
    app = EmbedDash(
        __name__,
        server=server,
        url_base_pathname=PREFIX,
        assets_folder=ASSETS,
        suppress_callback_exceptions=True,
        title="embedash",
        update_title=None,
        serve_locally=True,
    )
    app.layout = shell_layout
    install_gate(server, deps)
    refuse_malformed_callbacks(server, PREFIX, app.callback_map)
    register_router(app, deps, PAGES)
    for page in dict.fromkeys(PAGES.values()):  # each module once
        page.register(app, deps)
    return app
