-- The calibration / holdout split that tests the BG/NBD fit on the store's own data: each buyer's
-- (x, t_x, T) up to the calibration end (var clv_calibration_end_date; null = the as-of date less
-- var clv_holdout_days) and their repeat purchase days in the holdout that follows, to the as-of
-- date. Purchase days as in int_buyer_repeat_summary. Grain: buyer whose first valid order is on
-- or before the calibration end.
{% set time_unit_days = var('clv_time_unit_days') %}
with

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

split as (
    select
        as_of.as_of_date,
        {% if var('clv_calibration_end_date') -%}
            cast('{{ var("clv_calibration_end_date") }}' as date)
        {%- else -%}
            cast({{ dbt.dateadd('day', -var('clv_holdout_days'), 'as_of.as_of_date') }} as date)
        {%- endif %} as calibration_end_date
    from as_of
),

purchase_days as (
    select distinct
        person_id,
        order_date as purchase_date
    from orders
    where is_valid
),

buyers as (
    select
        purchase_days.person_id,
        split.calibration_end_date,
        split.as_of_date,
        min(purchase_days.purchase_date) as first_purchase_date,
        max(
            case when purchase_days.purchase_date <= split.calibration_end_date then purchase_days.purchase_date end
        ) as last_calibration_purchase_date,
        sum(case when purchase_days.purchase_date <= split.calibration_end_date then 1 else 0 end) - 1
            as frequency,
        sum(case when purchase_days.purchase_date > split.calibration_end_date then 1 else 0 end)
            as holdout_purchase_days
    from purchase_days
    cross join split
    group by purchase_days.person_id, split.calibration_end_date, split.as_of_date
),

final as (
    select
        person_id,
        calibration_end_date,
        as_of_date,
        cast(frequency as integer) as frequency,
        cast({{ dbt.datediff('first_purchase_date', 'last_calibration_purchase_date', 'day') }} as double)
        / {{ time_unit_days }} as recency,
        cast({{ dbt.datediff('first_purchase_date', 'calibration_end_date', 'day') }} as double)
        / {{ time_unit_days }} as age,
        cast({{ dbt.datediff('calibration_end_date', 'as_of_date', 'day') }} as double)
        / {{ time_unit_days }} as holdout_length,
        cast(holdout_purchase_days as integer) as holdout_purchase_days
    from buyers
    where first_purchase_date <= calibration_end_date
)

select * from final
