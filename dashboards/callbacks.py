"""The shape of a Dash callback request, checked before Dash reads it.

Dash takes the body of `POST /embed/_dash-update-component` on trust: a body that does not
name a server callback, whose inputs are not `{"id", "property"}` objects in the number and
shape the callback takes, or whose outputs are not the callback's, fails inside Dash (or in
the callback) with a KeyError or TypeError: a 500 and a traceback in the log. Such a body is
the sender's mistake (or a probe), so it gets a 400 with the JSON error shape of the
integrator API, and nothing runs. What passes here can still fail in a callback: that is
ours, and stays a 500.
"""
from __future__ import annotations

import json
from typing import Any

from dash import Output
from dash._validate import validate_output_spec  # the check Dash runs itself, later, as a 500
from dash.exceptions import CallbackException
from flask import Flask, jsonify, request

UPDATE = "_dash-update-component"
_MANY = (["ALL"], ["ALLSMALLER"])  # wildcards that match a list of components
_WILDCARDS = (*_MANY, ["MATCH"])


def callback_request_problem(body: Any, callback_map: dict[str, dict]) -> str | None:
    """What is wrong with a callback request's body, or None when Dash can run it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    callback = callback_map.get(output) if isinstance(output, str) else None
    if callback is None or "callback" not in callback:  # clientside callbacks are in the map too
        return "output does not name a server callback of this page"
    for key in ("inputs", "state"):
        wanted, given = callback.get(key, []), body.get(key, [])
        if not isinstance(given, list) or len(given) != len(wanted) or not all(map(_matches, given, wanted)):
            return f"{key} must be the callback's {len(wanted)}, each an {{id, property}} object (a list of them for a wildcard)"
    try:
        validate_output_spec(callback["output"], body.get("outputs"), Output)
    except (CallbackException, KeyError, TypeError, AttributeError, ValueError):
        return "outputs must be the callback's, each an {id, property} object"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(_is_input(c, callback["inputs"]) for c in changed):
        return "changedPropIds must be a list of component.property strings, each one of the callback's inputs"
    return None


def _matches(item: Any, declared: dict) -> bool:
    """`item` is what the renderer sends for the declared input or state: the component's
    {id, property}, or a list of them where the id has an ALL or ALLSMALLER wildcard."""
    pattern = _pattern(declared["id"])
    if pattern is None:
        return _prop(item) and item["id"] == declared["id"] and item["property"] == declared["property"]
    if any(v in _MANY for v in pattern.values()):
        return isinstance(item, list) and all(_matches_one(i, pattern, declared["property"]) for i in item)
    return _matches_one(item, pattern, declared["property"])


def _matches_one(item: Any, pattern: dict, prop: str) -> bool:
    return _prop(item) and _fits(item["id"], pattern) and item["property"] == prop


def _fits(component_id: Any, pattern: dict) -> bool:
    """A pattern-matching id as the page draws it: the pattern's keys and no others, its value
    where it has one, and a string or number where it has a wildcard (what the callback then
    reads as the component's index)."""
    return isinstance(component_id, dict) and component_id.keys() == pattern.keys() and all(
        _wildcard_value(component_id[k]) if v in _WILDCARDS else component_id[k] == v for k, v in pattern.items()
    )


def _wildcard_value(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _pattern(declared_id: str) -> dict | None:
    """A declared id as a pattern (the callback map keeps it as JSON text), or None for a plain id."""
    return json.loads(declared_id) if declared_id.startswith("{") else None


def _prop(item: Any) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
            and isinstance(item.get("property"), str))


def _is_input(text: Any, inputs: list[dict]) -> bool:
    """`component.property` names one of the callback's inputs (Dash reads the triggering
    component from it: `ctx.triggered_id`). A pattern-matching component is a JSON object."""
    if not isinstance(text, str) or "." not in text:
        return False
    component, prop = text.rsplit(".", 1)
    if component.startswith("{"):
        try:
            component = json.loads(component)
        except (ValueError, RecursionError):
            return False
    for declared in inputs:
        pattern = _pattern(declared["id"])
        same = component == declared["id"] if pattern is None else _fits(component, pattern)
        if same and declared["property"] == prop:
            return True
    return False


def refuse_malformed_callbacks(server: Flask, prefix: str, callback_map: dict[str, dict]) -> None:
    """Answer a callback request Dash could not read with a 400 before Dash sees it."""
    path = prefix + UPDATE

    @server.before_request
    def _check_callback():
        if request.path != path or request.method != "POST":
            return None
        try:
            body = request.get_json(silent=True)  # Flask keeps it: Dash reads the same parse
        except RecursionError:  # the parser's answer to deep nesting, not a ValueError that silent=True hides
            problem = "the body is nested too deep"
        else:
            problem = "the body is not JSON" if body is None else callback_request_problem(body, callback_map)
        if problem is None:
            return None
        return jsonify({"error": {"code": "malformed_callback", "message": problem, "field": None}}), 400
