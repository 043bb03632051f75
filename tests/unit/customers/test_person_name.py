import json
import re

import pytest
from hypothesis import given

from custrel.customers import PersonName
from custrel.errors import ValidationError
from custrel.testing.strategies import person_names


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


class TestPersonName:
    def test_keeps_the_three_parts(self) -> None:
        """Given, family and preferred name are stored as given."""
        name = PersonName(given="Kari", family="Nordmann", preferred="Kari-Mari")
        assert (name.given, name.family, name.preferred) == ("Kari", "Nordmann", "Kari-Mari")

    def test_family_and_preferred_are_optional(self) -> None:
        """Only the given name is required."""
        name = PersonName("Ola")
        assert name.family is None
        assert name.preferred is None

    def test_whitespace_is_collapsed(self) -> None:
        """Surrounding spaces go and inner runs of whitespace become one space."""
        name = PersonName("  Kari \t Anne ", family=" Nord\nmann ", preferred=" Kari ")
        assert (name.given, name.family, name.preferred) == ("Kari Anne", "Nord mann", "Kari")

    @pytest.mark.parametrize("value", ["", "   "])
    def test_blank_family_and_preferred_count_as_none(self, value: str) -> None:
        """An empty or blank optional part is no part at all."""
        name = PersonName("Kari", family=value, preferred=value)
        assert name.family is None
        assert name.preferred is None

    @pytest.mark.parametrize("value", ["", "  ", "\n", None, 42])
    def test_given_name_is_required(self, value: object) -> None:
        """A missing, blank or non-string given name raises naming name.given."""
        with pytest.raises(ValidationError, match=refused("name.given", value)):
            PersonName(value)  # type: ignore[arg-type]

    @pytest.mark.parametrize("part", ["family", "preferred"])
    def test_optional_parts_must_be_strings(self, part: str) -> None:
        """A non-string family or preferred name raises naming the part."""
        with pytest.raises(ValidationError, match=refused(f"name.{part}", 7)):
            PersonName("Kari", **{part: 7})  # type: ignore[arg-type]

    def test_called_prefers_the_preferred_name(self) -> None:
        """`called` is the preferred name, else the given name."""
        assert PersonName("Katarina", preferred="Kari").called == "Kari"
        assert PersonName("Katarina").called == "Katarina"

    def test_full_is_given_and_family(self) -> None:
        """`full` is the given and family name as on a letter, or the given name alone."""
        assert PersonName("Kari", "Nordmann", "K").full == "Kari Nordmann"
        assert PersonName("Kari").full == "Kari"

    @given(person_names())
    def test_round_trip_through_json(self, name: PersonName) -> None:
        """to_dict, JSON and from_dict give back the same name, non-ASCII letters included."""
        assert PersonName.from_dict(json.loads(json.dumps(name.to_dict()))) == name

    def test_to_dict(self) -> None:
        """The dict has the three parts, None where absent."""
        assert PersonName("Åse", "Ødegård").to_dict() == {
            "given": "Åse",
            "family": "Ødegård",
            "preferred": None,
        }

    def test_from_dict_without_given_is_refused(self) -> None:
        """A dict without a given name raises naming name.given."""
        with pytest.raises(ValidationError, match=refused("name.given", None)):
            PersonName.from_dict({"family": "Nordmann"})
