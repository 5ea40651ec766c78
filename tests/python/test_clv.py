"""Predicted customer value (BG/NBD + Gamma-Gamma): the published CDNOW fit through the real dbt
project, the closed forms against hand-worked values, and the no-fit and disabled paths.

The CDNOW 1/10 sample (2,357 customers who first bought in Q1 1997) ships inside the
`lifetimes==0.11.3` wheel; the test downloads that wheel from PyPI once into .cache/ (never
committed) and reads the transactions from it. Published values: Fader, Hardie & Lee (2005) for
BG/NBD, Fader & Hardie (2013) for Gamma-Gamma, 39-week calibration ending 1997-09-30.
"""

from __future__ import annotations

import math
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT, Build, build_project, write_raw_store

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import clv  # noqa: E402

WHEEL_CACHE = REPO_ROOT / ".cache" / "lifetimes"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def cdnow_transactions() -> list[str]:
    """Lines of CDNOW_sample.txt: master id, sample id, yyyymmdd, CDs bought, dollar value."""
    wheels = sorted(WHEEL_CACHE.glob("*.whl"))
    if not wheels:
        download = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "--dest", str(WHEEL_CACHE), "lifetimes==0.11.3"],
            capture_output=True, text=True, check=False,
        )
        wheels = sorted(WHEEL_CACHE.glob("*.whl"))
        assert wheels, f"could not fetch lifetimes==0.11.3 from PyPI for the CDNOW data: {download.stderr[-2000:]}"
    with zipfile.ZipFile(wheels[0]) as wheel:
        return wheel.read("lifetimes/datasets/CDNOW_sample.txt").decode().splitlines()


@pytest.fixture(scope="module")
def cdnow_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The whole project built on CDNOW as a store's orders, as of the calibration end."""
    work_dir = tmp_path_factory.mktemp("cdnow")
    fixture = work_dir / "fixture"
    fixture.mkdir()
    lines = ["order_id,customer_id,email,ordered_at,currency,amount,status,loaded_at"]
    for number, line in enumerate(cdnow_transactions()):
        _, customer, day, _, value = line.split()
        stamp = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        lines.append(f"cd{number},{customer},,{stamp} 12:00:00,USD,{value},completed,{stamp} 13:00:00")
    (fixture / "orders.csv").write_text("\n".join(lines) + "\n")
    build = build_project(write_raw_store(fixture, work_dir / "raw"), work_dir, as_of_date="1997-09-30")
    assert build.result.returncode == 0, build.output[-5000:]
    return build


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
    assert {"clv_model_parameters", "fct_customer_predictions", "mart_cohort_ltv_forecast"}.isdisjoint(tables)
    assert build.scalar("select count(*) from marts.dim_people") == 4
    assert build.scalar("select count(*) from marts.dim_people where p_alive is not null or at_risk") == 0
