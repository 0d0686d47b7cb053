"""Revoked embed tokens, kept in the database for as long as a token they name could still
verify, then forgotten (at the next revocation). The answer is remembered in the process
(Store.memo) until the next write commits, a revocation among them; replicas of the web
tier over a shared store would need that invalidation carried between them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from data.store import Store, one


# Rows written before 2026-12-05 took `revoked_at` from the column's first default (schema
# migration 8 replaced it), DuckDB's `now()::TIMESTAMP`: the clock of the session's time zone,
# which is the machine's, not UTC.
# West of UTC that reads up to 12 hours older than it is, so a revocation is kept this much
# longer than a token lives (a table of a day and a half of revocations, not one).
ZONE_MARGIN = timedelta(hours=14)


def revoke_token(store: Store, token_id: str, *, tokens_live_s: int) -> None:
    """Revoke one token. `tokens_live_s`: the longest a token verifies after it is issued
    (revocations that old and older are forgotten in the same transaction)."""
    now = datetime.now(UTC)
    with store.transaction() as cur:
        _forget_spent(cur, now, tokens_live_s)
        # The time from Python's clock in UTC, not the column's default (see ZONE_MARGIN).
        cur.execute("INSERT OR IGNORE INTO revoked_tokens (token_id, revoked_at) VALUES (?, ?)",
                    [token_id, now.replace(tzinfo=None)])


def revoke_customer_tokens(store: Store, customer_id: str, *, issued_up_to_ms: int, tokens_live_s: int) -> None:
    """Revoke every token of the customer issued at or before `issued_up_to_ms`; forget the
    spent revocations, as `revoke_token` does."""
    with store.transaction() as cur:
        _forget_spent(cur, datetime.now(UTC), tokens_live_s)
        cur.execute(
            """INSERT INTO customer_revocations VALUES (?, ?)
               ON CONFLICT (customer_id) DO UPDATE SET
                 revoked_before_ms = greatest(customer_revocations.revoked_before_ms, excluded.revoked_before_ms)""",
            [customer_id, issued_up_to_ms],
        )


def _forget_spent(cur, now: datetime, tokens_live_s: int) -> None:
    """Delete the revocations no token can need any more, so the tables hold about a token
    lifetime's worth, not every revocation ever made. A revoked token was issued before its
    revocation, and a customer's cutoff revokes tokens issued up to it: once `tokens_live_s`
    has passed since either, every token it names has stopped verifying on its own. Both
    compared with Python's clock, whatever DuckDB's session zone."""
    spent = now - timedelta(seconds=tokens_live_s)
    cur.execute("DELETE FROM revoked_tokens WHERE revoked_at < ?", [(spent - ZONE_MARGIN).replace(tzinfo=None)])
    cur.execute("DELETE FROM customer_revocations WHERE revoked_before_ms < ?", [int(spent.timestamp() * 1000)])


def is_revoked(store: Store, *, token_id: str, customer_id: str, issued_ms: int) -> bool:
    """Asked on every callback: remembered until the next write (a revocation is one)."""
    def read() -> bool:
        # Two lookups by key, not `EXISTS (...) OR EXISTS (...)`: the same answer, but DuckDB
        # plans the subqueries for 1.1 ms where this takes 0.46 (a customer's first view pays it).
        row = one(
            store.cursor(),
            """SELECT 1 FROM revoked_tokens WHERE token_id = ?
               UNION ALL
               SELECT 1 FROM customer_revocations WHERE customer_id = ? AND revoked_before_ms >= ?""",
            [token_id, customer_id, issued_ms],
        )
        return row is not None

    return store.memo(("revoked", token_id, customer_id, issued_ms), read)
