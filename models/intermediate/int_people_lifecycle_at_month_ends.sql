-- Each person's lifecycle status at every month end (the as-of date for the current month), as
-- Amplitude's lifecycle chart does for users. Buyers (levels 4-6): new (first valid order in the
-- month), retained (ordered in the month and the month before), resurrected (ordered in the month
-- after at least one calendar month without), dormant (no valid order in the dormant_after_days
-- ending on the month end), otherwise between_orders. Levels 2-3 by web activity in the same
-- window: active or dormant. Grain: month x person on a level at that month end.
-- A table: mart_lifecycle and dim_people read it.
{{ config(materialized='table') }}

with

level_periods as (
    select * from {{ ref('int_level_periods') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

events as {{ not_materialized() }} (
    select * from {{ ref('int_events_stitched') }}
),

months as (
    select * from {{ ref('int_months') }}
),

people_at_month_ends as (
    select
        months.month,
        months.month_end_date,
        level_periods.person_id,
        level_periods.level_number
    from months
    inner join level_periods
        on {{ period_covers('level_periods', 'months.month_end_date') }}
    where level_periods.level_number >= 2
),

order_months as (
    select
        person_id,
        {{ month_of('order_date') }} as month,
        max(order_date) as last_order_date_in_month
    from orders
    where is_valid
    group by person_id, {{ month_of('order_date') }}
),

order_months_in_sequence as (
    select
        person_id,
        month,
        last_order_date_in_month,
        lag(month) over (partition by person_id order by month) as previous_order_month,
        min(month) over (partition by person_id) as first_order_month
    from order_months
),

event_months as (
    select
        person_id,
        {{ month_of('event_date') }} as month,
        max(event_date) as last_event_date_in_month
    from events
    group by person_id, {{ month_of('event_date') }}
),

activity as (
    -- every month with an order or an event is a month the person is on a level at its end, so
    -- running maxima over the person's month ends carry the latest order and event forward
    select
        people_at_month_ends.month,
        people_at_month_ends.month_end_date,
        people_at_month_ends.person_id,
        people_at_month_ends.level_number,
        order_months_in_sequence.month is not null as ordered_in_month,
        order_months_in_sequence.previous_order_month,
        order_months_in_sequence.first_order_month,
        max(order_months_in_sequence.last_order_date_in_month) over (
            partition by people_at_month_ends.person_id
            order by people_at_month_ends.month rows between unbounded preceding and current row
        ) as last_order_date,
        max(event_months.last_event_date_in_month) over (
            partition by people_at_month_ends.person_id
            order by people_at_month_ends.month rows between unbounded preceding and current row
        ) as last_event_date
    from people_at_month_ends
    left join order_months_in_sequence
        on
            people_at_month_ends.person_id = order_months_in_sequence.person_id
            and people_at_month_ends.month = order_months_in_sequence.month
    left join event_months
        on
            people_at_month_ends.person_id = event_months.person_id
            and people_at_month_ends.month = event_months.month
),

statuses as (
    select
        month,
        month_end_date,
        person_id,
        level_number,
        last_order_date,
        last_event_date,
        case
            when level_number >= 4 and ordered_in_month and month = first_order_month then 'new'
            when
                level_number >= 4 and ordered_in_month
                and previous_order_month = cast({{ dbt.dateadd('month', -1, 'month') }} as date)
                then 'retained'
            when level_number >= 4 and ordered_in_month then 'resurrected'
            when
                level_number >= 4
                and {{ dbt.datediff('last_order_date', 'month_end_date', 'day') }} >= {{ var('dormant_after_days') }}
                then 'dormant'
            when level_number >= 4 then 'between_orders'
            when
                last_event_date is not null
                and {{ dbt.datediff('last_event_date', 'month_end_date', 'day') }} < {{ var('dormant_after_days') }}
                then 'active'
            else 'dormant'
        end as lifecycle_status
    from activity
),

final as (
    select
        month,
        month_end_date,
        person_id,
        level_number,
        lifecycle_status,
        -- dormant now, not at the end of the person's month before (or new to the table dormant)
        lifecycle_status = 'dormant'
        and coalesce(
            lag(lifecycle_status) over (partition by person_id order by month), 'none'
        ) <> 'dormant' as is_newly_dormant,
        last_order_date,
        last_event_date
    from statuses
)

select * from final
