"""`POST /v1/dashboards/getEmbeddableUrl` and `POST /v1/tokens/revoke`."""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import A, AUTH

URL = "/v1/dashboards/getEmbeddableUrl"


def post(client, body, **kw):
    return client.post(URL, headers=kw.pop("headers", AUTH), json=body, **kw)


def test_returns_url_expiry_and_token_id(client, world):
    r = post(client, {"customer_id": A, "dashboard": "usage"})
    assert r.status_code == 200
    data = r.json["data"]
    assert data["url"].startswith("http://localhost/embed/usage?token=")
    assert data["token_id"].startswith("tok_") and data["expires_at"].endswith("Z")
    assert client.get(data["url"]).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
def test_missing_or_wrong_api_key_is_401(client, world, headers):
    r = post(client, {"customer_id": A, "dashboard": "usage"}, headers=headers)
    assert r.status_code == 401
    assert r.json["error"]["field"] == "Authorization"


def test_unknown_customer_is_404(client, world):
    r = post(client, {"customer_id": "nobody", "dashboard": "usage"})
    assert r.status_code == 404 and r.json["error"]["field"] == "customer_id"


@pytest.mark.parametrize("body, field, allowed_has", [
    ({"dashboard": "charts"}, "dashboard", "usage"),
    ({"color_overrides": [{"name": "Teal", "value": "#000"}]}, "color_overrides[0].name", "UsageLine_0"),
    ({"color_overrides": [{"name": "White", "value": "white"}]}, "color_overrides[0].value", None),
    ({"color_overrides": [{"name": "White", "value": "#ffff"}]}, "color_overrides[0].value", None),
    ({"dashboard_options": [{"key": "colour", "value": "x"}]}, "dashboard_options[0].key", "default_window"),
    ({"dashboard_options": [{"key": "default_window", "value": "45"}]}, "dashboard_options[0].value", "90"),
    ({"bm_group_key_overrides": [{"group_key_name": "planet"}]}, "bm_group_key_overrides[0].group_key_name", "region"),
    ({"dashboard_options": [{"key": "timezone", "value": "Mars/Olympus_Mons"}]}, "dashboard_options[0].value", None),
    ({"dashboard_options": [{"key": "timezone", "value": "localtime"}]}, "dashboard_options[0].value", None),
    ({"dashboard_options": [{"key": "locale", "value": "xx_NOPE"}]}, "dashboard_options[0].value", None),
    ({"dashboard_options": [{"key": "theme", "value": "sepia"}]}, "dashboard_options[0].value", "dark"),
    ({"dashboard_options": [{"key": "font_family", "value": "Comic Sans"}]}, "dashboard_options[0].value", "serif"),
    ({"expires_in": 0}, "expires_in", None),
    ({"expires_in": 86_401}, "expires_in", None),
    ({"expires_in": "600"}, "expires_in", None),
    ({"expires_in": True}, "expires_in", None),
    ({"customer_id": 42}, "customer_id", None),
    ({"colour_overrides": []}, "colour_overrides", "color_overrides"),
])  # fmt: skip
def test_bad_field_is_400_naming_it(client, world, body, field, allowed_has):
    r = post(client, {"customer_id": A, "dashboard": "usage", **body})
    assert r.status_code == 400, r.json
    error = r.json["error"]
    assert error["field"] == field
    assert error["message"]
    if allowed_has:
        assert allowed_has in error["allowed"]


@pytest.mark.parametrize("body, field", [
    ({"dashboard_options": [{"key": ["theme"], "value": "dark"}]}, "dashboard_options[0].key"),
    ({"dashboard_options": [{"key": {"theme": 1}, "value": "dark"}]}, "dashboard_options[0].key"),
    ({"dashboard_options": [{"key": 7, "value": "dark"}]}, "dashboard_options[0].key"),
    ({"dashboard_options": [{"key": "theme", "value": ["dark"]}]}, "dashboard_options[0].value"),
    ({"dashboard_options": [{"key": "theme", "value": {"dark": True}}]}, "dashboard_options[0].value"),
    ({"dashboard_options": [["theme", "dark"]]}, "dashboard_options[0]"),
    ({"dashboard_options": {"theme": "dark"}}, "dashboard_options"),
    ({"color_overrides": [{"name": ["White"], "value": "#fff"}]}, "color_overrides[0].name"),
    ({"color_overrides": [{"name": {"White": 1}, "value": "#fff"}]}, "color_overrides[0].name"),
    ({"color_overrides": [{"name": "White", "value": ["#fff"]}]}, "color_overrides[0].value"),
    ({"bm_group_key_overrides": [{"group_key_name": ["region"]}]}, "bm_group_key_overrides[0].group_key_name"),
    ({"bm_group_key_overrides": [{"group_key_name": {"region": 1}}]}, "bm_group_key_overrides[0].group_key_name"),
    ({"bm_group_key_overrides": [{"group_key_name": "region", "display_name": ["x"]}]},
     "bm_group_key_overrides[0].display_name"),
    ({"bm_group_key_overrides": [{"group_key_name": "region", "value_display_names": ["eu", "Europe"]}]},
     "bm_group_key_overrides[0].value_display_names"),
    ({"bm_group_key_overrides": [{"group_key_name": "region", "value_display_names": []}]},
     "bm_group_key_overrides[0].value_display_names"),
    ({"bm_group_key_overrides": [{"group_key_name": "region", "value_display_names": False}]},
     "bm_group_key_overrides[0].value_display_names"),
    ({"bm_group_key_overrides": [{"group_key_name": "region", "value_display_names": {"eu": ["Europe"]}}]},
     "bm_group_key_overrides[0].value_display_names"),
    ({"bm_group_key_overrides": [["region", "Region"]]}, "bm_group_key_overrides[0]"),
    ({"bm_group_key_overrides": {"region": "Region"}}, "bm_group_key_overrides"),
])  # fmt: skip
def test_a_list_item_field_of_another_type_is_400_naming_it(client, world, body, field, caplog):
    with caplog.at_level(logging.ERROR):
        r = post(client, {"customer_id": A, "dashboard": "usage", **body})
    assert r.status_code == 400, r.json
    assert r.json["error"]["field"] == field and r.json["error"]["message"]
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


@pytest.mark.parametrize("dashboard", ["usage", "invoices", "credits", "commits_and_credits"])
def test_every_metronome_dashboard_name_gets_a_working_url(client, world, dashboard):
    r = post(client, {"customer_id": A, "dashboard": dashboard})
    assert r.status_code == 200
    assert client.get(r.json["data"]["url"]).status_code == 200


@pytest.mark.parametrize("data, content_type", [("{not json", "application/json"), ("[]x", "application/json"),
                                                ("customer_id=a", "application/x-www-form-urlencoded")])
def test_malformed_json_is_400(client, data, content_type):
    r = client.post(URL, headers=AUTH, data=data, content_type=content_type)
    assert r.status_code == 400 and r.json["error"]["code"] == "malformed_json"


def test_options_colours_and_group_names_travel_in_the_token(client, app, world):
    r = post(client, {
        "customer_id": A, "dashboard": "usage", "expires_in": 120,
        "color_overrides": [{"name": "UsageLine_0", "value": "#f00"}],
        "dashboard_options": [{"key": "default_window", "value": "90"}],
        "bm_group_key_overrides": [{"group_key_name": "region", "display_name": "Region",
                                    "value_display_names": {"eu": "Europe"}}],
    })  # fmt: skip
    token = parse_qs(urlparse(r.json["data"]["url"]).query)["token"][0]
    claims = app.extensions["embedash"].tokens.verify(token)
    assert claims.colors == {"UsageLine_0": "#ff0000"}
    assert claims.options == {"default_window": "90"}
    assert claims.group_overrides["region"] == {"display_name": "Region", "values": {"eu": "Europe"}}
    assert claims.expires_at - claims.issued_ms // 1000 == 120


def test_revoking_a_token_stops_its_page_at_once(client, world):
    data = post(client, {"customer_id": A, "dashboard": "usage"}).json["data"]
    other = post(client, {"customer_id": A, "dashboard": "usage"}).json["data"]
    assert client.post("/v1/tokens/revoke", headers=AUTH, json={"token_id": data["token_id"]}).status_code == 200
    assert client.get(data["url"]).status_code == 403
    assert client.get(other["url"]).status_code == 200


def test_revoking_a_customer_stops_all_of_its_links(client, world):
    urls = [post(client, {"customer_id": A, "dashboard": "usage"}).json["data"]["url"] for _ in range(2)]
    assert client.post("/v1/tokens/revoke", headers=AUTH, json={"customer_id": A}).status_code == 200
    assert [client.get(u).status_code for u in urls] == [403, 403]
    fresh = post(client, {"customer_id": A, "dashboard": "usage"}).json["data"]["url"]
    assert client.get(fresh).status_code == 200


@pytest.mark.parametrize("body, status", [({}, 400), ({"token_id": "t", "customer_id": A}, 400),
                                          ({"customer_id": "nobody"}, 404), ({"token": "t"}, 400)])
def test_bad_revocation_requests(client, world, body, status):
    assert client.post("/v1/tokens/revoke", headers=AUTH, json=body).status_code == status


def test_overrides_that_would_make_the_link_too_long_for_a_proxy_are_a_400(client, world):
    names = {f"region-{i:05d}-{i * 7919 % 104729}": f"Region number {i * 104723 % 99991} of many" for i in range(3000)}
    body = {"customer_id": A, "dashboard": "usage",
            "bm_group_key_overrides": [{"group_key_name": "region", "value_display_names": names}]}
    r = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH, json=body)
    assert r.status_code == 400 and r.json["error"]["field"] == "bm_group_key_overrides"
    assert "characters" in r.json["error"]["message"]


def test_a_hundred_display_names_still_fit_in_a_link(client, world):
    names = {f"region-{i}": f"Region {i}" for i in range(100)}
    body = {"customer_id": A, "dashboard": "usage",
            "bm_group_key_overrides": [{"group_key_name": "region", "value_display_names": names}]}
    r = client.post("/v1/dashboards/getEmbeddableUrl", headers=AUTH, json=body)
    assert r.status_code == 200 and len(r.json["data"]["url"]) <= 8000
