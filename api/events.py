"""Event ingest: `POST /v1/events` takes CloudEvents: one object or an array as
`application/json`, or one per line as `application/x-ndjson`.

A batch is all or nothing: every invalid event is listed by index and nothing is written.
A re-sent event (same subject, source and id) is a no-op. Once this answers 200, reads include the events.
Over MAX_EVENTS events (or MAX_BODY_BYTES) is a 413.

A property a metric sums or compares must be a number where an event has it; an event without
it (or with null) is taken, and counts for nothing in that metric: a new metric must not stop
the events that were sent before it existed (and still are) from going in.

An event dated more than a day ahead of the server's clock is refused (data.zones.MAX_AHEAD).
"""
from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, jsonify, request

from api.errors import ApiError, bad_request
from api.jsonio import loads
from api.services import services
from api.validation import instant, json_body, number, one_or_many
from data.customers import existing_customer_ids, get_customer
from data.metrics import list_metrics
from data.zones import AHEAD_MESSAGE, latest_event_time

bp = Blueprint("events", __name__)
MAX_EVENTS = 10_000
MAX_BODY_BYTES = 16 * 1024 * 1024  # also Flask's MAX_CONTENT_LENGTH: a larger body is a 413
# Quantities are stored as DECIMAL(38, 9): 29 digits before the point. A larger value would
# be left out of every sum without a word, so it is refused here like any other bad value.
MAX_QUANTITY = Decimal(10) ** 29
_INT_LIMIT, _FLOAT_LIMIT = 10**29, 1e29
_FIELDS = {"specversion", "id", "source", "type", "subject", "time", "data", "datacontenttype", "dataschema"}


def _problems(event: Any, numeric: dict[str, list[str]], latest: datetime) -> list[tuple[str, str]]:
    if not isinstance(event, dict):
        return [("", "must be a JSON object")]
    out = []
    if "specversion" not in event:
        out.append(("specversion", 'is required: "1.0"'))
    elif event["specversion"] != "1.0":
        out.append(("specversion", 'must be "1.0"'))
    for key in ("id", "source", "type", "subject"):
        value = event.get(key)
        if not isinstance(value, str) or not value or len(value) > 256:
            out.append((key, "is required: a non-empty string of at most 256 characters"))
    for key in sorted(set(event) - _FIELDS):
        out.append((key, "is not a CloudEvents attribute this API accepts"))
    if "time" in event:
        try:
            if instant(event["time"], field="time").replace(tzinfo=None) > latest:
                out.append(("time", AHEAD_MESSAGE))
        except ApiError as exc:
            out.append(("time", exc.message.removeprefix("time ")))
    data = event.get("data", {})
    if not isinstance(data, dict):
        out.append(("data", "must be a JSON object"))
    else:
        for prop in numeric.get(event.get("type"), []):
            raw = data.get(prop)
            if raw is None:  # an event without it counts for nothing in that metric
                continue
            value = number(raw)
            if value is None:
                out.append((f"data.{prop}", "must be a number (a metric sums or compares it)"))
            elif value.copy_abs() >= MAX_QUANTITY:  # abs() would round to 28 digits
                out.append((f"data.{prop}", "must be less than 10^29 in size (quantities keep 29 digits before the point)"))
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


def _fast_rows(events: list, numeric: dict[str, list[str]], latest: datetime) -> tuple[list[list], list[int]]:
    """The rows of the events that are plainly valid, and the indices of the others, which
    `_problems` then looks at. Only ever accepts what `_problems` accepts (it finds nothing
    to say about an event taken here), so the messages stay its own; cheaper because the
    common event passes a few type checks and one parse of its time."""
    rows, others = [], []
    now = None
    times: dict[str, datetime | None] = {}  # a batch often repeats its timestamps
    fields, no_data, unseen, isfinite = _FIELDS, _NO_DATA, _UNSEEN, math.isfinite
    for i, e in enumerate(events):
        if type(e) is dict and e.keys() <= fields and e.get("specversion") == "1.0":
            get = e.get
            id_, source, type_, subject, data = get("id"), get("source"), get("type"), get("subject"), get("data", no_data)
            if (type(id_) is str and 0 < len(id_) <= 256 and type(source) is str and 0 < len(source) <= 256
                    and type(type_) is str and 0 < len(type_) <= 256 and type(subject) is str and 0 < len(subject) <= 256
                    and type(data) is dict):
                if "time" in e:
                    raw = e["time"]
                    when = times.get(raw, unseen) if type(raw) is str else None
                    if when is unseen:
                        when = times[raw] = _naive_utc(raw)
                else:
                    when = now = now or datetime.now(UTC).replace(tzinfo=None)
                if when is not None and when <= latest:
                    for prop in numeric.get(type_, ()):  # what `number` accepts; a string goes to it
                        value = data.get(prop)
                        kind = type(value)
                        if not (value is None or (kind is int and -_INT_LIMIT < value < _INT_LIMIT)
                                or (kind is float and isfinite(value) and -_FLOAT_LIMIT < value < _FLOAT_LIMIT)
                                or (kind is str and (parsed := number(value)) is not None and parsed.copy_abs() < MAX_QUANTITY)):
                            break
                    else:
                        rows.append([source, id_, subject, type_, when, data])
                        continue
        others.append(i)
    return rows, others


_NO_DATA: dict = {}
_UNSEEN = object()


def _naive_utc(value: str) -> datetime | None:
    """`instant(value)` as naive UTC, or None where it would refuse it."""
    try:
        return instant(value, field="time").replace(tzinfo=None)
    except ApiError:
        return None


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
    latest = latest_event_time()
    rows, others = _fast_rows(events, numeric, latest)
    details = [
        {"index": i, "field": field, "message": message}
        for i in others
        for field, message in _problems(events[i], numeric, latest)
    ]
    subjects = {e["subject"] for e in events if isinstance(e, dict) and isinstance(e.get("subject"), str)}
    unknown = subjects - _known_customers(svc.store, subjects)
    if unknown:
        details += [
            {"index": i, "field": "subject", "message": f"no customer {e['subject']!r}"}
            for i, e in enumerate(events)
            if isinstance(e, dict) and e.get("subject") in unknown
        ]
    if details:
        details.sort(key=lambda d: d["index"])
        raise bad_request(f"{len({d['index'] for d in details})} of {len(events)} events are invalid; nothing was written",
                          field="events", code="invalid_events", details=details)
    result = svc.ingest.write(rows)
    svc.compactor.nudge(result.inserted)
    return jsonify({"data": {"received": result.received, "inserted": result.inserted, "duplicates": result.duplicates}})


def _known_customers(store, subjects: set[str]) -> set[str]:
    """Which of `subjects` are customers. A batch often names one or a few: each is remembered
    until the next write that is not events only (data.store.Store.memo), though a first sight
    costs a query each; more go in one query."""
    if len(subjects) <= 4:
        return {s for s in subjects if get_customer(store, s) is not None}
    return existing_customer_ids(store, subjects)
