import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import ValidationError
from custrel.money import CURRENCIES, Money
from custrel.testing.strategies import amounts, currencies, money


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


same_currency_pairs = currencies().flatmap(lambda code: st.tuples(money(code), money(code)))
same_currency_triples = currencies().flatmap(
    lambda code: st.tuples(money(code), money(code), money(code))
)
different_currencies = st.tuples(currencies(), currencies()).filter(
    lambda pair: len(set(pair)) == 2
)


class TestConstruction:
    @pytest.mark.parametrize(
        ("amount", "expected"),
        [(Decimal("12.50"), Decimal("12.50")), (12, Decimal(12)), ("12.50", Decimal("12.50"))],
    )
    def test_accepts_decimals_ints_and_strings_exactly(
        self, amount: object, expected: Decimal
    ) -> None:
        """The amount is kept as an exact Decimal, trailing zeros included."""
        value = Money(amount, "NOK")  # type: ignore[arg-type]
        assert isinstance(value.amount, Decimal)
        assert value.amount == expected
        assert str(value.amount) == str(expected)

    def test_currency_code_is_upper_cased(self) -> None:
        """A lower-case ISO code is accepted and stored upper-case."""
        assert Money(1, "nok").currency == "NOK"

    def test_floats_are_refused(self) -> None:
        """A float amount raises ValidationError naming the field and the float."""
        with pytest.raises(ValidationError, match=refused("amount", 0.1)) as caught:
            Money(0.1, "NOK")  # type: ignore[arg-type]
        assert "float" in str(caught.value)

    @pytest.mark.parametrize("amount", [True, None, [1], b"1"])
    def test_non_numbers_are_refused(self, amount: object) -> None:
        """Booleans, None and other types are not amounts."""
        with pytest.raises(ValidationError, match=refused("amount", amount)):
            Money(amount, "NOK")  # type: ignore[arg-type]

    @pytest.mark.parametrize("amount", ["", "12,50", "twelve", "1.2.3"])
    def test_malformed_strings_are_refused(self, amount: str) -> None:
        """A string that is not a decimal number is refused."""
        with pytest.raises(ValidationError, match=refused("amount", amount)):
            Money(amount, "NOK")

    @pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN", Decimal("NaN")])
    def test_non_finite_amounts_are_refused(self, amount: object) -> None:
        """NaN and infinities are not amounts of money."""
        with pytest.raises(ValidationError, match=refused("amount", amount)):
            Money(amount, "NOK")  # type: ignore[arg-type]

    @pytest.mark.parametrize("currency", ["XYZ", "KRONER", "", "NO", None, 578])
    def test_unknown_currencies_are_refused(self, currency: object) -> None:
        """Only ISO 4217 alphabetic codes are currencies."""
        with pytest.raises(ValidationError, match=refused("currency", currency)):
            Money(1, currency)  # type: ignore[arg-type]

    def test_currency_list_holds_common_codes(self) -> None:
        """The accepted codes include the currencies custrel's users trade in."""
        assert {"NOK", "SEK", "DKK", "EUR", "USD", "GBP", "JPY", "ISK"} <= CURRENCIES

    def test_zero(self) -> None:
        """Money.zero is no money in the given currency."""
        assert Money.zero("EUR") == Money(0, "EUR")

    def test_money_is_frozen(self) -> None:
        """Money is a value: its fields cannot be reassigned."""
        value = Money(1, "NOK")
        with pytest.raises(AttributeError):
            value.amount = Decimal(2)  # type: ignore[misc]


class TestArithmetic:
    @given(same_currency_triples)
    def test_addition_is_associative(self, triple: tuple[Money, Money, Money]) -> None:
        """(a + b) + c == a + (b + c) for money in one currency."""
        a, b, c = triple
        assert (a + b) + c == a + (b + c)

    @given(same_currency_pairs)
    def test_addition_is_commutative_and_adds_amounts(self, pair: tuple[Money, Money]) -> None:
        """Addition commutes and adds the amounts, in the same currency."""
        a, b = pair
        assert a + b == b + a
        assert (a + b).amount == a.amount + b.amount
        assert (a + b).currency == a.currency

    @given(same_currency_pairs)
    def test_subtraction_undoes_addition(self, pair: tuple[Money, Money]) -> None:
        """(a + b) - b == a and a - a is zero."""
        a, b = pair
        assert (a + b) - b == a
        assert a - a == Money.zero(a.currency)

    @given(money())
    def test_negation(self, value: Money) -> None:
        """Negation flips the sign: -a + a is zero and negating twice gives a back."""
        negated = -value
        assert negated.amount == -value.amount
        assert negated + value == Money.zero(value.currency)
        assert -negated == value

    @given(same_currency_pairs, st.integers(min_value=-1000, max_value=1000))
    def test_multiplication_distributes_over_addition(
        self, pair: tuple[Money, Money], factor: int
    ) -> None:
        """(a + b) * k == a * k + b * k, and k * a == a * k."""
        a, b = pair
        assert (a + b) * factor == a * factor + b * factor
        assert factor * a == a * factor

    def test_multiplication_by_a_decimal_is_exact(self) -> None:
        """Multiplying by a Decimal gives the exact product."""
        assert Money("19.99", "NOK") * Decimal("0.25") == Money("4.9975", "NOK")

    @pytest.mark.parametrize("factor", [0.5, True, "2", None])
    def test_bad_factors_are_refused(self, factor: object) -> None:
        """Floats, booleans, strings and None cannot multiply money."""
        with pytest.raises(ValidationError, match=refused("factor", factor)):
            Money(1, "NOK") * factor  # type: ignore[operator]

    @given(different_currencies)
    def test_cross_currency_arithmetic_is_refused(self, pair: tuple[str, str]) -> None:
        """Adding or subtracting two currencies raises, naming the other currency."""
        ours, theirs = Money(1, pair[0]), Money(1, pair[1])
        for operation in ("add", "subtract"):
            with pytest.raises(ValidationError, match=refused("currency", pair[1])) as caught:
                _ = ours + theirs if operation == "add" else ours - theirs
            assert f"cannot {operation} {pair[0]} and {pair[1]}" in str(caught.value)

    @pytest.mark.parametrize("other", [1, Decimal(1), "1 NOK", None])
    def test_money_and_non_money_do_not_mix(self, other: object) -> None:
        """Adding a bare number to money is refused, naming the type and value."""
        with pytest.raises(ValidationError, match=re.escape(f"(got {other!r})")) as caught:
            Money(1, "NOK") + other  # type: ignore[operator]
        assert type(other).__name__ in str(caught.value)


class TestComparison:
    @given(same_currency_pairs)
    def test_order_follows_the_amount(self, pair: tuple[Money, Money]) -> None:
        """<, <=, > and >= on money agree with the amounts."""
        a, b = pair
        assert (a < b) == (a.amount < b.amount)
        assert (a <= b) == (a.amount <= b.amount)
        assert (a > b) == (a.amount > b.amount)
        assert (a >= b) == (a.amount >= b.amount)

    @given(different_currencies)
    def test_cross_currency_comparison_is_refused(self, pair: tuple[str, str]) -> None:
        """Ordering NOK against EUR raises instead of comparing numbers."""
        ours, theirs = Money(1, pair[0]), Money(2, pair[1])
        for compare in (
            lambda: ours < theirs,
            lambda: ours <= theirs,
            lambda: ours > theirs,
            lambda: ours >= theirs,
        ):
            with pytest.raises(ValidationError, match=refused("currency", pair[1])):
                compare()

    @given(different_currencies, amounts())
    def test_equal_amounts_in_different_currencies_are_not_equal(
        self, pair: tuple[str, str], amount: Decimal
    ) -> None:
        """10 NOK is not 10 EUR."""
        assert Money(amount, pair[0]) != Money(amount, pair[1])

    def test_trailing_zeros_do_not_change_equality_or_hash(self) -> None:
        """1.0 NOK and 1.00 NOK are the same amount, so equal with equal hashes."""
        assert Money("1.0", "NOK") == Money("1.00", "NOK")
        assert hash(Money("1.0", "NOK")) == hash(Money("1.00", "NOK"))

    def test_money_is_not_equal_to_a_number(self) -> None:
        """Money never equals a bare number."""
        assert Money(1, "NOK") != 1


class TestRounding:
    @pytest.mark.parametrize(
        ("currency", "digits"),
        [("NOK", 2), ("EUR", 2), ("JPY", 0), ("ISK", 0), ("KWD", 3), ("CLF", 4)],
    )
    def test_minor_units_per_currency(self, currency: str, digits: int) -> None:
        """Each currency rounds to its everyday number of decimals."""
        assert Money(1, currency).minor_units == digits

    @pytest.mark.parametrize(
        ("amount", "currency", "expected"),
        [
            ("2.345", "NOK", "2.34"),
            ("2.355", "NOK", "2.36"),
            ("-2.345", "NOK", "-2.34"),
            ("2.5", "JPY", "2"),
            ("3.5", "JPY", "4"),
            ("1.23456", "KWD", "1.235"),
            ("7", "NOK", "7.00"),
        ],
    )
    def test_rounds_half_to_even(self, amount: str, currency: str, expected: str) -> None:
        """Halves round to the even neighbour, to the currency's minor unit."""
        rounded = Money(amount, currency).rounded()
        assert str(rounded.amount) == expected
        assert rounded.currency == currency

    def test_rounding_an_amount_too_long_for_decimal_precision_is_refused(self) -> None:
        """An amount whose rounding would exceed decimal precision raises ValidationError."""
        with pytest.raises(ValidationError, match="minor unit"):
            Money("1" * 30, "NOK").rounded()

    @given(money())
    def test_rounding_is_idempotent_and_close(self, value: Money) -> None:
        """Rounding twice is rounding once, and moves by at most half a minor unit."""
        once = value.rounded()
        assert once.rounded() == once
        assert abs(once.amount - value.amount) <= Decimal(1).scaleb(-value.minor_units) / 2


class TestSerialisation:
    @given(money())
    def test_round_trip_through_json(self, value: Money) -> None:
        """to_dict, JSON and from_dict give back the same amount, digit for digit."""
        data = json.loads(json.dumps(value.to_dict()))
        restored = Money.from_dict(data)
        assert restored == value
        assert str(restored.amount) == str(value.amount)

    def test_to_dict_writes_the_amount_as_a_string(self) -> None:
        """The amount is a string so no precision is lost in JSON."""
        assert Money("0.10", "NOK").to_dict() == {"amount": "0.10", "currency": "NOK"}

    @pytest.mark.parametrize("data", [{}, {"amount": "1"}, {"currency": "NOK"}, None, ["1", "NOK"]])
    def test_from_dict_refuses_malformed_data(self, data: object) -> None:
        """A dict without amount and currency raises ValidationError naming 'money'."""
        with pytest.raises(ValidationError, match=refused("money", data)):
            Money.from_dict(data)  # type: ignore[arg-type]

    def test_from_dict_validates_the_fields(self) -> None:
        """A float amount inside the dict is refused like anywhere else."""
        with pytest.raises(ValidationError, match=refused("amount", 1.5)):
            Money.from_dict({"amount": 1.5, "currency": "NOK"})

    def test_str_shows_amount_and_currency(self) -> None:
        """str(money) is the exact amount followed by the code."""
        assert str(Money("12.50", "NOK")) == "12.50 NOK"
