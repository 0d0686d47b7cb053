"""The dashboards an embed URL may name, and the `dashboard_options` each accepts.

Every dashboard also takes the look-and-place options: `theme`, `font_family`, `locale`
and `timezone` (the last two default to the customer's own)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

from data.zones import is_zone
from theme import FONTS, PRESETS


class OptionError(ValueError):
    def __init__(self, message: str, *, field: str, allowed: list[str] | None = None):
        super().__init__(message)
        self.field, self.allowed = field, allowed


@dataclass(frozen=True)
class Option:
    key: str
    allowed: tuple[str, ...] | None  # None: free-form, judged by `check`
    default: str | None
    check: Callable[[str], bool] | None = None
    expects: str = ""  # what a free-form value should look like, for the error


def is_locale(value: str) -> bool:
    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


_BOOL = ("true", "false")
COMMON = (
    Option("theme", tuple(PRESETS), "light"),
    Option("font_family", tuple(FONTS), "system"),
    Option("locale", None, None, is_locale, "a locale such as en_US, de_DE or ja_JP"),
    Option("timezone", None, None, is_zone, "an IANA time zone such as Europe/Berlin"),
)
_GRANT_OPTIONS = (Option("hide_grant_name", _BOOL, "false"),)
DASHBOARDS: dict[str, tuple[Option, ...]] = {
    "usage": (Option("default_window", ("30", "60", "90"), "30"),),
    "invoices": (
        Option("invoice_status_filter", ("DRAFT", "FINALIZED", "VOID", "FINALIZED_AND_DRAFT", "ALL"), "ALL"),
        Option("show_zero_usage_line_items", _BOOL, "false"),
        Option("invoice_type", ("USAGE", "SCHEDULED", "ALL"), "ALL"),
    ),
    "commits_and_credits": _GRANT_OPTIONS,
    "credits": _GRANT_OPTIONS,  # the same page, credits only
}


def _spec(dashboard: str) -> dict[str, Option]:
    return {o.key: o for o in (*DASHBOARDS[dashboard], *COMMON)}


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    return None


def validate_options(dashboard: str, items: Any, *, field: str = "dashboard_options") -> dict[str, str]:
    """Check `[{key, value}]` against the dashboard's options; return {key: value}. Raises OptionError."""
    spec = _spec(dashboard)
    if items is None:
        return {}
    if not isinstance(items, list):
        raise OptionError("must be a list of {key, value} objects", field=field)
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        if not isinstance(item, dict) or set(item) - {"key", "value"} or "key" not in item:
            raise OptionError("must be an object with `key` and `value`", field=where)
        key = item["key"]
        option = spec.get(key) if isinstance(key, str) else None  # a list or an object cannot even be looked up
        if option is None:
            raise OptionError(
                f"unknown option {key!r} for the {dashboard} dashboard", field=f"{where}.key", allowed=sorted(spec)
            )
        value = _as_text(item.get("value"))
        if option.allowed is not None and value not in option.allowed:
            raise OptionError(
                f"bad value {item.get('value')!r} for option {option.key}", field=f"{where}.value", allowed=list(option.allowed)
            )
        if option.check is not None and (value is None or not option.check(value)):
            raise OptionError(f"bad value {item.get('value')!r} for option {option.key}: expected {option.expects}",
                              field=f"{where}.value")  # fmt: skip
        out[option.key] = value
    return out


def option_value(dashboard: str, options: Mapping[str, str], key: str) -> str | None:
    """The value a token chose for an option, or its default."""
    return options.get(key, _spec(dashboard)[key].default)
