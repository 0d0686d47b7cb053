"""Response headers: embeds may be framed only by the configured origins, nothing is
cached that carries a token or data, and no page leaks its URL through a Referer."""
from __future__ import annotations

from flask import Flask, request

from api.config import Config

# Dash's fingerprinted bundles and our static assets carry no data: let browsers cache them.
_CACHEABLE = ("/embed/_dash-component-suites/", "/embed/assets/")


def install_security_headers(app: Flask, config: Config) -> None:
    ancestors = " ".join(["'self'", *config.frame_ancestors])

    @app.after_request
    def _headers(response):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        path = request.path
        if path.startswith("/embed/"):
            response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
            if not path.startswith(_CACHEABLE):
                response.headers["Cache-Control"] = "no-store"
        elif path.startswith("/v1/"):
            response.headers["Cache-Control"] = "no-store"
        else:
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        return response
