"""One exception for the integrator API, one handler, one JSON shape:
`{"error": {"code", "message", "field"}}` (plus `allowed` or `details` where they help)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboards.callbacks import UPDATE
from dashboards.shell import PREFIX
from data.columns import OutOfRange

CALLBACKS = PREFIX + UPDATE

log = logging.getLogger("embedash.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, field: str | None = None, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message, "field": self.field}
        error.update({k: v for k, v in self.extra.items() if v is not None})
        return {"error": error}


def bad_request(message: str, *, field: str | None, code: str = "invalid_request", **extra: Any) -> ApiError:
    return ApiError(400, code, message, field=field, **extra)


def not_found(message: str, *, field: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message, field=field)


def conflict(message: str, *, field: str | None) -> ApiError:
    return ApiError(409, "conflict", message, field=field)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return jsonify(exc.body()), exc.status

    @app.errorhandler(OutOfRange)
    def _out_of_range(exc: OutOfRange):
        body = {"error": {"code": "out_of_range", "field": None, "message":
                          "the total is too large for the store's numbers (29 digits before the point); ask for smaller windows"}}
        return jsonify(body), 422

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # The API's routes, and the dashboards' callback endpoint, whose refusals have this shape too.
        if not (request.path.startswith("/v1/") or request.path == CALLBACKS):
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify({"error": {"code": code, "message": exc.description, "field": None}}), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if request.path.startswith("/v1/"):
            body = {"error": {"code": "internal_error", "message": "internal error", "field": None}}
            return jsonify(body), 500
        return "Internal error", 500
