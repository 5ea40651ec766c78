"""Per buyer: probability alive, expected orders and value, from the fitted clv_model_parameters.

Predictions are null when a model's fit_status is not `ok` (the parameters row says why).
Expected order value is Gamma-Gamma's conditional mean; for one-time buyers it is the population
mean. Values are in the reporting currency, time in the unit of var clv_time_unit_days.
"""

import clv
import numpy
import pandas


def _fitted(parameters, model_name):
    row = parameters[(parameters["model_name"] == model_name) & (parameters["fit_status"] == "ok")]
    return None if row.empty else row.iloc[0]


def model(dbt, session):
    dbt.config(materialized="table")
    # a fixed row order makes the floating-point sums, and so the fit, identical on every build
    summary = dbt.ref("int_buyer_repeat_summary").order("person_id").df()
    parameters = dbt.ref("clv_model_parameters").df()

    x = summary["frequency"].to_numpy(float)
    t_x = summary["recency"].to_numpy(float)
    big_t = summary["age"].to_numpy(float)
    monetary = summary["monetary_value"].to_numpy(float, na_value=numpy.nan)
    missing = numpy.full(len(summary), numpy.nan)

    bgnbd_row = _fitted(parameters, "bg_nbd")
    if bgnbd_row is not None:
        bgnbd = clv.BgNbd(*(float(bgnbd_row[name]) for name in ("r", "alpha", "a", "b", "log_likelihood")))

        def orders_within(horizon):
            return clv.expected_orders(bgnbd, summary[horizon].to_numpy(float), x, t_x, big_t)

        p_alive = clv.probability_alive(bgnbd, x, t_x, big_t)
        orders_in_horizon = orders_within("prediction_horizon")
        orders_to_12_months = orders_within("horizon_to_12_months")
        orders_to_24_months = orders_within("horizon_to_24_months")
    else:
        p_alive = orders_in_horizon = orders_to_12_months = orders_to_24_months = missing

    gamma_gamma_row = _fitted(parameters, "gamma_gamma")
    if gamma_gamma_row is not None:
        gamma_gamma = clv.GammaGamma(*(float(gamma_gamma_row[name]) for name in ("p", "q", "gamma", "log_likelihood")))
        order_value = clv.expected_order_value(gamma_gamma, x, monetary)
    else:
        order_value = missing

    return pandas.DataFrame(
        {
            "person_id": summary["person_id"].astype("string"),
            "frequency": summary["frequency"].astype("int64"),
            "recency": t_x,
            "age": big_t,
            "monetary_value": monetary,
            "p_alive": p_alive,
            "expected_orders_in_horizon": orders_in_horizon,
            "expected_order_value": order_value,
            "predicted_horizon_value": orders_in_horizon * order_value,
            "predicted_value_to_12_months": orders_to_12_months * order_value,
            "predicted_value_to_24_months": orders_to_24_months * order_value,
        }
    )
