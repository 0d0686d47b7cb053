"""Integrator API keys: `Authorization: Bearer <key>`, compared in constant time."""
from __future__ import annotations

import hmac

from flask import request

from api.errors import ApiError
from api.services import services


def require_api_key() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, "unauthorized", "send `Authorization: Bearer <api key>`", field="Authorization")
    if not any(hmac.compare_digest(key.encode(), k.encode()) for k in services().config.api_keys):
        raise ApiError(401, "unauthorized", "unknown API key", field="Authorization")
