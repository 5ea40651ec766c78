-- Each person's lifecycle status at every month end (the as-of date for the current month), as
-- Amplitude's lifecycle chart does for users. Buyers (levels 4-6): new (first valid order in the
-- month), retained (ordered in the month and the month before), resurrected (ordered in the month
-- after at least one calendar month without), dormant (no valid order in the dormant_after_days
-- ending on the month end), otherwise between_orders. Levels 2-3 by web activity in the same
-- window: active or dormant. Grain: month x person on a level at that month end.
-- A table: mart_lifecycle and dim_people read it.
-- How: a person's inputs (level at the month end, latest order and event) change only in months
-- with a level change, a valid order or a web event. Those months, a few per person, start the
-- person's segments; the running values are taken over segments, and each segment is expanded to
-- its months at the end, rather than windows over every person's every month end
-- (docs/decisions.md: lifecycle statuses per segment).
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

months_in_sequence as (
    select
        month,
        month_end_date,
        lag(month) over (order by month) as previous_month,
        lag(month_end_date) over (order by month) as previous_month_end_date
    from months
),

change_days as (
    -- the days that can change a person's status inputs
    select
        person_id,
        valid_from as change_date,
        cast(null as date) as order_date,
        cast(null as date) as event_date
    from level_periods
    where level_number >= 2
    union all
    select
        person_id,
        order_date as change_date,
        order_date,
        cast(null as date) as event_date
    from orders
    where is_valid
    union all
    select
        person_id,
        event_date as change_date,
        cast(null as date) as order_date,
        event_date
    from events
),

change_months as (
    select
        person_id,
        {{ month_of('change_date') }} as month,
        max(order_date) as last_order_date_in_month,
        max(event_date) as last_event_date_in_month
    from change_days
    group by person_id, {{ month_of('change_date') }}
),

segment_starts as (
    -- the level at the month end; a level period starts a segment in its first month, so the
    -- level holds to the next segment. Months without a level (none: levels start at the first
    -- visit or order) would be left out, as the month ends they are not on.
    select
        change_months.person_id,
        change_months.month,
        level_periods.level_number,
        change_months.last_order_date_in_month,
        change_months.last_event_date_in_month,
        change_months.last_order_date_in_month is not null as is_order_month
    from change_months
    inner join months
        on change_months.month = months.month
    inner join level_periods
        on
            change_months.person_id = level_periods.person_id
            and {{ period_covers('level_periods', 'months.month_end_date') }}
    where level_periods.level_number >= 2
),

segments as (
    -- a person's level periods are contiguous, so their month ends are consecutive months and
    -- each segment runs from its month to the month before the next segment
    select
        person_id,
        month,
        level_number,
        is_order_month,
        lead(month) over (partition by person_id order by month) as next_segment_month,
        min(case when is_order_month then month end) over (partition by person_id) as first_order_month,
        max(case when is_order_month then month end) over (
            partition by person_id order by month rows between unbounded preceding and 1 preceding
        ) as previous_order_month,
        max(last_order_date_in_month) over (
            partition by person_id order by month rows between unbounded preceding and current row
        ) as last_order_date,
        max(last_event_date_in_month) over (
            partition by person_id order by month rows between unbounded preceding and current row
        ) as last_event_date,
        -- the segment before, whose values hold at the end of the month before this one
        lag(month) over (partition by person_id order by month) as previous_segment_month,
        lag(level_number) over (partition by person_id order by month) as previous_segment_level_number,
        lag(is_order_month) over (partition by person_id order by month) as previous_segment_is_order_month,
        max(last_order_date_in_month) over (
            partition by person_id order by month rows between unbounded preceding and 1 preceding
        ) as previous_segment_last_order_date,
        max(last_event_date_in_month) over (
            partition by person_id order by month rows between unbounded preceding and 1 preceding
        ) as previous_segment_last_event_date
    from segment_starts
),

segment_months as (
    select
        months_in_sequence.month,
        months_in_sequence.month_end_date,
        months_in_sequence.previous_month,
        months_in_sequence.previous_month_end_date,
        segments.person_id,
        segments.month as segment_month,
        segments.level_number,
        segments.is_order_month,
        segments.first_order_month,
        segments.previous_order_month,
        segments.last_order_date,
        segments.last_event_date,
        segments.previous_segment_month,
        segments.previous_segment_level_number,
        segments.previous_segment_is_order_month,
        segments.previous_segment_last_order_date,
        segments.previous_segment_last_event_date
    from segments
    inner join months_in_sequence
        on
            segments.month <= months_in_sequence.month
            and (segments.next_segment_month is null or segments.next_segment_month > months_in_sequence.month)
),

activity as (
    -- the inputs at the month end and at the end of the person's month before: earlier in the
    -- same segment, or the end of the segment before (none before the person's first month end)
    select
        month,
        month_end_date,
        person_id,
        level_number,
        month = segment_month and is_order_month as ordered_in_month,
        previous_order_month,
        first_order_month,
        last_order_date,
        last_event_date,
        previous_month_end_date,
        month > segment_month or previous_segment_month is not null as has_previous_month,
        case
            when month > segment_month then level_number
            else previous_segment_level_number
        end as previous_month_level_number,
        case
            when month > segment_month then is_order_month and segment_month = previous_month
            else previous_segment_is_order_month and previous_segment_month = previous_month
        end as ordered_in_previous_month,
        case
            when month > segment_month then last_order_date
            else previous_segment_last_order_date
        end as previous_month_last_order_date,
        case
            when month > segment_month then last_event_date
            else previous_segment_last_event_date
        end as previous_month_last_event_date
    from segment_months
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
            when {{ is_lifecycle_dormant(
                'level_number', 'ordered_in_month', 'last_order_date', 'last_event_date', 'month_end_date'
            ) }} then 'dormant'
            when level_number >= 4 then 'between_orders'
            else 'active'
        end as lifecycle_status,
        has_previous_month and coalesce({{ is_lifecycle_dormant(
            'previous_month_level_number', 'ordered_in_previous_month',
            'previous_month_last_order_date', 'previous_month_last_event_date', 'previous_month_end_date'
        ) }}, false) as was_dormant_month_before
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
        lifecycle_status = 'dormant' and not was_dormant_month_before as is_newly_dormant,
        last_order_date,
        last_event_date
    from statuses
)

select * from final
