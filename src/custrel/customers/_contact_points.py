"""Ways to reach a customer: email address, phone number, postal address."""

from __future__ import annotations

import re
from typing import Any

import attrs

from custrel.errors import ValidationError

__all__ = ["PostalAddress", "normalize_email", "normalize_phone"]

_LOCAL_PART = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_EMAIL = 254
_MAX_LOCAL_PART = 64


def normalize_email(value: object, field: str = "email") -> str:
    """Return the canonical form of an email address, the natural key of a customer.

    Surrounding spaces are dropped, the address is lower-cased, and an internationalised domain
    is written in its ASCII (IDNA) form, so ``" Kari@Blåbær.NO "`` and ``kari@xn--blbr-roah.no``
    are the same key.
    """
    if not isinstance(value, str):
        raise ValidationError("expected an email address", field=field, value=value)
    text = value.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(
            "not an email address (no local part or domain)", field=field, value=value
        )
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(
            "the domain is not a valid host name", field=field, value=value
        ) from None
    labels = domain.split(".")
    if (
        len(labels) < 2  # noqa: PLR2004 - a domain needs at least a name and a top level
        or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise ValidationError("the domain is not a valid host name", field=field, value=value)
    if len(local) > _MAX_LOCAL_PART or not _LOCAL_PART.fullmatch(local):
        raise ValidationError("the part before '@' is not valid", field=field, value=value)
    address = f"{local}@{domain}"
    if len(address) > _MAX_EMAIL:
        raise ValidationError(f"longer than {_MAX_EMAIL} characters", field=field, value=value)
    return address


_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def normalize_phone(value: object, field: str = "phone") -> str:
    """Return a phone number in E.164 form (``+4791234567``).

    Spaces, dots, dashes, slashes and parentheses are dropped and a leading ``00`` becomes ``+``.
    The number must carry its country code: custrel does not guess a region.
    """
    if not isinstance(value, str):
        raise ValidationError("expected a phone number string", field=field, value=value)
    text = _PHONE_SEPARATORS.sub("", value)
    if text.startswith("00"):
        text = "+" + text[2:]
    if not _E164.match(text):
        raise ValidationError(
            "not an E.164 phone number: '+', country code and 7-15 digits in all",
            field=field,
            value=value,
        )
    return text


def _lines(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError(
            "expected a list of address lines", field="address.lines", value=value
        )
    lines = tuple(" ".join(line.split()) for line in value if isinstance(line, str))
    if len(lines) != len(value) or not 1 <= len(lines) <= 4 or not all(lines):  # noqa: PLR2004
        raise ValidationError("expected 1 to 4 non-empty lines", field="address.lines", value=value)
    return lines


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be a non-empty string", field=field, value=value)
    return " ".join(value.split())


def _postal_code(value: object) -> str:
    return _text(value, "address.postal_code")


def _city(value: object) -> str:
    return _text(value, "address.city")


def _region(value: object) -> str | None:
    return None if value is None else _text(value, "address.region")


def _country(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        raise ValidationError(
            "expected an ISO 3166-1 alpha-2 code", field="address.country", value=value
        )
    return value.strip().upper()


@attrs.frozen
class PostalAddress:
    """A postal address: street lines, postal code, city, optional region, ISO country code."""

    lines: tuple[str, ...] = attrs.field(converter=_lines)
    postal_code: str = attrs.field(converter=_postal_code)
    city: str = attrs.field(converter=_city)
    country: str = attrs.field(converter=_country)
    region: str | None = attrs.field(default=None, converter=_region)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "lines": list(self.lines),
            "postal_code": self.postal_code,
            "city": self.city,
            "country": self.country,
            "region": self.region,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PostalAddress:
        """Rebuild an address written by `to_dict`."""
        return cls(
            lines=data.get("lines"),
            postal_code=data.get("postal_code"),
            city=data.get("city"),
            country=data.get("country"),
            region=data.get("region"),
        )
