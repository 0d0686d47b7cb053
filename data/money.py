"""Money rounding: exact Decimals everywhere, rounded to the currency's minor unit only for display."""
from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Context, Decimal

from babel.numbers import get_currency_precision


# Decimal's default context keeps 28 digits, and normalize() and quantize() obey it: a stored
# DECIMAL(38, 9) can have 38. Every normalize or quantize of a stored amount goes through this.
EXACT = Context(prec=76)
# Arithmetic must be exact too: a quantity (38 digits) times a unit price, or a sum of amounts,
# rounded to 28 digits would bill 12345678901234.56789012345679 for 12345678901234.567890123456789.
# So every thread of the process computes with EXACT's precision: this one, and (through
# DefaultContext) every thread started after this module is imported, as the server's are.
decimal.DefaultContext.prec = EXACT.prec
decimal.getcontext().prec = EXACT.prec


def minor_units(currency: str) -> int:
    """Digits after the decimal point: USD 2, JPY 0, BHD 3."""
    return get_currency_precision(currency)


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP, context=EXACT)


def exact_text(value: Decimal | int) -> str:
    """An exact number as plain text, no exponent and no trailing zeros: 1E+3 -> '1000', 1.500 -> '1.5'."""
    return format(Decimal(value).normalize(EXACT), "f")


def money_text(amount: Decimal, currency: str) -> str:
    """An amount rounded to the currency's minor unit, as plain text: '10.00' in USD, '1000' in JPY."""
    rounded = round_money(amount, currency)
    return format(rounded.copy_abs() if rounded.is_zero() else rounded, "f")  # never '-0.00'
