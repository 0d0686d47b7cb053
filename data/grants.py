"""Commits and credits granted to a customer."""
from __future__ import annotations

from dataclasses import astuple, fields

from data.models import Grant
from data.store import Store

_COLUMNS = [f.name for f in fields(Grant)]


def insert_grant(store: Store, grant: Grant) -> None:
    with store.transaction() as cur:
        cur.execute(
            f"INSERT INTO grants ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", list(astuple(grant))
        )


def list_grants(store: Store, *, customer_id: str) -> list[Grant]:
    rows = store.cursor().execute(
        f"SELECT {', '.join(_COLUMNS)} FROM grants WHERE customer_id = ? ORDER BY starting_at, id", [customer_id]
    ).fetchall()
    return [Grant(*r) for r in rows]


def grant_exists(store: Store, grant_id: str) -> bool:
    return bool(store.cursor().execute("SELECT count(*) FROM grants WHERE id = ?", [grant_id]).fetchall()[0][0])
