"""BG/NBD fitted on the calibration period only, and its prediction for each buyer's holdout.

Per buyer of int_buyer_holdout_summary: expected repeat purchase days in the holdout (BG/NBD
conditional expectation, scripts/clv.py) beside the actual ones. When the calibration period
cannot support a fit, predictions are null and fit_status / fit_message say why, as in
clv_model_parameters; so are converged and weakly_identified_parameters, which say how far to trust
a fit that ran (on every row: one fit per build).
"""

import clv
import numpy
import pandas


def model(dbt, session):
    dbt.config(materialized="table")
    # a plain assignment: dbt finds the config keys a Python model reads by parsing such calls
    settings = dbt.config.get("meta")
    min_repeat_buyers = int(settings["clv_min_repeat_buyers"])
    max_relative_standard_error = float(settings["clv_max_relative_standard_error"])
    # no order needed: the fit sorts the distinct buyer rows itself (scripts/clv.py), so its
    # floating-point sums, and so the fit, are identical on every build
    summary = dbt.ref("int_buyer_holdout_summary").df()
    x = summary["frequency"].to_numpy(float)
    t_x = summary["recency"].to_numpy(float)
    big_t = summary["age"].to_numpy(float)
    try:
        fitted = clv.fit_bgnbd(x, t_x, big_t, min_repeat_buyers, max_relative_standard_error)
        predicted = clv.expected_orders(fitted.model, summary["holdout_length"].to_numpy(float), x, t_x, big_t)
        status, message = "ok", None
        converged = fitted.diagnostics.converged
        weakly_identified = ",".join(fitted.diagnostics.weakly_identified) or None
    except clv.FitError as error:
        predicted = numpy.full(len(summary), numpy.nan)
        status = "insufficient_data" if "repeat buyers" in str(error) else "failed"
        message = str(error)
        converged, weakly_identified = None, None
    return pandas.DataFrame(
        {
            "person_id": summary["person_id"].astype("string"),
            "frequency": summary["frequency"].astype("int64"),
            "holdout_length": summary["holdout_length"].astype("float64"),
            "holdout_purchase_days": summary["holdout_purchase_days"].astype("int64"),
            "predicted_holdout_purchase_days": predicted,
            "fit_status": pandas.Series([status] * len(summary), dtype="string"),
            "fit_message": pandas.Series([message] * len(summary), dtype="string"),
            "converged": pandas.Series([converged] * len(summary), dtype="boolean"),
            "weakly_identified_parameters": pandas.Series([weakly_identified] * len(summary), dtype="string"),
        }
    )
