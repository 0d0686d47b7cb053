"""JSON for every request body of the integrator API. orjson parses a batch of 1,000 events
several times faster than the standard library (data.events writes the rows back out with
orjson too, in one call, for DuckDB).

It is stricter, and the API says so: NaN, Infinity and lone surrogates are not JSON (a 400),
and an integer beyond 64 bits is read as a float, like every JSON number in `data` (see
README: numbers are exact to 15 significant digits; send decimal strings for more). A lone
surrogate (`"\\ud800"`) is no character: UTF-8 cannot hold it, so neither the store nor a
signed token can, and refusing it here is what keeps it out of both.

A body nested more than MAX_DEPTH deep is refused too: nothing the API takes nests so deep,
and deeper values fail later, past validation (orjson writes at most 254 levels back out,
and Python's repr, in an error message, gives up before 1,000).
"""
from __future__ import annotations

from typing import Any

import orjson

MAX_DEPTH = 64
_ORJSON_WRITES = 254  # levels of arrays and objects orjson.dumps writes before it raises


class TooDeep(ValueError):
    pass


def loads(text: str | bytes) -> Any:
    """Parse strict JSON; raises ValueError (orjson.JSONDecodeError, or TooDeep) for anything else."""
    value = orjson.loads(text)
    if isinstance(value, (list, dict)) and _deeper_than(value, MAX_DEPTH):
        raise TooDeep(f"nested more than {MAX_DEPTH} deep")
    return value


def _deeper_than(value: list | dict, depth: int) -> bool:
    """Whether `value` nests more than `depth` arrays and objects. Wrapped in arrays up to
    orjson's limit, a value writes back only if it nests at most `depth` deep: a check at C
    speed (for 10,000 events, a sixth of their parse; a walk in Python would cost half of it)."""
    for _ in range(_ORJSON_WRITES - depth):
        value = [value]
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:  # what parsed writes back: only the nesting can fail
        return True
    return False


def refusal(exc: ValueError) -> str:
    """What to tell the sender of a body that `loads` refused: where it goes wrong, and the likely reason."""
    message = getattr(exc, "msg", str(exc))
    if isinstance(exc, TooDeep) or "depth limit" in message:  # orjson's own limit is deeper than ours
        return f"the body is nested more than {MAX_DEPTH} deep"
    where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, orjson.JSONDecodeError) else ""
    if "surrogate" in message:
        return f"the body is not valid JSON{where} (text must be UTF-8, and a lone surrogate such as \\ud800 is no character)"
    return f"the body is not valid JSON{where} (NaN and Infinity are not JSON)"
