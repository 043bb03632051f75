"""Maximum likelihood by damped Newton steps in log-parameters, and the errors it raises.

Every parameter of the customer-value models is positive, so the search runs over their
logarithms: no bounds to respect, and the Hessian is well scaled whatever the time unit. Each
step solves ``(-H + lambda D) d = g`` (Levenberg-Marquardt damping, ``D`` the diagonal of ``-H``
where it is positive), accepts it only when the log-likelihood does not fall, and relaxes the
damping after a success, so far from the optimum it walks uphill like gradient ascent and near it
it converges like Newton.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from custrel.errors import CustrelError, ValidationError

__all__ = [
    "BoundaryError",
    "ConvergenceError",
    "Evaluation",
    "iteration_count",
    "maximize",
    "optional_log_likelihood",
    "positive_parameter",
]

P = TypeVar("P")

Evaluation = tuple[float, list[float], list[list[float]]]
"""The log-likelihood, its gradient and its Hessian, all with respect to log-parameters."""

_MAX_STEP = 3.0
"""The largest change of one log-parameter in one step (a factor of e³ ≈ 20)."""
_MAX_DAMPING = 1e16
_NEWTON_AGAIN = 1e-3
"""Damping at or below this barely changes a step: the next one is a plain Newton step."""


class ConvergenceError(CustrelError, ArithmeticError, Generic[P]):
    """A model fit did not reach the maximum of its likelihood.

    Attributes:
        params: The last parameters the search reached (the model's parameter type).
        log_likelihood: The log-likelihood there.
        iterations: How many Newton steps were taken.
    """

    def __init__(self, message: str, *, params: P, log_likelihood: float, iterations: int) -> None:
        self.params = params
        self.log_likelihood = log_likelihood
        self.iterations = iterations
        super().__init__(f"{message}; last parameters {params}, log-likelihood {log_likelihood}")


class BoundaryError(ConvergenceError[P]):
    """The likelihood keeps rising as a parameter runs to 0 or to infinity.

    The maximum lies on the edge of the parameter space, where the model degenerates (no repeat
    purchases, no sign that customers drop out, spends that do not vary), so there is no honest
    finite estimate to return.

    Attributes:
        parameter: The name of the parameter that runs away (``"r"``, ``"alpha"``, ...).
        toward: ``"0"`` or ``"infinity"``.
    """

    def __init__(
        self,
        message: str,
        *,
        parameter: str,
        toward: str,
        params: P,
        log_likelihood: float,
        iterations: int,
    ) -> None:
        self.parameter = parameter
        self.toward = toward
        super().__init__(
            message, params=params, log_likelihood=log_likelihood, iterations=iterations
        )


def positive_parameter(value: object, name: str) -> float:
    """Return a model parameter as a float, refusing what is not a finite number above zero."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError("expected a number", field=name, value=value)
    if not math.isfinite(value) or value <= 0:
        raise ValidationError("expected a finite number > 0", field=name, value=value)
    return float(value)


def optional_log_likelihood(value: object) -> float | None:
    """Convert a fitted model's ``log_likelihood``: a finite number, or None when not fitted."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(
            "expected a finite number or None", field="log_likelihood", value=value
        )
    return float(value)


def iteration_count(value: object) -> int:
    """Convert a fitted model's ``iterations``: the Newton steps it took, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="iterations", value=value)
    return value


def _solve_damped(
    hessian: list[list[float]], gradient: list[float], damping: float
) -> list[float] | None:
    """Solve ``(-H + damping * D) d = g`` by Cholesky; ``None`` if the matrix is not positive."""
    size = len(gradient)
    matrix = [[-hessian[i][j] for j in range(size)] for i in range(size)]
    for i in range(size):
        matrix[i][i] += damping * max(matrix[i][i], 1.0)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            total = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                if not total > 0:  # also catches NaN
                    return None
                lower[i][i] = math.sqrt(total)
            else:
                lower[i][j] = total / lower[j][j]
    forward = [0.0] * size
    for i in range(size):
        forward[i] = (gradient[i] - sum(lower[i][k] * forward[k] for k in range(i))) / lower[i][i]
    step = [0.0] * size
    for i in reversed(range(size)):
        step[i] = (forward[i] - sum(lower[k][i] * step[k] for k in range(i + 1, size))) / lower[i][
            i
        ]
    return step


def maximize(
    evaluate: Callable[[Sequence[float]], Evaluation],
    start: Sequence[float],
    *,
    names: Sequence[str],
    scales: Sequence[float],
    make_params: Callable[[Sequence[float]], P],
    max_iterations: int,
    tolerance: float,
    limit: float,
    model: str,
) -> tuple[list[float], float, int]:
    """Maximise a log-likelihood over log-parameters; return (log-parameters, value, steps).

    Args:
        evaluate: Returns the log-likelihood with gradient and Hessian at log-parameters; may
            return a non-finite value where the likelihood is not defined.
        start: Where to start, in log-parameters.
        names: The parameters' names, for errors.
        scales: Each parameter's natural size (the data's time scale for a rate parameter, 1
            otherwise); a parameter beyond ``scale * exp(±limit)`` counts as on the boundary.
        make_params: Builds the model's parameter value from log-parameters, for errors.
        max_iterations: Newton steps before giving up.
        tolerance: Converged when no log-parameter moves more than this in a full Newton step.
        limit: See *scales*.
        model: The model's name, for errors.

    Raises:
        BoundaryError: A parameter ran past its limit while the likelihood kept rising.
        ConvergenceError: No convergence within *max_iterations*, or no step could improve.
    """
    theta = list(start)
    value, gradient, hessian = evaluate(theta)
    if not math.isfinite(value):
        raise ConvergenceError(
            f"{model}: the log-likelihood is not finite at the starting point",
            params=make_params(theta),
            log_likelihood=value,
            iterations=0,
        )
    damping = 0.0
    for iteration in range(1, max_iterations + 1):
        found = _damped_step(evaluate, theta, (value, gradient, hessian), damping)
        if found is None:
            raise ConvergenceError(
                f"{model}: no step improves the log-likelihood",
                params=make_params(theta),
                log_likelihood=value,
                iterations=iteration,
            )
        step, used_damping, (value, gradient, hessian) = found
        theta = [t + s for t, s in zip(theta, step, strict=True)]
        # Relax the damping after a success; once it is small, go back to plain Newton steps.
        damping = used_damping / 8 if used_damping > _NEWTON_AGAIN else 0.0
        _check_boundary(
            theta,
            names=names,
            scales=scales,
            limit=limit,
            model=model,
            make_params=make_params,
            log_likelihood=value,
            iterations=iteration,
        )
        if used_damping <= _NEWTON_AGAIN and max(abs(s) for s in step) < tolerance:
            return theta, value, iteration
    raise ConvergenceError(
        f"{model}: did not converge in {max_iterations} iterations",
        params=make_params(theta),
        log_likelihood=value,
        iterations=max_iterations,
    )


def _damped_step(
    evaluate: Callable[[Sequence[float]], Evaluation],
    theta: Sequence[float],
    current: Evaluation,
    damping: float,
) -> tuple[list[float], float, Evaluation] | None:
    """Find a step that does not lower the log-likelihood, damping more until one does.

    Returns the step, the damping it took and the evaluation after it; ``None`` when even
    a vanishing gradient step cannot improve (the search is stuck).
    """
    value, gradient, hessian = current
    while damping <= _MAX_DAMPING:
        step = _solve_damped(hessian, gradient, damping)
        if step is not None:
            largest = max(abs(s) for s in step)
            if largest > _MAX_STEP:
                step = [s * _MAX_STEP / largest for s in step]
            evaluation = evaluate([t + s for t, s in zip(theta, step, strict=True)])
            new_value = evaluation[0]
            if math.isfinite(new_value) and new_value >= value - 1e-12 * abs(value):
                return step, damping, evaluation
        damping = max(damping * 4, 1e-4)
    return None


def _check_boundary(
    theta: Sequence[float],
    *,
    names: Sequence[str],
    scales: Sequence[float],
    limit: float,
    model: str,
    make_params: Callable[[Sequence[float]], P],
    log_likelihood: float,
    iterations: int,
) -> None:
    for name, log_value, scale in zip(names, theta, scales, strict=True):
        relative = log_value - math.log(scale)
        if abs(relative) > limit:
            toward = "infinity" if relative > 0 else "0"
            raise BoundaryError(
                f"{model}: the likelihood keeps rising as {name} runs to {toward}, so the "
                "maximum is on the boundary of the parameter space and there is no finite "
                "estimate",
                parameter=name,
                toward=toward,
                params=make_params(theta),
                log_likelihood=log_likelihood,
                iterations=iterations,
            )
