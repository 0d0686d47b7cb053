"""Embed tokens: signature, expiry, salt, key rotation, revocation."""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from api.config import MAX_TOKEN_TTL
from api.tokens import TOKENS_LIVE_S, EmbedTokens, TokenDenied
from data.revocations import ZONE_MARGIN, revoke_customer_tokens, revoke_token

OLD, NEW = "old-secret-key-0123456789", "new-secret-key-0123456789"


def issue(tokens: EmbedTokens, ttl: int = 600, customer: str = "c1"):
    return tokens.issue(customer_id=customer, dashboard="usage", ttl=ttl, colors={"UsageLine_0": "#ff0000"})


def test_valid_token_round_trips_claims(store):
    tokens = EmbedTokens([NEW], store)
    token, claims = issue(tokens)
    got = tokens.verify(token)
    assert got == claims
    assert got.customer_id == "c1" and got.colors == {"UsageLine_0": "#ff0000"}


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
    lambda t: t.replace(".", ".x", 1),  # payload
    lambda t: "",
    lambda t: "not-a-token",
])  # fmt: skip
def test_tampered_token_is_denied_401(store, mangle):
    tokens = EmbedTokens([NEW], store)
    token, _ = issue(tokens)
    with pytest.raises(TokenDenied) as exc:
        tokens.verify(mangle(token))
    assert exc.value.status == 401 and not exc.value.expired  # never good: the page says "not valid"


def test_expired_token_is_denied_401_with_claims_for_theming(store):
    now = [time.time()]
    tokens = EmbedTokens([NEW], store, clock=lambda: now[0])
    token, _ = issue(tokens, ttl=60)
    now[0] += 61  # time moves, nothing sleeps
    with pytest.raises(TokenDenied) as exc:
        tokens.verify(token)
    assert exc.value.status == 401 and exc.value.reason == "expired"
    assert exc.value.claims.colors == {"UsageLine_0": "#ff0000"}


def test_a_token_verified_before_is_denied_once_it_expires(store):
    now = [time.time()]
    tokens = EmbedTokens([NEW], store, clock=lambda: now[0])
    token, _ = issue(tokens, ttl=60)
    assert tokens.verify(token)  # its signature checked, and its claims remembered
    now[0] += 61
    with pytest.raises(TokenDenied) as exc:
        tokens.verify(token)
    assert exc.value.status == 401 and exc.value.reason == "expired"


def test_tokens_verify_again_after_the_remembered_ones_are_forgotten(store, monkeypatch):
    monkeypatch.setattr("api.tokens.SIGNED_ENTRIES", 2)
    tokens = EmbedTokens([NEW], store)
    issued = [issue(tokens, customer=f"c{i}") for i in range(5)]
    for _ in range(2):
        assert [tokens.verify(token) for token, _ in issued] == [claims for _, claims in issued]
    assert len(tokens._signed) <= 2


def test_token_signed_with_another_salt_is_denied(store):
    forged = URLSafeTimedSerializer(NEW, salt="some-other-purpose").dumps(
        {"c": "c1", "d": "usage", "j": "tok_x", "i": 0, "x": int(time.time()) + 600}
    )
    with pytest.raises(TokenDenied):
        EmbedTokens([NEW], store).verify(forged)


def test_rotated_key_still_verifies_tokens_of_the_old_key(store):
    token, _ = issue(EmbedTokens([OLD], store))
    assert EmbedTokens([NEW, OLD], store).verify(token).customer_id == "c1"


def test_new_tokens_are_signed_with_the_newest_key(store):
    token, _ = issue(EmbedTokens([NEW, OLD], store))
    assert EmbedTokens([NEW], store).verify(token)
    with pytest.raises(TokenDenied):
        EmbedTokens([OLD], store).verify(token)


def test_key_dropped_from_the_list_no_longer_verifies(store):
    token, _ = issue(EmbedTokens([OLD], store))
    with pytest.raises(TokenDenied) as exc:
        EmbedTokens([NEW], store).verify(token)
    assert exc.value.status == 401


def test_revoked_token_is_denied_403(store):
    tokens = EmbedTokens([NEW], store)
    token, claims = issue(tokens)
    other, _ = issue(tokens)
    revoke_token(store, claims.token_id, tokens_live_s=TOKENS_LIVE_S)
    with pytest.raises(TokenDenied) as exc:
        tokens.verify(token)
    assert exc.value.status == 403
    assert tokens.verify(other)  # only that token


def test_token_revoked_after_it_was_used_is_denied_at_once(store):
    tokens = EmbedTokens([NEW], store)
    token, claims = issue(tokens)
    assert tokens.verify(token)  # remembered as not revoked...
    revoke_token(store, claims.token_id, tokens_live_s=TOKENS_LIVE_S)
    with pytest.raises(TokenDenied) as exc:  # ...until the revocation commits
        tokens.verify(token)
    assert exc.value.status == 403


def test_customer_revocation_denies_earlier_tokens_but_not_later_ones(store):
    now = [time.time()]
    tokens = EmbedTokens([NEW], store, clock=lambda: now[0])
    before, _ = issue(tokens)
    revoke_customer_tokens(store, "c1", issued_up_to_ms=int(now[0] * 1000), tokens_live_s=TOKENS_LIVE_S)
    now[0] += 1
    after, _ = issue(tokens)
    with pytest.raises(TokenDenied):
        tokens.verify(before)
    assert tokens.verify(after).customer_id == "c1"
    assert issue(tokens, customer="c2")[0]  # other customers unaffected



@pytest.mark.parametrize("token", ["\ud800", "abc.\udfff.def", "tök.en"])
def test_a_token_that_is_not_ascii_is_denied_401_as_a_bad_signature(store, token, caplog):
    with caplog.at_level(logging.INFO, logger="embedash.tokens"), pytest.raises(TokenDenied) as denied:
        EmbedTokens([NEW], store).verify(token)
    assert denied.value.status == 401 and denied.value.claims is None
    assert [r.levelno for r in caplog.records] == [logging.INFO]  # not the warning of a good signature on bad claims


def revocation_rows(store) -> tuple[list, list]:
    cur = store.cursor()
    return (sorted(r[0] for r in cur.execute("SELECT token_id FROM revoked_tokens").fetchall()),
            sorted(r[0] for r in cur.execute("SELECT customer_id FROM customer_revocations").fetchall()))


def backdate(store, *, tokens: timedelta = timedelta(0), customers: timedelta = timedelta(0)) -> None:
    """Make the token revocations so far and the customer ones that much older."""
    with store.transaction() as cur:
        cur.execute("UPDATE revoked_tokens SET revoked_at = revoked_at - to_seconds(CAST(? AS BIGINT))",
                    [int(tokens.total_seconds())])
        cur.execute("UPDATE customer_revocations SET revoked_before_ms = revoked_before_ms - ?",
                    [int(customers.total_seconds() * 1000)])


LIVE = timedelta(seconds=TOKENS_LIVE_S)


def revoke_both(store, suffix: str) -> None:
    revoke_token(store, f"tok_{suffix}", tokens_live_s=TOKENS_LIVE_S)
    revoke_customer_tokens(store, f"c-{suffix}", issued_up_to_ms=int(time.time() * 1000), tokens_live_s=TOKENS_LIVE_S)


def test_a_spent_customer_revocation_is_forgotten_at_the_next_revocation(store):
    revoke_both(store, "old")
    backdate(store, customers=LIVE + timedelta(seconds=5))
    revoke_token(store, "tok_new", tokens_live_s=TOKENS_LIVE_S)
    assert revocation_rows(store)[1] == []


def test_a_spent_token_revocation_is_forgotten_once_past_the_zone_margin(store):
    revoke_both(store, "old")
    backdate(store, tokens=LIVE + ZONE_MARGIN + timedelta(seconds=5))
    revoke_token(store, "tok_new", tokens_live_s=TOKENS_LIVE_S)
    assert revocation_rows(store)[0] == ["tok_new"]


def test_revocations_a_token_may_still_need_are_kept(store):
    revoke_both(store, "recent")
    backdate(store, tokens=LIVE - timedelta(seconds=60), customers=LIVE - timedelta(seconds=60))
    revoke_both(store, "new")
    assert revocation_rows(store) == (["tok_new", "tok_recent"], ["c-new", "c-recent"])


def test_a_token_revocation_written_in_local_time_west_of_utc_is_kept_until_spent_in_utc(store):
    """What the column's default wrote before revocations took Python's UTC clock: 12 hours
    west of UTC, a revocation made 20 hours ago reads 32 hours old."""
    revoke_token(store, "tok_local", tokens_live_s=TOKENS_LIVE_S)
    backdate(store, tokens=timedelta(hours=32))
    revoke_token(store, "tok_new", tokens_live_s=TOKENS_LIVE_S)
    assert "tok_local" in revocation_rows(store)[0]


def test_a_revocation_is_stamped_in_utc_whatever_duckdbs_session_zone(store):
    store.cursor().execute("SET TimeZone = 'America/Los_Angeles'")
    revoke_token(store, "tok_la", tokens_live_s=TOKENS_LIVE_S)
    stamped = store.cursor().execute("SELECT revoked_at FROM revoked_tokens").fetchall()[0][0]
    assert abs(stamped - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


def test_a_token_revoked_as_it_was_issued_is_still_refused_ten_seconds_before_it_expires(store):
    age = MAX_TOKEN_TTL - 10  # issued and revoked that long ago, with the longest lifetime
    token, claims = EmbedTokens([NEW], store, clock=lambda: time.time() - age).issue(
        customer_id="c1", dashboard="usage", ttl=MAX_TOKEN_TTL)
    revoke_token(store, claims.token_id, tokens_live_s=TOKENS_LIVE_S)
    backdate(store, tokens=timedelta(seconds=age))
    revoke_token(store, "tok_other", tokens_live_s=TOKENS_LIVE_S)  # forgets what is spent
    with pytest.raises(TokenDenied) as exc:
        EmbedTokens([NEW], store).verify(token)
    assert exc.value.status == 403
