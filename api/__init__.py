"""The integrator API and the composition root: `create_app(config)` builds everything."""
from __future__ import annotations

from flask import Blueprint, Flask, send_file

from api import customers, embeds, events, grants, invoices, openapi, prices, usage
from api.auth import require_api_key
from api.config import Config
from api.errors import register_error_handlers
from api.maintenance import Compactor
from api.security import install_security_headers
from api.services import Services
from api.tokens import EmbedTokens
from dashboards import mount_dashboards
from data import Store
from data.events import GroupWriter
from theme import EMBED_JS


def create_app(config: Config | None = None, *, store: Store | None = None, demo: bool = False) -> Flask:
    """Build the Flask app: integrator API at /v1, dashboards at /embed/, embed.js, and /demo if asked."""
    config = (config or Config.from_env()).check()
    store = store or Store(config.database)
    tokens = EmbedTokens(config.secret_keys, store)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = events.MAX_BODY_BYTES
    app.extensions["embedash"] = Services(config=config, store=store, tokens=tokens,
                                          compactor=Compactor(store, config.compact_rows), ingest=GroupWriter(store))
    register_error_handlers(app)

    v1 = Blueprint("v1", __name__, url_prefix="/v1")
    v1.before_request(require_api_key)
    for module in (embeds, customers, events, usage, invoices, grants, prices):
        v1.register_blueprint(module.bp)
    app.register_blueprint(v1)

    app.add_url_rule("/embed.js", "embed_js", lambda: send_file(EMBED_JS, mimetype="text/javascript", max_age=3600))
    app.add_url_rule("/healthz", "healthz", lambda: {"ok": True})
    spec = openapi.document()
    app.add_url_rule("/v1/openapi.json", "openapi", lambda: spec)  # public: the contract is no secret
    if demo:
        from api import demo as demo_page

        app.register_blueprint(demo_page.bp)

    install_security_headers(app, config)
    mount_dashboards(app, store=store, verify=tokens.verify)
    return app
