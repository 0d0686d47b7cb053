"""Draw-down of commits and credits: the rules of DESIGN.md as pure-function tests."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

from data.drawdown import Charge, draw_down
from data.models import Grant
from data.money import round_money

FAR = datetime(2030, 1, 1)
NOV = datetime(2024, 11, 15)


def grant(id, kind, amount, start, end=FAR, priority=1, currency="USD", name=None):
    return Grant(id, "c", kind, name or id, D(amount), currency, priority, start, end)


def charge(id, amount, time, currency="USD"):
    return Charge(id, id, time, D(amount), currency)


def by_id(result):
    return {r.id: (r.used, r.remaining, r.expired) for r in result.balances.itertuples()}


def test_worked_example_commit_100_credit_5_spend_65_then_20():
    result = draw_down(
        [grant("commit", "commit", "100", datetime(2024, 9, 1)), grant("credit", "credit", "5", datetime(2024, 10, 1))],
        [charge("sep", "65", datetime(2024, 9, 1)), charge("oct", "20", datetime(2024, 10, 1))],
        as_of=NOV,
    )
    assert by_id(result) == {"commit": (D(80), D(20), D(0)), "credit": (D(5), D(0), D(0))}
    totals = result.totals("USD")
    assert (totals["used"], totals["remaining"], totals["uncovered"]) == (D(85), D(20), D(0))
    deductions = result.ledger[result.ledger.entry == "deduction"]
    assert list(zip(deductions.grant_id, deductions.amount, deductions.invoice_id)) == [
        ("commit", D(-65), "sep"), ("credit", D(-5), "oct"), ("commit", D(-15), "oct")]  # fmt: skip


def test_grant_that_ended_before_a_charge_is_skipped_and_its_remainder_expires():
    result = draw_down(
        [grant("old", "credit", "50", datetime(2024, 1, 1), end=datetime(2024, 6, 1)),
         grant("new", "commit", "100", datetime(2024, 1, 1))],
        [charge("jan", "10", datetime(2024, 1, 1)), charge("jul", "30", datetime(2024, 7, 1))],
        as_of=NOV,
    )  # fmt: skip
    assert by_id(result) == {"old": (D(10), D(0), D(40)), "new": (D(30), D(70), D(0))}
    assert result.totals("USD")["remaining"] == D(70) and result.totals("USD")["expired"] == D(40)
    expiry = result.ledger[result.ledger.entry == "expiration"]
    assert list(zip(expiry.grant_id, expiry.amount, expiry.time)) == [("old", D(-40), datetime(2024, 6, 1))]


def test_charge_at_the_grants_ending_before_is_not_covered_by_it():
    result = draw_down([grant("g", "credit", "50", datetime(2024, 1, 1), end=datetime(2024, 2, 1))],
                       [charge("feb", "10", datetime(2024, 2, 1))], as_of=NOV)
    assert result.totals("USD")["uncovered"] == D(10)


def test_equal_priority_takes_credits_before_commits_then_earliest_expiry():
    result = draw_down(
        [grant("commit", "commit", "100", datetime(2024, 1, 1), end=datetime(2024, 3, 1)),
         grant("credit_late", "credit", "10", datetime(2024, 1, 1), end=datetime(2025, 1, 1)),
         grant("credit_soon", "credit", "10", datetime(2024, 1, 1), end=datetime(2024, 12, 1))],
        [charge("a", "15", datetime(2024, 2, 1))],
        as_of=datetime(2024, 2, 2),
    )  # fmt: skip
    assert by_id(result) == {"commit": (D(0), D(100), D(0)), "credit_late": (D(5), D(5), D(0)),
                             "credit_soon": (D(10), D(0), D(0))}  # fmt: skip


def test_lower_priority_number_goes_first_even_for_commits():
    result = draw_down(
        [grant("credit", "credit", "10", datetime(2024, 1, 1), priority=5),
         grant("commit", "commit", "10", datetime(2024, 1, 1), priority=1)],
        [charge("a", "4", datetime(2024, 2, 1))], as_of=NOV,
    )  # fmt: skip
    assert by_id(result)["commit"][0] == D(4) and by_id(result)["credit"][0] == D(0)


def test_equal_priority_kind_and_expiry_takes_the_oldest_start():
    result = draw_down(
        [grant("newer", "credit", "10", datetime(2024, 2, 1)), grant("older", "credit", "10", datetime(2024, 1, 1))],
        [charge("a", "4", datetime(2024, 3, 1))], as_of=NOV,
    )  # fmt: skip
    assert by_id(result)["older"][0] == D(4) and by_id(result)["newer"][0] == D(0)


def test_charge_larger_than_all_grants_leaves_an_uncovered_amount():
    result = draw_down([grant("g", "commit", "100", datetime(2024, 1, 1))], [charge("big", "130.25", datetime(2024, 2, 1))],
                       as_of=NOV)
    assert by_id(result)["g"] == (D(100), D(0), D(0))
    assert list(zip(result.uncovered.invoice_id, result.uncovered.amount)) == [("big", D("30.25"))]


def test_grants_in_another_currency_are_not_drawn():
    result = draw_down([grant("eur", "commit", "100", datetime(2024, 1, 1), currency="EUR")],
                       [charge("usd", "10", datetime(2024, 2, 1))], as_of=NOV)
    assert by_id(result)["eur"][0] == D(0) and result.totals("USD")["uncovered"] == D(10)


def test_totals_keep_each_currency_apart():
    result = draw_down(
        [grant("u1", "commit", "100", datetime(2024, 1, 1)), grant("u2", "credit", "1.12", datetime(2024, 1, 1)),
         grant("e", "commit", "100", datetime(2024, 1, 1), currency="EUR"),
         grant("u3", "credit", "10.5", datetime(2024, 1, 1))],
        [charge("usd", "35", datetime(2024, 2, 1)), charge("jpy", "30", datetime(2024, 2, 1), currency="JPY")],
        as_of=NOV,
    )  # fmt: skip
    keys = ("amount", "used", "remaining", "uncovered")
    assert result.currencies("USD") == ["USD", "EUR", "JPY"]
    assert [result.totals("USD")[k] for k in keys] == [D("111.62"), D(35), D("76.62"), D(0)]
    assert [result.totals("EUR")[k] for k in keys] == [D(100), D(0), D(100), D(0)]
    assert [result.totals("JPY")[k] for k in keys] == [D(0), D(0), D(0), D(30)]


def test_charges_and_grants_after_as_of_do_not_count():
    result = draw_down(
        [grant("g", "commit", "100", datetime(2024, 1, 1)), grant("later", "credit", "5", datetime(2025, 1, 1))],
        [charge("now", "10", datetime(2024, 2, 1)), charge("future", "50", datetime(2024, 12, 1))],
        as_of=NOV,
    )  # fmt: skip
    assert by_id(result) == {"g": (D(10), D(90), D(0))}


def test_exact_to_the_last_digit():
    result = draw_down([grant("g", "commit", "0.3", datetime(2024, 1, 1))],
                       [charge(str(i), "0.1", datetime(2024, 1, 1 + i)) for i in range(3)], as_of=NOV)
    assert by_id(result)["g"] == (D("0.3"), D(0), D(0))


def test_rounding_to_minor_units_for_display():
    assert round_money(D("1234.5675"), "USD") == D("1234.57")
    assert round_money(D("1234.5"), "JPY") == D("1235")
    assert round_money(D("1.2345"), "BHD") == D("1.235")
    assert round_money(D("0.005"), "EUR") == D("0.01")
