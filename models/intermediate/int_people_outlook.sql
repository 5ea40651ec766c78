-- Where each person is heading, in the states e-mail and ad tools use: RFM scores and group
-- (Shopify's group names, seeds/rfm_groups.csv), lifecycle status on the as-of date, predicted
-- next order date, churn-risk band and predicted spend tier. Grain: person (int_people_milestones).
{%- set recency_days = var('rfm_recency_days') %}
{%- set frequency_orders = var('rfm_frequency_orders') %}
{%- set monetary_values = var('rfm_monetary_values') %}
with

people as (
    select * from {{ ref('int_people_milestones') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

lifecycle as (
    select * from {{ ref('int_people_lifecycle_at_month_ends') }}
),

rfm_groups as (
    select * from {{ ref('rfm_groups') }}
),

predictions as (
    {% if var('clv_predictions_enabled') -%}
        select * from {{ ref('int_customer_predictions') }}
    {%- else -%}
        -- predictions disabled (engine without dbt Python models): no rows
        select
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as {{ dbt.type_float() }}) as p_alive,
            cast(null as {{ dbt.type_float() }}) as predicted_horizon_value,
            cast(null as {{ dbt.type_float() }}) as age,
            cast(null as integer) as frequency
        from {{ ref('int_as_of_date') }}
        where 1 = 0
    {%- endif %}
),

bgnbd as (
    {% if var('clv_predictions_enabled') -%}
        select
            r,
            alpha,
            time_unit_days
        from {{ ref('clv_model_parameters') }}
        where model_name = 'bg_nbd' and fit_status = 'ok'
    {%- else -%}
        select
            cast(null as {{ dbt.type_float() }}) as r,
            cast(null as {{ dbt.type_float() }}) as alpha,
            cast(null as {{ dbt.type_float() }}) as time_unit_days
        from {{ ref('int_as_of_date') }}
        where 1 = 0
    {%- endif %}
),

predicted as (
    -- E[purchase rate | alive, x, T] = (r + x) / (alpha + T) (the gamma posterior); its inverse is
    -- the expected wait for the next purchase from the as-of date, in clv time units
    select
        predictions.person_id,
        predictions.p_alive,
        predictions.predicted_horizon_value,
        (bgnbd.alpha + predictions.age) / (bgnbd.r + predictions.frequency) * bgnbd.time_unit_days
            as expected_days_to_next_order
    from predictions
    left join bgnbd
        on 1 = 1
),

purchase_days as (
    select
        person_id,
        min(order_date) as first_purchase_date,
        max(order_date) as last_purchase_date,
        count(distinct order_date) as purchase_days
    from orders
    where is_valid
    group by person_id
),

as_of_lifecycle as (
    select
        lifecycle.person_id,
        lifecycle.lifecycle_status
    from lifecycle
    inner join as_of
        on lifecycle.month_end_date = as_of.as_of_date
),

buyer_facts as (
    select
        people.person_id,
        people.valid_order_count,
        people.net_revenue,
        purchase_days.last_purchase_date,
        {{ dbt.datediff('purchase_days.last_purchase_date', 'as_of.as_of_date', 'day') }} as days_since_last_order,
        -- the mean gap between purchase days, for repeat buyers
        case
            when purchase_days.purchase_days > 1
                then
                    cast({{ dbt.datediff('purchase_days.first_purchase_date', 'purchase_days.last_purchase_date', 'day') }} as double)
                    / (purchase_days.purchase_days - 1)
        end as usual_gap_days,
        as_of.as_of_date
    from people
    cross join as_of
    left join purchase_days
        on people.person_id = purchase_days.person_id
),

scores as (
    -- each score is 1 + the cut points reached (vars rfm_*: four cut points, scores 1-5)
    select
        *,
        case
            when valid_order_count > 0
                then 1{% for days in recency_days %} + case when days_since_last_order <= {{ days }} then 1 else 0 end{% endfor %}
        end as recency_score,
        case
            when valid_order_count > 0
                then 1{% for reached in frequency_orders %} + case when valid_order_count >= {{ reached }} then 1 else 0 end{% endfor %}
        end as frequency_score,
        case
            when valid_order_count > 0
                then 1{% for value in monetary_values %} + case when net_revenue >= {{ value }} then 1 else 0 end{% endfor %}
        end as monetary_score
    from buyer_facts
),

grouped as (
    select
        scores.*,
        coalesce(rfm_groups.rfm_group, case when scores.valid_order_count = 0 then 'prospects' end) as rfm_group
    from scores
    left join rfm_groups
        on
            scores.recency_score between rfm_groups.recency_score_min and rfm_groups.recency_score_max
            and (scores.frequency_score + scores.monetary_score) / 2.0 >= rfm_groups.fm_score_min
            and (scores.frequency_score + scores.monetary_score) / 2.0 < rfm_groups.fm_score_below
),

final as (
    select
        grouped.person_id,
        grouped.recency_score,
        grouped.frequency_score,
        grouped.monetary_score,
        grouped.rfm_group,
        as_of_lifecycle.lifecycle_status,
        predicted.p_alive,
        case
            when predicted.expected_days_to_next_order is not null
                then cast({{ dbt.dateadd('day', 'cast(round(predicted.expected_days_to_next_order, 0) as integer)', 'grouped.as_of_date') }} as date)
            when grouped.usual_gap_days is not null
                then cast({{ dbt.dateadd('day', 'cast(round(grouped.usual_gap_days, 0) as integer)', 'grouped.last_purchase_date') }} as date)
        end as predicted_next_order_date,
        case
            when predicted.expected_days_to_next_order is not null then 'bg_nbd'
            when grouped.usual_gap_days is not null then 'usual_gap'
        end as next_order_basis,
        case
            when predicted.p_alive is null then null
            when predicted.p_alive < {{ var('churn_risk_p_alive_cut_points')[0] }} then 'high'
            when predicted.p_alive < {{ var('churn_risk_p_alive_cut_points')[1] }} then 'medium'
            else 'low'
        end as churn_risk_band,
        case
            when predicted.predicted_horizon_value is null then null
            when predicted.predicted_horizon_value < {{ var('spend_tier_cut_points')[0] }} then 'low'
            when predicted.predicted_horizon_value < {{ var('spend_tier_cut_points')[1] }} then 'medium'
            else 'high'
        end as predicted_spend_tier
    from grouped
    left join as_of_lifecycle
        on grouped.person_id = as_of_lifecycle.person_id
    left join predicted
        on grouped.person_id = predicted.person_id
)

select * from final
