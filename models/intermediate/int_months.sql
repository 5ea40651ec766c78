-- Every calendar month from the first data (first level change or ad spend) to the as-of month,
-- so marts can show months where nothing happened as zeros. Grain: month.
with

level_periods as (
    select * from {{ ref('int_level_periods') }}
),

ad_spend as (
    select * from {{ ref('int_ad_spend_converted') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

first_dates as (
    select min(valid_from) as first_date from level_periods
    union all
    select min(spend_date) as first_date from ad_spend
),

bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(first_dates.first_date)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'max(as_of.as_of_date)') }} as date) as last_month
    from first_dates
    cross join as_of
),

month_offsets as (
    -- up to 1,000 months (83 years) of history
    select number as month_offset
    from {{ number_sequence(3) }} as numbers
),

months as (
    select
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'bounds.first_month') }} as date) as month
    from month_offsets
    cross join bounds
    where month_offsets.month_offset <= {{ dbt.datediff('bounds.first_month', 'bounds.last_month', 'month') }}
),

months_with_ends as (
    select
        months.month,
        cast({{ dbt.last_day('months.month', 'month') }} as date) as calendar_month_end,
        as_of.as_of_date
    from months
    cross join as_of
),

final as (
    select
        month,
        -- the current month ends on the as-of date
        case
            when calendar_month_end > as_of_date then as_of_date
            else calendar_month_end
        end as month_end_date,
        calendar_month_end <= as_of_date as is_complete
    from months_with_ends
)

select * from final
