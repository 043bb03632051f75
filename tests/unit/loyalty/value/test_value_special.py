"""The special functions behind the models, checked against identities and pinned values.

The pinned values were computed once with mpmath at 40 digits.
"""

import math

import pytest

from custrel.loyalty._special import digamma, hyp2f1, trigamma


class TestHypergeometric:
    @pytest.mark.parametrize(
        ("a", "b", "c", "z", "expected"),
        [
            (1, 1, 2, 0.5, 1.3862943611198906),
            (0.5, 0.5, 1.5, 0.25, 1.0471975511965979),
            (1.976, -0.207, 2.219, 0.2, 0.9600788510737561),
            (1.976, -0.207, 2.219, 0.946, 0.6408793776170031),  # near 1: transformation
            (1.976, -0.207, 4.219, 0.97, 0.8686191343360147),
            (2.5, 1.5, 3.25, -3.0, 0.1824635557076226),  # negative z: Pfaff
            (-3, 2, 1.5, 0.9, -0.045028571428571425),  # a polynomial
            (0.3, 0.7, 1.000000001, 0.99, 2.107710914689873),  # c - a - b nearly an integer
            (1, 2, 3, 0.999, 11.841181078941075),  # c - a - b = 0 exactly, z very near 1
            (5, 6, 7.5, 0.8, 477.7078458800137),  # large terms that cancel
            (0.25, 0.5, 1.75, 0.5, 1.044018415178124),
            (1.2, -0.4, 0.6, 0.995, -3.4089663901359413),
        ],
    )
    def test_pinned_values(self, a: float, b: float, c: float, z: float, expected: float) -> None:
        """2F1 agrees with mpmath to 1e-9 relative, on every path of the implementation."""
        assert math.isclose(hyp2f1(a, b, c, z), expected, rel_tol=1e-9)

    @pytest.mark.parametrize("z", [-5.0, -0.5, 0.1, 0.5, 0.8, 0.95, 0.999])
    def test_identities(self, z: float) -> None:
        """2F1(1,1;2;z) = -log(1-z)/z and 2F1(a,b;b;z) = (1-z)^-a."""
        assert math.isclose(hyp2f1(1, 1, 2, z), -math.log1p(-z) / z, rel_tol=1e-9)
        assert math.isclose(hyp2f1(0.7, 2.5, 2.5, z), (1 - z) ** -0.7, rel_tol=1e-12)

    def test_trivial_arguments(self) -> None:
        """At z = 0, or with a or b = 0, the function is 1."""
        assert hyp2f1(2, 3, 4, 0) == 1
        assert hyp2f1(0, 3, 4, 0.9) == 1

    def test_arguments_outside_the_domain_are_refused(self) -> None:
        """A z >= 1 and a pole in c raise ValueError."""
        with pytest.raises(ValueError, match="z < 1"):
            hyp2f1(1, 1, 2, 1.0)
        with pytest.raises(ValueError, match="z < 1"):
            hyp2f1(1, 1, 2, math.nan)
        with pytest.raises(ValueError, match="undefined for c = -2"):
            hyp2f1(1, 1, -2, 0.5)

    def test_a_pole_in_c_after_the_polynomial_ends_is_fine(self) -> None:
        """With a = -1 and c = -2 the series stops before the pole: 1 + a b z / c."""
        assert hyp2f1(-1, 3, -2, 0.5) == pytest.approx(1 + (-1 * 3 * 0.5) / -2)


class TestGammaDerivatives:
    @pytest.mark.parametrize(
        ("x", "psi", "psi1"),
        [
            (0.1, -10.423754940411076, 101.43329915079275),
            (1, -0.5772156649015329, 1.6449340668482264),
            (3.7, 1.1671535393615113, 0.3100378576700383),
            (25, 3.198742512851974, 0.04081066325722558),
        ],
    )
    def test_pinned_values(self, x: float, psi: float, psi1: float) -> None:
        """The digamma and trigamma functions agree with mpmath to 1e-12."""
        assert math.isclose(digamma(x), psi, rel_tol=1e-12)
        assert math.isclose(trigamma(x), psi1, rel_tol=1e-12)

    def test_only_positive_arguments(self) -> None:
        """Both refuse x <= 0."""
        with pytest.raises(ValueError, match="x > 0"):
            digamma(0)
        with pytest.raises(ValueError, match="x > 0"):
            trigamma(-1.5)
