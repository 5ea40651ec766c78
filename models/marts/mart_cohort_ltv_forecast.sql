-- Cohort LTV observed so far and predicted at 12 and 24 months since the first order. Grain:
-- cohort month (month of the first valid order). Predicted = revenue already observed inside the
-- window + the members' expected value between the as-of date and the window's end, per member.
with

summary as (
    select * from {{ ref('int_buyer_repeat_summary') }}
),

predictions as (
    select * from {{ ref('int_customer_predictions') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

member_revenue as (
    select
        summary.person_id,
        sum(orders.net_revenue) as revenue_to_date,
        sum(
            case
                when orders.order_month < {{ dbt.dateadd('month', 12, 'summary.cohort_month') }}
                    then orders.net_revenue
                else 0
            end
        ) as revenue_in_12_months,
        sum(
            case
                when orders.order_month < {{ dbt.dateadd('month', 24, 'summary.cohort_month') }}
                    then orders.net_revenue
                else 0
            end
        ) as revenue_in_24_months
    from summary
    inner join orders
        on summary.person_id = orders.person_id
    where orders.is_valid
    group by summary.person_id
),

members as (
    select
        summary.person_id,
        summary.cohort_month,
        member_revenue.revenue_to_date,
        member_revenue.revenue_in_12_months,
        member_revenue.revenue_in_24_months,
        -- exact decimals, so the cohort sums do not depend on the order threads add them in
        cast(predictions.predicted_value_to_12_months as decimal(18, 6)) as predicted_value_to_12_months,
        cast(predictions.predicted_value_to_24_months as decimal(18, 6)) as predicted_value_to_24_months
    from summary
    inner join member_revenue
        on summary.person_id = member_revenue.person_id
    left join predictions
        on summary.person_id = predictions.person_id
),

cohorts as (
    select
        cohort_month,
        count(*) as cohort_size,
        sum(revenue_to_date) as revenue_to_date,
        sum(revenue_in_12_months) as revenue_in_12_months,
        sum(revenue_in_24_months) as revenue_in_24_months,
        -- a prediction missing for any member (no fit) leaves the cohort's forecast null
        case
            when count(predicted_value_to_12_months) = count(*) then sum(predicted_value_to_12_months)
        end as predicted_value_to_12_months,
        case
            when count(predicted_value_to_24_months) = count(*) then sum(predicted_value_to_24_months)
        end as predicted_value_to_24_months
    from members
    group by cohort_month
),

final as (
    select
        cohorts.cohort_month,
        cast(cohorts.cohort_size as bigint) as cohort_size,
        cast({{ dbt.datediff('cohorts.cohort_month', month_of('as_of.as_of_date'), 'month') }} as integer)
            as months_since_first_order_to_date,
        {{ money_per('cohorts.revenue_to_date', 'cohorts.cohort_size') }} as observed_ltv_to_date,
        {% for months in [12, 24] -%}
            {{ money_per('cohorts.revenue_in_' ~ months ~ '_months', 'cohorts.cohort_size') }}
                as observed_ltv_{{ months }}_months,
            {{ money_per('cohorts.revenue_in_' ~ months ~ '_months + cohorts.predicted_value_to_' ~ months ~ '_months',
                         'cohorts.cohort_size') }} as predicted_ltv_{{ months }}_months,
        {% endfor -%}
        cast(as_of.as_of_date as date) as as_of_date
    from cohorts
    cross join as_of
)

select * from final
