-- Each buyer's repeat-purchase summary for the calibration period that ends on the as-of date, in
-- the shape BG/NBD and Gamma-Gamma take (scripts/clv.py). Orders are collapsed to store-local
-- purchase days, as the models count purchase occasions, not orders. Grain: buyer (person with a
-- valid order).
{% set time_unit_days = var('clv_time_unit_days') %}
with

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

purchase_days as (
    select
        person_id,
        order_date as purchase_date,
        sum(net_revenue) as purchase_day_value
    from orders
    where is_valid
    group by person_id, order_date
),

purchase_days_ranked as (
    select
        person_id,
        purchase_date,
        purchase_day_value,
        min(purchase_date) over (partition by person_id) as first_purchase_date
    from purchase_days
),

buyers as (
    select
        person_id,
        first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) - 1 as frequency,
        -- mean of the repeat days only: the first purchase says nothing about repeat spend
        avg(case when purchase_date > first_purchase_date then purchase_day_value end) as monetary_value
    from purchase_days_ranked
    group by person_id, first_purchase_date
),

with_horizons as (
    select
        buyers.person_id,
        buyers.first_purchase_date,
        buyers.last_purchase_date,
        {{ month_of('buyers.first_purchase_date') }} as cohort_month,
        as_of.as_of_date as calibration_end_date,
        buyers.frequency,
        buyers.monetary_value,
        {{ dbt.datediff('buyers.first_purchase_date', 'buyers.last_purchase_date', 'day') }} as recency_days,
        {{ dbt.datediff('buyers.first_purchase_date', 'as_of.as_of_date', 'day') }} as age_days,
        -- days after the as-of date up to the end of the cohort's 12th and 24th month
        {{ dbt.datediff('as_of.as_of_date', dbt.dateadd('month', 12, month_of('buyers.first_purchase_date')), 'day') }} - 1
            as days_left_in_12_months,
        {{ dbt.datediff('as_of.as_of_date', dbt.dateadd('month', 24, month_of('buyers.first_purchase_date')), 'day') }} - 1
            as days_left_in_24_months
    from buyers
    cross join as_of
),

final as (
    select
        person_id,
        first_purchase_date,
        last_purchase_date,
        cohort_month,
        calibration_end_date,
        cast(frequency as integer) as frequency,
        cast(recency_days as double) / {{ time_unit_days }} as recency,
        cast(age_days as double) / {{ time_unit_days }} as age,
        cast(monetary_value as double) as monetary_value,
        cast(
            case when days_left_in_12_months > 0 then days_left_in_12_months else 0 end
            as double
        ) / {{ time_unit_days }} as horizon_to_12_months,
        cast(
            case when days_left_in_24_months > 0 then days_left_in_24_months else 0 end
            as double
        ) / {{ time_unit_days }} as horizon_to_24_months,
        cast({{ var('prediction_horizon_days') }} as double) / {{ time_unit_days }} as prediction_horizon
    from with_horizons
)

select * from final
