-- lapsing_regulars at every month end (the as-of date for the current month): a regular buyer
-- (level 6) whose BG/NBD p_alive on the date is below clv_at_risk_threshold; without a fit, one
-- whose days since the last valid order exceed their usual gap x lapsing_gap_multiplier.
-- Grain: evaluation date x person.
{%- set time_unit_days = var('clv_time_unit_days') %}
{%- set threshold = var('clv_at_risk_threshold') %}
with

buyer_histories as (
    select * from {{ ref('int_buyer_histories_at_month_ends') }}
),

{% if var('clv_predictions_enabled') -%}
    parameters as (
        select * from {{ ref('clv_model_parameters') }}
    ),
{%- endif %}

bgnbd as (
    {% if var('clv_predictions_enabled') -%}
        select
            r,
            alpha,
            a,
            b
        from parameters
        where model_name = 'bg_nbd' and fit_status = 'ok'
    {%- else -%}
        -- predictions disabled: no parameters, so the usual-gap rule
        select
            cast(null as double) as r,
            cast(null as double) as alpha,
            cast(null as double) as a,
            cast(null as double) as b
        from buyer_histories
        where 1 = 0
    {%- endif %}
),

regulars_measured as (
    select
        buyer_histories.evaluation_date,
        buyer_histories.person_id,
        buyer_histories.valid_from,
        buyer_histories.last_order_on,
        buyer_histories.purchase_days - 1 as x,
        cast({{ dbt.datediff('buyer_histories.first_order_on', 'buyer_histories.last_order_on', 'day') }} as double)
            as recency_days,
        cast({{ dbt.datediff('buyer_histories.first_order_on', 'buyer_histories.evaluation_date', 'day') }} as double)
            as age_days,
        buyer_histories.first_order_on,
        bgnbd.r,
        bgnbd.alpha,
        bgnbd.a,
        bgnbd.b
    from buyer_histories
    left join bgnbd
        on 1 = 1
    where buyer_histories.level_number = 6
),

regulars_scored as (
    select
        *,
        {{ bgnbd_p_alive('x', 'recency_days / ' ~ time_unit_days, 'age_days / ' ~ time_unit_days,
                         'r', 'alpha', 'a', 'b') }} as p_alive,
        -- p_alive falls below the threshold once the age passes this many days after the first order
        case
            when x > 0 then floor(
                    (
                        (alpha + recency_days / {{ time_unit_days }})
                        * power((1.0 / {{ threshold }} - 1.0) * (b + x - 1) / a, 1.0 / (r + x))
                        - alpha
                    ) * {{ time_unit_days }}
                ) + 1
        end as days_to_lapse_after_first_order,
        case when x > 0 then recency_days / x end as usual_gap_days
    from regulars_measured
),

final as (
    select
        evaluation_date,
        person_id,
        greatest(
            valid_from,
            least(
                evaluation_date,
                case
                    when r is not null
                        then cast({{ dbt.dateadd('day', 'cast(days_to_lapse_after_first_order as integer)', 'first_order_on') }} as date)
                    else cast({{ dbt.dateadd('day', 'cast(floor(usual_gap_days * ' ~ var('lapsing_gap_multiplier') ~ ') as integer) + 1', 'last_order_on') }} as date)
                end
            )
        ) as entered_on
    from regulars_scored
    where
        case
            when r is not null then p_alive < {{ threshold }}
            else {{ dbt.datediff('last_order_on', 'evaluation_date', 'day') }} > usual_gap_days * {{ var('lapsing_gap_multiplier') }}
        end
)

select * from final
