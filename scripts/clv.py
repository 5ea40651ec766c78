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

Used by the dbt Python model models/intermediate/int_customer_predictions.py; the CLI fits a
summary table in a built warehouse and prints the parameters.
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


def bgnbd_log_likelihood(
    params: np.ndarray, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each buyer's (x, t_x, T) under BG/NBD (Fader, Hardie & Lee 2005, eq. 6)."""
    r, alpha, a, b = params
    x, t_x, big_t = frequency, recency, age
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    still_alive = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + big_t)
    # dropped out right after the last purchase: only possible once there was a repeat purchase
    dropped_out = np.where(
        x > 0,
        special.betaln(a + 1, np.maximum(b + x - 1, 1e-12)) - special.betaln(a, b)
        - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return common + np.logaddexp(still_alive, dropped_out)


def gamma_gamma_log_likelihood(params: np.ndarray, frequency: np.ndarray, monetary: np.ndarray) -> np.ndarray:
    """Log-likelihood of each repeat buyer's mean spend under Gamma-Gamma (Fader & Hardie 2013, eq. 4)."""
    p, q, gamma = params
    x, m = frequency, monetary
    return (
        special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q)
        + q * np.log(gamma) + (p * x - 1) * np.log(m) + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )


def _maximise(negative_log_likelihood, start: np.ndarray) -> optimize.OptimizeResult:
    result = optimize.minimize(
        lambda log_params: negative_log_likelihood(np.exp(log_params)),
        np.log(start),
        method="L-BFGS-B",
        bounds=[LOG_BOUNDS] * len(start),
    )
    if not result.success or not np.isfinite(result.fun):
        raise FitError(f"the optimiser did not converge: {result.message}")
    return result


def _require_repeat_buyers(repeat_buyers: int, minimum: int, model: str) -> None:
    if repeat_buyers < minimum:
        raise FitError(
            f"{model} needs at least {minimum} repeat buyers (var clv_min_repeat_buyers) "
            f"and the calibration period has {repeat_buyers}"
        )


def fit_bgnbd(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray, min_repeat_buyers: int = 20) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters for the buyers' (x, t_x, T)."""
    x, t_x, big_t = (np.asarray(values, dtype=float) for values in (frequency, recency, age))
    _require_repeat_buyers(int((x > 0).sum()), min_repeat_buyers, "BG/NBD")
    if np.any(big_t < 0) or np.any(t_x > big_t):
        raise FitError("recency and age must satisfy 0 <= recency <= age: orders after the calibration end?")
    # Start from the purchase rate of an average buyer and a moderate dropout (the paper's scale).
    start = np.array([1.0, max(float(big_t.mean()), 1.0), 1.0, 1.0])
    result = _maximise(lambda params: -bgnbd_log_likelihood(params, x, t_x, big_t).sum(), start)
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(r=r, alpha=alpha, a=a, b=b, log_likelihood=-result.fun)


def fit_gamma_gamma(frequency: np.ndarray, monetary: np.ndarray, min_repeat_buyers: int = 20) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters on repeat buyers with a positive mean spend."""
    x, m = np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float)
    usable = (x > 0) & (m > 0)
    _require_repeat_buyers(int(usable.sum()), min_repeat_buyers, "Gamma-Gamma")
    x, m = x[usable], m[usable]
    start = np.array([1.0, 1.0, max(float(m.mean()), 1.0)])
    result = _maximise(lambda params: -gamma_gamma_log_likelihood(params, x, m).sum(), start)
    p, q, gamma = np.exp(result.x)
    return GammaGamma(p=p, q=q, gamma=gamma, log_likelihood=-result.fun)


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
    print(f"BG/NBD       r={bgnbd.r:.4f} alpha={bgnbd.alpha:.4f} a={bgnbd.a:.4f} b={bgnbd.b:.4f} "
          f"log-likelihood={bgnbd.log_likelihood:.2f}")
    print(f"Gamma-Gamma  p={gamma_gamma.p:.4f} q={gamma_gamma.q:.4f} gamma={gamma_gamma.gamma:.4f} "
          f"log-likelihood={gamma_gamma.log_likelihood:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
