"""A callback request Dash could not read is the sender's mistake: a 400 with the API's error
shape, never a 500, and no callback runs."""
from __future__ import annotations

import logging

import pytest

CALLBACK = "/embed/_dash-update-component"
CHART = "..usage-chart.figure...usage-totals.children...usage-breakdown.children...usage-caption.children.."
OUTPUTS = [{"id": i, "property": p} for i, p in (("usage-chart", "figure"), ("usage-totals", "children"),
                                                  ("usage-breakdown", "children"), ("usage-caption", "children"))]
INPUTS = [{"id": f"usage-{k}", "property": "value", "value": None} for k in ("window", "metric", "group-by", "value")]
STATE = [{"id": "eb-url", "property": "search", "value": "?token=x"}]


def render(**changes) -> dict:
    body = {"output": CHART, "outputs": OUTPUTS, "inputs": INPUTS, "state": STATE, "changedPropIds": []}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize("body", [
    [],
    {},
    {"output": "nothing.here"},
    render(output=...),
    render(inputs=INPUTS[:3]),
    render(inputs=[{"id": "usage-window", "value": "90"}, *INPUTS[1:]]),
    render(inputs="usage-window"),
    render(state=[{"property": "search"}]),
    render(outputs=[{"id": "usage-chart"}]),
    render(changedPropIds="usage-metric.value"),
], ids=["array", "empty", "unknown-output", "no-output", "too-few-inputs", "input-without-property", "inputs-not-a-list",
        "state-without-id", "output-without-property", "changed-not-a-list"])
def test_a_malformed_callback_request_is_a_400(client, body, caplog):
    with caplog.at_level(logging.ERROR):
        r = client.post(CALLBACK, json=body)
    assert r.status_code == 400
    assert r.json["error"]["code"] == "malformed_callback"
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]


def test_a_body_that_is_not_json_is_a_400(client):
    r = client.post(CALLBACK, data=b"{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.json["error"]["code"] == "malformed_callback"


def test_a_well_formed_request_with_a_bad_token_still_reaches_the_callback(client):
    r = client.post(CALLBACK, json=render())
    assert r.status_code == 200
    assert "This link has expired" in r.text
