"""Public holidays of a country, from the optional ``holidays`` package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from custrel.errors import ValidationError

__all__ = ["country_holidays"]

_INSTALL_HINT = (
    "country_holidays needs the optional 'holidays' package: "
    "pip install 'custrel[holidays]' (or pip install holidays)"
)


def _years(value: object) -> tuple[int, ...]:
    items = (value,) if isinstance(value, int) else value
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise ValidationError(
            "expected a year or a collection of years", field="years", value=value
        )
    years = tuple(sorted(set(items)))
    if not years or not all(
        not isinstance(year, bool) and isinstance(year, int) and 1 <= year <= 9999  # noqa: PLR2004 - datetime's range
        for year in years
    ):
        raise ValidationError("expected years between 1 and 9999", field="years", value=value)
    return years


def country_holidays(
    country: str,
    *,
    years: int | Iterable[int],
    subdivision: str | None = None,
    language: str | None = None,
) -> dict[dt.date, str]:
    """Return a country's public holidays for some years, as local dates mapped to names.

    Pass the result as a calendar's ``holidays``; the names show in `BusinessCalendar.describe`.

    ```python
    cal = BusinessCalendar.weekdays(
        "09:00", "17:00", timezone="Europe/Oslo",
        holidays=country_holidays("NO", years=range(2026, 2028)),
    )
    ```

    Args:
        country: An ISO 3166-1 alpha-2 code such as ``"NO"``.
        years: One year or several (a `range` is convenient).
        subdivision: A state or region code where holidays differ by region (``"CA"`` in US).
        language: The language for holiday names, where the ``holidays`` package has it.

    Returns:
        A new dict of dates to holiday names, in date order.

    Raises:
        ImportError: The optional ``holidays`` package is not installed.
        ValidationError: An unknown country or subdivision, or bad years.
    """
    try:
        import holidays  # noqa: PLC0415 - an optional dependency, loaded only when asked
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    if not isinstance(country, str):
        raise ValidationError("expected an ISO 3166-1 country code", field="country", value=country)
    chosen = _years(years)
    try:
        found = holidays.country_holidays(
            country, subdiv=subdivision, years=chosen, language=language
        )
    except NotImplementedError as error:
        if subdivision is not None and "subdivision" in str(error):
            raise ValidationError(
                f"no such subdivision of {country}", field="subdivision", value=subdivision
            ) from None
        raise ValidationError(
            "no holidays known for this country", field="country", value=country
        ) from None
    return dict(sorted((day, str(name)) for day, name in found.items()))
