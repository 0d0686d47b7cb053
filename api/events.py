"""Event ingest: `POST /v1/events` takes CloudEvents: one object or an array as
`application/json`, or one per line as `application/x-ndjson`.

A batch is all or nothing: every invalid event is listed by index and nothing is written.
A re-sent event (same subject, source and id) is a no-op. Once this answers 200, reads include the events.
Over MAX_EVENTS events (or MAX_BODY_BYTES) is a 413.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from flask import Blueprint, jsonify

from flask import request

from api.errors import ApiError, bad_request
from api.jsonio import dumps_compact, loads
from api.services import services
from api.validation import instant, json_body, number, one_or_many
from data.customers import existing_customer_ids
from data.events import EVENT_COLUMNS, ingest_events
from data.metrics import list_metrics

bp = Blueprint("events", __name__)
MAX_EVENTS = 10_000
MAX_BODY_BYTES = 16 * 1024 * 1024  # also Flask's MAX_CONTENT_LENGTH: a larger body is a 413
_FIELDS = {"specversion", "id", "source", "type", "subject", "time", "data", "datacontenttype", "dataschema"}


def _problems(event: Any, numeric: dict[str, list[str]]) -> list[tuple[str, str]]:
    if not isinstance(event, dict):
        return [("", "must be a JSON object")]
    out = []
    if event.get("specversion") != "1.0":
        out.append(("specversion", 'must be "1.0"'))
    for key in ("id", "source", "type", "subject"):
        value = event.get(key)
        if not isinstance(value, str) or not value or len(value) > 256:
            out.append((key, "is required: a non-empty string of at most 256 characters"))
    for key in sorted(set(event) - _FIELDS):
        out.append((key, "is not a CloudEvents attribute this API accepts"))
    if "time" in event:
        try:
            instant(event["time"], field="time")
        except ApiError as exc:
            out.append(("time", exc.message.removeprefix("time ")))
    data = event.get("data", {})
    if not isinstance(data, dict):
        out.append(("data", "must be a JSON object"))
    else:
        for prop in numeric.get(event.get("type"), []):
            if number(data.get(prop)) is None:
                out.append((f"data.{prop}", "must be a number (a metric sums or compares it)"))
    return out


def _ndjson_events() -> list:
    events = []
    for number_, line in enumerate(request.get_data(as_text=True).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(loads(line))
        except ValueError:
            raise bad_request(f"line {number_} is not valid JSON; nothing was written", field=f"line {number_}",
                              code="malformed_json") from None
    return events


@bp.post("/events")
def post_events():
    if request.mimetype == "application/x-ndjson":
        events = _ndjson_events()
    else:
        events, _ = one_or_many(json_body(loads))
    if len(events) > MAX_EVENTS:
        raise ApiError(413, "payload_too_large", f"send at most {MAX_EVENTS} events per request (got {len(events)}); "
                       "split the batch, or load files with `embedash load events`", field=None)  # fmt: skip
    if not events:
        raise bad_request("send at least one event", field=None)
    svc = services()
    numeric: dict[str, list[str]] = {}
    for m in list_metrics(svc.store):
        if m.value_property and m.aggregation != "UNIQUE_COUNT":
            numeric.setdefault(m.event_type, []).append(m.value_property)
    details = [
        {"index": i, "field": field, "message": message}
        for i, event in enumerate(events)
        for field, message in _problems(event, numeric)
    ]
    subjects = {e["subject"] for e in events if isinstance(e, dict) and isinstance(e.get("subject"), str)}
    unknown = subjects - existing_customer_ids(svc.store, subjects)
    details += [
        {"index": i, "field": "subject", "message": f"no customer {e['subject']!r}"}
        for i, e in enumerate(events)
        if isinstance(e, dict) and e.get("subject") in unknown
    ]
    if details:
        details.sort(key=lambda d: d["index"])
        raise bad_request(f"{len({d['index'] for d in details})} of {len(events)} events are invalid; nothing was written",
                          field="events", code="invalid_events", details=details)
    now = datetime.now(UTC)
    frame = pd.DataFrame(
        [
            (e["source"], e["id"], e["subject"], e["type"],
             (instant(e["time"], field="time") if "time" in e else now).replace(tzinfo=None),
             dumps_compact(e.get("data", {})))
            for e in events
        ],
        columns=EVENT_COLUMNS,
    )  # fmt: skip
    result = ingest_events(svc.store, frame)
    svc.compactor.nudge()
    return jsonify({"data": {"received": result.received, "inserted": result.inserted, "duplicates": result.duplicates}})
