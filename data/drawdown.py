"""Draw-down of commits and credits by invoices: a pure function, recomputed on every read.

A charge is an invoice's total (finalized or draft; voided invoices charge nothing) taking
effect at the start of its service period. It is taken from grants in its currency that are
active then (starting_at <= t < ending_before) and not used up, ordered by priority (lower
first), then credits before commits, then the earliest ending_before, then the oldest
starting_at. What no grant covers is recorded as uncovered. A grant's remainder at its
ending_before expires. Totals are per currency.

Recomputing from grants and invoices, rather than storing a ledger, keeps balances right
when an invoice is re-sent or voided later; a customer has tens of invoices and grants, so
the cost is small.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd

from data.grants import list_grants
from data.invoices import list_invoices
from data.models import Grant
from data.store import Store, frame

CHARGING_STATUSES = ("finalized", "draft")
LEDGER_COLUMNS = ["time", "entry", "grant_id", "grant_name", "grant_kind", "amount", "grant_remaining",
                  "invoice_id", "invoice_number"]  # fmt: skip
BALANCE_COLUMNS = ["id", "kind", "name", "currency", "amount", "used", "expired", "remaining", "priority",
                   "starting_at", "ending_before", "product", "state"]  # fmt: skip
UNCOVERED_COLUMNS = ["time", "invoice_id", "invoice_number", "currency", "amount"]
ZERO = Decimal(0)


@dataclass(frozen=True)
class Charge:
    invoice_id: str
    invoice_number: str
    time: datetime
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class DrawDown:
    ledger: pd.DataFrame  # grants, deductions (negative) and expirations (negative), in time order
    balances: pd.DataFrame  # one row per grant that has started by as_of
    uncovered: pd.DataFrame  # what each charge left uncovered

    def currencies(self, first: str) -> list[str]:
        """`first` (the customer's currency), then every other currency that has a grant or an
        uncovered amount, alphabetically."""
        present = set(self.balances["currency"]) | set(self.uncovered["currency"])
        return [first, *sorted(present - {first})]

    def totals(self, currency: str) -> dict[str, Decimal]:
        """The totals of one currency: amounts in different currencies are never added up."""
        b = self.balances[self.balances["currency"] == currency]
        uncovered = self.uncovered[self.uncovered["currency"] == currency]
        return {
            "amount": sum(b["amount"], ZERO),
            "used": sum(b["used"], ZERO),
            "remaining": sum(b["remaining"], ZERO),
            "expired": sum(b["expired"], ZERO),
            "uncovered": sum(uncovered["amount"], ZERO),
        }


def _order(grant: Grant) -> tuple:
    return grant.priority, 0 if grant.kind == "credit" else 1, grant.ending_before, grant.starting_at, grant.id


def draw_down(grants: list[Grant], charges: list[Charge], *, as_of: datetime) -> DrawDown:
    """Apply `charges` up to `as_of` to `grants` (instants naive UTC)."""
    started = [g for g in grants if g.starting_at <= as_of]
    remaining = {g.id: g.amount for g in started}
    ledger = [(g.starting_at, 0, "grant", g, g.amount, g.amount, None, None) for g in started]
    uncovered = []
    for charge in sorted(charges, key=lambda c: (c.time, c.invoice_number, c.invoice_id)):
        if charge.time > as_of or charge.amount <= 0:
            continue
        need = charge.amount
        eligible = [g for g in started if g.currency == charge.currency and g.starting_at <= charge.time < g.ending_before]
        for grant in sorted(eligible, key=_order):
            take = min(need, remaining[grant.id])
            if take <= 0:
                continue
            remaining[grant.id] -= take
            need -= take
            ledger.append((charge.time, 2, "deduction", grant, -take, remaining[grant.id], charge.invoice_id,
                           charge.invoice_number))  # fmt: skip
            if need == 0:
                break
        if need > 0:
            uncovered.append((charge.time, charge.invoice_id, charge.invoice_number, charge.currency, need))

    balances = []
    for g in started:
        expired = remaining[g.id] if g.ending_before <= as_of else ZERO
        if expired > 0:
            ledger.append((g.ending_before, 1, "expiration", g, -expired, ZERO, None, None))
        state = "expired" if g.ending_before <= as_of else "active"
        balances.append((g.id, g.kind, g.name, g.currency, g.amount, g.amount - remaining[g.id], expired,
                         remaining[g.id] - expired, g.priority, g.starting_at, g.ending_before, g.product, state))  # fmt: skip

    ledger.sort(key=lambda e: (e[0], e[1]))  # stable: deductions keep the order they were drawn in
    ledger_rows = [(t, entry, g.id, g.name, g.kind, amount, left, inv, num) for t, _, entry, g, amount, left, inv, num in ledger]
    return DrawDown(
        ledger=frame(ledger_rows, LEDGER_COLUMNS),
        balances=frame(balances, BALANCE_COLUMNS),
        uncovered=frame(uncovered, UNCOVERED_COLUMNS),
    )


def customer_draw_down(store: Store, *, customer_id: str, as_of: datetime) -> DrawDown:
    """The draw-down of one customer's grants by their finalized and draft invoices."""
    invoices = list_invoices(store, customer_id=customer_id, statuses=CHARGING_STATUSES)
    charges = [Charge(r.id, r.number, r.period_start, r.total, r.currency) for r in invoices.itertuples()]
    return draw_down(list_grants(store, customer_id=customer_id), charges, as_of=as_of)
