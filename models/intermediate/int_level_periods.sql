-- Each person's level over time as periods [valid_from, valid_to), valid_to null = still current.
-- Grain: person x period. The level on a date d is the highest rule that holds on d:
--   6 at least regular_buyer_min_orders valid orders dated in the regular_buyer_window_days ending on d
--   5 two or more valid orders by d;  4 exactly one;  3 signed up by d;  2 any web event by d.
-- A level can only change on a day something happens or an order leaves the regular window, so
-- the rule is evaluated on those days alone.
-- A table: several models and tests read it, and as a view each recomputed it (at 100M events two
-- of them at once ran out of an 8 GB memory_limit).
{{ config(materialized='table') }}

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

valid_orders as (
    select
        person_id,
        order_id,
        order_date
    from orders
    where is_valid
),

people_dated as (
    select
        person_id,
        {{ store_date('first_visit_at') }} as first_visit_date,
        {{ store_date('signed_up_at') }} as signed_up_date
    from people
),

change_dates as (
    select
        person_id,
        first_visit_date as change_date
    from people_dated
    where first_visit_date is not null
    union
    select
        person_id,
        signed_up_date as change_date
    from people_dated
    where signed_up_date is not null
    union
    select
        person_id,
        order_date as change_date
    from valid_orders
    union
    -- the first day an order no longer counts towards the regular-buyer window
    select
        person_id,
        cast({{ dbt.dateadd('day', var('regular_buyer_window_days'), 'order_date') }} as date)
            as change_date
    from valid_orders
),

change_dates_to_as_of as (
    select
        change_dates.person_id,
        change_dates.change_date
    from change_dates
    cross join as_of
    where change_dates.change_date <= as_of.as_of_date
),

orders_counted as (
    select
        change_dates_to_as_of.person_id,
        change_dates_to_as_of.change_date,
        count(valid_orders.order_id) as valid_orders_to_date,
        sum(
            case
                when valid_orders.order_date > cast({{ dbt.dateadd(
                    'day', -var('regular_buyer_window_days'), 'change_dates_to_as_of.change_date'
                ) }} as date)
                    then 1
                else 0
            end
        ) as valid_orders_in_window
    from change_dates_to_as_of
    left join valid_orders
        on
            change_dates_to_as_of.person_id = valid_orders.person_id
            and change_dates_to_as_of.change_date >= valid_orders.order_date
    group by change_dates_to_as_of.person_id, change_dates_to_as_of.change_date
),

levels_on_change_dates as (
    select
        orders_counted.person_id,
        orders_counted.change_date,
        case
            when orders_counted.valid_orders_in_window >= {{ var('regular_buyer_min_orders') }} then 6
            when orders_counted.valid_orders_to_date >= 2 then 5
            when orders_counted.valid_orders_to_date = 1 then 4
            when people_dated.signed_up_date <= orders_counted.change_date then 3
            when people_dated.first_visit_date <= orders_counted.change_date then 2
        end as level_number
    from orders_counted
    inner join people_dated
        on orders_counted.person_id = people_dated.person_id
),

level_changes_flagged as (
    select
        person_id,
        change_date,
        level_number,
        lag(level_number) over (partition by person_id order by change_date) as previous_level_number
    from levels_on_change_dates
),

level_starts as (
    select
        person_id,
        level_number,
        change_date as valid_from
    from level_changes_flagged
    where previous_level_number is null or previous_level_number <> level_number
),

final as (
    select
        person_id,
        level_number,
        valid_from,
        lead(valid_from) over (partition by person_id order by valid_from) as valid_to
    from level_starts
)

select * from final
