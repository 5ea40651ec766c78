-- The forecast's observed LTV equals mart_cohort_ltv's latest cumulative LTV (channel `all`), and
-- a prediction never falls below what is already observed in its window (expected value >= 0).
{{ config(enabled=var('clv_predictions_enabled')) }}
with

forecast as (
    select * from {{ ref('mart_cohort_ltv_forecast') }}
),

observed as (
    select * from {{ ref('mart_cohort_ltv') }}
    where acquisition_channel = 'all'
),

latest_months as (
    select
        cohort_month,
        max(months_since_first_order) as months_since_first_order
    from observed
    group by cohort_month
),

latest_observed as (
    select
        observed.cohort_month,
        observed.ltv_per_customer
    from observed
    inner join latest_months
        on
            observed.cohort_month = latest_months.cohort_month
            and observed.months_since_first_order = latest_months.months_since_first_order
),

final as (
    select
        forecast.cohort_month,
        forecast.observed_ltv_to_date,
        latest_observed.ltv_per_customer,
        forecast.observed_ltv_12_months,
        forecast.predicted_ltv_12_months,
        forecast.observed_ltv_24_months,
        forecast.predicted_ltv_24_months
    from forecast
    left join latest_observed
        on forecast.cohort_month = latest_observed.cohort_month
    where
        latest_observed.ltv_per_customer is null
        or forecast.observed_ltv_to_date <> latest_observed.ltv_per_customer
        or forecast.predicted_ltv_12_months < forecast.observed_ltv_12_months
        or forecast.predicted_ltv_24_months < forecast.observed_ltv_24_months
)

select * from final
