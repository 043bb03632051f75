import re

import pytest

import custrel
from custrel import errors
from custrel.errors import (
    ConflictError,
    CustrelError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    PolicyError,
    StorageError,
    ValidationError,
)

LEAVES = [
    ConflictError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    PolicyError,
    StorageError,
    ValidationError,
]


class TestHierarchy:
    @pytest.mark.parametrize("error", LEAVES)
    def test_every_error_derives_from_the_root(self, error: type[Exception]) -> None:
        """`except CustrelError` catches every exception custrel raises on purpose."""
        assert issubclass(error, CustrelError)
        assert issubclass(CustrelError, Exception)

    @pytest.mark.parametrize(
        ("error", "builtin"),
        [
            (ValidationError, ValueError),
            (InvalidTransitionError, ValueError),
            (PolicyError, ValueError),
            (NotFoundError, LookupError),
        ],
    )
    def test_leaves_derive_from_the_builtin_a_caller_would_catch(
        self, error: type[Exception], builtin: type[Exception]
    ) -> None:
        """A refused input is a ValueError and a missing aggregate a LookupError."""
        assert issubclass(error, builtin)

    @pytest.mark.parametrize("error", [InvalidTransitionError, PolicyError])
    def test_transition_and_policy_errors_are_validation_errors(
        self, error: type[Exception]
    ) -> None:
        """A bad transition or policy is a kind of refused input."""
        assert issubclass(error, ValidationError)

    @pytest.mark.parametrize("error", [CustrelError, *LEAVES])
    def test_every_error_is_documented(self, error: type[Exception]) -> None:
        """Each exception class says in its docstring when it is raised."""
        assert error.__doc__
        assert error.__doc__.strip()

    def test_errors_are_exported_at_the_top_level(self) -> None:
        """`custrel.X` is the same class as `custrel.errors.X` for every error."""
        assert set(errors.__all__) == {error.__name__ for error in [CustrelError, *LEAVES]}
        for name in errors.__all__:
            assert getattr(custrel, name) is getattr(errors, name)


class TestValidationErrorMessage:
    def test_message_names_field_and_value(self) -> None:
        """The message reads 'field: what was wrong (got value)' with the value's repr."""
        error = ValidationError("must be positive", field="amount", value=-3)
        assert str(error) == "amount: must be positive (got -3)"
        assert error.field == "amount"
        assert error.value == -3

    def test_message_without_field_or_value_is_just_the_message(self) -> None:
        """Without a field or value nothing is added, and both attributes are None."""
        error = ValidationError("something is off")
        assert str(error) == "something is off"
        assert error.field is None
        assert error.value is None

    def test_a_none_value_is_reported(self) -> None:
        """An explicit value of None is shown, unlike a missing one."""
        error = ValidationError("is required", field="given", value=None)
        assert str(error) == "given: is required (got None)"

    def test_value_without_field(self) -> None:
        """A value may be reported without naming a field."""
        error = ValidationError("cannot add", value="x")
        assert str(error) == "cannot add (got 'x')"
        assert error.field is None

    def test_subclasses_format_the_same_way(self) -> None:
        """InvalidTransitionError and PolicyError take the same field and value keywords."""
        with pytest.raises(PolicyError, match=re.escape("targets: empty (got {})")):
            raise PolicyError("empty", field="targets", value={})
