"""JSON for event batches, the one hot write path: orjson parses a batch of 1,000 events
several times faster than the standard library (data.events writes the rows back out with
orjson too, in one call, for DuckDB).

It is stricter, and the events API says so: NaN, Infinity and lone surrogates are not JSON
(a 400), and an integer beyond 64 bits is read as a float, like every JSON number in `data`
(see README: numbers are exact to 15 significant digits; send decimal strings for more).
Every other endpoint parses with the standard library through Flask.
"""
from __future__ import annotations

from typing import Any

import orjson


def loads(text: str | bytes) -> Any:
    """Parse JSON; raises ValueError (orjson.JSONDecodeError) for anything that is not."""
    return orjson.loads(text)
