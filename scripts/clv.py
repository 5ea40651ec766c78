"""Predicted customer value: BG/NBD for the number of future orders, Gamma-Gamma for their value.

The likelihoods and conditional expectations are the closed forms of Fader, Hardie & Lee (2005),
"Counting your customers the easy way" (BG/NBD), and Fader & Hardie (2013), "The Gamma-Gamma
model of monetary value". They are written here (not taken from `lifetimes`, which is unmaintained)
and checked against the papers' CDNOW figures by tests/python/test_clv.py.

Inputs per buyer, in one time unit (weeks by default, var clv_time_unit_days):
  frequency  x   repeat purchase days in the calibration period (distinct order days - 1)
  recency    t_x time from the first to the last purchase day
  age        T   time from the first purchase day to the end of the calibration period
  monetary   m   mean value of the repeat purchase days (Gamma-Gamma only, buyers with x > 0)

The fit is run to convergence: analytic gradients, L-BFGS-B from several starts with its
relative-reduction stop (ftol) switched off, then Newton steps; each fit reports whether it reached
the maximum, the standard errors from the Hessian and the parameters the data barely identify.
The likelihoods depend on a buyer only through the values above, so a fit runs over the distinct
rows, each weighted by its number of buyers: with time in whole days, a store's many buyers share
far fewer (x, t_x, T) (issue #18).

Used by the dbt Python models in models/intermediate/clv/; the CLI fits a summary table in a
built warehouse and prints the parameters.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

logger = logging.getLogger(__name__)

# Parameters are fitted on the log scale, so they stay positive; these bounds keep the optimiser
# away from overflow without excluding any plausible store (the CDNOW values lie well inside).
LOG_BOUNDS = (np.log(1e-4), np.log(1e4))
# A parameter whose standard error is above this share of its value is flagged as barely identified
# by the data (var clv_max_relative_standard_error); 0.5 means a 95 % interval wider than about a
# factor of 7 either way on the log scale.
DEFAULT_MAX_RELATIVE_STANDARD_ERROR = 0.5


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float


class FitError(RuntimeError):
    """The data cannot support a fit; the message says why in words an analyst can act on."""


def _bgnbd_terms(params, x, t_x, big_t):
    """The two ways a buyer's history can arise (Fader, Hardie & Lee 2005, eq. 6), on the log scale.

    still_alive: still buying at T; dropped_out: dropped out right after the last purchase (only
    possible once there was a repeat purchase, so -inf for one-time buyers).
    """
    r, alpha, a, b = params
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    still_alive = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + big_t)
    dropped_out = np.where(
        x > 0,
        special.betaln(a + 1, np.maximum(b + x - 1, 1e-12)) - special.betaln(a, b)
        - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return common, still_alive, dropped_out


def bgnbd_log_likelihood(
    params: np.ndarray, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each buyer's (x, t_x, T) under BG/NBD (Fader, Hardie & Lee 2005, eq. 6)."""
    common, still_alive, dropped_out = _bgnbd_terms(params, frequency, recency, age)
    return common + np.logaddexp(still_alive, dropped_out)


def _summed(values: np.ndarray, weights: np.ndarray | None) -> float:
    """Sum over rows, each counted `weights` times (once each without weights)."""
    return values.sum() if weights is None else (weights * values).sum()


def bgnbd_gradient(
    params: np.ndarray, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Summed gradient of the BG/NBD log-likelihood with respect to (r, alpha, a, b), each row
    counted `weights` times (its number of buyers; once without weights).

    Each buyer's likelihood is a mixture of the still-alive and dropped-out terms, so its gradient is
    their gradients weighted by each term's share of the likelihood.
    """
    r, alpha, a, b = params
    x, t_x, big_t = frequency, recency, age
    _, still_alive, dropped_out = _bgnbd_terms(params, x, t_x, big_t)
    total = np.logaddexp(still_alive, dropped_out)
    alive_share = np.exp(still_alive - total)
    dropout_share = np.exp(dropped_out - total)  # 0 for one-time buyers
    digamma = special.digamma
    # b + x - 1 only matters for repeat buyers; a harmless positive stand-in keeps digamma finite
    b_x_1 = np.where(x > 0, b + x - 1, 1.0)
    d_r = (
        digamma(r + x) - digamma(r) + np.log(alpha)
        - alive_share * np.log(alpha + big_t) - dropout_share * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - (r + x) * (alive_share / (alpha + big_t) + dropout_share / (alpha + t_x))
    d_a = (
        alive_share * (digamma(a + b) - digamma(a + b + x))
        + dropout_share * (digamma(a + 1) - digamma(a) + digamma(a + b) - digamma(a + b + x))
    )
    d_b = (
        alive_share * (digamma(b + x) - digamma(b) + digamma(a + b) - digamma(a + b + x))
        + dropout_share * (digamma(b_x_1) - digamma(b) + digamma(a + b) - digamma(a + b + x))
    )
    return np.array([_summed(d_r, weights), _summed(d_alpha, weights), _summed(d_a, weights), _summed(d_b, weights)])


def gamma_gamma_log_likelihood(params: np.ndarray, frequency: np.ndarray, monetary: np.ndarray) -> np.ndarray:
    """Log-likelihood of each repeat buyer's mean spend under Gamma-Gamma (Fader & Hardie 2013, eq. 4)."""
    p, q, gamma = params
    x, m = frequency, monetary
    return (
        special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q)
        + q * np.log(gamma) + (p * x - 1) * np.log(m) + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )


def gamma_gamma_gradient(
    params: np.ndarray, frequency: np.ndarray, monetary: np.ndarray, weights: np.ndarray | None = None,
) -> np.ndarray:
    """Summed gradient of the Gamma-Gamma log-likelihood with respect to (p, q, gamma), each row
    counted `weights` times (once without weights)."""
    p, q, gamma = params
    x, m = frequency, monetary
    digamma = special.digamma
    d_p = x * (digamma(p * x + q) - digamma(p * x) + np.log(m) + np.log(x) - np.log(gamma + m * x))
    d_q = digamma(p * x + q) - digamma(q) + np.log(gamma) - np.log(gamma + m * x)
    d_gamma = q / gamma - (p * x + q) / (gamma + m * x)
    return np.array([_summed(d_p, weights), _summed(d_q, weights), _summed(d_gamma, weights)])


@dataclass(frozen=True)
class FitDiagnostics:
    """How far to trust a fit: did it reach the maximum, and how well do the data pin each parameter."""

    converged: bool
    message: str
    standard_errors: dict[str, float]
    weakly_identified: tuple[str, ...]
    starts_tried: int
    starts_at_maximum: int


@dataclass(frozen=True)
class Fit:
    model: BgNbd | GammaGamma
    diagnostics: FitDiagnostics


def _hessian(gradient, point: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central differences of the analytic gradient: accurate to O(step^2), symmetric by construction."""
    size = len(point)
    columns = []
    for index in range(size):
        shift = np.zeros(size)
        shift[index] = step
        columns.append((gradient(point + shift) - gradient(point - shift)) / (2 * step))
    hessian = np.column_stack(columns)
    return (hessian + hessian.T) / 2


def _maximise(
    log_likelihood, gradient, starts: list[np.ndarray], names: tuple[str, ...], buyers: float,
    max_relative_standard_error: float,
) -> tuple[np.ndarray, float, FitDiagnostics]:
    """Maximise a log-likelihood summed over `buyers` buyers over log parameters from several
    starts, then polish by Newton.

    The objective is the mean negative log-likelihood per buyer, so tolerances mean the same on a
    store of 100 buyers and of a million. L-BFGS-B's default ftol stops once an iteration gains less
    than 2e-9 of the objective, which on a flat ridge (a and b trading off against each other) is
    long before the maximum; here ftol is off and the stop is the gradient, then Newton steps on the
    finite-difference Hessian of the analytic gradient walk the ridge to the top. Converged means
    the Newton step left is below 1e-6 on every log parameter (0.0001 % on the parameter) and the
    likelihood it would still gain is below 1e-6.
    """

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value = -float(log_likelihood(params)) / buyers
        slope = -gradient(params) * params / buyers  # chain rule through params = exp(log_params)
        if not np.isfinite(value):
            return np.inf, np.zeros_like(log_params)
        return value, slope

    def slope_only(log_params: np.ndarray) -> np.ndarray:
        return objective(log_params)[1]

    bounds = [LOG_BOUNDS] * len(names)
    low, high = LOG_BOUNDS
    ends = []
    for start in starts:
        result = optimize.minimize(
            objective,
            np.clip(np.log(start), low, high),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 0.0, "gtol": 1e-10, "maxiter": 5000, "maxfun": 20000},
        )
        if np.isfinite(result.fun):
            ends.append(result)
    if not ends:
        raise FitError("the likelihood is not finite from any starting point: are all values positive?")
    best = min(ends, key=lambda result: result.fun)
    point, value = best.x, float(best.fun)

    def at_bound(log_params: np.ndarray) -> np.ndarray:
        return (log_params <= low + 1e-6) | (log_params >= high - 1e-6)

    def newton_step(log_params: np.ndarray, hessian: np.ndarray) -> tuple[np.ndarray, bool]:
        """The Newton step on the parameters not held at a bound (zero for those), and whether the
        Hessian there is positive definite (without that the step is not towards a maximum)."""
        free = ~at_bound(log_params)
        step = np.zeros(len(log_params))
        if not free.any():
            return step, True
        block = hessian[np.ix_(free, free)]
        if not np.all(np.linalg.eigvalsh(block) > 0):
            return step, False
        step[free] = -np.linalg.solve(block, slope_only(log_params)[free])
        return step, True

    hessian = _hessian(slope_only, point)
    for _ in range(100):
        step, positive_definite = newton_step(point, hessian)
        gain = -float(slope_only(point) @ step) / 2
        if not positive_definite or gain * buyers < 1e-12:
            break
        # backtrack so a Newton step never lowers the likelihood (or leaves the bounds)
        for shrink in 0.5 ** np.arange(30):
            candidate = np.clip(point + shrink * step, low, high)
            candidate_value = objective(candidate)[0]
            if candidate_value <= value:
                break
        else:
            break
        if np.array_equal(candidate, point):
            # the step is below the floating-point spacing of the point: every further round would
            # recompute this same point, Hessian and step (up to 100 times, each costing dozens of
            # likelihood evaluations), so stopping here leaves the result bit for bit the same
            break
        point, value = candidate, candidate_value
        hessian = _hessian(slope_only, point)

    slope = slope_only(point)
    edge = at_bound(point)
    step, positive_definite = newton_step(point, hessian)
    remaining_gain = -float(slope @ step) / 2 * buyers if positive_definite else np.inf
    # at a bound the maximum is on the edge when the likelihood still rises outwards (the
    # Karush-Kuhn-Tucker condition): at the lower edge the slope of the objective is positive
    pushes_outwards = np.where(point <= low + 1e-6, slope >= 0, slope <= 0)
    converged = (
        positive_definite and np.max(np.abs(step)) < 1e-6 and remaining_gain < 1e-6
        and bool(np.all(pushes_outwards[edge]))
    )
    log_errors = np.full(len(names), np.inf)
    free = ~edge
    if positive_definite and free.any():
        # covariance of the free log parameters, the edge ones held fixed
        covariance = np.linalg.inv(hessian[np.ix_(free, free)]) / buyers
        log_errors[free] = np.sqrt(np.clip(np.diag(covariance), 0, None))
    if not positive_definite:
        message = "the likelihood is flat in some direction at the best point found (Hessian not positive definite)"
    elif not converged:
        message = f"stopped {np.max(np.abs(step)):.2g} (log scale) short of the maximum"
    elif edge.any():
        message = "maximum at the edge of the allowed range (1e-4 .. 1e4) for " + ", ".join(
            name for name, on_edge in zip(names, edge) if on_edge)
    else:
        message = ""
    params = np.exp(point)
    # the delta method: se(theta) = theta * se(log theta); relative error = se(log theta)
    standard_errors = {name: float(estimate * error) for name, estimate, error in zip(names, params, log_errors)}
    weakly_identified = tuple(
        name for name, error in zip(names, log_errors) if not error <= max_relative_standard_error
    )
    starts_at_maximum = sum(abs(result.fun - value) * buyers < 1e-3 for result in ends)
    diagnostics = FitDiagnostics(
        converged=bool(converged),
        message=message,
        standard_errors=standard_errors,
        weakly_identified=weakly_identified,
        starts_tried=len(starts),
        starts_at_maximum=int(starts_at_maximum),
    )
    return params, -value * buyers, diagnostics


def _require_repeat_buyers(repeat_buyers: int, minimum: int, model: str) -> None:
    if repeat_buyers < minimum:
        raise FitError(
            f"{model} needs at least {minimum} repeat buyers (var clv_min_repeat_buyers) "
            f"and the calibration period has {repeat_buyers}"
        )


def _distinct_rows(
    columns: tuple[np.ndarray, ...], weights: np.ndarray
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The distinct rows of the columns in ascending order, each with the summed weight of its copies.

    The sorted order also makes the fit's floating-point sums the same whatever order the buyers
    arrive in.
    """
    order = np.lexsort(columns[::-1])
    ordered = tuple(column[order] for column in columns)
    first_of_run = np.zeros(len(order), dtype=bool)
    first_of_run[:1] = True
    for column in ordered:
        first_of_run[1:] |= column[1:] != column[:-1]
    firsts = np.flatnonzero(first_of_run)
    return tuple(column[firsts] for column in ordered), np.add.reduceat(weights[order], firsts)


def _buyer_weights(weights: np.ndarray | None, rows: int) -> np.ndarray:
    if weights is None:
        return np.ones(rows)
    counts = np.asarray(weights, dtype=float)
    if counts.shape != (rows,) or np.any(counts < 0):
        raise ValueError(f"weights must be {rows} non-negative buyer counts, one per row")
    return counts


def fit_bgnbd(
    frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, min_repeat_buyers: int = 20,
    max_relative_standard_error: float = DEFAULT_MAX_RELATIVE_STANDARD_ERROR,
    weights: np.ndarray | None = None,
) -> Fit:
    """Maximum-likelihood BG/NBD parameters for the buyers' (x, t_x, T), with how far to trust them.

    One row per buyer, or per group of identical buyers with `weights` giving each row's buyers.
    """
    x, t_x, big_t = (np.asarray(values, dtype=float) for values in (frequency, recency, age))
    buyer_weights = _buyer_weights(weights, len(x))
    _require_repeat_buyers(int(buyer_weights[x > 0].sum()), min_repeat_buyers, "BG/NBD")
    if np.any(big_t < 0) or np.any(t_x > big_t):
        raise FitError("recency and age must satisfy 0 <= recency <= age: orders after the calibration end?")
    (x, t_x, big_t), buyer_weights = _distinct_rows((x, t_x, big_t), buyer_weights)
    buyers = float(buyer_weights.sum())
    # Starts spread over the shapes a store can have; the purchase-rate scale alpha follows from the
    # observed repeat rate (mean rate of the gamma = r / alpha), so no start is far off in scale.
    repeat_rate = max(float(_summed(x, buyer_weights)) / max(float(_summed(big_t, buyer_weights)), 1e-9), 1e-6)
    starts = [
        np.array([1.0, max(float(_summed(big_t, buyer_weights)) / buyers, 1.0), 1.0, 1.0]),  # the paper's scale
        np.array([0.25, 0.25 / repeat_rate, 0.8, 2.5]),  # CDNOW-like: moderate dropout
        np.array([1.0, 1.0 / repeat_rate, 0.01, 10.0]),  # hardly anyone drops out (the ridge)
        np.array([0.5, 0.5 / repeat_rate, 2.0, 0.5]),  # most drop out soon
    ]
    params, log_likelihood, diagnostics = _maximise(
        lambda params: _summed(bgnbd_log_likelihood(params, x, t_x, big_t), buyer_weights),
        lambda params: bgnbd_gradient(params, x, t_x, big_t, buyer_weights),
        starts, ("r", "alpha", "a", "b"), buyers, max_relative_standard_error,
    )
    r, alpha, a, b = (float(value) for value in params)
    return Fit(BgNbd(r=r, alpha=alpha, a=a, b=b, log_likelihood=log_likelihood), diagnostics)


def fit_gamma_gamma(
    frequency: np.ndarray, monetary: np.ndarray, min_repeat_buyers: int = 20,
    max_relative_standard_error: float = DEFAULT_MAX_RELATIVE_STANDARD_ERROR,
    weights: np.ndarray | None = None,
) -> Fit:
    """Maximum-likelihood Gamma-Gamma parameters on repeat buyers with a positive mean spend.

    One row per buyer, or per group of identical buyers with `weights` giving each row's buyers.
    """
    x, m = np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float)
    buyer_weights = _buyer_weights(weights, len(x))
    usable = (x > 0) & (m > 0)
    _require_repeat_buyers(int(buyer_weights[usable].sum()), min_repeat_buyers, "Gamma-Gamma")
    (x, m), buyer_weights = _distinct_rows((x[usable], m[usable]), buyer_weights[usable])
    buyers = float(buyer_weights.sum())
    mean_spend = max(float(_summed(m, buyer_weights)) / buyers, 1e-6)
    # the population mean spend is p * gamma / (q - 1): each start keeps it at the observed mean
    starts = [
        np.array([1.0, 1.0, mean_spend]),
        np.array([5.0, 3.0, mean_spend * 2 / 5]),
        np.array([2.0, 10.0, mean_spend * 9 / 2]),
    ]
    params, log_likelihood, diagnostics = _maximise(
        lambda params: _summed(gamma_gamma_log_likelihood(params, x, m), buyer_weights),
        lambda params: gamma_gamma_gradient(params, x, m, buyer_weights),
        starts, ("p", "q", "gamma"), buyers, max_relative_standard_error,
    )
    p, q, gamma = (float(value) for value in params)
    return Fit(GammaGamma(p=p, q=q, gamma=gamma, log_likelihood=log_likelihood), diagnostics)


def _dropout_odds(model: BgNbd, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) for repeat buyers, 0 for one-time buyers."""
    odds = (
        model.a / np.maximum(model.b + x - 1, 1e-12)
        * np.exp((model.r + x) * (np.log(model.alpha + big_t) - np.log(model.alpha + t_x)))
    )
    return np.where(x > 0, odds, 0.0)


def probability_alive(model: BgNbd, frequency, recency, age) -> np.ndarray:
    """P(still buying at T | x, t_x, T) (Fader, Hardie & Lee 2005, eq. 11)."""
    x, t_x, big_t = (np.asarray(values, dtype=float) for values in (frequency, recency, age))
    return 1.0 / (1.0 + _dropout_odds(model, x, t_x, big_t))


def expected_orders(model: BgNbd, horizon, frequency, recency, age) -> np.ndarray:
    """E[orders in (T, T + horizon] | x, t_x, T] (Fader, Hardie & Lee 2005, eq. 10)."""
    t = np.asarray(horizon, dtype=float)
    x, t_x, big_t = (np.asarray(values, dtype=float) for values in (frequency, recency, age))
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    hypergeometric = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
    growth = 1.0 - np.exp((r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t))) * hypergeometric
    expected = (a + b + x - 1) / (a - 1) * growth / (1.0 + _dropout_odds(model, x, t_x, big_t))
    return np.where(t > 0, expected, 0.0)


def expected_order_value(model: GammaGamma, frequency, monetary) -> np.ndarray:
    """E[mean order value | x, m]: the population mean for one-time buyers (Fader & Hardie 2013, eq. 5)."""
    x = np.asarray(frequency, dtype=float)
    m = np.nan_to_num(np.asarray(monetary, dtype=float))
    p, q, gamma = model.p, model.q, model.gamma
    denominator = p * x + q - 1
    # q <= 1 gives one-time buyers an infinite population mean: no prediction rather than a wrong one
    return np.where(denominator > 0, p * (gamma + x * m) / np.where(denominator > 0, denominator, 1.0), np.nan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fit BG/NBD and Gamma-Gamma on a built warehouse's buyer summary and print the parameters.",
    )
    parser.add_argument("--db", default="warehouse.duckdb", help="DuckDB file built by dbt (default: %(default)s)")
    parser.add_argument("--min-repeat-buyers", type=int, default=20, help="refuse to fit below this (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

    import duckdb

    with duckdb.connect(args.db, read_only=True) as connection:
        summary = connection.execute(
            "select frequency, recency, age, monetary_value from intermediate.int_buyer_repeat_summary"
        ).fetchnumpy()
    try:
        bgnbd = fit_bgnbd(summary["frequency"], summary["recency"], summary["age"], args.min_repeat_buyers)
        gamma_gamma = fit_gamma_gamma(summary["frequency"], summary["monetary_value"], args.min_repeat_buyers)
    except FitError as error:
        logger.error("cannot fit: %s", error)
        return 1
    for label, fitted in (("BG/NBD     ", bgnbd), ("Gamma-Gamma", gamma_gamma)):
        estimates = {name: value for name, value in vars(fitted.model).items() if name != "log_likelihood"}
        errors = fitted.diagnostics.standard_errors
        print(label, " ".join(f"{name}={value:.4f} (se {errors[name]:.4f})" for name, value in estimates.items()),
              f"log-likelihood={fitted.model.log_likelihood:.2f}")
        diagnostics = fitted.diagnostics
        print(" " * len(label), f"converged={diagnostics.converged}",
              f"starts at the maximum {diagnostics.starts_at_maximum}/{diagnostics.starts_tried}",
              f"weakly identified: {', '.join(diagnostics.weakly_identified) or 'none'}", diagnostics.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
