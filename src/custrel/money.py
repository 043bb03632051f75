"""Amounts of money: an exact `Decimal` and an ISO 4217 currency code.

Floats are refused (0.1 + 0.2 is not 0.3), and so is arithmetic or comparison across
currencies: adding NOK to EUR is a bug, not a conversion.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import attrs

from custrel.errors import ValidationError

__all__ = ["CURRENCIES", "Money"]

CURRENCIES: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU
    XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
    """.split()
)
"""The ISO 4217 alphabetic codes custrel accepts."""

_MINOR_UNITS_EXCEPTIONS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


def _amount(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValidationError(
            "floats are inexact; pass a Decimal, an int or a string", field="amount", value=value
        )
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValidationError("expected a Decimal, an int or a string", field="amount", value=value)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValidationError("not a decimal number", field="amount", value=value) from None
    if not amount.is_finite():
        raise ValidationError("must be a finite number", field="amount", value=value)
    return amount


def _currency(value: object) -> str:
    if not isinstance(value, str) or value.upper() not in CURRENCIES:
        raise ValidationError("not an ISO 4217 currency code", field="currency", value=value)
    return value.upper()


def _factor(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValidationError(
            "floats are inexact; multiply by a Decimal or an int", field="factor", value=value
        )
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise ValidationError("expected a Decimal or an int", field="factor", value=value)
    return Decimal(value)


@attrs.frozen(order=False)
class Money:
    """An exact amount in one currency.

    >>> Money("12.50", "NOK") + Money(3, "NOK")
    Money(amount=Decimal('15.50'), currency='NOK')
    """

    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field(converter=_currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return nothing, in *currency*."""
        return cls(Decimal(0), currency)

    @property
    def minor_units(self) -> int:
        """Digits after the decimal point in everyday use (2 for NOK, 0 for JPY, 3 for KWD)."""
        return _MINOR_UNITS_EXCEPTIONS.get(self.currency, 2)

    def rounded(self) -> Money:
        """Round half to even to the currency's minor unit."""
        exponent = Decimal(1).scaleb(-self.minor_units)
        try:
            amount = self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            raise ValidationError(
                "too many digits to round to the currency's minor unit",
                field="amount",
                value=self.amount,
            ) from None
        return Money(amount, self.currency)

    def _same_currency(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise ValidationError(
                f"cannot {operation} Money and {type(other).__name__}", value=other
            )
        if other.currency != self.currency:
            raise ValidationError(
                f"cannot {operation} {self.currency} and {other.currency}; convert first",
                field="currency",
                value=other.currency,
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other, "add").amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other, "subtract").amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * _factor(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other, "compare").amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-safe dict; the amount is a string so no precision is lost."""
        return {"amount": str(self.amount), "currency": self.currency}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Money:
        """Rebuild a `Money` written by `to_dict`."""
        try:
            return cls(data["amount"], data["currency"])
        except (KeyError, TypeError):
            raise ValidationError(
                "expected a dict with 'amount' and 'currency'", field="money", value=data
            ) from None
