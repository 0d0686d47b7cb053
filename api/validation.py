"""Reading request bodies and fields; every failure is an ApiError naming the field."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request

from api import jsonio
from api.errors import ApiError, bad_request
from data.money import exact_text
from data.zones import INSTANT_TEXT, is_zone

MAX_ITEMS = 1000
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)  # instants we accept
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
EXTERNAL_ID = re.compile(r"^[^\s/?#]{1,128}$")
_INSTANT = re.compile(INSTANT_TEXT)


def json_body(parse: Callable[[bytes], Any] = jsonio.loads) -> Any:
    """The request's JSON body, parsed strictly (api.jsonio) unless `parse` (which raises
    ValueError for bad JSON) says otherwise: every route refuses what the events API refuses."""
    if not request.is_json:
        raise bad_request("the body must be JSON (Content-Type: application/json)", field=None, code="malformed_json")
    try:
        body = parse(request.get_data())
    except ValueError as exc:  # a JSONDecodeError says where: a batch of 10,000 events is long
        raise bad_request(jsonio.refusal(exc), field=None, code="malformed_json") from None
    if body is None:
        raise bad_request("the body is not valid JSON", field=None, code="malformed_json")
    return body


def one_or_many(body: Any) -> tuple[list[Any], bool]:
    """A body that is one object or a list of them; returns (items, was_list)."""
    if isinstance(body, list):
        return body, True
    return [body], False


def item_prefix(body: Any, index: int) -> str:
    """How a field of a body's `index`th item is named: `[2].` in a list, nothing in one object."""
    return f"[{index}]." if isinstance(body, list) else ""


def each_item(body: Any, parse) -> list:
    """Parse every item, naming its index in the error; nothing is written unless all are good."""
    items, many = one_or_many(body)
    if many and not 1 <= len(items) <= MAX_ITEMS:
        raise bad_request(f"send between 1 and {MAX_ITEMS} items", field=None)
    parsed = []
    for i, item in enumerate(items):
        prefix = item_prefix(body, i)
        if not isinstance(item, dict):
            raise bad_request("must be a JSON object", field=prefix.rstrip(".") or None)
        try:
            parsed.append(parse(item))
        except ApiError as exc:
            exc.field = prefix + (exc.field or "")
            raise
    return parsed


def reject_unknown(obj: dict, allowed: set[str], *, prefix: str = "") -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r}", field=prefix + unknown[0], allowed=sorted(allowed))


def text(obj: dict, key: str, *, field: str | None = None, required: bool = True, default: str | None = None,
         pattern: re.Pattern | None = None, max_len: int = 256) -> str | None:
    field = field or key
    value = obj.get(key)
    if value is None:
        if required:
            raise bad_request(f"{field} is required", field=field)
        return default
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{field} must be a non-empty string", field=field)
    if len(value) > max_len:
        raise bad_request(f"{field} must be at most {max_len} characters", field=field)
    if pattern is not None and not pattern.fullmatch(value):  # match() lets "$" pass a trailing newline
        raise bad_request(f"{field} has characters that are not allowed: {value!r}", field=field)
    return value


def zone_name(value: str, *, field: str) -> str:
    if not is_zone(value):
        raise bad_request(f"unknown IANA time zone {value!r}", field=field)
    return value


def instant(value: Any, *, field: str) -> datetime:
    """An RFC 3339 / ISO 8601 timestamp with an offset, as an aware UTC datetime."""
    if not isinstance(value, str):
        raise bad_request(f"{field} must be an RFC 3339 timestamp string", field=field)
    try:
        if not _INSTANT.fullmatch(value):
            raise ValueError(value)
        parsed = datetime.fromisoformat(value.upper())  # RFC 3339 allows t and z; fromisoformat wants T and Z
    except ValueError:
        raise bad_request(f"{field} is not an RFC 3339 timestamp: {value!r}", field=field) from None
    if parsed.tzinfo is None:
        raise bad_request(f"{field} must include a UTC offset (e.g. Z or +09:00)", field=field)
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise bad_request(f"{field} must be from {iso_utc(EARLIEST)} to {iso_utc(LATEST)}", field=field)
    return utc


def number(value: Any) -> Decimal | None:
    """A finite number given as a JSON number or a decimal string, else None. A string's digits
    must be ASCII: Decimal reads "１２" (full-width) as 12, but the store's cast reads it as no
    number, so it would be taken and then count for nothing."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or (isinstance(value, str) and not value.isascii()):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        return None
    return parsed if parsed.is_finite() else None


def decimal_text(value: Decimal | int | None) -> str | None:
    """Exact decimal as a plain string without trailing zeros: Decimal('1.500') -> '1.5'."""
    return None if value is None else exact_text(value)


# [0-9], not \d: Python's \d takes every script's digits ("١" for 1), a JSON Schema pattern's only ASCII.
_DECIMAL_TEXT = re.compile(r"^-?[0-9]{1,29}(\.[0-9]+)?$")
_TOO_MANY_DIGITS = re.compile(r"^-?[0-9]{30,}(\.[0-9]+)?$")


def decimal_string(value: Any, *, field: str, places: int = 9, positive: bool = False) -> Decimal:
    """An exact amount sent as a decimal string ("12.50"); floats are refused, they are not exact."""
    if isinstance(value, str) and _TOO_MANY_DIGITS.fullmatch(value):
        raise bad_request(f"{field} may have at most 29 digits before the point", field=field)
    if not isinstance(value, str) or not _DECIMAL_TEXT.fullmatch(value):
        raise bad_request(f'{field} must be a decimal string like "12.50", got {value!r}', field=field)
    parsed = Decimal(value)
    if parsed.is_zero():
        parsed = parsed.copy_abs()  # "-0" is zero, and is stored and answered as "0", never "-0"
    if -parsed.as_tuple().exponent > places:
        raise bad_request(f"{field} may have at most {places} decimal places", field=field)
    if positive and parsed <= 0:
        raise bad_request(f"{field} must be greater than zero", field=field)
    return parsed


def currency_code(value: Any, *, field: str) -> str:
    from babel.numbers import list_currencies

    code = value.upper() if isinstance(value, str) else value
    if code not in list_currencies():
        raise bad_request(f"unknown ISO 4217 currency {value!r}", field=field)
    return code


def iso_utc(naive_utc: datetime | None) -> str | None:
    """A stored instant (naive UTC) as RFC 3339 with Z."""
    return None if naive_utc is None else naive_utc.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def stored_instant(value: Any, *, field: str) -> datetime:
    """A request timestamp as the store keeps it: naive UTC."""
    return instant(value, field=field).replace(tzinfo=None)


def stored_range(args: Any) -> tuple[datetime | None, datetime | None]:
    """A list's optional `from` and `to` query parameters as the store keeps them; both given,
    `from` must be before `to` (as the usage API asks), not an empty answer."""
    start = stored_instant(args["from"], field="from") if args.get("from") else None
    end = stored_instant(args["to"], field="to") if args.get("to") else None
    if start is not None and end is not None and not start < end:
        raise bad_request("from must be before to", field="from")
    return start, end
