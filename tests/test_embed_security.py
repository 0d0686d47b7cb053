"""The embed page and its callbacks: headers, denial pages, and no data across customers."""
from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from api.config import MAX_TOKEN_TTL
from api.tokens import EmbedTokens
from conftest import A, AUTH, B, B_CALLS, B_SECRET_REGION, CALLBACK, SECRET, cell_text, cloud_event, render_request, token_of


def embed_url(client, customer=A, **extra) -> str:
    r = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH,
                    json={"customer_id": customer, "dashboard": "usage", **extra})
    return r.json["data"]["url"]


def test_page_sends_security_headers_and_no_cookies(client, world):
    r = client.get(embed_url(client))
    assert r.status_code == 200
    assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in r.headers


def test_frame_ancestors_come_from_config(config, store, world):
    from dataclasses import replace

    from api import create_app

    app = create_app(replace(config, frame_ancestors=["https://host.example"]), store=store)
    r = app.test_client().get("/embed/usage?token=x")
    assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://host.example"


def test_page_head_carries_the_tokens_palette(client, world):
    page = client.get(embed_url(client, color_overrides=[{"name": "White", "value": "#123456"}])).text
    assert "--eb-white:#123456" in page
    assert "cdn" not in page.lower()  # every asset is served by embedash itself


@pytest.mark.parametrize("query", ["", "?token=", "?token=garbage", "?token=a.b.c"])
def test_bad_token_gets_the_not_valid_page_with_401(client, world, query):
    r = client.get("/embed/usage" + query)
    assert r.status_code == 401
    assert "This link is not valid" in r.text and "expired" not in r.text.split("<script>")[0]
    assert 'postMessage({type:"embedash:expired"}' in r.text
    assert B_SECRET_REGION not in r.text and "Acme" not in r.text


def test_a_link_cut_short_is_not_valid_rather_than_expired(client, world):
    url = embed_url(client)
    r = client.get(url[:-5])
    assert r.status_code == 401 and "This link is not valid" in r.text


def test_a_link_signed_longer_ago_than_any_token_lives_gets_the_expired_page(client, store, world, monkeypatch):
    token, _ = EmbedTokens([SECRET], store).issue(customer_id=A, dashboard="usage", ttl=60)
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + MAX_TOKEN_TTL + 3600)  # itsdangerous's clock
    r = client.get(f"/embed/usage?token={token}")
    assert r.status_code == 401 and "This link has expired" in r.text


def test_expired_token_gets_the_expired_page(client, store, world):
    token, _ = EmbedTokens([SECRET], store, clock=lambda: time.time() - 3600).issue(
        customer_id=A, dashboard="usage", ttl=60)
    r = client.get(f"/embed/usage?token={token}")
    assert r.status_code == 401 and "This link has expired" in r.text


def test_token_for_another_dashboard_is_403(client, store, world):
    token, _ = EmbedTokens([SECRET], store).issue(customer_id=A, dashboard="invoices", ttl=60)
    assert client.get(f"/embed/usage?token={token}").status_code == 403


def test_unknown_dashboard_path_is_404_and_does_not_ask_for_a_new_link(client, world):
    r = client.get(f"/embed/nothing?token={token_of(embed_url(client))}")
    assert r.status_code == 404 and "embedash:expired" not in r.text  # a new link would not mend it


def test_callback_returns_the_token_customers_data(client, world):
    r = client.post(CALLBACK, json=render_request(token_of(embed_url(client))))
    assert r.status_code == 200
    body = r.text
    assert '"eu"' in body and '"us"' in body  # A's regions
    assert B_SECRET_REGION not in body


def test_forged_callback_naming_another_customer_gets_only_the_tokens_data(client, world):
    token = token_of(embed_url(client))
    forged = render_request(
        token, customer_id=B, customer=B,
        extra_inputs=[{"id": "customer_id", "property": "value", "value": B}],
    )
    forged["state"].append({"id": "customer", "property": "data", "value": {"customer_id": B}})
    r = client.post(CALLBACK, json=forged)
    body = r.text
    assert B_SECRET_REGION not in body
    assert f">{B_CALLS}<" not in body and f'"{B_CALLS}"' not in body
    if r.status_code == 200:
        totals = json.dumps(r.json["response"]["usage-totals"])
        assert '"7"' in totals  # A's 90-day api_calls


def test_callback_with_a_revoked_token_returns_no_data(client, world):
    url = embed_url(client)
    client.post("/v1/tokens/revoke", headers=AUTH, json={"customer_id": A})
    r = client.post(CALLBACK, json=render_request(token_of(url)))
    assert r.status_code == 200
    assert '"eu"' not in r.text and "eb-expired" in r.text


def test_callback_without_a_token_returns_no_data(client, world):
    r = client.post(CALLBACK, json=render_request(""))
    assert '"eu"' not in r.text and "eb-expired" in r.text


def _refused_token(client, store, why: str) -> str:
    if why == "expired":
        return EmbedTokens([SECRET], store, clock=lambda: time.time() - 3600).issue(customer_id=A, dashboard="usage", ttl=60)[0]
    if why == "revoked":
        token = token_of(embed_url(client))
        client.post("/v1/tokens/revoke", headers=AUTH, json={"customer_id": A})
        return token
    if why == "another dashboard":
        return EmbedTokens([SECRET], store).issue(customer_id=A, dashboard="invoices", ttl=60)[0]
    return {"forged": "forged", "missing": ""}[why]


@pytest.mark.parametrize("why, title", [("expired", "This link has expired"), ("forged", "This link is not valid"),
                                        ("missing", "This link is not valid"), ("revoked", "This link is no longer valid"),
                                        ("another dashboard", "This link is no longer valid")])
def test_a_refused_callback_says_why_as_the_denial_page_does(client, store, world, why, title):
    r = client.post(CALLBACK, json=render_request(_refused_token(client, store, why)))
    assert r.status_code == 200
    notice = json.dumps(r.json["response"]["usage-caption"])
    assert title in notice and "eb-expired" in notice  # the class frame.js asks the host for a new link by


def test_callback_responses_are_not_cached(client, world):
    r = client.post(CALLBACK, json=render_request(token_of(embed_url(client))))
    assert r.headers["Cache-Control"] == "no-store"


def test_timezone_option_moves_day_buckets_and_the_caption(client, world):
    tokyo = client.post(CALLBACK, json=render_request(token_of(embed_url(client)), window="30", group_by="")).json
    ny = client.post(CALLBACK, json=render_request(token_of(embed_url(
        client, dashboard_options=[{"key": "timezone", "value": "America/New_York"}])), window="30", group_by="")).json
    caption = lambda body: str(body["response"]["usage-caption"]["children"])  # noqa: E731
    assert "Asia/Tokyo" in caption(tokyo) and "America/New_York" in caption(ny)
    days = lambda body: [date.fromisoformat(d) for d in body["response"]["usage-chart"]["figure"]["data"][0]["x"]]  # noqa: E731
    # noon in Tokyo is 03:00 UTC: the day before in New York (22:00 or 23:00)
    assert days(ny) == [d - timedelta(days=1) for d in days(tokyo)]


def test_render_includes_events_sent_after_the_previous_render(client, world):
    token = token_of(embed_url(client))
    api_calls = lambda: cell_text(client.post(CALLBACK, json=render_request(token)).json["response"]["usage-totals"]["children"],  # noqa: E731
                                  "usage-total-api_calls")
    assert api_calls() == "7"
    late = [cloud_event(f"late-{i}", A, "api_call", datetime.now(UTC), region="eu") for i in range(2)]
    assert client.post("/v1/events", headers=AUTH, json=late).status_code == 200
    assert api_calls() == "9"


def test_page_config_does_not_tell_the_servers_python_version(client, world):
    page = client.get(embed_url(client)).text
    assert '"dash_version"' in page  # the config is on the page
    assert "python_version" not in page


@pytest.mark.parametrize("path", ["dash/nope.js", "dash/dcc/nope.js", "nopackage/x.js", "dash/../../etc/passwd"])
def test_an_unknown_script_is_a_404_not_a_500(client, path, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.get(f"/embed/_dash-component-suites/{path}")
    assert r.status_code == 404
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_known_script_is_still_served(client):
    assert client.get("/embed/_dash-component-suites/dash/dcc/dash_core_components.js").status_code == 200
