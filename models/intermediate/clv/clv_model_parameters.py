"""BG/NBD and Gamma-Gamma fitted by maximum likelihood on int_buyer_repeat_summary.

One row per model. A store with too few repeat buyers, or data the optimiser cannot fit, gets a
row whose fit_status says so in words (and null parameters) instead of a failed build: the rest
of the project does not depend on predictions. The warn-severity test on fit_status surfaces it.
Each fit also records whether it reached the maximum (converged), the parameters' standard errors
and which ones the data barely identify. The likelihoods live in scripts/clv.py (on the path
through the profile's module_paths).
"""

import datetime
import math

import clv
import pandas

PARAMETER_NAMES = ("r", "alpha", "a", "b", "p", "q", "gamma")


def _row(model_name, status, message, buyers, fitted, calibration_end_date, time_unit_days):
    parameters = {} if fitted is None else vars(fitted.model)
    diagnostics = None if fitted is None else fitted.diagnostics
    errors = {} if diagnostics is None else diagnostics.standard_errors
    row = {
        "model_name": model_name,
        "fit_status": status,
        "fit_message": message,
        "buyers_fitted": buyers,
    }
    row |= {name: parameters.get(name) for name in PARAMETER_NAMES}
    row["log_likelihood"] = parameters.get("log_likelihood")
    row["converged"] = None if diagnostics is None else diagnostics.converged
    row["convergence_message"] = None if diagnostics is None else (diagnostics.message or None)
    # an infinite standard error (the parameter sits at a bound) is stored as null
    row |= {
        f"standard_error_{name}": errors[name] if math.isfinite(errors.get(name, math.nan)) else None
        for name in PARAMETER_NAMES
    }
    row["weakly_identified_parameters"] = (
        None if diagnostics is None or not diagnostics.weakly_identified else ",".join(diagnostics.weakly_identified)
    )
    row["starts_tried"] = None if diagnostics is None else diagnostics.starts_tried
    row["starts_at_maximum"] = None if diagnostics is None else diagnostics.starts_at_maximum
    row |= {
        "calibration_end_date": calibration_end_date,
        "time_unit_days": time_unit_days,
        "fitted_at": datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None),
    }
    return row


def _fit(model_name, fit, buyers, calibration_end_date, time_unit_days):
    try:
        fitted = fit()
    except clv.FitError as error:
        status = "insufficient_data" if "repeat buyers" in str(error) else "failed"
        return _row(model_name, status, str(error), buyers, None, calibration_end_date, time_unit_days)
    return _row(model_name, "ok", None, buyers, fitted, calibration_end_date, time_unit_days)


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta")
    min_repeat_buyers = int(settings["clv_min_repeat_buyers"])
    time_unit_days = float(settings["clv_time_unit_days"])
    max_relative_standard_error = float(settings["clv_max_relative_standard_error"])

    # no order needed: the fit sorts the distinct buyer rows itself (scripts/clv.py), so its
    # floating-point sums, and so the fit, are identical on every build
    summary = dbt.ref("int_buyer_repeat_summary").df()
    calibration_end_date = summary["calibration_end_date"].max() if len(summary) else None
    x = summary["frequency"].to_numpy(dtype=float)
    rows = [
        _fit(
            "bg_nbd",
            lambda: clv.fit_bgnbd(
                x, summary["recency"].to_numpy(float), summary["age"].to_numpy(float), min_repeat_buyers,
                max_relative_standard_error,
            ),
            len(summary),
            calibration_end_date,
            time_unit_days,
        ),
        _fit(
            "gamma_gamma",
            lambda: clv.fit_gamma_gamma(
                x, summary["monetary_value"].to_numpy(float, na_value=float("nan")), min_repeat_buyers,
                max_relative_standard_error,
            ),
            int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum()),
            calibration_end_date,
            time_unit_days,
        ),
    ]
    doubles = PARAMETER_NAMES + ("log_likelihood", "time_unit_days") + tuple(
        f"standard_error_{name}" for name in PARAMETER_NAMES
    )
    frame = pandas.DataFrame(rows).astype(
        {name: "float64" for name in doubles}
        | {
            "model_name": "string", "fit_status": "string", "fit_message": "string", "buyers_fitted": "int64",
            "converged": "boolean", "convergence_message": "string", "weakly_identified_parameters": "string",
            "starts_tried": "Int64", "starts_at_maximum": "Int64",
        }
    )
    frame["fitted_at"] = pandas.to_datetime(frame["fitted_at"])
    frame["calibration_end_date"] = pandas.to_datetime(frame["calibration_end_date"])
    # through DuckDB so an empty store still gets a typed date column
    return session.from_df(frame).project(
        "* replace (cast(calibration_end_date as date) as calibration_end_date)"
    )
