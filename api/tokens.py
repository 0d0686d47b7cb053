"""Signed, expiring embed tokens (itsdangerous), with revocation kept in the store.

Keys are a list, newest first: new tokens are signed with the newest, and any key still
in the list verifies, so rotating a key never breaks a live link until the old key is
dropped. Every failure becomes one TokenDenied; the reason goes to the log, not the page.
"""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from api.config import MAX_TOKEN_TTL
from data import Store
from data.revocations import is_revoked

log = logging.getLogger("embedash.tokens")
EMBED_SALT = "embedash.embed-url.v1"
# The longest a token verifies after it is issued: its lifetime, at most MAX_TOKEN_TTL, and a
# minute for clocks; its signature's age is checked against it too. Revocations older than
# this name only tokens that no longer verify (data.revocations forgets them).
TOKENS_LIVE_S = MAX_TOKEN_TTL + 60
SIGNED_ENTRIES = 4096  # tokens whose checked claims are kept, all forgotten when full (a few MB at most)


class TokenDenied(PermissionError):
    """401 for a missing, bad or expired token (`reason` says which), 403 for a revoked one.
    `claims` is set when the signature was good (so the error page may still be themed)."""

    def __init__(self, reason: str, status: int = 401, claims: EmbedClaims | None = None):
        super().__init__(reason)
        self.reason, self.status, self.claims = reason, status, claims

    @property
    def expired(self) -> bool:
        """Once good and now too old, as against never good (missing, forged, cut short)."""
        return self.reason == "expired"


@dataclass(frozen=True)
class EmbedClaims:
    customer_id: str
    dashboard: str
    token_id: str
    issued_ms: int
    expires_at: int  # unix seconds
    options: Mapping[str, Any] = field(default_factory=dict)
    colors: Mapping[str, str] = field(default_factory=dict)
    group_overrides: Mapping[str, Any] = field(default_factory=dict)

    def dump(self) -> dict:
        return {
            "c": self.customer_id, "d": self.dashboard, "j": self.token_id, "i": self.issued_ms,
            "x": self.expires_at, "o": dict(self.options), "k": dict(self.colors), "g": dict(self.group_overrides),
        }  # fmt: skip

    @classmethod
    def load(cls, raw: Any) -> EmbedClaims:
        if not isinstance(raw, dict):
            raise ValueError("claims must be an object")
        return cls(
            customer_id=str(raw["c"]), dashboard=str(raw["d"]), token_id=str(raw["j"]), issued_ms=int(raw["i"]),
            expires_at=int(raw["x"]), options=dict(raw.get("o", {})), colors=dict(raw.get("k", {})),
            group_overrides=dict(raw.get("g", {})),
        )  # fmt: skip


class EmbedTokens:
    def __init__(self, secret_keys: list[str], store: Store, *, clock: Callable[[], float] = time.time):
        if not secret_keys:
            raise ValueError("at least one secret key is needed")
        # itsdangerous wants the newest key last.
        self._serializer = URLSafeTimedSerializer(list(reversed(secret_keys)), salt=EMBED_SALT)
        self._store, self._clock = store, clock
        self._signed: dict[str, EmbedClaims] = {}  # tokens whose signature was checked: the claims they carry

    def issue(self, *, customer_id: str, dashboard: str, ttl: int, options: Mapping[str, Any] | None = None,
              colors: Mapping[str, str] | None = None, group_overrides: Mapping[str, Any] | None = None) -> tuple[str, EmbedClaims]:
        now = self._clock()
        claims = EmbedClaims(
            customer_id=customer_id, dashboard=dashboard, token_id="tok_" + secrets.token_urlsafe(12),
            issued_ms=int(now * 1000), expires_at=int(now) + ttl, options=options or {}, colors=colors or {},
            group_overrides=group_overrides or {},
        )  # fmt: skip
        return self._serializer.dumps(claims.dump()), claims

    def verify(self, token: str | None) -> EmbedClaims:
        """The claims of a valid, unexpired, unrevoked token. Raises TokenDenied."""
        if not token:
            raise TokenDenied("no token")
        claims = self._signed.get(token) or self._checked(token)
        if self._clock() >= claims.expires_at:
            raise TokenDenied("expired", 401, claims)
        if is_revoked(self._store, token_id=claims.token_id, customer_id=claims.customer_id, issued_ms=claims.issued_ms):
            raise TokenDenied("revoked", 403, claims)
        return claims

    def _checked(self, token: str) -> EmbedClaims:
        """The claims of a token whose signature holds, remembered: a page's every callback
        sends its token, and its signature and claims stay what they were (a tenth of a usage
        render's Python). Its expiry and revocation are asked again each time, by `verify`; a
        token signed longer ago than any token lives has expired by its own claims first."""
        if not token.isascii():  # ours are URL-safe base64; itsdangerous would fail to encode a lone surrogate
            log.info("embed token refused: not ASCII")
            raise TokenDenied("bad signature")
        try:
            raw = self._serializer.loads(token, max_age=TOKENS_LIVE_S)
            claims = EmbedClaims.load(raw)
        except SignatureExpired:  # signed by us, longer ago than any token lives
            log.info("embed token refused: SignatureExpired")
            raise TokenDenied("expired") from None
        except BadSignature as exc:  # a forged, truncated or mistyped link, or one signed with another key
            log.info("embed token refused: %s", type(exc).__name__)
            raise TokenDenied("bad signature") from None
        except (KeyError, ValueError, TypeError):
            log.warning("embed token with a good signature but malformed claims")
            raise TokenDenied("malformed claims") from None
        if len(self._signed) >= SIGNED_ENTRIES:
            self._signed.clear()
        self._signed[token] = claims
        return claims
