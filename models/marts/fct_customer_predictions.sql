-- Predicted value per buyer (BG/NBD + Gamma-Gamma, fitted in clv_model_parameters) beside their
-- current level. Grain: person with at least one valid order by the as-of date.
with

predictions as (
    select * from {{ ref('int_customer_predictions') }}
),

summary as (
    select * from {{ ref('int_buyer_repeat_summary') }}
),

people as (
    select * from {{ ref('dim_people') }}
),

final as (
    select
        cast(predictions.person_id as {{ dbt.type_string() }}) as person_id,
        cast(people.level_name as {{ dbt.type_string() }}) as level_name,
        cast(summary.cohort_month as date) as cohort_month,
        cast(summary.first_purchase_date as date) as first_purchase_date,
        cast(summary.last_purchase_date as date) as last_purchase_date,
        cast(predictions.frequency as integer) as repeat_purchase_days,
        cast(predictions.recency as double) as recency,
        cast(predictions.age as double) as age,
        cast(predictions.monetary_value as decimal(18, 2)) as mean_repeat_value,
        cast(predictions.p_alive as double) as p_alive,
        cast(people.at_risk as boolean) as at_risk,
        cast(people.churn_risk_band as {{ dbt.type_string() }}) as churn_risk_band,
        cast(people.rfm_group as {{ dbt.type_string() }}) as rfm_group,
        cast(people.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(people.predicted_next_order_date as date) as predicted_next_order_date,
        cast(people.predicted_spend_tier as {{ dbt.type_string() }}) as predicted_spend_tier,
        cast(predictions.expected_orders_in_horizon as double) as expected_orders_in_horizon,
        cast(predictions.expected_order_value as decimal(18, 2)) as expected_order_value,
        cast(predictions.predicted_horizon_value as decimal(18, 2)) as predicted_horizon_value,
        cast({{ var('prediction_horizon_days') }} as integer) as prediction_horizon_days,
        cast(summary.calibration_end_date as date) as as_of_date
    from predictions
    inner join summary
        on predictions.person_id = summary.person_id
    left join people
        on predictions.person_id = people.person_id
)

select * from final
