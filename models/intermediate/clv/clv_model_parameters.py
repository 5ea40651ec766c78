"""BG/NBD and Gamma-Gamma fitted by maximum likelihood on int_buyer_repeat_summary.

One row per model. A store with too few repeat buyers, or data the optimiser cannot fit, gets a
row whose fit_status says so in words (and null parameters) instead of a failed build: the rest
of the project does not depend on predictions. The warn-severity test on fit_status surfaces it.
The likelihoods live in scripts/clv.py (on the path through the profile's module_paths).
"""

import datetime

import clv
import pandas


def _row(model_name, status, message, buyers, parameters, log_likelihood, calibration_end_date, time_unit_days):
    return {
        "model_name": model_name,
        "fit_status": status,
        "fit_message": message,
        "buyers_fitted": buyers,
        "r": parameters.get("r"),
        "alpha": parameters.get("alpha"),
        "a": parameters.get("a"),
        "b": parameters.get("b"),
        "p": parameters.get("p"),
        "q": parameters.get("q"),
        "gamma": parameters.get("gamma"),
        "log_likelihood": log_likelihood,
        "calibration_end_date": calibration_end_date,
        "time_unit_days": time_unit_days,
        "fitted_at": datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None),
    }


def _fit(model_name, fit, buyers, calibration_end_date, time_unit_days):
    try:
        fitted = fit()
    except clv.FitError as error:
        status = "insufficient_data" if "repeat buyers" in str(error) else "failed"
        return _row(model_name, status, str(error), buyers, {}, None, calibration_end_date, time_unit_days)
    parameters = {name: float(value) for name, value in vars(fitted).items() if name != "log_likelihood"}
    return _row(
        model_name, "ok", None, buyers, parameters, float(fitted.log_likelihood), calibration_end_date, time_unit_days
    )


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta")
    min_repeat_buyers = int(settings["clv_min_repeat_buyers"])
    time_unit_days = float(settings["clv_time_unit_days"])

    # a fixed row order makes the floating-point sums, and so the fit, identical on every build
    summary = dbt.ref("int_buyer_repeat_summary").order("person_id").df()
    calibration_end_date = summary["calibration_end_date"].max() if len(summary) else None
    x = summary["frequency"].to_numpy(dtype=float)
    rows = [
        _fit(
            "bg_nbd",
            lambda: clv.fit_bgnbd(x, summary["recency"].to_numpy(float), summary["age"].to_numpy(float), min_repeat_buyers),
            len(summary),
            calibration_end_date,
            time_unit_days,
        ),
        _fit(
            "gamma_gamma",
            lambda: clv.fit_gamma_gamma(x, summary["monetary_value"].to_numpy(float, na_value=float("nan")), min_repeat_buyers),
            int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum()),
            calibration_end_date,
            time_unit_days,
        ),
    ]
    frame = pandas.DataFrame(rows).astype(
        {name: "float64" for name in ("r", "alpha", "a", "b", "p", "q", "gamma", "log_likelihood", "time_unit_days")}
        | {"model_name": "string", "fit_status": "string", "fit_message": "string", "buyers_fitted": "int64"}
    )
    frame["fitted_at"] = pandas.to_datetime(frame["fitted_at"])
    frame["calibration_end_date"] = pandas.to_datetime(frame["calibration_end_date"])
    # through DuckDB so an empty store still gets a typed date column
    return session.from_df(frame).project(
        "* replace (cast(calibration_end_date as date) as calibration_end_date)"
    )
