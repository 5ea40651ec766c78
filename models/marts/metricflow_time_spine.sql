-- One row per day from the first data month to the end of the as-of month: the time spine
-- MetricFlow joins metrics to. Grain: day.
with

months as (
    select * from {{ ref('int_months') }}
),

bounds as (
    select
        min(month) as first_day,
        max(cast({{ dbt.last_day('month', 'month') }} as date)) as last_day
    from months
),

day_offsets as (
    -- up to 10,000 days (27 years) of history
    select number as day_offset
    from {{ number_sequence(4) }} as numbers
),

final as (
    select cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'bounds.first_day') }} as date) as date_day
    from day_offsets
    cross join bounds
    where day_offsets.day_offset <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
)

select * from final
