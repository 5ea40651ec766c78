"""Predicted customer value (BG/NBD + Gamma-Gamma): the published CDNOW fit through the real dbt
project, the fit to convergence against `lifetimes` on the full CDNOW data, the closed forms
against hand-worked values, and the no-fit and disabled paths.

The CDNOW 1/10 sample (2,357 customers who first bought in Q1 1997) and the full data set (23,570
customers) ship inside the `lifetimes==0.11.3` wheel; the test downloads that wheel from PyPI once
into .cache/ (never committed) and reads the transactions from it. Published values: Fader, Hardie
& Lee (2005) for BG/NBD, Fader & Hardie (2013) for Gamma-Gamma, 39-week calibration ending
1997-09-30. The convergence tests install the same wheel (with its two pure-Python dependencies,
pinned) into .cache/lifetimes/site and run its fit in a subprocess: no dbt build, the fit goes
through scripts/clv.py directly.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from conftest import REPO_ROOT, Build, build_project, write_raw_store  # cdnow_build: conftest.py

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import clv  # noqa: E402

WHEEL_CACHE = REPO_ROOT / ".cache" / "lifetimes"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


# lifetimes' own dependencies that the project's environment lacks (both pure Python)
LIFETIMES_EXTRA_REQUIREMENTS = ("autograd==1.9.1", "dill==0.4.1")
CALIBRATION_END = datetime.date(1997, 9, 30)


def lifetimes_wheel() -> Path:
    """The lifetimes==0.11.3 wheel, downloaded from PyPI into .cache/ the first time."""
    wheels = sorted(WHEEL_CACHE.glob("*.whl"))
    if not wheels:
        download = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "--dest", str(WHEEL_CACHE), "lifetimes==0.11.3"],
            capture_output=True, text=True, check=False,
        )
        wheels = sorted(WHEEL_CACHE.glob("*.whl"))
        assert wheels, f"could not fetch lifetimes==0.11.3 from PyPI for the CDNOW data: {download.stderr[-2000:]}"
    return wheels[0]


def cdnow_transactions() -> list[str]:
    """Lines of CDNOW_sample.txt: master id, sample id, yyyymmdd, CDs bought, dollar value."""
    with zipfile.ZipFile(lifetimes_wheel()) as wheel:
        return wheel.read("lifetimes/datasets/CDNOW_sample.txt").decode().splitlines()


def cdnow_full_summary() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) in weeks of every customer in CDNOW_master.txt (23,570), calibration to 1997-09-30.

    Worked the way int_buyer_repeat_summary does it: purchases collapsed to days, x = days - 1,
    t_x and T in days / 7 from the first purchase day.
    """
    with zipfile.ZipFile(lifetimes_wheel()) as wheel:
        lines = wheel.read("lifetimes/datasets/CDNOW_master.txt").decode().splitlines()
    days: dict[str, set[datetime.date]] = {}
    for line in lines[1:]:  # header: customer_id date number_of_cds dollar_value
        customer, stamp, _, _ = line.split()
        day = datetime.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
        if day <= CALIBRATION_END:
            days.setdefault(customer, set()).add(day)
    x = np.array([len(bought) - 1 for bought in days.values()], dtype=float)
    t_x = np.array([(max(bought) - min(bought)).days / 7 for bought in days.values()])
    big_t = np.array([(CALIBRATION_END - min(bought)).days / 7 for bought in days.values()])
    return x, t_x, big_t


def lifetimes_site() -> Path:
    """lifetimes 0.11.3 and its pinned pure-Python dependencies installed into .cache/ once."""
    site = WHEEL_CACHE / "site"
    with open(WHEEL_CACHE.parent / "lifetimes-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers may ask at once
        if not (site / "lifetimes" / "__init__.py").exists():
            install = subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                 str(lifetimes_wheel()), *LIFETIMES_EXTRA_REQUIREMENTS],
                capture_output=True, text=True, check=False,
            )
            assert install.returncode == 0, f"could not install lifetimes for the comparison: {install.stderr[-2000:]}"
    return site


def lifetimes_bgnbd_fit(tmp_path: Path, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> dict[str, float]:
    """lifetimes' BetaGeoFitter on the same (x, t_x, T), in its own process (it changes warning filters)."""
    data = tmp_path / "summary.npz"
    np.savez(data, x=x, t_x=t_x, big_t=big_t)
    script = (
        "import json, sys, numpy\n"
        "from lifetimes import BetaGeoFitter\n"
        "d = numpy.load(sys.argv[1])\n"
        "f = BetaGeoFitter().fit(d['x'], d['t_x'], d['big_t'])\n"
        "print(json.dumps({name: float(value) for name, value in f.params_.items()}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(data)], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(lifetimes_site())},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def parameters(build: Build, model_name: str) -> dict[str, object]:
    with_names = build.rows(
        f"select * from intermediate.clv_model_parameters where model_name = '{model_name}'"
    )
    assert len(with_names) == 1
    columns = [row[0] for row in build.rows("describe intermediate.clv_model_parameters")]
    return dict(zip(columns, with_names[0]))


def test_cdnow_summary_matches_the_paper_sample(cdnow_build: Build) -> None:
    # 2,357 customers, of whom 946 made a repeat purchase in the 39 calibration weeks (Fader & Hardie 2013)
    assert cdnow_build.scalar("select count(*) from intermediate.int_buyer_repeat_summary") == 2357
    assert cdnow_build.scalar("select count(*) from intermediate.int_buyer_repeat_summary where frequency > 0") == 946


def test_bgnbd_reproduces_the_published_cdnow_fit(cdnow_build: Build) -> None:
    fitted = parameters(cdnow_build, "bg_nbd")
    assert fitted["fit_status"] == "ok", fitted["fit_message"]
    for name, published in PUBLISHED_BGNBD.items():
        assert fitted[name] == pytest.approx(published, rel=0.01), name
    assert fitted["buyers_fitted"] == 2357
    assert str(fitted["calibration_end_date"]) == "1997-09-30"
    assert fitted["converged"] is True
    assert fitted["starts_at_maximum"] == fitted["starts_tried"] == 4
    # 2,357 buyers pin r to about 5 % but b only to about 25 %: nothing above the 50 % flag
    assert fitted["weakly_identified_parameters"] is None
    assert 0 < fitted["standard_error_r"] < 0.1 * fitted["r"]


def test_gamma_gamma_reproduces_the_published_cdnow_fit(cdnow_build: Build) -> None:
    fitted = parameters(cdnow_build, "gamma_gamma")
    assert fitted["fit_status"] == "ok", fitted["fit_message"]
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert fitted[name] == pytest.approx(published, rel=0.01), name
    assert fitted["buyers_fitted"] == 946


def test_cdnow_predictions_fill_the_marts(cdnow_build: Build) -> None:
    assert cdnow_build.scalar(
        "select count(*) from marts.fct_customer_predictions where p_alive is null or predicted_horizon_value is null"
    ) == 0
    # one-time buyers are alive by construction of BG/NBD (nobody drops out before a repeat purchase)
    assert cdnow_build.scalar(
        "select min(p_alive) from marts.fct_customer_predictions where repeat_purchase_days = 0"
    ) == 1.0
    cohorts = cdnow_build.rows(
        "select cohort_month, cohort_size from marts.mart_cohort_ltv_forecast order by cohort_month"
    )
    assert [str(month) for month, _ in cohorts] == ["1997-01-01", "1997-02-01", "1997-03-01"]
    assert sum(size for _, size in cohorts) == 2357


def test_cdnow_holdout_validation_counts_the_holdout(cdnow_build: Build) -> None:
    # calibration to 1997-04-01 (the as-of date 1997-09-30 less clv_holdout_days = 182), holdout to
    # 1997-09-30: every one of the 2,357 customers first bought in Q1 1997, and they bought on
    # 1,629 customer-days from 2 April to 30 September (counted from CDNOW_sample.txt outside the project)
    buyers, actual, status, calibration_end = cdnow_build.rows(
        "select sum(buyers), max(total_actual_holdout_purchase_days), min(fit_status), "
        "max(calibration_end_date) from marts.mart_clv_validation")[0]
    assert (buyers, actual, status, str(calibration_end)) == (2357, 1629, "ok", "1997-04-01")
    assert cdnow_build.scalar("select count(*) from marts.mart_clv_validation") == 8  # 0..6 and 7+
    assert cdnow_build.scalar(
        "select count(*) from marts.mart_clv_validation where predicted_holdout_purchase_days > 0") == 8
    # the calibration fit's quality travels with it: one fit, the same on every row, and on the
    # 2,357 buyers it reaches its maximum (as the full-period fit does, test_bgnbd_reproduces_...)
    fits = cdnow_build.rows("select distinct converged, weakly_identified_parameters from marts.mart_clv_validation")
    assert len(fits) == 1 and fits[0][0] is True


def test_conditional_expectation_matches_the_paper() -> None:
    # Fader, Hardie & Lee (2005), section 5: x = 2, t_x = 30.43, T = 38.86 -> 1.226 purchases in 39 weeks
    model = clv.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0)
    assert float(clv.expected_orders(model, 39.0, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=5e-4)


def test_probability_alive_by_hand() -> None:
    model = clv.BgNbd(r=1.0, alpha=1.0, a=1.0, b=2.0, log_likelihood=0.0)
    # odds of having dropped out = a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) = 1/2 * (4/2)^2 = 2
    assert float(clv.probability_alive(model, 1, 1.0, 3.0)) == pytest.approx(1 / 3)
    assert float(clv.probability_alive(model, 0, 0.0, 3.0)) == 1.0


def test_expected_order_value_by_hand() -> None:
    model = clv.GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0)
    # one-time buyer: population mean p*gamma/(q-1) = 96.5/2.74
    assert float(clv.expected_order_value(model, 0, float("nan"))) == pytest.approx(96.5 / 2.74)
    # x = 2, m = 30: p*(gamma + x*m)/(p*x + q - 1) = 6.25*75.44/15.24
    assert float(clv.expected_order_value(model, 2, 30.0)) == pytest.approx(6.25 * 75.44 / 15.24)
    # q <= 1: the population mean does not exist, so no value rather than a negative one
    assert math.isnan(float(clv.expected_order_value(clv.GammaGamma(1.0, 0.5, 1.0, 0.0), 0, 0.0)))


def test_too_few_repeat_buyers_is_a_recorded_no_fit_not_a_failed_build(orders_only: Build) -> None:
    fitted = parameters(orders_only, "bg_nbd")
    assert fitted["fit_status"] == "insufficient_data"
    assert fitted["fit_message"] == (
        "BG/NBD needs at least 20 repeat buyers (var clv_min_repeat_buyers) and the calibration period has 2"
    )
    assert fitted["r"] is None
    assert orders_only.scalar("select count(*) from marts.fct_customer_predictions where p_alive is not null") == 0
    assert orders_only.scalar("select count(*) from marts.dim_people where p_alive is not null") == 0
    assert "fit_status" in orders_only.output and "WARN" in orders_only.output


def test_fit_refuses_too_few_repeat_buyers_with_the_count() -> None:
    with pytest.raises(clv.FitError, match="at least 5 repeat buyers .* has 2"):
        clv.fit_bgnbd([0, 1, 3], [0.0, 2.0, 5.0], [4.0, 6.0, 9.0], min_repeat_buyers=5)


def test_disabled_predictions_leave_the_rest_of_the_project(tmp_path: Path) -> None:
    raw_dir = write_raw_store(REPO_ROOT / "tests" / "python" / "fixtures" / "orders_only", tmp_path / "raw")
    build = build_project(raw_dir, tmp_path, clv_predictions_enabled=False)
    assert build.result.returncode == 0, build.output[-5000:]
    tables = {row[0] for row in build.rows("select table_name from information_schema.tables")}
    assert {"clv_model_parameters", "fct_customer_predictions", "mart_cohort_ltv_forecast",
            "mart_clv_validation"}.isdisjoint(tables)
    assert build.scalar("select count(*) from marts.dim_people") == 4
    assert build.scalar("select count(*) from marts.dim_people where p_alive is not null or at_risk") == 0


def test_bgnbd_matches_lifetimes_on_the_full_cdnow_data(tmp_path: Path) -> None:
    x, t_x, big_t = cdnow_full_summary()
    assert len(x) == 23570  # every customer of CDNOW_master.txt bought in Q1 1997
    fitted = clv.fit_bgnbd(x, t_x, big_t)
    reference = lifetimes_bgnbd_fit(tmp_path, x, t_x, big_t)
    for name, value in reference.items():
        assert getattr(fitted.model, name) == pytest.approx(value, rel=0.001), name
    assert fitted.diagnostics.converged, fitted.diagnostics.message
    # 23,570 buyers pin all four parameters: every standard error is under 10 % of its value
    assert fitted.diagnostics.weakly_identified == ()
    assert all(fitted.diagnostics.standard_errors[name] < 0.1 * value for name, value in reference.items())


def simulated_bgnbd_buyers(size: int, r: float, alpha: float, a: float, b: float, seed: int):
    """Buyers drawn from BG/NBD itself: purchase rate ~ gamma(r, alpha), dropout after each purchase
    with probability ~ beta(a, b), ages uniform on 10 .. 104 weeks."""
    rng = np.random.default_rng(seed)
    rates, dropouts, ages = rng.gamma(r, 1 / alpha, size), rng.beta(a, b, size), rng.uniform(10, 104, size)
    x, t_x = np.zeros(size), np.zeros(size)
    for buyer in range(size):
        clock = 0.0
        while True:
            clock += rng.exponential(1 / rates[buyer])
            if clock > ages[buyer]:
                break
            x[buyer], t_x[buyer] = x[buyer] + 1, clock
            if rng.random() < dropouts[buyer]:
                break
    return x, t_x, ages


def test_bgnbd_reaches_the_top_of_a_flat_ridge_and_flags_it(tmp_path: Path) -> None:
    # Hardly anyone drops out (a/(a+b) about 0.05 %), as in the retailer of issue 19: a and b trade
    # off along a ridge. L-BFGS-B with default tolerances stopped at a = 0.0011, b = 211 on these
    # buyers, 0.26 of log-likelihood below the maximum lifetimes and this fit find (a = 0.0014, b = 0.64).
    x, t_x, big_t = simulated_bgnbd_buyers(5000, r=0.6, alpha=8.0, a=0.0032, b=6.88, seed=2)
    fitted = clv.fit_bgnbd(x, t_x, big_t)
    reference = lifetimes_bgnbd_fit(tmp_path, x, t_x, big_t)
    reference_log_likelihood = clv.bgnbd_log_likelihood(
        np.array([reference[name] for name in ("r", "alpha", "a", "b")]), x, t_x, big_t
    ).sum()
    assert fitted.model.log_likelihood >= reference_log_likelihood - 1e-6
    for name, value in reference.items():
        assert getattr(fitted.model, name) == pytest.approx(value, rel=0.001), name
    assert fitted.diagnostics.converged
    assert fitted.diagnostics.weakly_identified == ("a", "b")


def test_bgnbd_maximum_at_the_edge_is_converged_and_flagged() -> None:
    # nobody ever drops out: the likelihood keeps rising as a -> 0, b -> infinity
    x, t_x, big_t = simulated_bgnbd_buyers(3000, r=0.6, alpha=8.0, a=1e-9, b=1.0, seed=0)
    fitted = clv.fit_bgnbd(x, t_x, big_t)
    assert fitted.diagnostics.converged
    assert "edge of the allowed range" in fitted.diagnostics.message
    assert {"a", "b"} <= set(fitted.diagnostics.weakly_identified)
    assert math.isinf(fitted.diagnostics.standard_errors["a"])


def test_analytic_gradients_match_finite_differences() -> None:
    x, t_x, big_t = simulated_bgnbd_buyers(400, r=0.3, alpha=5.0, a=0.8, b=2.5, seed=1)
    point = np.array([0.3, 5.0, 0.8, 2.5])
    numeric = optimize.approx_fprime(point, lambda p: clv.bgnbd_log_likelihood(p, x, t_x, big_t).sum(), 1e-7)
    assert clv.bgnbd_gradient(point, x, t_x, big_t) == pytest.approx(numeric, rel=1e-4, abs=1e-3)
    frequency, monetary = np.array([1.0, 2.0, 5.0, 3.0]), np.array([20.0, 35.5, 12.0, 80.0])
    point = np.array([6.0, 3.5, 15.0])
    numeric = optimize.approx_fprime(point, lambda p: clv.gamma_gamma_log_likelihood(p, frequency, monetary).sum(), 1e-7)
    assert clv.gamma_gamma_gradient(point, frequency, monetary) == pytest.approx(numeric, rel=1e-4, abs=1e-4)


def hand_bgnbd_log_likelihood(r: float, alpha: float, a: float, b: float) -> float:
    """The paper's BG/NBD likelihood (Fader, Hardie & Lee 2005, eq. 6) of three buyers worked by hand:
    (x, t_x, T) = (0, 0, 1) twice and (1, 1, 2) once. With Gamma(r+1)/Gamma(r) = r,
    B(a, b+1)/B(a, b) = b/(a+b) and B(a+1, b)/B(a, b) = a/(a+b):
      x = 0, T = 1:          (alpha / (alpha+1))^r
      x = 1, t_x = 1, T = 2: r alpha^r [b/(a+b) / (alpha+2)^(r+1) + a/(a+b) / (alpha+1)^(r+1)]
    At r = alpha = a = b = 1: 2 ln(1/2) + ln(1/18 + 1/8) = ln(13/288)."""
    one_time = r * (math.log(alpha) - math.log(alpha + 1))
    # on the log scale, as a three-buyer fit may end at the edge of the range (alpha = 1e4)
    repeat = math.log(r) + r * math.log(alpha) + float(np.logaddexp(
        math.log(b / (a + b)) - (r + 1) * math.log(alpha + 2), math.log(a / (a + b)) - (r + 1) * math.log(alpha + 1)
    ))
    return 2 * one_time + repeat


def hand_gamma_gamma_log_likelihood(p: float, q: float, gamma: float, buyers: list[tuple[float, float]]) -> float:
    """Fader & Hardie (2013), eq. 4, term by term, for (x, m) pairs."""
    return sum(
        math.lgamma(p * x + q) - math.lgamma(p * x) - math.lgamma(q) + q * math.log(gamma)
        + (p * x - 1) * math.log(m) + p * x * math.log(x) - (p * x + q) * math.log(gamma + m * x)
        for x, m in buyers
    )


def test_weighted_fit_counts_identical_buyers_like_separate_buyers() -> None:
    # issue #18: the fit runs over distinct (x, t_x, T) weighted by their number of buyers; it must
    # be the same fit, with the same log-likelihood, as one row per buyer
    assert hand_bgnbd_log_likelihood(1.0, 1.0, 1.0, 1.0) == pytest.approx(math.log(13 / 288), rel=1e-12)
    per_buyer = clv.fit_bgnbd([0, 0, 1], [0.0, 0.0, 1.0], [1.0, 1.0, 2.0], min_repeat_buyers=1)
    weighted = clv.fit_bgnbd([0, 1], [0.0, 1.0], [1.0, 2.0], min_repeat_buyers=1, weights=[2, 1])
    assert weighted == per_buyer
    model = weighted.model
    hand = hand_bgnbd_log_likelihood(model.r, model.alpha, model.a, model.b)
    assert model.log_likelihood == pytest.approx(hand, rel=1e-9)
    point = np.array([1.0, 1.0, 1.0, 1.0])
    distinct = (np.array([0.0, 1.0]), np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    every_buyer = (np.array([0.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0]), np.array([1.0, 1.0, 2.0]))
    weighted_gradient = clv.bgnbd_gradient(point, *distinct, np.array([2.0, 1.0]))
    assert weighted_gradient == pytest.approx(clv.bgnbd_gradient(point, *every_buyer), rel=1e-12)
    # Gamma-Gamma: (x, m) = (1, 10) twice, (2, 30) and (3, 20) once; one-time buyers do not count
    buyers = [(1.0, 10.0), (1.0, 10.0), (2.0, 30.0), (3.0, 20.0)]
    per_buyer_value = clv.fit_gamma_gamma(
        [0, 1, 1, 2, 3], [float("nan"), 10.0, 10.0, 30.0, 20.0], min_repeat_buyers=1
    )
    weighted_value = clv.fit_gamma_gamma([1, 2, 3], [10.0, 30.0, 20.0], min_repeat_buyers=1, weights=[2, 1, 1])
    assert weighted_value == per_buyer_value
    value_model = weighted_value.model
    hand = hand_gamma_gamma_log_likelihood(value_model.p, value_model.q, value_model.gamma, buyers)
    assert value_model.log_likelihood == pytest.approx(hand, rel=1e-9)


def test_fit_is_the_same_whatever_the_order_of_the_buyers() -> None:
    # the models no longer sort the buyers: the fit orders the distinct rows itself, so its
    # floating-point sums, and so every digit of the result, cannot depend on the arrival order
    x, t_x, big_t = simulated_bgnbd_buyers(3000, r=0.3, alpha=5.0, a=0.8, b=2.5, seed=3)
    t_x, big_t = np.round(t_x * 7) / 7, np.round(big_t * 7) / 7  # whole days, in weeks, as the summary has them
    shuffled = np.random.default_rng(4).permutation(len(x))
    assert clv.fit_bgnbd(x, t_x, big_t) == clv.fit_bgnbd(x[shuffled], t_x[shuffled], big_t[shuffled])
    monetary = np.where(x > 0, np.round(np.random.default_rng(5).gamma(4.0, 10.0, len(x)), 2), np.nan)
    assert clv.fit_gamma_gamma(x, monetary) == clv.fit_gamma_gamma(x[shuffled], monetary[shuffled])
