-- Repeat and regular buyers (levels 5 and 6) at every month end (the as-of date for the current
-- month), with their valid orders up to that date: what repeat_not_regular and lapsing_regulars
-- judge. Grain: evaluation date x person.
with

level_periods as (
    select * from {{ ref('int_level_periods') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

months as (
    select * from {{ ref('int_months') }}
),

buyer_levels_on_dates as (
    select
        months.month_end_date as evaluation_date,
        level_periods.person_id,
        level_periods.level_number,
        level_periods.valid_from
    from months
    inner join level_periods
        on {{ period_covers('level_periods', 'months.month_end_date') }}
    where level_periods.level_number in (5, 6)
),

final as (
    select
        buyer_levels_on_dates.evaluation_date,
        buyer_levels_on_dates.person_id,
        buyer_levels_on_dates.level_number,
        buyer_levels_on_dates.valid_from,
        count(
            case
                when orders.order_date > cast(
                        {{ dbt.dateadd('day', -var('regular_buyer_window_days'), 'buyer_levels_on_dates.evaluation_date') }}
                        as date
                    ) then orders.order_id
            end
        ) as orders_in_regular_window,
        min(orders.order_date) as first_order_on,
        max(orders.order_date) as last_order_on,
        count(distinct orders.order_date) as purchase_days
    from buyer_levels_on_dates
    inner join orders
        on
            buyer_levels_on_dates.person_id = orders.person_id
            and orders.is_valid
            and buyer_levels_on_dates.evaluation_date >= orders.order_date
    group by
        buyer_levels_on_dates.evaluation_date,
        buyer_levels_on_dates.person_id,
        buyer_levels_on_dates.level_number,
        buyer_levels_on_dates.valid_from
)

select * from final
