"""Settings from EMBEDASH_* environment variables; a missing required one fails fast by name."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

MAX_TOKEN_TTL = 86_400
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(RuntimeError):
    pass


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _whole(env: Mapping[str, str], name: str, default: str, unit: str = "") -> int:
    text = env.get(name, default)
    try:
        return int(text)
    except ValueError:
        unit = f" of {unit}" if unit else ""
        raise ConfigError(f"{name} must be a whole number{unit} (e.g. {default}), got {text!r}") from None


# CSP source expressions, as `frame-ancestors` takes them after the 'self' security.py puts first:
# host sources (`https://app.example.com`, `*.example.com:443/path`) and scheme sources (`https:`).
# Nothing with ';', ',', quotes or spaces: pasted into the header, it would end or add directives.
_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*"
_ANCESTOR = re.compile(
    rf"{_SCHEME}:|({_SCHEME}://)?(\*|(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)(:([0-9]+|\*))?(/[A-Za-z0-9._~%!$&()*+=:@/-]*)?"
)


@dataclass(frozen=True)
class Config:
    database: str = "./embedash.duckdb"
    secret_keys: list[str] = field(default_factory=list)  # newest first
    api_keys: list[str] = field(default_factory=list)
    public_url: str = ""  # e.g. https://embed.example.com; empty: taken from each request
    frame_ancestors: list[str] = field(default_factory=list)  # origins that may frame /embed/
    token_ttl: int = 3600
    compact_rows: int = 500_000  # merge the events ingested since the last compaction past this many (0: never)
    log_level: str = "INFO"  # what `serve` and `demo` write to stderr: DEBUG, INFO, WARNING or ERROR

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Config:
        env = os.environ if environ is None else environ
        ttl = _whole(env, "EMBEDASH_TOKEN_TTL", "3600", "seconds")
        compact_rows = _whole(env, "EMBEDASH_COMPACT_ROWS", "500000")
        config = cls(
            database=env.get("EMBEDASH_DATABASE", cls.database),
            secret_keys=_csv(env.get("EMBEDASH_SECRET_KEYS")),
            api_keys=_csv(env.get("EMBEDASH_API_KEYS")),
            public_url=env.get("EMBEDASH_PUBLIC_URL", "").rstrip("/"),
            frame_ancestors=_csv(env.get("EMBEDASH_FRAME_ANCESTORS")),
            token_ttl=ttl,
            compact_rows=compact_rows,
            log_level=env.get("EMBEDASH_LOG_LEVEL", cls.log_level).strip().upper(),
        )
        return replace(config, **overrides)

    def check(self) -> Config:
        """Raise ConfigError naming the first setting that makes the server unsafe to start."""
        if not self.secret_keys:
            raise ConfigError(
                "EMBEDASH_SECRET_KEYS is missing, and has no default: set a comma-separated list of "
                "secret keys, newest first (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        if any(len(k) < 16 for k in self.secret_keys):
            raise ConfigError("EMBEDASH_SECRET_KEYS: every key must be at least 16 characters")
        if not 60 <= self.token_ttl <= MAX_TOKEN_TTL:
            raise ConfigError(f"EMBEDASH_TOKEN_TTL must be between 60 and {MAX_TOKEN_TTL} seconds (e.g. 3600)")
        if self.public_url:
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"[\s?#]", self.public_url):
                raise ConfigError("EMBEDASH_PUBLIC_URL must be an http:// or https:// URL, e.g. https://embed.example.com "
                                  f"(the links handed out start with it), got {self.public_url!r}")
        for entry in self.frame_ancestors:
            if not _ANCESTOR.fullmatch(entry):
                raise ConfigError(f"EMBEDASH_FRAME_ANCESTORS: {entry!r} is not an origin: give a comma list of origins, "
                                  "e.g. https://app.example.com,https://*.example.org ('self' is always allowed)")
        if self.compact_rows < 0:
            raise ConfigError("EMBEDASH_COMPACT_ROWS must be 0 (never compact) or a number of events, "
                              f"e.g. 500000, got {self.compact_rows}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"EMBEDASH_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (e.g. INFO), got {self.log_level!r}")
        return self
