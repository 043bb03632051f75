import json
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.customers import PostalAddress, normalize_email, normalize_phone
from custrel.errors import ValidationError
from custrel.testing.strategies import emails, phones, postal_addresses

E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def attempt(
    normalize: Callable[[object], str], value: object
) -> tuple[str | None, ValidationError | None]:
    """Normalise *value*, returning the result or the ValidationError raised."""
    try:
        return normalize(value), None
    except ValidationError as error:
        return None, error


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


@st.composite
def shouted(draw: st.DrawFn, text: str) -> str:
    """*text* with random letters upper-cased and random whitespace around it."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    cased = "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))
    pad = st.sampled_from(["", " ", "  ", "\t", "\n"])
    return draw(pad) + cased + draw(pad)


class TestNormalizeEmail:
    @pytest.mark.parametrize(
        ("raw", "canonical"),
        [
            ("kari@example.no", "kari@example.no"),
            ("  Kari.Nordmann@Example.NO ", "kari.nordmann@example.no"),
            ("o'brien+crm@mail.example.co.uk", "o'brien+crm@mail.example.co.uk"),
            (" Kari@Blåbær.NO ", "kari@xn--blbr-roah.no"),
            ("kari@xn--blbr-roah.no", "kari@xn--blbr-roah.no"),
        ],
    )
    def test_canonical_form(self, raw: str, canonical: str) -> None:
        """Addresses are stripped, lower-cased, and an international domain is written in IDNA."""
        assert normalize_email(raw) == canonical

    def test_international_domains_ignore_case(self) -> None:
        """An upper-case international domain is the same key as the lower-case one, in ASCII."""
        upper, lower = normalize_email("Ola@ØRSTA.NO"), normalize_email("ola@ørsta.no")
        assert upper == lower
        assert upper.isascii()
        assert upper.startswith("ola@xn--")

    @given(emails().flatmap(lambda email: st.tuples(st.just(email), shouted(email))))
    def test_case_and_surrounding_space_do_not_matter(self, pair: tuple[str, str]) -> None:
        """Any casing and padding of a canonical address normalises back to it."""
        canonical, variant = pair
        assert normalize_email(variant) == canonical

    @given(st.emails() | emails())
    def test_normalising_is_idempotent(self, email: str) -> None:
        """normalize(normalize(x)) == normalize(x) for valid addresses."""
        once = normalize_email(email)
        assert normalize_email(once) == once
        assert once == once.strip().lower()

    @given(st.text(max_size=30) | st.from_regex(r"[^@\s]{1,8}@[^@]{1,12}", fullmatch=True))
    def test_normalising_any_accepted_text_is_idempotent(self, text: str) -> None:
        """Accepted text normalises to an ASCII fixed point; the rest is refused naming email."""
        once, error = attempt(normalize_email, text)
        if once is None:
            assert error is not None
            assert (error.field, error.value) == ("email", text)
        else:
            assert normalize_email(once) == once
            assert once.isascii()

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "kari",
            "@example.no",
            "kari@",
            "kari@example",
            "kari@@example.no",
            "ka ri@example.no",
            "kari@exa mple.no",
            ".kari@example.no",
            "kari.@example.no",
            "kari..nordmann@example.no",
            "kåri@example.no",
            'kari"@example.no',
            "kari@-example.no",
            "kari@example-.no",
            "kari@example..no",
            "kari@.example.no",
            "kari@example.no.",
            "kari@example.123",
            "kari@exam_ple.no",
            "kari\n@example.no",
            "kari@example\n.no",
            "kari@" + "a" * 64 + ".no",
            "k" * 65 + "@example.no",
            "kari@" + ".".join(["a" * 60] * 5) + ".no",
        ],
    )
    def test_malformed_addresses_are_refused(self, raw: str) -> None:
        """Malformed addresses raise ValidationError naming the email field and the value."""
        with pytest.raises(ValidationError, match=refused("email", raw)):
            normalize_email(raw)

    @pytest.mark.parametrize("value", [None, 42, b"kari@example.no", ["kari@example.no"]])
    def test_non_strings_are_refused(self, value: object) -> None:
        """Only strings are email addresses."""
        with pytest.raises(ValidationError, match=refused("email", value)):
            normalize_email(value)

    def test_field_name_can_be_given(self) -> None:
        """The caller can say which field held the address, for messages about imports."""
        with pytest.raises(ValidationError, match=refused("row 7 email", "nope")):
            normalize_email("nope", field="row 7 email")

    def test_longest_address_is_accepted(self) -> None:
        """A 254-character address is just within the limit; 255 is over."""
        domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 10])
        local = "k" * (254 - len(domain) - 1)
        assert len(normalize_email(f"{local}@{domain}")) == 254
        with pytest.raises(ValidationError, match="longer than 254 characters"):
            normalize_email(f"{local}k@{domain}")


class TestNormalizePhone:
    @pytest.mark.parametrize(
        ("raw", "canonical"),
        [
            ("+4791234567", "+4791234567"),
            ("+47 912 34 567", "+4791234567"),
            ("0047 912 34 567", "+4791234567"),
            ("+47 (912) 34-567", "+4791234567"),
            ("+1.555.123.4567", "+15551234567"),
            ("+44 20/7946/0958", "+442079460958"),
            (" +46\u00a070 123 45 67 ", "+46701234567"),
        ],
    )
    def test_e164_form(self, raw: str, canonical: str) -> None:
        """Separators go and a leading 00 becomes +, giving E.164."""
        assert normalize_phone(raw) == canonical

    @given(
        phones().flatmap(
            lambda phone: st.tuples(
                st.just(phone),
                st.lists(st.sampled_from([" ", ".", "-", "/", "(", ")", "\t"]), max_size=4),
                st.integers(min_value=1, max_value=len(phone)),
                st.booleans(),
            )
        )
    )
    def test_formatting_does_not_change_the_number(
        self, drawn: tuple[str, list[str], int, bool]
    ) -> None:
        """A canonical number with separators inserted, or 00 for +, normalises back to itself."""
        phone, separators, where, double_zero = drawn
        formatted = phone[:where] + "".join(separators) + phone[where:]
        if double_zero:
            formatted = "00" + formatted[1:]
        normalized = normalize_phone(formatted)
        assert normalized == phone
        assert E164.fullmatch(normalized)
        assert normalize_phone(normalized) == normalized

    @given(st.text(alphabet="+0123456789 -().", max_size=20))
    def test_accepted_numbers_are_e164_and_idempotent(self, text: str) -> None:
        """Whatever is accepted is E.164 and a fixed point; the rest is refused naming phone."""
        normalized, error = attempt(normalize_phone, text)
        if normalized is None:
            assert error is not None
            assert (error.field, error.value) == ("phone", text)
        else:
            assert E164.fullmatch(normalized)
            assert normalize_phone(normalized) == normalized

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "91234567",
            "+0123456789",
            "+47 12",
            "+1234567890123456",
            "+47 912 34 567 ext 2",
            "tel:+4791234567",
            "+47-912-34-567#",
            "++4791234567",
            "+٤٧٩١٢٣٤٥٦٧",
        ],
    )
    def test_malformed_numbers_are_refused(self, raw: str) -> None:
        """Numbers without country code, too short or long, or with letters raise naming phone."""
        with pytest.raises(ValidationError, match=refused("phone", raw)):
            normalize_phone(raw)

    @pytest.mark.parametrize("value", [None, 4791234567])
    def test_non_strings_are_refused(self, value: object) -> None:
        """An int is not a phone number: leading zeros and the + would be lost."""
        with pytest.raises(ValidationError, match=refused("phone", value)):
            normalize_phone(value)


class TestPostalAddress:
    def test_fields_are_tidied(self) -> None:
        """Whitespace is collapsed, the country upper-cased, and the region is optional."""
        address = PostalAddress(
            lines=["  Storgata  1 ", "Leilighet\tH0101"],
            postal_code=" 0155 ",
            city=" Oslo ",
            country=" no ",
        )
        assert address.lines == ("Storgata 1", "Leilighet H0101")
        assert address.postal_code == "0155"
        assert address.city == "Oslo"
        assert address.country == "NO"
        assert address.region is None

    @pytest.mark.parametrize(
        "lines",
        [
            "Storgata 1",
            [],
            ["a", "b", "c", "d", "e"],
            ["Storgata 1", " "],
            ["Storgata 1", 7],
            None,
        ],
    )
    def test_lines_must_be_one_to_four_non_empty_strings(self, lines: object) -> None:
        """A bare string, no lines, five lines, a blank or a non-string line is refused."""
        with pytest.raises(ValidationError, match=refused("address.lines", lines)):
            PostalAddress(lines=lines, postal_code="0155", city="Oslo", country="NO")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("postal_code", ""),
            ("postal_code", None),
            ("city", "  "),
            ("country", "NOR"),
            ("country", "N1"),
            ("country", None),
            ("region", ""),
        ],
    )
    def test_other_fields_are_checked(self, field: str, value: object) -> None:
        """Blank codes and cities, non-ISO countries and blank regions raise naming the field."""
        fields: dict[str, object] = {
            "lines": ["Storgata 1"],
            "postal_code": "0155",
            "city": "Oslo",
            "country": "NO",
        }
        fields[field] = value
        with pytest.raises(ValidationError, match=refused(f"address.{field}", value)):
            PostalAddress(**fields)  # type: ignore[arg-type]

    @given(postal_addresses())
    def test_round_trip_through_json(self, address: PostalAddress) -> None:
        """to_dict, JSON and from_dict give back the same address."""
        assert PostalAddress.from_dict(json.loads(json.dumps(address.to_dict()))) == address
