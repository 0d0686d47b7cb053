"""Embed URLs: `POST /v1/dashboards/getEmbeddableUrl` (Metronome's shape) and revocation."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from api.config import MAX_TOKEN_TTL
from api.errors import bad_request, not_found
from api.services import Services, services
from api.tokens import TOKENS_LIVE_S, EmbedClaims
from api.validation import json_body, reject_unknown, text
from dashboards import DASHBOARDS, OptionError, validate_options
from data.customers import get_customer
from data.metrics import list_metrics
from data.revocations import revoke_customer_tokens, revoke_token
from theme import PaletteError, validate_color_overrides

bp = Blueprint("embeds", __name__)
MIN_TTL = 60
_FIELDS = {"customer_id", "dashboard", "color_overrides", "dashboard_options", "bm_group_key_overrides", "expires_in"}


def _group_overrides(items: Any, known_keys: set[str]) -> dict[str, dict]:
    field = "bm_group_key_overrides"
    if items is None:
        return {}
    if not isinstance(items, list):
        raise bad_request("must be a list of {group_key_name, display_name, value_display_names}", field=field)
    out: dict[str, dict] = {}
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise bad_request("must be an object", field=where)
        reject_unknown(item, {"group_key_name", "display_name", "value_display_names"}, prefix=where + ".")
        key = text(item, "group_key_name", field=f"{where}.group_key_name")
        if key not in known_keys:
            raise bad_request(f"no billable metric has the group key {key!r}", field=f"{where}.group_key_name",
                              allowed=sorted(known_keys))
        display = text(item, "display_name", field=f"{where}.display_name", required=False)
        values = item.get("value_display_names")
        values = {} if values is None else values
        if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
            raise bad_request("must be an object of {group value: display name} strings",
                              field=f"{where}.value_display_names")
        out[key] = {"display_name": display, "values": values}
    return out


# nginx's default request line limit (large_client_header_buffers 8k): a longer link would load
# nothing in the host's iframe, behind the proxy README's "Running it" asks for.
MAX_URL_LENGTH = 8000


def issue_embed(svc: Services, body: Any, *, base_url: str) -> tuple[str, EmbedClaims]:
    """Validate a getEmbeddableUrl body and sign it; returns (url, claims). Raises ApiError."""
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object", field=None)
    reject_unknown(body, _FIELDS)
    dashboard = text(body, "dashboard")
    if dashboard not in DASHBOARDS:
        raise bad_request(f"unknown dashboard {dashboard!r}", field="dashboard", allowed=list(DASHBOARDS))
    customer_id = text(body, "customer_id", max_len=128)
    if get_customer(svc.store, customer_id) is None:
        raise not_found(f"no customer {customer_id!r}", field="customer_id")
    try:
        colors = validate_color_overrides(body.get("color_overrides"))
        options = validate_options(dashboard, body.get("dashboard_options"))
    except (PaletteError, OptionError) as exc:
        raise bad_request(str(exc), field=exc.field, allowed=exc.allowed) from None
    known_keys = {k for m in list_metrics(svc.store) for k in m.group_keys}
    group_overrides = _group_overrides(body.get("bm_group_key_overrides"), known_keys)
    ttl = body.get("expires_in", svc.config.token_ttl)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not MIN_TTL <= ttl <= MAX_TOKEN_TTL:
        raise bad_request(f"expires_in must be whole seconds from {MIN_TTL} to {MAX_TOKEN_TTL}", field="expires_in")
    token, claims = svc.tokens.issue(customer_id=customer_id, dashboard=dashboard, ttl=ttl, options=options,
                                     colors=colors, group_overrides=group_overrides)
    base = svc.config.public_url or base_url.rstrip("/")
    url = f"{base}/embed/{dashboard}?{urlencode({'token': token})}"
    if len(url) > MAX_URL_LENGTH:  # the claims travel in the token: only group overrides grow without bound
        raise bad_request(f"the link would be {len(url):,} characters, more than the {MAX_URL_LENGTH:,} a proxy takes in a "
                          "request line: send fewer or shorter bm_group_key_overrides", field="bm_group_key_overrides")
    return url, claims


@bp.post("/dashboards/getEmbeddableUrl")
def get_embeddable_url():
    url, claims = issue_embed(services(), json_body(), base_url=request.host_url)
    expires = datetime.fromtimestamp(claims.expires_at, UTC).isoformat().replace("+00:00", "Z")
    return jsonify({"data": {"url": url, "expires_at": expires, "token_id": claims.token_id}})


@bp.post("/tokens/revoke")
def revoke():
    body = json_body()
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object", field=None)
    reject_unknown(body, {"token_id", "customer_id"})
    if ("token_id" in body) == ("customer_id" in body):
        raise bad_request("send exactly one of token_id or customer_id", field="token_id")
    svc = services()
    if "token_id" in body:
        token_id = text(body, "token_id", max_len=64)
        revoke_token(svc.store, token_id, tokens_live_s=TOKENS_LIVE_S)
        return jsonify({"data": {"revoked": {"token_id": token_id}}})
    customer_id = text(body, "customer_id", max_len=128)
    if get_customer(svc.store, customer_id) is None:
        raise not_found(f"no customer {customer_id!r}", field="customer_id")
    revoke_customer_tokens(svc.store, customer_id, issued_up_to_ms=int(time.time() * 1000), tokens_live_s=TOKENS_LIVE_S)
    return jsonify({"data": {"revoked": {"customer_id": customer_id}}})
