"""Names, and greeting a customer by the name they prefer."""

from __future__ import annotations

import re
from typing import Any

import attrs

from custrel.errors import ValidationError

__all__ = ["GREETINGS", "PersonName", "check_locale", "greet"]

GREETINGS: dict[str, tuple[str, str]] = {
    "en": ("Hi {name}", "Hello"),
    "nb": ("Hei {name}", "Hei"),
    "nn": ("Hei {name}", "Hei"),
    "no": ("Hei {name}", "Hei"),
    "sv": ("Hej {name}", "Hej"),
    "da": ("Hej {name}", "Hej"),
    "fi": ("Hei {name}", "Hei"),
    "de": ("Hallo {name}", "Hallo"),
    "fr": ("Bonjour {name}", "Bonjour"),
    "es": ("Hola {name}", "Hola"),
}
"""Informal greetings per language subtag: (with a name, without one). English is the fallback."""

_LOCALE = re.compile(r"^([A-Za-z]{2,3})((?:[-_][A-Za-z0-9]{2,8})*)$")


def check_locale(value: object, field: str = "locale") -> str:
    """Return a BCP 47 tag in canonical case (``nb-NO``, ``zh-Hant-TW``) or raise."""
    match = _LOCALE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(
            "expected a BCP 47 language tag such as 'nb-NO'", field=field, value=value
        )
    parts = [match.group(1).lower()]
    for subtag in re.split(r"[-_]", match.group(2))[1:]:
        if len(subtag) == 2 and subtag.isalpha():  # noqa: PLR2004 - region subtag
            parts.append(subtag.upper())
        elif len(subtag) == 4 and subtag.isalpha():  # noqa: PLR2004 - script subtag
            parts.append(subtag.title())
        else:
            parts.append(subtag.lower())
    return "-".join(parts)


def greet(name: str | None, locale: str | None) -> str:
    """Greet *name* informally in *locale*'s language, or without a name when there is none."""
    language = (locale or "en").split("-")[0]
    with_name, without_name = GREETINGS.get(language, GREETINGS["en"])
    return with_name.format(name=name) if name else without_name


def _text(value: object, field: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError("must be a non-empty string", field=field, value=value)
    return " ".join(value.split()) or None


def _given(value: object) -> str:
    return _text(value, "name.given", required=True) or ""


def _family(value: object) -> str | None:
    return _text(value, "name.family", required=False)


def _preferred(value: object) -> str | None:
    return _text(value, "name.preferred", required=False)


@attrs.frozen
class PersonName:
    """A person's name: given name (required), family name and the name they like to be called.

    Whitespace is collapsed; an empty preferred or family name counts as none.
    """

    given: str = attrs.field(converter=_given)
    family: str | None = attrs.field(default=None, converter=_family)
    preferred: str | None = attrs.field(default=None, converter=_preferred)

    @property
    def called(self) -> str:
        """The name to address the person by: preferred, else given."""
        return self.preferred or self.given

    @property
    def full(self) -> str:
        """Given and family name, as on a letter."""
        return f"{self.given} {self.family}" if self.family else self.given

    def to_dict(self) -> dict[str, str | None]:
        """Return a JSON-safe dict."""
        return {"given": self.given, "family": self.family, "preferred": self.preferred}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PersonName:
        """Rebuild a name written by `to_dict`."""
        return cls(
            given=data.get("given"), family=data.get("family"), preferred=data.get("preferred")
        )
