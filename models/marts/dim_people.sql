-- One row per stitched person with their milestones, value, current relationship level and outlook
-- (lifecycle status, RFM group, next order, churn risk, spend tier: int_people_outlook).
with

people as (
    select * from {{ ref('int_people_milestones') }}
),

level_history as (
    select * from {{ ref('fct_level_history') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

outlook as (
    select * from {{ ref('int_people_outlook') }}
),

predictions as (
    {% if var('clv_predictions_enabled') -%}
        select
            person_id,
            p_alive
        from {{ ref('int_customer_predictions') }}
    {%- else -%}
        -- predictions disabled (engine without dbt Python models): no rows, p_alive null
        select
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as {{ dbt.type_float() }}) as p_alive
        from as_of
        where 1 = 0
    {%- endif %}
),

current_levels as (
    select
        person_id,
        level_number,
        level_name
    from level_history
    where is_current
),

final as (
    select
        cast(people.person_id as {{ dbt.type_string() }}) as person_id,
        cast(people.first_visit_at as timestamp) as first_visit_at,
        cast(people.signed_up_at as timestamp) as signed_up_at,
        cast(people.first_order_at as timestamp) as first_order_at,
        cast(people.second_order_at as timestamp) as second_order_at,
        cast(people.last_order_at as timestamp) as last_order_at,
        cast(people.valid_order_count as integer) as valid_order_count,
        cast(people.net_revenue as decimal(18, 2)) as net_revenue,
        cast(people.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        cast(current_levels.level_number as integer) as level_number,
        cast(current_levels.level_name as {{ dbt.type_string() }}) as level_name,
        cast(predictions.p_alive as double) as p_alive,
        cast(
            case
                when current_levels.level_name in ('repeat_buyer', 'regular_buyer')
                    then predictions.p_alive < {{ var('clv_at_risk_threshold') }}
                else false
            end as boolean
        ) as at_risk,
        cast(outlook.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(outlook.recency_score as integer) as recency_score,
        cast(outlook.frequency_score as integer) as frequency_score,
        cast(outlook.monetary_score as integer) as monetary_score,
        cast(outlook.rfm_group as {{ dbt.type_string() }}) as rfm_group,
        cast(outlook.predicted_next_order_date as date) as predicted_next_order_date,
        cast(outlook.next_order_basis as {{ dbt.type_string() }}) as next_order_basis,
        cast(outlook.churn_risk_band as {{ dbt.type_string() }}) as churn_risk_band,
        cast(outlook.predicted_spend_tier as {{ dbt.type_string() }}) as predicted_spend_tier,
        cast(as_of.as_of_date as date) as as_of_date
    from people
    cross join as_of
    left join current_levels
        on people.person_id = current_levels.person_id
    left join predictions
        on people.person_id = predictions.person_id
    left join outlook
        on people.person_id = outlook.person_id
)

select * from final
