"""Invoices, grants, balances and the ledger through the integrator API."""
from __future__ import annotations

import pytest

from conftest import A, AUTH, B


def invoice(id, total="65.00", *, customer=A, status="finalized", start="2024-09-01T00:00:00Z",
            end="2024-10-01T00:00:00Z", lines=None, **extra):
    lines = lines if lines is not None else [{"name": "API calls", "billable_metric": "api_calls",
                                              "quantity": "6500", "unit_price": "0.01", "amount": total}]
    return {"id": id, "number": f"INV-{id}", "customer_id": customer, "status": status, "type": "USAGE",
            "currency": "USD", "issued_at": end, "period_start": start, "period_end": end, "total": total,
            "line_items": lines, **extra}  # fmt: skip


LINE_65 = [{"name": "API calls", "quantity": "6500", "unit_price": "0.01", "amount": "65"}]


def grant(kind, amount, start, **extra):
    return {"kind": kind, "name": f"{kind} {amount}", "amount": amount, "currency": "USD", "priority": 1,
            "starting_at": start, "ending_before": "2030-01-01T00:00:00Z", **extra}  # fmt: skip


def invoices_of(client, customer=A, **params):
    return client.get(f"/v1/customers/{customer}/invoices", headers=AUTH, query_string=params).json["data"]


@pytest.fixture
def worked_example(client, world):
    assert client.post(f"/v1/customers/{A}/grants", headers=AUTH,
                       json=grant("commit", "100", "2024-09-01T00:00:00Z", id="commit")).status_code == 201
    assert client.post(f"/v1/customers/{A}/grants", headers=AUTH,
                       json=grant("credit", "5", "2024-10-01T00:00:00Z", id="credit")).status_code == 201
    r = client.post("/v1/invoices", headers=AUTH, json=[
        invoice("sep", "65"),
        invoice("oct", "20", start="2024-10-01T00:00:00Z", end="2024-11-01T00:00:00Z"),
        invoice("void", "999", status="voided", start="2024-10-01T00:00:00Z", end="2024-11-01T00:00:00Z"),
    ])  # fmt: skip
    assert r.status_code == 200, r.json


def test_balances_follow_the_worked_example(client, worked_example):
    body = client.get(f"/v1/customers/{A}/balances?as_of=2024-11-15T00:00:00Z", headers=AUTH).json["data"]
    got = {g["id"]: (g["used"], g["remaining"]) for g in body["grants"]}
    assert got == {"commit": ("80", "20"), "credit": ("5", "0")}
    assert (body["totals"]["used"], body["totals"]["remaining"]) == ("85", "20")


def test_voided_invoices_deduct_nothing(client, worked_example):
    body = client.get(f"/v1/customers/{A}/balances", headers=AUTH).json["data"]
    assert body["totals"]["uncovered"] == "0"


def test_balances_total_the_customers_currency_and_list_each_currency_apart(client, world):
    for amount, currency in (("100", "USD"), ("1.12", "USD"), ("100", "EUR"), ("10.5", "USD")):
        assert client.post(f"/v1/customers/{A}/grants", headers=AUTH,
                           json=grant("credit", amount, "2024-09-01T00:00:00Z", currency=currency)).status_code == 201
    assert client.post("/v1/invoices", headers=AUTH, json=invoice("jp", "30", currency="JPY")).status_code == 200
    body = client.get(f"/v1/customers/{A}/balances", headers=AUTH).json["data"]
    usd = {"currency": "USD", "amount": "111.62", "used": "0", "remaining": "111.62", "expired": "0", "uncovered": "0"}
    assert body["totals"] == usd
    assert body["totals_by_currency"] == [
        usd,
        {"currency": "EUR", "amount": "100", "used": "0", "remaining": "100", "expired": "0", "uncovered": "0"},
        {"currency": "JPY", "amount": "0", "used": "0", "remaining": "0", "expired": "0", "uncovered": "30"}]  # fmt: skip


def test_ledger_lists_grants_and_deductions_with_their_invoices(client, worked_example):
    entries = client.get(f"/v1/customers/{A}/ledger", headers=AUTH).json["data"]
    assert [(e["entry"], e["grant_id"], e["amount"], e["invoice_number"]) for e in entries] == [
        ("grant", "commit", "100", None), ("deduction", "commit", "-65", "INV-sep"),
        ("grant", "credit", "5", None), ("deduction", "credit", "-5", "INV-oct"),
        ("deduction", "commit", "-15", "INV-oct")]  # fmt: skip


def test_ledger_ranges_are_half_open_so_adjacent_ones_share_no_entry(client, worked_example):
    def entries(start, end):
        got = client.get(f"/v1/customers/{A}/ledger", headers=AUTH, query_string={"from": start, "to": end}).json["data"]
        return [(e["entry"], e["grant_id"], e["invoice_number"]) for e in got]

    september = entries("2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z")
    october = entries("2024-10-01T00:00:00Z", "2024-11-01T00:00:00Z")
    # the credit and the October invoice take effect at 2024-10-01T00:00Z: October's, not September's
    assert september == [("grant", "commit", None), ("deduction", "commit", "INV-sep")]
    assert october == [("grant", "credit", None), ("deduction", "credit", "INV-oct"), ("deduction", "commit", "INV-oct")]
    assert september + october == entries("2024-09-01T00:00:00Z", "2024-11-01T00:00:00Z")


@pytest.mark.parametrize("path", [f"/v1/customers/{A}/ledger", f"/v1/customers/{A}/invoices"])
def test_a_list_from_after_its_to_is_a_400_not_an_empty_list(client, world, path):
    r = client.get(path, headers=AUTH, query_string={"from": "2026-10-02T00:00:00Z", "to": "2026-10-01T00:00:00Z"})
    assert r.status_code == 400 and r.json["error"]["field"] == "from"


def test_invoices_are_stored_exactly_and_read_back(client, world):
    lines = [{"name": "Tokens", "quantity": "1234567.5", "unit_price": "0.000125", "amount": "154.3209375"},
             {"name": "Seats", "quantity": "3", "unit_price": "10", "amount": "30"}]
    client.post("/v1/invoices", headers=AUTH, json=invoice("x", "184.3209375", lines=lines))
    got = client.get("/v1/invoices/x", headers=AUTH).json["data"]
    assert got["total"] == "184.3209375"
    assert [(li["unit_price"], li["amount"]) for li in got["line_items"]] == [("0.000125", "154.3209375"), ("10", "30")]


def test_invoice_upsert_replaces_its_line_items(client, world):
    client.post("/v1/invoices", headers=AUTH, json=invoice("x", "5"))
    client.post("/v1/invoices", headers=AUTH, json=invoice("x", "7", status="draft"))
    got = client.get("/v1/invoices/x", headers=AUTH).json["data"]
    assert (got["status"], got["total"], len(got["line_items"])) == ("draft", "7", 1)


def test_invoice_list_filters_by_status_and_issue_date(client, worked_example):
    assert [i["id"] for i in invoices_of(client)] == ["void", "oct", "sep"]  # newest first
    assert [i["id"] for i in invoices_of(client, status="voided")] == ["void"]
    assert [i["id"] for i in invoices_of(client, status="finalized,draft", to="2024-10-15T00:00:00Z")] == ["sep"]
    assert invoices_of(client, customer=B) == []


@pytest.mark.parametrize("body, status, field", [
    (invoice("x", status="paid"), 400, "status"),
    (invoice("x", type="MONTHLY"), 400, "type"),
    (invoice("x", total="65.0.0", lines=LINE_65), 400, "total"),
    (invoice("x", total=65, lines=LINE_65), 400, "total"),
    (invoice("x", total="\u0666\u0665", lines=LINE_65), 400, "total"),  # Arabic-Indic 65: only ASCII digits
    (invoice("x", total="66", lines=LINE_65), 400, "total"),
    (invoice("x", currency="ABC"), 400, "currency"),
    (invoice("x", customer="nobody"), 404, "customer_id"),
    (invoice("x", end="2024-08-01T00:00:00Z"), 400, "period_end"),
    (invoice("x", lines=[{"name": "a", "quantity": "1", "unit_price": "0.0000001", "amount": "65"}]), 400,
     "line_items[0].unit_price"),
    (invoice("x", lines=[{"name": "a", "quantity": "1", "unit_price": "1", "amount": 65.0}]), 400, "line_items[0].amount"),
    (invoice("x", lines=[{"name": "a", "billable_metric": "nope", "quantity": "1", "unit_price": "1", "amount": "65"}]),
     400, "line_items[0].billable_metric"),
    ([invoice("ok"), invoice("bad", status="paid")], 400, "[1].status"),
    ([invoice("x"), invoice("x", "7", lines=[{"name": "a", "quantity": "1", "unit_price": "7", "amount": "7"}])], 400,
     "[1].id"),
])  # fmt: skip
def test_bad_invoice_is_refused_and_writes_nothing(client, world, body, status, field):
    r = client.post("/v1/invoices", headers=AUTH, json=body)
    assert (r.status_code, r.json["error"]["field"]) == (status, field), r.json
    assert invoices_of(client) == []


@pytest.mark.parametrize("body, status, field", [
    (grant("commit", "100", "2030-02-01T00:00:00Z"), 400, "ending_before"),
    (grant("coupon", "100", "2024-01-01T00:00:00Z"), 400, "kind"),
    (grant("commit", "-5", "2024-01-01T00:00:00Z"), 400, "amount"),
    (grant("commit", "1e3", "2024-01-01T00:00:00Z"), 400, "amount"),
    (grant("commit", "100", "2024-01-01T00:00:00Z", priority=-1), 400, "priority"),
    (grant("commit", "100", "2024-01-01"), 400, "starting_at"),
])  # fmt: skip
def test_bad_grant_is_refused_and_writes_nothing(client, world, body, status, field):
    r = client.post(f"/v1/customers/{A}/grants", headers=AUTH, json=body)
    assert (r.status_code, r.json["error"]["field"]) == (status, field), r.json
    assert client.get(f"/v1/customers/{A}/balances", headers=AUTH).json["data"]["grants"] == []


def test_grant_for_unknown_customer_is_404(client, world):
    assert client.post("/v1/customers/nobody/grants", headers=AUTH,
                       json=grant("commit", "1", "2024-01-01T00:00:00Z")).status_code == 404


def test_duplicate_grant_id_is_409(client, world):
    body = grant("commit", "1", "2024-01-01T00:00:00Z", id="g1")
    assert client.post(f"/v1/customers/{A}/grants", headers=AUTH, json=body).status_code == 201
    assert client.post(f"/v1/customers/{A}/grants", headers=AUTH, json=body).status_code == 409


def test_invoice_id_of_another_customer_is_409_and_changes_nothing(client, world):
    assert client.post("/v1/invoices", headers=AUTH, json=invoice("x", "5")).status_code == 200
    before = client.get("/v1/invoices/x", headers=AUTH).json["data"]
    r = client.post("/v1/invoices", headers=AUTH, json=invoice("x", "7", customer=B))
    assert (r.status_code, r.json["error"]["code"], r.json["error"]["field"]) == (409, "conflict", "id"), r.json
    assert client.get("/v1/invoices/x", headers=AUTH).json["data"] == before
    assert [i["id"] for i in invoices_of(client, A)] == ["x"] and invoices_of(client, B) == []


def test_a_batch_holding_another_customers_invoice_id_writes_none_of_its_items(client, world):
    assert client.post("/v1/invoices", headers=AUTH, json=invoice("x", "5")).status_code == 200
    r = client.post("/v1/invoices", headers=AUTH, json=[invoice("new", customer=B), invoice("new-a", "9"),
                                                        invoice("x", customer=B)])  # fmt: skip
    assert (r.status_code, r.json["error"]["field"]) == (409, "[2].id"), r.json
    assert [(i["id"], i["total"]) for i in invoices_of(client, A)] == [("x", "5")]
    assert invoices_of(client, B) == []
    assert client.get("/v1/invoices/new", headers=AUTH).status_code == 404


def test_partial_customer_upsert_keeps_currency_timezone_and_locale(client):
    full = {"id": "beta", "name": "Beta", "currency": "JPY", "timezone": "Asia/Tokyo", "locale": "ja_JP"}
    assert client.post("/v1/customers", headers=AUTH, json=full).status_code == 200
    r = client.post("/v1/customers", headers=AUTH, json={"id": "beta", "name": "Beta KK"})
    expected = {**full, "name": "Beta KK"}
    assert (r.status_code, r.json["data"]) == (200, [expected]), r.json
    assert client.get("/v1/customers/beta", headers=AUTH).json["data"] == expected


def test_new_customer_with_only_id_and_name_gets_the_defaults(client):
    r = client.post("/v1/customers", headers=AUTH, json=[{"id": "gamma", "name": "Gamma"}])
    expected = {"id": "gamma", "name": "Gamma", "currency": "USD", "timezone": "UTC", "locale": "en_US"}
    assert (r.status_code, r.json["data"]) == (200, [expected]), r.json
    assert client.get("/v1/customers/gamma", headers=AUTH).json["data"] == expected


def test_unknown_invoice_is_404(client, world):
    assert client.get("/v1/invoices/nope", headers=AUTH).status_code == 404


def test_a_negative_zero_unit_price_is_answered_as_zero(client, world):
    r = client.post("/v1/prices", headers=AUTH, json={"metric": "tokens", "currency": "USD", "unit_price": "-0.00",
                                                      "effective_from": "2026-01-01T00:00:00Z"})
    assert r.status_code == 200 and r.json["data"][0]["unit_price"] == "0"  # never "-0", which shows as "-$0"
