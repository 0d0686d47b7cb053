"""The colour names integrators may override, their defaults, and validation of overrides."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

LIGHT: dict[str, str] = {
    "Gray_dark": "#1f2937",  # body text
    "Gray_medium": "#4b5563",  # secondary text, axis labels
    "Gray_light": "#d1d5db",  # borders, grid lines
    "Gray_extralight": "#f3f4f6",  # table header, control backgrounds
    "White": "#ffffff",  # page and chart background
    "Primary_medium": "#4338ca",  # selected text, headings accent
    "Primary_light": "#e0e7ff",  # selected control background
    "UsageLine_0": "#4f46e5",
    "UsageLine_1": "#0ea5e9",
    "UsageLine_2": "#f59e0b",
    "UsageLine_3": "#10b981",
    "UsageLine_4": "#ef4444",
    "UsageLine_5": "#8b5cf6",
    "UsageLine_6": "#ec4899",
    "UsageLine_7": "#14b8a6",
    "UsageLine_8": "#f97316",
    "UsageLine_9": "#64748b",
    "Primary_green": "#15803d",  # finalized, paid, positive
    "Primary_red": "#b91c1c",  # voided, errors, expired
    "Progress_bar": "#4f46e5",
    "Progress_bar_background": "#e5e7eb",
    "Action": "#4338ca",  # buttons and links
    "Action_hover": "#3730a3",
}

DARK: dict[str, str] = {
    **LIGHT,
    "Gray_dark": "#e5e7eb",
    "Gray_medium": "#9ca3af",
    "Gray_light": "#374151",
    "Gray_extralight": "#1f2937",
    "White": "#111827",
    "Primary_medium": "#a5b4fc",
    "Primary_light": "#312e81",
    "UsageLine_0": "#818cf8",
    "UsageLine_1": "#38bdf8",
    "UsageLine_2": "#fbbf24",
    "UsageLine_3": "#34d399",
    "UsageLine_4": "#f87171",
    "Primary_green": "#4ade80",
    "Primary_red": "#f87171",
    "Progress_bar": "#818cf8",
    "Progress_bar_background": "#374151",
    "Action": "#818cf8",
    "Action_hover": "#a5b4fc",
}

PRESETS = {"light": LIGHT, "dark": DARK}
COLOR_NAMES: tuple[str, ...] = tuple(LIGHT)
_BY_LOWER = {name.lower(): name for name in COLOR_NAMES}
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class PaletteError(ValueError):
    """A colour override that is not allowed; `field` names the offending request field."""

    def __init__(self, message: str, *, field: str, allowed: Iterable[str] | None = None):
        super().__init__(message)
        self.field = field
        self.allowed = list(allowed) if allowed is not None else None


def normalize_hex(value: str) -> str:
    """`#abc` -> `#aabbcc`, lower case."""
    value = value.lower()
    if len(value) == 4:
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value


def validate_color_overrides(items: Any, *, field: str = "color_overrides") -> dict[str, str]:
    """Check `[{name, value}]` and return {canonical name: #rrggbb}. Raises PaletteError."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise PaletteError("must be a list of {name, value} objects", field=field)
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        if not isinstance(item, dict) or set(item) - {"name", "value"}:
            raise PaletteError("must be an object with exactly `name` and `value`", field=where)
        name, value = item.get("name"), item.get("value")
        canonical = _BY_LOWER.get(name.lower()) if isinstance(name, str) else None
        if canonical is None:
            raise PaletteError(
                f"unknown colour name {name!r}", field=f"{where}.name", allowed=COLOR_NAMES
            )
        if not isinstance(value, str) or not _HEX.fullmatch(value):
            raise PaletteError(
                f"colour {canonical} must be #rgb or #rrggbb, got {value!r}", field=f"{where}.value"
            )
        out[canonical] = normalize_hex(value)
    return out


def palette(overrides: Mapping[str, str] | None = None, *, preset: str = "light") -> dict[str, str]:
    """The full palette: a preset with explicit overrides on top."""
    return {**PRESETS[preset], **(overrides or {})}


def _luminance(hex_color: str) -> float:
    rgb = bytes.fromhex(normalize_hex(hex_color)[1:])

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio between two hex colours (1 to 21)."""
    hi, lo = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
