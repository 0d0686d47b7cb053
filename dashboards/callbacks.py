"""The shape of a Dash callback request, checked before Dash reads it.

Dash takes the body of `POST /embed/_dash-update-component` on trust: a body that does not
name a registered callback, or whose inputs are not `{"id", "property"}` objects in the
number the callback takes, fails inside Dash with a KeyError or TypeError, which is a 500 and
a traceback in the log. Such a body is the sender's mistake (or a probe), so it gets a 400
with the JSON error shape of the integrator API, and nothing runs. What passes here can
still fail in a callback: that is ours, and stays a 500.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

UPDATE = "_dash-update-component"


def callback_request_problem(body: Any, callback_map: dict[str, dict]) -> str | None:
    """What is wrong with a callback request's body, or None when Dash can run it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "output does not name a callback of this page"
    callback = callback_map[output]
    for key, wanted in (("inputs", callback.get("inputs", [])), ("state", callback.get("state", []))):
        given = body.get(key, [])
        if not isinstance(given, list) or len(given) != len(wanted) or not all(map(_props, given)):
            return f"{key} must be a list of {len(wanted)} {{id, property}} objects, as the callback takes"
    outputs = body.get("outputs")
    if not (_props(outputs) or (isinstance(outputs, list) and all(map(_props, outputs)))):
        return "outputs must be {id, property} objects"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None


def _props(item: Any) -> bool:
    """One `{id, property}` object, or a list of them (what a wildcard id matches)."""
    if isinstance(item, list):
        return all(_prop(i) for i in item)
    return _prop(item)


def _prop(item: Any) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
            and isinstance(item.get("property"), str))


def refuse_malformed_callbacks(server: Flask, prefix: str, callback_map: dict[str, dict]) -> None:
    """Answer a callback request Dash could not read with a 400 before Dash sees it."""
    path = prefix + UPDATE

    @server.before_request
    def _check_callback():
        if request.path != path or request.method != "POST":
            return None
        body = request.get_json(silent=True)  # Flask keeps it: Dash reads the same parse
        problem = "the body is not JSON" if body is None else callback_request_problem(body, callback_map)
        if problem is None:
            return None
        return jsonify({"error": {"code": "malformed_callback", "message": problem, "field": None}}), 400
