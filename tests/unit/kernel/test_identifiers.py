import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.errors import ValidationError
from custrel.ids import MAX_ID_LENGTH, check_id, new_id


class TestNewId:
    def test_new_id_is_a_canonical_uuid4(self) -> None:
        """A made id is a random UUID written in its canonical lower-case form."""
        made = new_id()
        parsed = uuid.UUID(made)
        assert parsed.version == 4
        assert str(parsed) == made

    def test_new_ids_are_unique(self) -> None:
        """A thousand ids are a thousand different ids."""
        assert len({new_id() for _ in range(1000)}) == 1000


class TestCheckId:
    @pytest.mark.parametrize("value", ["k-1", "a", "Kåre 42", "x" * MAX_ID_LENGTH])
    def test_usable_ids_come_back_unchanged(self, value: str) -> None:
        """Any non-empty string without surrounding spaces, up to the maximum, is an id."""
        assert check_id(value) is value

    @pytest.mark.parametrize("value", ["", " k-1", "k-1 ", "\tk", "k\n", None, 42, b"k-1"])
    def test_unusable_ids_are_refused_naming_field_and_value(self, value: object) -> None:
        """Empty, padded and non-string ids raise ValidationError naming the field and value."""
        with pytest.raises(
            ValidationError, match=rf"^case_id: .*\(got {re.escape(repr(value))}\)$"
        ):
            check_id(value, "case_id")

    def test_too_long_ids_are_refused(self) -> None:
        """An id one character over the maximum is refused, with the limit in the message."""
        with pytest.raises(ValidationError, match=rf"^id: longer than {MAX_ID_LENGTH} characters"):
            check_id("x" * (MAX_ID_LENGTH + 1))

    @given(st.text(max_size=MAX_ID_LENGTH + 5))
    def test_accepts_exactly_the_stripped_non_empty_strings(self, value: str) -> None:
        """check_id accepts a string iff it is non-empty, unpadded and short enough."""
        usable = bool(value) and value == value.strip() and len(value) <= MAX_ID_LENGTH
        if usable:
            assert check_id(value) == value
        else:
            with pytest.raises(ValidationError):
                check_id(value)
