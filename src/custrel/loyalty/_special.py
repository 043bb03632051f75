"""Special functions for the customer-value models, on the standard library's `math` alone.

`hyp2f1` is the Gauss hypergeometric function for real arguments ``z < 1``: its power series
where that converges fast, the linear transformation to ``1 - z`` near 1, and Pfaff's
transformation for negative ``z``. `digamma` and `trigamma` use the recurrence up to 12 and
the asymptotic series beyond.
"""

from __future__ import annotations

import math

__all__ = ["digamma", "hyp2f1", "log_rgamma", "trigamma"]

_EPSILON = 2.0**-53
_MAX_TERMS = 200_000
_SERIES_UP_TO = 0.75
"""Beyond this the transformation to ``1 - z`` (then below 0.25) converges faster."""
_NEAR_INTEGER = 1e-5
"""Closer than this to an integer, ``c - a - b`` makes the transformation's terms cancel."""
_SERIES_NEAR_INTEGER_UP_TO = 0.98
"""Up to this the series still converges in a few thousand terms."""
_MAX_CANCELLATION = 1e3
"""Transformed terms larger than this times their sum lose too many digits; use the series."""
_ASYMPTOTIC_FROM = 12.0


def _is_non_positive_integer(value: float) -> bool:
    return value <= 0 and value == math.floor(value)


def log_rgamma(value: float) -> tuple[float, float]:
    """Return ``(sign, log|1/Gamma(value)|)``; the sign is 0 at the poles (0, -1, -2, ...)."""
    if _is_non_positive_integer(value):
        return 0.0, -math.inf
    sign = 1.0
    if value < 0 and math.ceil(-value) % 2 == 1:
        sign = -1.0
    return sign, -math.lgamma(value)


def _series(a: float, b: float, c: float, z: float) -> float:
    """Sum the hypergeometric series term by term until the terms stop mattering."""
    total = 1.0
    term = 1.0
    # The tail after a term is at most |term| / (1 - |z|) once the ratio of terms settles near
    # z; a few small terms in a row are asked for so a pause in the growth is not the end.
    tolerance = _EPSILON * (1 - abs(z)) if abs(z) < 1 else 0.0
    quiet = 0
    for n in range(_MAX_TERMS):
        an = a + n
        bn = b + n
        if an == 0 or bn == 0:  # a polynomial: the series ends here
            return total
        term *= an * bn / ((c + n) * (n + 1)) * z
        total += term
        if abs(term) <= tolerance * abs(total):
            quiet += 1
            if quiet == 3:  # noqa: PLR2004 - three quiet terms in a row
                return total
        else:
            quiet = 0
    raise ArithmeticError(f"hyp2f1({a}, {b}; {c}; {z}) did not converge in {_MAX_TERMS} terms")


def _gamma_ratio(numerator: tuple[float, ...], denominator: tuple[float, ...]) -> float:
    """Return prod(Gamma(n)) / prod(Gamma(d)), zero when a denominator argument is a pole."""
    sign = 1.0
    log_value = 0.0
    for value in denominator:
        part_sign, part_log = log_rgamma(value)
        if part_sign == 0:
            return 0.0
        sign *= part_sign
        log_value += part_log
    for value in numerator:
        part_sign, part_log = log_rgamma(value)  # numerator poles were ruled out by the caller
        sign *= part_sign
        log_value -= part_log
    return sign * math.exp(log_value)


def _near_one_terms(a: float, b: float, c: float, z: float) -> tuple[float, float]:
    """Abramowitz & Stegun 15.3.6: the linear transformation to ``1 - z``, as its two terms."""
    w = 1 - z
    m = c - a - b
    first = _gamma_ratio((c, m), (c - a, c - b)) * _series(a, b, 1 - m, w)
    second = _gamma_ratio((c, -m), (a, b)) * math.pow(w, m) * _series(c - a, c - b, m + 1, w)
    return first, second


def _near_one(a: float, b: float, c: float, z: float) -> float:
    first, second = _near_one_terms(a, b, c, z)
    return first + second


def hyp2f1(a: float, b: float, c: float, z: float) -> float:
    """Return the Gauss hypergeometric function 2F1(a, b; c; z) for real ``z < 1``.

    Raises:
        ValueError: ``z >= 1``, or ``c`` is a pole (0, -1, -2, ...) while the series does not
            end before it.
        ArithmeticError: The series did not converge (absurdly large parameters).
    """
    if z >= 1 or not math.isfinite(z):
        raise ValueError(f"hyp2f1 needs z < 1 (got {z!r})")
    if _is_non_positive_integer(c):
        ends_before = [-p for p in (a, b) if _is_non_positive_integer(p) and -p < -c]
        if not ends_before:
            raise ValueError(f"hyp2f1 is undefined for c = {c!r}")
    if z == 0 or a == 0 or b == 0:
        return 1.0
    if _is_non_positive_integer(a) or _is_non_positive_integer(b):
        return _series(a, b, c, z)  # a polynomial in z
    if z < 0:
        # Pfaff: 2F1(a, b; c; z) = (1 - z)^-a 2F1(a, c - b; c; z / (z - 1)), z / (z - 1) in (0, 1).
        return math.pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1))
    if z <= _SERIES_UP_TO:
        return _series(a, b, c, z)
    return _near_one_side(a, b, c, z)


def _near_one_side(a: float, b: float, c: float, z: float) -> float:
    """2F1 for ``_SERIES_UP_TO < z < 1`` without polynomial cases or poles."""
    m = c - a - b
    gap = m - round(m)
    if abs(gap) >= _NEAR_INTEGER:
        first, second = _near_one_terms(a, b, c, z)
        value = first + second
        # With large a and b the two terms can be huge and cancel; the series, slower, is exact.
        if abs(first) + abs(second) <= _MAX_CANCELLATION * abs(value):
            return value
        if z <= _SERIES_NEAR_INTEGER_UP_TO:
            return _series(a, b, c, z)
        return value
    if z <= _SERIES_NEAR_INTEGER_UP_TO:
        return _series(a, b, c, z)
    # c - a - b (nearly) an integer and z very near 1: both terms of the transformation blow up
    # and cancel. The function is analytic in c, so the mean of two points placed symmetrically
    # around c, each far enough from the integer, is the value at c with an error of order h²;
    # Richardson's combination of the means at h and 2h cancels that error too.
    h = _NEAR_INTEGER + abs(gap)
    near = (_near_one(a, b, c + h, z) + _near_one(a, b, c - h, z)) / 2
    far = (_near_one(a, b, c + 2 * h, z) + _near_one(a, b, c - 2 * h, z)) / 2
    return (4 * near - far) / 3


def digamma(x: float) -> float:
    """Return psi(x), the derivative of log Gamma, for ``x > 0``."""
    if x <= 0:
        raise ValueError(f"digamma needs x > 0 (got {x!r})")
    shift = 0.0
    while x < _ASYMPTOTIC_FROM:
        shift -= 1 / x
        x += 1
    inverse_square = 1 / (x * x)
    series = inverse_square * (
        1 / 12
        - inverse_square
        * (1 / 120 - inverse_square * (1 / 252 - inverse_square * (1 / 240 - inverse_square / 132)))
    )
    return shift + math.log(x) - 0.5 / x - series


def trigamma(x: float) -> float:
    """Return psi'(x), the second derivative of log Gamma, for ``x > 0``."""
    if x <= 0:
        raise ValueError(f"trigamma needs x > 0 (got {x!r})")
    shift = 0.0
    while x < _ASYMPTOTIC_FROM:
        shift += 1 / (x * x)
        x += 1
    inverse = 1 / x
    inverse_square = inverse * inverse
    series = (
        inverse
        + inverse_square / 2
        + inverse
        * inverse_square
        * (
            1 / 6
            - inverse_square
            * (
                1 / 30
                - inverse_square * (1 / 42 - inverse_square * (1 / 30 - inverse_square * 5 / 66))
            )
        )
    )
    return shift + series
