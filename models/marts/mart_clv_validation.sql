-- Does the BG/NBD fit deserve trust on this store's data? Fitted on a calibration period and
-- asked for the holdout that follows (int_clv_holdout_predictions): per number of repeat purchase
-- days in the calibration period (7 and more together, as in Fader, Hardie & Lee 2005, figure 4),
-- the buyers, their mean actual and mean predicted repeat purchase days in the holdout, and the
-- store's total error, and whether the calibration fit reached its maximum and which parameters
-- the data barely identify (one fit per build: the same on every row). Grain: calibration frequency.
with

predictions as (
    select * from {{ ref('int_clv_holdout_predictions') }}
),

summary as (
    select * from {{ ref('int_buyer_holdout_summary') }}
),

split as (
    select
        min(calibration_end_date) as calibration_end_date,
        min(as_of_date) as holdout_end_date
    from summary
),

bucketed as (
    select
        case when frequency >= 7 then 7 else frequency end as calibration_frequency,
        holdout_purchase_days,
        predicted_holdout_purchase_days,
        fit_status,
        converged,
        weakly_identified_parameters
    from predictions
),

by_frequency as (
    select
        calibration_frequency,
        count(*) as buyers,
        sum(holdout_purchase_days) as actual_holdout_purchase_days,
        sum(predicted_holdout_purchase_days) as predicted_holdout_purchase_days,
        max(fit_status) as fit_status,
        max(converged) as converged,
        max(weakly_identified_parameters) as weakly_identified_parameters
    from bucketed
    group by calibration_frequency
),

totals as (
    select
        sum(holdout_purchase_days) as total_actual,
        sum(predicted_holdout_purchase_days) as total_predicted
    from predictions
),

final as (
    select
        cast(by_frequency.calibration_frequency as integer) as calibration_frequency,
        cast(by_frequency.buyers as bigint) as buyers,
        cast(by_frequency.actual_holdout_purchase_days as bigint) as actual_holdout_purchase_days,
        cast(by_frequency.predicted_holdout_purchase_days as double) as predicted_holdout_purchase_days,
        cast(cast(by_frequency.actual_holdout_purchase_days as double) / by_frequency.buyers as double)
            as actual_per_buyer,
        cast(by_frequency.predicted_holdout_purchase_days / by_frequency.buyers as double) as predicted_per_buyer,
        cast(totals.total_actual as bigint) as total_actual_holdout_purchase_days,
        cast(totals.total_predicted as double) as total_predicted_holdout_purchase_days,
        cast(
            case
                when totals.total_actual > 0 then (totals.total_predicted - totals.total_actual) / totals.total_actual
            end as double
        ) as total_relative_error,
        cast(by_frequency.fit_status as {{ dbt.type_string() }}) as fit_status,
        cast(by_frequency.converged as boolean) as converged,
        cast(by_frequency.weakly_identified_parameters as {{ dbt.type_string() }}) as weakly_identified_parameters,
        cast(split.calibration_end_date as date) as calibration_end_date,
        cast(split.holdout_end_date as date) as holdout_end_date
    from by_frequency
    cross join totals
    cross join split
)

select * from final
